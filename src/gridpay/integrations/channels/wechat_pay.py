"""WeChat Pay API v3 through `wechatpayv3`: orders, verified and decrypted notifications (payments and refund
results), refunds, the daily bill."""

import gzip
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from wechatpayv3 import WeChatPay, WeChatPayType

from gridpay.domain.channel_payments import (
    DEFAULT_MAX_SKEW,
    ConfirmedPayment,
    NotificationRefused,
    RefusalReason,
    check_sent_at,
)
from gridpay.domain.channel_refunds import RefundReport, RefundStatus
from gridpay.domain.payments import PaymentChannel
from gridpay.domain.texts import gettext_noop
from gridpay.integrations.channels.online import (
    CHINA,
    ChannelNotConfigured,
    ChannelNotice,
    ChannelRejected,
    ChannelUnavailable,
    OrderRequest,
    setting_reader,
)

DEFAULT_BASE_URL = "https://api.mch.weixin.qq.com"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
# WeChat Pay reads any 2xx as "received"; a 4xx/5xx with this body makes it retry (up to 15 times in 24 h).
ACK = (204, b"", "application/json")
# The results a refund notification reports (event type REFUND.<status>).
REFUND_RESULTS = frozenset({"SUCCESS", "ABNORMAL", "CLOSED"})


@dataclass(frozen=True)
class WeChatPayConfig:
    mchid: str
    appid: str
    merchant_private_key: str  # PEM of the merchant API certificate's key (apiclient_key.pem)
    merchant_serial_no: str
    apiv3_key: str  # 32 bytes, decrypts notification resources
    platform_public_key: str  # PEM of 微信支付公钥, verifies notifications and answers
    platform_public_key_id: str  # PUB_KEY_ID_..., named by the Wechatpay-Serial header
    notify_url: str
    base_url: str = DEFAULT_BASE_URL
    timeout_s: float = 10.0
    max_skew: timedelta = DEFAULT_MAX_SKEW

    @classmethod
    def from_settings(cls, config: Mapping[str, str]) -> "WeChatPayConfig":
        """From GRIDPAY_WECHATPAY_* settings (README, "Payment channels"); ChannelNotConfigured names what is
        missing."""
        need = setting_reader(config, prefix="GRIDPAY_WECHATPAY_", channel="微信支付")

        return cls(
            mchid=need("MCHID"),
            appid=need("APPID"),
            merchant_private_key=Path(need("PRIVATE_KEY_FILE")).read_text(),
            merchant_serial_no=need("CERT_SERIAL_NO"),
            apiv3_key=need("APIV3_KEY"),
            platform_public_key=Path(need("PUBLIC_KEY_FILE")).read_text(),
            platform_public_key_id=need("PUBLIC_KEY_ID"),
            notify_url=need("NOTIFY_URL"),
            base_url=config.get("GRIDPAY_WECHATPAY_BASE_URL", "").strip() or DEFAULT_BASE_URL,
        )


