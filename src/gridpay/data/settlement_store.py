"""What daily settlement reads and writes, batch by batch, in plain SQL that runs on SQLite and PostgreSQL."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import F, Q

from gridpay.data.bulk import add_to_balances, check_constraints_now, insert_rows, sql_date
from gridpay.data.models import Reading, SettlementFailure
from gridpay.domain.energy import DayEnergy, TouPeriod

CKWH = "CAST(ROUND({} * 100) AS BIGINT)"

# One row per prepaid account with a reading of the day that is not settled yet: the day's energy
# (hundredths of a kWh, NULL while the day before has no reading) and where the account stood
# after the day before, if that day was settled.
CANDIDATES = f"""
SELECT a.id, a.tariff_id, a.time_of_use, a.ledger_account_id, a.prepaid_since,
       {CKWH.format("r.energy_kwh")}, {CKWH.format("r.energy_sharp_kwh")},
       {CKWH.format("r.energy_peak_kwh")}, {CKWH.format("r.energy_valley_kwh")},
       p.period_start, {CKWH.format("p.period_used_kwh")}, p.period_amount_micro_yuan
FROM gridpay_reading r
JOIN gridpay_meter m ON m.id = r.meter_id
JOIN gridpay_account a ON a.id = r.account_id
LEFT JOIN gridpay_settlement p ON p.account_id = a.id AND p.day = %(previous)s
WHERE r.reading_date = %(day)s
  AND (m.removed_on IS NULL OR m.removed_on > r.reading_date)
  AND a.mode = 'prepaid' AND a.status = 'active' AND a.prepaid_since <= %(day)s
  AND r.account_id > %(after)s AND r.account_id <= %(last)s
  AND a.id > %(after)s AND a.id <= %(last)s
  AND NOT EXISTS (SELECT 1 FROM gridpay_settlement s WHERE s.account_id = a.id AND s.day = %(day)s)
ORDER BY r.account_id
"""

# The batch is a range of account ids holding ``limit`` readings of the day. Bounding every join
# by the range keeps each batch an index range scan however large the tables grow.
BATCH_END = """
SELECT MAX(account_id) FROM (
    SELECT account_id FROM gridpay_reading
    WHERE reading_date = %s AND account_id > %s
    ORDER BY account_id LIMIT %s
) AS batch
"""

COUNT = """
SELECT COUNT(*) FROM gridpay_reading r
JOIN gridpay_meter m ON m.id = r.meter_id
JOIN gridpay_account a ON a.id = r.account_id
WHERE r.reading_date = %s
  AND (m.removed_on IS NULL OR m.removed_on > r.reading_date)
  AND a.mode = 'prepaid' AND a.status = 'active' AND a.prepaid_since <= %s
  AND NOT EXISTS (SELECT 1 FROM gridpay_settlement s WHERE s.account_id = a.id AND s.day = %s)
