"""Creates an order for an account at an online channel: saved before the channel is asked, then opened."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from gridpay.application.payments.record_payment import payable_account
from gridpay.data.models import ChannelOrder
from gridpay.data.models.channels import OrderStatus
from gridpay.domain.errors import DomainError
from gridpay.domain.money import format_yuan
from gridpay.domain.payments import check_amount_fen
from gridpay.integrations.channels.online import ChannelRejected, ChannelUnavailable, OnlineChannel, OrderRequest

ORDER_VALIDITY = timedelta(minutes=30)


class OrderFailed(DomainError):
    code = "order_failed"
    http_status = 502


class ChannelDown(DomainError):
    code = "channel_unavailable"
    http_status = 503


@dataclass(frozen=True)
class OrderResult:
    order_no: str
    account_no: str
    amount_fen: int
    channel: str
    kind: str
    expires_at: datetime
    pay_with: dict[str, str]


def create_channel_order(
    *, channel: OnlineChannel, account_no: str, amount_fen: int, kind: str, now: datetime, openid: str = ""
) -> OrderResult:
    """Anyone may pay for any account: the order binds the account number and the amount the channel must collect."""
    check_amount_fen(amount_fen)
    account_no = account_no.strip()
    account = payable_account(account_no)
    order = ChannelOrder.objects.create(
        channel=channel.channel.value,
        order_no=new_order_no(),
        account=account,
        amount_fen=amount_fen,
        kind=kind,
        created_at=now,
        expires_at=now + ORDER_VALIDITY,
    )
    request = OrderRequest(
        order_no=order.order_no,
        account_no=account_no,
        amount_fen=amount_fen,
        description=f"电费 户号{account_no} {format_yuan(amount_fen)}元",
        expires_at=order.expires_at,
        kind=kind,
        openid=openid,
    )
    try:
        pay_with = channel.create_order(request)
    except (ChannelRejected, ChannelUnavailable) as error:
        _finish(order, OrderStatus.FAILED, error=str(error))
        if isinstance(error, ChannelRejected):
            raise OrderFailed(str(error)) from error
        raise ChannelDown(str(error)) from error
    _finish(order, OrderStatus.OPEN, pay_with=pay_with)
    return OrderResult(
        order_no=order.order_no,
        account_no=account_no,
        amount_fen=amount_fen,
        channel=order.channel,
        kind=kind,
        expires_at=order.expires_at,
        pay_with=pay_with,
    )


def new_order_no() -> str:
    """商户订单号: 6 to 32 letters and digits for every channel; random, so it tells nothing about the account."""
    return "GP" + secrets.token_hex(12).upper()


def _finish(order: ChannelOrder, status: str, *, error: str = "", pay_with: dict[str, str] | None = None) -> None:
    with transaction.atomic():
        # A notification may have marked it paid meanwhile (a fast payer): never step back from paid.
        ChannelOrder.objects.filter(id=order.id, status=OrderStatus.NEW).update(
            status=status, error=error[:200], pay_with=pay_with or {}
        )