class WeChatPayChannel:
    channel = PaymentChannel.WECHAT

    def __init__(self, config: WeChatPayConfig) -> None:
        if len(config.apiv3_key.encode()) != 32:
            raise ChannelNotConfigured(gettext_noop("微信支付 APIv3 密钥应为 32 字节"), field="channel")
        self._config = config
        # Public-key mode (微信支付公钥): the SDK never downloads platform certificates.
        self._sdk = WeChatPay(
            wechatpay_type=WeChatPayType.NATIVE,
            mchid=config.mchid,
            private_key=config.merchant_private_key,
            cert_serial_no=config.merchant_serial_no,
            appid=config.appid,
            apiv3_key=config.apiv3_key,
            notify_url=config.notify_url,
            timeout=config.timeout_s,
            public_key=config.platform_public_key,
            public_key_id=config.platform_public_key_id,
        )
        # The SDK has no setting for its gateway; a sandbox or a local test server needs another one.
        self._sdk._core._gate_way = config.base_url.rstrip("/")

    def create_order(self, order: OrderRequest) -> dict[str, str]:
        kind = {"native": WeChatPayType.NATIVE, "jsapi": WeChatPayType.JSAPI}.get(order.kind)
        if kind is None:
            raise ChannelRejected(f"微信支付不支持下单方式 {order.kind!r}（可用 native、jsapi）")
        if kind is WeChatPayType.JSAPI and not order.openid:
            raise ChannelRejected("JSAPI 下单需要付款人的 openid")
        answer = self._call(
            self._sdk.pay,
            description=order.description,
            out_trade_no=order.order_no,
            amount={"total": order.amount_fen, "currency": "CNY"},
            time_expire=order.expires_at.astimezone(CHINA).isoformat(timespec="seconds"),
            attach=order.account_no,
            payer={"openid": order.openid} if order.openid else None,
            pay_type=kind,
        )
        if kind is WeChatPayType.NATIVE:
            return {"code_url": _field(answer, "code_url")}
        return self._jsapi_invoke(_field(answer, "prepay_id"))

    def read_notification(self, *, headers: Mapping[str, str], body: bytes, now: datetime) -> ChannelNotice:
        wanted = {name: _header(headers, name) for name in _SIGNED_HEADERS}
        if wanted["Wechatpay-Serial"] != self._config.platform_public_key_id:
            # Checked before the SDK, which would otherwise go and download certificates for the serial.
            raise NotificationRefused(RefusalReason.BAD_SIGNATURE, f"未知的公钥编号 {wanted['Wechatpay-Serial']!r}")
        if wanted["Wechatpay-Signature-Type"] != SIGNATURE_TYPE:
            raise NotificationRefused(RefusalReason.BAD_SIGNATURE, "签名类型不是 WECHATPAY2-SHA256-RSA2048")
        try:
            sent_at = datetime.fromtimestamp(int(wanted["Wechatpay-Timestamp"]), UTC)
        except (ValueError, OverflowError, OSError):
            raise NotificationRefused(RefusalReason.MALFORMED, "时间戳不是整数秒") from None
        check_sent_at(sent_at=sent_at, now=now, max_skew=self._config.max_skew)
        try:
            text = body.decode("utf-8")
            data = self._sdk.callback(wanted, text)
        except (UnicodeDecodeError, ValueError, TypeError, AttributeError) as error:
            raise NotificationRefused(RefusalReason.MALFORMED, type(error).__name__) from None
        except Exception as error:  # the SDK raises bare Exception for an unsupported algorithm
            raise NotificationRefused(RefusalReason.MALFORMED, str(error)[:100]) from None
        if not data:
            raise NotificationRefused(RefusalReason.BAD_SIGNATURE, "签名或密文校验失败")
        resource = data.get("resource")
        if not isinstance(resource, dict):
            raise NotificationRefused(RefusalReason.MALFORMED, "resource 不是对象")
        event_type = str(data.get("event_type", ""))
        # A refund result's resource has no appid: it is told apart by its event type before anything is checked.
        if event_type.startswith("REFUND."):
            refund = self._refund_report(event_type, resource)
            return ChannelNotice(payment=None, refund=refund, ack_status=ACK[0], ack_body=ACK[1],
                                 ack_content_type=ACK[2])
        payment = self._payment(event_type, resource)
        return ChannelNotice(payment=payment, ack_status=ACK[0], ack_body=ACK[1], ack_content_type=ACK[2])

    def refusal_answer(self, message: str) -> tuple[int, bytes, str]:
        body = json.dumps({"code": "FAIL", "message": message}, ensure_ascii=False).encode()
        return 400, body, "application/json"

    def refund(self, *, refund_no: str, channel_txn_id: str, amount_fen: int, paid_fen: int, reason: str) -> str:
        answer = self._call(
            self._sdk.refund,
            out_refund_no=refund_no,
            transaction_id=channel_txn_id,
            amount={"refund": amount_fen, "total": paid_fen, "currency": "CNY"},
            reason=reason or None,
        )
        return str(answer.get("status", ""))

    def statement(self, *, day: date) -> bytes:
        answer = self._call(self._sdk.trade_bill, bill_date=day.isoformat(), bill_type="ALL", tar_type="GZIP")
        url = _field(answer, "download_url")
        try:
            status, content = self._sdk.download_bill(url)
        except requests.RequestException as error:
            raise ChannelUnavailable(f"微信支付账单下载失败：{error}") from error
        if status != 200:
            raise ChannelUnavailable(f"微信支付账单下载失败：HTTP {status}")
        raw = content if isinstance(content, bytes) else content.encode()
        return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw

    def _payment(self, event_type: str, resource: dict[str, Any]) -> ConfirmedPayment | None:
        if resource.get("mchid") != self._config.mchid or resource.get("appid") != self._config.appid:
            raise NotificationRefused(
                RefusalReason.WRONG_MERCHANT, f"商户号 {resource.get('mchid')!r}，应用号 {resource.get('appid')!r}"
            )
        if event_type != "TRANSACTION.SUCCESS" or resource.get("trade_state") != "SUCCESS":
            return None  # a refund or a closed order: acknowledged, nothing to credit
        try:
            amount = resource["amount"]
            total = amount["total"]
            if amount.get("currency", "CNY") != "CNY" or isinstance(total, bool) or not isinstance(total, int):
                raise ValueError("amount")
            paid_at = datetime.fromisoformat(resource["success_time"])
            if paid_at.tzinfo is None:
                raise ValueError("success_time")
            return ConfirmedPayment(
                channel=self.channel,
                channel_txn_id=str(resource["transaction_id"]),
                account_no=str(resource.get("attach") or ""),
                amount_fen=total,
                paid_at=paid_at.astimezone(UTC),
                payer=str((resource.get("payer") or {}).get("openid", "")),
                order_no=str(resource["out_trade_no"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise NotificationRefused(RefusalReason.MALFORMED, f"缺少或无效的字段 {error}") from None

    def _refund_report(self, event_type: str, resource: dict[str, Any]) -> RefundReport:
        """退款结果通知 (REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED): its resource names the merchant, the
        payment (transaction_id, out_trade_no), the refund (out_refund_no, refund_id), its status and amounts."""
        if resource.get("mchid") != self._config.mchid:
            raise NotificationRefused(RefusalReason.WRONG_MERCHANT, f"商户号 {resource.get('mchid')!r}")
        status_text = str(resource.get("refund_status", ""))
        if event_type != f"REFUND.{status_text}" or status_text not in REFUND_RESULTS:
            raise NotificationRefused(
                RefusalReason.MALFORMED, f"通知类型 {event_type} 与退款状态 {status_text!r} 不符"
            )
        try:
            amount = resource["amount"]
            refunded, total = amount["refund"], amount["total"]
            if any(isinstance(x, bool) or not isinstance(x, int) for x in (refunded, total)):
                raise ValueError("amount")
            status = RefundStatus(status_text)
            settled_at = None
            if status is RefundStatus.SUCCESS:
                settled_at = datetime.fromisoformat(resource["success_time"])
                if settled_at.tzinfo is None:
                    raise ValueError("success_time")
            return RefundReport(
                channel=self.channel,
                refund_no=str(resource["out_refund_no"]),
                channel_refund_id=str(resource.get("refund_id", "")),
                channel_txn_id=str(resource["transaction_id"]),
                order_no=str(resource.get("out_trade_no", "")),
                status=status,
                amount_fen=refunded,
                paid_fen=total,
                settled_at=settled_at.astimezone(UTC) if settled_at else None,
                received_by=str(resource.get("user_received_account", "")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise NotificationRefused(RefusalReason.MALFORMED, f"缺少或无效的字段 {error}") from None

    def _jsapi_invoke(self, prepay_id: str) -> dict[str, str]:
        """The parameters WeixinJSBridge's getBrandWCPayRequest takes, signed with the merchant key."""
        timestamp = str(int(datetime.now(UTC).timestamp()))
        nonce = secrets.token_hex(16)
        package = f"prepay_id={prepay_id}"
        signature = self._sdk.sign([self._config.appid, timestamp, nonce, package])
        return {
            "appId": self._config.appid,
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": signature,
        }

    def _call(self, method: Any, **params: Any) -> dict[str, Any]:
        try:
            status, text = method(**params)
        except requests.RequestException as error:
            raise ChannelUnavailable(f"无法连接微信支付：{error}") from error
        except Exception as error:  # the SDK raises bare Exception when an answer's signature fails
            raise ChannelUnavailable(f"微信支付应答无效：{error}") from error
        try:
            answer = json.loads(text) if text else {}
        except ValueError:
            raise ChannelUnavailable(f"微信支付应答不是 JSON：HTTP {status}") from None
        if 200 <= status < 300:
            return dict(answer)
        message = f"{answer.get('code', status)} {answer.get('message', '')}".strip()
        if status >= 500 or status == 429:
            raise ChannelUnavailable(f"微信支付暂不可用：{message}")
        raise ChannelRejected(f"微信支付拒绝：{message}")


_SIGNED_HEADERS = (
    "Wechatpay-Signature",
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Serial",
    "Wechatpay-Signature-Type",
)


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), "")
    return str(value).strip()


def _field(answer: Mapping[str, Any], name: str) -> str:
    value = answer.get(name)
    if not isinstance(value, str) or not value:
        raise ChannelUnavailable(f"微信支付应答缺少 {name}")
    return value

