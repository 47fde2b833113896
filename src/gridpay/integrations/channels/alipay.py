"""Alipay through `python-alipay-sdk`: QR orders, RSA2-verified notifications, refunds, the daily statement."""

import io
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError

from gridpay.domain.channel_payments import (
    DEFAULT_MAX_SKEW,
    ConfirmedPayment,
    NotificationRefused,
    RefusalReason,
    check_sent_at,
)
from gridpay.domain.money import InvalidAmount, fen_from_yuan_text, yuan_text
from gridpay.domain.payments import PaymentChannel
from gridpay.integrations.channels.online import (
    CHINA,
    ChannelNotice,
    ChannelRejected,
    ChannelUnavailable,
    OrderRequest,
    china_time,
    setting_reader,
)

DEFAULT_BASE_URL = "https://openapi.alipay.com"
PAID = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})
SUCCESS_CODE = "10000"
# Alipay reads exactly "success" as received; anything else makes it retry (8 times over 25 hours).
ACK = (200, b"success", "text/plain")
FAIL = (400, b"fail", "text/plain")


@dataclass(frozen=True)
class AlipayConfig:
    appid: str
    app_private_key: str  # PEM, the application's RSA2 key
    alipay_public_key: str  # PEM, Alipay's public key for this application
    notify_url: str
    base_url: str = DEFAULT_BASE_URL
    timeout_s: float = 10.0
    max_skew: timedelta = DEFAULT_MAX_SKEW

    @classmethod
    def from_settings(cls, config: Mapping[str, str]) -> "AlipayConfig":
        """From GRIDPAY_ALIPAY_* settings (README, "Payment channels"); ChannelNotConfigured naming what is missing."""
        need = setting_reader(config, prefix="GRIDPAY_ALIPAY_", channel="支付宝")

        return cls(
            appid=need("APPID"),
            app_private_key=Path(need("PRIVATE_KEY_FILE")).read_text(),
            alipay_public_key=Path(need("PUBLIC_KEY_FILE")).read_text(),
            notify_url=need("NOTIFY_URL"),
            base_url=config.get("GRIDPAY_ALIPAY_BASE_URL", "").strip() or DEFAULT_BASE_URL,
        )


