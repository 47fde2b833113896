"""The ledger's one door: every posting records its accounts' balances right after each transfer, and what reports a
balance after a posting (a payment, a receipt, a refund, a replay) reads that record."""

import contextlib
import itertools
import json
import os
import secrets
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.payments.refund_payment import refund_payment
from gridpay.application.settlement.settle_day import settle_day
from gridpay.data import ledger as ledger_store
from gridpay.data.ledger import misrecorded_balances
from gridpay.data.models import LedgerAccount, Payment, Transfer
from gridpay.domain.ledger import LedgerAccountKind, TransferKind
from gridpay.domain.ledger import Transfer as Posting
from gridpay.domain.ledger_batch import TransferBatch
from gridpay.domain.payments import PaymentConflict, RefundRefused
from tests.conftest import DATABASE_URL, ON_POSTGRES
from tests.integration.test_record_payment import concurrently
from tests.support.accounts import enrol
from tests.support.cli import child_environment
from tests.support.readings import add_readings

AT = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
JAN1 = date(2025, 1, 1)
ACCOUNTS = 3


def recorded_balances_are_running_sums() -> None:
    """Walks the transfers in id order: each records its two accounts' running sums; a cached balance is the last."""
    running: dict[int, int] = defaultdict(int)
    for debit, credit, amount, debit_after, credit_after in Transfer.objects.order_by("id").values_list(
        "debit_id", "credit_id", "amount_fen", "debit_balance_after_fen", "credit_balance_after_fen"
    ):
        running[debit] -= amount
        running[credit] += amount
        assert (debit_after, credit_after) == (running[debit], running[credit])
    assert dict(LedgerAccount.objects.values_list("id", "balance_fen")) == {
        id_: running.get(id_, 0) for id_ in LedgerAccount.objects.values_list("id", flat=True)
    }


def customer_balance(number: int) -> int:
    return LedgerAccount.objects.get(code=f"customer:33010{number:05d}").balance_fen


operations = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.integers(1, ACCOUNTS), st.integers(1, 50_000)),
        st.tuples(st.just("refund"), st.integers(0, 20), st.integers(1, 20_000)),
        st.tuples(st.just("settle"), st.lists(st.sampled_from(["0.00", "3.17", "52.77", "180.00"]),
                                              min_size=ACCOUNTS, max_size=ACCOUNTS)),
    ),
    max_size=14,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations)
def test_after_any_postings_each_transfer_records_the_running_balances_and_results_read_them(
    zj_tariff: str, steps: list[tuple[Any, ...]]
) -> None:
    with transaction.atomic():
        accounts = [enrol(n, opening_balance_fen=n * 1_000) for n in range(1, ACCOUNTS + 1)]
        day = JAN1
        paid: list[tuple[str, int, int]] = []  # (txn, account number, the balance reported)
        refunds = 0
        for step in steps:
            if step[0] == "pay":
                _, number, amount = step
                txn = f"W-{len(paid)}"
                result = record_payment(account_no=f"33010{number:05d}", amount_fen=amount, channel="wechat",
                                        channel_txn_id=txn, received_at=AT, business_day=day)
                assert result.available_balance_fen == customer_balance(number)
                paid.append((txn, number, result.available_balance_fen))
            elif step[0] == "refund" and paid:
                _, which, amount = step
                txn, number, _ = paid[which % len(paid)]
                with contextlib.suppress(RefundRefused):
                    refunded = refund_payment(channel="wechat", channel_txn_id=txn, channel_refund_id=f"RF-{refunds}",
                                              amount_fen=amount, kind="refund", reason="", at=AT, business_day=day)
                    assert refunded.available_balance_fen == customer_balance(number)
                    refunds += 1
            elif step[0] == "settle":
                for account, energy in zip(accounts, step[1], strict=True):
                    add_readings(account, first_day=day, daily_kwh=[energy])
                assert settle_day(day=day, at=AT).settled == ACCOUNTS
                day += timedelta(days=1)

        recorded_balances_are_running_sums()
        assert misrecorded_balances() == []
        for txn, number, reported in paid:  # a replay reports the balance right after the payment, as it did then
            replay = record_payment(account_no=f"33010{number:05d}", amount_fen=Payment.objects.get(
                channel_txn_id=txn).amount_fen, channel="wechat", channel_txn_id=txn, received_at=AT, business_day=day)
            assert (replay.replayed, replay.available_balance_fen) == (True, reported)
        transaction.set_rollback(True)


