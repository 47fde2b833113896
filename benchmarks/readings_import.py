"""Benchmark of the readings import (`gridpay readings import`): N meters' daily frozen readings from CSV files.

N accounts read up to the 15th (benchmarks/settlement.py's town). Timed, each a file of N rows: the 16th (every
row new, its energy known), the same file again (every row unchanged), the 18th (a gap: every energy waits) and
the 17th (the gap closed: every row new and the 18th's waiting energy filled). Prints rows/s for each.

    python benchmarks/readings_import.py --meters 100000
    python benchmarks/readings_import.py --meters 100000 --db sqlite
"""

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from settlement import DAY, build_town, checkpoint, drop_postgres_database, recreate_postgres_database

RECEIVED_AT = datetime(2025, 6, 19, 2, 0, tzinfo=UTC)
HEADER = "meter_no,reading_date,total_kwh,sharp_kwh,peak_kwh,flat_kwh,valley_kwh"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meters", type=int, default=100_000)
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--db-name", default="gridpay_bench_import", help="the PostgreSQL database made for the run")
    args = parser.parse_args()
    if args.db == "postgresql":
        recreate_postgres_database(args.pg_url, args.db_name)
        url = args.pg_url.rsplit("/", 1)[0] + "/" + args.db_name
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='gridpay-bench-import-')}/bench.sqlite3"
    os.environ["GRIDPAY_DATABASE_URL"] = url
    print(f"gridpay readings-import benchmark on {args.db}: {args.meters:,} meters")
    started = time.perf_counter()
    build_town(args.meters)
    if args.db == "postgresql":
        checkpoint(args.pg_url)
    print(f"set-up: {time.perf_counter() - started:.1f} s")
    try:
        measure(args.meters)
    finally:
        from django.db import connections

        connections.close_all()
        if args.db == "postgresql":
            drop_postgres_database(args.pg_url, args.db_name)


def measure(meters: int) -> None:
    from gridpay.application.readings.import_readings import import_readings_file
    from gridpay.data.models import Reading
    from gridpay.data.settings import gridpay_settings

    max_daily_kwh = gridpay_settings().max_daily_kwh
    totals = dict(Reading.objects.filter(reading_date=DAY).values_list("meter__meter_no", "total_kwh"))
    rng = random.Random(20250616)
    by_day: dict[date, dict[str, Decimal]] = {}
    for offset in (1, 2, 3):
        totals = {meter_no: total + Decimal(rng.randint(0, 3_000)) / 100 for meter_no, total in totals.items()}
        by_day[DAY + timedelta(days=offset)] = totals
    folder = Path(tempfile.mkdtemp(prefix="gridpay-bench-import-files-"))
    files = {}
    for day, day_totals in by_day.items():
        path = folder / f"{day}.csv"
        path.write_text(
            "\n".join([HEADER, *(f"{m},{day},{total},,,," for m, total in sorted(day_totals.items()))]) + "\n",
            encoding="utf-8",
        )
        files[day] = path
    plan = [
        ("the 16th, every row new", DAY + timedelta(days=1)),
        ("the 16th again, every row unchanged", DAY + timedelta(days=1)),
        ("the 18th, every energy waiting", DAY + timedelta(days=3)),
        ("the 17th, closing the gap", DAY + timedelta(days=2)),
    ]
    for what, day in plan:
        started = time.perf_counter()
        report = import_readings_file(path=files[day], received_at=RECEIVED_AT, max_daily_kwh=max_daily_kwh)
        seconds = time.perf_counter() - started
        print(f"{what}: {meters:,} rows in {seconds:.2f} s = {meters / seconds:,.0f} rows/s "
              f"(stored {report.stored:,}, unchanged {report.unchanged:,}, rejected {len(report.rejected):,})")
    waiting = Reading.objects.filter(reading_date__gt=DAY, energy_kwh__isnull=True).count()
    print(f"readings still waiting for their energy: {waiting:,}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    main()
