"""The accounts in arrears on a day, prepaid and postpaid alike, with the place that decides who collects them."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from django.db.models import Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from gridpay.data.history_archive import TRANSFERS, archived
from gridpay.data.models import (
    Account,
    BillPayment,
    LateFeeCharge,
    LateFeeWaiver,
    LedgerAccount,
    PostpaidBill,
    Transfer,
)
from gridpay.data.models.accounts import AccountMode, AccountStatus
from gridpay.data.postpaid_store import arrears_by_account
from gridpay.data.queries import reports
from gridpay.data.settings import gridpay_settings
from gridpay.domain.business_time import business_day
from gridpay.domain.postpaid_bills import arrears_fen


@dataclass(frozen=True)
class AccountInArrears:
    account_id: int
    account_no: str
    customer_name: str
    village_id: int | None
    village: str
    transformer_area: str
    mode: str
    owed_fen: int  # prepaid: below zero on the available balance; postpaid: overdue bills and late fees less credit
    since: date | None  # prepaid: the day the balance went below zero; postpaid: the oldest unpaid bill's due date


def accounts_in_arrears(*, day: date) -> list[AccountInArrears]:
    """Active accounts in arrears at the start of ``day``, by village, largest first."""
    zone = gridpay_settings().business_time_zone
    columns = ("id", "account_no", "customer__name", "village_id", "village__name", "transformer_area", "mode")
    found: list[AccountInArrears] = []
    prepaid = Account.objects.filter(status=AccountStatus.ACTIVE, mode=AccountMode.PREPAID,
                                     ledger_account__balance_fen__lt=0)
    for *row, balance, since in prepaid.values_list(*columns, "ledger_account__balance_fen", "arrears_since"):
        started = business_day(instant=since, zone=zone) if since else None
        found.append(_line(row, -balance, started))
    overdue = dict(
        PostpaidBill.objects.filter(paid_off_on__isnull=True, due_on__lt=day, account__status=AccountStatus.ACTIVE)
        .values("account_id").annotate(first_due=Min("due_on")).values_list("account_id", "first_due")
    )
    owed = arrears_by_account(overdue, day=day)
    for row in Account.objects.filter(id__in=list(owed)).values_list(*columns):
        found.append(_line(row, owed[row[0]], overdue[row[0]]))
    return sorted(found, key=lambda line: (line.village, -line.owed_fen, line.account_no))


def _line(row: Sequence[Any], owed_fen: int, since: date | None) -> AccountInArrears:
    account_id, account_no, customer, village_id, village, transformer_area, mode = row
    return AccountInArrears(account_id=account_id, account_no=account_no, customer_name=customer,
                            village_id=village_id, village=village or "", transformer_area=transformer_area,
                            mode=mode, owed_fen=owed_fen, since=since)


def accounts_in_arrears_at_end_of(*, day: date, moved_after: Mapping[int, int] | None = None
                                  ) -> list[AccountInArrears]:
    """The accounts in arrears at the end of business day ``day`` as the ledger and the bills recorded it: what
    accounts_in_arrears(day=day + 1 day) showed then, found again from history (a past month's end as it stood).

    Prepaid (智能交费 since ``day`` or before): the balance at the end of ``day`` below zero, in arrears since the
    first transfer after the last one that left it at zero or more (the balance-after columns). Postpaid: the bills
    due by ``day`` and not paid off by then, each with what it owed then (principal and late fee less what was
    paid and waived by then), less the account's credit then. An account's status has no history: closed ones
    count too, so that a past month's figure never changes. ``moved_after``: reports.customer_moves_after's for
    ``day``, when the caller looks at several days.
    """
    balances = reports.customer_balances_at_end_of(day, moved_after=moved_after)
    columns = ("id", "account_no", "customer__name", "village_id", "village__name", "transformer_area", "mode")
    found: list[AccountInArrears] = []
    prepaid = {
        row[0]: row for row in Account.objects.filter(mode=AccountMode.PREPAID, prepaid_since__lte=day)
        .values_list(*columns, "ledger_account_id")
    }
    below = {row[-1]: row for row in prepaid.values() if balances.get(row[-1], 0) < 0}
    since_of = _below_zero_since(list(below), day=day)
    for ledger_id, (*row, _) in below.items():
        found.append(_line(row, -balances[ledger_id], since_of.get(ledger_id)))
    owed, first_due = _overdue_owed_at_end_of(day)
    others = Account.objects.filter(id__in=list(owed)).exclude(id__in=list(prepaid)).values_list(
        *columns, "ledger_account_id")
    for *row, ledger_id in others:
        fen = arrears_fen(credit_fen=balances.get(ledger_id, 0), overdue_owed_fen=owed[row[0]])
        if fen > 0:
            found.append(_line(row, fen, first_due[row[0]]))
    return sorted(found, key=lambda line: (line.village, -line.owed_fen, line.account_no))


def _below_zero_since(ledger_ids: list[int], *, day: date) -> dict[int, date]:
    """The business day each account went below zero for the last time by the end of ``day``."""
    if not ledger_ids:
        return {}
    through = Transfer.objects.filter(business_day__lte=day)

    def last_at_zero_or_more(side: str) -> Coalesce:
        return Coalesce(Subquery(
            through.filter(**{side: OuterRef("pk"), f"{side}_balance_after_fen__gte": 0}).order_by("-id")
            .values("id")[:1]), Value(0))

    first_below = Subquery(
        through.filter(Q(debit=OuterRef("pk")) | Q(credit=OuterRef("pk")), id__gt=OuterRef("last_ok"))
        .order_by("business_day", "id").values("business_day")[:1])
    rows = (LedgerAccount.objects.filter(id__in=ledger_ids)
            .annotate(last_ok=Greatest(last_at_zero_or_more("debit"), last_at_zero_or_more("credit")))
            .annotate(since=first_below).values_list("id", "last_ok", "since"))
    found = {ledger_id: since for ledger_id, _, since in rows if since is not None}
    old = archived(TRANSFERS, through=day)
    if old is not None:  # the accounts below zero through every transfer the database still holds
        found |= _archived_below_zero_since(old, [ledger_id for ledger_id, last_ok, _ in rows if not last_ok], day)
    return found


def _archived_below_zero_since(old: pl.LazyFrame, ledger_ids: list[int], day: date) -> dict[int, date]:
    """_below_zero_since of accounts with no transfer at or above zero in the database, from the archived months:
    the first transfer after their last one at or above zero there (or after none), if the archive holds it."""
    if not ledger_ids:
        return {}
    through = old.filter(pl.col("business_day") <= day)
    sides = [through.filter(pl.col(f"{side}_id").is_in(ledger_ids)).select(
        pl.col(f"{side}_id").alias("ledger_id"), "id", "business_day",
        (pl.col(f"{side}_balance_after_fen") >= 0).alias("ok")) for side in ("debit", "credit")]
    touched = pl.concat(sides)
    last_ok = touched.filter("ok").group_by("ledger_id").agg(pl.col("id").max().alias("last_ok"))
    first = (touched.join(last_ok, on="ledger_id", how="left").filter(pl.col("id") > pl.col("last_ok").fill_null(0))
             .sort("business_day", "id").group_by("ledger_id", maintain_order=True).first().collect())
    return dict(zip(first["ledger_id"].to_list(), first["business_day"].to_list(), strict=True))


def _overdue_owed_at_end_of(day: date) -> tuple[dict[int, int], dict[int, date]]:
    """Per account: what its bills due by ``day`` and not paid off by then owed at its end (fen), and the oldest
    such bill's due date."""
    open_then = PostpaidBill.objects.filter(Q(paid_off_on__isnull=True) | Q(paid_off_on__gt=day), due_on__lte=day)
    bills = list(open_then.values_list("id", "account_id", "amount_fen", "due_on"))
    ids = [bill_id for bill_id, *_ in bills]
    paid = {bill_id: (int(p or 0), int(fee or 0)) for bill_id, p, fee in
            BillPayment.objects.filter(bill_id__in=ids, business_day__lte=day).values("bill_id")
            .annotate(p=Sum("principal_fen"), fee=Sum("late_fee_fen")).values_list("bill_id", "p", "fee").order_by()}
    charged = _sum_by_bill(LateFeeCharge.objects.filter(bill_id__in=ids, through__lte=day))
    waived = _sum_by_bill(LateFeeWaiver.objects.filter(bill_id__in=ids, business_day__lte=day))
    owed: dict[int, int] = {}
    first_due: dict[int, date] = {}
    for bill_id, account_id, amount_fen, due_on in bills:
        principal_paid, fee_paid = paid.get(bill_id, (0, 0))
        fen = amount_fen - principal_paid + charged.get(bill_id, 0) - fee_paid - waived.get(bill_id, 0)
        if fen <= 0:
            continue
        owed[account_id] = owed.get(account_id, 0) + fen
        first_due[account_id] = min(due_on, first_due.get(account_id, due_on))
    return owed, first_due


def _sum_by_bill(rows: QuerySet[Any]) -> dict[int, int]:
    return {bill_id: int(fen or 0) for bill_id, fen in
            rows.values("bill_id").annotate(fen=Sum("amount_fen")).values_list("bill_id", "fen").order_by()}
