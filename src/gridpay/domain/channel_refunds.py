"""What a channel reports of a refund it was asked for, and what that report does to our record of the refund."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gridpay.domain.channel_payments import NotificationRefused, RefusalReason
from gridpay.domain.payments import PaymentChannel, RefundKind


class RefundStatus(StrEnum):
    """A channel refund's state, in WeChat Pay's words (Alipay refunds synchronously: SUCCESS)."""

    PROCESSING = "PROCESSING"  # accepted, not yet made
    SUCCESS = "SUCCESS"  # made: the payer has the money (or the account the channel names)
    ABNORMAL = "ABNORMAL"  # the payer's card refused it; the channel holds the money until someone handles it
    CLOSED = "CLOSED"  # will never be made: the money stays with us

    @property
    def label(self) -> str:
        return REFUND_STATUS_LABELS[self]


REFUND_STATUS_LABELS = {
    RefundStatus.PROCESSING: "退款处理中",
    RefundStatus.SUCCESS: "退款成功",
    RefundStatus.ABNORMAL: "退款异常",
    RefundStatus.CLOSED: "退款关闭",
}
# States a refund does not leave: a report of another one contradicts what the channel said before.
FINAL = frozenset({RefundStatus.SUCCESS, RefundStatus.CLOSED})


def refund_status(text: str) -> RefundStatus:
    """A channel's answer as a status; anything but a known final state is still processing."""
    try:
        return RefundStatus(text.strip().upper())
    except ValueError:
        return RefundStatus.PROCESSING


@dataclass(frozen=True)
class RefundReport:
    """A verified refund result notification: the same fields for every channel."""

    channel: PaymentChannel
    refund_no: str  # our refund number (商户退款单号, out_refund_no)
    channel_refund_id: str  # the channel's own (微信支付退款单号, refund_id)
    channel_txn_id: str  # the payment refunded (transaction_id)
    order_no: str  # our order of that payment (out_trade_no)
    status: RefundStatus
    amount_fen: int  # refunded
    paid_fen: int  # the payment's total
    settled_at: datetime | None = None  # when it was made (success_time), aware
    received_by: str = ""  # where the money went (user_received_account)


@dataclass(frozen=True)
class RefundOnRecord:
    """Our record of the refund the report names."""

    refund_no: str
    kind: str
    channel_txn_id: str
    order_no: str  # "" when the payment answered no order of ours
    amount_fen: int
    paid_fen: int
    status: RefundStatus


class RefundOutcome(StrEnum):
    REPLAY = "replay"  # nothing new: recorded already
    RECORD = "record"  # the new state is recorded; no money moves (made, or abnormal)
    GIVE_BACK = "give_back"  # closed: the money taken off the account when the refund was asked goes back


def judge_refund_report(*, report: RefundReport, recorded: RefundOnRecord | None) -> RefundOutcome:
    """What a verified report does to our refund; NotificationRefused when it is not ours, differs from it, or
    contradicts a final state the channel reported before.

    Our refunds take the money off the account when the channel accepts them (so it cannot be spent meanwhile):
    a refund made only confirms that, one that closed gives the money back, and an abnormal one moves nothing
    (the channel holds the money until it is refunded another way)."""
    if recorded is None or recorded.kind != RefundKind.REFUND.value:
        raise NotificationRefused(
            RefusalReason.UNKNOWN_REFUND, f"商户退款单号 {report.refund_no!r}：本系统没有这笔退款"
        )
    if report.channel_txn_id != recorded.channel_txn_id or (
        report.order_no and recorded.order_no and report.order_no != recorded.order_no
    ):
        raise NotificationRefused(
            RefusalReason.UNKNOWN_REFUND,
            f"退款单 {recorded.refund_no} 属于交易 {recorded.channel_txn_id}（订单 {recorded.order_no or '无'}），"
            f"通知为交易 {report.channel_txn_id}（订单 {report.order_no or '无'}）",
        )
    if (report.amount_fen, report.paid_fen) != (recorded.amount_fen, recorded.paid_fen):
        raise NotificationRefused(
            RefusalReason.AMOUNT_MISMATCH,
            f"退款单 {recorded.refund_no} 应退 {recorded.amount_fen} 分（原交费 {recorded.paid_fen} 分），"
            f"渠道通知退 {report.amount_fen} 分（原交费 {report.paid_fen} 分）",
        )
    if report.status is recorded.status or report.status is RefundStatus.PROCESSING:
        return RefundOutcome.REPLAY
    if recorded.status in FINAL:
        raise NotificationRefused(
            RefusalReason.REFUND_CONFLICT,
            f"退款单 {recorded.refund_no} 已是{recorded.status.label}，渠道又通知{report.status.label}",
        )
    return RefundOutcome.GIVE_BACK if report.status is RefundStatus.CLOSED else RefundOutcome.RECORD
