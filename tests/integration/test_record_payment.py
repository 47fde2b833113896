"""Payments on a real database: credited at once and exactly once, replays, conflicts, refusals, races."""

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridpay.application.errors import AccountClosed, UnknownAccount
from gridpay.application.payments import record_payment as module
from gridpay.application.payments.record_payment import PaymentResult, record_payment
from gridpay.data.ledger import recomputed_balances
from gridpay.data.models import Account, LedgerAccount, Payment, Transfer
from gridpay.domain.payments import InvalidPayment, PaymentConflict
from tests.support.accounts import enrol

pytestmark = pytest.mark.django_db
AT = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
DAY = date(2025, 3, 10)
ACCOUNT_1 = "3301000001"  # tests.support.accounts.enrol(1)
ACCOUNT_2 = "3301000002"


def pay(**changes: Any) -> PaymentResult:
    """A counter payment of 50.00 元 to account 1, changed by ``changes``."""
    arguments: dict[str, Any] = {
        "account_no": ACCOUNT_1,
        "amount_fen": 5_000,
        "channel": "counter",
        "channel_txn_id": "R-1",
        "received_at": AT,
        "business_day": DAY,
    } | changes
    return record_payment(**arguments)


def balance(code: str) -> int:
    return LedgerAccount.objects.get(code=code).balance_fen


def customer_balance(account_no: str = ACCOUNT_1) -> int:
    return balance(f"customer:{account_no}")


def cached_balances_match_transfers() -> bool:
    cached = {k: v for k, v in LedgerAccount.objects.values_list("id", "balance_fen") if v}
    return cached == {k: v for k, v in recomputed_balances().items() if v}


def written() -> tuple[int, int]:
    return Payment.objects.count(), Transfer.objects.count()


def test_a_payment_credits_the_account_at_once(zj_tariff: str) -> None:
    account = enrol(1, opening_balance_fen=10_000)

    result = pay()

    assert result == PaymentResult(
        payment_id=result.payment_id,
        account_no=ACCOUNT_1,
        amount_fen=5_000,
        channel="counter",
        channel_txn_id="R-1",
        received_at=AT,
        replayed=False,
        available_balance_fen=15_000,
    )
    assert customer_balance() == 15_000
    assert balance("clearing:counter") == -5_000
    payment = Payment.objects.select_related("transfer").get()
    assert (payment.business_day, payment.transfer.kind, payment.transfer.amount_fen) == (DAY, "payment", 5_000)
    assert payment.transfer.credit_id == account.ledger_account_id
    assert cached_balances_match_transfers()


def test_a_plain_prepaid_payment_costs_a_few_statements(zj_tariff: str) -> None:
    """Read the account (with whether the keys were used and the clearing account), move the balances, insert the
    transfer and the payment, lock the account's row for the response, look for a disconnect under way. The demo
    town records thousands."""
    enrol(1, opening_balance_fen=10_000)
    pay(channel_txn_id="R-0")  # the channel's clearing account is made by its first payment

    with CaptureQueriesContext(connection) as captured:
        pay()

    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 6, statements
    assert customer_balance() == 15_000 + 5_000 and cached_balances_match_transfers()


def test_the_same_channel_transaction_again_returns_the_first_result_and_credits_nothing(zj_tariff: str) -> None:
    enrol(1)
    first = pay()
    pay(amount_fen=700, channel_txn_id="R-2")  # the balance moves on; a replay still reports the first result
    before = written()

    again = pay(received_at=AT + timedelta(minutes=3))

    assert again == PaymentResult(**{**first.__dict__, "replayed": True})
    assert written() == before
    assert customer_balance() == 10_000 + 5_000 + 700


def test_the_idempotency_key_identifies_the_payment_too(zj_tariff: str) -> None:
    enrol(1)
    first = pay(idempotency_key="key-1")

    repeats = [
        pay(idempotency_key="key-1"),
        pay(),  # the same (channel, transaction id) without the key
        pay(idempotency_key="key-2"),  # the same (channel, transaction id) under another key
    ]

    assert {r.payment_id for r in repeats} == {first.payment_id}
    assert all(r.replayed for r in repeats)
    assert Payment.objects.count() == 1
    assert customer_balance() == 15_000


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_fen": 4_999}, "channel_txn_id"),
        ({"account_no": ACCOUNT_2}, "channel_txn_id"),
        ({"channel_txn_id": "R-2"}, "idempotency_key"),  # same key, another receipt
        ({"channel": "wechat"}, "idempotency_key"),  # same key, another channel
    ],
)
def test_the_same_key_with_different_data_is_a_conflict(zj_tariff: str, changes: dict[str, Any], field: str) -> None:
    enrol(1)
    enrol(2)
    pay(idempotency_key="key-1")
    before = written()

    with pytest.raises(PaymentConflict) as conflict:
        pay(idempotency_key="key-1", **changes)

    assert (conflict.value.code, conflict.value.field) == ("payment_conflict", field)
    assert written() == before
    assert (customer_balance(ACCOUNT_1), customer_balance(ACCOUNT_2)) == (15_000, 10_000)


def test_the_same_transaction_id_on_another_channel_is_another_payment(zj_tariff: str) -> None:
    enrol(1)
    counter = pay()
    wechat = pay(channel="wechat")

    assert not wechat.replayed and wechat.payment_id != counter.payment_id
    assert customer_balance() == 20_000
    assert (balance("clearing:counter"), balance("clearing:wechat")) == (-5_000, -5_000)
    assert cached_balances_match_transfers()


