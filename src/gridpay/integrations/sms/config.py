"""Reading a vendor's SMS settings (GRIDPAY_SMS_*, GRIDPAY_ALIYUN_*, GRIDPAY_TENCENT_*): what every provider needs."""

from collections.abc import Mapping


def required(config: Mapping[str, str], key: str) -> str:
    value = config.get(key, "")
    if not value:
        raise ValueError(f"短信服务配置缺少 {key}")
    return value


def template_codes(config: Mapping[str, str]) -> dict[str, str]:
    """``GRIDPAY_SMS_TEMPLATES=arrears=SMS_1,disconnected=SMS_2``: gridpay's template names to the vendor's."""
    codes = {}
    for pair in filter(None, (p.strip() for p in required(config, "GRIDPAY_SMS_TEMPLATES").split(","))):
        name, _, code = pair.partition("=")
        if not code:
            raise ValueError(f"GRIDPAY_SMS_TEMPLATES 的每一项应为 名称=模板编号，而不是 {pair!r}")
        codes[name.strip()] = code.strip()
    return codes
