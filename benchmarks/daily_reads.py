"""Benchmark of the daily reads: a polling wave over N meters that only answer, through a real MQTT broker.

N accounts read up to the 15th (benchmarks/settlement.py's town); the simulated meters (5 % silent, 2 % of them
without the night's freeze) freeze at midnight; at 00:15 on the 17th the gateway asks each for the 16th. Timed
from the gateway's start until every meter that answers has been read or found without the freeze; then the clock
is moved through the retries (10 min, 30 min, 2 h, and after) so the silent ones end as listed gaps. Prints meters
read per second at the configured wave (--wave-meters per second, 500 by default) and, in the same run, the
ceiling: one client publishing as many QoS 1 messages of a read's size to the broker.

    python benchmarks/daily_reads.py --meters 10000
    python benchmarks/daily_reads.py --meters 10000 --wave-meters 5000 --db sqlite --broker embedded
"""

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from control_loop import raw_rate_ceiling
from settlement import DAY, build_town, checkpoint, drop_postgres_database, recreate_postgres_database

SHANGHAI = ZoneInfo("Asia/Shanghai")
T = TypeVar("T")
READ_FRAME_SIZE = 20  # a read request: 4 preamble bytes, 12 of header and trailer, 4 of data identifier
METERS_PER_AREA = 200  # a transformer area's concentrator
POLL_DAY = DAY + timedelta(days=2)  # the 17th: asks for the 16th


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meters", type=int, default=10_000)
    parser.add_argument("--wave-meters", type=int, default=500, help="meters asked per wave, one wave a second")
    parser.add_argument("--silent", type=float, default=0.05)
    parser.add_argument("--lost", type=float, default=0.02)
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--broker", default="mqtt://127.0.0.1:1883", help="mqtt://host:port, or 'embedded'")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if args.db == "postgresql":
        recreate_postgres_database(args.pg_url, "gridpay_bench_reads")
        url = args.pg_url.rsplit("/", 1)[0] + "/gridpay_bench_reads"
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='gridpay-bench-reads-')}/bench.sqlite3"
    os.environ["GRIDPAY_DATABASE_URL"] = url
    print(f"gridpay daily-reads benchmark on {args.db}, broker {args.broker}: {args.meters:,} meters, "
          f"{args.silent:.0%} silent, {args.lost:.0%} without the night's freeze, waves of {args.wave_meters:,}/s")
    started = time.perf_counter()
    build_town(args.meters)
    if args.db == "postgresql":
        checkpoint(args.pg_url)
    print(f"set-up: {time.perf_counter() - started:.1f} s")
    try:
        asyncio.run(run(args))
    finally:
        from django.db import connections

        connections.close_all()
        if args.db == "postgresql":
            drop_postgres_database(args.pg_url, "gridpay_bench_reads")


async def run(args: argparse.Namespace) -> None:
    from gridpay.integrations.headend import mqtt

    if args.broker == "embedded":
        async with mqtt.embedded_broker() as broker:
            await measure(args, broker)
    else:
        await measure(args, mqtt.parse_broker_url(args.broker))


class MovableClock:
    """The gateway's clock: 00:15 on the poll day when started, ticking; moved forward to reach the retries."""

    def __init__(self) -> None:
        self.start = datetime(POLL_DAY.year, POLL_DAY.month, POLL_DAY.day, 0, 15, tzinfo=SHANGHAI)
        self.started = time.monotonic()
        self.moved = timedelta(0)

    def __call__(self) -> datetime:
        return self.start + self.moved + timedelta(seconds=time.monotonic() - self.started)


