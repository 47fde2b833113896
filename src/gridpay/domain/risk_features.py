"""Fee-risk early warning (电费风险预警): an account's daily history in, its features, label and reasons out.

One function computes the features for the nightly scoring (series read from the database) and for the backtest
(series simulated): an account's day series — balance, charges, payments and their channel, alerts, disconnections,
the days it fell into arrears, a postpaid account's unpaid bill and its due date — becomes one row of numbers, and
the same numbers give the reasons shown to staff in words. Arrays are (accounts, days), numpy, vectorised over
accounts; only days up to the scoring day are read, so a feature never sees the future.

"In arrears" is RULES §4 and §10: a prepaid account's available balance below zero, a postpaid account's bill
unpaid at its due date. The label of a scoring day is "falls into arrears within the next ``horizon`` days".
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum, StrEnum

import numpy as np
from numpy.typing import NDArray

from gridpay.domain.texts import gettext_noop

HORIZON_DAYS = 14  # the warning looks this many days ahead (issue 16, point 8)
LOOKBACK_DAYS = 365  # late payments, disconnections and payment rhythm are counted over the last year
NO_DUE = 999  # days to the next due date of an account with no unpaid bill
DAYS_LEFT_CAP = 90.0  # more than this is "plenty": keeps a tiny average charge from dominating


class Channel(IntEnum):
    """How a payment came in, as the features see it: whether the customer had to act, and where."""

    NONE = 0
    WITHHOLDING = 1  # bank withholding (代扣): the money comes without the customer acting
    ONLINE = 2  # WeChat, Alipay, the app, bank online
    OFFLINE = 3  # counter, agent outlet, kiosk, recharge card, the collector at the door


_WITHHOLDING = {"bank_withholding", "withholding"}
_ONLINE = {"wechat", "alipay", "app", "bank", "unionpay"}


def channel_kind(channel: str) -> Channel:
    if channel in _WITHHOLDING:
        return Channel.WITHHOLDING
    if channel in _ONLINE:
        return Channel.ONLINE
    return Channel.OFFLINE


@dataclass(frozen=True)
class DailySeries:
    """Accounts × days, day 0 being ``first_day``. Balances and amounts in fen; the flags are of the day itself.

    ``balance_fen``: the available balance at the end of the day (postpaid: credit less unpaid bills).
    ``charge_fen``: the day's settled charge (0 for a postpaid account: it is billed monthly).
    ``paid_fen`` and ``channel``: the day's payments and the kind of channel of its last one (``Channel``).
    ``alerted``: a low-balance or days-left SMS went out; ``disconnected``: supply was suspended for arrears.
    ``fell_into_arrears``: the day the account went into arrears (prepaid: the balance went below zero; postpaid: the
    first day after a due date with the bill unpaid); ``in_arrears``: it was in arrears at the end of the day.
    ``owed_fen`` and ``days_to_due``: a postpaid account's unpaid bills not yet due and the days to the earliest due
    date (``NO_DUE`` when none).
    """

    first_day: date
    postpaid: NDArray[np.bool_]  # (accounts,)
    balance_fen: NDArray[np.int64]
    charge_fen: NDArray[np.int64]
    paid_fen: NDArray[np.int64]
    channel: NDArray[np.int8]
    alerted: NDArray[np.bool_]
    disconnected: NDArray[np.bool_]
    fell_into_arrears: NDArray[np.bool_]
    in_arrears: NDArray[np.bool_]
    owed_fen: NDArray[np.int64]
    days_to_due: NDArray[np.int16]

    @property
    def accounts(self) -> int:
        return int(self.balance_fen.shape[0])

    @property
    def days(self) -> int:
        return int(self.balance_fen.shape[1])

    def day_index(self, day: date) -> int:
        return (day - self.first_day).days


# The learner's inputs, one float64 column each: sums, rates and ratios for the model to weigh, never posted or paid.
# The one amount a person reads (the bill coming due, in a reason) is kept in whole fen.
FEATURES = (
    "postpaid",
    "balance_yuan",
    "charge_14d_yuan",  # average daily charge over the last 14 days
    "days_left",  # balance / average daily charge (RULES §5's 预计可用天数), capped
    "balance_slope_14d",  # yuan a day over the last 14 days, payments included
    "usage_trend",  # charge of the last 14 days against the 60 before: > 1 means rising (season, a new appliance)
    "days_since_payment",
    "payment_interval",  # the account's own rhythm: average days between payments over the year
    "overdue_vs_rhythm",  # days since the last payment / the usual interval
    "payments_90d",
    "share_withholding",  # of the year's payments
    "share_offline",
    "late_12m",  # times fallen into arrears in the last year
    "days_since_late",
    "disconnections_12m",
    "alerts_30d",
    "alert_unanswered_days",  # days since the first alert not followed by a payment (0: none pending)
    "owed_fen",  # postpaid: unpaid bills not due yet, in fen (a whole number: a reason says it as money)
    "days_to_due",
    "season_sin",  # day of the year, on a circle
    "season_cos",
)
FEATURE_INDEX = {name: i for i, name in enumerate(FEATURES)}


def features_at(*, series: DailySeries, at: int) -> NDArray[np.float64]:
    """Each account's feature row (columns ``FEATURES``) on day index ``at``, from the days up to it only."""
    if not 0 <= at < series.days:
        raise ValueError(f"day index {at} outside the series of {series.days} days")
    n = series.accounts
    start = max(0, at - LOOKBACK_DAYS + 1)
    days = np.arange(start, at + 1)
    paid = series.paid_fen[:, start : at + 1] > 0
    out = np.zeros((n, len(FEATURES)), dtype=np.float64)
    f = FEATURE_INDEX
    balance = series.balance_fen[:, at].astype(np.float64) / 100
    charges = series.charge_fen[:, max(0, at - 13) : at + 1].astype(np.float64) / 100
    charge_14 = charges.mean(axis=1)
    earlier = series.charge_fen[:, max(0, at - 73) : max(0, at - 13)].astype(np.float64) / 100
    charge_60 = earlier.mean(axis=1) if earlier.shape[1] else charge_14
    out[:, f["postpaid"]] = series.postpaid
    out[:, f["balance_yuan"]] = balance
    out[:, f["charge_14d_yuan"]] = charge_14
    with np.errstate(divide="ignore", invalid="ignore"):
        days_left = np.where(charge_14 > 0, balance / np.maximum(charge_14, 1e-9), DAYS_LEFT_CAP)
        out[:, f["usage_trend"]] = np.where(charge_60 > 0, charge_14 / np.maximum(charge_60, 1e-9), 1.0)
    out[:, f["days_left"]] = np.clip(np.where(series.postpaid, DAYS_LEFT_CAP, days_left), -DAYS_LEFT_CAP, DAYS_LEFT_CAP)
    back = min(14, at)
    out[:, f["balance_slope_14d"]] = (
        (series.balance_fen[:, at] - series.balance_fen[:, at - back]) / 100 / back if back else 0.0
    )
    last_paid = np.where(paid, days[None, :], -1).max(axis=1)
    first_paid = np.where(paid, days[None, :], at + 1).min(axis=1)
    count = paid.sum(axis=1)
    seen = at - start + 1
    since_payment = np.where(last_paid >= 0, at - last_paid, seen)
    interval = np.where(count >= 2, (last_paid - first_paid) / np.maximum(count - 1, 1), float(seen))
    out[:, f["days_since_payment"]] = since_payment
    out[:, f["payment_interval"]] = interval
    out[:, f["overdue_vs_rhythm"]] = since_payment / np.maximum(interval, 1.0)
    out[:, f["payments_90d"]] = paid[:, -90:].sum(axis=1)
    kinds = series.channel[:, start : at + 1]
    out[:, f["share_withholding"]] = (kinds == Channel.WITHHOLDING).sum(axis=1) / np.maximum(count, 1)
    out[:, f["share_offline"]] = (kinds == Channel.OFFLINE).sum(axis=1) / np.maximum(count, 1)
    late = series.fell_into_arrears[:, start : at + 1]
    last_late = np.where(late, days[None, :], -1).max(axis=1)
    out[:, f["late_12m"]] = late.sum(axis=1)
    out[:, f["days_since_late"]] = np.where(last_late >= 0, at - last_late, LOOKBACK_DAYS)
    out[:, f["disconnections_12m"]] = series.disconnected[:, start : at + 1].sum(axis=1)
    alerted = series.alerted[:, start : at + 1]
    out[:, f["alerts_30d"]] = alerted[:, -30:].sum(axis=1)
    # The first alert after the last payment: a customer who was told and has not paid since.
    unanswered = alerted & (days[None, :] > last_paid[:, None])
    first_unanswered = np.where(unanswered, days[None, :], at + 1).min(axis=1)
    out[:, f["alert_unanswered_days"]] = np.where(first_unanswered <= at, at - first_unanswered + 1, 0)
    out[:, f["owed_fen"]] = series.owed_fen[:, at]
    out[:, f["days_to_due"]] = series.days_to_due[:, at]
    day_of_year = (series.first_day + timedelta(days=at)).timetuple().tm_yday
    out[:, f["season_sin"]] = math.sin(2 * math.pi * day_of_year / 365.25)
    out[:, f["season_cos"]] = math.cos(2 * math.pi * day_of_year / 365.25)
    return out


