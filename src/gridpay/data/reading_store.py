"""Where daily readings are kept: the stored neighbours a batch of new readings is checked against, and its writes."""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection

from gridpay.data.bulk import insert_rows, on_postgresql, sql_date
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

SHARP, PEAK, FLAT, VALLEY = PERIODS = tuple(TouPeriod)  # in the order of the columns
TOU_COLUMNS = {period: f"{period.value}_kwh" for period in TouPeriod}
REGISTER_FIELDS = ["total_kwh", *TOU_COLUMNS.values()]
ENERGY_FIELDS = [f"energy_{column}" for column in ("kwh", *TOU_COLUMNS.values())]
# (meter, day) pairs per neighbour query: 2 parameters each stays far below every database's limit.
DAYS_PER_QUERY = 5_000
_READINGS = Reading._meta.db_table


def load_neighbours(*, readings: Sequence[MeterReading]) -> StoredNeighbours:
    """The readings' meters with the other meters of their accounts, and the stored readings their check needs, in a
    few bulk queries."""
    meter_nos = sorted({reading.meter_no for reading in readings})
    days = _Days()
    found: dict[int, RegisteredMeter] = {}
    for start in range(0, len(meter_nos), DAYS_PER_QUERY):
        chunk = meter_nos[start : start + DAYS_PER_QUERY]
        for row in _rows(_METERS_OF_ACCOUNTS.format(meter_nos=", ".join(["%s"] * len(chunk))), chunk):
            found.setdefault(row[0], _meter(row, days))  # an account's meters come again with another chunk's
    meters = sorted(found.values(), key=lambda meter: meter.id)
    wanted = neighbours_wanted(meters=meters, new_rows=readings)
    return StoredNeighbours(
        meters=meters, readings=[*_stored_around(wanted.around, days), *_stored_on_days(wanted.on, days)]
    )


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


def _stored_around(wanted: set[tuple[int, date]], days: "_Days") -> list[StoredReading]:
    """For each (meter, day): the stored reading of that day, else the nearest stored before and after it."""
    pairs = sorted(wanted)
    found: list[StoredReading] = []
    # A day already stored needs nothing more (its row is unchanged or a conflict), which makes a re-import cheap.
    stored: set[tuple[int, date]] = set()
    for start in range(0, len(pairs), DAYS_PER_QUERY):
        for reading in _stored_on(pairs[start : start + DAYS_PER_QUERY], days):
            found.append(reading)
            stored.add((reading.meter_id, reading.day))
    missing = [pair for pair in pairs if pair not in stored]
    for start in range(0, len(missing), DAYS_PER_QUERY):
        found.extend(_stored_next_to(missing[start : start + DAYS_PER_QUERY], days))
    return found


def _stored_on_days(wanted: set[tuple[int, date]], days: "_Days") -> list[StoredReading]:
    if not wanted:
        return []
    meter_ids = sorted({meter_id for meter_id, _ in wanted})
    on = sorted({day for _, day in wanted})
    candidates = _stored(
        f"SELECT {_READING_COLUMNS} FROM {_READINGS} r WHERE meter_id IN ({', '.join(['%s'] * len(meter_ids))}) "
        f"AND reading_date IN ({', '.join(['%s'] * len(on))})",
        [*meter_ids, *map(sql_date, on)], days,
    )
    return [reading for reading in candidates if (reading.meter_id, reading.day) in wanted]


def _stored_on(wanted: list[tuple[int, date]], days: "_Days") -> list[StoredReading]:
    """The stored reading of each (meter, day), where there is one."""
    return _stored(
        f"""
        WITH wanted (meter_id, day) AS (VALUES {_pairs(wanted)})
        SELECT {_READING_COLUMNS} FROM wanted w JOIN {_READINGS} r
            ON r.meter_id = w.meter_id AND r.reading_date = w.day
        """,
        _pair_params(wanted), days,
    )


def _stored_next_to(wanted: list[tuple[int, date]], days: "_Days") -> list[StoredReading]:
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
    return _stored(f"SELECT {_READING_COLUMNS} FROM {_READINGS} r WHERE r.id IN ({ids})", _pair_params(wanted), days)


# Neighbours are read straight from the cursor, tens of thousands of rows a day: the ORM's converters and model
# machinery cost more than the reading's check. Registers come as whole hundredths of a kWh (their two decimal
# places): the driver hands integers over as they are, where each decimal took a conversion of its own; dates as
# the driver gives them (ISO text on SQLite), each distinct one made once.
def _ckwh(column: str, table: str = "") -> str:
    return f"CAST(ROUND({table}{column} * 100) AS BIGINT)"


_READING_COLUMNS = ", ".join(
    ["r.meter_id", "r.reading_date", *(_ckwh(column, "r.") for column in REGISTER_FIELDS),
     "r.energy_kwh IS NOT NULL"]
)
_METERS_OF_ACCOUNTS = (
    "SELECT id, meter_no, account_id, installed_on, removed_on, register_digits, "
    + ", ".join(_ckwh(f"{moment}_{column}") for moment in ("start", "final") for column in REGISTER_FIELDS)
    + f" FROM {Meter._meta.db_table} WHERE account_id IN "
    f"(SELECT account_id FROM {Meter._meta.db_table} WHERE meter_no IN ({{meter_nos}}))"
)


class _Days(dict[Any, date]):
    """Dates as the driver gives them, made once each: a day's readings share a few days."""

    def __missing__(self, value: Any) -> date:
        made = value if isinstance(value, date) else date.fromisoformat(value)
        self[value] = made
        return made


def _rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


def _stored(sql: str, params: Sequence[Any], days: _Days) -> list[StoredReading]:
    """As domain values, from rows of _READING_COLUMNS."""
    return [
        StoredReading(meter_id=meter_id, day=days[day], registers=_registers(total, (sharp, peak, flat, valley)),
                      energy_known=bool(energy_known))
        for meter_id, day, total, sharp, peak, flat, valley, energy_known in _rows(sql, params)
    ]


def _registers(total_ckwh: int, tou_ckwh: Sequence[int | None]) -> Registers:
    return Registers(
        total_kwh=from_ckwh(total_ckwh),
        tou_kwh={period: from_ckwh(value) for period, value in zip(PERIODS, tou_ckwh, strict=True)
                 if value is not None},
    )


def _meter(row: Sequence[Any], days: _Days) -> RegisteredMeter:
    """From a row of _METERS_OF_ACCOUNTS."""
    id_, meter_no, account_id, installed_on, removed_on, digits, *registers = row
    start, final = registers[:5], registers[5:]
    return RegisteredMeter(
        id=id_,
        meter_no=meter_no,
        account_id=account_id,
        installed_on=days[installed_on],
        removed_on=None if removed_on is None else days[removed_on],
        limit_kwh=register_limit_kwh(integer_digits=digits),
        start=_registers(start[0], start[1:]),
        final=None if final[0] is None else _registers(final[0], final[1:]),
    )


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
