"""Benchmark of daily settlement: N prepaid accounts, one day of readings, settled in batches.

Prints accounts/s and peak memory of the settlement process, and, in the same run, the ceiling: the server's own
rate of taking in the same rows. The settlement rows the run wrote are read back (COPY … TO STDOUT) into a buffer in
COPY's text format before the clock starts; the ceiling is the best of three COPYs of that buffer into an unindexed
table of the same column types in a fresh database, so that it is PostgreSQL's rate and not Python's formatting of
rows (which halves it). The last line is `ratio: R`, settlement accounts/s divided by COPY rows/s: what share of the
server's bare write rate a whole settlement (reading, pricing, the settlement row, the ledger) keeps.

With `--days N` the town has readings of N days, settled one day after another (the tier usage and the indexes grow
as a month's would); each day's rate is printed, and `day N against day 1`. The ratio stays the first day's.

    python benchmarks/settlement.py --accounts 1000000 --db postgresql
    python benchmarks/settlement.py --accounts 200000 --days 30
    python benchmarks/settlement.py --accounts 100000 --db sqlite
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

DAY = date(2025, 6, 15)
AT = datetime(2025, 6, 16, 2, 0, tzinfo=UTC)
CHUNK = 50_000
# The columns the benchmarks write each reading with.
READING_COLUMNS = ("meter_id", "account_id", "reading_date", "total_kwh", "energy_kwh", "energy_peak_kwh",
                   "energy_valley_kwh", "received_at")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--batch-size", type=int, default=20_000)
    parser.add_argument(
        "--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres", help="server for both runs"
    )
    parser.add_argument("--days", type=int, default=1, help="days settled one after another; the ratio is the first's")
    parser.add_argument("--settle-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.settle_only:
        settle_in_this_process(args.batch_size, args.days)
        return

    bench_pg = args.pg_url.rsplit("/", 1)[0] + "/gridpay_bench"
    if args.db == "postgresql":
        recreate_postgres_database(args.pg_url, "gridpay_bench")
        url = bench_pg
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='gridpay-bench-')}/bench.sqlite3"
    os.environ["GRIDPAY_DATABASE_URL"] = url
    print(f"gridpay settlement benchmark: {args.accounts:,} accounts on {args.db}, batch {args.batch_size:,}, "
          f"{args.days} day(s)")

    started = time.perf_counter()
    build_town(args.accounts, args.days)
    print(f"set-up (accounts, meters, readings, previous day): {time.perf_counter() - started:.1f} s")
    if args.db == "postgresql":
        checkpoint(args.pg_url)

    child = subprocess.run(
        [sys.executable, __file__, "--settle-only", "--batch-size", str(args.batch_size), "--days", str(args.days)],
        env={**os.environ, "GRIDPAY_DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [dict(pair.split("=", 1) for pair in line.split()) for line in child.stdout.splitlines()]
    days = [(float(line["seconds"]), int(line["settled"])) for line in lines if "day" in line]
    peak_mib = max(float(line["peak_rss_mib"]) for line in lines if "peak_rss_mib" in line)
    for n, (seconds, settled) in enumerate(days, start=1):
        print(f"settlement day {n}: {settled:,} accounts in {seconds:.2f} s = {settled / seconds:,.0f} accounts/s")
        if settled != args.accounts:
            print(f"WARNING: {args.accounts - settled:,} accounts were not settled on day {n}")
    seconds, settled = days[0]
    settle_rate = settled / seconds
    print(f"settlement: {settled:,} accounts in {seconds:.2f} s = {settle_rate:,.0f} accounts/s")
    print(f"settlement peak memory (whole process RSS): {peak_mib:.0f} MiB")
    if len(days) > 1:
        last_seconds, last_settled = days[-1]
        print(f"day {len(days)} against day 1: {last_settled / last_seconds / settle_rate:.2f} of its rate")

    rows = settled_rows(url)
    if args.db == "postgresql":
        # Its autovacuum, woken by the run, would otherwise slow the ceiling down and flatter the ratio.
        drop_postgres_database(args.pg_url, "gridpay_bench")
    copy_rate, copy_seconds = copy_ceiling(args.pg_url.rsplit("/", 1)[0] + "/gridpay_bench_copy", args.pg_url, rows)
    print(
        f"ceiling: PostgreSQL COPY of the same {rows.count:,} settlement rows ({rows.size / 1e6:.0f} MB) from a "
        f"prepared buffer into an unindexed table (best of 3): {copy_seconds:.2f} s = {copy_rate:,.0f} rows/s"
    )
    print(f"ratio: {settle_rate / copy_rate:.3f}")


def drop_postgres_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def recreate_postgres_database(admin_url: str, name: str) -> None:
    import psycopg

    drop_postgres_database(admin_url, name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridpay.config.settings")
    import django

    django.setup()


def build_town(count: int, days: int = 1) -> None:
    """Accounts, meters and ledger accounts; readings of DAY and the ``days`` - 1 days after it; the settled previous
    day for each."""
    django_setup()
    from django.core.management import call_command
    from django.db import transaction

    from gridpay.application.tariffs.install_builtin_tariffs import install_builtin_tariffs
    from gridpay.data.bulk import insert_rows
    from gridpay.data.history_partitions import ensure_partitions
    from gridpay.data.models import TariffVersion
    from gridpay.data.settlement_store import SETTLEMENT_COLUMNS
    from gridpay.domain.history_months import months_between

    call_command("migrate", verbosity=0)
    # The months' partitions, as the schedule makes them ahead of their first row (ADR 0033, 0038): the previous day
    # settled, and the days read.
    ensure_partitions(months_between(first=DAY - timedelta(days=1), end=DAY + timedelta(days=days + 31)))
    install_builtin_tariffs()
    version = TariffVersion.objects.get(tariff__code="zj-resident-2024")
    rng = random.Random(20250615)
    at = AT
    for first in range(1, count + 1, CHUNK):
        ids = range(first, min(first + CHUNK, count + 1))
        with transaction.atomic():
            insert_accounts(ids, tariff_id=version.tariff_id, balance_fen=lambda _: rng.randint(0, 30_000))
            readings, previous = [], []
            for i in ids:
                used = rng.randint(50_000, 500_000)  # hundredths of a kWh used this year so far
                total = used
                for day in range(days):
                    energy = rng.randint(0, 3_000)
                    peak = energy * 6 // 10 if i % 10 == 0 else None
                    valley = energy - peak if peak is not None else None
                    total += energy
                    readings.append(
                        (
                            i,
                            i,
                            DAY + timedelta(days=day),
                            kwh(total),
                            kwh(energy),
                            None if peak is None else kwh(peak),
                            None if valley is None else kwh(valley),
                            at,
                        )
                    )
                previous.append(
                    (
                        i,
                        DAY - timedelta(days=1),
                        kwh(rng.randint(0, 3000)),
                        0,
                        version.id,
                        date(2025, 1, 1),
                        kwh(used),
                        used * 5380,
                        at,
                    )
                )
            insert_rows(
                "gridpay_reading",
                READING_COLUMNS,
                readings,
            )
            insert_rows("gridpay_settlement", SETTLEMENT_COLUMNS, previous)
        print(f"  set-up {ids[-1]:,} / {count:,}", file=sys.stderr)
    finish_set_up(count)


def insert_accounts(
    ids: range,
    *,
    tariff_id: int,
    balance_fen: Callable[[int], int],
    mode: str = "prepaid",
    village_id: Callable[[int], int | None] = lambda _: None,
    category: Callable[[int], str] = lambda _: "residential",
) -> None:
    """Customers ``ids``, their ledger accounts (``balance_fen``), accounts B<id> (prepaid since 1 January, or
    postpaid) with time-of-use pricing on every tenth, and a meter each (a time-of-use one on every tenth)."""
    from gridpay.data.bulk import insert_rows

    insert_rows("gridpay_customer", ("id", "name", "phone"), [(i, f"用户{i}", "") for i in ids])
    insert_rows(
        "gridpay_ledgeraccount",
        ("id", "code", "kind", "balance_fen"),
        [(i, f"customer:B{i:09d}", "customer", balance_fen(i)) for i in ids],
    )
    insert_rows(
        "gridpay_account",
        (
            "id",
            "account_no",
            "customer_id",
            "mode",
            "status",
            "supply_state",
            "protected",
            "protected_reason",
            "transformer_area",
            "address",
            "tariff_id",
            "time_of_use",
            "prepaid_since",
            "opening_period_used_kwh",
            "ledger_account_id",
            "village_id",
            "category",
        ),
        [
            (
                i,
                f"B{i:09d}",
                i,
                mode,
                "active",
                "connected",
                False,
                "",
                "",
                "",
                tariff_id,
                i % 10 == 0,
                date(2025, 1, 1) if mode == "prepaid" else None,
                0,
                i,
                village_id(i),
                category(i),
            )
            for i in ids
        ],
    )
    insert_rows(
        "gridpay_meter",
        (
            "id",
            "meter_no",
            "dlt645_address",
            "registers",
            "register_digits",
            "account_id",
            "installed_on",
            "start_total_kwh",
        ),
        [(i, f"BM{i:010d}", f"{i:012d}", "tou" if i % 10 == 0 else "total", 6, i, date(2024, 12, 31), 0) for i in ids],
    )


def finish_set_up(count: int) -> None:
    """After bulk inserts of ids 1..``count``: the id sequences past them (PostgreSQL), then VACUUM ANALYZE."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("customer", "ledgeraccount", "account", "meter"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('gridpay_{table}', 'id'), {count})")
        connection.close()
        import psycopg

        with psycopg.connect(os.environ["GRIDPAY_DATABASE_URL"], autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")


def kwh(ckwh: int) -> str:
    return f"{ckwh // 100}.{ckwh % 100:02d}"


def peak_rss_mib() -> float:
    """This process's peak resident memory: VmHWM, which a new program starts afresh. (getrusage's ru_maxrss keeps
    what the parent held when it started this one, so it gave the set-up's peak, not settlement's.)"""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # no /proc: the best there is


def settle_in_this_process(batch_size: int, days: int) -> None:
    django_setup()
    from gridpay.application.settlement.settle_day import settle_day

    for day in range(days):
        started = time.perf_counter()
        report = settle_day(day=DAY + timedelta(days=day), at=AT + timedelta(days=day), batch_size=batch_size)
        seconds = time.perf_counter() - started
        print(f"day={day + 1} seconds={seconds} settled={report.settled}", flush=True)
    print(f"peak_rss_mib={peak_rss_mib()}")


CEILING_TABLE = (  # the settlement table's columns (SETTLEMENT_COLUMNS) and their types, with no index or key
    "CREATE TABLE ceiling (account_id bigint, day date, energy_kwh numeric(12,2), charge_fen bigint,"
    " tariff_version_id bigint, period_start date, period_used_kwh numeric(14,2),"
    " period_amount_micro_yuan bigint, settled_at timestamptz)"
)
BLOCK = 1 << 20  # bytes handed to COPY at a time


@dataclass(frozen=True)
class SettledRows:
    """The settlement rows of DAY in COPY's text format, cut into blocks of about BLOCK bytes."""

    blocks: list[bytes]
    count: int

    @property
    def size(self) -> int:
        return sum(len(b) for b in self.blocks)


def settled_rows(url: str) -> SettledRows:
    """The rows the settlement wrote, read back as COPY text: on PostgreSQL by COPY … TO STDOUT, on SQLite formatted
    here (before any clock starts)."""
    from gridpay.data.settlement_store import SETTLEMENT_COLUMNS

    columns = ", ".join(SETTLEMENT_COLUMNS)
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            found = db.execute(f"SELECT {columns} FROM gridpay_settlement WHERE day = ?", (DAY.isoformat(),))
            text = "".join("\t".join(r"\N" if v is None else str(v) for v in row) + "\n" for row in found)
        return _blocks([text.encode()])
    import psycopg

    query = f"COPY (SELECT {columns} FROM gridpay_settlement WHERE day = %s) TO STDOUT"
    with psycopg.connect(url) as conn, conn.cursor() as cursor, cursor.copy(query, (DAY,)) as copy:
        return _blocks(bytes(chunk) for chunk in copy)


def _blocks(chunks: "Iterable[bytes]") -> SettledRows:
    blocks: list[bytes] = []
    pending, count = bytearray(), 0
    for chunk in chunks:
        pending += chunk
        count += chunk.count(b"\n")
        if len(pending) >= BLOCK:
            cut = pending.rindex(b"\n") + 1
            blocks.append(bytes(pending[:cut]))
            del pending[:cut]
    if pending:
        blocks.append(bytes(pending))
    return SettledRows(blocks=blocks, count=count)


def copy_ceiling(url: str, admin_url: str, rows: SettledRows, *, attempts: int = 3) -> tuple[float, float]:
    """COPY the prepared buffer of ``rows`` into an unindexed table of a fresh database: rows/s and seconds."""

    def copy_rows(cursor: "psycopg.Cursor[Any]") -> None:
        with cursor.copy("COPY ceiling FROM STDIN") as copy:
            for block in rows.blocks:
                copy.write(block)

    best = best_copy_seconds(url, admin_url, create=[CEILING_TABLE], copy=copy_rows, attempts=attempts)
    return rows.count / best, best


def best_copy_seconds(
    url: str,
    admin_url: str,
    *,
    create: Sequence[str],
    copy: "Callable[[psycopg.Cursor[Any]], None]",
    attempts: int = 3,
) -> float:
    """The shortest of ``attempts`` runs of ``copy`` and its commit, each into the tables ``create`` makes in a
    fresh database ``url`` (dropped at the end).

    The best of ``attempts``: a checkpoint or a busy neighbour slows one attempt, and the ceiling
    should not sink with it.
    """
    import psycopg

    best = float("inf")
    name = url.rsplit("/", 1)[1]
    for _ in range(attempts):
        recreate_postgres_database(admin_url, name)
        checkpoint(admin_url)
        with psycopg.connect(url) as conn:
            for statement in create:
                conn.execute(statement)
            conn.commit()
            started = time.perf_counter()
            with conn.cursor() as cursor:
                copy(cursor)
            conn.commit()
            best = min(best, time.perf_counter() - started)
    drop_postgres_database(admin_url, name)
    return best


def checkpoint(admin_url: str) -> None:
    """Start a measurement with no dirty pages of the set-up left for a checkpoint to write mid-run."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    main()
