"""Reads for the collection records: each account's payment history over a window, and the arrears old enough to be
published or reported."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl
from django.db.models import F, Q

from gridpay.data.history_archive import TRANSFERS, archived, archived_commands
from gridpay.data.models import Account, ArrearsCase, MeterCommand, PostpaidBill, Transfer
from gridpay.data.models.accounts import AccountMode, AccountStatus
from gridpay.data.queries.collection import accounts_in_arrears
from gridpay.domain.arrears_notice import prepaid_since_day
from gridpay.domain.chronic_payers import BalanceStep, BillDates
from gridpay.domain.meter_commands import CommandAction, CommandStatus


@dataclass
class PaymentHistory:
    """What the file is built from, for one account over the window."""

    account_id: int
    steps: list[BalanceStep]  # prepaid: transfers with a negative balance before or after, in posting order
    negative_since: date | None  # prepaid: arrears_since, as a business day
    bills: list[BillDates]
    disconnections: int


def payment_histories(*, window_start: date, through: date, zone: ZoneInfo) -> dict[int, PaymentHistory]:
    """Every active account with anything late in the window: a negative balance, a bill due in it, a
    disconnection. A handful of queries whatever the number of accounts; only the late rows come back."""
    found: dict[int, PaymentHistory] = {}

    def history(account_id: int) -> PaymentHistory:
        if account_id not in found:
            found[account_id] = PaymentHistory(account_id, [], None, [], 0)
        return found[account_id]

    active = Account.objects.filter(status=AccountStatus.ACTIVE)
    ledger_of = dict(active.filter(prepaid_since__isnull=False).values_list("ledger_account_id", "id"))
    in_window = Q(business_day__gte=window_start, business_day__lte=through)
    steps: list[tuple[int, int, BalanceStep]] = []
    debits = Transfer.objects.filter(in_window, debit_id__in=active.filter(prepaid_since__isnull=False)
                                     .values("ledger_account_id"))
    # A debit lowers the balance: negative before means negative after.
    debited = list(debits.filter(debit_balance_after_fen__lt=0)
                   .values_list("id", "debit_id", "business_day", "debit_balance_after_fen", "amount_fen"))
    credits = Transfer.objects.filter(in_window, credit_id__in=active.filter(prepaid_since__isnull=False)
                                      .values("ledger_account_id"))
    # Negative before it (after − amount < 0).
    credited = list(credits.filter(credit_balance_after_fen__lt=F("amount_fen"))
                    .values_list("id", "credit_id", "business_day", "credit_balance_after_fen", "amount_fen"))
    if (old := archived(TRANSFERS, since=window_start, through=through)) is not None:  # months out of the database
        in_months = old.filter(pl.col("business_day").is_between(window_start, through))
        debited += in_months.filter(pl.col("debit_id").is_in(list(ledger_of)), pl.col("debit_balance_after_fen") < 0
                                    ).select("id", "debit_id", "business_day", "debit_balance_after_fen",
                                             "amount_fen").collect().rows()
        credited += in_months.filter(pl.col("credit_id").is_in(list(ledger_of)),
                                     pl.col("credit_balance_after_fen") < pl.col("amount_fen")
                                     ).select("id", "credit_id", "business_day", "credit_balance_after_fen",
                                              "amount_fen").collect().rows()
    for transfer_id, ledger_id, day, after, amount in debited:
        steps.append((ledger_id, transfer_id, BalanceStep(day=day, before_fen=after + amount, after_fen=after)))
    for transfer_id, ledger_id, day, after, amount in credited:
        steps.append((ledger_id, transfer_id, BalanceStep(day=day, before_fen=after - amount, after_fen=after)))
    for ledger_id, _, step in sorted(steps, key=lambda row: (row[0], row[1])):
        history(ledger_of[ledger_id]).steps.append(step)
    # arrears_since is cleared by the next night's alerts only: it counts while the balance is still below zero.
    for account_id, since in active.filter(prepaid_since__isnull=False, arrears_since__isnull=False,
                                           ledger_account__balance_fen__lt=0).values_list("id", "arrears_since"):
        assert since is not None  # filtered above
        history(account_id).negative_since = prepaid_since_day(arrears_since=since, zone=zone)

    for account_id, due_on, paid_off_on in PostpaidBill.objects.filter(
        account__status=AccountStatus.ACTIVE, due_on__gte=window_start - timedelta(days=1), due_on__lt=through,
    ).filter(Q(paid_off_on__isnull=True) | Q(paid_off_on__gt=F("due_on"))).values_list(
            "account_id", "due_on", "paid_off_on"):
        history(account_id).bills.append(BillDates(due_on=due_on, paid_off_on=paid_off_on))

    start_at = datetime.combine(window_start, time(0), zone)
    day_after = datetime.combine(through + timedelta(days=1), time(0), zone)  # the window ends before its first instant
    confirmed = dict(action=CommandAction.DISCONNECT.value, status=CommandStatus.CONFIRMED.value)
    in_files = [account_id for account_id, _ in archived_commands(**confirmed, instant="finished_at", start=start_at,
                                                                  end=day_after)]
    of_active = set(active.filter(id__in=set(in_files)).values_list("id", flat=True))
    for account_id in [a for a in in_files if a in of_active] + list(MeterCommand.objects.filter(
        account__status=AccountStatus.ACTIVE, **confirmed, finished_at__gte=start_at, finished_at__lt=day_after,
    ).values_list("account_id", flat=True)):
        history(account_id).disconnections += 1
    # A postpaid disconnection carried out in the field has no command (a remote one is counted by its command).
    for account_id in ArrearsCase.objects.filter(
        account__status=AccountStatus.ACTIVE, executed_at__gte=start_at, executed_at__lt=day_after,
        disconnect_command__isnull=True,
    ).values_list("account_id", flat=True):
        history(account_id).disconnections += 1
    return found


@dataclass(frozen=True)
class AgedArrears:
    account_id: int
    account_no: str
    customer_name: str
    village: str
    owed_fen: int
    since: date  # the first day in arrears


def arrears_with_start(*, day: date, village_id: int | None = None) -> list[AgedArrears]:
    """Every active account in arrears on ``day`` (data.queries.collection.accounts_in_arrears) with the first day it
    was: a prepaid account since its arrears_since, a postpaid one since the day after its oldest unpaid bill's due
    date; in account order."""
    rows = []
    for line in accounts_in_arrears(day=day):
        if village_id is not None and line.village_id != village_id:
            continue
        since = line.since or day  # a balance below zero not yet seen by the alerts: new today
        if line.mode == AccountMode.POSTPAID and line.since is not None:
            since = line.since + timedelta(days=1)
        rows.append(AgedArrears(line.account_id, line.account_no, line.customer_name, line.village, line.owed_fen,
                                since))
    return sorted(rows, key=lambda row: row.account_no)
