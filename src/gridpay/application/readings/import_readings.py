"""Imports daily frozen readings (日冻结): bad rows are reported with a reason, good ones stored with their energy."""

from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.db.models.expressions import RawSQL

from gridpay.application.imports import (
    ImportReport,
    Progress,
    RejectedRow,
    Row,
    RowProblems,
    RowRejected,
    check_fields,
    chunked,
    open_csv,
    parse_day,
    parse_energy,
    rejected_row,
    required,
)
from gridpay.data.bulk import insert_rows, on_postgresql
from gridpay.data.models import Meter, Reading
from gridpay.data.settings import gridpay_settings
from gridpay.domain.business_time import business_day
from gridpay.domain.energy import DayEnergy, TouPeriod
from gridpay.domain.errors import DomainError
from gridpay.domain.readings import (
    Registers,
    RejectedReading,
    check_within_limit,
    combine,
    energy_over_days,
    register_limit_kwh,
)
from gridpay.domain.texts import gettext_noop

COLUMNS = ("meter_no", "reading_date", "total_kwh", "sharp_kwh", "peak_kwh", "flat_kwh", "valley_kwh")
TOU_COLUMNS = {
    TouPeriod.SHARP: "sharp_kwh",
    TouPeriod.PEAK: "peak_kwh",
    TouPeriod.FLAT: "flat_kwh",
    TouPeriod.VALLEY: "valley_kwh",
}
REGISTER_FIELDS = ["total_kwh", *TOU_COLUMNS.values()]
ENERGY_FIELDS = ["energy_kwh", *(f"energy_{column}" for column in TOU_COLUMNS.values())]
READING_FIELDS = ["id", "meter_id", "reading_date", *REGISTER_FIELDS]
METER_FIELDS = [
    "id",
    "meter_no",
    "account_id",
    "installed_on",
    "removed_on",
    "register_digits",
    *(f"{moment}_{register}" for moment in ("start", "final") for register in REGISTER_FIELDS),
]
CHUNK_ROWS = 5_000
# (meter, day) pairs per neighbour query: 2 parameters each stays far below every database's limit.
DAYS_PER_QUERY = 5_000
ONE_DAY = timedelta(days=1)
_READINGS = Reading._meta.db_table


def import_readings_file(
    *, path: Path, received_at: datetime, max_daily_kwh: Decimal, on_progress: Progress | None = None
) -> ImportReport:
    """Imports a CSV file; a file that cannot be used as a whole raises ``UnusableFile`` before any write."""
    csv_file = open_csv(path=path, columns=COLUMNS)
    return import_readings(
        rows=csv_file.rows(),
        received_at=received_at,
        max_daily_kwh=max_daily_kwh,
        on_progress=on_progress,
        total_rows=csv_file.row_count,
    )


def import_readings(
    *,
    rows: Iterable[Row],
    received_at: datetime,
    max_daily_kwh: Decimal,
    on_progress: Progress | None = None,
    total_rows: int | None = None,
) -> ImportReport:
    """Checks each row and stores the good ones; rows are (line number, {column: text}) in any order.

    A reading is checked against its meter (known, in service that day, registers within range)
    and against its nearest neighbours in time, stored or from the same rows: the meter's start
    registers, the nearest earlier and later readings, and the final registers of a removed meter.
    A register may roll over; it may not go backwards, nor advance more than ``max_daily_kwh`` per
    day between two readings.

    The day's energy is stored when the day before is known (or the meter was installed that day);
    a reading that closes a gap also gives the waiting reading of the next day its energy. On the
    day a meter replaces another, the old meter's use that day (final registers minus its reading of
    the day before) is added to the new meter's.

    Rows are taken in chunks, each one transaction that reads what it needs in a few bulk queries.
    """
    return _import(rows, parse=True, received_at=received_at, max_daily_kwh=max_daily_kwh, on_progress=on_progress,
                   total_rows=total_rows)


def import_meter_readings(
    *, readings: Iterable["MeterReading"], received_at: datetime, max_daily_kwh: Decimal
) -> ImportReport:
    """Readings already typed (the head-end's daily freezes), checked and stored exactly as a file's rows are."""
    return _import(readings, parse=False, received_at=received_at, max_daily_kwh=max_daily_kwh)


