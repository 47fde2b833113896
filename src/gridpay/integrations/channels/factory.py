"""Builds the online channel adapters from GRIDPAY_WECHATPAY_* / GRIDPAY_ALIPAY_* settings (see README)."""

from collections.abc import Mapping

from gridpay.domain.texts import gettext_noop
from gridpay.integrations.channels.online import ChannelNotConfigured, OnlineChannel

ONLINE_CHANNELS = ("wechat", "alipay")
_built: dict[tuple[str, frozenset[tuple[str, str]]], OnlineChannel] = {}


def build_online_channel(name: str, config: Mapping[str, str]) -> OnlineChannel:
    """The adapter for ``name``; ChannelNotConfigured (in Chinese) when the channel is unknown or not configured.

    Adapters are kept per configuration: loading keys on every notification would cost more than verifying it.
    """
    key = (name, frozenset(config.items()))
    if key not in _built:
        try:
            _built[key] = _build(name, config)
        except (ValueError, OSError) as error:  # a key file missing or unreadable, a key the SDK cannot load
            raise ChannelNotConfigured(str(error), field="channel") from error
    return _built[key]


def _build(name: str, config: Mapping[str, str]) -> OnlineChannel:
    if name == "wechat":
        from gridpay.integrations.channels.wechat_pay import WeChatPayChannel, WeChatPayConfig

        return WeChatPayChannel(WeChatPayConfig.from_settings(config))
    if name == "alipay":
        from gridpay.integrations.channels.alipay import AlipayChannel, AlipayConfig

        return AlipayChannel(AlipayConfig.from_settings(config))
    raise ChannelNotConfigured(gettext_noop("在线支付渠道应为 wechat 或 alipay，而不是 {name!r}"), field="channel",
                               params={"name": name})
