"""Benchmark of gateways sharing the meters (ADR 0031): a daily-freeze polling wave over N simulated meters, read by
1, 2 and 3 gateway processes in turn, next to the broker's raw rate in the same run.

N accounts read up to the 15th (benchmarks/settlement.py's town, on PostgreSQL); the simulated meters (in
--simulators processes, each answering its part of the addresses) hold the freezes of the 16th to the 18th. Round k
starts k `Gateway` processes whose clock stands at 00:09:45 on the day after the one it reads, so they connect and
see each other before the first wave at 00:10; the round is timed from then until every meter's day is stored (a
time stamp read, then the energy: two requests and two answers through the broker per meter, each answer recorded
and the day settled in the database). Each round reads a new day, planned (untimed) before it starts, and prints
the peak memory of each of its gateway processes. Before each round's midnight the benchmark waits until the meters
have answered nothing for 5 s: a round ended by --max-round-s leaves requests queued for them.

The ceiling printed after is the broker's raw rate in the same run: one client publishing the same read-request
frames (QoS 1, 500 in flight, as a gateway keeps them) to topics no one reads, counted in meters (two frames
each). It is what one connection alone gets through the broker, no meter answering and no database; the gateways'
rate is bounded by it per gateway and, on a small machine, by the cores that the gateways, the simulated meters,
PostgreSQL and the broker share (this one has two). More gateways raise the rate only while the database, the broker
and the cores have room: every gateway hears every uplink (ADR 0031), and here the simulated meters share the cores
too. The last line, `ratio:`, is the best round's meters read/s over the broker's raw meters/s.

    python benchmarks/gateway_share.py --meters 20000
    python benchmarks/gateway_share.py --meters 1000000 --wave-meters 5000   # the issue's size: about an hour here
"""

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from settlement import DAY, build_town, checkpoint, django_setup, drop_postgres_database, recreate_postgres_database

