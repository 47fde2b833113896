"""row_insert writes the rows save() would write, with their ids rising in the given order, and refuses what save()
refuses: on SQLite and PostgreSQL, with and without RETURNING, in one statement or several."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from gridpay.data import row_insert
from gridpay.data.models import Account, LedgerAccount, Payment, Transfer
from gridpay.domain.ledger import LedgerAccountKind, TransferKind
from tests.support.accounts import enrol
from tests.support.clock import SHANGHAI

pytestmark = pytest.mark.django_db

# A receipt time given in Beijing time, on a leap day, as a channel sends it.
RECEIVED = datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _tariff(zj_tariff: str) -> None:
    pass


def ledger_accounts(prefix: str, count: int) -> list[LedgerAccount]:
    return [LedgerAccount(code=f"{prefix}:{i}", kind=LedgerAccountKind.CLEARING.value, balance_fen=i * 7 - 3)
            for i in range(count)]


def stored(model: Any, ids: list[int]) -> list[dict[str, Any]]:
    rows = {row.pop("id"): row for row in model.objects.filter(id__in=ids).values()}
    return [rows[i] for i in ids]


@pytest.fixture(params=["returning", "one row a statement"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "one row a statement":  # as on an SQLite before 3.35, without RETURNING
        if connection.vendor != "sqlite":
            pytest.skip("only an SQLite before 3.35 inserts without RETURNING")
        monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", property(lambda _: False))
    return str(request.param)


@pytest.fixture
def account() -> Account:
    return enrol(1)  # before `way`: enrolment's own bulk inserts need their ids back


def test_the_rows_are_those_save_writes(account: Account, way: str) -> None:
    clearing, other = row_insert.insert(ledger_accounts("clearing:test", 2))
    saved_transfer = Transfer(debit_id=clearing.id, credit_id=account.ledger_account_id, amount_fen=2**62,
                              kind=TransferKind.PAYMENT.value, business_day=date(2024, 2, 29), created_at=RECEIVED,
                              debit_balance_after_fen=-(2**62), credit_balance_after_fen=0)
    saved_transfer.save()
    (inserted_transfer,) = row_insert.insert([Transfer(
        debit_id=other.id, credit_id=account.ledger_account_id, amount_fen=2**62, kind=TransferKind.PAYMENT.value,
        business_day=date(2024, 2, 29), created_at=RECEIVED, debit_balance_after_fen=-(2**62),
        credit_balance_after_fen=0)])
    saved_payment = Payment(account=account, channel="wechat", channel_txn_id="S-1", amount_fen=2**62,
                            received_at=RECEIVED, business_day=date(2024, 2, 29), idempotency_key=None,
                            transfer=saved_transfer)
    saved_payment.save()
    (inserted_payment,) = row_insert.insert([Payment(
        account=account, channel="wechat", channel_txn_id="I-1", amount_fen=2**62, received_at=RECEIVED,
        business_day=date(2024, 2, 29), idempotency_key=None, transfer=inserted_transfer)])

    saved, inserted = stored(Transfer, [saved_transfer.id, inserted_transfer.id])
    assert inserted == {**saved, "debit_id": other.id}
    saved, inserted = stored(Payment, [saved_payment.id, inserted_payment.id])
    assert inserted == {**saved, "channel_txn_id": "I-1", "transfer_id": inserted_transfer.id}
    assert inserted["received_at"] == RECEIVED and inserted["payer"] == ""  # the instant kept; the default written
    assert not inserted_payment._state.adding and inserted_payment._state.db == connection.alias
    assert Payment.objects.get(id=inserted_payment.id).transfer_id == inserted_transfer.id


def test_ids_rise_in_the_given_order_over_several_statements(way: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objs: 3)
    rows = row_insert.insert(ledger_accounts("batch", 8))
    ids = [row.id for row in rows]
    assert ids == sorted(ids) and len(set(ids)) == 8
    assert [(row["code"], row["balance_fen"]) for row in stored(LedgerAccount, ids)] == [
        (f"batch:{i}", i * 7 - 3) for i in range(8)]


def test_a_broken_constraint_raises_as_save_does_and_writes_nothing(way: str) -> None:
    row_insert.insert(ledger_accounts("taken", 1))
    before = LedgerAccount.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        row_insert.insert([*ledger_accounts("fresh", 2), *ledger_accounts("taken", 1)])
    assert LedgerAccount.objects.count() == before
    assert row_insert.insert([]) == []


def test_a_payment_posted_through_the_ledger_moves_both_balances_once() -> None:
    """ledger.post's way for one transfer (every payment's) gives the balances after that the batch way gives."""
    from gridpay.data import ledger
    from gridpay.domain.ledger import Transfer as Posting

    low, high = row_insert.insert(ledger_accounts("pair", 2))
    at = datetime(2024, 2, 29, 1, tzinfo=UTC)
    with transaction.atomic():
        (single,) = ledger.post([Posting(debit=high.id, credit=low.id, amount_fen=500, kind=TransferKind.PAYMENT)],
                                business_day=date(2024, 2, 29), at=at)
        first, second = ledger.post(
            [Posting(debit=high.id, credit=low.id, amount_fen=500, kind=TransferKind.PAYMENT),
             Posting(debit=low.id, credit=high.id, amount_fen=200, kind=TransferKind.PAYMENT)],
            business_day=date(2024, 2, 29), at=at + timedelta(seconds=1))
    # balance_fen starts at -3 (low) and 4 (high)
    assert (single.debit_balance_after_fen, single.credit_balance_after_fen) == (4 - 500, -3 + 500)
    assert (first.debit_balance_after_fen, first.credit_balance_after_fen) == (4 - 1000, -3 + 1000)
    assert (second.debit_balance_after_fen, second.credit_balance_after_fen) == (-3 + 800, 4 - 800)
    assert single.id < first.id < second.id
    assert dict(LedgerAccount.objects.filter(id__in=[low.id, high.id]).values_list("id", "balance_fen")) == {
        low.id: -3 + 800, high.id: 4 - 800}
