"""Payment rules: the known channels, what a valid payment request is, and when a repeat is a conflict."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop, label_of

# Guards the 64-bit columns and every sum over them; not a business limit (10 亿元 in one payment).
MAX_PAYMENT_FEN = 100_000_000_000
MAX_ACCOUNT_NO_LENGTH = 20
MAX_CHANNEL_TXN_ID_LENGTH = 64
MAX_IDEMPOTENCY_KEY_LENGTH = 100


class InvalidPayment(DomainError):
    code = "invalid_payment"


class PaymentConflict(DomainError):
    """The same natural key or Idempotency-Key was already used for a different payment."""

    code = "payment_conflict"
    http_status = 409


class PaymentChannel(StrEnum):
    """交费渠道 (RULES §9). The value is stored and sent on the wire; the label is shown to people."""

    COUNTER = "counter"  # 营业厅柜台: cash and card at the counter
    WECHAT = "wechat"
    ALIPAY = "alipay"
    BANK_WITHHOLDING = "bank_withholding"  # 代扣, including batch withholding and auto-recharge
    BANK = "bank"  # online banking, phone banking, ATM
    AGENT = "agent"  # post offices, kiosks and shops collecting on the utility's behalf
    CARD = "card"  # 电费充值卡
    APP = "app"  # the utility's own app
    KIOSK = "kiosk"  # self-service payment terminals
    HOME_COLLECTION = "home_collection"  # 上门收费: a collector takes cash at a green-channel household's door
    DEMO = "demo"  # 演示支付: the demo town's portal without a real channel; takes no money (ADR 0026)

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]


CHANNEL_LABELS: dict[PaymentChannel, str] = {
    PaymentChannel.COUNTER: gettext_noop("营业厅柜台"),
    PaymentChannel.WECHAT: gettext_noop("微信支付"),
    PaymentChannel.ALIPAY: gettext_noop("支付宝"),
    PaymentChannel.BANK_WITHHOLDING: gettext_noop("银行代扣"),
    PaymentChannel.BANK: gettext_noop("银行（网银/电话/ATM）"),
    PaymentChannel.AGENT: gettext_noop("代收网点"),
    PaymentChannel.CARD: gettext_noop("电费充值卡"),
    PaymentChannel.APP: gettext_noop("供电公司APP"),
    PaymentChannel.KIOSK: gettext_noop("自助交费终端"),
    PaymentChannel.HOME_COLLECTION: gettext_noop("上门收费（绿色通道）"),
    PaymentChannel.DEMO: gettext_noop("演示支付"),
}


# What a staff API token may record through POST /api/payments: the channels with no door of their own. WeChat Pay
# and Alipay credit through their signed notifications, agents through their signed endpoints, cards by their PIN,
# bank withholding by the bank's result file, home collections by the collector, the demo by its own channel: a
# token on any of those would bypass the signature, the float or the PIN that makes them safe.
TOKEN_CHANNELS = frozenset({PaymentChannel.COUNTER, PaymentChannel.BANK, PaymentChannel.APP, PaymentChannel.KIOSK})


class ChannelNotAllowed(DomainError):
    """A staff token asked to record a payment on a channel it is not scoped to."""

    code = "channel_not_allowed"
    http_status = 403


def check_token_channel(*, channel: str, allowed: frozenset[str]) -> None:
    """ChannelNotAllowed unless a token scoped to ``allowed`` may record a payment on ``channel``."""
    if channel not in TOKEN_CHANNELS:
        raise ChannelNotAllowed(gettext_noop("{channel}的交费只经其签名的通知或接口入账，不能用接口令牌记录"),
                                field="channel", params={"channel": channel_label(channel)})
    if channel not in allowed:
        raise ChannelNotAllowed(gettext_noop("这个令牌不能记录{channel}的交费"), field="channel",
                                params={"channel": channel_label(channel)})


def channel_label(channel: str) -> str:
    """The Chinese name of a channel code; an unknown code as it is."""
    return label_of(PaymentChannel, channel)


@dataclass(frozen=True)
class PaymentRequest:
    """A validated request to credit ``amount_fen`` to ``account_no``, as received from a channel."""

    account_no: str
    amount_fen: int
    channel: PaymentChannel
    channel_txn_id: str
    received_at: datetime  # aware, UTC
    idempotency_key: str | None = None


def payment_request(
    *,
    account_no: str,
    amount_fen: int,
    channel: str,
    channel_txn_id: str,
    received_at: datetime,
    idempotency_key: str | None = None,
) -> PaymentRequest:
    """The request with surrounding blanks removed, or InvalidPayment naming the first bad field."""
    account_no = _text(account_no, field="account_no", what="户号", max_length=MAX_ACCOUNT_NO_LENGTH)
    check_amount_fen(amount_fen)
    known = parse_channel(channel)
    channel_txn_id = _text(
        channel_txn_id, field="channel_txn_id", what="渠道流水号", max_length=MAX_CHANNEL_TXN_ID_LENGTH
    )
    if not isinstance(received_at, datetime) or received_at.tzinfo is None:
        raise InvalidPayment(gettext_noop("收款时间必须带时区"), field="received_at")
    if idempotency_key is not None:
        idempotency_key = _text(
            idempotency_key, field="idempotency_key", what="幂等键", max_length=MAX_IDEMPOTENCY_KEY_LENGTH
        )
    return PaymentRequest(
        account_no=account_no,
        amount_fen=amount_fen,
        channel=known,
        channel_txn_id=channel_txn_id,
        received_at=received_at.astimezone(UTC),
        idempotency_key=idempotency_key,
    )


def received_at_in_window(
    *, received_at: datetime, now: datetime, earliest_days: int, future_skew: timedelta, earlier_allowed: bool
) -> datetime:
    """The instant a caller says a payment was received, in UTC, or InvalidPayment naming ``received_at``: it has a
    zone and a UTC time (year 1 at +14:00 has none), is no later than ``now`` beyond the clocks' ``future_skew``, and
    no earlier than ``earliest_days`` before ``now`` unless ``earlier_allowed`` (a supervisor's token records a
    payment found late). A receipt time decades back would otherwise land in closed bills, settled days and
    reports already sent."""
    if received_at.tzinfo is None:
        raise InvalidPayment(gettext_noop("收款时间必须带时区"), field="received_at")
    try:
        at = received_at.astimezone(UTC)
    except OverflowError:
        raise InvalidPayment(gettext_noop("收款时间超出范围"), field="received_at") from None
    if at > now + future_skew:
        raise InvalidPayment(gettext_noop("收款时间晚于当前时间：{at}"), field="received_at",
                             params={"at": at.isoformat()})
    if not earlier_allowed and at < now - timedelta(days=earliest_days):
        raise InvalidPayment(gettext_noop("收款时间早于 {days} 天前：{at}；补录更早的交费须用班长或所长的令牌"),
                             field="received_at", params={"days": earliest_days, "at": at.isoformat()})
    return at


def check_amount_fen(amount_fen: int) -> None:
    """A payment amount is a whole, positive number of fen below the columns' guard."""
    # bool is an int in Python; True fen is never what a caller meant.
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise InvalidPayment(gettext_noop("交费金额必须是整数（单位：分）：{amount_fen!r}"), field="amount_fen",
                             params={"amount_fen": amount_fen})
    if amount_fen <= 0:
        raise InvalidPayment(gettext_noop("交费金额必须大于 0 分：{amount_fen}"), field="amount_fen",
                             params={"amount_fen": amount_fen})
    if amount_fen > MAX_PAYMENT_FEN:
        raise InvalidPayment(gettext_noop("交费金额超出上限 {most} 分：{amount_fen}"), field="amount_fen",
                             params={"most": MAX_PAYMENT_FEN, "amount_fen": amount_fen})


