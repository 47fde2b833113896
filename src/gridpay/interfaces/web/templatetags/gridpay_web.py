"""Template filters: money in yuan from fen, rates as percentages, codes as their names in the reader's language."""

from decimal import Decimal

from django import template
from django.utils.translation import gettext, gettext_noop

from gridpay.data.models.field_work import CallOutcome, CallReason, WorkOrderKind
from gridpay.domain.money import format_yuan
from gridpay.domain.payments import channel_label

register = template.Library()

LABELS = {
    "prepaid": gettext_noop("智能交费"),
    "postpaid": gettext_noop("后付费"),
    "connected": gettext_noop("供电"),
    "disconnected": gettext_noop("停电"),
    "active": gettext_noop("正常"),
    "closed": gettext_noop("销户"),
    "disconnect": gettext_noop("停电"),
    "reconnect": gettext_noop("复电"),
    "held": gettext_noop("等待"),
    "queued": gettext_noop("待发送"),
    "sending": gettext_noop("发送中"),
    "sent": gettext_noop("已发送"),
    "acknowledged": gettext_noop("已应答"),
    "confirmed": gettext_noop("已确认"),
    "cancelled": gettext_noop("已取消"),
    "expired": gettext_noop("已过期"),
    "escalated": gettext_noop("转工单"),
    "pending": gettext_noop("待处理"),
    "failed": gettext_noop("失败"),
    "payment": gettext_noop("交费"),
    "settlement": gettext_noop("电费结算"),
    "refund": gettext_noop("退款"),
    "refund_closed": gettext_noop("退款关闭，退回余额"),
    "opening_balance": gettext_noop("期初余额"),
    "bill_adjustment": gettext_noop("月度电费调整"),
    **dict(CallReason.choices), **dict(WorkOrderKind.choices),
    **{k: v for k, v in CallOutcome.choices if k != "pending"},
}


@register.filter
def yuan(fen: int | None) -> str:
    return "—" if fen is None else format_yuan(int(fen))


@register.filter
def owed(fen: int) -> str:
    """A negative balance as the amount owed: -3393 → 33.93."""
    return format_yuan(-int(fen))


@register.filter
def percent(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{rate * 100:.2f}%"


@register.filter
def label(code: str) -> str:
    """A channel's or a status's name in the reader's language; an unknown code as it is."""
    return gettext(LABELS.get(code) or channel_label(code))


@register.filter
def translated(text: str) -> str:
    """A name the business rules made in Chinese (a role, an ageing band, an SMS kind), in the reader's language."""
    return gettext(text) if text else text
