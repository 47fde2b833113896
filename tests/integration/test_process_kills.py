"""Real process kills on PostgreSQL: `gridpay settle --through` and `gridpay serve` under a payment load are killed
(SIGKILL, the test's own child processes only) at random moments, twenty times each; the money ends as it would have
without a kill, and re-running completes the work."""

import json
import os
import random
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from gridpay.application.customers.enrol_account import Enrolment, enrol_account
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.readings.import_readings import COLUMNS as READING_COLUMNS
from gridpay.application.readings.import_readings import import_readings
from gridpay.application.staff.issue_api_token import issue_api_token
from gridpay.application.tariffs.install_builtin_tariffs import install_builtin_tariffs
from gridpay.data.models import Account, Payment, RunLock, Settlement
from tests.faults import invariants
from tests.faults.driver import World
from tests.faults.steps import Plan
from tests.support.channel_servers import WeChatPayServer
from tests.support.cli import GRIDPAY
from tests.support.clock import FakeClock
from tests.support.serving import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
KILLS = 20
ACCOUNTS = 300
DAYS = 30
SECRET = "process-kill-test-" + "k" * 40


def database_url(name: str | None = None) -> str:
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgresql://{settings['USER']}@{host}:{port}/{name or settings['NAME']}"


def environment(url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "GRIDPAY_DATABASE_URL": url, "GRIDPAY_SECRET_KEY": SECRET, "GRIDPAY_DB_CONN_MAX_AGE": "0",
            **extra}


