"""Benchmark of a long history on PostgreSQL (ADR 0033): the account file page with months archived to Parquet and
months in the database, and nightly settlement on the partitioned tables against the same on plain tables.

The town is settlement.py's (build_town: --accounts prepaid accounts, their readings of DAY and settled day before).
The first --history-accounts of them get --months months of daily readings, settlements and settlement transfers
before that, and one in COMMANDS_EVERY of them (the first among them) a confirmed disconnection and reconnection
every month with an event each; all but the last --recent months (and the month of DAY) are then archived with the
archive's own code (`gridpay archive`). The account file page of the first account (a full history, never billed:
its unbilled charges read every archived month of its settlements, and its commands every month's commands) is asked
for through Django's whole stack, signed in, --repeat times, while everything is still in the database and after the
archive; the ceiling is 0.3 s (issue 18). Settlement: DAY on the partitioned tables, DAY+1 after migrating back to
0039 (plain tables, same rows), DAY+2 after migrating forward again; the three rates are printed (the machine's
other work moves each by a fifth or more: compare the plain run with the two around it), and the last line sums them
up.

    python benchmarks/history.py          # a few minutes: 50,000 accounts, 2,000 of them with 24 months of history
    python benchmarks/history.py --accounts 1000000 --history-accounts 1000000 --months 24   # the issue's scale

The scale is printed first: the page's time depends on the archived files' sizes (every history account's rows of a
month are in that month's file), so a run with few history accounts says little of 1 M accounts × 24 months.
Building that history in PostgreSQL is out of this machine's reach (some 700 M rows a table), so --archived-accounts N
measures the page once more against archived months of N accounts' size: each file `gridpay archive` wrote is made
again with its history accounts repeated under other ids up to N (other accounts, meters and ledger accounts; new
row ids), in the archive's row order and with the archive's writer, the transfers renumbered day by day as a night's
settlement numbers them. The first account's rows are unchanged, and its account file is checked to be the same.

    python benchmarks/history.py --archived-accounts 1000000   # the page against a 1 M-account town's archive
"""

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from settlement import (
    AT,
    DAY,
    READING_COLUMNS,
    build_town,
    django_setup,
    drop_postgres_database,
    kwh,
    recreate_postgres_database,
)

