"""The one check of daily frozen readings (RULES §2): new readings against the stored ones around them.

Every reading is checked by the same rules, whether a CSV file, the head-end or the demo town delivered it:

- it is not dated after the day it arrives (a day's freeze exists once the day is over), nor in a month whose history
  is archived (its day was settled with the readings there, which a new one is not checked against: ADR 0033);
- its meter is registered and was in service that day;
- its registers are within the meter's range;
- a reading already known for that day is the same reading (then it is unchanged), never a different one;
- from every reading of the meter before it (the start registers the day before installation counting as
  one) to every reading after it (the final registers at removal counting as one), each register moves
  forward, rolling over at most once, and by no more than the daily maximum for each day between; the
  nearest reading on each side is enough, since the rule holds between each pair of neighbours.

A day's energy is the meter's registers at its end minus those at the end of the day before; it waits
(None) while that reading is missing. On the day a meter replaces another, the old meter's use that day
(its final registers minus its reading of the day before) is part of the day's energy. A stored reading
that waited for its day before gets its energy when that reading arrives.
"""

from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from gridpay.domain.energy import DayEnergy
from gridpay.domain.readings import (
    MeterReading,
    Registers,
    RejectedReading,
    check_within_limit,
    combine,
    energy_over_days,
)
from gridpay.domain.texts import gettext_noop

ONE_DAY = timedelta(days=1)


class FutureReading(RejectedReading):
    code = "future_date"


class ArchivedDay(RejectedReading):
    code = "archived_day"


class UnknownMeter(RejectedReading):
    code = "unknown_meter"


class BeforeInstallation(RejectedReading):
    code = "before_installation"


class AfterRemoval(RejectedReading):
    code = "after_removal"


class ConflictingReading(RejectedReading):
    code = "conflicting_reading"


@dataclass(frozen=True)
class RegisteredMeter:
    """A meter as registered: its account, its days in service, its register size, its start and final registers."""

    id: int
    meter_no: str
    account_id: int
    installed_on: date
    removed_on: date | None
    limit_kwh: Decimal  # the first value its registers cannot show (domain.readings.register_limit_kwh)
    start: Registers  # at installation: its registers at the end of the day before
    final: Registers | None  # at removal


@dataclass(frozen=True)
class StoredReading:
    meter_id: int
    day: date
    registers: Registers
    energy_known: bool  # False while the day before was missing


@dataclass(frozen=True)
class StoredNeighbours:
    """What new readings are checked against: their meters with the other meters of the same accounts, and stored
    readings; at least those ``neighbours_wanted`` names (any other stored reading may be there too)."""

    meters: Sequence[RegisteredMeter]
    readings: Sequence[StoredReading]


@dataclass(frozen=True)
class NeighboursWanted:
    around: set[tuple[int, date]]  # (meter id, day): the stored reading that day, else the nearest before and after
    on: set[tuple[int, date]]  # (meter id, day): the stored reading that day, if any


@dataclass(frozen=True)
class AcceptedReading:
    reading: MeterReading
    meter: RegisteredMeter
    energy: DayEnergy | None  # the day's energy; None while a reading it needs is missing


@dataclass(frozen=True)
class EnergyFound:
    """A stored reading's day's energy, known now that the reading it waited for has come."""

    meter: RegisteredMeter
    day: date
    energy: DayEnergy


@dataclass(frozen=True)
class Rejection:
    row: int  # position of the reading in the rows checked
    reason: RejectedReading


@dataclass(frozen=True)
class ReadingsChecked:
    accepted: list[AcceptedReading]
    unchanged: list[int]  # positions of readings already known, exactly so
    rejected: list[Rejection]
    energies_found: list[EnergyFound]


