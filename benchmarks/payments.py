"""Benchmark of the payment endpoints over HTTP, next to the same SQL run directly against the database.

A bounded load at a fixed rate (open loop: request i is sent at t0 + i/rate, at most --in-flight at once):
1. `POST /api/payments` (staff token, Idempotency-Key), each for another account;
2. WeChat Pay notifications (RSA-signed, AES-GCM resource) to `POST /api/channels/wechat/notify`, each paying
   an open order of another account.
The server is `gridpay serve` (gunicorn) in its own process. The ceiling: the statements one request of each
kind executes, captured from the application and replayed with psycopg-level cursors straight to the database
at the same rate (same statements, new accounts and ids). Prints requests/s, p50/p99 for both and `ratio: R`
(the smaller of the two endpoints' achieved rate over the direct SQL's; target ≥ 0.8).

    python benchmarks/payments.py --rate 100 --requests 2000
    python benchmarks/payments.py --db sqlite --rate 50 --requests 1000
"""

import argparse
import asyncio
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from settlement import build_town, checkpoint, drop_postgres_database, recreate_postgres_database  # noqa: E402

AMOUNT_FEN = 12_345  # distinct from every id, so substituting values in captured parameters is unambiguous


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second, fixed")
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint and for each SQL replay")
    parser.add_argument("--in-flight", type=int, default=64, help="at most this many requests outstanding")
    parser.add_argument("--workers", type=int, default=3, help="gridpay serve --workers")
    parser.add_argument("--threads", type=int, default=2, help="gridpay serve --threads")
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="gridpay-bench-pay-"))
    if args.db == "postgresql":
        recreate_postgres_database(args.pg_url, "gridpay_bench_pay")
        url = args.pg_url.rsplit("/", 1)[0] + "/gridpay_bench_pay"
    else:
        url = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ["GRIDPAY_DATABASE_URL"] = url
    # `gridpay serve` signs sessions with it and refuses to start on PostgreSQL without one: a key for this run.
    os.environ.setdefault("GRIDPAY_SECRET_KEY", secrets.token_urlsafe(50))
    from tests.support.channel_servers import WeChatPayServer

    wechat = WeChatPayServer()  # only its keys and its notification writer: no server is started
    os.environ.update(wechat.settings(workdir))
    n = args.requests
    accounts = 4 * n + 10
    print(f"gridpay payments benchmark on {args.db}: {accounts:,} accounts, {n:,} requests per run at {args.rate:g}/s")
    started = time.perf_counter()
    build_town(accounts)
    token, orders = prepare(n, wechat)
    templates = capture_templates(token, wechat, template_account=accounts)
    before = {name: balances(ids) for name, ids in target_ranges(n).items()}
    if args.db == "postgresql":
        checkpoint(args.pg_url)
    print(f"set-up: {time.perf_counter() - started:.1f} s")

    port = free_port()
    env = {**os.environ, "GRIDPAY_LOG_LEVEL": "ERROR"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gridpay"), "serve", "--port", str(port), "--workers", str(args.workers),
         "--threads", str(args.threads), "--quiet"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        base = f"http://127.0.0.1:{port}"
        payment_requests = [payment_request(base, token, i) for i in range(1, n + 1)]
        payments = asyncio.run(drive(payment_requests, rate=args.rate, in_flight=args.in_flight))
        report("POST /api/payments", payments, n)
        notify_requests = [notification_request(base, wechat, orders[i]) for i in range(n)]
        notifications = asyncio.run(drive(notify_requests, rate=args.rate, in_flight=args.in_flight))
        report("WeChat notification", notifications, n)
    finally:
        server.terminate()
        server.wait(timeout=20)
    direct_payments = replay(templates["payment"], template_txn=f"TEMPLATE-{accounts - 3}",
                             accounts=range(n + 1, 2 * n + 1), rate=args.rate, kind="payment")
    report("SQL of a payment, direct", direct_payments, n)
    direct_notes = replay(templates["notification"], template_txn=f"4200{accounts:024d}",
                          accounts=range(3 * n + 1, 4 * n + 1), rate=args.rate, kind="notification")
    report("SQL of a notification, direct", direct_notes, n)
    verify(n, before)
    ratio = min(rate_of(payments) / rate_of(direct_payments), rate_of(notifications) / rate_of(direct_notes))
    if args.db == "postgresql":
        from django.db import connection

        connection.close()
        drop_postgres_database(args.pg_url, "gridpay_bench_pay")
    print(f"ratio: {ratio:.3f}")


Timing = list[tuple[float, float, int]]  # sent, answered (perf_counter seconds), HTTP status or 0 for SQL


def prepare(n: int, wechat: Any) -> tuple[str, list[str]]:
    """A staff token; one open WeChat order for each account the notifications pay (3n+1 … 4n and the template)."""
    from tests.support.channel_servers import ChannelOrderSeen

    from gridpay.application.staff.issue_api_token import issue_api_token
    from gridpay.data.models import ChannelOrder

    token = issue_api_token(name="benchmark", at=datetime.now(UTC)).token
    now = datetime.now(UTC)
    rows = []
    for account_id in [*range(2 * n + 1, 4 * n + 1), 4 * n + 9, 4 * n + 10]:
        order_no = f"GPB{account_id:012d}"
        rows.append(ChannelOrder(channel="wechat", order_no=order_no, account_id=account_id, amount_fen=AMOUNT_FEN,
                                 kind="native", status="open", created_at=now, expires_at=now + timedelta(hours=2)))
        wechat.orders[order_no] = ChannelOrderSeen(order_no, AMOUNT_FEN, f"B{account_id:09d}",
                                                   f"4200{account_id:024d}", now)
    ChannelOrder.objects.bulk_create(rows, batch_size=5_000)
    return token, [f"GPB{a:012d}" for a in range(2 * n + 1, 3 * n + 1)]


def payment_request(base: str, token: str, account_id: int, prefix: str = "HTTP") -> tuple[str, dict[str, str], bytes]:
    body = json.dumps({"account_no": f"B{account_id:09d}", "amount_fen": AMOUNT_FEN, "channel": "agent",
                       "channel_txn_id": f"{prefix}-{account_id}"}).encode()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"bench-{account_id}",
               "Content-Type": "application/json"}
    return f"{base}/api/payments", headers, body


