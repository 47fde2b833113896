"""Postpaid bills (后付费电费): the period's price, the due date, and how credit pays open bills (oldest first)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from gridpay.domain.energy import DayEnergy
from gridpay.domain.errors import DomainError
from gridpay.domain.tariffs import Quote, Tariff, period_start, price_energy
from gridpay.domain.texts import gettext_noop

# Reading days run 1–28 so that every month has one (抄表例日).
LAST_READING_DAY = 28


class InvalidReadingDay(DomainError):
    code = "invalid_reading_day"


def check_reading_day(day: int) -> int:
    if not 1 <= day <= LAST_READING_DAY:
        raise InvalidReadingDay(gettext_noop("抄表例日应为每月 1 到 {last} 日：{day}"), field="reading_day",
                                params={"last": LAST_READING_DAY, "day": day})
    return day


def bill_no(*, reading_date: date, account_no: str) -> str:
    """The bill number on paper and in every channel: the month and the account (one bill per account a month)."""
    return f"{reading_date:%Y%m}{account_no}"


def due_date(*, issued_on: date, due_days: int) -> date:
    return issued_on + timedelta(days=due_days)


def price_period(
    *, tariff: Tariff, time_of_use: bool, reading_date: date, energy: DayEnergy, billed_in_tier_period_kwh: Decimal
) -> Quote:
    """The bill's charge: the period's energy priced by the tariff in force on the reading day, coming after the
    energy the account's earlier bills of the same tier period already counted (the tiers are cumulative)."""
    version = tariff.version_on(reading_date)
    return price_energy(version=version, used_kwh=billed_in_tier_period_kwh, energy=energy, time_of_use=time_of_use)


def tier_period_start(*, tariff: Tariff, reading_date: date) -> date:
    """Earlier bills whose reading day falls on or after this date count toward this bill's tiers."""
    return period_start(tier_period=tariff.version_on(reading_date).tier_period, day=reading_date)


@dataclass(frozen=True)
class OpenBill:
    """What is still owed on one bill, for paying it."""

    bill_id: int
    reading_date: date
    principal_due_fen: int
    late_fee_due_fen: int

    @property
    def owed_fen(self) -> int:
        return self.principal_due_fen + self.late_fee_due_fen


@dataclass(frozen=True)
class Allocation:
    bill_id: int
    late_fee_fen: int
    principal_fen: int

    @property
    def amount_fen(self) -> int:
        return self.late_fee_fen + self.principal_fen


def allocate_credit(*, credit_fen: int, open_bills: Sequence[OpenBill]) -> list[Allocation]:
    """Credit pays the oldest bill first, its late fee before its principal, then the next bill.

    The late fee first because a payment of the principal alone would leave the fee owing and stop nothing
    (营业规则: the fee is paid with the arrears); never more than is owed, never more than the credit.
    """
    allocations = []
    left = max(credit_fen, 0)
    for bill in sorted(open_bills, key=lambda b: (b.reading_date, b.bill_id)):
        if left <= 0:
            break
        late_fee = min(left, bill.late_fee_due_fen)
        principal = min(left - late_fee, bill.principal_due_fen)
        if late_fee or principal:
            allocations.append(Allocation(bill_id=bill.bill_id, late_fee_fen=late_fee, principal_fen=principal))
        left -= late_fee + principal
    return allocations


def paid_off(*, amount_fen: int, principal_paid_fen: int, late_fee_fen: int, late_fee_paid_fen: int,
             late_fee_waived_fen: int) -> bool:
    """A bill is settled when its principal is paid and every fen of late fee charged is paid or waived."""
    return principal_paid_fen == amount_fen and late_fee_paid_fen + late_fee_waived_fen == late_fee_fen


def arrears_fen(*, credit_fen: int, overdue_owed_fen: int) -> int:
    """A postpaid account's arrears (欠费, the procedure's re-check): what it owes on bills past their due date, with
    their late fees, less the money it holds, never below zero. A bill not yet due is owed but not in arrears."""
    return max(overdue_owed_fen - max(credit_fen, 0), 0)


def unpaid_from(*, due: date, amount_fen: int, principal_paid: Sequence[tuple[date, int]]) -> list[tuple[date, int]]:
    """The principal that late fees count on, from each day on: what was unpaid at the start of the day.

    A payment lowers the base from the day after it (the day it is paid still counts on the amount before it),
    so the schedule starts the day after the due date and changes the day after each later payment.
    """
    first = due + timedelta(days=1)
    paid_before_first = sum(fen for day, fen in principal_paid if day < first)
    schedule = [(first, amount_fen - paid_before_first)]
    paid = paid_before_first
    for day in sorted({day for day, _ in principal_paid if day >= first}):
        paid += sum(fen for d, fen in principal_paid if d == day)
        schedule.append((day + timedelta(days=1), amount_fen - paid))
    return schedule