def scored(*, series: DailySeries, at: int) -> NDArray[np.bool_]:
    """The accounts the warning is for on day ``at``: those not in arrears already (those are on the arrears list)."""
    return ~series.in_arrears[:, at]


def falls_into_arrears(*, series: DailySeries, at: int, horizon: int = HORIZON_DAYS) -> NDArray[np.bool_]:
    """The label: the account goes into arrears on one of the ``horizon`` days after ``at``; needs those days."""
    if at + horizon >= series.days:
        raise ValueError(f"the {horizon} days after day index {at} are not in the series yet")
    return np.asarray(series.fell_into_arrears[:, at + 1 : at + 1 + horizon].any(axis=1))


def rule_days_left(features: NDArray[np.float64]) -> NDArray[np.float64]:
    """Days left as the rule reads them: a prepaid account's balance in days, a postpaid one's days to its due date."""
    f = FEATURE_INDEX
    postpaid = features[:, f["postpaid"]] == 1
    owes = features[:, f["owed_fen"]] > 0
    return np.where(postpaid, np.where(owes, features[:, f["days_to_due"]], NO_DUE), features[:, f["days_left"]])


def obvious_rule(features: NDArray[np.float64]) -> NDArray[np.float64]:
    """The rule the model must beat: days left ≤ 3, or already in arrears once in the last year (1.0, else 0.0).

    A postpaid account's "days left" are the days to the due date of its unpaid bill: the rule at its fairest."""
    flagged = (rule_days_left(features) <= 3) | (features[:, FEATURE_INDEX["late_12m"]] >= 1)
    return flagged.astype(np.float64)