def test_a_batch_records_what_the_same_transfers_posted_as_a_list_record(zj_tariff: str) -> None:
    wallets = [enrol(n, opening_balance_fen=n * 100).ledger_account_id for n in (1, 2, 3)]
    revenue = ledger_store.system_account(ledger_store.REVENUE, LedgerAccountKind.REVENUE).id
    amounts = [70, 0, 30]
    charged = [(w, a) for w, a in zip(wallets, amounts, strict=True) if a]

    def recorded(batch: bool) -> list[tuple[int, int, int, int]]:
        with transaction.atomic():
            if batch:
                ledger_store.post(TransferBatch(debit=np.array([w for w, _ in charged]),
                                                credit=np.full(len(charged), revenue),
                                                amount_fen=np.array([a for _, a in charged]),
                                                kind=TransferKind.SETTLEMENT), business_day=JAN1, at=AT)
            else:
                ledger_store.post([Posting(debit=w, credit=revenue, amount_fen=a, kind=TransferKind.SETTLEMENT)
                                   for w, a in charged], business_day=JAN1, at=AT)
            rows = list(Transfer.objects.filter(kind="settlement").order_by("id").values_list(
                "debit_id", "amount_fen", "debit_balance_after_fen", "credit_balance_after_fen"))
            recorded_balances_are_running_sums()
            transaction.set_rollback(True)
        return rows

    assert recorded(batch=True) == recorded(batch=False) == [
        (wallets[0], 70, 100 - 70, 70), (wallets[2], 30, 300 - 30, 100)
    ]


def test_nothing_is_posted_to_a_ledger_account_that_does_not_exist(zj_tariff: str) -> None:
    wallet = enrol(1).ledger_account_id
    with pytest.raises(IntegrityError), transaction.atomic():
        ledger_store.post([Posting(debit=wallet, credit=wallet + 1_000, amount_fen=5, kind=TransferKind.PAYMENT)],
                          business_day=JAN1, at=AT)
    assert customer_balance(1) == 10_000


def test_a_replayed_refund_reports_the_balance_right_after_it_not_todays(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=0)
    record_payment(account_no="3301000001", amount_fen=5_000, channel="wechat", channel_txn_id="W-1",
                   received_at=AT, business_day=JAN1)

    def refund() -> int:
        return refund_payment(channel="wechat", channel_txn_id="W-1", channel_refund_id="RF-1", amount_fen=2_000,
                              kind="refund", reason="", at=AT, business_day=JAN1).available_balance_fen

    assert refund() == 3_000
    record_payment(account_no="3301000001", amount_fen=700, channel="wechat", channel_txn_id="W-2", received_at=AT,
                   business_day=JAN1)
    assert refund() == 3_000
    with pytest.raises(PaymentConflict):
        refund_payment(channel="wechat", channel_txn_id="W-1", channel_refund_id="RF-1", amount_fen=1_000,
                       kind="refund", reason="", at=AT, business_day=JAN1)
    assert customer_balance(1) == 3_700


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_postings_to_one_account_record_running_sums_in_id_order(zj_tariff: str) -> None:
    """The balance row is locked before a transfer is inserted, so ids follow the order of posting."""
    enrol(1, opening_balance_fen=0)
    threads, rounds = 6, 4
    serial = itertools.count()
    results = []
    for round_no in range(rounds):
        results += concurrently(threads, lambda n=round_no: record_payment(
            account_no="3301000001", amount_fen=100 + n, channel="wechat", channel_txn_id=f"W-{next(serial)}",
            received_at=AT, business_day=JAN1))

    recorded_balances_are_running_sums()
    reported = {r.payment_id: r.available_balance_fen for r in results}
    assert reported == dict(Payment.objects.values_list("id", "transfer__credit_balance_after_fen"))
    assert customer_balance(1) == sum(Payment.objects.values_list("amount_fen", flat=True))


