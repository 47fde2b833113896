"""The SMS providers against a local server that plays Aliyun and Tencent Cloud and checks their request signing
(ACS3-HMAC-SHA256 and TC3-HMAC-SHA256, recomputed here from the raw request with the test secret)."""

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from gridpay.integrations.sms.factory import build_provider
from gridpay.integrations.sms.local import FileSmsProvider
from gridpay.integrations.sms.provider import SmsFailed, SmsMessage

SECRET = "test-secret-key"
MESSAGE = SmsMessage(
    phone="13900001111", kind="arrears",
    params=(("account_no", "3301000001"), ("available_yuan", "-12.30"), ("disconnect_day", "3月17日")),
    text="您的户号3301000001已欠费……",
)


def acs3_signature_ok(method: str, path: str, headers: dict[str, str], body: bytes, secret: str) -> bool:
    """Aliyun's V3 signature: the canonical request from what arrived, HMAC-SHA256 with the secret."""
    authorization = headers["authorization"]
    algorithm, _, fields = authorization.partition(" ")
    parts = dict(part.split("=", 1) for part in fields.split(","))
    signed = parts["SignedHeaders"].split(";")
    url = urlsplit(path)
    query = sorted(parse_qsl(url.query, keep_blank_values=True))
    canonical_query = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in query)
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in signed)
    payload_hash = hashlib.sha256(body).hexdigest()
    if headers.get("x-acs-content-sha256") != payload_hash:
        return False
    canonical = "\n".join(
        [method, url.path or "/", canonical_query, canonical_headers, ";".join(signed), payload_hash]
    )
    to_sign = f"{algorithm}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    expected = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return algorithm == "ACS3-HMAC-SHA256" and hmac.compare_digest(expected, parts["Signature"])