def _import(
    rows: Iterable[Any], *, parse: bool, received_at: datetime, max_daily_kwh: Decimal,
    on_progress: Progress | None = None, total_rows: int | None = None,
) -> ImportReport:
    stored = unchanged = done = 0
    rejected: list[RejectedRow] = []
    if on_progress and total_rows is not None:
        on_progress(0, total_rows)
    for chunk in chunked(rows, CHUNK_ROWS):
        try:
            outcome = _import_chunk(chunk, parse=parse, received_at=received_at, max_daily_kwh=max_daily_kwh)
        except IntegrityError:
            # A concurrent import stored some of the same readings first: this chunk rolled back
            # whole, and the second attempt sees them as already stored.
            outcome = _import_chunk(chunk, parse=parse, received_at=received_at, max_daily_kwh=max_daily_kwh)
        stored += outcome.stored
        unchanged += outcome.unchanged
        rejected.extend(outcome.rejected)
        done += len(chunk)
        if on_progress:
            on_progress(done, max(total_rows or 0, done))
    return ImportReport(stored=stored, unchanged=unchanged, rejected=sorted(rejected, key=lambda r: r.row_number))


@dataclass(frozen=True)
class MeterReading:
    """One daily frozen reading: a file's row once parsed, or a meter's answer; ``number`` names it in refusals."""

    number: int
    meter_no: str
    day: date
    registers: Registers


_Row = MeterReading


@dataclass(frozen=True)
class _Meter:
    id: int
    meter_no: str
    account_id: int
    installed_on: date
    removed_on: date | None
    limit_kwh: Decimal
    start: Registers
    final: Registers | None


@dataclass
class _Known:
    """A reading of one meter on one day: stored before (with its ``stored_id``), or accepted from this chunk."""

    day: date
    registers: Registers
    stored_id: int | None = None
    # A stored reading whose energy is still unknown because the day before was missing.
    waits_for_energy: bool = False
    energy: DayEnergy | None = None  # of a new reading; stored ones keep theirs


@dataclass(frozen=True)
class _Outcome:
    stored: int
    unchanged: int
    rejected: list[RejectedRow]


def _import_chunk(rows: list[Any], *, parse: bool, received_at: datetime, max_daily_kwh: Decimal) -> _Outcome:
    rejected: list[RejectedRow] = []
    parsed: list[_Row] = []
    # A daily frozen reading exists once its day has begun (it freezes at the day's first moment).
    latest_day = business_day(instant=received_at, zone=gridpay_settings().business_time_zone)
    for row in rows:
        number = row[0] if parse else row.number
        try:
            reading = _parse(number, row[1]) if parse else row
            _check_not_future(reading.day, latest_day=latest_day)
            parsed.append(reading)
        except RowRejected as error:
            rejected.append(rejected_row(number, error))
    # Each meter's rows in date order, so a row is checked against the ones before it; on a
    # repeated (meter, day) the first row of the file is the one stored.
    parsed.sort(key=lambda r: (r.meter_no, r.day, r.number))
    with transaction.atomic():
        check = _Check(world=_World.load(parsed), max_daily_kwh=max_daily_kwh)
        for row in parsed:
            try:
                check.row(row)
            except DomainError as error:
                rejected.append(rejected_row(row.number, error))
        check.add_replaced_meters_use()
        _write(check, received_at=received_at)
    return _Outcome(stored=len(check.new), unchanged=check.unchanged, rejected=rejected)


def _parse(number: int, raw: dict[str, str]) -> _Row:
    """The row's reading; a row with problems is refused naming every one of them."""
    check_fields(raw, columns=COLUMNS)
    problems = RowProblems()
    meter_no = problems.check(lambda: required(raw, "meter_no"))
    day = problems.check(lambda: parse_day(required(raw, "reading_date"), column="reading_date"))
    total = problems.check(lambda: parse_energy(required(raw, "total_kwh"), column="total_kwh"))
    tou = {period: problems.check(partial(parse_energy, raw[column], column=column))
           for period, column in TOU_COLUMNS.items() if raw[column]}
    problems.refuse_if_any()
    assert meter_no is not None and day is not None and total is not None
    registers = Registers(total_kwh=total, tou_kwh={period: kwh for period, kwh in tou.items() if kwh is not None})
    return _Row(number=number, meter_no=meter_no, day=day, registers=registers)


