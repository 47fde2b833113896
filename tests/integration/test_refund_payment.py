"""Refunds and reversals of payments: a new linked transfer, exactly once per refund id, never beyond the payment."""

import contextlib
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridpay.application.errors import NotFound
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.payments.refund_payment import refund_payment
from gridpay.data.models import LedgerAccount, Payment, PaymentRefund, Transfer
from gridpay.domain.payments import InvalidPayment, PaymentConflict, RefundRefused
from tests.integration.test_record_payment import cached_balances_match_transfers
from tests.support.accounts import enrol

pytestmark = pytest.mark.django_db
AT = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
DAY = date(2025, 3, 10)


def paid(txn: str = "W-1", amount_fen: int = 5_000, number: int = 1) -> None:
    record_payment(account_no=f"33010{number:05d}", amount_fen=amount_fen, channel="wechat", channel_txn_id=txn,
                   received_at=AT, business_day=DAY)


def refund(refund_id: str, amount_fen: int, *, txn: str = "W-1", kind: str = "refund") -> int:
    result = refund_payment(channel="wechat", channel_txn_id=txn, channel_refund_id=refund_id, amount_fen=amount_fen,
                            kind=kind, reason="客户申请", at=AT, business_day=DAY)
    return result.available_balance_fen


def test_a_refund_is_a_new_transfer_linked_to_the_payment_and_a_replay_moves_nothing(zj_tariff: str) -> None:
    account = enrol(1, opening_balance_fen=0)
    paid()
    assert refund("RF-1", 2_000) == 3_000
    transfers = Transfer.objects.count()
    assert refund("RF-1", 2_000) == 3_000  # the channel's notification again
    assert Transfer.objects.count() == transfers
    row = PaymentRefund.objects.get()
    assert row.payment == Payment.objects.get() and row.transfer.kind == "refund"
    assert row.transfer.debit_id == account.ledger_account_id
    assert Payment.objects.get().amount_fen == 5_000  # the payment itself is never edited
    assert cached_balances_match_transfers()


def test_refunds_never_exceed_the_payment_and_conflicting_repeats_are_refused(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=0)
    paid()
    refund("RF-1", 4_000)
    with pytest.raises(RefundRefused):
        refund("RF-2", 1_001)
    assert refund("RF-2", 1_000, kind="reversal") == 0
    with pytest.raises(PaymentConflict):
        refund("RF-1", 3_000)
    with pytest.raises(NotFound):
        refund("RF-3", 1, txn="W-404")
    with pytest.raises(InvalidPayment):
        refund("RF-4", 0)
    with pytest.raises(InvalidPayment):
        refund("RF-5", 1, kind="gift")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempts=st.lists(st.tuples(st.integers(min_value=0, max_value=5), st.integers(min_value=1, max_value=4_000)),
                         max_size=12))
def test_whatever_is_asked_the_refunds_stay_within_the_payment_and_the_ledger_balances(
    zj_tariff: str, attempts: list[tuple[int, int]]
) -> None:
    number = 1 + Payment.objects.count()  # each example its own account
    account = enrol(number, opening_balance_fen=0)
    txn = f"W-{number}"
    paid(txn=txn, amount_fen=5_000, number=number)
    for refund_no, amount in attempts:
        with contextlib.suppress(RefundRefused, PaymentConflict):  # refused whole, nothing written
            refund(f"{txn}-RF-{refund_no}", amount, txn=txn)
    refunded = sum(PaymentRefund.objects.filter(payment__channel_txn_id=txn).values_list("amount_fen", flat=True))
    assert refunded <= 5_000
    assert LedgerAccount.objects.get(id=account.ledger_account_id).balance_fen == 5_000 - refunded
    assert cached_balances_match_transfers()


def test_the_payer_named_by_the_channel_is_kept_with_the_payment(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=0)
    record_payment(account_no="3301000001", amount_fen=100, channel="alipay", channel_txn_id="A-1", received_at=AT,
                   business_day=DAY, payer=" 张*三 ")
    assert Payment.objects.get().payer == "张*三"