def test_an_unknown_account_number_is_refused(zj_tariff: str) -> None:
    enrol(1)
    with pytest.raises(UnknownAccount) as unknown:
        pay(account_no="3301099999")
    assert (unknown.value.code, unknown.value.field) == ("unknown_account", "account_no")
    assert Payment.objects.count() == 0


def test_a_closed_account_takes_no_payment(zj_tariff: str) -> None:
    account = enrol(1)
    Account.objects.filter(id=account.id).update(status="closed")
    with pytest.raises(AccountClosed) as closed:
        pay()
    assert closed.value.code == "account_closed"
    assert customer_balance() == 10_000


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_fen": 0}, "amount_fen"),
        ({"amount_fen": -100}, "amount_fen"),
        ({"amount_fen": 12.5}, "amount_fen"),
        ({"channel": "paypal"}, "channel"),
        ({"channel_txn_id": " "}, "channel_txn_id"),
        ({"account_no": ""}, "account_no"),
        ({"received_at": datetime(2025, 3, 10, 10)}, "received_at"),  # noqa: DTZ001 - naive on purpose
    ],
)
def test_bad_input_writes_nothing_and_names_the_field(zj_tariff: str, changes: dict[str, Any], field: str) -> None:
    enrol(1)
    before = written()
    with pytest.raises(InvalidPayment) as refused:
        pay(**changes)
    assert refused.value.field == field
    assert written() == before


@pytest.fixture
def next_lookup_misses(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Arms a miss of the next look for a recorded payment, as when two requests race past it."""
    real = module._recorded
    armed = {"misses": 0}

    def racing(request: Any, **given: Any) -> PaymentResult | None:
        if armed["misses"]:
            armed["misses"] -= 1
            return None
        return real(request, **given)

    monkeypatch.setattr(module, "_recorded", racing)
    return lambda: armed.update(misses=1)


def test_losing_the_race_to_the_unique_keys_returns_the_winner(
    zj_tariff: str, next_lookup_misses: Callable[[], None]
) -> None:
    enrol(1)
    first = pay(idempotency_key="key-1")
    before = written()

    next_lookup_misses()
    again = pay(idempotency_key="key-1")  # inserts, hits the unique constraint, reads the winner

    assert again == PaymentResult(**{**first.__dict__, "replayed": True})
    assert written() == before
    assert customer_balance() == 15_000
    next_lookup_misses()
    with pytest.raises(PaymentConflict):
        pay(amount_fen=4_000)
    assert written() == before
    assert customer_balance() == 15_000
    assert cached_balances_match_transfers()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_sequence_with_replays_credits_the_sum_of_distinct_payments(zj_tariff: str, data: st.DataObject) -> None:
    keys = st.tuples(st.sampled_from(["counter", "wechat", "agent"]), st.sampled_from(["T1", "T2", "T3", "T4"]))
    amounts = data.draw(st.dictionaries(keys, st.integers(min_value=1, max_value=1_000_000), min_size=1), "payments")
    sequence = data.draw(st.lists(st.sampled_from(sorted(amounts)), min_size=1, max_size=12), "sequence")
    with transaction.atomic():
        enrol(1, opening_balance_fen=0)
        results = [
            pay(
                channel=channel,
                channel_txn_id=txn,
                amount_fen=amounts[(channel, txn)],
                idempotency_key=f"{channel}/{txn}",
            )
            for channel, txn in sequence
        ]

        assert customer_balance() == sum(amounts[key] for key in set(sequence))
        assert [r.replayed for r in results] == [key in sequence[:i] for i, key in enumerate(sequence)]
        assert Payment.objects.count() == len(set(sequence))
        assert cached_balances_match_transfers()
        transaction.set_rollback(True)


T = TypeVar("T")


def concurrently(threads: int, call: Callable[[], T]) -> list[T]:
    """Runs ``call`` in ``threads`` threads released together, each on its own database connection."""
    barrier = threading.Barrier(threads)
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(call())
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    started = [threading.Thread(target=run) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=60)
    assert errors == []
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_identical_concurrent_requests_credit_once(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=0)
    rounds, threads = 8, 4

    for round_no in range(rounds):
        results = concurrently(threads, lambda n=round_no: pay(channel_txn_id=f"R-{n}", idempotency_key=f"key-{n}"))

        assert sorted(r.replayed for r in results) == [False] + [True] * (threads - 1)
        assert len({r.payment_id for r in results}) == 1
        assert len({r.available_balance_fen for r in results}) == 1

    assert Payment.objects.count() == rounds
    assert customer_balance() == rounds * 5_000
    assert cached_balances_match_transfers()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_racers_past_the_lookup_still_credit_once(zj_tariff: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every racer's first lookup misses, so all of them insert and the unique constraints decide."""
    enrol(1, opening_balance_fen=0)
    real = module._recorded
    looked = threading.local()

    def racing(request: Any, **given: Any) -> PaymentResult | None:
        if not getattr(looked, "once", False):
            looked.once = True
            return None
        return real(request, **given)

    monkeypatch.setattr(module, "_recorded", racing)

    results = concurrently(4, lambda: pay(idempotency_key="key-1"))

    assert sorted(r.replayed for r in results) == [False, True, True, True]
    assert Payment.objects.count() == 1
    assert customer_balance() == 5_000
    assert cached_balances_match_transfers()
