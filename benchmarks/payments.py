"""Benchmark of the payment endpoints over HTTP, next to the same SQL run directly against the database.

Two endpoints, each request paying another account:
1. `POST /api/payments` (staff token, Idempotency-Key);
2. WeChat Pay notifications (RSA-signed, AES-GCM resource) to `POST /api/channels/wechat/notify`, each paying an
   open order.
The server is `gridpay serve` (gunicorn) in its own process.

The ceiling is the database's: the statements one request of each kind executes, captured from the application,
replayed straight to the database (same statements, other accounts and ids; one transaction per request, each
client on its own connection). Nothing else is in it: no HTTP, no JSON, no signature, no Django.

Measured, for each endpoint and its SQL:
- maximum throughput, closed loop: 8, 32 and 128 clients, each sending its next request when the last is answered;
- latency at a fixed rate, open loop: 80 % of the SQL's maximum (the best of its three), request i due at
  t0 + i/rate, its latency counted from when it was due (a server that falls behind is charged for the wait);
  p50 and p99.
The server allows 100 connections: more than --sql-connections clients share that many (a pool, as PgBouncer would).

Last lines: `ratio: R`, the smaller of the two endpoints' maximum throughput over its SQL's maximum; `p99_ratio: Q`,
the larger of the two endpoints' p99 over its SQL's p99 at the fixed rate.

    python benchmarks/payments.py --requests 2000
    python benchmarks/payments.py --db sqlite --requests 500
"""

import argparse
import asyncio
import json
import os
import queue
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from settlement import build_town, checkpoint, drop_postgres_database, recreate_postgres_database  # noqa: E402

