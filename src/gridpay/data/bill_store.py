"""What the official monthly bills of prepaid accounts (月度电费发行) read, batch by batch: the accounts due a bill,
with their settled days and charges of the month, and their daily energy as the readings stand now."""

from dataclasses import dataclass, fields
from datetime import date, datetime
from itertools import repeat

import numpy as np
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from gridpay.data.bulk import decimal_column, insert_rows, sql_date
from gridpay.data.models import Account
from gridpay.data.models.accounts import AccountStatus
from gridpay.data.settlement_store import CKWH
from gridpay.domain.energy import TouPeriod
from gridpay.domain.settlement_batch import BillDays, Bools, Ints

# The days' energy of a range of accounts, as settlement_store.day_energies reads one account's: readings with an
# energy, of the meter in place that day (a replaced meter's reading of its removal day is the new meter's).
READINGS = f"""
SELECT r.account_id, r.reading_date, {CKWH.format("r.energy_kwh")}, {CKWH.format("r.energy_sharp_kwh")},
       {CKWH.format("r.energy_peak_kwh")}, {CKWH.format("r.energy_valley_kwh")}
FROM gridpay_reading r
JOIN gridpay_meter m ON m.id = r.meter_id
WHERE r.reading_date >= %(since)s AND r.reading_date < %(end)s
  AND r.account_id >= %(first)s AND r.account_id <= %(last)s
  AND r.energy_kwh IS NOT NULL
  AND (m.removed_on IS NULL OR m.removed_on > r.reading_date)
"""


@dataclass(frozen=True)
class BillCandidates:
    """Accounts prepaid before the month ends and not billed for it yet, a column per field, in account id order."""

    account_id: Ints
    ledger_account_id: Ints
    tariff_id: Ints
    time_of_use: Bools
    prepaid_since: Ints  # date ordinals
    opening_used_ckwh: Ints  # tier usage billed postpaid before the first prepaid day
    settled_days: Ints  # settlements of the month's prepaid days
    daily_charges_fen: Ints  # their charges

    def __len__(self) -> int:
        return len(self.account_id)

    def take(self, where: Ints | Bools) -> "BillCandidates":
        return BillCandidates(**{f.name: getattr(self, f.name)[where] for f in fields(self)})


def bill_candidate_ids(*, month: date, end: date) -> list[int]:
    return list(_due_a_bill(month=month, end=end).order_by("id").values_list("id", flat=True))


def bill_candidates(*, month: date, end: date, first_id: int, last_id: int) -> BillCandidates:
    """The accounts due a bill of ``month`` with ids in ``[first_id, last_id]``."""
    accounts = _due_a_bill(month=month, end=end).filter(id__gte=first_id, id__lte=last_id)
    in_month = Q(settlements__day__gte=month, settlements__day__lt=end)
    rows = list(
        accounts.annotate(settled=Count("settlements", filter=in_month), daily=Sum("settlements__charge_fen",
                                                                                     filter=in_month))
        .order_by("id")
        .values_list("id", "ledger_account_id", "tariff_id", "time_of_use", "prepaid_since",
                     "opening_period_used_kwh", "settled", "daily")
    )
    columns = list(zip(*rows, strict=True)) if rows else [()] * 8

    def ints(values: tuple[object, ...]) -> Ints:
        return np.array(values, dtype=np.int64)

    return BillCandidates(
        account_id=ints(columns[0]),
        ledger_account_id=ints(columns[1]),
        tariff_id=ints(columns[2]),
        time_of_use=np.array(columns[3], dtype=np.bool_),
        prepaid_since=ints(tuple(day.toordinal() for day in columns[4])),
        opening_used_ckwh=ints(tuple(int(kwh * 100) for kwh in columns[5])),
        settled_days=ints(columns[6]),
        daily_charges_fen=ints(tuple(fen or 0 for fen in columns[7])),
    )


def _due_a_bill(*, month: date, end: date) -> QuerySet[Account]:
    # A closed account (a temporary supply ended, its credit refunded) is settled no more: its month would wait for
    # days that never come, "unsettled" in every run; what it owed was settled with its closing.
    return (Account.objects.filter(prepaid_since__lt=end).exclude(status=AccountStatus.CLOSED)
            .exclude(bills__month=month))


def bill_days(*, account_ids: Ints, since: date, end: date) -> BillDays:
    """The daily energy of ``account_ids`` (ascending) from ``since`` to ``end`` (exclusive), a row per account."""
    width = (end - since).days
    read = np.zeros((len(account_ids), width), dtype=np.bool_)
    registers = np.zeros((4, len(account_ids), width), dtype=np.int64)  # total, sharp, peak, valley
    if len(account_ids):
        params = {"since": sql_date(since), "end": sql_date(end), "first": int(account_ids[0]),
                  "last": int(account_ids[-1])}
        with connection.cursor() as cursor:
            cursor.execute(READINGS, params)
            rows = cursor.fetchall()
        if rows:
            ids, days, *values = zip(*rows, strict=True)
            # The range holds other accounts too (postpaid, billed already): their rows are left out here.
            position = np.searchsorted(account_ids, np.array(ids, dtype=np.int64))
            position = np.minimum(position, len(account_ids) - 1)
            mine = account_ids[position] == np.array(ids, dtype=np.int64)
            column_of = {d: (_date(d) - since).days for d in set(days)}
            columns = np.array([column_of[d] for d in days], dtype=np.int64)
            read[position[mine], columns[mine]] = True
            for register, column in enumerate(values):
                registers[register][position[mine], columns[mine]] = np.array(column, dtype=np.int64)[mine]
    return BillDays(
        first_day=since, read=read, total_ckwh=registers[0],
        tou_ckwh={TouPeriod.SHARP: registers[1], TouPeriod.PEAK: registers[2], TouPeriod.VALLEY: registers[3]},
    )


BILL_COLUMNS = ("account_id", "month", "energy_kwh", "amount_fen", "daily_charges_fen", "adjustment_fen",
                "adjustment_id", "issued_at")


def write_bills(
    *, account_ids: Ints, month: date, energy_ckwh: Ints, amount_fen: Ints, daily_charges_fen: Ints,
    adjustment_fen: Ints, adjustment_transfer_ids: list[int | None], at: datetime,
) -> None:
    """The month's bills, in the caller's transaction (their adjustments posted already)."""
    insert_rows("gridpay_monthlybill", BILL_COLUMNS, list(zip(
        account_ids.tolist(), repeat(month), decimal_column(energy_ckwh), amount_fen.tolist(),
        daily_charges_fen.tolist(), adjustment_fen.tolist(), adjustment_transfer_ids, repeat(at), strict=False,
    )))


def _date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)  # SQLite hands dates back as text
