"""What every online channel adapter (WeChat Pay, Alipay) offers the application, and the errors it raises."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Protocol

from gridpay.domain.channel_payments import ConfirmedPayment
from gridpay.domain.channel_refunds import RefundReport
from gridpay.domain.errors import DomainError
from gridpay.domain.payments import PaymentChannel
from gridpay.domain.texts import gettext_noop

# The channels write times in Beijing time, often without a zone (Alipay's "2025-03-10 10:00:00", the bills).
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


@lru_cache(maxsize=100_000)
def china_time(text: str) -> datetime:
    """``2025-03-10 10:00:00`` in Beijing time, as an aware UTC instant; ValueError for anything else.

    A statement's day has at most 86 400 distinct times, so they are remembered."""
    text = text.strip()
    if len(text) != 19:
        raise ValueError(f"时间应为 YYYY-MM-DD HH:MM:SS：{text!r}")
    return datetime.fromisoformat(text).replace(tzinfo=CHINA).astimezone(UTC)


class ChannelNotConfigured(DomainError):
    """The channel's settings are missing or unusable here (a key file not found, a key of the wrong length): no
    payment can go through it until they are mended."""

    code = "channel_not_configured"
    http_status = 503


def setting_reader(config: Mapping[str, str], *, prefix: str, channel: str) -> Callable[[str], str]:
    """``need("MCHID")`` reads ``GRIDPAY_WECHATPAY_MCHID``, or raises ChannelNotConfigured naming what is missing."""

    def need(key: str) -> str:
        value = config.get(f"{prefix}{key}", "").strip()
        if not value:
            raise ChannelNotConfigured(gettext_noop("{channel}配置缺少 {setting}"), field="channel",
                                       params={"channel": channel, "setting": f"{prefix}{key}"})
        return value

    return need


class ChannelUnavailable(Exception):
    """The channel could not be reached or answered nonsense: the same request may be retried."""


class ChannelRejected(Exception):
    """The channel answered and said no (a closed order, a refund beyond the payment...): do not retry as is."""


@dataclass(frozen=True)
class OrderRequest:
    order_no: str
    account_no: str
    amount_fen: int
    description: str
    expires_at: datetime
    kind: str  # "native" (a QR code), "jsapi" (inside WeChat, needs openid), "precreate" (Alipay QR code)
    openid: str = ""


@dataclass(frozen=True)
class ChannelNotice:
    """A verified notification: the confirmed payment, or the result of a refund we asked for, or neither when it
    reports something else (a closed order)."""

    payment: ConfirmedPayment | None
    # What the channel wants to read back for an accepted notification (status and body).
    ack_status: int
    ack_body: bytes
    ack_content_type: str
    refund: RefundReport | None = None


class OnlineChannel(Protocol):
    channel: PaymentChannel

    def create_order(self, order: OrderRequest) -> dict[str, str]:
        """What the customer's phone needs to pay the order (a QR code URL, signed JSAPI parameters)."""
        ...

    def read_notification(self, *, headers: Mapping[str, str], body: bytes, now: datetime) -> ChannelNotice:
        """The verified notification; NotificationRefused when it must not move money."""
        ...

    def refusal_answer(self, message: str) -> tuple[int, bytes, str]:
        """Status, body and content type telling the channel the notification failed (it will retry)."""
        ...

    def refund(self, *, refund_no: str, channel_txn_id: str, amount_fen: int, paid_fen: int, reason: str) -> str:
        """Asks the channel to give money back; returns the channel's refund status (a RefundStatus value)."""
        ...

    def statement(self, *, day: date) -> bytes:
        """The channel's statement (对账单) of ``day``, as the file it gives."""
        ...