AMOUNT_FEN = 12_345  # distinct from every id, so substituting values in captured parameters is unambiguous
CLIENTS = (8, 32, 128)
KINDS = ("payment", "notification")
ENDPOINT = {"payment": "POST /api/payments", "notification": "WeChat notification"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="per run (each run pays its own accounts)")
    parser.add_argument("--workers", type=int, default=3, help="gridpay serve --workers")
    parser.add_argument("--threads", type=int, default=2, help="gridpay serve --threads")
    parser.add_argument("--sql-connections", type=int, default=64, help="at most this many for the direct SQL")
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
    town = Town(n)
    print(f"gridpay payments benchmark on {args.db}: {town.accounts:,} accounts, {n:,} requests a run; "
          f"gridpay serve --workers {args.workers} --threads {args.threads}")
    started = time.perf_counter()
    build_town(town.accounts)
    token = prepare(town, wechat)
    templates = capture_templates(token, wechat, template_account=town.accounts)
    before = {run: balances(town.ids(run)) for run in town.runs()}
    if args.db == "postgresql":
        checkpoint(args.pg_url)
    print(f"set-up: {time.perf_counter() - started:.1f} s")

    sql = Replay(templates, town, connections=args.sql_connections)
    results: dict[tuple[str, str], Result] = {}
    for kind in KINDS:
        for clients in CLIENTS:
            results[kind, f"sql {clients}"] = sql.closed(kind, town.ids(("sql", kind, clients)), clients=clients)
    # The fixed rate, and the SQL's clients at it: those of its maximum (more threads than that only slow the ceiling).
    best = {kind: max(CLIENTS, key=lambda c: results[kind, f"sql {c}"].throughput) for kind in KINDS}
    rates = {kind: 0.8 * results[kind, f"sql {best[kind]}"].throughput for kind in KINDS}
    for kind in KINDS:
        results[kind, "sql fixed"] = sql.fixed(kind, town.ids(("sql", kind, "fixed")), rate=rates[kind],
                                               clients=best[kind])

    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gridpay"), "serve", "--port", str(port), "--workers", str(args.workers),
         "--threads", str(args.threads), "--quiet"],
        env={**os.environ, "GRIDPAY_LOG_LEVEL": "ERROR"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        http = Http(f"http://127.0.0.1:{port}", token, wechat)
        for kind in KINDS:
            for clients in CLIENTS:
                requests = http.requests(kind, town.ids(("http", kind, clients)))
                results[kind, f"http {clients}"] = asyncio.run(closed_loop(requests, clients=clients))
            requests = http.requests(kind, town.ids(("http", kind, "fixed")))
            results[kind, "http fixed"] = asyncio.run(open_loop(requests, rate=rates[kind], in_flight=max(CLIENTS)))
    finally:
        server.terminate()
        server.wait(timeout=20)

    for kind in KINDS:
        print(f"{ENDPOINT[kind]}:")
        for clients in CLIENTS:
            print(f"  {clients:>3} clients, maximum: {results[kind, f'http {clients}'].line()}")
            its_sql = results[kind, f"sql {clients}"].line(sql.connections_for(clients))
            print(f"  {clients:>3} clients, its SQL: {its_sql}")
        print(f"  at {rates[kind]:,.0f}/s (80 % of the SQL's maximum): {results[kind, 'http fixed'].line()}")
        print(f"  at {rates[kind]:,.0f}/s, its SQL ({best[kind]} clients): {results[kind, 'sql fixed'].line()}")
    verify(town, before)
    ratio = min(max(results[kind, f"http {c}"].throughput for c in CLIENTS)
                / max(results[kind, f"sql {c}"].throughput for c in CLIENTS) for kind in KINDS)
    p99_ratio = max(results[kind, "http fixed"].p99 / results[kind, "sql fixed"].p99 for kind in KINDS)
    if args.db == "postgresql":
        from django.db import connection

        connection.close()
        drop_postgres_database(args.pg_url, "gridpay_bench_pay")
    print(f"ratio: {ratio:.3f}")
    print(f"p99_ratio: {p99_ratio:.2f}")


Run = tuple[str, str, int | str]  # over http or sql, payment or notification, clients or "fixed"


@dataclass(frozen=True)
class Town:
    """Which accounts each run pays: ``requests`` of its own, so that each run's money can be checked apart. The
    last ten accounts are the captures' (warm-up and templates)."""

    requests: int

    def runs(self) -> list[Run]:
        return [(way, kind, clients) for way in ("http", "sql") for kind in KINDS for clients in (*CLIENTS, "fixed")]

    def ids(self, run: Run) -> range:
        first = self.runs().index(run) * self.requests + 1
        return range(first, first + self.requests)

    @property
    def accounts(self) -> int:
        return len(self.runs()) * self.requests + 10

    def ordered(self) -> list[int]:
        """The accounts paid by notification: each has an open order."""
        return [i for run in self.runs() if run[1] == "notification" for i in self.ids(run)]


@dataclass(frozen=True)
class Result:
    """One run: each request's latency (ms) and the run's wall time; errors are HTTP statuses of 400 and above."""

    latencies_ms: list[float]
    seconds: float
    errors: int = 0

    @property
    def throughput(self) -> float:
        return (len(self.latencies_ms) - self.errors) / self.seconds

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]

    def line(self, connections: int | None = None) -> str:
        through = f" (through {connections} connections)" if connections else ""
        errors = f", {self.errors} errors" if self.errors else ""
        return (f"{self.throughput:,.0f}/s, p50 {self.p50:.1f} ms, p99 {self.p99:.1f} ms "
                f"({len(self.latencies_ms):,} in {self.seconds:.1f} s{errors}){through}")


def prepare(town: Town, wechat: Any) -> str:
    """A staff token; an open WeChat order for each account paid by notification, and for the captures' two."""
    from tests.support.channel_servers import ChannelOrderSeen

    from gridpay.application.staff.issue_api_token import issue_api_token
    from gridpay.data.models import ChannelOrder

    token = issue_api_token(name="benchmark", at=datetime.now(UTC), channels=["bank"]).token
    now = datetime.now(UTC)
    rows = []
    for account_id in [*town.ordered(), town.accounts - 1, town.accounts]:
        order_no = order_of(account_id)
        rows.append(ChannelOrder(channel="wechat", order_no=order_no, account_id=account_id, amount_fen=AMOUNT_FEN,
                                 kind="native", status="open", created_at=now, expires_at=now + timedelta(hours=2)))
        wechat.orders[order_no] = ChannelOrderSeen(order_no, AMOUNT_FEN, f"B{account_id:09d}",
                                                   f"4200{account_id:024d}", now)
    ChannelOrder.objects.bulk_create(rows, batch_size=5_000)
    return token


