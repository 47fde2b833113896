"""Pays an account's open postpaid bills from its credit (冲抵): the oldest first, each with its late fee."""

from datetime import date, datetime

from gridpay.application.postpaid.accrue_late_fees import charge_late_fees, overdue
from gridpay.data import ledger as ledger_store
from gridpay.data import postpaid_store as store
from gridpay.data.models import Account, BillPayment, PostpaidBill
from gridpay.data.settings import gridpay_settings
from gridpay.domain.ledger import Transfer, TransferKind
from gridpay.domain.postpaid_bills import allocate_credit, paid_off


def pay_bills_from_credit(*, account_id: int, business_day: date, at: datetime, payment_id: int | None = None) -> int:
    """In the caller's transaction: charge the late fees through ``business_day`` (the day of payment counts), then
    let the account's credit pay its bills, oldest first. Returns the account's balance afterwards.

    The one door for paying bills: a payment from any channel comes here after it is credited, and so does a
    new bill on an account that already had credit.
    """
    store.lock_accounts([account_id])
    due = list(overdue(business_day).filter(account_id=account_id).select_related("account"))
    if due:
        charge_late_fees(due, through=business_day, at=at, rates=gridpay_settings().late_fee_rates)
    account = Account.objects.select_related("ledger_account").get(id=account_id)
    balance = account.ledger_account.balance_fen
    allocations = allocate_credit(credit_fen=balance, open_bills=store.open_bills(account_id))
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
    bills = PostpaidBill.objects.in_bulk([a.bill_id for a in allocations])
    for a in allocations:
        bill = bills[a.bill_id]
        bill.principal_paid_fen += a.principal_fen
        bill.late_fee_paid_fen += a.late_fee_fen
        if paid_off(amount_fen=bill.amount_fen, principal_paid_fen=bill.principal_paid_fen,
                    late_fee_fen=bill.late_fee_fen, late_fee_paid_fen=bill.late_fee_paid_fen,
                    late_fee_waived_fen=bill.late_fee_waived_fen):
            bill.paid_off_on = business_day
    PostpaidBill.objects.bulk_update(list(bills.values()), ["principal_paid_fen", "late_fee_paid_fen", "paid_off_on"])
    return transfers[-1].debit_balance_after_fen

