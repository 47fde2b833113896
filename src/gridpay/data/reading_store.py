"""Where daily readings are kept: the stored neighbours a batch of new readings is checked against, and its writes."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Round

from gridpay.data.bulk import insert_rows, on_postgresql
from gridpay.data.models import Meter, Reading
from gridpay.domain.energy import DayEnergy, TouPeriod, from_ckwh
from gridpay.domain.reading_check import (
    ReadingsChecked,
    RegisteredMeter,
    StoredNeighbours,
    StoredReading,
    neighbours_wanted,
)
from gridpay.domain.readings import MeterReading, Registers, register_limit_kwh

SHARP, PEAK, FLAT, VALLEY = TouPeriod  # in the order of the columns
TOU_COLUMNS = {period: f"{period.value}_kwh" for period in TouPeriod}
REGISTER_FIELDS = ["total_kwh", *TOU_COLUMNS.values()]
ENERGY_FIELDS = [f"energy_{column}" for column in ("kwh", *TOU_COLUMNS.values())]
METER_FIELDS = [
    "id",
    "meter_no",
    "account_id",
    "installed_on",
    "removed_on",
    "register_digits",
    *(f"{moment}_{register}" for moment in ("start", "final") for register in REGISTER_FIELDS),
]
# (meter, day) pairs per neighbour query: 2 parameters each stays far below every database's limit.
DAYS_PER_QUERY = 5_000
_READINGS = Reading._meta.db_table


def load_neighbours(*, readings: Sequence[MeterReading]) -> StoredNeighbours:
    """The readings' meters with the other meters of their accounts, and the stored readings their check needs, in a
    few bulk queries."""
    meter_nos = {reading.meter_no for reading in readings}
    accounts = Meter.objects.filter(meter_no__in=meter_nos).values("account_id")
    rows = Meter.objects.filter(account_id__in=accounts).annotate(**_METER_CKWH).values(*_in_ckwh(METER_FIELDS))
    meters = [_meter(_from_ckwh(values)) for values in rows]
    wanted = neighbours_wanted(meters=meters, new_rows=readings)
    return StoredNeighbours(meters=meters, readings=[*_stored_around(wanted.around), *_stored_on_days(wanted.on)])


def store_checked(*, checked: ReadingsChecked, received_at: datetime) -> None:
    """The accepted readings in one bulk insert (COPY on PostgreSQL), the energies found in one batched update."""
    insert_rows(
        _READINGS,
        ["meter_id", "account_id", "reading_date", "received_at", *REGISTER_FIELDS, *ENERGY_FIELDS],
        [
            [
                accepted.meter.id,
                accepted.meter.account_id,
                accepted.reading.day,
                received_at,
                *_register_values(accepted.reading.registers),
                *_energy_values(accepted.energy),
            ]
            for accepted in checked.accepted
        ],
    )
    if checked.energies_found:
        assignments = ", ".join(f"{name} = %s" for name in ENERGY_FIELDS)
        iso_days = not on_postgresql()  # SQLite keeps dates as ISO text (data.bulk.sql_date)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {_READINGS} SET {assignments} WHERE meter_id = %s AND reading_date = %s",
                [[*_energy_values(found.energy), found.meter.id, found.day.isoformat() if iso_days else found.day]
                 for found in checked.energies_found],
            )


def _stored_around(wanted: set[tuple[int, date]]) -> list[StoredReading]:
    """For each (meter, day): the stored reading of that day, else the nearest stored before and after it."""
    pairs = sorted(wanted)
    found: list[StoredReading] = []
    # A day already stored needs nothing more (its row is unchanged or a conflict), which makes a re-import cheap.
    stored: set[tuple[int, date]] = set()
    for start in range(0, len(pairs), DAYS_PER_QUERY):
        for reading in _stored_on(pairs[start : start + DAYS_PER_QUERY]):
            found.append(reading)
            stored.add((reading.meter_id, reading.day))
    missing = [pair for pair in pairs if pair not in stored]
    for start in range(0, len(missing), DAYS_PER_QUERY):
        found.extend(_stored_next_to(missing[start : start + DAYS_PER_QUERY]))
    return found


def _stored_on_days(wanted: set[tuple[int, date]]) -> list[StoredReading]:
    if not wanted:
        return []
    candidates = Reading.objects.filter(
        meter_id__in={meter_id for meter_id, _ in wanted}, reading_date__in={day for _, day in wanted}
    )
    return [reading for reading in _stored(candidates) if (reading.meter_id, reading.day) in wanted]


def _stored_on(wanted: list[tuple[int, date]]) -> list[StoredReading]:
    """The stored reading of each (meter, day), where there is one."""
    ids = f"""
        WITH wanted (meter_id, day) AS (VALUES {_pairs(wanted)})
        SELECT r.id FROM wanted w JOIN {_READINGS} r ON r.meter_id = w.meter_id AND r.reading_date = w.day
    """
    return _stored(Reading.objects.filter(id__in=RawSQL(ids, _pair_params(wanted))))


def _stored_next_to(wanted: list[tuple[int, date]]) -> list[StoredReading]:
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
    return _stored(Reading.objects.filter(id__in=RawSQL(ids, _pair_params(wanted))))


def _stored(readings: QuerySet[Reading]) -> list[StoredReading]:
    """As domain values, read as tuples (this runs per reading)."""
    known = ExpressionWrapper(Q(energy_kwh__isnull=False), output_field=BooleanField())
    rows: Iterable[tuple[Any, ...]] = readings.annotate(known=known, **_CKWH).values_list(
        "meter_id", "reading_date", *_in_ckwh(REGISTER_FIELDS), "known"
    )
    found = []
    for meter_id, day, total, sharp, peak, flat, valley, energy_known in rows:
        tou = {SHARP: sharp, PEAK: peak, FLAT: flat, VALLEY: valley}
        registers = Registers(total_kwh=from_ckwh(total),
                              tou_kwh={p: from_ckwh(v) for p, v in tou.items() if v is not None})
        found.append(StoredReading(meter_id=meter_id, day=day, registers=registers, energy_known=energy_known))
    return found


# Registers are read as whole hundredths of a kWh (their two decimal places): the driver hands integers over as they
# are, where each decimal took a conversion of its own, and a neighbour query reads tens of thousands of them.
_CKWH_SUFFIX = "_in_ckwh"


def _ckwh(column: str) -> Cast:
    return Cast(Round(F(column) * 100), output_field=BigIntegerField())


_CKWH = {f"{column}{_CKWH_SUFFIX}": _ckwh(column) for column in REGISTER_FIELDS}
_METER_CKWH = {f"{moment}_{column}{_CKWH_SUFFIX}": _ckwh(f"{moment}_{column}")
               for moment in ("start", "final") for column in REGISTER_FIELDS}


def _in_ckwh(fields: Sequence[str]) -> list[str]:
    return [f"{field}{_CKWH_SUFFIX}" if field.endswith("_kwh") else field for field in fields]


def _from_ckwh(values: dict[str, Any]) -> dict[str, Any]:
    """A meter's values with its registers back as decimals (and under their own names)."""
    return {name.removesuffix(_CKWH_SUFFIX): from_ckwh(value) if name.endswith(_CKWH_SUFFIX) and value is not None
            else value for name, value in values.items()}


