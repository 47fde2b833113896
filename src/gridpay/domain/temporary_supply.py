"""Temporary supply (临时用电: building sites, fairs): its term, the prepaid estimate that must be in before connection,
and the settling up at its end (refund of what is left, or what is still owed).

Seed 003: 对于流动用户和临时用户，采取用户预交电费方式. 供电营业规则 (1996) art. 12: a temporary supply lasts no more
than six months unless the utility allows longer. The account itself is an ordinary prepaid account, settled daily; this
module only says when it may be connected and how it is closed.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from gridpay.domain.errors import DomainError
from gridpay.domain.money import format_yuan
from gridpay.domain.texts import gettext_noop

MAX_TERM_MONTHS = 6
MAX_ESTIMATE_KWH = Decimal("10000000")


class TemporarySupplyInvalid(DomainError):
    code = "temporary_supply_invalid"


class TemporarySupplyRefused(DomainError):
    code = "temporary_supply_refused"
    http_status = 409


class PrepaymentShort(DomainError):
    """Connection asked for before the account's credit covers the estimate."""

    code = "temporary_prepayment_short"
    http_status = 409


class TemporaryPurpose(StrEnum):
    CONSTRUCTION = "construction"  # 建筑工地
    FAIR = "fair"  # 集市、庙会
    EVENT = "event"  # 临时活动、演出、婚丧
    IRRIGATION = "irrigation"  # 抗旱排涝
    OTHER = "other"

    @property
    def label(self) -> str:
        return PURPOSE_LABELS[self]


PURPOSE_LABELS = {
    TemporaryPurpose.CONSTRUCTION: gettext_noop("工地"),
    TemporaryPurpose.FAIR: gettext_noop("集市"),
    TemporaryPurpose.EVENT: gettext_noop("临时活动"),
    TemporaryPurpose.IRRIGATION: gettext_noop("抗旱排涝"),
    TemporaryPurpose.OTHER: gettext_noop("其他"),
}


class TemporaryStage(StrEnum):
    REGISTERED = "registered"  # 已登记，待预交电费后送电
    CONNECTED = "connected"  # 预交足额，已下达送电
    ENDED = "ended"  # 已结束：末次结算、退款或欠费，已销户

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    TemporaryStage.REGISTERED: gettext_noop("待预交送电"),
    TemporaryStage.CONNECTED: gettext_noop("已送电"),
    TemporaryStage.ENDED: gettext_noop("已结束"),
}
CONNECTION_ORDERED = gettext_noop("已下达送电，待表计或现场确认")


def stage_label(*, stage: TemporaryStage, supply_connected: bool) -> str:
    """A supply is on only once the meter (or the field) confirmed it: until then its connection is ordered."""
    if stage is TemporaryStage.CONNECTED and not supply_connected:
        return CONNECTION_ORDERED
    return stage.label


def parse_purpose(*, text: str) -> TemporaryPurpose:
    """A purpose by its code or its Chinese label."""
    wanted = text.strip()
    for purpose in TemporaryPurpose:
        if wanted in (purpose.value, purpose.label):
            return purpose
    raise TemporarySupplyInvalid(
        gettext_noop("用电性质应为 {choices} 之一：{purpose}"), field="purpose",
        params={"choices": "、".join(f"{p.value}（{p.label}）" for p in TemporaryPurpose), "purpose": text},
    )


def months_later(day: date, months: int) -> date:
    """The same day ``months`` later, the month's last day when it has no such day (31 Aug + 6 months: 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def check_term(*, planned_start: date, planned_end: date, today: date) -> None:
    """The planned term: not begun in the past, ending on or after its start, six months at most (art. 12)."""
    if planned_start < today:
        raise TemporarySupplyInvalid(gettext_noop("计划开始日期 {start} 不能早于今天 {today}"), field="start",
                                     params={"start": planned_start, "today": today})
    if planned_end < planned_start:
        raise TemporarySupplyInvalid(gettext_noop("计划结束日期 {end} 不能早于开始日期 {start}"), field="end",
                                     params={"end": planned_end, "start": planned_start})
    latest = months_later(planned_start, MAX_TERM_MONTHS)
    if planned_end > latest:
        raise TemporarySupplyInvalid(
            gettext_noop("临时用电期限一般不超过六个月（供电营业规则第十二条）：结束日期最晚 {latest}"), field="end",
            params={"latest": latest},
        )


def check_estimate(*, estimate_kwh: Decimal) -> Decimal:
    """The estimated energy of the whole term: positive, in hundredths of a kWh."""
    if not estimate_kwh.is_finite() or estimate_kwh <= 0 or estimate_kwh > MAX_ESTIMATE_KWH:
        raise TemporarySupplyInvalid(gettext_noop("预计用电量应为正数（千瓦时）：{kwh}"), field="estimate_kwh",
                                     params={"kwh": estimate_kwh})
    if estimate_kwh != estimate_kwh.quantize(Decimal("0.01")):
        raise TemporarySupplyInvalid(gettext_noop("预计用电量最多两位小数：{kwh}"), field="estimate_kwh",
                                     params={"kwh": estimate_kwh})
    return estimate_kwh.quantize(Decimal("0.01"))


def shortfall_fen(*, estimate_fen: int, credit_fen: int) -> int:
    """What is still to be prepaid before connection (0: covered)."""
    return max(0, estimate_fen - credit_fen)


def require_prepaid(*, account_no: str, estimate_fen: int, credit_fen: int) -> None:
    """Refuses connection, naming the shortfall, until the credit covers the estimate."""
    short = shortfall_fen(estimate_fen=estimate_fen, credit_fen=credit_fen)
    if short:
        raise PrepaymentShort(
            gettext_noop("临时用电户 {account_no} 须预交预计电费 {estimate} 元后方可送电：现有余额 {credit} 元，"
                         "还差 {short} 元"),
            field="account_no",
            params={"account_no": account_no, "estimate": format_yuan(estimate_fen),
                    "credit": format_yuan(credit_fen), "short": format_yuan(short)},
        )


def check_end_day(*, end_day: date, registered_on: date, today: date) -> None:
    """The last day of supply: within the account's life, and not in the future (its reading must exist)."""
    if end_day < registered_on:
        raise TemporarySupplyInvalid(gettext_noop("结束日期 {end} 不能早于登记日 {registered}"), field="date",
                                     params={"end": end_day, "registered": registered_on})
    if end_day > today:
        raise TemporarySupplyInvalid(gettext_noop("结束日期 {end} 不能晚于今天 {today}"), field="date",
                                     params={"end": end_day, "today": today})


@dataclass(frozen=True)
class Closing:
    """What the end of a temporary supply does with the account's balance after the final settlement."""

    refund_fen: int  # paid back to the customer (counter cash)
    owed_fen: int  # still to be paid by the customer


def closing(*, balance_fen: int) -> Closing:
    return Closing(refund_fen=max(0, balance_fen), owed_fen=max(0, -balance_fen))


@dataclass(frozen=True)
class TemporaryFigures:
    """A temporary supply's money: estimate, paid (net of payments refunded to their channel), used (settled
    charges), refunded at the end. What is left on the account is paid − used − refunded; negative: owed."""

    estimate_fen: int
    paid_fen: int
    used_fen: int
    refunded_fen: int

    @property
    def left_fen(self) -> int:
        return self.paid_fen - self.used_fen - self.refunded_fen

    @property
    def owed_fen(self) -> int:
        return max(0, -self.left_fen)

    @property
    def used_of_estimate_percent(self) -> int:
        return round(self.used_fen * 100 / self.estimate_fen) if self.estimate_fen else 0
