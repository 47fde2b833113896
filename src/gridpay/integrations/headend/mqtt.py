"""MQTT for the head-end: topics per meter, broker addresses, a client, and the embedded broker (amqtt).

Frames travel as raw DL/T 645 bytes, QoS 1, MQTT 3.1.1 only, so Mosquitto and amqtt both serve.
"""

import asyncio
import contextlib
import errno
import logging
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlparse

import aiomqtt

TOPIC_ROOT = "gridpay/meter"
DOWN_WILDCARD = f"{TOPIC_ROOT}/+/down"  # gateway → meter
UP_WILDCARD = f"{TOPIC_ROOT}/+/up"  # meter → gateway


def down_topic(address: str) -> str:
    return f"{TOPIC_ROOT}/{address}/down"


def up_topic(address: str) -> str:
    return f"{TOPIC_ROOT}/{address}/up"


def address_of(topic: str) -> str:
    parts = topic.split("/")
    if len(parts) != 4 or "/".join(parts[:2]) != TOPIC_ROOT:
        raise ValueError(f"不是表计主题：{topic}")
    return parts[2]


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"


def parse_broker_url(url: str) -> BrokerAddress:
    parsed = urlparse(url)
    if parsed.scheme != "mqtt" or not parsed.hostname:
        raise ValueError(f"MQTT 地址应为 mqtt://主机:端口，而不是 {url!r}")
    try:
        port = parsed.port or 1883
    except ValueError:
        raise ValueError(f"MQTT 地址的端口不正确：{url!r}") from None
    return BrokerAddress(host=parsed.hostname, port=port)


def connect(broker: BrokerAddress, *, identifier: str, clean_session: bool = True) -> aiomqtt.Client:
    """A client for ``async with``; 3.1.1, no limit on queued messages (a run of 100 000).

    ``clean_session=False``: the broker keeps the client's subscriptions and queues its QoS 1 messages while it
    is away, delivering them when it connects again under the same ``identifier``."""
    client = aiomqtt.Client(
        broker.host,
        broker.port,
        identifier=identifier,
        protocol=aiomqtt.ProtocolVersion.V311,
        clean_session=clean_session,
        keepalive=30,
        timeout=10,
        max_queued_incoming_messages=0,
        max_queued_outgoing_messages=0,
        max_inflight_messages=1_000,
    )
    client.pending_calls_threshold = 5_000  # a disconnection run keeps hundreds in flight on purpose
    return client


_ERRNO_TEXTS = {
    errno.ECONNREFUSED: "连接被拒绝，代理未运行或端口不对",
    errno.ECONNRESET: "连接被代理重置",
    errno.ETIMEDOUT: "连接超时",
    errno.EHOSTUNREACH: "主机不可达",
    errno.ENETUNREACH: "网络不可达",
    errno.EPIPE: "连接已断开",
}
_MESSAGE_TEXTS = {
    "timed out": "连接超时",
    "Operation timed out": "代理未在时限内应答",
    "Disconnected during message iteration": "连接中断",
    "Unexpected disconnection": "连接中断",
    "Name or service not known": "找不到该主机",
    "Temporary failure in name resolution": "暂时无法解析主机名",
    "Not authorized": "代理拒绝连接：未授权",
    "Bad user name or password": "代理拒绝连接：用户名或密码错误",
    "Identifier rejected": "代理拒绝连接：客户端标识无效",
    "Server unavailable": "代理暂不可用",
}


def describe_error(error: BaseException) -> str:
    """What went wrong with the broker, in Chinese for the log and the heartbeat (aiomqtt gives paho's or the
    socket's English text), with that text kept after it."""
    text = str(error) or type(error).__name__
    number = re.search(r"\[Errno (-?\d+)\]", text)
    if number and int(number.group(1)) in _ERRNO_TEXTS:
        return f"{_ERRNO_TEXTS[int(number.group(1))]}（{text}）"
    for english, chinese in _MESSAGE_TEXTS.items():
        if english in text:
            return f"{chinese}（{text}）"
    return f"MQTT 出错（{text}）"


@contextlib.asynccontextmanager
async def embedded_broker(*, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[BrokerAddress]:
    """An amqtt broker in this event loop, for a town on one machine; port 0 takes a free port."""
    from amqtt.broker import Broker

    if port == 0:
        port = _free_port(host)
    else:
        _refuse_taken(host, port)
    for name in ("amqtt", "transitions"):
        logging.getLogger(name).setLevel(logging.WARNING)  # a line per packet otherwise
    broker = Broker(
        {
            "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        }
    )
    await broker.start()
    try:
        yield BrokerAddress(host=host, port=port)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(broker.shutdown(), timeout=10)


def _refuse_taken(host: str, port: int) -> None:
    """A port another process listens on, said plainly before the broker tries it (amqtt would log a traceback, then
    raise an error of its own in English)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the broker's own listener: TIME_WAIT is free
        try:
            probe.bind((host, port))
        except OSError as error:
            raise OSError(error.errno, f"{host}:{port} 已被另一个进程占用（另一个网关，或 gridpay demo --serve 的"
                          "内嵌代理？）：停掉它，或用 GRIDPAY_EMBEDDED_MQTT_PORT 换一个端口") from None


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
