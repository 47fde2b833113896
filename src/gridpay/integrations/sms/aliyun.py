"""Aliyun SMS (dysmsapi 2017-05-25, SendSms) through its SDK; vendor errors become SmsFailed."""

import json
from collections.abc import Mapping
from typing import Any

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import models as openapi_models
from alibabacloud_tea_util import models as util_models

from gridpay.integrations.sms.config import required, template_codes
from gridpay.integrations.sms.provider import SmsFailed, SmsMessage

DEFAULT_ENDPOINT = "dysmsapi.aliyuncs.com"
# Codes worth another try later: flow control and the vendor's own trouble.
RETRYABLE = {"isv.BUSINESS_LIMIT_CONTROL", "Throttling", "Throttling.User", "ServiceUnavailable", "InternalError"}


class AliyunSmsProvider:
    def __init__(self, *, client: Client, sign_name: str, templates: Mapping[str, str]) -> None:
        self._client, self._sign_name, self._templates = client, sign_name, dict(templates)

    @classmethod
    def from_config(cls, config: Mapping[str, str]) -> "AliyunSmsProvider":
        endpoint = config.get("GRIDPAY_ALIYUN_SMS_ENDPOINT") or DEFAULT_ENDPOINT
        protocol = "http" if endpoint.startswith("http://") else "https"
        client = Client(
            openapi_models.Config(
                access_key_id=required(config, "GRIDPAY_ALIYUN_ACCESS_KEY_ID"),
                access_key_secret=required(config, "GRIDPAY_ALIYUN_ACCESS_KEY_SECRET"),
                endpoint=endpoint.removeprefix("http://").removeprefix("https://"),
                protocol=protocol,
                connect_timeout=5_000,
                read_timeout=10_000,
            )
        )
        return cls(client=client, sign_name=required(config, "GRIDPAY_SMS_SIGN_NAME"), templates=template_codes(config))

    def send(self, message: SmsMessage) -> str:
        template = self._templates.get(message.kind)
        if template is None:
            raise SmsFailed(code="no_template", message=f"阿里云短信未配置模板 {message.kind}", retryable=False)
        request = sms_models.SendSmsRequest(
            phone_numbers=message.phone, sign_name=self._sign_name, template_code=template,
            template_param=json.dumps(dict(message.params), ensure_ascii=False),
        )
        try:
            response = self._client.send_sms_with_options(request, util_models.RuntimeOptions(autoretry=False))
        except Exception as error:  # the SDK raises its own exception types, and network errors
            raise _translated(error) from None
        body = response.body
        if body.code != "OK":
            raise SmsFailed(code=body.code, message=body.message or "", retryable=body.code in RETRYABLE)
        return str(body.biz_id)


def _translated(error: Exception) -> SmsFailed:
    code: Any = getattr(error, "code", None)
    status: Any = getattr(error, "status_code", None) or getattr(error, "statusCode", None)
    message = str(getattr(error, "message", "") or error)[:200]
    if code is None:
        return SmsFailed(code="network", message=message, retryable=True)  # connection refused, timeout
    retryable = str(code) in RETRYABLE or (isinstance(status, int) and status >= 500)
    return SmsFailed(code=str(code), message=message, retryable=retryable)