def notification_request(base: str, wechat: Any, order_no: str) -> tuple[str, dict[str, str], bytes]:
    # Signed when sent would put RSA signing in the client's timing; a few seconds old is well inside 5 minutes.
    headers, body = wechat.notification(order_no, sent_at=datetime.now(UTC))
    return f"{base}/api/channels/wechat/notify", headers, body


async def drive(requests: Sequence[tuple[str, dict[str, str], bytes]], *, rate: float, in_flight: int) -> Timing:
    import aiohttp

    timings: Timing = []
    limit = asyncio.Semaphore(in_flight)
    connector = aiohttp.TCPConnector(limit=in_flight)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def send(url: str, headers: dict[str, str], body: bytes) -> None:
            async with limit:
                sent = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    timings.append((sent, time.perf_counter(), response.status))

        start = time.perf_counter()
        tasks = []
        for i, (url, headers, body) in enumerate(requests):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(url, headers, body)))
        await asyncio.gather(*tasks)
    return timings


Statement = tuple[str, Any, bool]  # sql, params, executemany


def capture_templates(token: str, wechat: Any, *, template_account: int) -> dict[str, list[Statement]]:
    """The statements one request of each kind executes, captured in this process through the same views."""
    from django.db import connection
    from django.test import Client

    captured: list[Statement] = []

    def capture(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        # Transaction boundaries are the replay's own (one transaction per replayed request).
        if not re.match(r"\s*(BEGIN|COMMIT|ROLLBACK)\b", sql, re.I):
            captured.append((sql, [tuple(p) for p in params] if many else tuple(params or ()), many))
        return execute(sql, params, many, context)

    client = Client()
    # A first request of each kind creates what every later one finds (the channel's clearing account).
    url, headers, body = payment_request("", token, template_account - 2, prefix="WARM-UP")
    client.post(url, data=body, content_type="application/json", headers=headers)
    url, headers, body = notification_request("", wechat, f"GPB{template_account - 1:012d}")
    client.post(url, data=body, content_type="application/json", headers=headers)
    url, headers, body = payment_request("", token, template_account - 3, prefix="TEMPLATE")
    with connection.execute_wrapper(capture):
        response = client.post(url, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 201, response.content
    payment = list(captured)
    captured.clear()
    url, headers, body = notification_request("", wechat, f"GPB{template_account:012d}")
    with connection.execute_wrapper(capture):
        response = client.post(url, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 204, response.content
    return {"payment": payment, "notification": list(captured)}


def replay(statements: list[Statement], *, template_txn: str, accounts: range, rate: float, kind: str) -> Timing:
    """The captured statements for other accounts, one transaction each, at the fixed rate, on one connection."""
    from django.db import connection, transaction

    from gridpay.data.models import ChannelOrder, Payment

    template = Payment.objects.get(channel_txn_id=template_txn)
    account_id = template.account_id
    old = {
        "account_no": f"B{account_id:09d}", "account_id": account_id, "transfer_id": template.transfer_id,
        "payment_id": template.id, "txn": template.channel_txn_id, "key": template.idempotency_key,
    }
    order = ChannelOrder.objects.filter(payment=template).first()
    timings: Timing = []
    start = time.perf_counter()
    for i, target in enumerate(accounts):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        sent = time.perf_counter()
        values: dict[Any, Any] = {
            old["account_no"]: f"B{target:09d}", old["account_id"]: target,
            old["txn"]: f"SQL-{kind}-{target}",
        }
        if old["key"]:
            values[old["key"]] = f"sql-{target}"
        if order is not None:
            values[order.order_no] = f"GPB{target:012d}"
            values[order.id] = ChannelOrder.objects.values_list("id", flat=True).get(order_no=f"GPB{target:012d}")
        with transaction.atomic(), connection.cursor() as cursor:
            for sql, params, many in statements:
                if many:
                    cursor.executemany(sql, [_mapped(row, values) for row in params])
                    continue
                cursor.execute(sql, _mapped(params, values))
                returned = _returning_table(sql)
                if returned:
                    new_id = cursor.fetchone()[0]
                    values[old["transfer_id"] if returned == "gridpay_transfer" else old["payment_id"]] = new_id
        timings.append((sent, time.perf_counter(), 0))
    return timings


def _mapped(params: Sequence[Any], values: dict[Any, Any]) -> list[Any]:
    """The template's values replaced by this request's, also inside PostgreSQL array literals ('{2,8011}')."""
    out = []
    for value in params:
        if isinstance(value, str) and re.fullmatch(r"\{-?\d+(,-?\d+)*\}", value):
            out.append("{" + ",".join(str(values.get(int(v), int(v))) for v in value[1:-1].split(",")) + "}")
        elif isinstance(value, str | int) and not isinstance(value, bool):
            out.append(values.get(value, value))
        else:
            out.append(value)
    return out


def _returning_table(sql: str) -> str | None:
    match = re.match(r'INSERT INTO "(gridpay_transfer|gridpay_payment)".*RETURNING', sql, re.S)
    return match.group(1) if match else None


def balances(ids: range) -> int:
    from gridpay.data.models import LedgerAccount

    return int(sum(LedgerAccount.objects.filter(id__in=list(ids)).values_list("balance_fen", flat=True)))


def verify(n: int, before: dict[str, int]) -> None:
    """Every request and every replay credited its own account once: the figures are of real work."""
    from gridpay.data.models import Payment, Transfer

    for name, ids in target_ranges(n).items():
        moved = balances(ids) - before[name]
        if moved != n * AMOUNT_FEN:
            print(f"WARNING: the accounts of {name} moved by {moved} fen, not {n * AMOUNT_FEN}")

    counts = {prefix: Payment.objects.filter(channel_txn_id__startswith=prefix).count()
              for prefix in ("HTTP-", "4200", "SQL-payment-", "SQL-notification-")}
    transfers = Transfer.objects.filter(kind="payment", amount_fen=AMOUNT_FEN).count()
    print(f"check: payments over HTTP {counts['HTTP-']:,}, by notification {counts['4200'] - 2:,}, "
          f"by SQL replay {counts['SQL-payment-']:,} + {counts['SQL-notification-']:,} (each should be {n:,}); "
          f"payment transfers {transfers:,} (should be {4 * n + 4:,})")


def target_ranges(n: int) -> dict[str, range]:
    """Ledger account ids (equal to account ids in the benchmark town) each run pays."""
    return {"HTTP payments": range(1, n + 1), "SQL payments": range(n + 1, 2 * n + 1),
            "notifications": range(2 * n + 1, 3 * n + 1), "SQL notifications": range(3 * n + 1, 4 * n + 1)}


def report(name: str, timings: Timing, expected: int) -> None:
    latencies = sorted((answered - sent) * 1000 for sent, answered, _ in timings)
    errors = sum(1 for *_, status in timings if status >= 400)
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"{name}: {len(timings):,}/{expected:,} done, {rate_of(timings):,.1f} req/s, p50 {p50:.1f} ms, "
          f"p99 {p99:.1f} ms{f', {errors} errors' if errors else ''}")


def rate_of(timings: Timing) -> float:
    first = min(sent for sent, _, _ in timings)
    last = max(answered for _, answered, _ in timings)
    return len([t for t in timings if t[2] < 400]) / (last - first)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gridpay serve did not start on port {port}")


if __name__ == "__main__":
    main()
