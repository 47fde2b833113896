"""Tencent Cloud SMS (sms 2021-01-11, SendSms) through its SDK; vendor errors become SmsFailed."""

from collections.abc import Mapping

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from gridpay.integrations.sms.config import required, template_codes
from gridpay.integrations.sms.provider import SmsFailed, SmsMessage

DEFAULT_ENDPOINT = "sms.tencentcloudapi.com"
RETRYABLE_PREFIXES = (
    "LimitExceeded", "RequestLimitExceeded", "InternalError", "ClientNetworkError", "ServerNetworkError"
)


class TencentSmsProvider:
    def __init__(self, *, client: sms_client.SmsClient, app_id: str, sign_name: str, templates: Mapping[str, str]):
        self._client, self._app_id, self._sign_name, self._templates = client, app_id, sign_name, dict(templates)

    @classmethod
    def from_config(cls, config: Mapping[str, str]) -> "TencentSmsProvider":
        endpoint = config.get("GRIDPAY_TENCENT_SMS_ENDPOINT") or DEFAULT_ENDPOINT
        protocol = "http" if endpoint.startswith("http://") else "https"
        profile = ClientProfile(
            httpProfile=HttpProfile(
                protocol=protocol, endpoint=endpoint.removeprefix("http://").removeprefix("https://"), reqTimeout=10
            )
        )
        client = sms_client.SmsClient(
            credential.Credential(required(config, "GRIDPAY_TENCENT_SECRET_ID"),
                                  required(config, "GRIDPAY_TENCENT_SECRET_KEY")),
            config.get("GRIDPAY_TENCENT_SMS_REGION") or "ap-guangzhou",
            profile,
        )
        return cls(client=client, app_id=required(config, "GRIDPAY_TENCENT_SMS_APP_ID"),
                   sign_name=required(config, "GRIDPAY_SMS_SIGN_NAME"), templates=template_codes(config))

    def send(self, message: SmsMessage) -> str:
        template = self._templates.get(message.kind)
        if template is None:
            raise SmsFailed(code="no_template", message=f"腾讯云短信未配置模板 {message.kind}", retryable=False)
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [message.phone if message.phone.startswith("+") else f"+86{message.phone}"]
        request.SmsSdkAppId = self._app_id
        request.SignName = self._sign_name
        request.TemplateId = template
        request.TemplateParamSet = [value for _, value in message.params]
        try:
            response = self._client.SendSms(request)
        except TencentCloudSDKException as error:
            code = str(error.code or "unknown")
            raise SmsFailed(code=code, message=str(error.message or "")[:200],
                            retryable=code.startswith(RETRYABLE_PREFIXES)) from None
        status = response.SendStatusSet[0]
        if status.Code != "Ok":
            raise SmsFailed(code=status.Code, message=status.Message or "",
                            retryable=status.Code.startswith(RETRYABLE_PREFIXES))
        return str(status.SerialNo)
