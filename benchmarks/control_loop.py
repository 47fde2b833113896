"""Benchmarks of the control loop over a real MQTT broker (Mosquitto by default; --broker embedded for amqtt).

1. Reconnect latency: N disconnected accounts are paid one after another (a bounded load, one
   every --gap-ms), after one paid untimed whose frame shows the gateway ready; for each, the time
   from record_payment returning (committed) to its reconnect frame arriving at a subscriber of the
   meters' topics. Prints p50/p99 and `p99_ms: X` (target ≤ 100).
2. Fan-out: a disconnection run queues a disconnect for each of M accounts in arrears; a gateway
   started afterwards publishes them all. Compared, in the same run, with the broker's raw publish
   rate: the same number of messages of the same size published by one client.
   Both are timed at the publisher, until every PUBACK is back. Prints both rates and
   `fanout_ratio: R` (target ≥ 0.5).

    python benchmarks/control_loop.py --payments 1000 --meters 100000
    python benchmarks/control_loop.py --db sqlite --broker embedded --payments 1000 --meters 20000
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from settlement import build_town, checkpoint, drop_postgres_database, recreate_postgres_database

FRAME_SIZE = 32  # a remote-control frame: 4 preamble bytes, 12 of header, 16 of data
TUESDAY_10 = datetime(2025, 3, 11, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--payments", type=int, default=1000)
    parser.add_argument("--meters", type=int, default=100_000)
    parser.add_argument("--gap-ms", type=float, default=20.0, help="between two payments")
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--broker", default="mqtt://127.0.0.1:1883", help="mqtt://host:port, or 'embedded'")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    if args.db == "postgresql":
        recreate_postgres_database(args.pg_url, "gridpay_bench_loop")
        url = args.pg_url.rsplit("/", 1)[0] + "/gridpay_bench_loop"
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='gridpay-bench-loop-')}/bench.sqlite3"
    os.environ["GRIDPAY_DATABASE_URL"] = url
    accounts = max(args.payments + 1, args.meters)
    print(f"gridpay control-loop benchmark on {args.db}, broker {args.broker}: {accounts:,} accounts")
    started = time.perf_counter()
    build_town(accounts)
    if args.db == "postgresql":
        checkpoint(args.pg_url)
    print(f"set-up: {time.perf_counter() - started:.1f} s")
    try:
        asyncio.run(run(args))
    finally:
        from django.db import connections

        connections.close_all()
        if args.db == "postgresql":
            drop_postgres_database(args.pg_url, "gridpay_bench_loop")


async def run(args: argparse.Namespace) -> None:
    from gridpay.integrations.headend import mqtt

    if args.broker == "embedded":
        async with mqtt.embedded_broker() as broker:
            await measure(args, broker)
    else:
        await measure(args, mqtt.parse_broker_url(args.broker))


async def measure(args: argparse.Namespace, broker: object) -> None:
    latencies = await reconnect_latency(broker, args.payments, args.gap_ms / 1000)
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    print(f"reconnect latency over {len(latencies):,} payments: p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
          f"max {max(latencies):.1f} ms (target p99 ≤ 100 ms)")
    print(f"p99_ms: {p99:.1f}")

    frame_size, fanout_rate, queue_s = await fan_out(broker, args.meters)
    raw_rate = await raw_rate_ceiling(broker, args.meters, frame_size)
    print(f"disconnection run: {args.meters:,} commands queued in {queue_s:.2f} s")
    print(f"fan-out: {args.meters:,} disconnect frames published by the gateway at {fanout_rate:,.0f} frames/s")
    print(f"ceiling: raw publish of {args.meters:,} messages of {frame_size} bytes by one client, QoS 1: "
          f"{raw_rate:,.0f} messages/s")
    print(f"fanout_ratio: {fanout_rate / raw_rate:.3f}")


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if p < 100 else max(values)


async def reconnect_latency(broker: object, payments: int, gap_s: float) -> list[float]:
    from django.db import connection

    from gridpay.application.payments.record_payment import record_payment
    from gridpay.data.models import Account, LedgerAccount, Meter

    def prepare() -> list[str]:  # the payments' accounts, after one paid first to see the gateway ready
        LedgerAccount.objects.filter(id__lte=payments + 1).update(balance_fen=-100)
        Account.objects.filter(id__lte=payments + 1).update(supply_state="disconnected", arrears_since=TUESDAY_10)
        Meter.objects.filter(id__lte=payments + 1).update(relay_open_reported=True, relay_open_desired=True)
        numbers = list(Account.objects.filter(id__lte=payments + 1).order_by("id").values_list("account_no",
                                                                                              flat=True))
        connection.close()
        return numbers

    account_nos = await asyncio.to_thread(prepare)
    arrivals: dict[str, float] = {}
    paid: dict[str, float] = {}

    database = ThreadPoolExecutor(max_workers=1)  # one thread, one connection, like a payment API worker
    loop = asyncio.get_running_loop()

    async def pay_all() -> None:
        def pay(n: int, account_no: str) -> None:
            now = datetime.now(UTC)  # the gateway process runs on the real clock
            record_payment(account_no=account_no, amount_fen=500, channel="counter", channel_txn_id=f"bench-{n}",
                           received_at=now, business_day=now.date())
            if n:
                paid[f"{n + 1:012d}"] = time.perf_counter()

        for n, account_no in enumerate(account_nos):
            await loop.run_in_executor(database, pay, n, account_no)
            if n == 0:  # untimed: the gateway's first claim after it starts took ~0.4 s, and the next dozen queued
                async with asyncio.timeout(60):
                    while f"{n + 1:012d}" not in arrivals:
                        await asyncio.sleep(0.005)
            await asyncio.sleep(gap_s)
        await loop.run_in_executor(database, close_connection)

    # The gateway is its own process, as in production: the payment's transaction wakes it from outside
    # (PostgreSQL NOTIFY; on SQLite a loopback datagram).
    async with gateway_process(broker), listening(broker, arrivals, len(account_nos)) as all_arrived:
        await pay_all()
        await asyncio.wait_for(all_arrived.wait(), timeout=60)
    return [(arrivals[address] - paid[address]) * 1000 for address in paid if address in arrivals]


async def fan_out(broker: object, meters: int) -> tuple[int, float, float]:
    from django.db import connection

    from gridpay.application.supply.enforce_supply import enforce_supply
    from gridpay.data.models import Account, LedgerAccount, Meter, MeterCommand

    def queue() -> float:
        MeterCommand.objects.exclude(status__in=["confirmed", "cancelled", "expired", "escalated"]).update(
            status="cancelled"
        )  # the latency run's reconnects, unanswered: no meters listen
        LedgerAccount.objects.filter(id__lte=meters).update(balance_fen=-100)  # ledger account i is account i's
        Account.objects.filter(id__lte=meters).update(
            supply_state="connected", arrears_since=TUESDAY_10.replace(day=10)
        )
        Meter.objects.filter(id__lte=meters).update(relay_open_reported=False, relay_open_desired=False)
        if connection.vendor == "postgresql":
            # The state set above stands for yesterday's, which autovacuum has long cleaned up by the 09:30 run: left
            # as it is, every row of the three tables has a dead copy from a second ago on its page, and the run's
            # updates find no room beside them (a case no morning has).
            # And yesterday's pages were written out long ago: left dirty by the set-up, a checkpoint writes them
            # out in the middle of the run.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE gridpay_ledgeraccount, gridpay_account, gridpay_meter, "
                               "gridpay_metercommand")
                cursor.execute("CHECKPOINT")
        started = time.perf_counter()
        report = enforce_supply(at=TUESDAY_10)
        seconds = time.perf_counter() - started
        assert report.queued == meters, report
        connection.close()
        return seconds

    queue_s = await asyncio.to_thread(queue)
    # Timed at the publisher (every PUBACK back), like the ceiling: Mosquitto drops QoS 1 messages
    # beyond a slow subscriber's queue (max_queued_messages), so a subscriber cannot count them all.
    all_published = asyncio.Event()
    published = 0

    def count(n: int) -> None:
        nonlocal published
        published += n
        if published >= meters:
            all_published.set()

    # From the gateway connected and subscribed, as the ceiling is timed from its client connected.
    async with gateway_running(broker, on_publish=count) as gateway:
        await asyncio.wait_for(all_published.wait(), timeout=600)
        seconds = time.perf_counter() - gateway.ready_at
    return FRAME_SIZE, meters / seconds, queue_s


async def raw_rate_ceiling(broker: object, count: int, size: int) -> float:
    from gridpay.integrations.headend import mqtt

    payload = bytes(size)
    async with mqtt.connect(broker, identifier="bench-raw-publisher") as client:  # type: ignore[arg-type]
        started = time.perf_counter()
        for start in range(0, count, 500):  # as many in flight as the gateway keeps
            await asyncio.gather(*(client.publish(f"gridpay/raw/{n:012d}/down", payload, qos=1)
                                   for n in range(start, min(start + 500, count))))
        return count / (time.perf_counter() - started)


def close_connection() -> None:
    """Run on the thread that opened it: Django connections belong to one thread."""
    from django.db import connection

    connection.close()


def clock() -> datetime:
    return TUESDAY_10


class gateway_process:  # noqa: N801 - used as a context manager
    """`gridpay gateway` in a process of its own, on the benchmark's database and broker."""

    def __init__(self, broker: object) -> None:
        self.broker = broker

    async def __aenter__(self) -> None:
        gridpay = str(Path(sys.executable).with_name("gridpay"))
        self.process = await asyncio.create_subprocess_exec(
            gridpay, "gateway", "--broker", self.broker.url, "--no-daily-reads",  # type: ignore[attr-defined]
            stdout=asyncio.subprocess.PIPE, env=os.environ.copy(),
        )
        assert self.process.stdout is not None
        while "采集网关已连接".encode() not in (
            line := await asyncio.wait_for(self.process.stdout.readline(), timeout=60)
        ):
            if not line:
                raise RuntimeError("gridpay gateway did not start")

    async def __aexit__(self, *exc: object) -> None:
        self.process.terminate()
        await self.process.wait()