def order_of(account_id: int) -> str:
    return f"GPB{account_id:012d}"


Request = tuple[str, dict[str, str], bytes]  # url, headers, body


def payment_request(base: str, token: str, account_id: int, prefix: str = "HTTP") -> Request:
    body = json.dumps({"account_no": f"B{account_id:09d}", "amount_fen": AMOUNT_FEN, "channel": "bank",
                       "channel_txn_id": f"{prefix}-{account_id}"}).encode()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"bench-{account_id}",
               "Content-Type": "application/json"}
    return f"{base}/api/payments", headers, body


def notification_request(base: str, wechat: Any, order_no: str) -> Request:
    headers, body = wechat.notification(order_no, sent_at=datetime.now(UTC))
    return f"{base}/api/channels/wechat/notify", headers, body


@dataclass(frozen=True)
class Http:
    base: str
    token: str
    wechat: Any

    def requests(self, kind: str, accounts: range) -> list[Request]:
        """Made before the run (a notification is RSA-signed: a few seconds old is well inside WeChat's 5 minutes)."""
        if kind == "payment":
            return [payment_request(self.base, self.token, i) for i in accounts]
        return [notification_request(self.base, self.wechat, order_of(i)) for i in accounts]


async def closed_loop(requests: Sequence[Request], *, clients: int) -> Result:
    """``clients`` each send their next request when the last is answered, until all are sent."""
    import aiohttp

    latencies: list[float] = []
    errors = 0
    pending = iter(requests)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as session:

        async def client() -> None:
            nonlocal errors
            for url, headers, body in pending:
                sent = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    errors += response.status >= 400
                latencies.append((time.perf_counter() - sent) * 1000)

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return Result(latencies, time.perf_counter() - start, errors)


async def open_loop(requests: Sequence[Request], *, rate: float, in_flight: int) -> Result:
    """Request i is due at t0 + i/rate; its latency counts from then, whether it waited to be sent or not."""
    import aiohttp

    latencies: list[float] = []
    errors = 0
    limit = asyncio.Semaphore(in_flight)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=in_flight)) as session:

        async def send(due: float, url: str, headers: dict[str, str], body: bytes) -> None:
            nonlocal errors
            async with limit, session.post(url, data=body, headers=headers) as response:
                await response.read()
                errors += response.status >= 400
            latencies.append((time.perf_counter() - due) * 1000)

        start = time.perf_counter()
        tasks = []
        for i, (url, headers, body) in enumerate(requests):
            due = start + i / rate
            if (delay := due - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(due, url, headers, body)))
        await asyncio.gather(*tasks)
        return Result(latencies, time.perf_counter() - start, errors)


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


