"""What daily settlement reads and writes, batch by batch, in plain SQL that runs on SQLite and PostgreSQL."""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import F, Q

from gridpay.data import ledger as ledger_store
from gridpay.data.bulk import Column, insert_columns, int_columns, sql_date
from gridpay.data.models import Reading, SettlementFailure
from gridpay.domain.energy import DayEnergy, TouPeriod
from gridpay.domain.ledger import TransferKind
from gridpay.domain.ledger_batch import TransferBatch
from gridpay.domain.settlement_batch import Bools, Ints

CKWH = "COALESCE(CAST(ROUND({} * 100) AS BIGINT), 0)"
FLAG = "CAST(CASE WHEN {} THEN 1 ELSE 0 END AS BIGINT)"
# A date as bulk.day_number() has it (days since 2000-01-01), 0 where NULL.
DAY_NUMBER = {
    "postgresql": "COALESCE(CAST({} - DATE '2000-01-01' AS BIGINT), 0)",
    "sqlite": "COALESCE(CAST(julianday({}) - julianday('2000-01-01') AS BIGINT), 0)",
}

# One row per prepaid account with a reading of the day that is not settled yet: the day's energy
# (hundredths of a kWh; missing while the day before has no reading) and where the account stood
# after the day before, if that day was settled. Every column a bigint, none NULL (bulk.int_columns).
# `m.removed_on IS NOT NULL` says again what `<=` implies: written out, it lets PostgreSQL read the removed meters off
# their partial index (meter_removed) instead of every meter of the range.
CANDIDATES = f"""
SELECT CAST(a.id AS BIGINT), CAST(a.tariff_id AS BIGINT), {FLAG.format("a.time_of_use")},
       CAST(a.ledger_account_id AS BIGINT),
       {FLAG.format("a.prepaid_since = %(day)s")},
       {FLAG.format("r.energy_kwh IS NOT NULL")},
       {CKWH.format("r.energy_kwh")}, {CKWH.format("r.energy_sharp_kwh")},
       {CKWH.format("r.energy_peak_kwh")}, {CKWH.format("r.energy_valley_kwh")},
       {FLAG.format("p.account_id IS NOT NULL")}, {{previous_period_start}},
       {CKWH.format("p.period_used_kwh")}, CAST(COALESCE(p.period_amount_micro_yuan, 0) AS BIGINT),
       {CKWH.format("a.opening_period_used_kwh")}
FROM gridpay_reading r
JOIN gridpay_account a ON a.id = r.account_id
LEFT JOIN gridpay_settlement p ON p.account_id = a.id AND p.day = %(previous)s
     AND p.account_id > %(after)s AND p.account_id <= %(last)s
WHERE r.reading_date = %(day)s
  AND a.mode = 'prepaid' AND a.status = 'active' AND a.prepaid_since <= %(day)s
  AND r.account_id > %(after)s AND r.account_id <= %(last)s
  AND a.id > %(after)s AND a.id <= %(last)s
  AND NOT EXISTS (
      SELECT 1 FROM gridpay_meter m
      WHERE m.id = r.meter_id AND m.removed_on IS NOT NULL AND m.removed_on <= r.reading_date
        AND m.account_id > %(after)s AND m.account_id <= %(last)s
  )
  AND NOT EXISTS (
      SELECT 1 FROM gridpay_settlement s
      WHERE s.account_id = a.id AND s.day = %(day)s AND s.account_id > %(after)s AND s.account_id <= %(last)s
  )
ORDER BY r.account_id
"""

# The batch is a range of account ids holding ``limit`` readings of the day. Bounding every table by the range, the
# readings' meters included (by their account: only removed ones are looked at), keeps each batch a few index range
# scans however large the tables grow; bounded by the join alone, the planner, which does not see that the ranges
# meet, looked up the meter and the day before of each reading one by one.
BATCH_END = """
SELECT MAX(account_id), COUNT(*) FROM (
    SELECT account_id FROM gridpay_reading
    WHERE reading_date = %s AND account_id > %s
    ORDER BY account_id LIMIT %s
) AS batch
"""

# Prepaid accounts the day cannot settle yet because the day's reading has not arrived.
WITHOUT_READING = """
SELECT COUNT(*) FROM gridpay_account a
WHERE a.mode = 'prepaid' AND a.status = 'active' AND a.prepaid_since <= %s
  AND NOT EXISTS (SELECT 1 FROM gridpay_reading r WHERE r.account_id = a.id AND r.reading_date = %s)
  AND NOT EXISTS (SELECT 1 FROM gridpay_settlement s WHERE s.account_id = a.id AND s.day = %s)
"""