async def measure(args: argparse.Namespace, broker: object) -> None:
    from gridpay.application.supply.head_end import HeadEnd
    from gridpay.integrations.headend.meter_simulator import MeterBehaviour, run_fleet
    from gridpay.interfaces.gateway.run import Gateway

    meters = await in_thread(lambda: fleet(args))
    clock = MovableClock()
    now_local: Callable[[], datetime] = lambda: clock().astimezone(SHANGHAI)  # noqa: E731
    stop, fleet_ready, gateway_ready = asyncio.Event(), asyncio.Event(), asyncio.Event()
    serving = asyncio.create_task(run_fleet(meters=meters, broker=broker, now_local=now_local,  # type: ignore[arg-type]
                                            ready=fleet_ready, stop=stop, identifier="bench-fleet"))
    await fleet_ready.wait()
    gateway = Gateway(broker=broker, head_end=HeadEnd(), clock=clock, wave_s=1.0,  # type: ignore[arg-type]
                      wave_meters=args.wave_meters, sweep_s=3600)
    running = asyncio.create_task(gateway.run(stop=stop, ready=gateway_ready))
    await gateway_ready.wait()
    began = time.perf_counter()
    answering = sum(1 for m in meters if m.behaviour != MeterBehaviour.SILENT)
    while (await in_thread(counts))[0] < answering:
        await asyncio.sleep(0.2)
        if time.perf_counter() - began > 600:
            print("WARNING: the first pass did not end within 10 minutes")
            break
    first_pass = time.perf_counter() - began
    read, _, gaps = await in_thread(counts)
    print(f"first pass: {read - gaps.get('not_frozen', 0):,} meters read and {gaps.get('not_frozen', 0):,} found "
          f"without the freeze, of {answering:,} answering, in {first_pass:.2f} s = "
          f"{(read - gaps.get('not_frozen', 0)) / first_pass:,.0f} meters read/s "
          f"(frames asked {gateway.stats.reads_asked:,})")
    for minutes in (11, 41, 161, 300):  # through the backoffs: 10 min, 30 min, 2 h, then given up
        clock.moved = timedelta(minutes=minutes)
        await asyncio.sleep(3)
    read, wanted, gaps = await in_thread(counts)
    stop.set()
    await asyncio.gather(running, serving, return_exceptions=True)
    print(f"after the retries: read {read - gaps.get('not_frozen', 0):,}, still wanted {wanted:,}, gaps {gaps}")
    print(f"gaps_left_unlisted: {wanted}")
    ceiling = await raw_rate_ceiling(broker, 2 * args.meters, READ_FRAME_SIZE)
    print(f"ceiling: raw publish of {2 * args.meters:,} messages of {READ_FRAME_SIZE} bytes by one client, QoS 1: "
          f"{ceiling:,.0f} messages/s (a meter's read is 2 requests: time stamp and energy)")


def fleet(args: argparse.Namespace) -> list[object]:
    from django.db import connection

    from gridpay.data.models import Reading
    from gridpay.integrations.headend.meter_simulator import MeterBehaviour, SimulatedMeter

    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE gridpay_account SET transformer_area = 'TA' || (id / {METERS_PER_AREA})")
    rng = random.Random(20251217)
    meters = []
    for address, total in Reading.objects.filter(reading_date=DAY).values_list("meter__dlt645_address", "total_kwh"):
        meter = SimulatedMeter(address=address, total_kwh=total, rate_kwh=[Decimal(0), Decimal(0), total, Decimal(0)],
                               daily_kwh=Decimal(rng.randint(300, 1500)) / 100, rates=0)
        meter.freeze_day(at=datetime.combine(DAY + timedelta(days=1), datetime.min.time()))
        meter.freeze_day(at=datetime.combine(POLL_DAY, datetime.min.time()), lost=rng.random() < args.lost)
        if rng.random() < args.silent:
            meter.behaviour = MeterBehaviour.SILENT
        meters.append(meter)
    return meters


def counts() -> tuple[int, int, dict[str, int]]:
    """(days read or found not frozen, still wanted, gaps by reason) for the day asked for."""
    from collections import Counter

    from gridpay.data.models import DailyRead

    rows = DailyRead.objects.filter(reading_date=POLL_DAY - timedelta(days=1))
    gaps = Counter(rows.filter(status="gap").values_list("gap_reason", flat=True))
    read = rows.filter(status="read").count() + gaps.get("not_frozen", 0)
    return read, rows.filter(status="wanted").count(), dict(gaps)


async def in_thread(work: Callable[[], T]) -> T:
    from django.db import connection

    def run() -> T:
        try:
            return work()
        finally:
            connection.close()

    return await asyncio.to_thread(run)


if __name__ == "__main__":
    main()
