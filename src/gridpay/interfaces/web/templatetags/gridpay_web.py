"""Template filters: money in yuan from fen, rates as percentages, codes as their Chinese names."""

from decimal import Decimal

from django import template

from gridpay.data.models.field_work import CallOutcome, CallReason, WorkOrderKind
from gridpay.domain.money import format_yuan
from gridpay.domain.payments import channel_label

register = template.Library()

LABELS = {
    "prepaid": "智能交费", "postpaid": "后付费", "connected": "供电", "disconnected": "停电", "active": "正常",
    "closed": "销户", "disconnect": "停电", "reconnect": "复电", "held": "等待", "queued": "待发送", "sent": "已发送",
    "acknowledged": "已应答", "confirmed": "已确认", "cancelled": "已取消", "expired": "已过期", "escalated": "转工单",
    "pending": "待处理", "failed": "失败", "payment": "交费", "settlement": "电费结算", "refund": "退款",
    "opening_balance": "期初余额", "bill_adjustment": "月度电费调整",
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
    """A channel's or a status's Chinese name; an unknown code as it is."""
    return LABELS.get(code) or channel_label(code)
