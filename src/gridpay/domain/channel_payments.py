"""What a payment channel reports, in one shape for every channel, and the checks it passes before money moves."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from gridpay.domain.errors import DomainError
from gridpay.domain.payments import PaymentChannel
from gridpay.domain.texts import gettext_noop

# A channel's notification or an agent's request older (or newer) than this is refused as stale:
# a replay of a captured message must not be able to wait for a better moment.
DEFAULT_MAX_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class ConfirmedPayment:
    """A payment a channel confirms, after its signature was verified: the same fields for every channel."""

    channel: PaymentChannel
    channel_txn_id: str  # the channel's own id (微信支付订单号, 支付宝交易号, the agent's or bank's serial)
    account_no: str
    amount_fen: int
    paid_at: datetime  # aware
    payer: str = ""  # as the channel names them: an openid, a masked login, an agent outlet
    order_no: str = ""  # our order number (out_trade_no) when the payment answers an order of ours


@dataclass(frozen=True)
class OrderTerms:
    """What we asked the channel to collect: the notification must match it."""

    order_no: str
    account_no: str
    amount_fen: int


class RefusalReason(StrEnum):
    BAD_SIGNATURE = "bad_signature"  # forged, or tampered after signing
    STALE = "stale"  # sent outside the allowed clock skew: a replay
    MALFORMED = "malformed"  # not the channel's format
    WRONG_MERCHANT = "wrong_merchant"  # signed, but for another merchant or app
    UNKNOWN_ORDER = "unknown_order"
    AMOUNT_MISMATCH = "amount_mismatch"
    ACCOUNT_MISMATCH = "account_mismatch"
    NOT_CONFIGURED = "not_configured"
    NONCE_REUSED = "nonce_reused"
    OVER_LIMIT = "over_limit"
    WRONG_PIN = "wrong_pin"  # a recharge card's serial or PIN that does not match
    NOT_CREDITED = "not_credited"  # verified, but the ledger said no (a closed account, a conflicting id)
    UNKNOWN_REFUND = "unknown_refund"  # a refund result for a refund we did not ask for
    REFUND_CONFLICT = "refund_conflict"  # a refund result contradicting the final one reported before
    ORDER_PAID = "order_paid"  # a payment for an order another transaction paid already: credited once only
    OVERSIZED = "oversized"  # a body larger than the server reads: refused unread

    @property
    def label(self) -> str:
        return REFUSAL_LABELS[self]


REFUSAL_LABELS = {
    RefusalReason.BAD_SIGNATURE: gettext_noop("签名无效（伪造或被篡改）"),
    RefusalReason.STALE: gettext_noop("时间戳超出允许范围（疑似重放）"),
    RefusalReason.MALFORMED: gettext_noop("报文格式不正确"),
    RefusalReason.WRONG_MERCHANT: gettext_noop("商户号或应用号不符"),
    RefusalReason.UNKNOWN_ORDER: gettext_noop("没有这个订单"),
    RefusalReason.AMOUNT_MISMATCH: gettext_noop("金额与订单不符"),
    RefusalReason.ACCOUNT_MISMATCH: gettext_noop("户号与订单不符"),
    RefusalReason.NOT_CONFIGURED: gettext_noop("渠道未配置"),
    RefusalReason.NONCE_REUSED: gettext_noop("随机串已用过（重放）"),
    RefusalReason.OVER_LIMIT: gettext_noop("超出代收额度"),
    RefusalReason.WRONG_PIN: gettext_noop("充值卡卡号或密码错误"),
    RefusalReason.NOT_CREDITED: gettext_noop("已验证但未能入账"),
    RefusalReason.UNKNOWN_REFUND: gettext_noop("没有这笔退款"),
    RefusalReason.REFUND_CONFLICT: gettext_noop("退款结果与此前通知的矛盾"),
    RefusalReason.ORDER_PAID: gettext_noop("订单已由另一笔交易付讫"),
    RefusalReason.OVERSIZED: gettext_noop("报文过大"),
}

# Refusals a retry of the same message cannot cure are acknowledged to the channel once recorded
# (so it stops retrying); the others answer a failure, and a fresh, correctly signed retry may pass.
VERIFIED_REFUSALS = frozenset(
    {
        RefusalReason.UNKNOWN_ORDER,
        RefusalReason.AMOUNT_MISMATCH,
        RefusalReason.ACCOUNT_MISMATCH,
        RefusalReason.NOT_CREDITED,
        RefusalReason.ORDER_PAID,
        RefusalReason.UNKNOWN_REFUND,
        RefusalReason.REFUND_CONFLICT,
    }
)


class NotificationRefused(DomainError):
    """A channel message that must not move money; the reason is recorded and the channel told no."""

    code = "notification_refused"

    def __init__(self, reason: RefusalReason, detail: str = "") -> None:
        if detail:
            super().__init__(gettext_noop("{reason}：{detail}"), params={"reason": reason.label, "detail": detail})
        else:
            super().__init__(reason.label)
        self.reason = reason
        self.detail = detail


def check_sent_at(*, sent_at: datetime, now: datetime, max_skew: timedelta = DEFAULT_MAX_SKEW) -> None:
    """A message is fresh when it was sent within ``max_skew`` of ``now``, either side."""
    if abs(now - sent_at) > max_skew:
        raise NotificationRefused(
            RefusalReason.STALE, f"发送时间 {sent_at.isoformat()}，当前 {now.isoformat()}，允许偏差 {max_skew}"
        )


def check_against_order(*, payment: ConfirmedPayment, order: OrderTerms) -> None:
    """The channel collected exactly what we asked, for the account we asked it for."""
    if payment.amount_fen != order.amount_fen:
        raise NotificationRefused(
            RefusalReason.AMOUNT_MISMATCH,
            f"订单 {order.order_no} 应收 {order.amount_fen} 分，渠道通知 {payment.amount_fen} 分",
        )
    if payment.account_no and payment.account_no != order.account_no:
        raise NotificationRefused(
            RefusalReason.ACCOUNT_MISMATCH,
            f"订单 {order.order_no} 的户号为 {order.account_no}，渠道通知 {payment.account_no}",
        )