class ReasonCode(StrEnum):
    DAYS_LEFT = "days_left"
    LATE = "late"
    ALERT_UNANSWERED = "alert_unanswered"
    DISCONNECTED = "disconnected"
    OVERDUE_RHYTHM = "overdue_rhythm"
    DUE_SOON = "due_soon"
    USAGE_RISING = "usage_rising"

    @property
    def template(self) -> str:
        return REASON_TEMPLATES[self]


REASON_TEMPLATES = {
    ReasonCode.DAYS_LEFT: gettext_noop("余额约可用%(n)s天"),
    ReasonCode.LATE: gettext_noop("近12个月%(n)s次逾期"),
    ReasonCode.ALERT_UNANSWERED: gettext_noop("上次提醒后%(n)s天未交费"),
    ReasonCode.DISCONNECTED: gettext_noop("近12个月停电%(n)s次"),
    ReasonCode.OVERDUE_RHYTHM: gettext_noop("已%(n)s天未交费（平时约每%(m)s天交一次）"),
    ReasonCode.DUE_SOON: gettext_noop("电费%(m)s元%(n)s天后到期未交"),
    ReasonCode.USAGE_RISING: gettext_noop("近两周用电比平时多%(n)s%%"),
}


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    n: int
    m: int = 0

    def text(self, translate: Callable[[str], str] | None = None) -> str:
        """In Chinese, or through ``translate`` (gettext) in the reader's language."""
        template = translate(self.code.template) if translate else self.code.template
        return template % {"n": self.n, "m": self.m}

    def as_json(self) -> dict[str, object]:
        return {"code": self.code.value, "n": self.n, "m": self.m}

    @classmethod
    def from_json(cls, value: dict[str, object]) -> "Reason":
        return cls(ReasonCode(str(value["code"])), int(str(value["n"])), int(str(value.get("m", 0))))


def reasons(row: Sequence[float] | NDArray[np.float64], *, limit: int = 3) -> list[Reason]:
    """Up to ``limit`` reasons in words for one account's feature row, the weightiest first.

    They say what a collector can check and act on; they are read from the features, not from the model, so a
    reason is always true of the account's history even where the model weighs it otherwise."""
    v = {name: float(row[i]) for i, name in enumerate(FEATURES)}
    found: list[tuple[float, Reason]] = []
    if not v["postpaid"] and v["days_left"] <= 10:
        found.append((10 - v["days_left"], Reason(ReasonCode.DAYS_LEFT, max(0, math.floor(v["days_left"])))))
    if v["postpaid"] and v["owed_fen"] > 0 and v["days_to_due"] <= HORIZON_DAYS:
        # Money in words from whole fen, rounded half up to the yuan in integers (a float never becomes money).
        owed_fen = int(row[FEATURES.index("owed_fen")])
        found.append((8.0, Reason(ReasonCode.DUE_SOON, int(v["days_to_due"]), (owed_fen + 50) // 100)))
    if v["alert_unanswered_days"] >= 2:
        found.append((6 + v["alert_unanswered_days"] / 2,
                      Reason(ReasonCode.ALERT_UNANSWERED, int(v["alert_unanswered_days"]))))
    if v["late_12m"] >= 1:
        found.append((4 + 2 * v["late_12m"], Reason(ReasonCode.LATE, int(v["late_12m"]))))
    if v["disconnections_12m"] >= 1:
        found.append((3 + 2 * v["disconnections_12m"], Reason(ReasonCode.DISCONNECTED, int(v["disconnections_12m"]))))
    # A rhythm needs a few payments to be one.
    if v["payment_interval"] < 120 and v["overdue_vs_rhythm"] >= 1.2 and v["payments_90d"] >= 1:
        found.append((3 * v["overdue_vs_rhythm"],
                      Reason(ReasonCode.OVERDUE_RHYTHM, int(v["days_since_payment"]), _half_up(v["payment_interval"]))))
    if not v["postpaid"] and v["usage_trend"] >= 1.25:
        found.append((2 + v["usage_trend"], Reason(ReasonCode.USAGE_RISING, _half_up((v["usage_trend"] - 1) * 100))))
    found.sort(key=lambda pair: -pair[0])
    return [reason for _, reason in found[:limit]]


def _half_up(value: float) -> int:
    """Rounded as people round (四舍五入), for the whole numbers in the words."""
    return math.floor(value + 0.5)
