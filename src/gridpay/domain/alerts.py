"""Balance alerts that fire once per crossing and re-arm after a top-up, and unusual daily usage (RULES §5)."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from statistics import median

from gridpay.domain.supply_policy import AlertLevels, UnusualUsageRule
from gridpay.domain.texts import gettext_noop


class AlertKind(StrEnum):
    # In rising severity: when several are crossed at once, the customer gets the most severe one.
    LOW_BALANCE_FIRST = "low_balance_first"
    DAYS_LEFT = "days_left"
    LOW_BALANCE_SECOND = "low_balance_second"
    ARREARS = "arrears"  # 欠费: supply will be suspended

    @property
    def label(self) -> str:
        return ALERT_LABELS[self]


ALERT_LABELS = {
    AlertKind.LOW_BALANCE_FIRST: gettext_noop("余额第一档"),
    AlertKind.DAYS_LEFT: gettext_noop("可用天数不足"),
    AlertKind.LOW_BALANCE_SECOND: gettext_noop("余额第二档"),
    AlertKind.ARREARS: gettext_noop("欠费停电通知"),
}


SEVERITY = list(AlertKind)


def conditions(
    *, levels: AlertLevels, available_balance_fen: int, days_left: int | None
) -> frozenset[AlertKind]:
    """The alert conditions that hold for this available balance and forecast."""
    held = set()
    if available_balance_fen < 0:
        held.add(AlertKind.ARREARS)
    if available_balance_fen < levels.second_fen:
        held.add(AlertKind.LOW_BALANCE_SECOND)
    if available_balance_fen < levels.first_fen:
        held.add(AlertKind.LOW_BALANCE_FIRST)
    if days_left is not None and days_left <= levels.days_left:
        held.add(AlertKind.DAYS_LEFT)
    return frozenset(held)


@dataclass(frozen=True)
class AlertUpdate:
    send: AlertKind | None  # the one alert to send now, if any
    fired: frozenset[AlertKind]  # the account's alerts that have fired and not re-armed


def after_settlement(
    *, levels: AlertLevels, fired: frozenset[AlertKind], available_balance_fen: int, days_left: int | None
) -> AlertUpdate:
    """Fire what newly holds, once: the most severe new condition is sent, all of them count as fired."""
    held = conditions(levels=levels, available_balance_fen=available_balance_fen, days_left=days_left)
    new = held - fired
    send = max(new, key=SEVERITY.index) if new else None
    # Conditions that stopped holding without a top-up (a cheaper day) stay fired: re-arming is
    # for payments, so a balance hovering at a level does not send an SMS every day.
    return AlertUpdate(send=send, fired=fired | held)


def after_payment(
    *, levels: AlertLevels, fired: frozenset[AlertKind], available_balance_fen: int, days_left: int | None
) -> frozenset[AlertKind]:
    """A top-up re-arms every alert whose condition no longer holds; it sends nothing."""
    return fired & conditions(levels=levels, available_balance_fen=available_balance_fen, days_left=days_left)


def usage_baseline(*, rule: UnusualUsageRule, history_kwh: Sequence[Decimal]) -> Decimal | None:
    """The account's usual day: the median of its last days (``history_kwh``, oldest first), if enough."""
    recent = list(history_kwh[-rule.baseline_days :])
    if len(recent) < rule.min_history_days:
        return None
    return Decimal(median(recent))


def may_be_unusual_usage(*, rule: UnusualUsageRule, history_ckwh: Sequence[int], day_ckwh: int) -> bool:
    """False when is_unusual_usage is surely false, worked out on hundredths of a kWh (domain.energy) without making a
    Decimal of each day: the baseline (a median) is at least the smallest of its days, so an unusual day is more than
    ``factor`` times that smallest day and at least ``min_excess_kwh`` above it. For a daily run over a whole town."""
    recent = history_ckwh[-rule.baseline_days :]
    if len(recent) < rule.min_history_days:
        return False
    least = min(recent)
    return day_ckwh > least * rule.factor and day_ckwh - least >= rule.min_excess_kwh * 100


def is_unusual_usage(*, rule: UnusualUsageRule, history_kwh: Sequence[Decimal], day_kwh: Decimal) -> bool:
    """Whether ``day_kwh`` is far above the account's own baseline (``history_kwh``, oldest first)."""
    baseline = usage_baseline(rule=rule, history_kwh=history_kwh)
    if baseline is None:
        return False
    return day_kwh > baseline * rule.factor and day_kwh - baseline >= rule.min_excess_kwh