class Replay:
    """The captured statements run for other accounts straight on the database: one transaction a request, each
    client thread on its own connection (Django's, one per thread)."""

    def __init__(self, templates: dict[str, list[Statement]], town: Town, *, connections: int) -> None:
        from gridpay.data.models import ChannelOrder, Payment

        self.templates = templates
        self.cap = connections
        self.old: dict[str, dict[str, Any]] = {}
        for kind, txn in (("payment", f"TEMPLATE-{town.accounts - 3}"), ("notification", f"4200{town.accounts:024d}")):
            template = Payment.objects.get(channel_txn_id=txn)
            order = ChannelOrder.objects.filter(payment=template).first()
            self.old[kind] = {
                "account_no": f"B{template.account_id:09d}", "account_id": template.account_id,
                "transfer_id": template.transfer_id, "payment_id": template.id, "txn": template.channel_txn_id,
                "key": template.idempotency_key, "order_no": order.order_no if order else None,
                "order_id": order.id if order else None,
            }
        self.order_ids = dict(ChannelOrder.objects.filter(order_no__in=[order_of(i) for i in town.ordered()])
                              .values_list("order_no", "id"))

    def connections_for(self, clients: int) -> int | None:
        return self.cap if clients > self.cap else None

    def _values(self, kind: str, target: int) -> dict[Any, Any]:
        """The template's values (account, transaction, key, order) mapped to this request's."""
        old = self.old[kind]
        values: dict[Any, Any] = {old["account_no"]: f"B{target:09d}", old["account_id"]: target,
                                  old["txn"]: f"SQL-{kind}-{target}"}
        if old["key"]:
            values[old["key"]] = f"sql-{target}"
        if old["order_no"]:
            values[old["order_no"]] = order_of(target)
            values[old["order_id"]] = self.order_ids[order_of(target)]
        return values

    def _run(self, kind: str, values: dict[Any, Any]) -> None:
        from django.db import connection, transaction

        old = self.old[kind]
        with transaction.atomic(), connection.cursor() as cursor:
            for sql, params, many in self.templates[kind]:
                if many:
                    cursor.executemany(sql, [_mapped(row, values) for row in params])
                    continue
                cursor.execute(sql, _mapped(params, values))
                returned = _returning_table(sql)
                if returned:
                    new_id = cursor.fetchone()[0]
                    values[old["transfer_id"] if returned == "gridpay_transfer" else old["payment_id"]] = new_id

    def closed(self, kind: str, accounts: range, *, clients: int) -> Result:
        """Closed loop: min(clients, the cap) threads, each running the next request when its last is done."""
        jobs: queue.SimpleQueue[dict[Any, Any]] = queue.SimpleQueue()
        for target in accounts:
            jobs.put(self._values(kind, target))
        latencies: list[float] = []

        def client() -> None:
            while True:
                try:
                    values = jobs.get_nowait()
                except queue.Empty:
                    return
                sent = time.perf_counter()
                self._run(kind, values)
                latencies.append((time.perf_counter() - sent) * 1000)

        return Result(latencies, self._threads(client, min(clients, self.cap)))

    def fixed(self, kind: str, accounts: range, *, rate: float, clients: int) -> Result:
        """Open loop at ``rate`` on min(clients, the cap) threads: request i is due at t0 + i/rate, counted from
        then."""
        jobs: queue.SimpleQueue[tuple[float, dict[Any, Any]] | None] = queue.SimpleQueue()
        prepared = [self._values(kind, target) for target in accounts]
        latencies: list[float] = []
        threads = min(clients, self.cap)

        def client() -> None:
            while (job := jobs.get()) is not None:
                due, values = job
                if (delay := due - time.perf_counter()) > 0:
                    time.sleep(delay)
                self._run(kind, values)
                latencies.append((time.perf_counter() - due) * 1000)

        def feed() -> None:
            start = time.perf_counter()
            for i, values in enumerate(prepared):
                jobs.put((start + i / rate, values))
            for _ in range(threads):
                jobs.put(None)

        return Result(latencies, self._threads(client, threads, then=feed))

    @staticmethod
    def _threads(client: Callable[[], None], count: int, then: Callable[[], None] | None = None) -> float:
        """``count`` threads running ``client``, each on its own connection, and ``then`` once they have started:
        the seconds until the last is done."""
        from django.db import connection

        def on_own_connection() -> None:
            try:
                client()
            finally:
                connection.close()

        workers = [threading.Thread(target=on_own_connection) for _ in range(count)]
        start = time.perf_counter()
        for worker in workers:
            worker.start()
        if then is not None:
            then()
        for worker in workers:
            worker.join()
        return time.perf_counter() - start


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


def verify(town: Town, before: dict[Run, int]) -> None:
    """Every request of every run credited its own account once: the figures are of real work."""
    from gridpay.data.models import Payment

    wrong = [f"{run} moved {moved} fen" for run in town.runs()
             if (moved := balances(town.ids(run)) - before[run]) != town.requests * AMOUNT_FEN]
    counted = Payment.objects.filter(amount_fen=AMOUNT_FEN).count() - 4  # less the captures' four
    expected = len(town.runs()) * town.requests
    print(f"check: {counted:,} payments of {expected:,} requests"
          + (f"; WARNING, runs not credited exactly once: {'; '.join(wrong)}" if wrong else ", each credited once"))


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
