"""Daily settlement (每日结算): cumulative in the tier period, so rounding never drifts.

A day's charge is the rounded exact amount of the period so far minus the rounded exact amount
before the day. The charges of any run of days therefore add up to the rounded amount of the run,
and a month's bill equals the sum of its daily charges.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from gridpay.domain.energy import DayEnergy
from gridpay.domain.money import round_to_fen
from gridpay.domain.tariffs import Quote, Tariff, period_start, price_energy


@dataclass(frozen=True)
class PeriodToDate:
    """Where an account stands in its tier period after a settled day."""

    period_start: date
    used_kwh: Decimal
    amount_micro_yuan: int

    @property
    def charged_fen(self) -> int:
        # Invariant of cumulative settlement: what was posted in the period is the rounded amount.
        return round_to_fen(micro_yuan=self.amount_micro_yuan)


def opening_position(*, tariff: Tariff, prepaid_since: date, used_kwh: Decimal) -> PeriodToDate:
    """Where an account stands on its first prepaid day: the kWh its postpaid bills already counted
    in the tier period keep counting toward the tiers; their money was billed postpaid."""
    version = tariff.version_on(prepaid_since)
    start = period_start(tier_period=version.tier_period, day=prepaid_since)
    return PeriodToDate(period_start=start, used_kwh=used_kwh, amount_micro_yuan=0)


@dataclass(frozen=True)
class DaySettlement:
    day: date
    energy: DayEnergy
    quote: Quote
    charge_fen: int
    after: PeriodToDate


def settle_day(
    *,
    tariff: Tariff,
    day: date,
    energy: DayEnergy,
    time_of_use: bool,
    before: PeriodToDate | None,
) -> DaySettlement:
    """Settle one day of one account given where it stood after the previous settled day."""
    version = tariff.version_on(day)
    start = period_start(tier_period=version.tier_period, day=day)
    if before is None or before.period_start != start:
        before = PeriodToDate(period_start=start, used_kwh=Decimal(0), amount_micro_yuan=0)
    quote = price_energy(version=version, used_kwh=before.used_kwh, energy=energy, time_of_use=time_of_use)
    after = PeriodToDate(
        period_start=start,
        used_kwh=before.used_kwh + energy.total_kwh,
        amount_micro_yuan=before.amount_micro_yuan + quote.amount_micro_yuan,
    )
    return DaySettlement(
        day=day,
        energy=energy,
        quote=quote,
        charge_fen=after.charged_fen - before.charged_fen,
        after=after,
    )


@dataclass(frozen=True)
class MonthBill:
    month_start: date
    energy_kwh: Decimal
    amount_fen: int


def bill_month(
    *,
    tariff: Tariff,
    time_of_use: bool,
    days: Sequence[tuple[date, DayEnergy]],
    month_start: date,
    month_end: date,
    opening: PeriodToDate | None = None,
) -> MonthBill:
    """The official bill of ``[month_start, month_end)`` from the days' energy as it stands now.

    ``days`` run in date order from the start of the tier period that the month is in, or from the
    first prepaid day with its ``opening`` position (earlier days of the period decide the tiers),
    so corrected readings give a corrected bill.
    """
    state = opening
    energy = Decimal(0)
    amount_fen = 0
    for day, day_energy in days:
        if day >= month_end:
            break
        settled = settle_day(tariff=tariff, day=day, energy=day_energy, time_of_use=time_of_use, before=state)
        state = settled.after
        if day < month_start:
            continue
        energy += day_energy.total_kwh
        amount_fen += settled.charge_fen
    return MonthBill(month_start=month_start, energy_kwh=energy, amount_fen=amount_fen)