"""

SETTLEMENT_COLUMNS = (
    "account_id",
    "day",
    "energy_kwh",
    "charge_fen",
    "tariff_version_id",
    "period_start",
    "period_used_kwh",
    "period_amount_micro_yuan",
    "settled_at",
)
TRANSFER_COLUMNS = ("debit_id", "credit_id", "amount_fen", "kind", "business_day", "created_at")


@dataclass(frozen=True)
class Candidate:
    account_id: int
    tariff_id: int
    time_of_use: bool
    ledger_account_id: int
    prepaid_since: date
    energy_ckwh: int | None
    sharp_ckwh: int | None
    peak_ckwh: int | None
    valley_ckwh: int | None
    previous_period_start: date | None
    previous_used_ckwh: int | None
    previous_amount_micro_yuan: int | None


@dataclass(frozen=True)
class SettledRow:
    account_id: int
    ledger_account_id: int
    energy_ckwh: int
    charge_fen: int
    tariff_version_id: int
    period_start: date
    period_used_ckwh: int
    period_amount_micro_yuan: int


def count_candidates(day: date) -> int:
    with connection.cursor() as cursor:
        cursor.execute(COUNT, [sql_date(day), sql_date(day), sql_date(day)])
        return int(cursor.fetchone()[0])


def batch_ranges(day: date, *, limit: int) -> list[tuple[int, int]]:
    """Ranges ``(after, last]`` of account ids holding ``limit`` readings of ``day`` each."""
    ranges: list[tuple[int, int]] = []
    after = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(BATCH_END, [sql_date(day), after, limit])
            last = cursor.fetchone()[0]
            if last is None:
                return ranges
            ranges.append((after, int(last)))
            after = int(last)


def fetch_candidates(day: date, *, after_account_id: int, last_account_id: int) -> list[Candidate]:
    """Accounts with ids in ``(after_account_id, last_account_id]`` that have a reading of ``day`` to settle."""
    params = {
        "previous": sql_date(day - timedelta(days=1)),
        "day": sql_date(day),
        "after": after_account_id,
        "last": last_account_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(CANDIDATES, params)
        rows = cursor.fetchall()
    return [
        Candidate(
            account_id=row[0],
            tariff_id=row[1],
            time_of_use=bool(row[2]),
            ledger_account_id=row[3],
            prepaid_since=_date(row[4]),
            energy_ckwh=row[5],
            sharp_ckwh=row[6],
            peak_ckwh=row[7],
            valley_ckwh=row[8],
            previous_period_start=None if row[9] is None else _date(row[9]),
            previous_used_ckwh=row[10],
            previous_amount_micro_yuan=row[11],
        )
        for row in rows
    ]


def write_settled(rows: Sequence[SettledRow], *, day: date, revenue_ledger_id: int, at: datetime) -> None:
    """Settlements, their transfers (customer → revenue) and cached balances, in the caller's transaction."""
    charged = [row for row in rows if row.charge_fen > 0]
    insert_rows(
        "gridpay_transfer",
        TRANSFER_COLUMNS,
        [(row.ledger_account_id, revenue_ledger_id, row.charge_fen, "settlement", day, at) for row in charged],
    )
    insert_rows(
        "gridpay_settlement",
        SETTLEMENT_COLUMNS,
        [
            (
                row.account_id,
                day,
                _kwh_text(row.energy_ckwh),
                row.charge_fen,
                row.tariff_version_id,
                row.period_start,
                _kwh_text(row.period_used_ckwh),
                row.period_amount_micro_yuan,
                at,
            )
            for row in rows
        ],
    )
    add_to_balances([(row.ledger_account_id, -row.charge_fen) for row in charged])
    # Every batch updates the one revenue row: check the batch's foreign keys first, so the row
    # stays locked only for the moment to commit and concurrent batches do not queue behind it.
    check_constraints_now()
    add_to_balances([(revenue_ledger_id, sum(row.charge_fen for row in charged))])


def record_failures(
    failures: Sequence[tuple[int, str, str]], *, day: date, first_account_id: int, last_account_id: int, at: datetime
) -> None:
    """Replace the day's failure records of a batch (a range of account ids) with this attempt's."""
    SettlementFailure.objects.filter(
        day=day, account_id__gte=first_account_id, account_id__lte=last_account_id
    ).delete()
    SettlementFailure.objects.bulk_create(
        SettlementFailure(account_id=account_id, day=day, code=code, message=message, recorded_at=at)
        for account_id, code, message in failures
    )


def _kwh_text(ckwh: int) -> str:
    sign = "-" if ckwh < 0 else ""
    whole, hundredths = divmod(abs(ckwh), 100)
    return f"{sign}{whole}.{hundredths:02d}"


def _date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


OLDEST_UNSETTLED = """
SELECT MIN(r.reading_date) FROM gridpay_reading r
JOIN gridpay_account a ON a.id = r.account_id
WHERE a.mode = 'prepaid' AND a.status = 'active'
  AND r.reading_date >= a.prepaid_since AND r.reading_date <= %s
  AND NOT EXISTS (
      SELECT 1 FROM gridpay_settlement s WHERE s.account_id = r.account_id AND s.day = r.reading_date
  )
"""


def oldest_unsettled_day(*, through: date) -> date | None:
    with connection.cursor() as cursor:
        cursor.execute(OLDEST_UNSETTLED, [sql_date(through)])
        value = cursor.fetchone()[0]
    return None if value is None else _date(value)


def day_energies(*, account_id: int, since: date, until: date) -> list[tuple[date, DayEnergy]]:
    """The account's daily energy from its readings as they are now, ``since`` to ``until`` inclusive."""
    readings = (
        Reading.objects.filter(
            account_id=account_id,
            reading_date__gte=since,
            reading_date__lte=until,
            energy_kwh__isnull=False,
        )
        .filter(Q(meter__removed_on__isnull=True) | Q(meter__removed_on__gt=F("reading_date")))
        .order_by("reading_date")
    )
    return [
        (
            r.reading_date,
            DayEnergy(
                total_kwh=r.energy_kwh or Decimal(0),
                tou_kwh={
                    period: value
                    for period, value in (
                        (TouPeriod.SHARP, r.energy_sharp_kwh),
                        (TouPeriod.PEAK, r.energy_peak_kwh),
                        (TouPeriod.VALLEY, r.energy_valley_kwh),
                    )
                    if value is not None
                },
            ),
        )
        for r in readings
    ]