def neighbours_wanted(*, meters: Sequence[RegisteredMeter], new_rows: Sequence[MeterReading]) -> NeighboursWanted:
    """The stored readings ``check_readings`` needs for these rows, given their meters (``meters`` holds the other
    meters of the same accounts too, so that a replacement is seen)."""
    register = _Meters(meters)
    around: set[tuple[int, date]] = set()
    on: set[tuple[int, date]] = set()
    for row in new_rows:
        meter = register.by_no.get(row.meter_no)
        if meter is None:
            continue
        around.add((meter.id, row.day))
        if row.day == meter.installed_on and (old := register.replaced(meter)) is not None:
            on.add((old.id, row.day - ONE_DAY))  # the old meter's use on the replacement day starts there
        if meter.removed_on == row.day + ONE_DAY and (new := register.replacing(meter)) is not None:
            on.add((new.id, meter.removed_on))  # the new meter's first day may wait for this reading
    return NeighboursWanted(around=around, on=on)


def check_readings(
    *, stored_neighbours: StoredNeighbours, new_rows: Sequence[MeterReading], max_daily_kwh: Decimal, latest_day: date,
    archived_through: date | None = None,
) -> ReadingsChecked:
    """Accepts or rejects each new reading, and works out the day's energy of those accepted and of the stored
    readings that waited for them.

    Each meter's rows are taken in day order (on a repeated day, the first row first), each checked against
    the readings known when it comes: the stored ones and the rows accepted before it. ``latest_day`` is the
    day the readings arrive; ``archived_through`` the last day of the archived months (None: none is).
    """
    check = _Check(stored_neighbours, max_daily_kwh=max_daily_kwh, latest_day=latest_day,
                   archived_through=archived_through)
    accepted: list[tuple[RegisteredMeter, MeterReading]] = []
    unchanged: list[int] = []
    rejected: list[Rejection] = []
    for row in sorted(range(len(new_rows)), key=lambda i: (new_rows[i].meter_no, new_rows[i].day, i)):
        reading = new_rows[row]
        try:
            verdict = check.reading(reading)
        except RejectedReading as reason:
            rejected.append(Rejection(row=row, reason=reason))
            continue
        if verdict is None:
            unchanged.append(row)
            continue
        check.accept(reading, verdict)
        accepted.append((verdict.meter, reading))
    # The energies once every row is in: a replacement day needs the old meter's reading of the day before,
    # which may be a row taken after the new meter's.
    return ReadingsChecked(
        accepted=[
            AcceptedReading(reading=r, meter=meter, energy=check.day_energy(meter, r.day, r.registers))
            for meter, r in accepted
        ],
        unchanged=sorted(unchanged),
        rejected=sorted(rejected, key=lambda r: r.row),
        energies_found=[found for meter, reading in accepted for found in check.energies_waiting_on(meter, reading)],
    )


# A reading known when a new one is checked: stored before, or new and accepted.
_Known = StoredReading | MeterReading


@dataclass(frozen=True)
class _Verdict:
    meter: RegisteredMeter
    own_energy: dict[date, DayEnergy]  # the meter's own energy of this day and the next, where worked out


class _Meters:
    """Meters by number, and the replacements between the meters of one account."""

    def __init__(self, meters: Iterable[RegisteredMeter]) -> None:
        self.by_no: dict[str, RegisteredMeter] = {}
        self._of_account: dict[int, list[RegisteredMeter]] = defaultdict(list)
        for meter in meters:
            self.by_no[meter.meter_no] = meter
            self._of_account[meter.account_id].append(meter)

    def replaced(self, meter: RegisteredMeter) -> RegisteredMeter | None:
        """The meter of the same account removed the day this one was installed, when there is exactly one."""
        found = [m for m in self._others(meter) if m.removed_on == meter.installed_on]
        return found[0] if len(found) == 1 else None

    def replacing(self, meter: RegisteredMeter) -> RegisteredMeter | None:
        """The meter of the same account installed the day this one was removed, when there is exactly one."""
        if meter.removed_on is None:
            return None
        found = [m for m in self._others(meter) if m.installed_on == meter.removed_on]
        return found[0] if len(found) == 1 else None

    def _others(self, meter: RegisteredMeter) -> list[RegisteredMeter]:
        return [m for m in self._of_account[meter.account_id] if m.id != meter.id]