PAGE_CEILING_S = 0.3
DAYS_AHEAD = 2  # readings of DAY+1 and DAY+2 for the plain and the second partitioned settlement
COMMANDS_EVERY = 20  # one account in 20 disconnected and reconnected every month: more than a town has
COMMAND_COLUMNS = ("meter_id", "account_id", "action", "status", "reason", "created_at", "next_attempt_at",
                   "attempts", "sent_at", "may_have_reached_meter", "finished_at", "last_error")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=50_000, help="accounts settled (default 50,000)")
    parser.add_argument("--history-accounts", type=int, default=2_000, help="accounts with a long history")
    parser.add_argument("--months", type=int, default=24, help="months of history before DAY's month")
    parser.add_argument("--recent", type=int, default=3, help="months kept in the database before DAY's month")
    parser.add_argument("--repeat", type=int, default=5, help="page answers timed (the first warms it)")
    parser.add_argument("--archived-accounts", type=int, help="then the page against archived months this big")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres", help="the server")
    parser.add_argument("--database", default="gridpay_bench_history", help="database made (and dropped) for it")
    parser.add_argument("--settle-day", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.settle_day is not None:
        settle(DAY + timedelta(days=args.settle_day))
        return
    if args.history_accounts > args.accounts:
        sys.exit("--history-accounts cannot exceed --accounts")

    url = args.pg_url.rsplit("/", 1)[0] + f"/{args.database}"
    recreate_postgres_database(args.pg_url, args.database)
    archive = Path(tempfile.mkdtemp(prefix="gridpay-bench-archive-"))
    os.environ.update(GRIDPAY_DATABASE_URL=url, GRIDPAY_ARCHIVE_DIR=str(archive))
    os.environ.setdefault("GRIDPAY_SECRET_KEY", secrets.token_urlsafe(50))  # signs the page's session
    rows = args.history_accounts * (DAY - first_day(args.months)).days
    print(f"gridpay history benchmark: {args.accounts:,} accounts settled; {args.history_accounts:,} of them with "
          f"{args.months} months of history before {DAY:%Y-%m} ({rows:,} readings, as many settlements and "
          f"transfers, {commands(args):,} meter commands); {args.recent} months and {DAY:%Y-%m} kept in PostgreSQL, "
          "the rest archived")
    try:
        run(args, url, archive)
    finally:
        from django.db import connection

        connection.close()
        drop_postgres_database(args.pg_url, args.database)
        shutil.rmtree(archive, ignore_errors=True)


def commands(args: argparse.Namespace) -> int:
    """The meter commands of the history: two a month for one history account in COMMANDS_EVERY."""
    return 2 * args.months * len(range(1, args.history_accounts + 1, COMMANDS_EVERY))


def first_day(months: int):  # type: ignore[no-untyped-def]
    from gridpay.domain.history_months import add_months

    return add_months(DAY, -months)


def run(args: argparse.Namespace, url: str, archive: Path) -> None:
    started = time.perf_counter()
    build_town(args.accounts)  # migrates: the tables are partitioned, DAY's rows in the DEFAULT partition
    from gridpay.data.history_partitions import ensure_partitions
    from gridpay.domain.history_months import add_months, months_between

    first = first_day(args.months)
    ensure_partitions(months_between(first=first, end=add_months(DAY, 1)))  # DAY's rows move into their month
    build_history(args, first)
    vacuum(url)
    build_commands(args, first)
    print(f"set-up: {time.perf_counter() - started:.1f} s")

    page_before = page_times(args.repeat)
    print(f"account file page, every month in PostgreSQL: median {ms(page_before)}, slowest {ms([max(page_before)])}")

    from gridpay.application.history.archive_months import archive_months  # what `gridpay archive` runs

    started = time.perf_counter()
    report = archive_months(before=add_months(DAY, -args.recent), today=DAY, at=AT, directory=archive)
    size = sum(path.stat().st_size for path in archive.rglob("*.parquet"))
    print(f"archive: {len(report.archived)} month partitions, {sum(d.rows for d in report.archived):,} rows, "
          f"{size / 1e6:.1f} MB of Parquet in {time.perf_counter() - started:.1f} s")
    page_after = page_times(args.repeat)
    print(f"account file page, {args.months - args.recent} months archived: median {ms(page_after)}, "
          f"slowest {ms([max(page_after)])}; ceiling {PAGE_CEILING_S * 1000:.0f} ms")

    scaled = scaled_page(args, archive) if args.archived_accounts else None

    partitioned = settle_child(0, url)
    in_database = table_rows()
    started = time.perf_counter()
    migrate_to("0039_batch_rows_without_key_checks")
    print(f"migration back to 0039 (plain tables; {in_database}): {time.perf_counter() - started:.1f} s")
    plain = settle_child(1, url)
    started = time.perf_counter()
    migrate_to(None)
    print(f"migration 0040 again (partitioned): {time.perf_counter() - started:.1f} s")
    again = settle_child(2, url)
    for label, (settled, seconds) in (("partitioned", partitioned), ("plain tables (0039)", plain),
                                      ("partitioned again", again)):
        print(f"settlement {label}: {settled:,} accounts in {seconds:.2f} s = {settled / seconds:,.0f} accounts/s")
    rates = sorted(settled / seconds for settled, seconds in (partitioned, again))
    at_scale = f" ({scaled * 1000:.0f} ms at {args.archived_accounts:,} accounts' archive)" if scaled else ""
    print(f"page: {statistics.median(page_after) * 1000:.0f} ms{at_scale} against {PAGE_CEILING_S * 1000:.0f} ms; "
          f"settlement partitioned {rates[0]:,.0f}–{rates[1]:,.0f} against plain {plain[0] / plain[1]:,.0f} accounts/s")


def scaled_page(args: argparse.Namespace, archive: Path) -> float:
    """The archived files made again at --archived-accounts accounts' size, then the page timed against them."""
    from gridpay.application.customers.customer_file import customer_file

    shown = customer_file(account_no="B000000001", today=DAY)
    started = time.perf_counter()
    rows = sum(scale_file(path, args.history_accounts, args.archived_accounts)
               for name in ("reading", "settlement", "transfer", "meter_command")
               for path in sorted((archive / name).glob("*.parquet")))
    size = sum(path.stat().st_size for path in archive.rglob("*.parquet"))
    print(f"archive made again at {args.archived_accounts:,} accounts: {rows:,} rows, {size / 1e9:.2f} GB of Parquet "
          f"in {time.perf_counter() - started:.0f} s")
    assert customer_file(account_no="B000000001", today=DAY) == shown, "the first account's file changed"
    page = page_times(args.repeat)
    print(f"account file page, {args.months - args.recent} months archived at {args.archived_accounts:,} accounts: "
          f"median {ms(page)}, slowest {ms([max(page)])}; ceiling {PAGE_CEILING_S * 1000:.0f} ms")
    return statistics.median(page)


def scale_file(path: Path, history_accounts: int, accounts: int) -> int:
    """The file's rows repeated with their account, meter and ledger account ids moved up by history_accounts at
    each copy, up to ``accounts``; written as archive_partition writes (same order, same sink)."""
    import polars as pl

    from gridpay.data.history_partitions import BY_NAME

    history = BY_NAME[path.parent.name]
    rows = pl.read_parquet(path)
    if rows.is_empty():
        return 0
    moved = [c for c in ("account_id", "meter_id", "debit_id", "credit_id") if c in rows.columns]
    step = int(rows["id"].max()) + 1
    copies = []
    for copy in range(-(-accounts // history_accounts)):
        shifted = rows.with_columns(pl.col("id") + copy * step)
        if copy:  # only the history accounts' own ids move: the revenue account stays the revenue account
            shifted = shifted.with_columns(pl.when(pl.col(c) <= history_accounts)
                                           .then(pl.col(c) + copy * history_accounts).otherwise(pl.col(c)).alias(c)
                                           for c in moved)
        copies.append(shifted)
    town = pl.concat(copies)
    if history.name == "transfer":  # numbered as a night's settlement numbers them: day by day, account by account
        town = town.sort("business_day", "debit_id").with_columns(pl.int_range(1, pl.len() + 1).alias("id"))
    temporary = path.with_suffix(".scaled")
    town.lazy().sort([c.strip() for c in history.order.split(",")]).sink_parquet(temporary)
    temporary.replace(path)
    return len(town)


def build_history(args: argparse.Namespace, first) -> None:  # type: ignore[no-untyped-def]
    """Daily readings, settlements and settlement transfers of the history accounts from ``first`` to the day before
    DAY-1 (which build_town settled), and every account's readings of DAY+1 and DAY+2."""
    from django.db import transaction

    from gridpay.data.bulk import insert_rows
    from gridpay.data.ledger import REVENUE, TRANSFER_COLUMNS
    from gridpay.data.models import LedgerAccount, TariffVersion
    from gridpay.data.settlement_store import SETTLEMENT_COLUMNS

    revenue, _ = LedgerAccount.objects.get_or_create(code=REVENUE, defaults={"kind": "revenue"})
    version = TariffVersion.objects.get(tariff__code="zj-resident-2024").id
    started = time.perf_counter()
    day = first
    while day < DAY - timedelta(days=1):
        days = [day + timedelta(days=n) for n in range(7) if day + timedelta(days=n) < DAY - timedelta(days=1)]
        readings, settlements, transfers = [], [], []
        for each in days:
            settled_at = f"{each + timedelta(days=1)} 02:00:00+00"
            total = (each - first).days * 500 + 100_000
            for i in range(1, args.history_accounts + 1):
                readings.append((i, i, each, kwh(total), "5.00", None, None, settled_at))
                settlements.append((i, each, "5.00", 269, version, each.replace(day=1), kwh(total), 2_690_000,
                                    settled_at))
                transfers.append((i, revenue.id, 269, "settlement", each, settled_at, -269, 269))
        with transaction.atomic():
            insert_rows("gridpay_reading", READING_COLUMNS, readings)
            insert_rows("gridpay_settlement", SETTLEMENT_COLUMNS, settlements, plain=True)
            insert_rows("gridpay_transfer", TRANSFER_COLUMNS, transfers, plain=True)
        day = days[-1] + timedelta(days=1)
        print(f"  history through {day}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    ahead = []
    for n in range(1, DAYS_AHEAD + 1):
        each = DAY + timedelta(days=n)
        ahead += [(i, i, each, kwh(600_000 + n * 300), "3.00", None, None, AT + timedelta(days=n))
                  for i in range(1, args.accounts + 1)]
    insert_rows("gridpay_reading", READING_COLUMNS, ahead)


def build_commands(args: argparse.Namespace, first) -> None:  # type: ignore[no-untyped-def]
    """Each month of the history, one history account in COMMANDS_EVERY disconnected on the 5th and reconnected on
    the 6th, both confirmed, with the event of each; account i's meter is meter i (build_town)."""
    from django.db import connection, transaction

    from gridpay.data.bulk import insert_rows
    from gridpay.domain.history_months import add_months

    month = first
    while month < DAY.replace(day=1):
        rows = []
        for action, day, hour in (("disconnect", 5, 2), ("reconnect", 6, 9)):
            at = f"{month.replace(day=day)} 0{hour}:30:00+08"
            rows += [(i, i, action, "confirmed", "benchmark", at, at, 1, at, False, at, "")
                     for i in range(1, args.history_accounts + 1, COMMANDS_EVERY)]
        with transaction.atomic():
            insert_rows("gridpay_metercommand", COMMAND_COLUMNS, rows, plain=True)
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO gridpay_metercommandevent (command_id, at, event, detail) "
                               "SELECT id, finished_at, status, '' FROM gridpay_metercommand WHERE created_at >= %s "
                               "AND created_at < %s", [f"{month} 00:00:00+08", f"{add_months(month, 1)} 00:00:00+08"])
        month = add_months(month, 1)


def vacuum(url: str) -> None:
    import psycopg
    from django.db import connection

    connection.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def page_times(repeat: int) -> list[float]:
    """The account file page of the first account, signed in as a cashier, --repeat answers after a first."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from gridpay.application.staff.add_staff import add_staff

    if not get_user_model().objects.filter(username="bench").exists():
        add_staff(username="bench", name="测试员", role="cashier", password="bench-password-1")
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    times = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        answer = client.get("/customers/B000000001/")
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.status_code
    return times[1:]


def settle(day) -> None:  # type: ignore[no-untyped-def]
    django_setup()
    from gridpay.application.settlement.settle_day import settle_day

    started = time.perf_counter()
    report = settle_day(day=day, at=AT + (day - DAY), batch_size=20_000)
    print(f"seconds={time.perf_counter() - started} settled={report.settled}")


def settle_child(offset: int, url: str) -> tuple[int, float]:
    from django.db import connection

    connection.close()
    child = subprocess.run([sys.executable, __file__, "--settle-day", str(offset)], capture_output=True, text=True,
                           check=True, env={**os.environ, "GRIDPAY_DATABASE_URL": url})
    figures = dict(line.split("=", 1) for line in child.stdout.split())
    return int(figures["settled"]), float(figures["seconds"])


def table_rows() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = []
        for table in ("reading", "settlement", "transfer", "metercommand"):
            cursor.execute(f"SELECT count(*) FROM gridpay_{table}")
            counts.append(f"{cursor.fetchone()[0]:,} {table}s")
    return ", ".join(counts)


def migrate_to(target: str | None) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("gridpay", target)] if target else executor.loader.graph.leaf_nodes())
    connection.close()


def ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:.1f} ms"


if __name__ == "__main__":
    main()
