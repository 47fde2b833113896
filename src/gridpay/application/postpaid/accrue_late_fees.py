"""Charges late fees (电费违约金) on overdue bills through a day: each bill's total so far less what was charged.

Run daily over every overdue bill, and for one account before a payment pays its bills (the day of payment
counts). The total of a bill is worked out afresh from its due date and the days its principal was paid, and
rounded once (domain.late_fees), so the daily charges always add up to it and a re-run charges nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import F, Q, QuerySet

from gridpay.data import ledger as ledger_store
from gridpay.data import postpaid_store as store
from gridpay.data.models import LateFeeCharge, PostpaidBill
from gridpay.data.settings import gridpay_settings
from gridpay.domain.late_fees import CustomerCategory, LateFeeRates, late_fee
from gridpay.domain.ledger import Transfer, TransferKind
from gridpay.domain.postpaid_bills import unpaid_from

Progress = Callable[[int, int], None]
BATCH = 2000


@dataclass(frozen=True)
class AccrualReport:
    through: date
    bills: int  # overdue bills looked at
    charged_bills: int
    charged_fen: int


def accrue_late_fees(*, through: date, at: datetime, batch_size: int = BATCH,
                     on_progress: Progress | None = None) -> AccrualReport:
    """Charges every overdue bill's late fee through ``through``, in batches of accounts, one transaction each."""
    rates = gridpay_settings().late_fee_rates
    account_ids = list(
        overdue(through).values_list("account_id", flat=True).distinct().order_by("account_id")
    )
    bills, charged_bills, charged = 0, 0, 0
    for start in range(0, len(account_ids), batch_size):
        batch = account_ids[start : start + batch_size]
        with transaction.atomic():
            store.lock_accounts(batch)
            rows = list(overdue(through).filter(account_id__in=batch).select_related("account"))
            fen = charge_late_fees(rows, through=through, at=at, rates=rates)
        bills += len(rows)
        charged_bills += sum(1 for f in fen if f)
        charged += sum(fen)
        if on_progress is not None:
            on_progress(min(start + batch_size, len(account_ids)), len(account_ids))
    return AccrualReport(through=through, bills=bills, charged_bills=charged_bills, charged_fen=charged)


def overdue(through: date) -> QuerySet[PostpaidBill]:
    """Bills whose principal is unpaid after their due date and not yet charged through ``through``."""
    return PostpaidBill.objects.filter(
        paid_off_on__isnull=True, due_on__lt=through, principal_paid_fen__lt=F("amount_fen")
    ).filter(Q(late_fee_through__isnull=True) | Q(late_fee_through__lt=through))


def is_overdue(bill: PostpaidBill, *, through: date) -> bool:
    """overdue()'s test, of a bill read already."""
    return (bill.paid_off_on is None and bill.due_on < through and bill.principal_paid_fen < bill.amount_fen
            and (bill.late_fee_through is None or bill.late_fee_through < through))


def late_fees_owed(bills: list[PostpaidBill], *, through: date, rates: LateFeeRates) -> list[int]:
    """The late fee each of ``bills`` (its account loaded) owes through ``through`` beyond what was charged: what
    charge_late_fees would post, and what a payment on that day pays before the bills' principal."""
    paid = store.principal_payments([b.id for b in bills])
    owed = []
    for bill in bills:
        quote = late_fee(
            category=CustomerCategory(bill.account.category),
            bill_month=bill.month,
            due=bill.due_on,
            through=through,
            unpaid_from=unpaid_from(due=bill.due_on, amount_fen=bill.amount_fen, principal_paid=paid.get(bill.id, [])),
            rates=rates,
        )
        owed.append(max(quote.fee_fen - bill.late_fee_fen, 0))
    return owed


def charge_late_fees(bills: list[PostpaidBill], *, through: date, at: datetime, rates: LateFeeRates) -> list[int]:
    """Post the late fee each of ``bills`` (its account loaded) owes through ``through`` beyond what was charged;
    the fen charged on each. The caller holds the accounts' locks."""
    income = store.late_fee_income_account()
    owed = late_fees_owed(bills, through=through, rates=rates)
    charged = [(bill, fen) for bill, fen in zip(bills, owed, strict=True) if fen]
    if charged:
        transfers = ledger_store.post(
            [Transfer(debit=store.receivable_id(bill.account), credit=income.id, amount_fen=fen,
                      kind=TransferKind.LATE_FEE) for bill, fen in charged],
            business_day=through, at=at,
        )
        LateFeeCharge.objects.bulk_create(
            [LateFeeCharge(bill=bill, through=through, amount_fen=fen, transfer=transfer)
             for (bill, fen), transfer in zip(charged, transfers, strict=True)]
        )
    for bill, fen in zip(bills, owed, strict=True):
        bill.late_fee_fen += fen
        bill.late_fee_through = through
    store.set_late_fees({bill.id: bill.late_fee_fen for bill in bills}, through=through)
    return owed