def _check_not_future(day: date, *, latest_day: date) -> None:
    if day > latest_day:
        raise RowRejected("future_date", gettext_noop("读数日期 {day} 晚于今天 {latest_day}"), field="reading_date",
                          params={"day": day, "latest_day": latest_day})


class _Timeline:
    """The known readings of one meter, by day, with the nearest one before or after a day."""

    def __init__(self) -> None:
        self._by_day: dict[date, _Known] = {}
        self._days: list[date] = []

    def add(self, known: _Known) -> None:
        if known.day not in self._by_day:
            insort(self._days, known.day)
        self._by_day[known.day] = known

    def on(self, day: date) -> _Known | None:
        return self._by_day.get(day)

    def before(self, day: date) -> _Known | None:
        i = bisect_left(self._days, day)
        return self._by_day[self._days[i - 1]] if i else None

    def after(self, day: date) -> _Known | None:
        i = bisect_right(self._days, day)
        return self._by_day[self._days[i]] if i < len(self._days) else None


@dataclass
class _World:
    """What a chunk is checked against: its meters, their accounts' other meters, and nearby readings."""

    meters: dict[str, _Meter]
    by_account: dict[int, list[_Meter]]
    # Per meter of the chunk: for each of its rows' days, the stored reading of that day and the
    # nearest before and after it. Readings in between are not needed: the nearest neighbour of a
    # row is always either one of these or a row accepted from the chunk.
    timelines: dict[int, _Timeline]
    # Single readings of a replaced or replacing meter, on the day the replacement needs.
    others: dict[tuple[int, date], _Known]

    @classmethod
    def load(cls, rows: list[_Row]) -> "_World":
        meter_nos = {row.meter_no for row in rows}
        chunk_accounts = Meter.objects.filter(meter_no__in=meter_nos).values("account_id")
        by_account: dict[int, list[_Meter]] = defaultdict(list)
        meters: dict[str, _Meter] = {}
        for values in Meter.objects.filter(account_id__in=chunk_accounts).values(*METER_FIELDS):
            meter = _meter(values)
            by_account[meter.account_id].append(meter)
            if meter.meter_no in meter_nos:
                meters[meter.meter_no] = meter
        world = cls(meters=meters, by_account=by_account, timelines={}, others={})
        world._load_timelines(rows)
        world._load_others(rows)
        return world

    def predecessor(self, meter: _Meter) -> _Meter | None:
        """The meter of the same account removed the day this one was installed, when there is one."""
        found = [
            m for m in self.by_account[meter.account_id] if m.id != meter.id and m.removed_on == meter.installed_on
        ]
        return found[0] if len(found) == 1 else None

    def successor(self, meter: _Meter) -> _Meter | None:
        if meter.removed_on is None:
            return None
        found = [
            m for m in self.by_account[meter.account_id] if m.id != meter.id and m.installed_on == meter.removed_on
        ]
        return found[0] if len(found) == 1 else None

    def timeline(self, meter: _Meter) -> _Timeline:
        return self.timelines.setdefault(meter.id, _Timeline())

    def reading_on(self, meter: _Meter, day: date) -> _Known | None:
        if meter.id in self.timelines and (known := self.timelines[meter.id].on(day)) is not None:
            return known
        return self.others.get((meter.id, day))

    def registers_at_end_of(self, meter: _Meter, day: date) -> Registers | None:
        """A meter's registers at the end of ``day``: its reading, or its start the day before it was installed."""
        if day == meter.installed_on - ONE_DAY:
            return meter.start
        known = self.reading_on(meter, day)
        return known.registers if known else None

    def _load_timelines(self, rows: list[_Row]) -> None:
        wanted = sorted({(meter.id, row.day) for row in rows if (meter := self.meters.get(row.meter_no)) is not None})
        for meter_id, _ in wanted:
            self.timelines.setdefault(meter_id, _Timeline())
        # Rows already stored need nothing more (they are unchanged or a conflict), which makes a
        # re-import cheap; the others need their nearest stored neighbours.
        stored: set[tuple[int, date]] = set()
        for start in range(0, len(wanted), DAYS_PER_QUERY):
            for values in _stored_on(wanted[start : start + DAYS_PER_QUERY]):
                self.timelines[values[1]].add(_known(values))
                stored.add((values[1], values[2]))
        missing = [pair for pair in wanted if pair not in stored]
        for start in range(0, len(missing), DAYS_PER_QUERY):
            for values in _stored_next_to(missing[start : start + DAYS_PER_QUERY]):
                self.timelines[values[1]].add(_known(values))

    def _load_others(self, rows: list[_Row]) -> None:
        wanted: set[tuple[int, date]] = set()
        for row in rows:
            meter = self.meters.get(row.meter_no)
            if meter is None:
                continue
            if row.day == meter.installed_on and (old := self.predecessor(meter)) is not None:
                wanted.add((old.id, row.day - ONE_DAY))
            if meter.removed_on == row.day + ONE_DAY and (new := self.successor(meter)) is not None:
                wanted.add((new.id, meter.removed_on))
        if not wanted:
            return
        candidates = Reading.objects.filter(
            meter_id__in={meter_id for meter_id, _ in wanted}, reading_date__in={day for _, day in wanted}
        )
        for values in _with_waiting_flag(candidates):
            if (key := (values[1], values[2])) in wanted:
                self.others[key] = _known(values)


