"""Pays an order of the demo's channel (演示支付) as its customer would: the channel writes the notification a real
channel sends, and it is accepted through the door every channel's notification takes (ADR 0026)."""

from dataclasses import dataclass
from datetime import date, datetime

from gridpay.application.errors import NotFound
from gridpay.application.payments.channels.accept_channel_notification import accept_channel_notification
from gridpay.data.models import ChannelOrder
from gridpay.data.models.channels import OrderStatus
from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop
from gridpay.integrations.channels.demo_channel import DemoChannel


class DemoOrderClosed(DomainError):
    code = "demo_order_closed"
    http_status = 409


@dataclass(frozen=True)
class DemoPaid:
    amount_fen: int
    available_balance_fen: int | None  # None when this press found the order already paid


def pay_demo_order(
    *, channel: DemoChannel, account_no: str, order_no: str, now: datetime, business_day: date
) -> DemoPaid:
    """The order must be the account's and the demo channel's. A second press pays nothing twice: the channel
    collects an order once, and the notification's door credits a transaction once."""
    order = ChannelOrder.objects.filter(
        channel=channel.channel.value, order_no=order_no.strip(), account__account_no=account_no.strip()
    ).first()
    if order is None:
        raise NotFound(gettext_noop("没有这个订单"), field="order_no")
    if order.status == OrderStatus.PAID:
        return DemoPaid(amount_fen=order.amount_fen, available_balance_fen=None)
    if order.status != OrderStatus.OPEN or order.expires_at <= now:
        raise DemoOrderClosed(gettext_noop("订单已失效，请重新下单"), field="order_no")
    headers, body = channel.pay(order_no=order.order_no, amount_fen=order.amount_fen, paid_at=now)
    answer = accept_channel_notification(channel=channel, headers=headers, body=body, now=now,
                                         business_day=business_day)
    if answer.refused is not None:  # recorded among the refusals, as a real channel's would be
        raise DemoOrderClosed(gettext_noop("演示支付未能入账：{reason}"), field="order_no",
                              params={"reason": answer.refused.reason.label})
    assert answer.credited is not None
    return DemoPaid(amount_fen=answer.credited.amount_fen,
                    available_balance_fen=answer.credited.available_balance_fen)
