"""Builds the online channel adapters from GRIDPAY_WECHATPAY_* / GRIDPAY_ALIPAY_* settings (see README)."""

from collections.abc import Mapping

from gridpay.integrations.channels.online import OnlineChannel

ONLINE_CHANNELS = ("wechat", "alipay")
_built: dict[tuple[str, frozenset[tuple[str, str]]], OnlineChannel] = {}


def build_online_channel(name: str, config: Mapping[str, str]) -> OnlineChannel:
    """The adapter for ``name``; ValueError (in Chinese) when the channel is unknown or not configured.

    Adapters are kept per configuration: loading keys on every notification would cost more than verifying it.
    """
    key = (name, frozenset(config.items()))
    if key not in _built:
        _built[key] = _build(name, config)
    return _built[key]


def _build(name: str, config: Mapping[str, str]) -> OnlineChannel:
    if name == "wechat":
        from gridpay.integrations.channels.wechat_pay import WeChatPayChannel, WeChatPayConfig

        return WeChatPayChannel(WeChatPayConfig.from_settings(config))
    if name == "alipay":
        from gridpay.integrations.channels.alipay import AlipayChannel, AlipayConfig

        return AlipayChannel(AlipayConfig.from_settings(config))
    raise ValueError(f"在线支付渠道应为 wechat 或 alipay，而不是 {name!r}")