SHANGHAI = ZoneInfo("Asia/Shanghai")
DATABASE = "gridpay_bench_share"
METERS_PER_AREA = 200  # a transformer area's concentrator
READ_DAYS = [DAY + timedelta(days=n) for n in (1, 2, 3)]  # one a round: the 16th, 17th, 18th
START_SECONDS = 15  # a round's clock starts this long before the first wave (00:10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meters", type=int, default=20_000)
    parser.add_argument("--gateways", default="1,2,3", help="gateway counts, one round each (at most 3 rounds)")
    parser.add_argument("--wave-meters", type=int, default=2_000, help="meters a gateway asks per wave")
    parser.add_argument("--wave-s", type=float, default=0.5, help="seconds between a gateway's waves")
    parser.add_argument("--simulators", type=int, default=2, help="processes of simulated meters")
    parser.add_argument(
        "--max-round-s", type=float, default=3_600,
        help="end a round after this many seconds, its rate that of the meters read so far (the ceiling still follows)",
    )
    parser.add_argument(
        "--broker",
        default="mosquitto",
        help="mosquitto or nats: one of the benchmark's own, started here; or mqtt://host:port",
    )
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--child", choices=["gateway", "meters"], help=argparse.SUPPRESS)
    parser.add_argument("--name", default="", help=argparse.SUPPRESS)
    parser.add_argument("--part", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--t0", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--read-day", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        django_setup()
    if args.child == "gateway":
        asyncio.run(gateway_child(args))
        return
    if args.child == "meters":
        asyncio.run(meters_child(args))
        return
    with own_broker(args.broker) as url:
        args.broker = url
        bench(args, parser)


def bench(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    counts = [int(n) for n in args.gateways.split(",")]
    if len(counts) > len(READ_DAYS):
        parser.error(f"--gateways: at most {len(READ_DAYS)} rounds")
    recreate_postgres_database(args.pg_url, DATABASE)
    os.environ["GRIDPAY_DATABASE_URL"] = args.pg_url.rsplit("/", 1)[0] + "/" + DATABASE
    print(
        f"gridpay gateways-sharing benchmark on PostgreSQL, broker {args.broker}: {args.meters:,} meters, "
        f"waves of {args.wave_meters:,} every {args.wave_s} s per gateway, {args.simulators} meter processes"
    )
    started = time.perf_counter()
    build_town(args.meters)
    with_areas()
    checkpoint(args.pg_url)
    print(f"set-up: {time.perf_counter() - started:.1f} s")
    simulators = [child(args, "meters", "--part", str(part)) for part in range(args.simulators)]
    try:
        for process in simulators:
            wait_for_line(process, "ready")
        rates = {}
        for gateways, read_day in zip(counts, READ_DAYS, strict=False):
            # A round ended by --max-round-s leaves read requests queued for the meters: answered after the next
            # midnight, they would be answers of the wrong freeze in the next round.
            waited = asyncio.run(meters_quiet(args))
            if waited > QUIET_S + 1:
                print(f"  the meters answered the last round's requests for {waited - QUIET_S:.0f} s more")
            for process in simulators:  # midnight: the meters freeze the day the round reads
                process.send_signal(signal.SIGUSR1)
            for process in simulators:
                wait_for_line(process, "frozen")
            rates[gateways] = read_round(args, gateways, read_day)
        for process in simulators:
            process.terminate()
        for process in simulators:
            process.wait(timeout=60)
        raw = asyncio.run(raw_rate(args))
        print(
            f"ceiling: one client publishing the same read requests, QoS 1, 500 in flight: {2 * raw:,.0f} frames/s "
            f"= {raw:,.0f} meters/s (two requests a meter)"
        )
        best = max(rates.values())
        for gateways, rate in rates.items():
            print(
                f"{gateways} gateway{'s' if gateways > 1 else ''}: {rate:,.0f} meters read/s "
                f"({rate / rates[counts[0]]:.2f}× of {counts[0]}; {rate / raw:.1%} of the broker's raw rate)"
            )
        print(f"ratio: {best / raw:.3f}")
    finally:
        for process in simulators:
            if process.poll() is None:
                process.kill()
        from django.db import connections

        connections.close_all()
        drop_postgres_database(args.pg_url, DATABASE)


@contextlib.contextmanager
def own_broker(kind: str) -> Iterator[str]:
    """A broker of the benchmark's own on a free loopback port: Mosquitto with the production limits of the README (a
    shared one with the default 1 000 queued messages a client drops answers), or nats-server with JetStream and
    MQTT; or the given URL."""
    if kind.startswith("mqtt://"):
        yield kind
        return
    directory = Path(tempfile.mkdtemp(prefix="gridpay-bench-share-"))
    port = free_port()
    if kind == "mosquitto":
        config = (
            f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            "max_queued_messages 1000000\nmax_inflight_messages 1000\n"
        )
        command = [shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(directory / "broker.conf")]
    elif kind == "nats":
        config = (
            f"server_name: gridpay-bench-{port}\nlisten: 127.0.0.1:{free_port()}\n"
            f'jetstream {{ store_dir: "{directory}/jetstream" }}\nmqtt {{ listen: 127.0.0.1:{port} }}\n'
        )
        command = [shutil.which("nats-server") or "/usr/sbin/nats-server", "-c", str(directory / "broker.conf")]
    else:
        sys.exit(f"--broker: mosquitto, nats or mqtt://host:port, not {kind!r}")
    (directory / "broker.conf").write_text(config, encoding="utf-8")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{kind} did not start") from None
                time.sleep(0.05)
        yield f"mqtt://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait(timeout=30)
        shutil.rmtree(directory, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def with_areas() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE gridpay_account SET transformer_area = 'TA' || (id / {METERS_PER_AREA})")


def child(args: argparse.Namespace, kind: str, *extra: str) -> "subprocess.Popen[str]":
    return subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--child",
            kind,
            "--broker",
            args.broker,
            "--simulators",
            str(args.simulators),
            "--wave-meters",
            str(args.wave_meters),
            "--wave-s",
            str(args.wave_s),
            *extra,
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def wait_for_line(process: "subprocess.Popen[str]", text: str) -> None:
    assert process.stdout is not None
    while text not in (line := process.stdout.readline()):
        if not line:
            raise RuntimeError(f"a child process ended before saying {text!r}")


def read_round(args: argparse.Namespace, gateways: int, read_day: date) -> float:
    """Plans the reads of ``read_day``, then times ``gateways`` gateway processes reading every meter's day."""
    from gridpay.application.readings.plan_daily_reads import plan_daily_reads
    from gridpay.data.models import DailyRead

    poll_day = read_day + timedelta(days=1)
    first_wave = datetime(poll_day.year, poll_day.month, poll_day.day, 0, 10, tzinfo=SHANGHAI)
    planned = time.perf_counter()
    plan = plan_daily_reads(today=poll_day, at=first_wave)
    print(
        f"round of {gateways} gateway{'s' if gateways > 1 else ''}: the reads of {read_day} planned "
        f"({plan.wanted:,} wanted) in {time.perf_counter() - planned:.1f} s"
    )
    t0 = time.time()
    processes = [
        child(args, "gateway", "--name", f"bench-gw-{n}", "--t0", repr(t0), "--read-day", str(read_day))
        for n in range(gateways)
    ]
    try:
        for process in processes:
            wait_for_line(process, "ready")
        time.sleep(max(t0 + START_SECONDS - time.time(), 0))
        began = time.perf_counter()
        while any_wanted(read_day):  # each meter's day read, or listed as a gap
            time.sleep(0.5)
            if time.perf_counter() - began > args.max_round_s:
                print(f"WARNING: round ended after {args.max_round_s:,.0f} s with {wanted(read_day):,} meters unread: "
                      "its rate is of the meters read until then")
                break
        elapsed = time.perf_counter() - began
        days = DailyRead.objects.filter(reading_date=read_day)
        read = days.filter(status="read").count()  # before the stop: what a stopping gateway records is not counted
        gaps = Counter(days.filter(status="gap").values_list("gap_reason", flat=True))
        peaks = [peak_memory_mib(process.pid) for process in processes]
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=120)
    rate = read / elapsed
    print(f"  {read:,} meters read in {elapsed:.1f} s (gaps: {dict(gaps)}): {rate:,.0f} meters read/s")
    print(f"  peak memory of each gateway process (VmHWM): {', '.join(f'{mib:.0f}' for mib in peaks)} MiB")
    return rate


def peak_memory_mib(pid: int) -> float:
    """The most memory a process has held (its resident high-water mark), from Linux's /proc."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def wanted(read_day: date) -> int:
    from gridpay.data.models import DailyRead

    return DailyRead.objects.filter(reading_date=read_day, status="wanted").count()


def any_wanted(read_day: date) -> bool:
    """Whether a meter of the day is still to read. Asked twice a second: a count of the wanted rows took 0.1-0.2 s of
    the database's CPU each time at 1 M meters, a third of a core taken from the gateways it measures."""
    from gridpay.data.models import DailyRead

    return DailyRead.objects.filter(reading_date=read_day, status="wanted").exists()


async def gateway_child(args: argparse.Namespace) -> None:
    from gridpay.application.supply.head_end import HeadEnd
    from gridpay.data.settings import gridpay_settings
    from gridpay.integrations.headend import mqtt
    from gridpay.interfaces.gateway.run import Gateway

    poll_day = date.fromisoformat(args.read_day) + timedelta(days=1)
    start = datetime(poll_day.year, poll_day.month, poll_day.day, 0, 10, tzinfo=SHANGHAI) - timedelta(
        seconds=START_SECONDS
    )

    def clock() -> datetime:
        return start + timedelta(seconds=time.time() - args.t0)

    gateway = Gateway(
        broker=mqtt.parse_broker_url(args.broker),
        head_end=HeadEnd(rounds={"planned": poll_day}),
        clock=clock,
        wave_s=args.wave_s,
        wave_meters=args.wave_meters,
        sweep_s=3_600,
        poll_s=1.0,
        instance=args.name,
        # As `gridpay gateway` beats (5 s unless set). At one a second, two gateways sharing 1 M meters on these two
        # cores missed three beats in a row again and again (2026-12-07): each took the other's meters over, 72 times
        # in 21 minutes, and the round read 284 meters/s against one gateway's 613.
        heartbeat_s=gridpay_settings().gateway_heartbeat_s,
    )
    stop, ready = asyncio.Event(), asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    running = asyncio.create_task(gateway.run(stop=stop, ready=ready))
    await ready.wait()
    print("ready", flush=True)
    await running


async def meters_child(args: argparse.Namespace) -> None:
    from gridpay.integrations.headend import mqtt
    from gridpay.integrations.headend.meter_simulator import run_fleet

    meters = await asyncio.to_thread(my_meters, args)
    stop, ready = asyncio.Event(), asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    next_midnight = [DAY + timedelta(days=2)]

    def freeze() -> None:
        for meter in meters:
            meter.freeze_day(at=datetime.combine(next_midnight[0], datetime.min.time()))
        next_midnight[0] += timedelta(days=1)
        print("frozen", flush=True)

    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, freeze)
    running = asyncio.create_task(
        run_fleet(
            meters=meters,
            broker=mqtt.parse_broker_url(args.broker),
            ready=ready,
            stop=stop,
            slow_delay_s=0,
            now_local=lambda: datetime.now(SHANGHAI),
            identifier=f"bench-meters-{args.part}-{os.getpid()}",
        )
    )
    await ready.wait()
    print("ready", flush=True)
    await running


def my_meters(args: argparse.Namespace) -> list[Any]:
    """This process's part of the meters, each holding the freezes of every day the rounds read."""
    django_setup()
    from django.db import connection

    from gridpay.data.models import Reading
    from gridpay.integrations.headend.meter_simulator import MeterBehaviour, SimulatedMeter

    rng = random.Random(20251217 + args.part)
    meters = []
    rows = Reading.objects.filter(reading_date=DAY).values_list("meter_id", "meter__dlt645_address", "total_kwh")
    for meter_id, address, total in rows.iterator(chunk_size=10_000):
        if meter_id % args.simulators != args.part:
            continue
        meter = SimulatedMeter(
            address=address,
            total_kwh=total,
            rate_kwh=[Decimal(0), Decimal(0), total, Decimal(0)],
            daily_kwh=Decimal(rng.randint(300, 1500)) / 100,
            rates=0,
        )
        # Midnight of the 16th froze the 15th; each round's midnight is signalled (SIGUSR1) before it.
        meter.freeze_day(at=datetime.combine(DAY + timedelta(days=1), datetime.min.time()))
        # "Slow" with no delay: each answer is a task of its own, so a process answers many meters at once, as many
        # meters do; answered in turn, one PUBACK at a time, the simulated meters would be the benchmark's ceiling.
        meter.behaviour = MeterBehaviour.SLOW
        meters.append(meter)
    connection.close()
    return meters


QUIET_S = 5.0


async def meters_quiet(args: argparse.Namespace) -> float:
    """Seconds until no simulated meter has answered for QUIET_S (the gateways are stopped: nothing new is asked)."""
    from gridpay.integrations.headend import mqtt

    started = time.perf_counter()
    async with mqtt.connect(mqtt.parse_broker_url(args.broker), identifier=f"bench-quiet-{os.getpid()}") as client:
        await client.subscribe(mqtt.UP_WILDCARD, qos=0)
        answers = aiter(client.messages)
        while True:
            try:
                await asyncio.wait_for(anext(answers), timeout=QUIET_S)
            except TimeoutError:
                return time.perf_counter() - started


async def raw_rate(args: argparse.Namespace) -> float:
    """Meters a second whose two read requests one client gets acknowledged by the broker, 500 in flight."""
    from gridpay.integrations.headend import mqtt
    from gridpay.integrations.headend.meter_link import freeze_read_frame

    frames = [
        (f"gridpay/raw/{n:012d}/down", freeze_read_frame(f"{n:012d}", 1, energy=energy))
        for n in range(1, args.meters + 1)
        for energy in (False, True)
    ]
    async with mqtt.connect(mqtt.parse_broker_url(args.broker), identifier=f"bench-raw-{os.getpid()}") as client:
        started = time.perf_counter()
        for first in range(0, len(frames), 500):
            await asyncio.gather(*(client.publish(topic, frame, qos=1) for topic, frame in frames[first : first + 500]))
        return args.meters / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
