"""Daily frozen register readings (日冻结): a day's energy from two readings, and what to reject."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from gridpay.domain.energy import DayEnergy, TouPeriod
from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop


class RejectedReading(DomainError):
    code = "rejected_reading"


class ReadingGoesBackwards(RejectedReading):
    code = "reading_goes_backwards"


class ImpossibleDailyEnergy(RejectedReading):
    code = "impossible_daily_energy"


class TouExceedsTotal(RejectedReading):
    code = "tou_exceeds_total"


class RegisterOutOfRange(RejectedReading):
    code = "register_out_of_range"


@dataclass(frozen=True)
class Registers:
    """Cumulative register values of one meter at one instant."""

    total_kwh: Decimal
    tou_kwh: Mapping[TouPeriod, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class MeterReading:
    """A meter's daily frozen reading (日冻结): its registers at the end of ``day``, however it arrived."""

    meter_no: str
    day: date
    registers: Registers


def register_limit_kwh(*, integer_digits: int) -> Decimal:
    """The first value a register cannot show: it rolls over to zero there (999999.99 → 0)."""
    return Decimal(10) ** integer_digits


def check_within_limit(*, registers: Registers, limit_kwh: Decimal) -> None:
    """A register shows less than its limit: a larger value cannot come from the meter."""
    values = {"total_kwh": registers.total_kwh, **{f"{p}_kwh": v for p, v in registers.tou_kwh.items()}}
    for register, value in values.items():
        if value >= limit_kwh:
            raise RegisterOutOfRange(
                gettext_noop("读数 {register} = {value} 超出计度器量程（小于 {limit_kwh}）"), field=register,
                params={"register": register, "value": value, "limit_kwh": limit_kwh},
            )


def register_advance(*, earlier: Decimal, later: Decimal, limit_kwh: Decimal, register: str) -> Decimal:
    """How far a register moved from ``earlier`` to ``later``, across a rollover when it looks like one."""
    if later >= earlier:
        return later - earlier
    # A register that wraps starts again near zero after being near its limit; a register that
    # shows less than before otherwise went backwards, which a good meter never does.
    if earlier >= limit_kwh * Decimal("0.9") and later <= limit_kwh * Decimal("0.1"):
        return later + limit_kwh - earlier
    raise ReadingGoesBackwards(gettext_noop("读数倒走：{register} 从 {earlier} 变为 {later}"), field=register,
                               params={"register": register, "earlier": earlier, "later": later})


def energy_between(
    *,
    earlier: Registers,
    later: Registers,
    limit_kwh: Decimal,
    max_energy_kwh: Decimal,
) -> DayEnergy:
    """Energy from ``earlier`` to ``later`` readings of one meter; rejects what no meter can do."""
    total = register_advance(
        earlier=earlier.total_kwh, later=later.total_kwh, limit_kwh=limit_kwh, register="total_kwh"
    )
    if total > max_energy_kwh:
        raise ImpossibleDailyEnergy(gettext_noop("日电量 {total} kWh 超过上限 {max_energy_kwh} kWh"), field="total_kwh",
                                    params={"total": total, "max_energy_kwh": max_energy_kwh})
    tou = {}
    for period, value in later.tou_kwh.items():
        before = earlier.tou_kwh.get(period)
        if before is None:
            continue
        tou[period] = register_advance(earlier=before, later=value, limit_kwh=limit_kwh, register=f"{period}_kwh")
    claimed = sum((v for p, v in tou.items() if p is not TouPeriod.FLAT), Decimal(0))
    if claimed > total:
        raise TouExceedsTotal(gettext_noop("分时电量之和 {claimed} 超过总电量 {total}"), field="total_kwh",
                              params={"claimed": claimed, "total": total})
    return DayEnergy(total_kwh=total, tou_kwh=tou)


def energy_over_days(
    *,
    earlier: Registers,
    later: Registers,
    days: int,
    limit_kwh: Decimal,
    max_daily_kwh: Decimal,
) -> DayEnergy:
    """Energy between readings ``days`` days apart: more than ``days`` times the daily maximum is impossible."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    try:
        return energy_between(earlier=earlier, later=later, limit_kwh=limit_kwh, max_energy_kwh=max_daily_kwh * days)
    except ImpossibleDailyEnergy:
        if days == 1:
            raise
        total = register_advance(
            earlier=earlier.total_kwh, later=later.total_kwh, limit_kwh=limit_kwh, register="total_kwh"
        )
        raise ImpossibleDailyEnergy(
            gettext_noop("{days} 天电量 {total} kWh 超过上限 {max_kwh} kWh（每天 {max_daily_kwh} kWh）"),
            field="total_kwh",
            params={"days": days, "total": total, "max_kwh": max_daily_kwh * days, "max_daily_kwh": max_daily_kwh},
        ) from None


def combine(first: DayEnergy, second: DayEnergy) -> DayEnergy:
    """Energy of one day measured by two meters (a meter replaced during the day)."""
    periods = set(first.tou_kwh) | set(second.tou_kwh)
    return DayEnergy(
        total_kwh=first.total_kwh + second.total_kwh,
        tou_kwh={p: first.tou_kwh.get(p, Decimal(0)) + second.tou_kwh.get(p, Decimal(0)) for p in periods},
    )
