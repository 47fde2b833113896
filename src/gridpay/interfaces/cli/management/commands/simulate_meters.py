"""`gridpay simulate-meters --meters N`: N simulated DL/T 645 meters on MQTT, standing in for the database's meters."""

import asyncio
import contextlib
import random
import signal
from argparse import ArgumentParser
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import CommandError

from gridpay.data.queries.meters import meters_in_service
from gridpay.integrations.headend import mqtt
from gridpay.integrations.headend.meter_simulator import MeterBehaviour, fleet, push_daily_frozen, run_fleet
from gridpay.interfaces.cli import clock
from gridpay.interfaces.cli.command import GridpayCommand
from gridpay.interfaces.cli.management.commands.gateway import configured_broker, embedded_address
from gridpay.interfaces.cli.output import console


class Command(GridpayCommand):
    help = "模拟表计：在 MQTT 上运行 N 只 DL/T 645 电能表，响应停复电命令、上报日冻结电量（Ctrl-C 停止）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--meters", type=int, required=True, help="表计数量（先取数据库中的在用表计）")
        parser.add_argument("--broker", help="MQTT 地址；默认 GRIDPAY_MQTT_URL，未设置则为网关的内嵌代理")
        parser.add_argument("--slow", type=float, default=0.0, help="应答缓慢的表计比例，0–1")
        parser.add_argument("--silent", type=float, default=0.0, help="从不应答的表计比例，0–1")
        parser.add_argument("--deny", type=float, default=0.0, help="拒绝命令的表计比例，0–1")
        parser.add_argument("--slow-delay", type=float, default=5.0, help="缓慢表计的应答延迟（秒）")
        parser.add_argument("--day-every", type=float, default=0.0,
                            help="每隔多少秒模拟一天：表计冻结并上报日电量（0 为不上报）")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["meters"]
        if count < 1:
            raise CommandError("--meters 应至少为 1")
        shares = {MeterBehaviour.SLOW: options["slow"], MeterBehaviour.SILENT: options["silent"],
                  MeterBehaviour.DENY: options["deny"]}
        if any(not 0 <= share <= 1 for share in shares.values()) or sum(shares.values()) > 1:
            raise CommandError("--slow、--silent、--deny 应为 0 到 1 之间的比例，且合计不超过 1")
        known = meters_in_service(limit=count)
        addresses = [m.address for m in known] + [f"9{n:011d}" for n in range(count - len(known))]
        rng = random.Random(options["seed"])
        behaviours = {}
        for address in addresses:
            draw, edge = rng.random(), 0.0
            for behaviour, share in shares.items():
                edge += share
                if draw < edge:
                    behaviours[address] = behaviour
                    break
        meters = fleet(addresses=addresses, behaviours=behaviours, seed=options["seed"],
                       start_kwh={m.address: m.total_kwh for m in known})
        for meter, record in zip(meters, known, strict=False):
            meter.relay_open = record.relay_open
        broker = configured_broker(options["broker"]) or embedded_address()
        console.print(
            f"模拟表计 {len(meters)} 只（数据库中的 {len(known)} 只），缓慢 {_count(behaviours, 'slow')}、"
            f"不应答 {_count(behaviours, 'silent')}、拒绝 {_count(behaviours, 'deny')}；连接 {broker.url}"
        )
        try:
            asyncio.run(self._run(meters, broker, options))
        except OSError as error:
            raise CommandError(f"无法连接 MQTT 代理 {broker.url}：{error}（先启动 gridpay gateway？）") from None

    async def _run(self, meters: list[Any], broker: mqtt.BrokerAddress, options: dict[str, Any]) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)
        zone = ZoneInfo(str(settings.GRIDPAY["BUSINESS_TIME_ZONE"]))

        def now_local() -> datetime:
            return clock.now().astimezone(zone)

        serving = asyncio.create_task(
            run_fleet(meters=meters, broker=broker, now_local=now_local, slow_delay_s=options["slow_delay"], stop=stop)
        )
        if options["day_every"] > 0:
            async with mqtt.connect(broker, identifier="gridpay-simulator-days") as client:
                while not stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=options["day_every"])
                    if not stop.is_set():
                        sent = await push_daily_frozen(client=client, meters=meters)
                        console.print(f"日冻结上报 {sent} 只表计")
        await serving
        console.print(f"模拟表计已停止：共执行 {sum(m.commands_obeyed for m in meters)} 条命令")


def _count(behaviours: dict[str, MeterBehaviour], kind: str) -> int:
    return sum(1 for b in behaviours.values() if b == kind)
