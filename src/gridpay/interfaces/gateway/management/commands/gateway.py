"""`gridpay gateway`: the head-end process carrying meter commands and readings over MQTT."""

import asyncio
import contextlib
import signal
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.db import connection

from gridpay.application.supply.head_end import HeadEnd
from gridpay.data.settings import gridpay_settings
from gridpay.integrations.headend import mqtt
from gridpay.integrations.headend.meter_link import Credentials
from gridpay.interfaces import clock
from gridpay.interfaces.broker import configured_broker, embedded_address
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.gateway.backoff import ReconnectBackoff
from gridpay.interfaces.gateway.run import Gateway
from gridpay.interfaces.output import console


def head_end() -> HeadEnd:
    return HeadEnd(
        credentials=Credentials(
            password=gridpay_settings().meter_password,
            operator=gridpay_settings().meter_operator,
            meter_zone=gridpay_settings().business_time_zone,
        )
    )


class Command(GridpayCommand):
    help = "运行采集网关：经 MQTT 向表计下发停复电命令、接收应答与日冻结读数（Ctrl-C 停止）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--broker", help="MQTT 地址 mqtt://主机:端口；默认 GRIDPAY_MQTT_URL，未设置则内嵌代理")
        parser.add_argument("--no-daily-reads", action="store_true",
                            help="不召测日冻结读数（另有采集系统导入读数时）")
        parser.add_argument("--name", help="网关实例名（MQTT 客户端标识，代理按它保留会话）；"
                                           "默认 GRIDPAY_GATEWAY_NAME，未设置则每次启动按主机、进程号与随机数生成")

    def handle(self, *args: Any, **options: Any) -> None:
        broker = configured_broker(options["broker"])
        name = options["name"] or gridpay_settings().gateway_name or None
        try:
            asyncio.run(self._serve(broker, name, daily_reads=not options["no_daily_reads"]))
        except OSError as error:  # the embedded broker's port taken: the broker itself is waited for, not refused
            raise CommandError(f"内嵌 MQTT 代理启动失败：{error}") from None
        # GatewayTaskDied (a loop of the gateway died) goes on to `gridpay`'s own handler: one Chinese line, the
        # traceback in a log file, exit status 1, for the service manager to start the gateway again.

    async def _serve(self, broker: mqtt.BrokerAddress | None, name: str | None, *, daily_reads: bool) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)
        async with contextlib.AsyncExitStack() as stack:
            if broker is None:
                wanted = embedded_address()
                broker = await stack.enter_async_context(mqtt.embedded_broker(host=wanted.host, port=wanted.port))
                console.print(f"内嵌 MQTT 代理已启动：mqtt://{broker.host}:{broker.port}")
            # PostgreSQL wakes the gateway by NOTIFY; SQLite cannot tell another process, so it looks often.
            poll_s = 0.2 if connection.vendor == "sqlite" else 1.0
            gateway = Gateway(broker=broker, head_end=head_end(), clock=clock.now, poll_s=poll_s, instance=name,
                              wave_meters=500 if daily_reads else 0, heartbeat_s=gridpay_settings().gateway_heartbeat_s,
                              backoff=ReconnectBackoff(max_s=gridpay_settings().gateway_reconnect_max_s))
            console.print(f"采集网关 {gateway.client_id} 正在连接 MQTT 代理 mqtt://{broker.host}:{broker.port}"
                          "（连不上时按退避间隔一直重试，Ctrl-C 停止）")
            ready = asyncio.Event()
            task = asyncio.create_task(gateway.run(stop=stop, ready=ready))
            connected = asyncio.create_task(ready.wait())
            await asyncio.wait([task, connected], return_when=asyncio.FIRST_COMPLETED)
            connected.cancel()
            if ready.is_set():
                console.print(f"采集网关已连接 mqtt://{broker.host}:{broker.port}，等待命令与表计应答（Ctrl-C 停止）")
            await task
        stats = gateway.stats
        held_back = f"（应答未记录完而暂缓 {stats.waves_held_back} 波）" if stats.waves_held_back else ""
        console.print(f"网关已停止：下发 {stats.published} 帧，收到 {stats.received} 帧，"
                      f"确认 {stats.confirmed} 条命令，召测日冻结 {stats.reads_asked} 帧{held_back}、"
                      f"存入读数 {stats.readings_stored} 条；"
                      f"与代理断线 {stats.connection_losses} 次，重连 {stats.reconnects} 次")
