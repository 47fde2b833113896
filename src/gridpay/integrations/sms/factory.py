"""Builds the configured SMS provider from GRIDPAY_SMS_* style settings (see README)."""

from collections.abc import Mapping
from pathlib import Path

from gridpay.integrations.sms.local import ConsoleSmsProvider, FileSmsProvider
from gridpay.integrations.sms.provider import SmsProvider

DEFAULT_FILE = "gridpay-sms.jsonl"


def build_provider(config: Mapping[str, str]) -> SmsProvider:
    kind = config.get("GRIDPAY_SMS_PROVIDER", "file") or "file"
    if kind == "file":
        return FileSmsProvider(Path(config.get("GRIDPAY_SMS_FILE") or DEFAULT_FILE))
    if kind == "console":
        return ConsoleSmsProvider()
    if kind == "aliyun":
        from gridpay.integrations.sms.aliyun import AliyunSmsProvider

        return AliyunSmsProvider.from_config(config)
    if kind == "tencent":
        from gridpay.integrations.sms.tencent import TencentSmsProvider

        return TencentSmsProvider.from_config(config)
    raise ValueError(f"GRIDPAY_SMS_PROVIDER 应为 file、console、aliyun 或 tencent，而不是 {kind!r}")

