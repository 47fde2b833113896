"""Accepts an online channel's notification: a payment verified, matched to our order and credited exactly once; a
refund result verified, matched to the refund we asked for and recorded exactly once."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from django.db import transaction

from gridpay.application.payments.channels.refusals import record_refusal
from gridpay.application.payments.record_payment import PaymentResult, record_confirmed_payment
from gridpay.application.payments.refund_payment import RefundSettlement, settle_channel_refund
from gridpay.data.bulk import set_by_id
from gridpay.data.models import ChannelOrder, Payment
from gridpay.data.models.channels import OrderStatus
from gridpay.data.payment_store import LockedOrder, locked_order
from gridpay.domain.channel_payments import (
    VERIFIED_REFUSALS,
    ConfirmedPayment,
    NotificationRefused,
    OrderTerms,
    RefusalReason,
    check_against_order,
)
from gridpay.domain.errors import DomainError
from gridpay.integrations.channels.online import ChannelNotice, OnlineChannel


@dataclass(frozen=True)
class ChannelAnswer:
    """What to answer the channel, and what happened to the money."""

    status: int
    body: bytes
    content_type: str
    credited: PaymentResult | None = None
    refused: NotificationRefused | None = None
    settled: RefundSettlement | None = None


def accept_channel_notification(
    *,
    channel: OnlineChannel,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    business_day: date,
    remote_addr: str = "",
) -> ChannelAnswer:
    """Nothing is credited unless the signature, the time, the merchant, the order and the amount all hold.

    Every refusal is recorded. A message that could not be verified is answered with a failure (the channel
    retries, and only a genuine retry can pass); a verified one that cannot be credited is acknowledged once
    recorded, and the channel's statement brings it to reconciliation.
    """
    name = channel.channel.value
    try:
        notice = channel.read_notification(headers=headers, body=body, now=now)
    except NotificationRefused as unverified:
        record_refusal(channel=name, refused=unverified, body=body, at=now, remote_addr=remote_addr)
        return ChannelAnswer(*channel.refusal_answer(unverified.message), refused=unverified)
    if notice.refund is not None:
        return _settle_refund(channel, notice, body=body, now=now, business_day=business_day,
                              remote_addr=remote_addr)
    payment = notice.payment
    if payment is None:
        return _ack(notice)
    try:
        with transaction.atomic():
            credited = _credit(name, payment, business_day)
        return _ack(notice, credited=credited)
    except NotificationRefused as error:
        refused = error
    except DomainError as error:  # the ledger said no (a closed account, a conflicting transaction id)
        refused = NotificationRefused(RefusalReason.NOT_CREDITED, f"{error.code}: {error.message}")
    record_refusal(
        channel=name, refused=refused, body=body, at=now, remote_addr=remote_addr, order_no=payment.order_no,
        channel_txn_id=payment.channel_txn_id,
    )
    if refused.reason in VERIFIED_REFUSALS:
        return ChannelAnswer(notice.ack_status, notice.ack_body, notice.ack_content_type, refused=refused)
    return ChannelAnswer(*channel.refusal_answer(refused.message), refused=refused)


def _settle_refund(
    channel: OnlineChannel, notice: ChannelNotice, *, body: bytes, now: datetime, business_day: date,
    remote_addr: str,
) -> ChannelAnswer:
    """A refund result is recorded, or refused and recorded as a refusal; either way the channel is told it was
    received (a retry of the same result cannot change it), and a refusal comes to staff and to reconciliation."""
    report = notice.refund
    assert report is not None
    try:
        settled = settle_channel_refund(report=report, at=now, business_day=business_day)
    except NotificationRefused as refused:
        record_refusal(
            channel=channel.channel.value, refused=refused, body=body, at=now, remote_addr=remote_addr,
            order_no=report.order_no, channel_txn_id=report.channel_txn_id,
        )
        if refused.reason in VERIFIED_REFUSALS:
            return ChannelAnswer(notice.ack_status, notice.ack_body, notice.ack_content_type, refused=refused)
        return ChannelAnswer(*channel.refusal_answer(refused.message), refused=refused)
    return ChannelAnswer(notice.ack_status, notice.ack_body, notice.ack_content_type, settled=settled)


def _credit(channel: str, payment: ConfirmedPayment, business_day: date) -> PaymentResult:
    # Locking the order makes duplicate deliveries take turns; the payment's unique key does the rest.
    order = locked_order(channel=channel, order_no=payment.order_no)
    if order is None:
        raise NotificationRefused(RefusalReason.UNKNOWN_ORDER, f"商户订单号 {payment.order_no!r}")
    terms = OrderTerms(order_no=order.order_no, account_no=order.account_no, amount_fen=order.amount_fen)
    check_against_order(payment=payment, order=terms)
    paid_by = _paid_by(order)
    if paid_by is not None and paid_by != payment.channel_txn_id:
        # The same order reported paid again under another transaction id (a channel's mistake, a customer paying
        # twice from two devices): the order is paid once; the second money comes back through reconciliation.
        raise NotificationRefused(
            RefusalReason.ORDER_PAID,
            f"订单 {order.order_no} 已由交易 {paid_by} 付讫，本通知的交易 {payment.channel_txn_id} 未入账",
        )
    credited = record_confirmed_payment(
        payment=replace(payment, account_no=terms.account_no), business_day=business_day
    )
    set_by_id(ChannelOrder._meta.db_table, "payment_id", {order.id: credited.payment_id},
              also={"status": OrderStatus.PAID.value})
    return credited


def _paid_by(order: LockedOrder) -> str | None:
    """The transaction id that paid the order, if one did (the order's row is locked: it cannot change meanwhile)."""
    if order.status != OrderStatus.PAID or order.payment_id is None:
        return None
    txn_id: str = Payment.objects.values_list("channel_txn_id", flat=True).get(id=order.payment_id)
    return txn_id


def _ack(notice: ChannelNotice, credited: PaymentResult | None = None) -> ChannelAnswer:
    return ChannelAnswer(notice.ack_status, notice.ack_body, notice.ack_content_type, credited=credited)
