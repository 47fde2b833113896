"""Late fees on overdue postpaid bills (电费违约金, 供电营业规则 art. 98; RULES §10): unpaid principal × daily rate."""

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import TypeGuard

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop

# A rate is per mille per day with at most two decimals, i.e. a whole number of hundredths of a per mille (1e-5),
# so a day's fee on a whole number of fen is a whole number of 1e-5 fen: the exact unit of this module.
EXACT_PER_FEN = 100_000
# Art. 98 lets a utility choose its rates within these bounds (RULES §10 [8]).
LOWEST_PER_MILLE = Decimal(1)
HIGHEST_PER_MILLE = Decimal(3)
_PER_MILLE_STEP = Decimal("0.01")
_ONE_DAY = timedelta(days=1)


class CustomerCategory(StrEnum):
    """Who the bill is for, as art. 98 tells its rates apart."""

    RESIDENTIAL = "residential"  # 居民
    OTHER = "other"  # 非居民

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    CustomerCategory.RESIDENTIAL: gettext_noop("居民"),
    CustomerCategory.OTHER: gettext_noop("非居民"),
}


class InvalidLateFeeInput(DomainError):
    """Values no late fee can be worked out from: an unknown category, a rate outside 1‰–3‰, a due date before its
    bill month, unpaid principal that is negative or does not start by the first overdue day."""

    code = "invalid_late_fee_input"


# One sentence per rate, so that each names the rate it refuses.
_RATE_REFUSALS = {
    "residential_per_mille": gettext_noop("居民违约金日费率应为 1‰ 到 3‰（至多两位小数），而不是 {value}‰"),
    "other_per_mille": gettext_noop("非居民当年违约金日费率应为 1‰ 到 3‰（至多两位小数），而不是 {value}‰"),
    "other_later_year_per_mille": gettext_noop(
        "非居民跨年违约金日费率应为 1‰ 到 3‰（至多两位小数），而不是 {value}‰"
    ),
}


def is_allowed_rate(value: object) -> TypeGuard[Decimal]:
    """Whether ``value`` is a daily rate in per mille that art. 98 allows and this module counts exactly: a Decimal
    from 1 to 3 with at most two decimals."""
    # Bounded before it is quantized: quantize refuses numbers too long for the context.
    return (
        isinstance(value, Decimal)
        and value.is_finite()
        and LOWEST_PER_MILLE <= value <= HIGHEST_PER_MILLE
        and value.quantize(_PER_MILLE_STEP) == value
    )


@dataclass(frozen=True)
class LateFeeRates:
    """A utility's rates, each per mille of the unpaid principal per day, and the smallest fee it charges."""

    residential_per_mille: Decimal = Decimal(1)
    other_per_mille: Decimal = Decimal(2)  # days in the bill's calendar year
    other_later_year_per_mille: Decimal = Decimal(3)  # days in a later calendar year than the bill's
    # A fee above zero and below this is charged as this (a total under 1 yuan is charged as 1 yuan); 0: no minimum.
    minimum_fen: int = 100

    def __post_init__(self) -> None:
        for name, refusal in _RATE_REFUSALS.items():
            value = getattr(self, name)
            if isinstance(value, int) and not isinstance(value, bool):
                value = Decimal(value)
                object.__setattr__(self, name, value)
            if not is_allowed_rate(value):
                raise InvalidLateFeeInput(refusal, field=name, params={"value": value})
        if isinstance(self.minimum_fen, bool) or not isinstance(self.minimum_fen, int) or self.minimum_fen < 0:
            raise InvalidLateFeeInput(
                gettext_noop("违约金最低额应为非负整数分，而不是 {minimum_fen!r}"), field="minimum_fen",
                params={"minimum_fen": self.minimum_fen},
            )