# Runs in a process of its own on a database of its own: the schema as of 0025 with transfers on it, then migrated.
MIGRATION = """
import json, sys
import django
django.setup()
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())

def transfers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, debit_balance_after_fen, credit_balance_after_fen FROM gridpay_transfer ORDER BY id")
        return cursor.fetchall()

def refused(statement):
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    except Exception:
        return True
    return False

migrate([("gridpay", "0025_gateway_heartbeat")])
with connection.cursor() as cursor:
    cursor.execute("INSERT INTO gridpay_ledgeraccount (id, code, kind, balance_fen) VALUES "
                   "(1, 'opening:balances', 'opening', -3000), (2, 'customer:A', 'customer', 1462), "
                   "(3, 'customer:B', 'customer', 2000), (4, 'revenue:electricity', 'revenue', 538), "
                   "(5, 'clearing:wechat', 'clearing', -1000)")
    # id, debit, credit, amount: openings, a settlement, a payment and its refund; ids with gaps, as rolled-back
    # postings leave them.
    rows = [(10, 1, 2, 1000), (12, 1, 3, 2000), (13, 2, 4, 538), (15, 5, 2, 1500), (17, 2, 5, 500)]
    for id_, debit, credit, amount in rows:
        cursor.execute("INSERT INTO gridpay_transfer (id, debit_id, credit_id, amount_fen, kind, business_day, "
                       "created_at) VALUES (%s, %s, %s, %s, 'payment', '2025-01-01', '2025-01-01 00:00:00+00:00')",
                       [id_, debit, credit, amount])
migrate(None)
first = transfers()
migrate([("gridpay", "0025_gateway_heartbeat")])
migrate(None)
json.dump({"first": first, "again": transfers(),
           "update_refused": refused("UPDATE gridpay_transfer SET amount_fen = 1 WHERE id = 10"),
           "delete_refused": refused("DELETE FROM gridpay_transfer WHERE id = 10"),
           "unknown_kind_refused": refused(
               "INSERT INTO gridpay_transfer (debit_id, credit_id, amount_fen, kind, business_day, created_at, "
               "debit_balance_after_fen, credit_balance_after_fen) VALUES (1, 2, 5, 'gift', '2025-01-01', "
               "'2025-01-01 00:00:00+00:00', 0, 0)")}, sys.stdout)
"""


@pytest.mark.django_db
def test_transfers_posted_before_the_migration_get_the_running_balances_of_their_accounts(tmp_path: Path) -> None:
    if ON_POSTGRES:
        name = f"{connection.settings_dict['NAME']}_migration"
        admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
        url = DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {name}")
    else:
        url = f"sqlite:///{tmp_path / 'migration.sqlite3'}"
    try:
        done = subprocess.run(
            [sys.executable, "-c", MIGRATION], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
            env={**os.environ, **child_environment(), "GRIDPAY_DATABASE_URL": url,
                 "DJANGO_SETTINGS_MODULE": "gridpay.config.settings", "GRIDPAY_SECRET_KEY": secrets.token_urlsafe(50)},
        )
    finally:
        if ON_POSTGRES:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    # opening A → A 1000; opening B → B 2000; A's settlement → A 462, revenue 538; wechat → A 1962; A's refund 1462
    expected = [[10, -1000, 1000], [12, -3000, 2000], [13, 462, 538], [15, -1500, 1962], [17, 1462, -1000]]
    assert found["first"] == found["again"] == expected
    assert found["update_refused"] and found["delete_refused"] and found["unknown_kind_refused"]
