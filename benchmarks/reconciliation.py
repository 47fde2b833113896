"""Benchmark of reconciliation: a WeChat Pay trade bill of N lines against N payments of the same day.

Set-up: N payments (and their transfers) of one day, written with COPY and analysed; the bill lists them all, with
a few differences planted (missing here, missing there, amount, account, duplicate). Timed: `reconcile_channel`
whole — parse the file, read our day, match, store the differences. Ceiling, same run: PostgreSQL itself
doing the matching — COPY the statement's (id, amount, account) into an unlogged table and one FULL OUTER
JOIN against the payments. Prints both and `ratio:` (ceiling time / our time).

    python benchmarks/reconciliation.py --lines 1000000
"""

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.channel_servers import WECHAT_BILL_HEADER as HEADER

from settlement import build_town, checkpoint, drop_postgres_database, recreate_postgres_database

DAY = date(2025, 6, 16)
CHINA = timezone(timedelta(hours=8))
ACCOUNTS = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--profile", action="store_true", help="print where reconcile_channel spends its time")
    args = parser.parse_args()
    recreate_postgres_database(args.pg_url, "gridpay_bench_rec")
    url = args.pg_url.rsplit("/", 1)[0] + "/gridpay_bench_rec"
    os.environ["GRIDPAY_DATABASE_URL"] = url
    n = args.lines
    print(f"gridpay reconciliation benchmark on postgresql: {n:,} statement lines")
    started = time.perf_counter()
    build_town(ACCOUNTS)
    bill = write_payments_and_bill(n)
    # The day's payments came in over the day, and autovacuum has analysed the table by the time its statement
    # arrives: without statistics the planner takes a million rows for five and joins them row by row.
    vacuum_analyze(url)
    checkpoint(args.pg_url)
    print(f"set-up: {time.perf_counter() - started:.1f} s; bill {bill.stat().st_size / 1e6:.0f} MB")

    from gridpay.application.payments.reconciliation.reconcile_channel import reconcile_channel

    content = bill.read_bytes()
    parts(content)
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    report = reconcile_channel(channel="wechat", day=DAY, file_name=bill.name, content=content,
                               run_by="benchmark", at=datetime.now(UTC), zone="Asia/Shanghai")
    ours = time.perf_counter() - started
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(12)
    print(f"gridpay reconcile: {report.lines:,} lines, {report.matched:,} matched, "
          f"{len(report.difference_ids)} differences in {ours:.2f} s = {report.lines / ours:,.0f} lines/s")
    ceiling = sql_ceiling(bill)
    print(f"ceiling: PostgreSQL COPY of the statement into an unlogged table + FULL OUTER JOIN: {ceiling:.2f} s")
    from django.db import connection

    connection.close()
    drop_postgres_database(args.pg_url, "gridpay_bench_rec")
    print(f"ratio: {ceiling / ours:.3f}")


