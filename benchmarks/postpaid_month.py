"""Benchmark of a postpaid month: N accounts billed on their reading day, their late fees accrued, P bills paid.

Set-up (not timed): N postpaid accounts (one in ten non-residential, one in ten on time-of-use prices,
zj-resident-2024) in villages of 300 whose reading day is the 25th, so that the bill run of 25 June bills all N;
each has a meter read every day of June 2025 (24-40 kWh a day, so that five overdue days of late fee pass the
1-yuan minimum and every later day adds to it). Timed, in a process of its own (its peak memory is printed):

- the bill run of 25 June (issue_bills): bills issued/s;
- the same run again, which issues nothing: seconds;
- the late-fee run through the 5th day after the due date (every bill charged), then through the 6th (every bill
  charged again, a day's fee): bills accrued/s;
- P counter payments (record_payment) on the 7th day, each paying its bill with its late fee through that day:
  payments/s, and the latency of one payment (p50/p95).

Between the steps (not timed), VACUUM ANALYZE (SQLite: ANALYZE), as autovacuum would in the days between them.

The ceiling, in the same run on PostgreSQL: COPY of N bill-shaped rows (PostpaidBill's columns) and N
transfer-shaped rows from a buffer prepared beforehand into unindexed tables of a fresh database, best of 3, as
rows/s and as bills/s (a bill and its transfer). Each rate is printed next to it with `ratio:`.
SQLite has no such ceiling: none is printed.

    python benchmarks/postpaid_month.py --accounts 30000 --payments 5000
    python benchmarks/postpaid_month.py --accounts 30000 --db sqlite
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from settlement import (
    CHUNK,
    READING_COLUMNS,
    best_copy_seconds,
    checkpoint,
    django_setup,
    drop_postgres_database,
    finish_set_up,
    insert_accounts,
    kwh,
    recreate_postgres_database,
)

if TYPE_CHECKING:
    import psycopg

FIRST_DAY = date(2025, 6, 1)
DAYS_READ = 30  # every day of June
READING_DAY = date(2025, 6, 25)
BILLED_AT = datetime(2025, 6, 26, 2, 0, tzinfo=UTC)
ACCOUNTS_A_VILLAGE = 300
DAILY_CKWH = (2_400, 4_000)  # hundredths of a kWh a day
FIRST_ACCRUAL_DAYS = 5  # days after the due date: 5 × 1‰ of the smallest bill is above the 1-yuan minimum


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=30_000)
    parser.add_argument("--payments", type=int, default=5_000)
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument(
        "--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres", help="server for both runs"
    )
    parser.add_argument("--db-name", default="gridpay_bench_postpaid", help="the PostgreSQL database made for the run")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.payments > args.accounts:
        parser.error("--payments: at most one payment a bill, so no more than --accounts")
    if args.measure_only:
        measure_in_this_process(accounts=args.accounts, payments=args.payments)
        return

    server = args.pg_url.rsplit("/", 1)[0]
    if args.db == "postgresql":
        recreate_postgres_database(args.pg_url, args.db_name)
        url = f"{server}/{args.db_name}"
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='gridpay-bench-postpaid-')}/bench.sqlite3"
    os.environ["GRIDPAY_DATABASE_URL"] = url
    villages = -(-args.accounts // ACCOUNTS_A_VILLAGE)
    print(
        f"gridpay postpaid-month benchmark on {args.db}: {args.accounts:,} postpaid accounts in {villages:,} villages,"
        f" all with reading day {READING_DAY.day} (one bill run bills all of them), readings of every day of"
        f" {FIRST_DAY:%B %Y}; {args.payments:,} payments"
    )
    try:
        started = time.perf_counter()
        build_postpaid_town(args.accounts)
        readings = args.accounts * DAYS_READ
        print(f"set-up (accounts, meters, {readings:,} readings): {time.perf_counter() - started:.1f} s")
        if args.db == "postgresql":
            checkpoint(args.pg_url)
        child = subprocess.run(
            [sys.executable, __file__, "--measure-only", "--accounts", str(args.accounts),
             "--payments", str(args.payments)],
            env={**os.environ, "GRIDPAY_DATABASE_URL": url},
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
    finally:
        if args.db == "postgresql":
            # Its autovacuum, woken by the run, would otherwise slow the ceiling down and flatter the ratio.
            drop_postgres_database(args.pg_url, args.db_name)
    *lines, last = child.stdout.strip().splitlines()
    print("\n".join(lines))
    rates: dict[str, float] = json.loads(last)
    if args.db == "sqlite":
        print("ceiling: none on SQLite (no COPY); the figures above stand alone")
        return
    seconds = best_copy_seconds(
        f"{server}/{args.db_name}_copy", args.pg_url, create=CEILING_TABLES, copy=ceiling_copy(args.accounts)
    )
    ceiling = args.accounts / seconds
    print(
        f"ceiling: PostgreSQL COPY of {args.accounts:,} bill rows + {args.accounts:,} transfer rows from a prepared"
        f" buffer into unindexed tables (best of 3): {seconds:.3f} s = {2 * args.accounts / seconds:,.0f} rows/s"
        f" = {ceiling:,.0f} bills/s (a bill and its transfer)"
    )
    for what, rate in rates.items():
        print(f"{what}: {rate:,.0f}/s against the ceiling's {ceiling:,.0f} bills/s, ratio: {rate / ceiling:.4f}")


def build_postpaid_town(count: int) -> None:
    """Postpaid accounts 1..``count`` with no credit, in villages read on the 25th, and a reading every day."""
    django_setup()
    from django.core.management import call_command
    from django.db import transaction

    from gridpay.application.tariffs.install_builtin_tariffs import install_builtin_tariffs
    from gridpay.data.bulk import insert_rows
    from gridpay.data.models import TariffVersion, Village

    call_command("migrate", verbosity=0)
    install_builtin_tariffs()
    version = TariffVersion.objects.get(tariff__code="zj-resident-2024")
    villages = [
        v.id
        for v in Village.objects.bulk_create(
            Village(name=f"{n}村", town="基准镇", reading_day=READING_DAY.day)
            for n in range(1, -(-count // ACCOUNTS_A_VILLAGE) + 1)
        )
    ]
    rng = random.Random(20250625)
    received = datetime.combine(FIRST_DAY, datetime.min.time(), UTC)
    for first in range(1, count + 1, CHUNK):
        ids = range(first, min(first + CHUNK, count + 1))
        with transaction.atomic():
            insert_accounts(
                ids,
                tariff_id=version.tariff_id,
                balance_fen=lambda _: 0,  # no credit: a bill is not paid the moment it is issued
                mode="postpaid",
                village_id=lambda i: villages[(i - 1) // ACCOUNTS_A_VILLAGE],
                category=lambda i: "other" if i % 10 == 5 else "residential",
            )
            readings = []
            for i in ids:
                total = 0
                for offset in range(DAYS_READ):
                    energy = rng.randint(*DAILY_CKWH)
                    total += energy
                    peak = energy * 6 // 10 if i % 10 == 0 else None
                    readings.append(
                        (
                            i,
                            i,
                            FIRST_DAY + timedelta(days=offset),
                            kwh(total),
                            kwh(energy),
                            None if peak is None else kwh(peak),
                            None if peak is None else kwh(energy - peak),
                            received + timedelta(days=offset + 1),
                        )
                    )
            insert_rows(
                "gridpay_reading",
                READING_COLUMNS,
                readings,
            )
        print(f"  set-up {ids[-1]:,} / {count:,}", file=sys.stderr)
    finish_set_up(count)


@contextmanager
def counted_statements() -> Iterator[list[int]]:
    """The number of statements sent to the database inside the block (one integer in the list)."""
    from django.db import connection

    count = [0]

    def count_one(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count_one):
        yield count


def measure_in_this_process(*, accounts: int, payments: int) -> None:
    """Every timed step; human lines, then the rates as one JSON line for the parent."""
    django_setup()
    from gridpay.application.payments.record_payment import record_payment
    from gridpay.application.postpaid.accrue_late_fees import accrue_late_fees
    from gridpay.application.postpaid.issue_bills import issue_bills
    from gridpay.data.models import PostpaidBill
    from gridpay.data.settings import gridpay_settings
    from gridpay.domain.late_fees import CustomerCategory, late_fee_for_payment

    rates: dict[str, float] = {}

    def timed(what: str, run: Callable[[], Any]) -> tuple[Any, float]:
        with counted_statements() as statements:
            started = time.perf_counter()
            result = run()
            seconds = time.perf_counter() - started
        print(f"{what}: {seconds:.2f} s, {statements[0]:,} statements", flush=True)
        return result, seconds

    report, seconds = timed(f"bill run of {READING_DAY}", lambda: issue_bills(day=READING_DAY, at=BILLED_AT))
    rates["bills issued"] = report.issued / seconds
    print(f"  {report.issued:,} bills issued ({report.amount_fen / 100:,.2f} yuan, {report.energy_kwh:,.2f} kWh) "
          f"= {report.issued / seconds:,.0f} bills/s; without a reading {len(report.without_reading)}, "
          f"refused {len(report.refused)}")
    days_pass()
    again, seconds = timed(f"the bill run of {READING_DAY} again", lambda: issue_bills(day=READING_DAY, at=BILLED_AT))
    print(f"  {again.issued:,} bills issued, {again.due:,} accounts due")

    due_on = READING_DAY + timedelta(days=gridpay_settings().postpaid_due_days)
    for days in (FIRST_ACCRUAL_DAYS, FIRST_ACCRUAL_DAYS + 1):
        through = due_on + timedelta(days=days)
        at = datetime.combine(through + timedelta(days=1), datetime.min.time(), UTC)
        accrual, seconds = timed(
            f"late-fee run through {through} ({days} days overdue)",
            partial(accrue_late_fees, through=through, at=at),
        )
        rates[f"bills accrued, {days} days overdue"] = accrual.bills / seconds
        print(f"  {accrual.bills:,} overdue bills, {accrual.charged_bills:,} charged {accrual.charged_fen / 100:,.2f}"
              f" yuan = {accrual.bills / seconds:,.0f} bills/s")
        days_pass()

    pay_day = due_on + timedelta(days=FIRST_ACCRUAL_DAYS + 2)
    rates_of_fees = gridpay_settings().late_fee_rates
    bills = random.Random(20250717).sample(
        list(PostpaidBill.objects.select_related("account").order_by("id")), payments
    )
    # Each payment is its bill with the late fee through the day of payment, which the payment charges first.
    owed = [
        (bill.account.account_no, bill.amount_fen + late_fee_for_payment(
            category=CustomerCategory(bill.account.category), bill_month=bill.month, due=bill.due_on,
            paid_on=pay_day, principal_fen=bill.amount_fen, rates=rates_of_fees).fee_fen)
        for bill in bills
    ]
    received = datetime.combine(pay_day, datetime.min.time(), UTC) + timedelta(hours=2)
    latencies = []
    with counted_statements() as statements:
        started = time.perf_counter()
        for n, (account_no, fen) in enumerate(owed):
            one = time.perf_counter()
            record_payment(account_no=account_no, amount_fen=fen, channel="counter", channel_txn_id=f"bench-{n}",
                           received_at=received + timedelta(milliseconds=n), business_day=pay_day)
            latencies.append(time.perf_counter() - one)
        seconds = time.perf_counter() - started
    latencies.sort()
    paid_off = PostpaidBill.objects.filter(id__in=[b.id for b in bills], paid_off_on=pay_day).count()
    rates["payments"] = payments / seconds
    print(f"{payments:,} counter payments on {pay_day}, each its bill and late fee: {seconds:.2f} s, "
          f"{statements[0]:,} statements = {payments / seconds:,.0f} payments/s; per payment "
          f"p50 {percentile(latencies, 50) * 1000:.1f} ms, p95 {percentile(latencies, 95) * 1000:.1f} ms; "
          f"bills paid off {paid_off:,} of {payments:,}")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the timed process (whole process RSS, every step): {peak_mib:.0f} MiB")
    print(json.dumps(rates))


def days_pass() -> None:
    """Between two timed steps, not timed: what autovacuum does in the days between them (without it, the planner
    would take the bill table for the empty one of the set-up, and on a server without autovacuum it stays so)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def percentile(ordered: list[float], p: int) -> float:
    return ordered[min(len(ordered) - 1, len(ordered) * p // 100)]


CEILING_TABLES = [
    "CREATE TABLE bill (account_id bigint, bill_no varchar(40), month date, period_from date, reading_date date,"
    " energy_kwh numeric(12,2), tou_kwh jsonb, tariff_code varchar(40), lines jsonb, amount_fen bigint,"
    " issued_on date, issued_at timestamptz, due_on date, posting_id bigint, principal_paid_fen bigint,"
    " late_fee_fen bigint, late_fee_through date, late_fee_paid_fen bigint, late_fee_waived_fen bigint,"
    " paid_off_on date)",
    "CREATE TABLE transfer (debit_id bigint, credit_id bigint, amount_fen bigint, kind varchar(24),"
    " business_day date, created_at timestamptz, debit_balance_after_fen bigint, credit_balance_after_fen bigint)",
]


def ceiling_copy(rows: int) -> "Callable[[psycopg.Cursor[Any]], None]":
    """COPY of ``rows`` bills (as the bill run writes them: one tier line) and as many transfers, from buffers in
    COPY's text format made before the clock starts, so that the ceiling is the server's and not Python's."""
    lines = json.dumps([{"tier": 1, "period": "flat", "energy_kwh": "812.34", "price": "0.538",
                         "amount_micro_yuan": 437038920}])
    bills = "".join(
        f"{i}\t202506B{i:09d}\t2025-06-01\t2025-06-01\t2025-06-25\t812.34\t{{}}\tzj-resident-2024\t{lines}\t43704"
        f"\t2025-06-25\t2025-06-26 02:00:00+00\t2025-07-10\t{i}\t0\t0\t\\N\t0\t0\t\\N\n"
        for i in range(1, rows + 1)
    ).encode()
    transfers = "".join(
        f"{rows + i}\t{rows * 2 + 1}\t43704\tpostpaid_bill\t2025-06-25\t2025-06-26 02:00:00+00\t-43704\t{i * 43704}\n"
        for i in range(1, rows + 1)
    ).encode()

    def copy(cursor: "psycopg.Cursor[Any]") -> None:
        for table, buffer in (("bill", bills), ("transfer", transfers)):
            with cursor.copy(f"COPY {table} FROM STDIN") as stream:
                stream.write(buffer)

    return copy


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    main()
