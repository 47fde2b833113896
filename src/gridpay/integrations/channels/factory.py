"""Builds the online channel adapters from GRIDPAY_WECHATPAY_* / GRIDPAY_ALIPAY_* settings (see README), and the
demo's channel (演示支付) where, and only where, it may be used."""

from collections.abc import Mapping

from gridpay.domain.texts import gettext_noop
from gridpay.integrations.channels.demo_channel import DemoChannel
from gridpay.integrations.channels.online import ChannelNotConfigured, OnlineChannel

ONLINE_CHANNELS = ("wechat", "alipay")
_built: dict[tuple[str, frozenset[tuple[str, str]]], OnlineChannel] = {}
_demo = DemoChannel()  # one per process: its key signs and checks the notifications of this process's demo payments


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


def build_demo_channel(config: Mapping[str, str], *, enabled: bool) -> DemoChannel:
    """演示支付 (ADR 0026): where the settings say this is a demo (``enabled``, GRIDPAY_DEMO_PAYMENTS) and no real
    channel is configured, not even in part; ChannelNotConfigured otherwise, so a station set up to take real money
    never credits a payment nobody made."""
    if not enabled:
        raise ChannelNotConfigured(gettext_noop("演示支付只用于演示（GRIDPAY_DEMO_PAYMENTS），这里没有开启"),
                                   field="channel")
    if any(value.strip() for value in config.values()):
        raise ChannelNotConfigured(gettext_noop("这里已配置真实的交费渠道：不能使用演示支付"), field="channel")
    return _demo
