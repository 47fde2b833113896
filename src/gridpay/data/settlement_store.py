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
# Keeps a subquery from being merged into the query around it (PostgreSQL does not merge one with an OFFSET); SQLite
# takes no OFFSET without a LIMIT, and plans the join its own way.
FENCE = {"postgresql": "OFFSET 0", "sqlite": ""}

# One row per account of the batch's range that is prepaid and active on the day: whether the day's reading has
# arrived, and its energy (hundredths of a kWh; missing while the day before has no reading); where the account stood
# after the day before, if that day was settled; whether the day is settled already. Every column a bigint, none NULL
# (bulk.int_columns). Asked of the accounts, not of the readings: the accounts still waiting for their reading are
# counted in the same pass (a count of its own was a join of the whole day's accounts and readings, a twelfth of a run).
# A removed meter's readings from its removal day on are not the account's (its new meter's are): `m.removed_on IS NOT
# NULL` says again what `<=` implies, so that PostgreSQL reads the removed meters off their partial index
# (meter_removed) instead of every meter of the range.
# Each table is read as one range of the batch's ids (FENCE keeps the settlements' subqueries apart) and merged with
# the accounts at once: joined directly, the planner, which does not see that the ranges are the same ids, looked each
# account's day before up by its key (20 000 probes a batch, two fifths of the query's time).
CANDIDATES = f"""
SELECT CAST(a.id AS BIGINT), CAST(a.tariff_id AS BIGINT), {FLAG.format("a.time_of_use")},
       CAST(a.ledger_account_id AS BIGINT),
       {FLAG.format("a.prepaid_since = %(day)s")},
       {FLAG.format("r.account_id IS NOT NULL")}, {FLAG.format("r.energy_kwh IS NOT NULL")},
       {CKWH.format("r.energy_kwh")}, {CKWH.format("r.energy_sharp_kwh")},
       {CKWH.format("r.energy_peak_kwh")}, {CKWH.format("r.energy_valley_kwh")},
       {FLAG.format("p.account_id IS NOT NULL")}, {{previous_period_start}},
       {CKWH.format("p.period_used_kwh")}, CAST(COALESCE(p.period_amount_micro_yuan, 0) AS BIGINT),
       {CKWH.format("a.opening_period_used_kwh")}, {FLAG.format("s.account_id IS NOT NULL")}
FROM gridpay_account a
LEFT JOIN (
    SELECT r.account_id, r.energy_kwh, r.energy_sharp_kwh, r.energy_peak_kwh, r.energy_valley_kwh
    FROM gridpay_reading r
    WHERE r.reading_date = %(day)s AND r.account_id > %(after)s AND r.account_id <= %(last)s
      AND NOT EXISTS (
          SELECT 1 FROM gridpay_meter m
          WHERE m.id = r.meter_id AND m.removed_on IS NOT NULL AND m.removed_on <= r.reading_date
            AND m.account_id > %(after)s AND m.account_id <= %(last)s
      )
) AS r ON r.account_id = a.id
LEFT JOIN (
    SELECT account_id, period_start, period_used_kwh, period_amount_micro_yuan FROM gridpay_settlement
    WHERE day = %(previous)s AND account_id > %(after)s AND account_id <= %(last)s
    {{fence}}
) AS p ON p.account_id = a.id
LEFT JOIN (
    SELECT account_id FROM gridpay_settlement
    WHERE day = %(day)s AND account_id > %(after)s AND account_id <= %(last)s
    {{fence}}
) AS s ON s.account_id = a.id
WHERE a.mode = 'prepaid' AND a.status = 'active' AND a.prepaid_since <= %(day)s
  AND a.id > %(after)s AND a.id <= %(last)s
ORDER BY a.id
"""

# The batches are ranges of ``limit`` accounts each, of every kind, in the primary key's order: a batch then holds at
# most ``limit`` candidates, however many of the day's readings have arrived.
BATCH_END = """
SELECT MAX(id), COUNT(*) FROM (
    SELECT id FROM gridpay_account WHERE id > %s ORDER BY id LIMIT %s
) AS batch
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
    """The prepaid accounts of a batch, a column per field (one array element per account).

    Columns rather than an object per account: building 20 000 objects a batch costs more than
    pricing them.
    """

    account_id: Ints
    tariff_id: Ints
    time_of_use: Bools
    ledger_account_id: Ints
    first_day: Bools  # the day is the account's first prepaid day: there is no day before to settle
    has_reading: Bools  # false while the day's reading has not arrived
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
    settled: Bools  # the day is settled already

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


def batch_ranges(*, limit: int) -> list[tuple[int, int, int]]:
    """Ranges ``(after, last]`` of ``limit`` account ids each (the last range fewer), with how many:
    ``(after, last, accounts)``."""
    ranges: list[tuple[int, int, int]] = []
    after = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(BATCH_END, [after, limit])
            last, accounts = cursor.fetchone()
            if last is None:
                return ranges
            ranges.append((after, int(last), int(accounts)))
            after = int(last)


def fetch_candidates(day: date, *, after_account_id: int, last_account_id: int) -> Candidates:
    """The accounts with ids in ``(after_account_id, last_account_id]`` that are prepaid and active on ``day``."""
    params = {
        "previous": sql_date(day - timedelta(days=1)),
        "day": sql_date(day),
        "after": after_account_id,
        "last": last_account_id,
    }
    query = CANDIDATES.format(
        previous_period_start=DAY_NUMBER[connection.vendor].format("p.period_start"), fence=FENCE[connection.vendor]
    )
    names = [f.name for f in fields(Candidates)]
    column = dict(zip(names, int_columns(query, params, len(names)), strict=True))
    typed: dict[str, Any] = {name: values.astype(np.bool_) if name in _FLAGS else values
                             for name, values in column.items()}
    return Candidates(**typed)


_FLAGS = {"time_of_use", "first_day", "has_reading", "has_energy", "previous_settled", "settled"}


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
