"""The seeded fault campaign: for each seed an uninterrupted run and a run with crashes, held to the invariants and
to each other; `scripts/fault-sim --seeds N [--db postgresql] [--seed S]` ends with `N scenarios, V violations`."""

import argparse
import logging
import os
import random
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported for real once Django is set up in the worker
    from tests.faults.crashes import WriteCounter
    from tests.faults.driver import World
    from tests.faults.steps import Plan
    from tests.support.channel_servers import WeChatPayServer

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class _Worker:
    """What a worker process sets up once: its scratch directory, WeChat Pay's server, PostgreSQL's kill switch."""

    workdir: Path = Path()
    wechat: "WeChatPayServer | None" = None
    killer: object = None  # PostgreSQL: the connection that kills the worker's own (tests/faults/databases.py)


_worker = _Worker()


@dataclass
class SeedResult:
    seed: int
    crashes: int = 0
    killed: int = 0
    restarts: int = 0
    writes: int = 0
    checks: int = 0
    violations: list[str] = field(default_factory=list)
    activity: Counter[str] = field(default_factory=Counter)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/fault-sim", description=__doc__)
    parser.add_argument("--seeds", type=int, default=100, help="how many seeds, from --first")
    parser.add_argument("--first", type=int, default=1, help="the first seed")
    parser.add_argument("--seed", type=int, help="one seed alone (to reproduce a failure)")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("GRIDPAY_TEST_POSTGRES_URL", POSTGRES),
                        help="a server and database to make the workers' databases beside (postgresql)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    options = parser.parse_args(argv)
    seeds = [options.seed] if options.seed is not None else list(range(options.first, options.first + options.seeds))
    workers = max(1, min(options.workers, len(seeds)))
    started = time.monotonic()
    results: list[SeedResult] = []
    with tempfile.TemporaryDirectory(prefix="gridpay-fault-sim-") as scratch:
        databases = _worker_databases(options, workers, Path(scratch))
        try:
            context = get_context("spawn")
            with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                     initargs=(databases, Path(scratch))) as pool:
                for result in pool.map(run_seed, seeds, chunksize=max(1, len(seeds) // (workers * 8))):
                    results.append(result)
                    for violation in result.violations:
                        print(f"seed {result.seed}: {violation}", flush=True)
                    if len(results) % 50 == 0:
                        print(f"… {len(results)}/{len(seeds)} seeds", file=sys.stderr, flush=True)
        finally:
            _drop_worker_databases(options, databases)
    failing = [r.seed for r in results if r.violations]
    crashes = sum(r.crashes for r in results)
    print(f"database {options.db}, {workers} workers, {time.monotonic() - started:.0f} s: "
          f"{crashes} crashes injected ({sum(r.killed for r in results)} of them killed connections), "
          f"{sum(r.restarts for r in results)} restarts, {sum(r.writes for r in results)} writes counted, "
          f"{sum(r.checks for r in results)} invariant checks")
    done: Counter[str] = sum((r.activity for r in results), Counter())
    print("in the runs with crashes: " + ", ".join(f"{n} {what}" for what, n in done.items()))
    if failing:
        print(f"failing seeds (each reproduces alone with --seed S): {' '.join(map(str, failing))}")
    print(f"{len(results)} scenarios, {sum(len(r.violations) for r in results)} violations")
    return 1 if failing else 0


def run_seed(seed: int) -> SeedResult:
    """The seed's plan twice: uninterrupted (counting its writes), then with crashes at some of those writes."""
    try:
        return _run_seed(seed)
    except BaseException:
        import traceback

        return SeedResult(seed, violations=[f"the run did not finish: {traceback.format_exc()}"])


def _run_seed(seed: int) -> SeedResult:
    from tests.faults import invariants
    from tests.faults.crashes import WriteCounter
    from tests.faults.steps import plan

    result = SeedResult(seed)
    script = plan(seed)
    twin_counter = WriteCounter()
    twin = _run(script, twin_counter)
    twin_money = invariants.money()
    result.violations += [f"(without crashes) {v}" for v in invariants.violations(twin)]
    counter = WriteCounter(crash_at=crash_points(seed, script, twin_counter.per_step), killer=_worker.killer)
    crashed = _run(script, counter)
    if os.environ.get("GRIDPAY_FAULT_SIM_PLANT") == str(seed):
        _plant_a_fault()  # the campaign's own test: does a broken seed name itself?
    result.violations += invariants.violations(crashed)
    result.violations += invariants.differences(invariants.money(), twin_money)
    result.activity = invariants.activity()
    result.activity["runs refused while another ran"] = crashed.runs_refused
    result.crashes, result.killed, result.restarts = counter.crashes, counter.killed, crashed.restarts
    result.writes = twin_counter.writes + counter.writes
    result.checks = 2 * len(invariants.CHECKS) + 1  # each run's checks, and the crashed run against its twin
    return result


def crash_points(seed: int, script: "Plan", writes_per_step: "Counter[int]") -> set[tuple[int, int]]:
    """One to three (step, nth write of that step) points, drawn from the seed and the uninterrupted run's writes.

    Steps that race threads (deliveries at the same moment, two settlements at once) write a different number of
    times from run to run on this thread: no crash is planned in them, so that a seed crashes the same way each time
    and a failing one reproduces alone.
    """
    rng = random.Random(seed * 7919)
    racing = {i for i, step in enumerate(script.steps) if step.concurrent or step.kind == "settle_twice"}
    steps = sorted(step for step, writes in writes_per_step.items() if writes and step not in racing)
    chosen = rng.sample(steps, k=min(len(steps), rng.randint(1, 3)))
    return {(step, 1 + int(rng.random() * writes_per_step[step])) for step in chosen}


def _run(script: "Plan", counter: "WriteCounter") -> "World":
    """One run of the plan on a fresh database, on the plan's own clock, its writes counted (and crashed)."""
    import time_machine

    from tests.faults import databases, driver
    from tests.faults.crashes import counting

    databases.fresh(_worker.workdir)
    assert _worker.wechat is not None
    _worker.wechat.orders.clear()
    world = driver.World(plan=script, wechat=_worker.wechat, quietly=counter.pause, step_started=counter.begin_step)
    first = script.steps[0].at
    with time_machine.travel(first, tick=False) as traveller:
        driver.build_town(world, at=first)
        with counting(counter):
            driver.run_plan(world, traveller)
    return world


def _plant_a_fault() -> None:
    from django.db.models import F

    from gridpay.data.models import LedgerAccount

    LedgerAccount.objects.filter(code="customer:3301900000").update(balance_fen=F("balance_fen") + 1)


def _start_worker(databases: list[str], scratch: Path) -> None:
    """Each worker: its own database, Django set up on it, the schema migrated once, WeChat Pay's server running."""
    import multiprocessing

    index = multiprocessing.current_process()._identity[0] - 1
    url = databases[index % len(databases)]
    _worker.workdir = scratch / f"worker-{index}"
    _worker.workdir.mkdir(exist_ok=True)
    os.environ["GRIDPAY_DATABASE_URL"] = url or f"sqlite:///{_worker.workdir / 'template.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridpay.config.settings")
    os.environ["GRIDPAY_SMS_FILE"] = str(_worker.workdir / "sms.jsonl")
    os.environ["GRIDPAY_SETTLEMENT_BATCH_SIZE"] = "2"  # several batches a day: crashes between them too
    # One connection: the crashes are counted on it (a batch on a worker's connection would never crash).
    os.environ["GRIDPAY_SETTLEMENT_WORKERS"] = "1"
    os.environ["GRIDPAY_SUPPLY_RUN_WORKERS"] = "1"
    os.environ["GRIDPAY_SECRET_KEY"] = secrets.token_urlsafe(50)  # the worker's own, as the tests have theirs
    import django

    django.setup()
    # Crashes make the request handlers log "Internal Server Error" by design; the invariants are the report.
    logging.disable(logging.CRITICAL)
    from django.conf import settings

    from tests.faults import databases as dbs
    from tests.support.channel_servers import WeChatPayServer

    dbs.migrate_template()
    _worker.wechat = WeChatPayServer()
    # For the worker's life: a daemon thread, gone with the worker (no shutdown to wait for at exit).
    threading.Thread(target=_worker.wechat.httpd.serve_forever, daemon=True).start()
    settings.PAYMENT_CHANNELS_CONFIG = _worker.wechat.settings(_worker.workdir)
    _worker.killer = dbs.kill_switch()


def _worker_databases(options: argparse.Namespace, workers: int, scratch: Path) -> list[str]:
    if options.db == "sqlite":
        return [""] * workers
    import psycopg

    base = options.postgres_url.rsplit("/", 1)[0]
    names = [f"gridpay_faults_{os.getpid()}_{n}" for n in range(workers)]
    with psycopg.connect(options.postgres_url, autocommit=True) as admin:
        for name in names:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
    return [f"{base}/{name}" for name in names]


def _drop_worker_databases(options: argparse.Namespace, databases: list[str]) -> None:
    if options.db != "postgresql":
        return
    import psycopg

    with psycopg.connect(options.postgres_url, autocommit=True) as admin:
        for url in databases:
            admin.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
