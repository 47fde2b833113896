"""Local servers that play WeChat Pay (API v3) and Alipay with test keys: they check our request signatures,
sign their answers, and write notifications and statements exactly as the channels do (no network)."""

import base64
import gzip
import hashlib
import io
import json
import secrets
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.support.clock import current_instant

CHINA = timezone(timedelta(hours=8))
APIV3_KEY = "0123456789abcdef0123456789abcdef"
MCHID = "1900000109"
WECHAT_APPID = "wx8888888888888888"
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000001092025010100000000000001"
ALIPAY_APPID = "2021000000000001"
WECHAT_NOTIFY_URL = "https://gridpay.example/api/channels/wechat/notify"
ALIPAY_NOTIFY_URL = "https://gridpay.example/api/channels/alipay/notify"
WECHAT_BILL_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
    "应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
    "手续费,费率,订单金额,申请退款金额,费率备注"
)


@dataclass(frozen=True)
class KeyPair:
    private: rsa.RSAPrivateKey
    private_pem: str
    public_pem: str

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()

    def verify(self, message: bytes, signature: str) -> bool:
        try:
            self.private.public_key().verify(base64.b64decode(signature), message, padding.PKCS1v15(), hashes.SHA256())
            return True
        except (InvalidSignature, ValueError):
            return False