class AlipayChannel:
    channel = PaymentChannel.ALIPAY

    def __init__(self, config: AlipayConfig) -> None:
        self._config = config
        self._sdk = AliPay(
            appid=config.appid,
            app_notify_url=config.notify_url,
            app_private_key_string=config.app_private_key,
            alipay_public_key_string=config.alipay_public_key,
            sign_type="RSA2",
        )
        self._sdk._config.timeout = config.timeout_s
        # The SDK knows only the production and sandbox gateways; a local test server needs another one.
        self._sdk._gateway = config.base_url.rstrip("/") + "/gateway.do"

    def create_order(self, order: OrderRequest) -> dict[str, str]:
        if order.kind != "precreate":
            raise ChannelRejected(f"支付宝支持的下单方式为 precreate（扫码），而不是 {order.kind!r}")
        answer = self._call(
            self._sdk.api_alipay_trade_precreate,
            subject=order.description,
            out_trade_no=order.order_no,
            total_amount=yuan_text(order.amount_fen),
            time_expire=order.expires_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
        )
        qr_code = answer.get("qr_code")
        if not isinstance(qr_code, str) or not qr_code:
            raise ChannelUnavailable("支付宝应答缺少 qr_code")
        return {"qr_code": qr_code}

    def read_notification(self, *, headers: Mapping[str, str], body: bytes, now: datetime) -> ChannelNotice:
        try:
            fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise NotificationRefused(RefusalReason.MALFORMED, "不是 UTF-8 表单") from None
        signature = fields.pop("sign", "")
        if not signature or fields.get("sign_type") != "RSA2":
            raise NotificationRefused(RefusalReason.BAD_SIGNATURE, "缺少签名或签名类型不是 RSA2")
        try:
            verified = self._sdk.verify(dict(fields), signature)
        except (AliPayException, ValueError, TypeError, IndexError):
            verified = False
        if not verified:
            raise NotificationRefused(RefusalReason.BAD_SIGNATURE, "RSA2 验签失败")
        if fields.get("app_id") != self._config.appid:
            raise NotificationRefused(RefusalReason.WRONG_MERCHANT, f"应用号 {fields.get('app_id')!r}")
        check_sent_at(sent_at=_china_time(fields, "notify_time"), now=now, max_skew=self._config.max_skew)
        if fields.get("trade_status") not in PAID:
            return ChannelNotice(payment=None, ack_status=ACK[0], ack_body=ACK[1], ack_content_type=ACK[2])
        try:
            payment = ConfirmedPayment(
                channel=self.channel,
                channel_txn_id=fields["trade_no"],
                account_no="",  # an Alipay order carries no account: ours does
                amount_fen=fen_from_yuan_text(fields["total_amount"]),
                paid_at=_china_time(fields, "gmt_payment"),
                payer=fields.get("buyer_logon_id", ""),
                order_no=fields["out_trade_no"],
            )
        except (KeyError, ValueError, InvalidAmount) as error:
            raise NotificationRefused(RefusalReason.MALFORMED, f"缺少或无效的字段 {error}") from None
        return ChannelNotice(payment=payment, ack_status=ACK[0], ack_body=ACK[1], ack_content_type=ACK[2])

    def refusal_answer(self, message: str) -> tuple[int, bytes, str]:
        return FAIL

    def refund(self, *, refund_no: str, channel_txn_id: str, amount_fen: int, paid_fen: int, reason: str) -> str:
        answer = self._call(
            self._sdk.api_alipay_trade_refund,
            refund_amount=yuan_text(amount_fen),
            trade_no=channel_txn_id,
            out_request_no=refund_no,
            refund_reason=reason or "电费退款",
        )
        return "SUCCESS" if answer.get("fund_change") == "Y" else "PROCESSING"

    def statement(self, *, day: date) -> bytes:
        """The trade statement's detail CSV (GBK, as Alipay writes it) out of the zip Alipay offers; the
        summary file beside it is left."""
        answer = self._call(
            self._sdk.server_api,
            api_name="alipay.data.dataservice.bill.downloadurl.query",
            biz_content={"bill_type": "trade", "bill_date": day.isoformat()},
        )
        url = answer.get("bill_download_url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ChannelUnavailable("支付宝应答缺少 bill_download_url")
        try:
            with urllib.request.urlopen(url, timeout=self._config.timeout_s) as response:
                archive = response.read()
            with zipfile.ZipFile(io.BytesIO(archive)) as files:
                return files.read(detail_member(files.infolist()))
        except (urllib.error.URLError, OSError, zipfile.BadZipFile) as error:
            raise ChannelUnavailable(f"支付宝账单下载失败：{error}") from error

    def _call(self, method: Any, **params: Any) -> dict[str, Any]:
        try:
            answer = method(**params)
        except (urllib.error.URLError, OSError) as error:
            raise ChannelUnavailable(f"无法连接支付宝：{error}") from error
        except AliPayValidationError as error:
            raise ChannelUnavailable("支付宝应答验签失败") from error
        except AliPayException as error:
            raise ChannelRejected(f"支付宝拒绝：{error}") from error
        except ValueError as error:
            raise ChannelUnavailable(f"支付宝应答无效：{error}") from error
        if answer.get("code") != SUCCESS_CODE:
            message = f"{answer.get('sub_code') or answer.get('code')} {answer.get('sub_msg') or answer.get('msg', '')}"
            raise ChannelRejected(f"支付宝拒绝：{message.strip()}")
        return dict(answer)


# What a statement zip's detail file is called (…_业务明细.csv, or …_账务明细.csv for the account ledger); its
# summary beside it is …_业务明细(汇总).csv.
DETAIL_NAMES = ("业务明细", "账务明细")
SUMMARY_MARK = "汇总"


def member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name as written. Alipay writes names in GBK without the UTF-8 flag (bit 11), which zipfile
    reads as cp437; cp437 maps every byte, so encoding back gives the bytes, and GBK reads them."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def detail_member(infos: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    """The detail CSV of a statement zip, whatever the order of its members; ChannelUnavailable naming what the
    zip holds when there is not exactly one."""
    names = {info.filename: member_name(info) for info in infos}
    details = [
        info for info in infos
        if names[info.filename].lower().endswith(".csv") and SUMMARY_MARK not in names[info.filename]
        and any(mark in names[info.filename] for mark in DETAIL_NAMES)
    ]
    if len(details) != 1:
        held = "、".join(names.values())
        raise ChannelUnavailable(f"支付宝账单压缩包里应有一个明细文件（…_业务明细.csv），实有：{held}")
    return details[0]


def _china_time(fields: Mapping[str, str], name: str) -> datetime:
    try:
        return china_time(fields[name])
    except (KeyError, ValueError):
        raise NotificationRefused(RefusalReason.MALFORMED, f"缺少或无效的时间 {name}") from None
