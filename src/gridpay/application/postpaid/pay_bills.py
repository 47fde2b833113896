"""Pays an account's open postpaid bills from its credit (冲抵): the oldest first, each with its late fee."""

from datetime import date, datetime

from gridpay.application.postpaid.accrue_late_fees import charge_late_fees, is_overdue
from gridpay.data import ledger as ledger_store
from gridpay.data import postpaid_store as store
from gridpay.data.models import Account, BillPayment
from gridpay.data.settings import gridpay_settings
from gridpay.domain.ledger import Transfer, TransferKind
from gridpay.domain.postpaid_bills import allocate_credit, paid_off


def pay_bills_from_credit(
    *, account_id: int, business_day: date, at: datetime, payment_id: int | None = None, locked: bool = False
) -> int:
    """In the caller's transaction: charge the late fees through ``business_day`` (the day of payment counts), then
    let the account's credit pay its bills, oldest first. Returns the account's balance afterwards.

    The one door for paying bills: a payment from any channel comes here after it is credited, and so does a
    new bill on an account that already had credit. ``locked``: the caller holds the account's locks as
    lock_accounts takes them (a payment: its balance by posting to it, then its row).
    """
    if not locked:
        store.lock_accounts([account_id])
    # One read, under the locks, of the open bills with the account and its credit: the late fees charged on them
    # change them in memory as in the database, and the credit is not moved by a late fee (owed on the receivable).
    bills = store.open_bill_rows(account_id)
    due = sorted((bill for bill in bills if is_overdue(bill, through=business_day)), key=lambda bill: bill.id)
    if due:
        charge_late_fees(due, through=business_day, at=at, rates=gridpay_settings().late_fee_rates)
    account = bills[0].account if bills else Account.objects.select_related("ledger_account").get(id=account_id)
    balance = account.ledger_account.balance_fen
    allocations = allocate_credit(credit_fen=balance, open_bills=[store.open_bill(bill) for bill in bills])
    if not allocations:
        return balance
    transfers = ledger_store.post(
        [Transfer(debit=account.ledger_account_id, credit=store.receivable_id(account), amount_fen=a.amount_fen,
                  kind=TransferKind.BILL_PAYMENT) for a in allocations],
        business_day=business_day, at=at,
    )
    BillPayment.objects.bulk_create([
        BillPayment(bill_id=a.bill_id, payment_id=payment_id, business_day=business_day, at=at,
                    principal_fen=a.principal_fen, late_fee_fen=a.late_fee_fen, transfer=t)
        for a, t in zip(allocations, transfers, strict=True)
    ])
    by_id = {bill.id: bill for bill in bills}
    paid = [by_id[a.bill_id] for a in allocations]
    for a, bill in zip(allocations, paid, strict=True):
        bill.principal_paid_fen += a.principal_fen
        bill.late_fee_paid_fen += a.late_fee_fen
        if paid_off(amount_fen=bill.amount_fen, principal_paid_fen=bill.principal_paid_fen,
                    late_fee_fen=bill.late_fee_fen, late_fee_paid_fen=bill.late_fee_paid_fen,
                    late_fee_waived_fen=bill.late_fee_waived_fen):
            bill.paid_off_on = business_day
    store.set_paid(paid)
    return transfers[-1].debit_balance_after_fen