class _Timelines:
    """Each meter's known readings by day, with the nearest one before or after a day."""

    def __init__(self, stored: Iterable[StoredReading]) -> None:
        self._by_day: dict[int, dict[date, _Known]] = defaultdict(dict)
        self._days: dict[int, list[date]] = defaultdict(list)
        for reading in stored:
            self.add(reading.meter_id, reading)

    def add(self, meter_id: int, known: _Known) -> None:
        by_day = self._by_day[meter_id]
        if known.day not in by_day:
            insort(self._days[meter_id], known.day)
        by_day[known.day] = known

    def on(self, meter_id: int, day: date) -> _Known | None:
        by_day = self._by_day.get(meter_id)
        return by_day.get(day) if by_day else None

    def before(self, meter_id: int, day: date) -> _Known | None:
        days = self._days.get(meter_id, [])
        i = bisect_left(days, day)
        return self._by_day[meter_id][days[i - 1]] if i else None

    def after(self, meter_id: int, day: date) -> _Known | None:
        days = self._days.get(meter_id, [])
        i = bisect_right(days, day)
        return self._by_day[meter_id][days[i]] if i < len(days) else None


class _Check:
    """The rules applied to one batch: the readings known so far, and each new reading against them."""

    def __init__(self, stored: StoredNeighbours, *, max_daily_kwh: Decimal, latest_day: date,
                 archived_through: date | None) -> None:
        self.meters = _Meters(stored.meters)
        self.known = _Timelines(stored.readings)
        self.max_daily_kwh = max_daily_kwh
        self.latest_day = latest_day
        self.archived_through = archived_through
        # Each meter's own energy of a day (from its registers at the end of the day before), as worked out
        # while checking an accepted reading: kept so that it is not worked out twice.
        self._own_energy: dict[tuple[int, date], DayEnergy] = {}

    def reading(self, reading: MeterReading) -> _Verdict | None:
        """The verdict on a new reading: None for a reading already known; a reading that breaks a rule raises why."""
        day, registers = reading.day, reading.registers
        if day > self.latest_day:
            raise FutureReading(gettext_noop("读数日期 {day} 晚于今天 {latest_day}"), field="reading_date",
                                params={"day": day, "latest_day": self.latest_day})
        if self.archived_through is not None and day <= self.archived_through:
            raise ArchivedDay(
                gettext_noop("读数日期 {day} 所在月份的历史已归档（{archived_through} 及以前），不能补录"),
                field="reading_date", params={"day": day, "archived_through": self.archived_through},
            )
        meter = self._in_service(reading)
        check_within_limit(registers=registers, limit_kwh=meter.limit_kwh)
        same_day = self.known.on(meter.id, day)
        if same_day is not None:
            if same_day.registers == registers:
                return None
            raise ConflictingReading(
                gettext_noop(
                    "表 {meter_no} {day} 已有不同的读数（总 {recorded_kwh} kWh），与本行的 {total_kwh} kWh 不符"
                ),
                field="total_kwh",
                params={"meter_no": meter.meter_no, "day": day, "recorded_kwh": same_day.registers.total_kwh,
                        "total_kwh": registers.total_kwh},
            )
        earlier = self.known.before(meter.id, day)
        if earlier is not None:
            before, against = (earlier.day, earlier.registers), f"前一读数（{earlier.day}）"
        else:  # the start registers, at the end of the day before installation
            before, against = (meter.installed_on - ONE_DAY, meter.start), f"装表起始读数（{meter.installed_on}）"
        since = self._advance(meter, before, (day, registers), against=against)
        own_energy = {day: since} if before[0] == day - ONE_DAY else {}
        if meter.removed_on is not None and meter.final is not None and day < meter.removed_on:
            self._advance(meter, (day, registers), (meter.removed_on, meter.final),
                          against=f"拆表读数（{meter.removed_on}）")
        later = self.known.after(meter.id, day)
        if later is not None:
            until = self._advance(meter, (day, registers), (later.day, later.registers),
                                  against=f"后一读数（{later.day}）")
            if later.day == day + ONE_DAY:
                own_energy[later.day] = until
        return _Verdict(meter=meter, own_energy=own_energy)

    def accept(self, reading: MeterReading, verdict: _Verdict) -> None:
        """An accepted reading is one the readings after it are checked against."""
        self.known.add(verdict.meter.id, reading)
        self._own_energy.update({(verdict.meter.id, day): energy for day, energy in verdict.own_energy.items()})

    def _in_service(self, reading: MeterReading) -> RegisteredMeter:
        meter = self.meters.by_no.get(reading.meter_no)
        if meter is None:
            raise UnknownMeter(gettext_noop("表号 {meter_no} 未登记"), field="meter_no",
                               params={"meter_no": reading.meter_no})
        if reading.day < meter.installed_on:
            raise BeforeInstallation(
                gettext_noop("读数日期 {day} 早于表 {meter_no} 的安装日 {installed_on}"), field="reading_date",
                params={"day": reading.day, "meter_no": meter.meter_no, "installed_on": meter.installed_on},
            )
        if meter.removed_on is not None and reading.day > meter.removed_on:
            raise AfterRemoval(
                gettext_noop("读数日期 {day} 晚于表 {meter_no} 的拆除日 {removed_on}"), field="reading_date",
                params={"day": reading.day, "meter_no": meter.meter_no, "removed_on": meter.removed_on},
            )
        return meter

    def _advance(
        self, meter: RegisteredMeter, earlier: tuple[date, Registers], later: tuple[date, Registers], *, against: str
    ) -> DayEnergy:
        """The energy from the end of one day to the end of a later one; a rejection names the neighbour the new
        reading broke with."""
        try:
            return energy_over_days(
                earlier=earlier[1],
                later=later[1],
                days=(later[0] - earlier[0]).days,
                limit_kwh=meter.limit_kwh,
                max_daily_kwh=self.max_daily_kwh,
            )
        except RejectedReading as error:
            raise type(error)(gettext_noop("与{against}相比：{problem}"), field=error.field,
                              params={"against": against, "problem": error.message}) from None

    def registers_at_end_of(self, meter: RegisteredMeter, day: date) -> Registers | None:
        """A meter's registers at the end of ``day``: its reading, or its start the day before it was installed."""
        if day == meter.installed_on - ONE_DAY:
            return meter.start
        known = self.known.on(meter.id, day)
        return known.registers if known else None

    def day_energy(self, meter: RegisteredMeter, day: date, registers: Registers) -> DayEnergy | None:
        """The day's energy of a reading: the meter's own since the day before, plus on a replacement day the old
        meter's use that day; None while a reading it needs is missing."""
        try:
            own = self._own_energy.get((meter.id, day))
            if own is None:
                before = self.registers_at_end_of(meter, day - ONE_DAY)
                if before is None:
                    return None
                own = self._over_one_day(meter, before, registers)
            old = self.meters.replaced(meter) if day == meter.installed_on else None
            if old is None:
                return own
            old_before = self.registers_at_end_of(old, day - ONE_DAY)
            if old_before is None or old.final is None:
                return None
            return combine(self._over_one_day(old, old_before, old.final), own)
        except RejectedReading:
            return None  # stored readings that disagree: the day waits for a correction, it is not guessed

    def energies_waiting_on(self, meter: RegisteredMeter, reading: MeterReading) -> list[EnergyFound]:
        """Stored readings of the day after ``reading`` that waited for it: the same meter's, and the first of the
        meter that replaced this one the next day."""
        next_day = reading.day + ONE_DAY
        found = []
        for waiting_meter in (meter, self.meters.replacing(meter) if meter.removed_on == next_day else None):
            if waiting_meter is None:
                continue
            waiting = self.known.on(waiting_meter.id, next_day)
            if not isinstance(waiting, StoredReading) or waiting.energy_known:
                continue
            energy = self.day_energy(waiting_meter, next_day, waiting.registers)
            if energy is not None:
                found.append(EnergyFound(meter=waiting_meter, day=next_day, energy=energy))
        return found

    def _over_one_day(self, meter: RegisteredMeter, before: Registers, after: Registers) -> DayEnergy:
        return energy_over_days(
            earlier=before, later=after, days=1, limit_kwh=meter.limit_kwh, max_daily_kwh=self.max_daily_kwh
        )
