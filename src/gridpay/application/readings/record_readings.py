"""Records daily frozen readings however they arrive (a CSV file, the head-end, the demo town): each batch checked
by the one check (domain.reading_check) against the stored readings around it, the good ones stored."""

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from gridpay.application.imports import ImportReport, RejectedRow, chunked, rejected_row
from gridpay.data.history_archive import READINGS, last_archived_day
from gridpay.data.reading_store import load_neighbours, store_checked
from gridpay.data.settings import gridpay_settings
from gridpay.domain.business_time import business_day
from gridpay.domain.reading_check import ReadingsChecked, check_readings
from gridpay.domain.readings import MeterReading

# A number naming the reading in the report (a file's line), and the reading.
NumberedReading = tuple[int, MeterReading]
CHUNK_ROWS = 5_000


def record_readings(
    *,
    readings: Iterable[NumberedReading],
    received_at: datetime,
    max_daily_kwh: Decimal,
    after_each_chunk: Callable[[], None] | None = None,
) -> ImportReport:
    """Checks the readings and stores the good ones with their day's energy; the readings come in any order.

    They are taken in chunks, each one transaction that reads what its check needs in a few bulk queries
    and writes in bulk.
    """
    # A daily frozen reading exists once its day has begun (it freezes at the day's first moment).
    latest_day = business_day(instant=received_at, zone=gridpay_settings().business_time_zone)
    archived_through = last_archived_day(READINGS)
    stored = unchanged = 0
    rejected: list[RejectedRow] = []
    for chunk in chunked(readings, CHUNK_ROWS):
        numbers = [number for number, _ in chunk]
        rows = [reading for _, reading in chunk]
        try:
            checked = _record_chunk(rows, received_at=received_at, max_daily_kwh=max_daily_kwh, latest_day=latest_day,
                                    archived_through=archived_through)
        except IntegrityError:
            # A concurrent import stored some of the same readings first: this chunk rolled back
            # whole, and the second attempt sees them as already stored.
            checked = _record_chunk(rows, received_at=received_at, max_daily_kwh=max_daily_kwh, latest_day=latest_day,
                                    archived_through=archived_through)
        stored += len(checked.accepted)
        unchanged += len(checked.unchanged)
        rejected.extend(rejected_row(numbers[r.row], r.reason) for r in checked.rejected)
        if after_each_chunk:
            after_each_chunk()
    return ImportReport(stored=stored, unchanged=unchanged, rejected=sorted(rejected, key=lambda r: r.row_number))


def _record_chunk(
    rows: list[MeterReading], *, received_at: datetime, max_daily_kwh: Decimal, latest_day: date,
    archived_through: date | None,
) -> ReadingsChecked:
    with transaction.atomic():
        checked = check_readings(
            stored_neighbours=load_neighbours(readings=rows),
            new_rows=rows,
            max_daily_kwh=max_daily_kwh,
            latest_day=latest_day,
            archived_through=archived_through,
        )
        store_checked(checked=checked, received_at=received_at)
    return checked
