"""Read queries about ledger accounts: a balance as it stood right after a given transfer, a payment's refunds."""

from django.db.models import Sum

from gridpay.data.models import PaymentRefund, Transfer


def balance_through_transfer_fen(*, ledger_account_id: int, transfer_id: int) -> int:
    """Credits minus debits of the account over the transfers up to and including ``transfer_id``.

    Ids follow insertion order, so this is the balance just after that transfer, given that
    transfers posted concurrently commit in id order (they almost always do: posting locks
    the balance rows right after inserting).
    """
    upto = Transfer.objects.filter(id__lte=transfer_id)
    credits = upto.filter(credit_id=ledger_account_id).aggregate(total=Sum("amount_fen"))["total"] or 0
    debits = upto.filter(debit_id=ledger_account_id).aggregate(total=Sum("amount_fen"))["total"] or 0
    return int(credits) - int(debits)


def refunded_fen(*, payment_id: int) -> int:
    """What was already given back of a payment (refunds and reversals); a refund the channel closed unmade gave
    nothing back."""
    refunds = PaymentRefund.objects.filter(payment_id=payment_id).exclude(channel_status="CLOSED")
    return int(refunds.aggregate(total=Sum("amount_fen"))["total"] or 0)