def start(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    # A session of its own: the kill reaches the command and every process it started (gunicorn's workers), nothing
    # else.
    return subprocess.Popen([*GRIDPAY, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def kill(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)


def town(clock: FakeClock, first: date) -> None:
    install_builtin_tariffs()
    for n in range(ACCOUNTS):
        enrol_account(enrolment=Enrolment(
            account_no=f"33018{n:05d}", customer_name=f"户{n}", tariff_code="zj-resident-2024", meter_no=f"K{n:08d}",
            dlt645_address=f"98{n:010d}", installed_on=first, prepaid_since=first, opening_balance_fen=n * 37 % 9_000,
        ), at=clock.now(), business_day=first)


def readings(first: date, clock: FakeClock) -> None:
    rows = []
    for n in range(ACCOUNTS):
        total = Decimal(0)
        for d in range(DAYS):
            total += Decimal((n * 7 + d * 13) % 4_000) / 100
            values = dict.fromkeys(READING_COLUMNS, "")
            values.update(meter_no=f"K{n:08d}", reading_date=str(first + timedelta(days=d)), total_kwh=f"{total:.2f}")
            rows.append((len(rows) + 2, values))
    import_readings(rows=rows, received_at=clock.now(), max_daily_kwh=Decimal(500))


def balances() -> dict[str, int]:
    return dict(Account.objects.values_list("account_no", "ledger_account__balance_fen"))


def ledger_violations() -> list[str]:
    world = World(plan=Plan(seed=0, first_day=date.min, opening_fen=[], protected=0), wechat=WeChatPayServer())
    return [v for check in (invariants.transfers_balance, invariants.balances_are_their_entries,
                            invariants.balances_are_recorded, invariants.credited_exactly_once,
                            invariants.refunds_within_payments, invariants.one_live_command_per_meter)
            for v in check(world)]


def settle_until_done(url: str, through: date, tmp_path: Path) -> None:
    """Runs settlement to the end; a run still holding the lock (a killed one's server side) is waited for."""
    for _ in range(60):
        done = subprocess.run([*GRIDPAY, "settle", "--through", str(through)], cwd=tmp_path,
                              env=environment(url, GRIDPAY_SETTLEMENT_BATCH_SIZE="10"), capture_output=True,
                              text=True, timeout=600, check=False)
        if done.returncode == 0:
            return
        assert "结算正在运行" in done.stderr and "Traceback" not in done.stderr, done.stderr
        time.sleep(0.5)
    raise AssertionError("settlement never got its turn")


def test_settlement_killed_twenty_times_resumes_to_the_balances_of_a_run_never_killed(
    tmp_path: Path, clock: FakeClock
) -> None:
    first = clock.today() - timedelta(days=DAYS + 1)
    through = first + timedelta(days=DAYS - 1)
    town(clock, first)
    readings(first, clock)
    connection.close()
    twin = f"{connection.settings_dict['NAME']}_twin"
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {twin}")
        admin.execute(f"CREATE DATABASE {twin} TEMPLATE {connection.settings_dict['NAME']}")
    try:
        settle_until_done(database_url(twin), through, tmp_path)
        with psycopg.connect(database_url(twin)) as db:
            expected = dict(db.execute("SELECT a.account_no, l.balance_fen FROM gridpay_account a "
                                       "JOIN gridpay_ledgeraccount l ON l.id = a.ledger_account_id").fetchall())
    finally:
        with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {twin} WITH (FORCE)")

    rng = random.Random(20261205)
    env = environment(database_url(), GRIDPAY_SETTLEMENT_BATCH_SIZE="10")
    with payments_meanwhile(clock) as paid:
        kills = 0
        while kills < KILLS:
            # Killed at a random moment after it has settled some more (a few batches, or one batch's worth less):
            # mid-run whatever this machine's speed, and with work left for the next.
            before = Settlement.objects.count()
            run = start(["settle", "--through", str(through)], env, tmp_path)
            more = rng.randint(5, 200)
            while run.poll() is None and Settlement.objects.count() < before + more:
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.02))
            if run.poll() is not None:  # refused: the killed run's server side has not let the lock go yet
                _, error = run.communicate()
                assert "结算正在运行" in error, error
                continue
            kill(run)
            kills += 1
        assert Settlement.objects.count() < ACCOUNTS * DAYS, "work left after the last kill"
    settle_until_done(database_url(), through, tmp_path)

    assert Settlement.objects.count() == ACCOUNTS * DAYS
    assert paid, "payments came in while settlement was killed"
    assert balances() == {account_no: balance + paid.get(account_no, 0) for account_no, balance in expected.items()}
    assert ledger_violations() == []
    assert not RunLock.objects.exists()


@contextmanager
def payments_meanwhile(clock: FakeClock) -> Iterator[dict[str, int]]:
    """Customers paying at the counter all the while: account → what they paid."""
    paid: dict[str, int] = {}
    stop = threading.Event()

    def pay() -> None:
        n = 0
        try:
            while not stop.is_set():
                account_no = f"33018{n * 7 % ACCOUNTS:05d}"
                record_payment(account_no=account_no, amount_fen=100 + n % 50, channel="counter",
                               channel_txn_id=f"KILL-{n}", received_at=clock.now(), business_day=clock.today())
                paid[account_no] = paid.get(account_no, 0) + 100 + n % 50
                n += 1
                time.sleep(0.02)
        finally:
            connection.close()

    payer = threading.Thread(target=pay)
    payer.start()
    try:
        yield paid
    finally:
        stop.set()
        payer.join(timeout=30)



def test_the_server_killed_twenty_times_under_payments_credits_each_acknowledged_payment_once(
    tmp_path: Path, clock: FakeClock
) -> None:
    install_builtin_tariffs()
    for n in range(20):
        enrol_account(enrolment=Enrolment(
            account_no=f"33017{n:05d}", customer_name=f"户{n}", tariff_code="zj-resident-2024", meter_no=f"S{n:08d}",
            dlt645_address=f"97{n:010d}", installed_on=clock.today(), prepaid_since=clock.today(),
        ), at=clock.now(), business_day=clock.today())
    token = issue_api_token(name="kill-test", at=clock.now(), channels=["bank"]).token
    port = free_port()
    env = environment(database_url())
    owed: dict[str, int] = {}  # txn id → amount: every payment the clients mean to make, until acknowledged
    acknowledged: set[str] = set()
    stop = threading.Event()

    def client(number: int) -> None:
        """A bank's client: one payment at a time, retried with the same key until gridpay says it is credited."""
        sequence = 0
        while not stop.is_set():
            txn = f"K{number}-{sequence}"
            amount = 100 + (number * 31 + sequence) % 900
            owed[txn] = amount
            body = json.dumps({"account_no": f"33017{(number + sequence) % 20:05d}", "amount_fen": amount,
                               "channel": "bank", "channel_txn_id": txn}).encode()
            while not stop.is_set() and txn not in acknowledged:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/payments", data=body, method="POST",
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": txn,
                             "Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(request, timeout=10) as answer:
                        if answer.status in (200, 201):
                            acknowledged.add(txn)
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    time.sleep(0.05)  # the server is down or was killed mid-request: the same payment again
            sequence += 1

    clients = [threading.Thread(target=client, args=(n,)) for n in range(3)]
    rng = random.Random(20261206)
    server = start(["serve", "--port", str(port), "--workers", "2", "--quiet"], env, tmp_path)
    for thread in clients:
        thread.start()
    try:
        for _ in range(KILLS):
            # Killed at a random moment once it serves again (a payment acknowledged since it started).
            served = len(acknowledged)
            deadline = time.monotonic() + 120
            while len(acknowledged) == served and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(acknowledged) > served, "the server came back and took payments"
            time.sleep(rng.uniform(0, 1.0))
            kill(server)
            server = start(["serve", "--port", str(port), "--workers", "2", "--quiet"], env, tmp_path)
        time.sleep(3)
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=30)
        kill(server)

    credited = dict(Payment.objects.values_list("channel_txn_id", "amount_fen"))
    assert len(acknowledged) > KILLS, "payments went through between the kills"
    assert acknowledged <= set(credited), "every acknowledged payment is credited"
    assert all(credited[txn] == owed[txn] for txn in credited), "each credited with its own amount"
    expected: dict[str, int] = {f"33017{n:05d}": 0 for n in range(20)}
    for txn, amount in credited.items():
        number, sequence = (int(part) for part in txn[1:].split("-"))
        expected[f"33017{(number + sequence) % 20:05d}"] += amount
    assert balances() == expected, "each payment credited exactly once, and nothing else moved"
    assert ledger_violations() == []