@dataclass(frozen=True)
class LateFeeLine:
    """A run of overdue days on the same unpaid principal at the same rate."""

    first_day: date
    last_day: date
    days: int
    base_fen: int
    per_mille: Decimal
    exact_fen_e5: int  # days × base_fen × per_mille ‰, in 1e-5 fen (EXACT_PER_FEN to the fen): exact

    @property
    def exact_yuan(self) -> Decimal:
        return exact_yuan(exact_fen_e5=self.exact_fen_e5)


@dataclass(frozen=True)
class LateFeeQuote:
    """The late fee of one bill through a day: its overdue days, the exact sum, and the fee charged."""

    days: int  # overdue days counted: through − due (0 when paid by the due date)
    exact_fen_e5: int  # the exact sum of the lines, in 1e-5 fen
    fee_fen: int  # the exact sum rounded half up to the fen once, the minimum applied
    lines: tuple[LateFeeLine, ...]
    rounded_fen: int  # the exact sum rounded half up to the fen, before the minimum

    @property
    def minimum_applied(self) -> bool:
        return self.fee_fen != self.rounded_fen

    @property
    def exact_yuan(self) -> Decimal:
        return exact_yuan(exact_fen_e5=self.exact_fen_e5)


def exact_yuan(*, exact_fen_e5: int) -> Decimal:
    """An exact amount of 1e-5 fen in yuan, every place kept (for display; money stays in fen)."""
    return Decimal(exact_fen_e5).scaleb(-7)


def parse_category(*, text: str) -> CustomerCategory:
    """The category a code names (``residential`` or ``other``), or InvalidLateFeeInput naming what it was."""
    try:
        return CustomerCategory(text)
    except ValueError:
        raise InvalidLateFeeInput(
            gettext_noop("用户类别应为 residential（居民）或 other（非居民），而不是 {category!r}"), field="category",
            params={"category": text},
        ) from None