@dataclass
class _Check:
    """Checks the rows of one chunk in (meter, day) order and works out the energies to store."""

    world: _World
    max_daily_kwh: Decimal
    new: list[tuple[_Meter, _Known]] = field(default_factory=list)
    unchanged: int = 0
    # Stored readings that were waiting for the day before, by id, with the energy now known.
    fills: dict[int, DayEnergy] = field(default_factory=dict)

    def row(self, row: _Row) -> None:
        """Accepts the row or raises why not; an accepted row is what later rows of its meter are checked against."""
        meter = self._meter_in_service(row)
        check_within_limit(registers=row.registers, limit_kwh=meter.limit_kwh)
        timeline = self.world.timeline(meter)
        if self._already_stored(meter, timeline, row):
            self.unchanged += 1
            return
        energy = self._energy_since_earlier(meter, timeline, row)
        fill = self._check_later(meter, timeline, row)
        known = _Known(day=row.day, registers=row.registers, energy=energy)
        timeline.add(known)
        self.new.append((meter, known))
        if fill is not None:
            self.fills[fill[0]] = fill[1]

    def _meter_in_service(self, row: _Row) -> _Meter:
        meter = self.world.meters.get(row.meter_no)
        if meter is None:
            raise RowRejected("unknown_meter", gettext_noop("表号 {meter_no} 未登记"), field="meter_no",
                              params={"meter_no": row.meter_no})
        if row.day < meter.installed_on:
            raise RowRejected(
                "before_installation",
                gettext_noop("读数日期 {day} 早于表 {meter_no} 的安装日 {installed_on}"),
                field="reading_date",
                params={"day": row.day, "meter_no": meter.meter_no, "installed_on": meter.installed_on},
            )
        if meter.removed_on is not None and row.day > meter.removed_on:
            raise RowRejected(
                "after_removal",
                gettext_noop("读数日期 {day} 晚于表 {meter_no} 的拆除日 {removed_on}"),
                field="reading_date",
                params={"day": row.day, "meter_no": meter.meter_no, "removed_on": meter.removed_on},
            )
        return meter

    @staticmethod
    def _already_stored(meter: _Meter, timeline: _Timeline, row: _Row) -> bool:
        """True for the very reading already known; a different one for the same day is a conflict."""
        same_day = timeline.on(row.day)
        if same_day is None:
            return False
        if same_day.registers == row.registers:
            return True
        raise RowRejected(
            "conflicting_reading",
            gettext_noop("表 {meter_no} {day} 已有不同的读数（总 {recorded_kwh} kWh），与本行的 {total_kwh} kWh 不符"),
            field="total_kwh",
            params={"meter_no": meter.meter_no, "day": row.day, "recorded_kwh": same_day.registers.total_kwh,
                    "total_kwh": row.registers.total_kwh},
        )

    def _energy_since_earlier(self, meter: _Meter, timeline: _Timeline, row: _Row) -> DayEnergy | None:
        """Checks the row against the reading before it (or the start registers); the day's energy when known."""
        earlier = timeline.before(row.day)
        if earlier is not None:
            since = self._energy(
                meter, (earlier.day, earlier.registers), (row.day, row.registers), f"前一读数（{earlier.day}）"
            )
            return since if earlier.day == row.day - ONE_DAY else None
        start = (meter.installed_on - ONE_DAY, meter.start)
        since = self._energy(meter, start, (row.day, row.registers), f"装表起始读数（{meter.installed_on}）")
        return since if row.day == meter.installed_on else None

    def _check_later(self, meter: _Meter, timeline: _Timeline, row: _Row) -> tuple[int, DayEnergy] | None:
        """Checks the row against what comes after it; a stored next-day reading waiting for it gets its energy."""
        if meter.removed_on is not None and meter.final is not None and row.day < meter.removed_on:
            final = (meter.removed_on, meter.final)
            self._energy(meter, (row.day, row.registers), final, f"拆表读数（{meter.removed_on}）")
        later = timeline.after(row.day)
        if later is None:
            return None
        until = self._energy(meter, (row.day, row.registers), (later.day, later.registers), f"后一读数（{later.day}）")
        if later.stored_id is not None and later.day == row.day + ONE_DAY and later.waits_for_energy:
            return later.stored_id, until
        return None

    def add_replaced_meters_use(self) -> None:
        """On a replacement day, the old meter's use that day is part of the day's energy."""
        for meter, known in self.new:
            old = self.world.predecessor(meter) if known.day == meter.installed_on else None
            if old is not None and known.energy is not None:
                old_use = self._use_until_removal(old)
                known.energy = combine(old_use, known.energy) if old_use is not None else None
            new = self.world.successor(meter) if meter.removed_on == known.day + ONE_DAY else None
            if new is not None:
                waiting = self.world.reading_on(new, new.installed_on)
                if waiting is not None and waiting.stored_id is not None and waiting.waits_for_energy:
                    energy = self._replacement_day(old=meter, new=new, new_reading=waiting.registers)
                    if energy is not None:
                        self.fills[waiting.stored_id] = energy

    def _replacement_day(self, *, old: _Meter, new: _Meter, new_reading: Registers) -> DayEnergy | None:
        old_use = self._use_until_removal(old)
        try:
            new_use = energy_over_days(
                earlier=new.start,
                later=new_reading,
                days=1,
                limit_kwh=new.limit_kwh,
                max_daily_kwh=self.max_daily_kwh,
            )
        except RejectedReading:
            return None
        return combine(old_use, new_use) if old_use is not None else None

    def _use_until_removal(self, old: _Meter) -> DayEnergy | None:
        """A removed meter's use on its removal day; None while its reading of the day before is missing."""
        assert old.removed_on is not None
        before = self.world.registers_at_end_of(old, old.removed_on - ONE_DAY)
        if before is None or old.final is None:
            return None
        try:
            return energy_over_days(
                earlier=before, later=old.final, days=1, limit_kwh=old.limit_kwh, max_daily_kwh=self.max_daily_kwh
            )
        except RejectedReading:
            return None  # stored data that disagree: the day waits for a correction, it is not guessed

    def _energy(
        self, meter: _Meter, earlier: tuple[date, Registers], later: tuple[date, Registers], against: str
    ) -> DayEnergy:
        """Energy from the end of one day to the end of a later one; a row that breaks the rules is rejected."""
        try:
            return energy_over_days(
                earlier=earlier[1],
                later=later[1],
                days=(later[0] - earlier[0]).days,
                limit_kwh=meter.limit_kwh,
                max_daily_kwh=self.max_daily_kwh,
            )
        except RejectedReading as error:
            raise RowRejected(error.code, gettext_noop("与{against}相比：{problem}"), field=error.field,
                              params={"against": against, "problem": error.message}) from None