def parse_channel(channel: str) -> PaymentChannel:
    try:
        return PaymentChannel(channel)
    except ValueError:
        known = "、".join(f"{c.value}（{c.label}）" for c in PaymentChannel)
        raise InvalidPayment(gettext_noop("未知的交费渠道 {channel!r}；可用渠道：{known}"), field="channel",
                             params={"channel": channel, "known": known}) from None


@dataclass(frozen=True)
class RecordedPayment:
    """What identifies a payment already recorded, to compare a repeated request with."""

    account_no: str
    amount_fen: int
    channel: str
    channel_txn_id: str


def check_repeat(*, request: PaymentRequest, recorded: RecordedPayment) -> None:
    """A repeat of a recorded payment is a replay only if it is the same payment in every respect.

    ``recorded`` shares the request's (channel, channel transaction id) or its Idempotency-Key; the
    receipt time may differ between retries and is not compared.
    """
    same = (
        recorded.account_no == request.account_no
        and recorded.amount_fen == request.amount_fen
        and recorded.channel == request.channel.value
        and recorded.channel_txn_id == request.channel_txn_id
    )
    if same:
        return
    used: str | None
    if recorded.channel == request.channel.value and recorded.channel_txn_id == request.channel_txn_id:
        sentence = gettext_noop(
            "渠道流水号 {used} 已用于另一笔交费（户号 {account_no}，金额 {amount_fen} 分，"
            "渠道 {channel}，流水号 {channel_txn_id}）"
        )
        used, field = request.channel_txn_id, "channel_txn_id"
    else:
        sentence = gettext_noop(
            "幂等键 {used} 已用于另一笔交费（户号 {account_no}，金额 {amount_fen} 分，"
            "渠道 {channel}，流水号 {channel_txn_id}）"
        )
        used, field = request.idempotency_key, "idempotency_key"
    raise PaymentConflict(sentence, field=field, params={
        "used": used, "account_no": recorded.account_no, "amount_fen": recorded.amount_fen, "channel": recorded.channel,
        "channel_txn_id": recorded.channel_txn_id,
    })