def late_fee(
    *,
    category: CustomerCategory,
    bill_month: date,
    due: date,
    through: date,
    unpaid_from: Sequence[tuple[date, int]],
    rates: LateFeeRates,
) -> LateFeeQuote:
    """The late fee of one bill counted from the day after ``due`` through ``through`` inclusive.

    ``bill_month`` is the first day of the month billed; its year decides which days a non-residential bill owes at
    the later-year rate. ``unpaid_from`` is the principal unpaid (fen) from each date on, in date order, the first
    at or before the day after ``due``: a payment made on a day lowers the base from the next day, since the day of
    the payment owed on what was unpaid when it began. ``through`` at or before ``due``: no fee.

    The fee through a later day is never less than through an earlier one, so a daily accrual that posts the
    difference of the totals posts, in all, the total of the last day (as cumulative settlement does).
    """
    category = parse_category(text=category)
    _check_bill_dates(bill_month=bill_month, due=due)
    days, amounts = _checked_unpaid(unpaid_from=unpaid_from, due=due)
    if through <= due:
        return LateFeeQuote(days=0, exact_fen_e5=0, fee_fen=0, lines=(), rounded_fen=0)
    lines = _lines(category=category, bill_year=bill_month.year, first=due + _ONE_DAY, last=through,
                   days=days, amounts=amounts, rates=rates)
    exact = sum(line.exact_fen_e5 for line in lines)
    # Rounded once, half up (四舍五入), on the whole bill: rounding each day or line would drift from the exact sum.
    rounded = (exact + EXACT_PER_FEN // 2) // EXACT_PER_FEN
    # A total that rounds to nothing is no fee; only one above zero is raised to the minimum.
    fee = rates.minimum_fen if 0 < rounded < rates.minimum_fen else rounded
    return LateFeeQuote(days=(through - due).days, exact_fen_e5=exact, fee_fen=fee, lines=lines, rounded_fen=rounded)


def late_fee_for_payment(
    *,
    category: CustomerCategory,
    bill_month: date,
    due: date,
    paid_on: date,
    principal_fen: int,
    rates: LateFeeRates,
) -> LateFeeQuote:
    """The late fee of a bill whose ``principal_fen`` stayed unpaid until it was paid in full on ``paid_on``."""
    _check_amount(amount=principal_fen, field="principal_fen")
    # Unpaid from the due date on: the same as from the next day, and no date past the calendar's end to compute.
    return late_fee(category=category, bill_month=bill_month, due=due, through=paid_on,
                    unpaid_from=[(due, principal_fen)], rates=rates)


def _check_bill_dates(*, bill_month: date, due: date) -> None:
    if bill_month.day != 1:
        raise InvalidLateFeeInput(gettext_noop("账单月份应为该月 1 日，而不是 {bill_month}"), field="bill_month",
                                  params={"bill_month": bill_month.isoformat()})
    if due < bill_month:
        raise InvalidLateFeeInput(gettext_noop("到期日 {due} 早于账单月份 {month}"), field="due",
                                  params={"due": due.isoformat(), "month": f"{bill_month:%Y-%m}"})


def _check_amount(*, amount: object, field: str) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise InvalidLateFeeInput(gettext_noop("未缴本金应为非负整数分，而不是 {amount!r}"), field=field,
                                  params={"amount": amount})


def _checked_unpaid(*, unpaid_from: Sequence[tuple[date, int]], due: date) -> tuple[list[date], list[int]]:
    """The dates and amounts of ``unpaid_from``, refused unless they cover every overdue day unambiguously."""
    if not unpaid_from:
        raise InvalidLateFeeInput(gettext_noop("未缴本金的明细不能为空"), field="unpaid_from")
    days = [day for day, _ in unpaid_from]
    amounts = [amount for _, amount in unpaid_from]
    if (days[0] - due).days > 1:
        raise InvalidLateFeeInput(
            gettext_noop("未缴本金应从到期日次日或更早算起，而不是从 {day} 起（到期日 {due}）"), field="unpaid_from",
            params={"day": days[0].isoformat(), "due": due.isoformat()},
        )
    for previous, day in pairwise(days):
        if day <= previous:
            raise InvalidLateFeeInput(
                gettext_noop("未缴本金的日期应逐条递增：{day} 不晚于前一条的 {previous}"), field="unpaid_from",
                params={"day": day.isoformat(), "previous": previous.isoformat()},
            )
    for amount in amounts:
        _check_amount(amount=amount, field="unpaid_from")
    return days, amounts


def _lines(
    *,
    category: CustomerCategory,
    bill_year: int,
    first: date,
    last: date,
    days: list[date],
    amounts: list[int],
    rates: LateFeeRates,
) -> tuple[LateFeeLine, ...]:
    """``first`` to ``last`` cut where the base or the rate changes, adjacent runs of equal base and rate joined."""
    starts = {first, *(day for day in days if first < day <= last)}
    if category is CustomerCategory.OTHER and last.year > bill_year:
        # From 1 January after the bill's year its arrears are a later year's: the higher rate.
        starts.add(max(first, date(bill_year + 1, 1, 1)))
    ordered = sorted(starts)
    lines: list[LateFeeLine] = []
    for index, start in enumerate(ordered):
        end = ordered[index + 1] - _ONE_DAY if index + 1 < len(ordered) else last
        # The first entry is at or before `first`, so every day has a base.
        base = amounts[bisect_right(days, start) - 1]
        per_mille = _rate_on(category=category, bill_year=bill_year, day=start, rates=rates)
        first_day = start
        if lines and (lines[-1].base_fen, lines[-1].per_mille) == (base, per_mille):
            first_day = lines.pop().first_day  # a payment of nothing, or equal rates across new year: one run
        count = (end - first_day).days + 1
        lines.append(LateFeeLine(first_day=first_day, last_day=end, days=count, base_fen=base, per_mille=per_mille,
                                 exact_fen_e5=count * base * int(per_mille * 100)))
    return tuple(lines)


def _rate_on(*, category: CustomerCategory, bill_year: int, day: date, rates: LateFeeRates) -> Decimal:
    if category is CustomerCategory.RESIDENTIAL:
        return rates.residential_per_mille
    return rates.other_per_mille if day.year <= bill_year else rates.other_later_year_per_mille
