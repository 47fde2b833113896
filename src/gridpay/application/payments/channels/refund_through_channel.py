"""Gives (part of) a payment back through the channel it came by, then records the refund transfer."""

from datetime import date, datetime

from gridpay.application.errors import NotFound
from gridpay.application.payments.channels.create_channel_order import ChannelDown, OrderFailed
from gridpay.application.payments.refund_payment import RefundResult, refund_payment
from gridpay.data.models import Payment, PaymentRefund
from gridpay.data.queries.ledger import refunded_fen
from gridpay.domain.channel_refunds import RefundStatus, refund_status
from gridpay.domain.payments import RefundKind, check_refund
from gridpay.domain.texts import gettext_noop
from gridpay.integrations.channels.online import ChannelRejected, ChannelUnavailable, OnlineChannel


def refund_through_channel(
    *,
    channel: OnlineChannel,
    channel_txn_id: str,
    refund_no: str,
    amount_fen: int,
    reason: str,
    at: datetime,
    business_day: date,
) -> RefundResult:
    """The channel is asked first, with our refund number: asking again with the same number is safe at the
    channel and here (the refund is recorded once per number), so a crash in between is cured by a retry.

    The money leaves the account as soon as the channel accepts the refund, with the status it answered
    (WeChat: PROCESSING); its refund result notification confirms it later, or gives it back if it closed."""
    name = channel.channel.value
    payment = Payment.objects.filter(channel=name, channel_txn_id=channel_txn_id.strip()).first()
    if payment is None:
        raise NotFound(gettext_noop("没有{channel}流水号 {channel_txn_id} 的交费"), field="channel_txn_id",
                       params={"channel": channel.channel.label, "channel_txn_id": channel_txn_id})
    recorded = PaymentRefund.objects.filter(channel=name, channel_refund_id=refund_no.strip()).exists()
    if not recorded:
        check_refund(paid_fen=payment.amount_fen, refunded_fen=refunded_fen(payment_id=payment.id),
                     amount_fen=amount_fen)
    try:
        answered = channel.refund(
            refund_no=refund_no.strip(),
            channel_txn_id=payment.channel_txn_id,
            amount_fen=amount_fen,
            paid_fen=payment.amount_fen,
            reason=reason,
        )
    except ChannelRejected as error:
        raise OrderFailed(str(error)) from error
    except ChannelUnavailable as error:
        raise ChannelDown(str(error)) from error
    status = refund_status(answered)
    if status is RefundStatus.CLOSED and not recorded:
        # Closed before we recorded it (a retry after a crash, say): nothing left the account, nothing will.
        raise OrderFailed(gettext_noop("{channel}退款单 {refund_no} 已关闭（未退款），未记退款"),
                          params={"channel": channel.channel.label, "refund_no": refund_no.strip()})
    return refund_payment(
        channel=name,
        channel_txn_id=payment.channel_txn_id,
        channel_refund_id=refund_no,
        amount_fen=amount_fen,
        kind=RefundKind.REFUND.value,
        reason=reason,
        at=at,
        business_day=business_day,
        channel_status=status.value,
    )
