"""Benchmark of a broker restart in the middle of a disconnection run: does the gateway lose a command, and how long
until the run is whole again?

N accounts in arrears get a disconnect each; the gateway (in this process, production command policy: answers
awaited 30 s, retries after 60 s) carries them over a Mosquitto of the benchmark's own to `gridpay simulate-meters`
(another process). Once --kill-at of the commands have gone out, the broker is stopped and started again --down-s
later on the same port; the simulator, which does not outlive its broker, is started again once it is back.
--restart picks how: `full` (default) SIGKILL with persistence off, the broker forgets every session; `kept`
SIGTERM with persistence on, sessions and their queued messages survive; `none` the same run left alone, for
comparison; `all` the three in turn. Prints for each:

  - commands lost: not ended (confirmed or escalated) within --deadline-s, plus commands recorded sent more often
    than the broker read their frames (its debug log), plus attempts that are not one 'sent' each. Must be 0; the
    last line is `commands_lost: N` over all the runs.
  - the gateway's reconnect time, its first acknowledged frame after, and the time to recover (from the broker
    back to the last command ended), with the frames put back unacknowledged and the attempts the commands took.

    python benchmarks/broker_restart.py --meters 10000                  # about 2 minutes on 2 cores
    python benchmarks/broker_restart.py --meters 10000 --restart all    # about 6 minutes
    python benchmarks/broker_restart.py --meters 2000 --db sqlite
"""

import argparse
import asyncio
import collections
import getpass
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from settlement import build_town, checkpoint, drop_postgres_database, recreate_postgres_database

RECEIVED = re.compile(r"Received PUBLISH from (\S+) \(d\d, q\d, r\d, m\d+, '([^']*)'")
INSTANCE = "gridpay-gateway-bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meters", type=int, default=10_000)
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--restart", choices=["full", "kept", "none", "all"], default="full",
                        help="none: the same run without a restart, for comparison; all: none, full and kept")
    parser.add_argument("--kill-at", type=float, default=0.3, help="share of the commands sent when the broker goes")
    parser.add_argument("--down-s", type=float, default=2.0, help="how long the broker stays down")
    parser.add_argument("--deadline-s", type=float, default=600.0, help="a command not ended by then is lost")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if shutil.which("mosquitto") is None and not Path("/usr/sbin/mosquitto").exists():
        sys.exit("mosquitto is not installed")

    if args.db == "postgresql":
        recreate_postgres_database(args.pg_url, "gridpay_bench_restart")
        url = args.pg_url.rsplit("/", 1)[0] + "/gridpay_bench_restart"
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='gridpay-bench-restart-')}/bench.sqlite3"
    os.environ["GRIDPAY_DATABASE_URL"] = url
    print(f"gridpay broker-restart benchmark on {args.db}: {args.meters:,} meters")
    started = time.perf_counter()
    build_town(args.meters)
    if args.db == "postgresql":
        checkpoint(args.pg_url)
    print(f"set-up: {time.perf_counter() - started:.1f} s")
    lost_in_all = 0
    try:
        for mode in (["none", "full", "kept"] if args.restart == "all" else [args.restart]):
            lost_in_all += asyncio.run(run(args, mode))
    finally:
        from django.db import connections

        connections.close_all()
        if args.db == "postgresql":
            drop_postgres_database(args.pg_url, "gridpay_bench_restart")
    print(f"commands_lost: {lost_in_all}")