def _write(check: _Check, *, received_at: datetime) -> None:
    """Bulk writes: the new readings in one insert, the energies now known in one batched update."""
    insert_rows(
        _READINGS,
        ["meter_id", "account_id", "reading_date", "received_at", *REGISTER_FIELDS, *ENERGY_FIELDS],
        [
            [
                meter.id,
                meter.account_id,
                known.day,
                received_at,
                *_register_fields(known.registers).values(),
                *_energy_fields(known.energy).values(),
            ]
            for meter, known in check.new
        ],
    )
    if check.fills:
        assignments = ", ".join(f"{name} = %s" for name in ENERGY_FIELDS)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {_READINGS} SET {assignments} WHERE id = %s",
                [[*_energy_fields(energy).values(), reading_id] for reading_id, energy in check.fills.items()],
            )


def _register_fields(registers: Registers) -> dict[str, Decimal | None]:
    return {
        "total_kwh": registers.total_kwh,
        **{column: registers.tou_kwh.get(period) for period, column in TOU_COLUMNS.items()},
    }


def _energy_fields(energy: DayEnergy | None) -> dict[str, Decimal | None]:
    if energy is None:
        return dict.fromkeys(ENERGY_FIELDS)
    return {
        "energy_kwh": energy.total_kwh,
        **{f"energy_{column}": energy.tou_kwh.get(period) for period, column in TOU_COLUMNS.items()},
    }