@cache
def key_pair(name: str) -> KeyPair:
    """One RSA-2048 test key per role (merchant, platform, alipay-app, alipay), made once per test run."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return KeyPair(private=private, private_pem=private_pem, public_pem=public_pem)


@dataclass
class ChannelOrderSeen:
    order_no: str
    amount_fen: int
    attach: str = ""
    transaction_id: str = ""
    paid_at: datetime | None = None
    refunds: list[tuple[str, int]] = field(default_factory=list)
    description: str = "电费"  # 商品名称 (WeChat's description, Alipay's subject)


class _Server:
    """A threaded HTTP server on a free loopback port; subclasses answer ``handle``."""

    def __init__(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner._dispatch(self, b"")

            def do_POST(self) -> None:
                owner._dispatch(self, self.rfile.read(int(self.headers.get("Content-Length", "0"))))

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.requests: list[tuple[str, str]] = []
        self.refuse_next = ""  # an error code to answer the next request with

    def _dispatch(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        self.requests.append((handler.command, handler.path))
        status, headers, payload = self.handle(handler.command, handler.path, dict(handler.headers), body)
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError

    @contextmanager
    def running(self) -> Iterator["_Server"]:
        thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.httpd.shutdown()
            self.httpd.server_close()


class WeChatPayServer(_Server):
    """Plays api.mch.weixin.qq.com in public-key mode (微信支付公钥)."""

    def __init__(self) -> None:
        super().__init__()
        self.merchant = key_pair("merchant")
        self.platform = key_pair("platform")
        self.orders: dict[str, ChannelOrderSeen] = {}
        self.refund_states: dict[str, str] = {}  # 商户退款单号 → PROCESSING, SUCCESS, ABNORMAL or CLOSED

    def settings(self, tmp_path: Path, notify_url: str = WECHAT_NOTIFY_URL) -> dict[str, str]:
        (tmp_path / "apiclient_key.pem").write_text(self.merchant.private_pem)
        (tmp_path / "wechatpay_pub.pem").write_text(self.platform.public_pem)
        return {
            "GRIDPAY_WECHATPAY_MCHID": MCHID,
            "GRIDPAY_WECHATPAY_APPID": WECHAT_APPID,
            "GRIDPAY_WECHATPAY_PRIVATE_KEY_FILE": str(tmp_path / "apiclient_key.pem"),
            "GRIDPAY_WECHATPAY_CERT_SERIAL_NO": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
            "GRIDPAY_WECHATPAY_APIV3_KEY": APIV3_KEY,
            "GRIDPAY_WECHATPAY_PUBLIC_KEY_FILE": str(tmp_path / "wechatpay_pub.pem"),
            "GRIDPAY_WECHATPAY_PUBLIC_KEY_ID": PUBLIC_KEY_ID,
            "GRIDPAY_WECHATPAY_NOTIFY_URL": notify_url,
            "GRIDPAY_WECHATPAY_BASE_URL": self.base_url,
        }

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        if not self._merchant_signed(method, path, headers, body):
            return self._answer(401, {"code": "SIGN_ERROR", "message": "签名错误"})
        if self.refuse_next:
            code, self.refuse_next = self.refuse_next, ""
            status = 500 if code == "SYSTEM_ERROR" else 400
            return self._answer(status, {"code": code, "message": "测试拒绝"})
        route = urlsplit(path)
        request = json.loads(body) if body else {}
        if route.path in ("/v3/pay/transactions/native", "/v3/pay/transactions/jsapi"):
            if request.get("mchid") != MCHID or request.get("appid") != WECHAT_APPID:
                return self._answer(400, {"code": "PARAM_ERROR", "message": "商户号或应用号"})
            order_no = request["out_trade_no"]
            if order_no in self.orders:
                return self._answer(400, {"code": "ORDER_EXISTS", "message": "订单号重复"})
            self.orders[order_no] = ChannelOrderSeen(order_no, request["amount"]["total"], request.get("attach", ""),
                                                     description=request.get("description", ""))
            if route.path.endswith("native"):
                return self._answer(200, {"code_url": f"weixin://wxpay/bizpayurl?pr={secrets.token_hex(4)}"})
            return self._answer(200, {"prepay_id": f"wx{secrets.token_hex(14)}"})
        if route.path == "/v3/refund/domestic/refunds":
            seen = next((o for o in self.orders.values() if o.transaction_id == request.get("transaction_id")), None)
            amount = request["amount"]
            if seen is None or amount["total"] != seen.amount_fen:
                return self._answer(404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"})
            # 商户退款单号 is the refund's identity: asked again, WeChat answers with the refund it already made.
            refund_no = request["out_refund_no"]
            refund_id = self.refund_id(seen.order_no, refund_no)
            if any(no == refund_no for no, _ in seen.refunds):
                return self._answer(200, {"refund_id": refund_id, "status": self.refund_states[refund_no]})
            refunded = sum(a for no, a in seen.refunds if self.refund_states.get(no) != "CLOSED")
            if refunded + amount["refund"] > seen.amount_fen:
                return self._answer(403, {"code": "NOT_ENOUGH", "message": "退款金额超过可退金额"})
            seen.refunds.append((refund_no, amount["refund"]))
            # A refund is accepted, then made: its result comes later, in a refund notification.
            self.refund_states[refund_no] = "PROCESSING"
            return self._answer(200, {"refund_id": refund_id, "status": "PROCESSING"})
        if route.path == "/v3/bill/tradebill":
            day = dict(parse_qsl(route.query))["bill_date"]
            return self._answer(200, {"download_url": f"{self.base_url}/v3/billdownload/file?day={day}"})
        if route.path == "/v3/billdownload/file":
            day = date.fromisoformat(dict(parse_qsl(route.query))["day"])
            return 200, {"Content-Type": "application/octet-stream"}, gzip.compress(self.bill(day).encode())
        return self._answer(404, {"code": "NOT_FOUND", "message": route.path})

    def pay(self, order_no: str, *, at: datetime, amount_fen: int | None = None) -> str:
        """The customer pays: returns WeChat's transaction id (微信支付订单号)."""
        seen = self.orders[order_no]
        seen.transaction_id = seen.transaction_id or "42000" + secrets.token_hex(12)
        seen.paid_at = at
        if amount_fen is not None:
            seen.amount_fen = amount_fen
        return seen.transaction_id

    def notification(self, order_no: str, *, sent_at: datetime, resource: dict[str, Any] | None = None,
                     event_type: str = "TRANSACTION.SUCCESS") -> tuple[dict[str, str], bytes]:
        """Headers and body of WeChat's notification for a paid order: AES-256-GCM resource, platform-signed."""
        seen = self.orders[order_no]
        assert seen.paid_at is not None, "pay() the order first"
        plain = resource or {
            "mchid": MCHID,
            "appid": WECHAT_APPID,
            "out_trade_no": order_no,
            "transaction_id": seen.transaction_id,
            "trade_type": "NATIVE",
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "bank_type": "OTHERS",
            "attach": seen.attach,
            "success_time": seen.paid_at.astimezone(CHINA).isoformat(timespec="seconds"),
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {"total": seen.amount_fen, "payer_total": seen.amount_fen, "currency": "CNY",
                       "payer_currency": "CNY"},
        }
        return self._envelope(plain, event_type=event_type, summary="支付成功", original_type="transaction",
                              sent_at=sent_at)

    def refund_id(self, order_no: str, refund_no: str) -> str:
        """微信支付退款单号 of a refund: WeChat's own id, the same each time it is asked."""
        return "50" + hashlib.sha256(f"{order_no}:{refund_no}".encode()).hexdigest()[:28]

    def refund_outside(self, order_no: str, refund_no: str, amount_fen: int) -> None:
        """A refund made without gridpay (in the merchant platform, 商户平台): WeChat knows it, we do not."""
        self.orders[order_no].refunds.append((refund_no, amount_fen))
        self.refund_states[refund_no] = "PROCESSING"

    def refund_notification(self, refund_no: str, *, sent_at: datetime, status: str = "SUCCESS",
                            change: Callable[[dict[str, Any]], None] | None = None) -> tuple[dict[str, str], bytes]:
        """Headers and body of WeChat's refund result notification (退款结果通知, event REFUND.SUCCESS,
        REFUND.ABNORMAL or REFUND.CLOSED): the resource (no appid in it) AES-256-GCM encrypted with associated
        data "refund", the whole platform-signed. The refund takes ``status``."""
        seen = next(o for o in self.orders.values() if any(no == refund_no for no, _ in o.refunds))
        amount_fen = next(a for no, a in seen.refunds if no == refund_no)
        self.refund_states[refund_no] = status
        plain: dict[str, Any] = {
            "mchid": MCHID,
            "transaction_id": seen.transaction_id,
            "out_trade_no": seen.order_no,
            "refund_id": self.refund_id(seen.order_no, refund_no),
            "out_refund_no": refund_no,
            "refund_status": status,
            "user_received_account": "支付用户零钱",
            "amount": {"total": seen.amount_fen, "refund": amount_fen, "payer_total": seen.amount_fen,
                       "payer_refund": amount_fen},
        }
        if status == "SUCCESS":
            plain["success_time"] = sent_at.astimezone(CHINA).isoformat(timespec="seconds")
        if change:
            change(plain)
        summary = {"SUCCESS": "退款成功", "ABNORMAL": "退款异常", "CLOSED": "退款关闭"}.get(status, "退款")
        return self._envelope(plain, event_type=f"REFUND.{status}", summary=summary, original_type="refund",
                              sent_at=sent_at)

    def _envelope(self, plain: dict[str, Any], *, event_type: str, summary: str, original_type: str,
                  sent_at: datetime) -> tuple[dict[str, str], bytes]:
        """A notification as WeChat sends it: the resource encrypted with the APIv3 key, the body signed."""
        nonce = secrets.token_urlsafe(9)[:12]
        ciphertext = AESGCM(APIV3_KEY.encode()).encrypt(
            nonce.encode(), json.dumps(plain, ensure_ascii=False).encode(), original_type.encode()
        )
        body = json.dumps({
            "id": secrets.token_hex(16),
            "create_time": sent_at.astimezone(CHINA).isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": summary,
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": original_type,
                "nonce": nonce,
            },
        }, ensure_ascii=False).encode()
        return self.signed_headers(body, sent_at=sent_at), body

    def signed_headers(self, body: bytes, *, sent_at: datetime) -> dict[str, str]:
        timestamp = str(int(sent_at.timestamp()))
        nonce = secrets.token_hex(16)
        return {
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": self.platform.sign(f"{timestamp}\n{nonce}\n{body.decode()}\n".encode()),
            "Wechatpay-Serial": PUBLIC_KEY_ID,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
            "Content-Type": "application/json",
        }

    def bill(self, day: date) -> str:
        """交易账单 (bill_type=ALL) of ``day``: every field begins with a backquote and the separator is ",`" (a
        product name may hold commas of its own), then the totals."""
        lines = [WECHAT_BILL_HEADER]
        total = 0
        paid = [o for o in self.orders.values() if o.paid_at and o.paid_at.astimezone(CHINA).date() == day]
        for seen in paid:
            assert seen.paid_at is not None
            yuan = f"{seen.amount_fen / 100:.2f}"
            total += seen.amount_fen
            fields = [
                seen.paid_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"), WECHAT_APPID, MCHID, "0", "",
                seen.transaction_id, seen.order_no, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "NATIVE", "SUCCESS", "OTHERS",
                "CNY", yuan, "0.00", "0", "0", "0.00", "0.00", "", "", seen.description, seen.attach, "0.00", "0.60%",
                yuan, "0.00", "",
            ]
            lines.append(",".join("`" + f for f in fields))
        lines.append("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额")
        lines.append(",".join("`" + f for f in [str(len(paid)), f"{total / 100:.2f}", "0.00", "0.00", "0.00",
                                                 f"{total / 100:.2f}", "0.00"]))
        return "\n".join(lines) + "\n"

    def _merchant_signed(self, method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
        scheme, _, fields = headers.get("Authorization", "").partition(" ")
        parts = dict(part.split("=", 1) for part in fields.split(",") if "=" in part)
        parts = {k: v.strip('"') for k, v in parts.items()}
        if scheme != "WECHATPAY2-SHA256-RSA2048" or parts.get("mchid") != MCHID:
            return False
        message = f"{method}\n{path}\n{parts.get('timestamp')}\n{parts.get('nonce_str')}\n{body.decode()}\n"
        return self.merchant.verify(message.encode(), parts.get("signature", ""))

    def _answer(self, status: int, answer: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps(answer, ensure_ascii=False).encode()
        headers = self.signed_headers(body, sent_at=current_instant()) if status < 300 else {}
        return status, {**headers, "Content-Type": "application/json"}, body


class AlipayGateway(_Server):
    """Plays openapi.alipay.com/gateway.do: RSA2 request signatures checked, answers and notifications signed."""

    def __init__(self) -> None:
        super().__init__()
        self.app = key_pair("alipay-app")
        self.alipay = key_pair("alipay")
        self.orders: dict[str, ChannelOrderSeen] = {}

    def settings(self, tmp_path: Path, notify_url: str = ALIPAY_NOTIFY_URL) -> dict[str, str]:
        (tmp_path / "alipay_app_key.pem").write_text(self.app.private_pem)
        (tmp_path / "alipay_pub.pem").write_text(self.alipay.public_pem)
        return {
            "GRIDPAY_ALIPAY_APPID": ALIPAY_APPID,
            "GRIDPAY_ALIPAY_PRIVATE_KEY_FILE": str(tmp_path / "alipay_app_key.pem"),
            "GRIDPAY_ALIPAY_PUBLIC_KEY_FILE": str(tmp_path / "alipay_pub.pem"),
            "GRIDPAY_ALIPAY_NOTIFY_URL": notify_url,
            "GRIDPAY_ALIPAY_BASE_URL": self.base_url,
        }

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        route = urlsplit(path)
        if route.path == "/bill.zip":
            return 200, {"Content-Type": "application/zip"}, self.statement_zip(date.fromisoformat(route.query))
        params = dict(parse_qsl(route.query, keep_blank_values=True))
        signature = params.pop("sign", "")
        unsigned = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        api = params.get("method", "")
        response_type = api.replace(".", "_") + "_response"
        if not self.app.verify(unsigned.encode(), signature) or params.get("app_id") != ALIPAY_APPID:
            return self._answer(response_type, {"code": "40002", "msg": "Invalid Arguments",
                                                "sub_code": "isv.invalid-signature", "sub_msg": "验签出错"})
        if self.refuse_next:
            code, self.refuse_next = self.refuse_next, ""
            return self._answer(response_type, {"code": "40004", "msg": "Business Failed", "sub_code": code,
                                                "sub_msg": "测试拒绝"})
        biz = json.loads(params.get("biz_content", "{}"))
        if api == "alipay.trade.precreate":
            fen = round(float(biz["total_amount"]) * 100)
            self.orders[biz["out_trade_no"]] = ChannelOrderSeen(biz["out_trade_no"], fen)
            return self._answer(response_type, {"code": "10000", "msg": "Success", "out_trade_no": biz["out_trade_no"],
                                                "qr_code": f"https://qr.alipay.com/bax{secrets.token_hex(8)}"})
        if api == "alipay.trade.refund":
            seen = next((o for o in self.orders.values() if o.transaction_id == biz.get("trade_no")), None)
            fen = round(float(biz["refund_amount"]) * 100)
            if seen is None or sum(a for _, a in seen.refunds) + fen > seen.amount_fen:
                return self._answer(response_type, {"code": "40004", "msg": "Business Failed",
                                                    "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
                                                    "sub_msg": "退款金额超限"})
            seen.refunds.append((biz["out_request_no"], fen))
            return self._answer(response_type, {"code": "10000", "msg": "Success", "fund_change": "Y",
                                                "refund_fee": biz["refund_amount"], "trade_no": seen.transaction_id})
        if api == "alipay.data.dataservice.bill.downloadurl.query":
            return self._answer(response_type, {"code": "10000", "msg": "Success",
                                                "bill_download_url": f"{self.base_url}/bill.zip?{biz['bill_date']}"})
        return self._answer(response_type, {"code": "40004", "msg": "Business Failed", "sub_code": "UNKNOWN_API"})

    def pay(self, order_no: str, *, at: datetime) -> str:
        seen = self.orders[order_no]
        seen.transaction_id = seen.transaction_id or at.strftime("%Y%m%d") + "22001" + secrets.token_hex(7)
        seen.paid_at = at
        return seen.transaction_id

    def notification(self, order_no: str, *, sent_at: datetime, status: str = "TRADE_SUCCESS",
                     change: Callable[[dict[str, str]], None] | None = None) -> bytes:
        """The form Alipay POSTs: every field but sign and sign_type, sorted, signed RSA2 with Alipay's key."""
        seen = self.orders[order_no]
        assert seen.paid_at is not None, "pay() the order first"
        china = "%Y-%m-%d %H:%M:%S"
        fields = {
            "notify_time": sent_at.astimezone(CHINA).strftime(china),
            "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(17),
            "charset": "utf-8",
            "version": "1.0",
            "app_id": ALIPAY_APPID,
            "auth_app_id": ALIPAY_APPID,
            "trade_no": seen.transaction_id,
            "out_trade_no": order_no,
            "buyer_id": "2088102122524333",
            "buyer_logon_id": "159****5620",
            "seller_id": "2088101106499364",
            "trade_status": status,
            "total_amount": f"{seen.amount_fen / 100:.2f}",
            "receipt_amount": f"{seen.amount_fen / 100:.2f}",
            "subject": "电费",
            "gmt_create": seen.paid_at.astimezone(CHINA).strftime(china),
            "gmt_payment": seen.paid_at.astimezone(CHINA).strftime(china),
        }
        if change:
            change(fields)
        unsigned = "&".join(f"{k}={v}" for k, v in sorted(fields.items()))
        signed = {**fields, "sign_type": "RSA2", "sign": self.alipay.sign(unsigned.encode())}
        return urlencode(signed).encode()

    def statement_zip(self, day: date, *, names: str = "gbk", summary_first: bool = True) -> bytes:
        """业务明细 in GBK with its summary file beside it, as Alipay's zip holds them: names in GBK without the
        zip's UTF-8 flag (``names="utf-8"`` sets the flag, as some re-packed archives do), the summary first."""
        detail = (f"{ALIPAY_APPID}_{day:%Y%m%d}_业务明细.csv", self.trade_detail(day))
        summary = (f"{ALIPAY_APPID}_{day:%Y%m%d}_业务明细(汇总).csv", "#汇总\n".encode("gbk"))
        members = [summary, detail] if summary_first else [detail, summary]
        return zip_archive(members, names=names)

    def trade_detail(self, day: date) -> bytes:
        """业务明细 (trade details) of ``day``, in GBK."""
        lines = ["#支付宝业务明细查询", f"#账号：[{ALIPAY_APPID}]",
                 f"#起始日期：[{day} 00:00:00]   终止日期：[{day + timedelta(days=1)} 00:00:00]",
                 "#-----------------------------------------业务明细列表----------------------------------------",
                 "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,"
                 "商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,"
                 "商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注"]
        for seen in self.orders.values():
            if seen.paid_at is None or seen.paid_at.astimezone(CHINA).date() != day:
                continue
            at = seen.paid_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
            yuan = f"{seen.amount_fen / 100:.2f}"
            lines.append(f"{seen.transaction_id}\t,{seen.order_no}\t,交易,电费,{at},{at},,,,,159****5620,{yuan},{yuan},"
                         "0.00,0.00,0.00,0.00,0.00,,0.00,0.00,,-0.60,0.00,")
            for refund_no, fen in seen.refunds:
                yuan = f"-{fen / 100:.2f}"
                lines.append(f"{seen.transaction_id}\t,{seen.order_no}\t,退款,电费,{at},{at},,,,,159****5620,"
                             f"{yuan},{yuan},0.00,0.00,0.00,0.00,0.00,,0.00,0.00,{refund_no},0.00,0.00,")
        lines += ["#-----------------------------------------业务明细列表结束------------------------------------",
                  f"#导出时间：[{day + timedelta(days=1)} 09:00:00]"]
        return "\n".join(lines).encode("gbk")

    def account_ledger(self, day: date) -> bytes:
        """账务明细 (the account ledger, bill_type=signcustomer) of ``day``, in GBK: every money movement of the
        Alipay account with the balance after it; income and expense in two columns; the fee of each payment
        (收费) its own expense row; a refund an expense of 交易退款 that names the trade, not the refund request."""
        balance = 100_000
        after = day + timedelta(days=1)
        lines = ["#支付宝账务明细查询", f"#账号：[{ALIPAY_APPID}]",
                 f"#起始日期：[{day:%Y年%m月%d日} 00:00:00]   终止日期：[{after:%Y年%m月%d日} 00:00:00]",
                 "#-----------------------------------------账务明细列表----------------------------------------",
                 "账务流水号,业务流水号,商户订单号,商品名称,发生时间,对方账号,收入金额（+元）,支出金额（-元）,账户余额（元）,交易渠道,"
                 "业务类型,备注"]
        serial = 0

        def row(seen: ChannelOrderSeen, at: str, *, income: int = 0, expense: int = 0, kind: str) -> None:
            nonlocal balance, serial
            serial += 1
            balance += income - expense
            lines.append(f"{day:%Y%m%d}0{serial:09d}\t,{seen.transaction_id}\t,{seen.order_no}\t,{seen.description}\t,{at},"
                         f"159****5620\t,{income / 100:.2f},{-expense / 100:.2f},{balance / 100:.2f},支付宝,{kind},")

        income = expense = 0
        for seen in self.orders.values():
            if seen.paid_at is None or seen.paid_at.astimezone(CHINA).date() != day:
                continue
            at = seen.paid_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
            fee = seen.amount_fen * 6 // 1000
            row(seen, at, income=seen.amount_fen, kind="在线支付")
            row(seen, at, expense=fee, kind="收费")
            income, expense = income + seen.amount_fen, expense + fee
            for _, fen in seen.refunds:
                row(seen, at, expense=fen, kind="交易退款")
                expense += fen
        lines += ["#-----------------------------------------账务明细列表结束------------------------------------",
                  f"#支出合计：{expense / 100:.2f}元", f"#收入合计：{income / 100:.2f}元",
                  f"#导出时间：[{after:%Y年%m月%d日} 09:00:00]"]
        return "\n".join(lines).encode("gbk")

    def _answer(self, response_type: str, answer: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        inner = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
        if answer.get("code") == "40002":  # Alipay signs no answer to a request it could not verify
            raw = f'{{"error_response":{inner}}}'
        else:
            raw = f'{{"{response_type}":{inner},"sign":"{self.alipay.sign(inner.encode())}"}}'
        return 200, {"Content-Type": "text/html;charset=utf-8"}, raw.encode()



def zip_archive(members: list[tuple[str, bytes]], *, names: str = "gbk") -> bytes:
    """A deflated zip of ``members`` in their order. ``names="gbk"``: each name is written as its GBK bytes with
    the UTF-8 flag (bit 11) clear, as Alipay's archives are; ``"utf-8"``: UTF-8 bytes with the flag set.

    zipfile writes a name that is not ASCII as UTF-8 and sets the flag, so for GBK each member is first written
    under an ASCII stand-in of the same byte length, whose bytes are then replaced in the local header and the
    central directory (no checksum covers a name)."""
    buffer = io.BytesIO()
    stand_ins: list[tuple[bytes, bytes]] = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, (name, content) in enumerate(members):
            if names == "utf-8":
                archive.writestr(name, content)
                continue
            raw = name.encode("gbk")
            stand_in = f"~{n}~".ljust(len(raw), "~").encode()
            assert len(stand_in) == len(raw), "a stand-in needs the name's length"
            archive.writestr(stand_in.decode(), content)
            stand_ins.append((stand_in, raw))
    data = buffer.getvalue()
    for stand_in, raw in stand_ins:
        assert data.count(stand_in) == 2, "the stand-in must appear only as the name, twice"
        data = data.replace(stand_in, raw)
    return data
