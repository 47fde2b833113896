"""Reads and writes of postpaid bills in sets: the accounts due a bill, their period's energy, their receivables."""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import connection
from django.db.models import F, Max, Min, OuterRef, Q, Subquery, Sum

from gridpay.data import ledger as ledger_store
from gridpay.data.bulk import set_by_id, sql_date
from gridpay.data.history_archive import READINGS, archived, last_archived_day
from gridpay.data.models import (
    Account,
    AccountMode,
    AreaReadingDay,
    BillPayment,
    LedgerAccount,
    PostpaidBill,
    Reading,
)
from gridpay.data.models.accounts import AccountStatus
from gridpay.domain.energy import DayEnergy, TouPeriod
from gridpay.domain.ledger import LedgerAccountKind
from gridpay.domain.postpaid_bills import OpenBill, arrears_fen

LATE_FEE_INCOME = "revenue:late_fees"
# What a bill still owes: its principal and its late fee not paid or waived (fen).
OWED_ON_BILL = (F("amount_fen") - F("principal_paid_fen") + F("late_fee_fen") - F("late_fee_paid_fen")
                - F("late_fee_waived_fen"))
DEFAULT_READING_DAY = 25
_TOU_FIELDS = {
    TouPeriod.SHARP: "energy_sharp_kwh",
    TouPeriod.PEAK: "energy_peak_kwh",
    TouPeriod.FLAT: "energy_flat_kwh",
    TouPeriod.VALLEY: "energy_valley_kwh",
}


def receivable_code(account_no: str) -> str:
    return f"receivable:{account_no}"


@dataclass(frozen=True)
class DueAccount:
    account_id: int
    account_no: str
    tariff_code: str
    time_of_use: bool
    ledger_account_id: int
    receivable_account_id: int | None


def accounts_due(day: date) -> list[DueAccount]:
    """Active postpaid accounts whose reading day is ``day``'s day of the month and that have no bill this month.

    An account's reading day is its transformer area's, else its village's, else the 25th (accounts with neither).
    """
    month = day.replace(day=1)
    area_days = dict(AreaReadingDay.objects.values_list("transformer_area", "reading_day"))
    own_area = [area for area, reading_day in area_days.items() if reading_day == day.day]
    other_areas = [area for area, reading_day in area_days.items() if reading_day != day.day]
    by_village = Q(village__reading_day=day.day) if day.day != DEFAULT_READING_DAY else (
        Q(village__reading_day=day.day) | Q(village__isnull=True)
    )
    rows = (
        Account.objects.filter(mode=AccountMode.POSTPAID, status=AccountStatus.ACTIVE)
        .filter(Q(transformer_area__in=own_area) | (by_village & ~Q(transformer_area__in=other_areas)))
        .exclude(postpaid_bills__month=month)
        .order_by("id")
        .values_list("id", "account_no", "tariff__code", "time_of_use", "ledger_account_id", "receivable_account_id")
    )
    return [DueAccount(*row) for row in rows]


@dataclass(frozen=True)
class PeriodEnergy:
    period_from: date
    energy: DayEnergy


def period_energies(*, account_ids: list[int], reading_date: date) -> dict[int, PeriodEnergy]:
    """Energy from the day after each account's last bill (its first reading, before any bill) through
    ``reading_date``, for the accounts that have a reading of ``reading_date``: the others cannot be billed yet."""
    read_that_day = set(
        Reading.objects.filter(account_id__in=account_ids, reading_date=reading_date).values_list(
            "account_id", flat=True
        )
    )
    last_billed = Subquery(
        PostpaidBill.objects.filter(account_id=OuterRef("account_id")).order_by("-reading_date").values(
            "reading_date"
        )[:1]
    )
    last_billed_on = dict(
        PostpaidBill.objects.filter(account_id__in=read_that_day).values("account_id").annotate(
            last=Max("reading_date")).values_list("account_id", "last")
    )
    rows = (
        Reading.objects.filter(account_id__in=read_that_day, reading_date__lte=reading_date)
        .annotate(last_billed=last_billed)
        .filter(Q(last_billed__isnull=True) | Q(reading_date__gt=F("last_billed")))
        .values("account_id")
        .annotate(
            first=Min("reading_date"),
            total=Sum("energy_kwh"),
            **{str(period): Sum(field) for period, field in _TOU_FIELDS.items()},
        )
    )
    sums: dict[int, dict[str, Any]] = {row["account_id"]: row for row in rows}
    for account_id, old in _archived_sums(read_that_day, last_billed_on).items():
        sums[account_id] = _added(sums.get(account_id), old)
    result = {}
    for account_id, row in sums.items():
        last = last_billed_on.get(account_id)
        tou: dict[TouPeriod, Decimal] = {
            p: row[str(p)] for p in _TOU_FIELDS if p is not TouPeriod.FLAT and row[str(p)] is not None
        }
        result[account_id] = PeriodEnergy(
            period_from=last + timedelta(days=1) if last is not None else row["first"],
            energy=DayEnergy(total_kwh=row["total"] or Decimal(0), tou_kwh=tou),
        )
    return result