def _meter(values: dict[str, Any]) -> _Meter:
    final = None
    if values["final_total_kwh"] is not None:
        final = Registers(total_kwh=values["final_total_kwh"], tou_kwh=_tou(values, "final_"))
    return _Meter(
        id=values["id"],
        meter_no=values["meter_no"],
        account_id=values["account_id"],
        installed_on=values["installed_on"],
        removed_on=values["removed_on"],
        limit_kwh=register_limit_kwh(integer_digits=values["register_digits"]),
        start=Registers(total_kwh=values["start_total_kwh"], tou_kwh=_tou(values, "start_")),
        final=final,
    )


def _known(values: tuple[Any, ...]) -> _Known:
    reading_id, _, day, total, sharp, peak, flat, valley, waits = values
    tou = {TouPeriod.SHARP: sharp, TouPeriod.PEAK: peak, TouPeriod.FLAT: flat, TouPeriod.VALLEY: valley}
    return _Known(
        day=day,
        registers=Registers(total_kwh=total, tou_kwh={p: v for p, v in tou.items() if v is not None}),
        stored_id=reading_id,
        waits_for_energy=waits,
    )


def _tou(values: dict[str, Any], prefix: str) -> dict[TouPeriod, Decimal]:
    found = {period: values[f"{prefix}{column}"] for period, column in TOU_COLUMNS.items()}
    return {period: value for period, value in found.items() if value is not None}


def _with_waiting_flag(readings: QuerySet[Reading]) -> Iterable[tuple[Any, ...]]:
    """``READING_FIELDS`` and whether the reading still waits for its energy, as tuples (this runs per reading)."""
    waits = ExpressionWrapper(Q(energy_kwh__isnull=True), output_field=BooleanField())
    rows: Iterable[tuple[Any, ...]] = readings.annotate(waits=waits).values_list(*READING_FIELDS, "waits")
    return rows


def _stored_on(wanted: list[tuple[int, date]]) -> Iterable[tuple[Any, ...]]:
    """The stored reading of each (meter, day), where there is one."""
    ids = f"""
        WITH wanted (meter_id, day) AS (VALUES {_pairs(wanted)})
        SELECT r.id FROM wanted w JOIN {_READINGS} r ON r.meter_id = w.meter_id AND r.reading_date = w.day
    """
    return _with_waiting_flag(Reading.objects.filter(id__in=RawSQL(ids, _pair_params(wanted))))


def _stored_next_to(wanted: list[tuple[int, date]]) -> Iterable[tuple[Any, ...]]:
    """For each (meter, day): the nearest stored readings before and after that day."""
    # Each part is one lookup per (meter, day) on the unique (meter, reading_date) index.
    ids = f"""
        WITH wanted (meter_id, day) AS (VALUES {_pairs(wanted)})
        SELECT (SELECT b.id FROM {_READINGS} b WHERE b.meter_id = w.meter_id AND b.reading_date < w.day
                ORDER BY b.reading_date DESC LIMIT 1) FROM wanted w
        UNION
        SELECT (SELECT a.id FROM {_READINGS} a WHERE a.meter_id = w.meter_id AND a.reading_date > w.day
                ORDER BY a.reading_date LIMIT 1) FROM wanted w
    """
    return _with_waiting_flag(Reading.objects.filter(id__in=RawSQL(ids, _pair_params(wanted))))


def _pairs(wanted: list[tuple[int, date]]) -> str:
    return ", ".join(["(%s, %s)"] * len(wanted))


def _pair_params(wanted: list[tuple[int, date]]) -> list[object]:
    if on_postgresql():
        return [value for pair in wanted for value in pair]
    # SQLite keeps dates as ISO text (data.bulk.sql_date).
    return [value for meter_id, day in wanted for value in (meter_id, day.isoformat())]