class Broker:
    """Mosquitto on a free loopback port, stopped and started again by its pid; logs each PUBLISH it reads."""

    def __init__(self, directory: Path, *, persistence: bool) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.log = directory / "mosquitto.log"
        self.config = directory / "mosquitto.conf"
        self.config.write_text(
            f"user {getpass.getuser()}\nlistener {self.port} 127.0.0.1\nallow_anonymous true\n"
            f"persistence {'true' if persistence else 'false'}\npersistence_location {directory}/\n"
            f"autosave_interval 0\nlog_dest file {self.log}\nlog_type debug\n"
            "max_queued_messages 1000000\nmax_inflight_messages 1000\n",
            encoding="utf-8",
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.process = subprocess.Popen([binary, "-c", str(self.config)], stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("mosquitto did not start")

    def stop(self, *, kill: bool) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            self.process.wait(timeout=30)

    def received(self, client_id: str) -> collections.Counter[str]:
        counts: collections.Counter[str] = collections.Counter()
        with self.log.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                found = RECEIVED.search(line)
                if found and found.group(1) == client_id:
                    counts[found.group(2)] += 1
        return counts


class Simulator:
    """`gridpay simulate-meters` in a process of its own, started again after each broker restart."""

    def __init__(self, meters: int, broker: Broker) -> None:
        self.meters, self.broker = meters, broker
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        gridpay = str(Path(sys.executable).with_name("gridpay"))
        self.process = await asyncio.create_subprocess_exec(
            gridpay, "simulate-meters", "--meters", str(self.meters), "--broker", self.broker.url,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, env=os.environ.copy(),
        )
        assert self.process.stdout is not None
        while "模拟表计".encode() not in (line := await asyncio.wait_for(self.process.stdout.readline(), 120)):
            if not line:
                raise RuntimeError("gridpay simulate-meters did not start")
        await asyncio.sleep(1)  # its subscription reaches the broker

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


def now() -> datetime:
    return datetime.now(UTC)  # the simulator's meters check each frame's deadline against the real clock


async def run(args: argparse.Namespace, mode: str) -> int:
    from django.db import connection

    from gridpay.application.supply.enforce_supply import enforce_supply
    from gridpay.application.supply.head_end import HeadEnd
    from gridpay.application.supply.update_supply_policy import update_supply_policy
    from gridpay.data.models import Account, LedgerAccount, Meter, MeterCommand
    from gridpay.integrations.headend import mqtt
    from gridpay.interfaces.gateway.run import Gateway

    def in_arrears() -> None:
        MeterCommand.objects.exclude(status__in=["confirmed", "cancelled", "expired", "escalated"]).update(
            status="cancelled"
        )
        update_supply_policy(changes={"window_opens": dtime(0, 0), "window_closes": dtime(23, 59, 59),
                                      "window_working_days_only": False,
                                      "window_closed_on_holidays_and_eves": False}, at=now())
        LedgerAccount.objects.filter(id__lte=args.meters).update(balance_fen=-100)  # ledger account i is account i's
        Account.objects.filter(id__lte=args.meters).update(supply_state="connected",
                                                           arrears_since=now() - timedelta(days=3))
        Meter.objects.filter(id__lte=args.meters).update(relay_open_reported=False, relay_open_desired=False)
        connection.close()

    await asyncio.to_thread(in_arrears)
    directory = Path(tempfile.mkdtemp(prefix=f"gridpay-bench-broker-{mode}-"))
    broker = Broker(directory, persistence=mode == "kept")
    broker.start()
    simulator = Simulator(args.meters, broker)
    await simulator.start()
    gateway = Gateway(broker=mqtt.parse_broker_url(broker.url), head_end=HeadEnd(), clock=now, poll_s=0.2,
                      instance=f"{INSTANCE}-{mode}")
    stop, ready = asyncio.Event(), asyncio.Event()
    gateway_task = asyncio.create_task(gateway.run(stop=stop, ready=ready))
    await asyncio.wait_for(ready.wait(), timeout=30)
    first_id = int(await asyncio.to_thread(_in_db(lambda: (MeterCommand.objects.order_by("-id").values_list(
        "id", flat=True).first() or 0))))  # type: ignore[call-overload]

    def statuses() -> collections.Counter[str]:
        return collections.Counter(MeterCommand.objects.filter(id__gt=first_id).values_list("status", flat=True))

    def ended() -> bool:
        counts = statuses()
        return sum(counts.values()) == args.meters and set(counts) <= {"confirmed", "escalated"}

    try:
        started = time.perf_counter()
        report = await asyncio.to_thread(_in_db(lambda: enforce_supply(at=now())))
        print(f"\n[{mode}] disconnection run: {report.queued:,} commands queued "  # type: ignore[attr-defined]
              f"in {time.perf_counter() - started:.1f} s")
        if mode == "none":  # the baseline: the same run, the broker left alone
            finished = await until(_in_db(ended), timeout_s=args.deadline_s, in_thread=True)
            print(f"[{mode}] every command ended {time.perf_counter() - started:.1f} s after the run was queued"
                  f"{'' if finished else ' (deadline reached)'}")
        else:
            await until(lambda: gateway.stats.published >= int(args.kill_at * args.meters), timeout_s=300)
            broker.stop(kill=mode == "full")
            at_kill = await asyncio.to_thread(_in_db(statuses))
            print(f"[{mode}] broker {'killed (SIGKILL)' if mode == 'full' else 'stopped (SIGTERM)'} after "
                  f"{time.perf_counter() - started:.1f} s, {gateway.stats.published:,} frames acknowledged; "
                  f"commands then: {dict(sorted(at_kill.items()))}")  # type: ignore[attr-defined]
            await simulator.stop()  # it does not outlive its broker: started again once the broker is back
            await asyncio.sleep(args.down_s)
            reconnects, published = gateway.stats.reconnects, gateway.stats.published
            broker.start()
            back_at = time.perf_counter()
            reconnected = asyncio.create_task(seconds_until(lambda: gateway.stats.reconnects > reconnects, back_at))
            publishing = asyncio.create_task(seconds_until(lambda: gateway.stats.published > published, back_at))
            await simulator.start()  # the meters come back on their own, as the gateway does
            reconnected_s, publishing_s = await reconnected, await publishing
            finished = await until(_in_db(ended), timeout_s=args.deadline_s, in_thread=True)
            stats = gateway.stats
            print(f"[{mode}] gateway reconnected {reconnected_s:.2f} s after the broker was back; its first frame "
                  f"acknowledged after that at {publishing_s:.2f} s; {stats.connection_losses} loss(es), "
                  f"{stats.reconnects} reconnect(s), {stats.unsent:,} frames put back unacknowledged")
            print(f"[{mode}] time to recover: {time.perf_counter() - back_at:.1f} s from the broker back to the "
                  f"last command ended{'' if finished else ' (deadline reached)'} (an answer is awaited 30 s, "
                  "a retry follows 60 s later)")
    finally:
        stop.set()
        await gateway_task
        await simulator.stop()
        broker.stop(kill=True)

    def check() -> tuple[collections.Counter[str], collections.Counter[int], int, int, int]:
        from gridpay.data.models import MeterCommandEvent

        ends = statuses()
        unfinished = sum(n for status, n in ends.items() if status not in ("confirmed", "escalated"))
        received = broker.received(gateway.client_id)
        sent = collections.Counter(MeterCommandEvent.objects.filter(command_id__gt=first_id, event="sent")
                                   .values_list("command__meter__dlt645_address", flat=True))
        over = sum(1 for address, n in sent.items() if n > received[mqtt.down_topic(address)])
        per_command = collections.Counter(MeterCommandEvent.objects.filter(command_id__gt=first_id, event="sent")
                                          .values_list("command_id", flat=True))
        attempts: collections.Counter[int] = collections.Counter()
        miscounted = 0
        for command_id, tries in MeterCommand.objects.filter(id__gt=first_id).values_list("id", "attempts"):
            attempts[tries] += 1
            miscounted += tries != per_command[command_id]
        return ends, attempts, unfinished, over, miscounted

    ends, attempts, unfinished, over, miscounted = await asyncio.to_thread(_in_db(check))  # type: ignore[misc]
    lost = unfinished + over + miscounted
    print(f"[{mode}] commands: {dict(sorted(ends.items()))}; attempts: {dict(sorted(attempts.items()))}")
    print(f"[{mode}] commands lost: {lost} (not ended {unfinished}, recorded sent beyond what the broker read "
          f"{over}, attempts not one 'sent' each {miscounted})")
    return lost


def _in_db(work: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        from django.db import connection

        try:
            return work()
        finally:
            connection.close()

    return run


async def seconds_until(check: Callable[[], bool], since: float, *, timeout_s: float = 600) -> float:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            return float("nan")
        await asyncio.sleep(0.01)
    return time.perf_counter() - since


async def until(check: Callable[[], object], *, timeout_s: float, in_thread: bool = False) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await asyncio.to_thread(check) if in_thread else check():
            return True
        await asyncio.sleep(0.5 if in_thread else 0.05)
    return False


if __name__ == "__main__":
    main()