class RefundKind(StrEnum):
    REFUND = "refund"  # 退款: the channel gives the payer the money back
    REVERSAL = "reversal"  # 冲正: the payment did not really happen (a reconciliation difference)


class RefundRefused(DomainError):
    code = "refund_refused"


@dataclass(frozen=True)
class RecordedRefund:
    channel_txn_id: str  # of the payment refunded
    amount_fen: int
    kind: str


def check_refund(*, paid_fen: int, refunded_fen: int, amount_fen: int) -> None:
    """A refund is a positive amount that, with the earlier ones, never exceeds the payment."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise InvalidPayment(gettext_noop("退款金额必须是大于 0 的整数分：{amount_fen!r}"), field="amount_fen",
                             params={"amount_fen": amount_fen})
    if refunded_fen + amount_fen > paid_fen:
        raise RefundRefused(
            gettext_noop("退款超过可退金额：交费 {paid_fen} 分，已退 {refunded_fen} 分，本次 {amount_fen} 分"),
            field="amount_fen", params={"paid_fen": paid_fen, "refunded_fen": refunded_fen, "amount_fen": amount_fen},
        )


def check_refund_repeat(*, channel_txn_id: str, amount_fen: int, kind: str, recorded: RecordedRefund) -> None:
    """The same refund id again is a replay only for the same payment, amount and kind."""
    if (recorded.channel_txn_id, recorded.amount_fen, recorded.kind) != (channel_txn_id, amount_fen, kind):
        raise PaymentConflict(
            gettext_noop("退款单号已用于另一笔退款（流水号 {channel_txn_id}，{amount_fen} 分，{kind}）"),
            field="channel_refund_id", params={
                "channel_txn_id": recorded.channel_txn_id, "amount_fen": recorded.amount_fen, "kind": recorded.kind,
            },
        )


def _text(value: str, *, field: str, what: str, max_length: int) -> str:
    if not isinstance(value, str):
        raise InvalidPayment(
            gettext_noop("{what}必须是文本：{value!r}"), field=field, params={"what": what, "value": value},
        )
    value = value.strip()
    if not value:
        raise InvalidPayment(gettext_noop("{what}不能为空"), field=field, params={"what": what})
    if len(value) > max_length:
        raise InvalidPayment(gettext_noop("{what}最长 {max_length} 个字符"), field=field,
                             params={"what": what, "max_length": max_length})
    if not value.isprintable():
        raise InvalidPayment(gettext_noop("{what}含有不可打印字符"), field=field, params={"what": what})
    return value