# Whether a reading of the day belongs to an account already settled that day: asked when a run settled nothing, to
# tell a day settled before from a day with nothing to settle. A join, not the settlements by day alone: they are
# indexed by (account, day), and most of the day's readings are of settled accounts, so the first probes find one.
SETTLED_BEFORE = """
SELECT 1 FROM gridpay_reading r
WHERE r.reading_date = %s
  AND EXISTS (SELECT 1 FROM gridpay_settlement s WHERE s.account_id = r.account_id AND s.day = r.reading_date)
LIMIT 1
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


@dataclass(frozen=True)
class Candidates:
    """The accounts of a batch to settle, a column per field (one array element per account).

    Columns rather than an object per account: building 20 000 objects a batch costs more than
    pricing them.
    """

    account_id: Ints
    tariff_id: Ints
    time_of_use: Bools
    ledger_account_id: Ints
    first_day: Bools  # the day is the account's first prepaid day: there is no day before to settle
    has_energy: Bools  # false while the day before has no reading
    energy_ckwh: Ints
    sharp_ckwh: Ints
    peak_ckwh: Ints
    valley_ckwh: Ints
    previous_settled: Bools
    previous_period_start: Ints  # day_number(); 0 where the day before is not settled
    previous_used_ckwh: Ints
    previous_amount_micro_yuan: Ints
    opening_used_ckwh: Ints  # tier usage billed postpaid before the first prepaid day

    def __len__(self) -> int:
        return len(self.account_id)

    def take(self, where: Ints | Bools) -> "Candidates":
        """The accounts selected by a boolean mask or an index array."""
        return Candidates(**{f.name: getattr(self, f.name)[where] for f in fields(self)})


@dataclass(frozen=True)
class Settled:
    """Settled accounts of a batch, a column per field."""

    account_id: Ints
    ledger_account_id: Ints
    energy_ckwh: Ints
    charge_fen: Ints
    tariff_version_id: Ints
    period_start: Ints  # day_number()
    period_used_ckwh: Ints
    period_amount_micro_yuan: Ints

    def __len__(self) -> int:
        return len(self.account_id)

    @staticmethod
    def concatenate(parts: Sequence["Settled"]) -> "Settled":
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return Settled(empty, empty, empty, empty, empty, empty, empty, empty)
        return Settled(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Settled)})


def count_without_reading(day: date) -> int:
    with connection.cursor() as cursor:
        cursor.execute(WITHOUT_READING, [sql_date(day), sql_date(day), sql_date(day)])
        return int(cursor.fetchone()[0])


def settled_before(day: date) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(SETTLED_BEFORE, [sql_date(day)])
        return cursor.fetchone() is not None


def batch_ranges(day: date, *, limit: int) -> list[tuple[int, int, int]]:
    """Ranges ``(after, last]`` of account ids holding ``limit`` readings of ``day`` each (the last range fewer), with
    how many: ``(after, last, readings)``."""
    ranges: list[tuple[int, int, int]] = []
    after = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(BATCH_END, [sql_date(day), after, limit])
            last, readings = cursor.fetchone()
            if last is None:
                return ranges
            ranges.append((after, int(last), int(readings)))
            after = int(last)


def fetch_candidates(day: date, *, after_account_id: int, last_account_id: int) -> Candidates:
    """Accounts with ids in ``(after_account_id, last_account_id]`` that have a reading of ``day`` to settle."""
    params = {
        "previous": sql_date(day - timedelta(days=1)),
        "day": sql_date(day),
        "after": after_account_id,
        "last": last_account_id,
    }
    query = CANDIDATES.format(previous_period_start=DAY_NUMBER[connection.vendor].format("p.period_start"))
    column = dict(zip([f.name for f in fields(Candidates)], int_columns(query, params, 15), strict=True))
    typed: dict[str, Any] = {name: values.astype(np.bool_) if name in _FLAGS else values
                             for name, values in column.items()}
    return Candidates(**typed)


_FLAGS = {"time_of_use", "first_day", "has_energy", "previous_settled"}


def write_settled(settled: Settled, *, day: date, revenue_ledger_id: int, at: datetime) -> None:
    """Settlements and their transfers (customer → revenue), in the caller's transaction."""
    insert_columns(
        "gridpay_settlement",
        dict(
            zip(
                SETTLEMENT_COLUMNS,
                (
                    Column("bigint", settled.account_id),
                    Column("day", day),
                    Column("hundredths", settled.energy_ckwh),
                    Column("bigint", settled.charge_fen),
                    Column("bigint", settled.tariff_version_id),
                    Column("day", settled.period_start),
                    Column("hundredths", settled.period_used_ckwh),
                    Column("bigint", settled.period_amount_micro_yuan),
                    Column("instant", at),
                ),
                strict=True,
            )
        ),
        count=len(settled),
    )
    # No key of these rows is checked by the database (ADR 0032): the posting's balance locks are the batch's only
    # row locks. (Checked at the commit, the settlements' accounts were locked too, after the balances as a payment
    # takes them; checked before the posting, the two took those locks in opposite orders and deadlocked.)
    charged = settled.charge_fen > 0
    ledger_store.post(
        TransferBatch(
            debit=settled.ledger_account_id[charged],
            credit=np.full(int(charged.sum()), revenue_ledger_id, dtype=np.int64),
            amount_fen=settled.charge_fen[charged],
            kind=TransferKind.SETTLEMENT,
        ),
        business_day=day,
        at=at,
    )


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