def _meter(values: dict[str, Any]) -> RegisteredMeter:
    final = None
    if values["final_total_kwh"] is not None:
        final = Registers(total_kwh=values["final_total_kwh"], tou_kwh=_tou(values, "final_"))
    return RegisteredMeter(
        id=values["id"],
        meter_no=values["meter_no"],
        account_id=values["account_id"],
        installed_on=values["installed_on"],
        removed_on=values["removed_on"],
        limit_kwh=register_limit_kwh(integer_digits=values["register_digits"]),
        start=Registers(total_kwh=values["start_total_kwh"], tou_kwh=_tou(values, "start_")),
        final=final,
    )


def _tou(values: dict[str, Any], prefix: str) -> dict[TouPeriod, Decimal]:
    found = {period: values[f"{prefix}{column}"] for period, column in TOU_COLUMNS.items()}
    return {period: value for period, value in found.items() if value is not None}


def _register_values(registers: Registers) -> list[Decimal | None]:
    tou = registers.tou_kwh
    return [registers.total_kwh, tou.get(SHARP), tou.get(PEAK), tou.get(FLAT), tou.get(VALLEY)]


def _energy_values(energy: DayEnergy | None) -> list[Decimal | None]:
    if energy is None:
        return [None] * len(ENERGY_FIELDS)
    tou = energy.tou_kwh
    return [energy.total_kwh, tou.get(SHARP), tou.get(PEAK), tou.get(FLAT), tou.get(VALLEY)]


def _pairs(wanted: list[tuple[int, date]]) -> str:
    return ", ".join(["(%s, %s)"] * len(wanted))


def _pair_params(wanted: list[tuple[int, date]]) -> list[object]:
    if on_postgresql():
        return [value for pair in wanted for value in pair]
    # SQLite keeps dates as ISO text (data.bulk.sql_date).
    return [value for meter_id, day in wanted for value in (meter_id, day.isoformat())]
