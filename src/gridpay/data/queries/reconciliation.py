"""Our side of a reconciliation: the payments and refunds of a channel in a half-open period."""

from collections.abc import Iterator
from datetime import datetime

from gridpay.data.models import Payment, PaymentRefund
from gridpay.domain.reconciliation import LineKind, OurRecord

CHUNK = 20_000


def our_records(*, channel: str, start: datetime, end: datetime) -> Iterator[OurRecord]:
    payments = (
        Payment.objects.filter(channel=channel, received_at__gte=start, received_at__lt=end)
        .values_list("channel_txn_id", "amount_fen", "account__account_no")
        .iterator(chunk_size=CHUNK)
    )
    for txn, amount, account_no in payments:
        yield OurRecord(LineKind.PAYMENT, txn, amount, account_no)
    refunds = (
        PaymentRefund.objects.filter(channel=channel, refunded_at__gte=start, refunded_at__lt=end)
        .values_list("payment__channel_txn_id", "amount_fen", "payment__account__account_no", "channel_refund_id")
        .iterator(chunk_size=CHUNK)
    )
    for txn, amount, account_no, refund_id in refunds:
        yield OurRecord(LineKind.REFUND, txn, amount, account_no, refund_id)
