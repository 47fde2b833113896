"""Imports daily frozen readings (日冻结) from CSV: each row parsed into a reading, or rejected naming its problems;
the readings recorded as any others are (record_readings), the rows they break the rules with rejected with why."""

from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from functools import partial
from pathlib import Path

from gridpay.application.imports import (
    ImportReport,
    Progress,
    RejectedRow,
    Row,
    RowProblems,
    RowRejected,
    check_fields,
    open_csv,
    parse_day,
    parse_energy,
    rejected_row,
    required,
)
from gridpay.application.readings.record_readings import NumberedReading, record_readings
from gridpay.domain.energy import TouPeriod
from gridpay.domain.readings import MeterReading, Registers

COLUMNS = ("meter_no", "reading_date", "total_kwh", "sharp_kwh", "peak_kwh", "flat_kwh", "valley_kwh")
TOU_COLUMNS = {
    TouPeriod.SHARP: "sharp_kwh",
    TouPeriod.PEAK: "peak_kwh",
    TouPeriod.FLAT: "flat_kwh",
    TouPeriod.VALLEY: "valley_kwh",
}


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
    """Parses each row and records the readings; rows are (line number, {column: text}) in any order.

    On a repeated (meter, day) the first row is the one stored; the rest are unchanged, or rejected when
    they differ. ``on_progress`` hears the rows read so far, after each chunk the readings are recorded in.
    """
    parsed = _ParsedRows(rows)
    reported = 0

    def progress() -> None:
        nonlocal reported
        assert on_progress is not None
        reported = parsed.rows_read
        on_progress(reported, max(total_rows or 0, reported))

    if on_progress and total_rows is not None:
        on_progress(0, total_rows)
    recorded = record_readings(
        readings=parsed, received_at=received_at, max_daily_kwh=max_daily_kwh,
        after_each_chunk=progress if on_progress else None,
    )
    if on_progress and parsed.rows_read != reported:
        progress()  # rows refused after the last chunk
    return ImportReport(
        stored=recorded.stored,
        unchanged=recorded.unchanged,
        rejected=sorted([*recorded.rejected, *parsed.rejected], key=lambda r: r.row_number),
    )


class _ParsedRows:
    """The rows' readings, as they are read; the rows that are none kept with their problems."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self._rows = rows
        self.rows_read = 0
        self.rejected: list[RejectedRow] = []

    def __iter__(self) -> Iterator[NumberedReading]:
        for number, raw in self._rows:
            self.rows_read += 1
            try:
                yield number, parse_reading(raw)
            except RowRejected as error:
                self.rejected.append(rejected_row(number, error))


def parse_reading(raw: dict[str, str]) -> MeterReading:
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
    return MeterReading(meter_no=meter_no, day=day, registers=registers)
