"""Read queries about ledger accounts: what was already given back of a payment."""

from django.db.models import Sum

from gridpay.data.models import PaymentRefund


def refunded_fen(*, payment_id: int) -> int:
    """What was already given back of a payment (refunds and reversals); a refund the channel closed unmade gave
    nothing back."""
    refunds = PaymentRefund.objects.filter(payment_id=payment_id).exclude(channel_status="CLOSED")
    return int(refunds.aggregate(total=Sum("amount_fen"))["total"] or 0)
