"""`gridpay simulate-meters --meters N`: N simulated DL/T 645 meters on MQTT, standing in for the database's meters."""

import asyncio
import contextlib
import random
import signal
from argparse import ArgumentParser
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import CommandError

from gridpay.data.queries.meters import meters_in_service
from gridpay.data.settings import gridpay_settings
from gridpay.integrations.headend import mqtt
from gridpay.integrations.headend.dlt645_reads import FREEZE_DEPTH
from gridpay.integrations.headend.meter_simulator import MeterBehaviour, fleet, freeze_fleet, run_fleet
from gridpay.interfaces import clock
from gridpay.interfaces.broker import configured_broker, embedded_address
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console


class Command(GridpayCommand):
    help = "模拟表计：在 MQTT 上运行 N 只 DL/T 645 电能表，只应答网关：停复电命令、状态与日冻结召测（Ctrl-C 停止）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--meters", type=int, required=True, help="表计数量（先取数据库中的在用表计）")
        parser.add_argument("--broker", help="MQTT 地址；默认 GRIDPAY_MQTT_URL，未设置则为网关的内嵌代理")
        parser.add_argument("--slow", type=float, default=0.0, help="应答缓慢的表计比例，0–1")
        parser.add_argument("--silent", type=float, default=0.0, help="从不应答的表计比例，0–1")
        parser.add_argument("--deny", type=float, default=0.0, help="拒绝命令的表计比例，0–1")
        parser.add_argument("--slow-delay", type=float, default=5.0, help="缓慢表计的应答延迟（秒）")
        parser.add_argument("--history", type=int, default=7,
                            help="启动时表计已存的日冻结天数（1–62），网关按需补召；此后每到零点冻结一次")
        parser.add_argument("--lost-days", type=float, default=0.0,
                            help="每次冻结时漏冻的表计比例，0–1（零点失电，需网关补召或列为缺数）")
        parser.add_argument("--press-after", type=float, default=None, metavar="SECONDS",
                            help="允许合闸（1B）后模拟用户多少秒按合闸按钮；默认每户 5–180 分钟不等")
        parser.add_argument("--embedded-broker", action="store_true",
                            help="本进程运行内嵌 MQTT 代理（GRIDPAY_EMBEDDED_MQTT_PORT），网关再用 --broker 连接它："
                                 "表计先于网关在线，网关一连上下发的命令就有表计接收（gridpay demo --serve 即如此）")
        parser.add_argument("--seed", type=int, default=1, help="随机数种子：同一种子，同样的表计行为")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["meters"]
        if count < 1:
            raise CommandError("--meters 应至少为 1")
        shares = {MeterBehaviour.SLOW: options["slow"], MeterBehaviour.SILENT: options["silent"],
                  MeterBehaviour.DENY: options["deny"]}
        if not 0 <= options["lost_days"] <= 1:
            raise CommandError("--lost-days 应为 0 到 1 之间的比例")
        if not 1 <= options["history"] <= FREEZE_DEPTH:
            raise CommandError(f"--history 应为 1 到 {FREEZE_DEPTH} 天")
        if any(not 0 <= share <= 1 for share in shares.values()) or sum(shares.values()) > 1:
            raise CommandError("--slow、--silent、--deny 应为 0 到 1 之间的比例，且合计不超过 1")
        if options["press_after"] is not None and options["press_after"] < 0:
            raise CommandError("--press-after 应为不小于 0 的秒数")
        if options["embedded_broker"] and options["broker"]:
            raise CommandError("--embedded-broker 与 --broker 只能选一个")
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
        if options["press_after"] is not None:
            for meter in meters:
                meter.press_after = timedelta(seconds=options["press_after"])
        zone = gridpay_settings().zone

        def now_local() -> datetime:
            return clock.now().astimezone(zone)

        # As the database has them: a disconnected meter's relay open by command, and one whose close was permitted
        # (1B) open but waiting for its customer to press the button.
        for meter, record in zip(meters, known, strict=False):
            meter.relay_open = meter.command_open = record.relay_open
            meter.direct_close, meter.rates = record.direct_close, record.rates
            if record.close_permitted:
                meter.permit_close(at=now_local())
        embedded = options["embedded_broker"]
        broker = embedded_address() if embedded else configured_broker(options["broker"]) or embedded_address()
        console.print(
            f"模拟表计 {len(meters)} 只（数据库中的 {len(known)} 只，停电 {sum(m.relay_open for m in meters)} 只、"
            f"其中允许合闸待用户按键 {sum(r.close_permitted for r in known)} 只），缓慢 {_count(behaviours, 'slow')}、"
            f"不应答 {_count(behaviours, 'silent')}、拒绝 {_count(behaviours, 'deny')}；"
            f"{'内嵌代理' if embedded else '连接'} {broker.url}"
        )
        read_through = {record.address: record.read_through for record in known}
        try:
            asyncio.run(self._run(meters, broker, options, read_through, now_local))
        except OSError as error:
            if embedded:  # the port taken: one line naming GRIDPAY_EMBEDDED_MQTT_PORT
                raise CommandError(f"内嵌 MQTT 代理启动失败：{error}") from None
            raise CommandError(f"无法连接 MQTT 代理 {broker.url}：{error}（先启动 gridpay gateway？）") from None

    async def _run(
        self, meters: list[Any], broker: mqtt.BrokerAddress, options: dict[str, Any], read_through: dict[str, date],
        now_local: Callable[[], datetime],
    ) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)
        async with contextlib.AsyncExitStack() as stack:
            if options["embedded_broker"]:
                broker = await stack.enter_async_context(mqtt.embedded_broker(host=broker.host, port=broker.port))
            await self._serve(meters, broker, options, read_through, now_local=now_local, stop=stop)

    async def _serve(
        self, meters: list[Any], broker: mqtt.BrokerAddress, options: dict[str, Any], read_through: dict[str, date],
        *, now_local: Callable[[], datetime], stop: asyncio.Event,
    ) -> None:
        rng = random.Random(options["seed"])
        midnight = datetime.combine(now_local().date(), time.min)
        for back in range(options["history"], 0, -1):  # the freezes the meters already keep
            at = midnight - timedelta(days=back - 1)
            # Up to the day the database has read, the registers are what it read; the meters use after that.
            read = {m.address for m in meters if at.date() - timedelta(days=1) <= read_through.get(m.address, date.min)}
            unread = [m for m in meters if m.address not in read]
            for meter in meters:
                if meter.address in read:
                    meter.freeze_day(at=at, kwh=Decimal(0))
            freeze_fleet(unread, at=at, lost_share=options["lost_days"], rng=rng)
        ready = asyncio.Event()
        serving = asyncio.create_task(run_fleet(meters=meters, broker=broker, now_local=now_local,
                                                slow_delay_s=options["slow_delay"], ready=ready, stop=stop))
        connected = asyncio.create_task(ready.wait())
        await asyncio.wait([serving, connected], return_when=asyncio.FIRST_COMPLETED)
        connected.cancel()
        if serving.done():
            await serving  # it could not connect: its error is the command's
        console.print(f"模拟表计已连接 {broker.url}，等待网关的命令与召测（Ctrl-C 停止）")
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=30)
            if now_local().replace(tzinfo=None) >= midnight + timedelta(days=1):
                # Meters only answer: what they freeze at midnight waits for the gateway's daily reads.
                midnight += timedelta(days=1)
                frozen = freeze_fleet(meters, at=midnight, lost_share=options["lost_days"], rng=rng)
                console.print(f"零点日冻结 {frozen} 只表计（漏冻 {len(meters) - frozen} 只），等待网关召测")
        await serving
        console.print(f"模拟表计已停止：共执行 {sum(m.commands_obeyed for m in meters)} 条命令")


def _count(behaviours: dict[str, MeterBehaviour], kind: str) -> int:
    return sum(1 for b in behaviours.values() if b == kind)