def _archived_sums(account_ids: Iterable[int], last_billed_on: Mapping[int, date]) -> dict[int, dict[str, Any]]:
    """period_energies' sums over the archived readings of accounts whose period reaches an archived month (one not
    billed since then): each account's readings after its last bill, as the database's rows are summed."""
    archived_through = last_archived_day(READINGS)
    if archived_through is None:
        return {}
    reaching = [a for a in account_ids if last_billed_on.get(a) is None or last_billed_on[a] < archived_through]
    never_billed = any(a not in last_billed_on for a in reaching)
    since = None if never_billed or not reaching else min(last_billed_on[a] for a in reaching)
    old = archived(READINGS, since=since) if reaching else None
    if old is None:
        return {}
    billed = pl.DataFrame({"account_id": reaching, "billed": [last_billed_on.get(a) for a in reaching]},
                          schema={"account_id": pl.Int64, "billed": pl.Date})
    summed = (
        old.join(billed.lazy(), on="account_id")
        .filter(pl.col("billed").is_null() | (pl.col("reading_date") > pl.col("billed")))
        .group_by("account_id")
        .agg(pl.col("reading_date").min().alias("first"), pl.col("energy_kwh").sum().alias("total"),
             # NULL where no reading had the period, as SQL's SUM (polars' sum of nothing is 0)
             *(pl.when(pl.col(field).is_not_null().any()).then(pl.col(field).sum()).alias(str(period))
               for period, field in _TOU_FIELDS.items()))
        .collect()
    )
    return {row.pop("account_id"): row for row in summed.iter_rows(named=True)}


def _added(database: dict[str, Any] | None, archive: dict[str, Any]) -> dict[str, Any]:
    """Two sums of one account's readings (the database's, the archive's) as one; a column is NULL only in both."""
    if database is None:
        return archive
    added = {"first": min(database["first"], archive["first"])}
    for name in ("total", *(str(period) for period in _TOU_FIELDS)):
        both = [value for value in (database[name], archive[name]) if value is not None]
        added[name] = sum(both, Decimal(0)) if both else None
    return added


def billed_since(*, account_ids: list[int], since: date, before: date) -> dict[int, list[tuple[date, Decimal]]]:
    """Each account's earlier bills from ``since``: (reading date, energy), for the tier period's usage."""
    result: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for account_id, reading_date, energy in PostpaidBill.objects.filter(
        account_id__in=account_ids, reading_date__gte=since, reading_date__lt=before
    ).values_list("account_id", "reading_date", "energy_kwh"):
        result[account_id].append((reading_date, energy))
    return result


def ensure_receivables(due: list[DueAccount]) -> dict[int, int]:
    """The receivable ledger account of each account, made for those billed the first time: account → ledger id."""
    result = {a.account_id: a.receivable_account_id for a in due if a.receivable_account_id is not None}
    missing = [a for a in due if a.receivable_account_id is None]
    if missing:
        made = LedgerAccount.objects.bulk_create(
            [LedgerAccount(code=receivable_code(a.account_no), kind=LedgerAccountKind.RECEIVABLE.value)
             for a in missing]
        )
        made_for = {a.account_id: ledger.id for a, ledger in zip(missing, made, strict=True)}
        set_by_id(Account._meta.db_table, "receivable_account_id", made_for)
        result.update(made_for)
    return result


def set_paid(bills: Sequence[PostpaidBill]) -> None:
    """What each bill has had paid of its principal and late fee, and the day it was paid off, if it was: written out,
    one executemany (Django's bulk_update writes a CASE per row and column, and building it cost a payment more than
    the rest of paying its bills)."""
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {PostpaidBill._meta.db_table} SET principal_paid_fen = %s, late_fee_paid_fen = %s, "
            "paid_off_on = %s WHERE id = %s",
            [(b.principal_paid_fen, b.late_fee_paid_fen, None if b.paid_off_on is None else sql_date(b.paid_off_on),
              b.id) for b in bills],
        )