def tc3_signature_ok(headers: dict[str, str], body: bytes, secret: str) -> bool:
    """Tencent Cloud's TC3-HMAC-SHA256: a key derived per day and service signs the canonical request."""
    algorithm, _, fields = headers["authorization"].partition(" ")
    parts = dict(part.strip().split("=", 1) for part in fields.split(","))
    _, day, service, _ = parts["Credential"].split("/")
    signed = parts["SignedHeaders"].split(";")
    canonical_headers = "".join(f"{name}:{headers[name].strip().lower() if name == 'content-type' else headers[name]}\n"
                                for name in signed)
    canonical = f"POST\n/\n\n{canonical_headers}\n{';'.join(signed)}\n{hashlib.sha256(body).hexdigest()}"
    timestamp = headers["x-tc-timestamp"]
    if datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d") != day:
        return False
    to_sign = f"{algorithm}\n{timestamp}\n{day}/{service}/tc3_request\n{hashlib.sha256(canonical.encode()).hexdigest()}"

    def sign(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    key = sign(sign(sign(f"TC3{secret}".encode(), day), service), "tc3_request")
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return algorithm == "TC3-HMAC-SHA256" and hmac.compare_digest(expected, parts["Signature"])


class VendorServer:
    """Answers as the vendor would; ``mode`` picks success or a business error; records what it saw."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.seen: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if "x-tc-action" in headers:
                    status, answer = server.tencent(headers, body)
                else:
                    status, answer = server.aliyun(self.command, self.path, headers, body)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def aliyun(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        if not acs3_signature_ok(method, path, headers, body, SECRET):
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "signature mismatch", "RequestId": "r1"}
        fields = dict(parse_qsl(urlsplit(path).query)) | dict(parse_qsl(body.decode()))
        self.seen.append({"vendor": "aliyun", "action": headers.get("x-acs-action"), **fields})
        if self.mode == "throttled":
            return 200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控", "RequestId": "r2"}
        return 200, {"Code": "OK", "Message": "OK", "BizId": "biz-123", "RequestId": "r3"}

    def tencent(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        if not tc3_signature_ok(headers, body, SECRET):
            error = {"Code": "AuthFailure.SignatureFailure", "Message": "signature mismatch"}
            return 200, {"Response": {"Error": error, "RequestId": "t1"}}
        self.seen.append({"vendor": "tencent", "action": headers["x-tc-action"], **json.loads(body)})
        if self.mode == "throttled":
            error = {"Code": "RequestLimitExceeded", "Message": "too many requests"}
            return 200, {"Response": {"Error": error, "RequestId": "t2"}}
        status = {"SerialNo": "serial-9", "PhoneNumber": "+8613900001111", "Code": "Ok", "Message": "send success"}
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": "t3"}}


@pytest.fixture
def vendor() -> Iterator[VendorServer]:
    server = VendorServer()
    yield server
    server.httpd.shutdown()


def aliyun_config(port: int, secret: str = SECRET) -> dict[str, str]:
    return {
        "GRIDPAY_SMS_PROVIDER": "aliyun", "GRIDPAY_ALIYUN_ACCESS_KEY_ID": "test-id",
        "GRIDPAY_ALIYUN_ACCESS_KEY_SECRET": secret, "GRIDPAY_ALIYUN_SMS_ENDPOINT": f"http://127.0.0.1:{port}",
        "GRIDPAY_SMS_SIGN_NAME": "码头供电所", "GRIDPAY_SMS_TEMPLATES": "arrears=SMS_100,disconnected=SMS_101",
    }


def tencent_config(port: int, secret: str = SECRET) -> dict[str, str]:
    return {
        "GRIDPAY_SMS_PROVIDER": "tencent", "GRIDPAY_TENCENT_SECRET_ID": "test-id", "GRIDPAY_TENCENT_SECRET_KEY": secret,
        "GRIDPAY_TENCENT_SMS_APP_ID": "1400000001", "GRIDPAY_TENCENT_SMS_ENDPOINT": f"http://127.0.0.1:{port}",
        "GRIDPAY_SMS_SIGN_NAME": "码头供电所", "GRIDPAY_SMS_TEMPLATES": "arrears=2000001",
    }


def test_aliyun_sends_a_signed_request_with_the_template_and_params(vendor: VendorServer) -> None:
    assert build_provider(aliyun_config(vendor.port)).send(MESSAGE) == "biz-123"
    (seen,) = vendor.seen
    assert seen["action"] == "SendSms"
    assert (seen["PhoneNumbers"], seen["SignName"], seen["TemplateCode"]) == ("13900001111", "码头供电所", "SMS_100")
    assert json.loads(seen["TemplateParam"]) == {"account_no": "3301000001", "available_yuan": "-12.30",
                                                 "disconnect_day": "3月17日"}


def test_tencent_sends_a_signed_request_with_the_params_in_template_order(vendor: VendorServer) -> None:
    assert build_provider(tencent_config(vendor.port)).send(MESSAGE) == "serial-9"
    (seen,) = vendor.seen
    assert seen["action"] == "SendSms"
    assert seen["PhoneNumberSet"] == ["+8613900001111"] and seen["TemplateId"] == "2000001"
    assert seen["TemplateParamSet"] == ["3301000001", "-12.30", "3月17日"]
    assert (seen["SmsSdkAppId"], seen["SignName"]) == ("1400000001", "码头供电所")


@pytest.mark.parametrize("config", [aliyun_config, tencent_config])
def test_a_wrong_secret_is_refused_by_the_signature_check_and_not_retried(vendor: VendorServer, config: Any) -> None:
    with pytest.raises(SmsFailed) as refused:
        build_provider(config(vendor.port, secret="wrong")).send(MESSAGE)
    assert not refused.value.retryable and "Signature" in refused.value.code
    assert vendor.seen == []


@pytest.mark.parametrize("config", [aliyun_config, tencent_config])
def test_throttling_and_an_unreachable_vendor_are_retryable(vendor: VendorServer, config: Any) -> None:
    vendor.mode = "throttled"
    with pytest.raises(SmsFailed) as throttled:
        build_provider(config(vendor.port)).send(MESSAGE)
    assert throttled.value.retryable
    vendor.httpd.shutdown()
    vendor.httpd.server_close()
    with pytest.raises(SmsFailed) as unreachable:
        build_provider(config(vendor.port)).send(MESSAGE)
    assert unreachable.value.retryable


def test_a_kind_without_a_vendor_template_fails_for_good(vendor: VendorServer) -> None:
    with pytest.raises(SmsFailed) as failed:
        build_provider(tencent_config(vendor.port)).send(SmsMessage("139", "reconnected", (), "…"))
    assert not failed.value.retryable and vendor.seen == []


def test_the_file_provider_appends_one_json_line_per_sms(tmp_path: Path) -> None:
    path = tmp_path / "out" / "sms.jsonl"
    provider = build_provider({"GRIDPAY_SMS_FILE": str(path)})
    assert isinstance(provider, FileSmsProvider)
    provider.send(MESSAGE)
    provider.send(MESSAGE)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2 and lines[0]["text"] == MESSAGE.text and lines[0]["params"]["disconnect_day"] == "3月17日"
    assert "已欠费" in path.read_text(encoding="utf-8")  # Chinese as written, not \\u escapes


def test_missing_keys_and_unknown_providers_are_named() -> None:
    with pytest.raises(ValueError, match="GRIDPAY_ALIYUN_ACCESS_KEY_SECRET"):
        build_provider({"GRIDPAY_SMS_PROVIDER": "aliyun", "GRIDPAY_ALIYUN_ACCESS_KEY_ID": "x"})
    with pytest.raises(ValueError, match="GRIDPAY_SMS_PROVIDER"):
        build_provider({"GRIDPAY_SMS_PROVIDER": "carrier-pigeon"})