class gateway_running:  # noqa: N801 - used as a context manager
    def __init__(self, broker: object, *, on_publish: Callable[[int], None] | None = None) -> None:
        self.broker, self.on_publish = broker, on_publish

    async def __aenter__(self) -> "gateway_running":
        from gridpay.application.supply.head_end import HeadEnd
        from gridpay.interfaces.gateway.run import Gateway

        self.stop, ready = asyncio.Event(), asyncio.Event()
        # Commands only: the daily reads (waves of their own, benchmarks/daily_reads.py) would share the count.
        self.gateway = Gateway(broker=self.broker, head_end=HeadEnd(), clock=clock,  # type: ignore[arg-type]
                               wave_meters=0)
        if self.on_publish is not None:
            self.gateway.stats.on_publish.append(self.on_publish)
        self.task = asyncio.create_task(self.gateway.run(stop=self.stop, ready=ready))
        await asyncio.wait_for(ready.wait(), timeout=30)
        self.ready_at = time.perf_counter()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        await self.task


class listening:  # noqa: N801 - used as a context manager
    """A subscriber stamping each meter's first down frame; its event is set once ``expected`` arrived."""

    def __init__(self, broker: object, arrivals: dict[str, float], expected: int) -> None:
        self.broker, self.arrivals, self.expected = broker, arrivals, expected
        self.done = asyncio.Event()

    async def __aenter__(self) -> asyncio.Event:
        from gridpay.integrations.headend import mqtt

        self.client = mqtt.connect(self.broker, identifier=f"bench-listener-{id(self)}")  # type: ignore[arg-type]
        await self.client.__aenter__()
        await self.client.subscribe("gridpay/meter/+/down", qos=1)
        self.task = asyncio.create_task(self._listen())
        return self.done

    async def _listen(self) -> None:
        async for message in self.client.messages:
            address = message.topic.value.split("/")[2]
            if address not in self.arrivals:
                self.arrivals[address] = time.perf_counter()
                if len(self.arrivals) >= self.expected:
                    self.done.set()

    async def __aexit__(self, *exc: object) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.client.__aexit__(None, None, None)


if __name__ == "__main__":
    main()