def set_late_fees(late_fee_of: Mapping[int, int], *, through: date) -> None:
    """Each bill's late fee charged so far (bill id → fen), now charged through ``through``."""
    set_by_id(PostpaidBill._meta.db_table, "late_fee_fen", late_fee_of, also={"late_fee_through": through})


def lock_accounts(account_ids: Sequence[int]) -> None:
    """Lock as a payment does: the accounts' balances, then the accounts (then their receivables, by posting)."""
    list(LedgerAccount.objects.select_for_update().filter(account__id__in=account_ids).order_by("id")
         .values_list("id", flat=True))
    list(Account.objects.select_for_update().filter(id__in=account_ids).order_by("id").values_list("id", flat=True))


def late_fee_income_account() -> LedgerAccount:
    return ledger_store.system_account(LATE_FEE_INCOME, LedgerAccountKind.REVENUE)


def open_bill_rows(account_id: int) -> list[PostpaidBill]:
    """The account's open bills, oldest first, each with the account and its ledger account (its credit): one read
    for paying them, their late fees charged first."""
    # Written out, three small reads: a payment to a postpaid account reads them, and building the ORM's join of the
    # three tables' columns cost several times what the database did.
    bills = list(PostpaidBill.objects.raw(
        f"SELECT * FROM {PostpaidBill._meta.db_table} WHERE account_id = %s AND paid_off_on IS NULL"
        " ORDER BY reading_date, id", [account_id]))
    if bills:
        (account,) = Account.objects.raw(f"SELECT * FROM {Account._meta.db_table} WHERE id = %s", [account_id])
        (account.ledger_account,) = LedgerAccount.objects.raw(
            f"SELECT * FROM {LedgerAccount._meta.db_table} WHERE id = %s", [account.ledger_account_id])
        for bill in bills:
            bill.account = account
    return bills


def open_bill(row: PostpaidBill) -> OpenBill:
    """What the account still owes on the bill ``row``."""
    return OpenBill(
        bill_id=row.id,
        reading_date=row.reading_date,
        principal_due_fen=row.amount_fen - row.principal_paid_fen,
        late_fee_due_fen=row.late_fee_fen - row.late_fee_paid_fen - row.late_fee_waived_fen,
    )


def principal_payments(bill_ids: list[int]) -> dict[int, list[tuple[date, int]]]:
    """The days each bill's principal was paid and how much: the late fee's base falls the day after."""
    result: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for bill_id, day, fen in BillPayment.objects.filter(bill_id__in=bill_ids, principal_fen__gt=0).values_list(
        "bill_id", "business_day", "principal_fen"
    ):
        result[bill_id].append((day, fen))
    return result


def receivable_id(account: Account) -> int:
    """The ledger account of ``account``'s bills: every account with a bill has one (made with its first)."""
    if account.receivable_account_id is None:
        raise RuntimeError(f"account {account.account_no} has bills but no receivable")
    return account.receivable_account_id


def arrears_by_account(account_ids: Iterable[int], *, day: date) -> dict[int, int]:
    """Each account's arrears on ``day`` (domain.postpaid_bills.arrears_fen): its bills due before ``day`` and their
    late fees, less its credit; accounts in arrears only."""
    ids = list(account_ids)
    if not ids:
        return {}
    # One statement, written out: it is read before and within every step of the arrears procedure, every meter
    # command's claim and a payment's response, and building the ORM's grouped query (and a second one for the
    # credit) cost several times what the database did. OWED_ON_BILL summed, the account's credit beside it.
    bill, account, ledger = (m._meta.db_table for m in (PostpaidBill, Account, LedgerAccount))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT b.account_id, l.balance_fen, SUM(b.amount_fen - b.principal_paid_fen + b.late_fee_fen"
            f" - b.late_fee_paid_fen - b.late_fee_waived_fen) FROM {bill} b"
            f" JOIN {account} a ON a.id = b.account_id JOIN {ledger} l ON l.id = a.ledger_account_id"
            f" WHERE b.account_id IN ({', '.join(['%s'] * len(ids))}) AND b.paid_off_on IS NULL AND b.due_on < %s"
            f" GROUP BY b.account_id, l.balance_fen",
            [*ids, sql_date(day)],
        )
        rows = cursor.fetchall()
    found = {account_id: arrears_fen(credit_fen=credit, overdue_owed_fen=int(fen or 0))
             for account_id, credit, fen in rows}
    return {account_id: fen for account_id, fen in found.items() if fen > 0}


def arrears_of(account_id: int, *, day: date) -> int:
    return arrears_by_account([account_id], day=day).get(account_id, 0)