def vacuum_analyze(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def parts(content: bytes) -> None:
    """The two reads on their own, for where the time goes."""
    from gridpay.data.queries.reconciliation import our_records_frame
    from gridpay.domain.business_time import day_bounds
    from gridpay.integrations.channels.statements import statement_frame

    started = time.perf_counter()
    lines = statement_frame("wechat", content).height
    parsed = time.perf_counter() - started
    start, end = day_bounds(day=DAY, zone="Asia/Shanghai")
    started = time.perf_counter()
    ours = our_records_frame(channel="wechat", start=start, end=end).height
    print(f"  of which: reading the bill ({lines:,} lines) {parsed:.2f} s, "
          f"reading our day ({ours:,} payments) {time.perf_counter() - started:.2f} s")


def write_payments_and_bill(n: int) -> Path:
    """N payments at 10:00 Beijing time for the town's accounts, and the bill listing them with 5 differences."""
    import numpy as np
    from django.db import transaction
    from django.db.models import Max

    from gridpay.data.bulk import insert_rows
    from gridpay.data.ledger import clearing_code, post, system_account
    from gridpay.data.models import Transfer
    from gridpay.domain.ledger import LedgerAccountKind, TransferKind
    from gridpay.domain.ledger_batch import TransferBatch

    clearing = system_account(clearing_code("wechat"), LedgerAccountKind.CLEARING)
    paid_at = datetime.combine(DAY, datetime.min.time(), CHINA).replace(hour=10).astimezone(UTC)
    chunk = 100_000
    for first in range(1, n + 1, chunk):
        ids = range(first, min(first + chunk, n + 1))
        numbers = np.arange(first, ids[-1] + 1, dtype=np.int64)
        with transaction.atomic():
            payments = TransferBatch(debit=np.full(len(ids), clearing.id, dtype=np.int64),
                                     credit=1 + numbers % ACCOUNTS, amount_fen=100 + numbers % 9_900,
                                     kind=TransferKind.PAYMENT)
            post(payments, business_day=DAY, at=paid_at)
            # This lone session's batch took the next ids of the sequence, one by one: payment i is transfer i.
            assert Transfer.objects.aggregate(last=Max("id"))["last"] == ids[-1]
            insert_rows("gridpay_payment", ("id", "account_id", "channel", "channel_txn_id", "amount_fen",
                                            "received_at", "business_day", "transfer_id", "payer"),
                        [(i, 1 + i % ACCOUNTS, "wechat", f"42{i:026d}", 100 + i % 9_900, paid_at, DAY, i, "")
                         for i in ids])
    path = Path(tempfile.mkdtemp(prefix="gridpay-bench-rec-")) / f"wechat-{DAY}.csv"
    time_text = f"{paid_at.astimezone(CHINA):%Y-%m-%d %H:%M:%S}"
    with path.open("w", encoding="utf-8") as bill:
        bill.write(HEADER + "\n")
        for i in range(1, n + 1):
            amount = 100 + i % 9_900
            account = f"B{1 + i % ACCOUNTS:09d}"
            txn = f"42{i:026d}"
            if i == 7:
                amount += 1  # amount mismatch
            if i == 8:
                account = "B999999999"  # account mismatch
            if i == 9:
                continue  # missing there
            if i == 10:
                txn = f"43{i:026d}"  # missing here
            row = _row(time_text, txn, amount, account)
            bill.write(row)
            if i == 11:
                bill.write(row)  # listed twice
        bill.write("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\n")
        bill.write(f"`{n},`0.00,`0.00,`0.00,`0.00,`0.00,`0.00\n")
    return path


def _row(at: str, txn: str, fen: int, account: str) -> str:
    yuan = f"{fen // 100}.{fen % 100:02d}"
    fields = [at, "wx8888888888888888", "1900000109", "0", "", txn, f"GP{txn[-20:]}", "oUpF8u", "NATIVE",
              "SUCCESS", "OTHERS", "CNY", yuan, "0.00", "0", "0", "0.00", "0.00", "", "", "电费", account, "0.00",
              "0.60%", yuan, "0.00", ""]
    return ",".join("`" + f for f in fields) + "\n"


def sql_ceiling(bill: Path) -> float:
    """The database matching the statement itself: COPY what the statement says, then one join."""
    from django.db import connection

    from gridpay.integrations.channels.statements import parse_wechat_bill

    lines = list(parse_wechat_bill(bill.read_bytes()))  # parsing is not part of the ceiling: the database's part is
    with connection.cursor() as cursor:
        cursor.execute("CREATE UNLOGGED TABLE statement_lines (txn text, amount_fen bigint, account_no text)")
        started = time.perf_counter()
        with cursor.cursor.copy("COPY statement_lines FROM STDIN") as copy:
            for line in lines:
                copy.write_row((line.channel_txn_id, line.amount_fen, line.account_no))
        cursor.execute(
            "SELECT count(*) FROM statement_lines s FULL OUTER JOIN ("
            "  SELECT p.channel_txn_id, p.amount_fen, a.account_no FROM gridpay_payment p"
            "  JOIN gridpay_account a ON a.id = p.account_id WHERE p.channel = 'wechat'"
            "  AND p.received_at >= %s AND p.received_at < %s) o ON o.channel_txn_id = s.txn"
            " WHERE o.channel_txn_id IS NULL OR s.txn IS NULL OR o.amount_fen <> s.amount_fen"
            " OR o.account_no <> s.account_no",
            [datetime.combine(DAY, datetime.min.time(), CHINA), datetime.combine(DAY + timedelta(days=1),
                                                                                 datetime.min.time(), CHINA)],
        )
        cursor.fetchone()
        return time.perf_counter() - started


if __name__ == "__main__":
    main()
