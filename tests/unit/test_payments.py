"""Payment rules without a database: channels, validation naming the field, replay versus conflict."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.payments import (
    CHANNEL_LABELS,
    MAX_PAYMENT_FEN,
    InvalidPayment,
    PaymentChannel,
    PaymentConflict,
    PaymentRequest,
    RecordedPayment,
    check_repeat,
    payment_request,
)

AT = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)


def request(**changes: Any) -> PaymentRequest:
    fields: dict[str, Any] = {
        "account_no": "3301000001",
        "amount_fen": 10_000,
        "channel": "counter",
        "channel_txn_id": "R-0001",
        "received_at": AT,
    } | changes
    return payment_request(**fields)


def test_every_channel_has_a_chinese_label() -> None:
    assert set(CHANNEL_LABELS) == set(PaymentChannel)
    assert {c.value for c in PaymentChannel} >= {
        "counter",
        "wechat",
        "alipay",
        "bank_withholding",
        "bank",
        "agent",
        "card",
        "app",
        "kiosk",
    }
    assert PaymentChannel.COUNTER.label == "营业厅柜台"


def test_a_valid_request_is_trimmed_and_in_utc() -> None:
    shanghai = timezone(timedelta(hours=8))
    r = request(account_no=" 3301000001 ", channel_txn_id=" R-1 ", received_at=AT.astimezone(shanghai))
    assert (r.account_no, r.channel, r.channel_txn_id) == ("3301000001", PaymentChannel.COUNTER, "R-1")
    assert r.received_at == AT and r.received_at.tzinfo == UTC


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_fen": 0}, "amount_fen"),
        ({"amount_fen": -5}, "amount_fen"),
        ({"amount_fen": 10.5}, "amount_fen"),
        ({"amount_fen": "100"}, "amount_fen"),
        ({"amount_fen": True}, "amount_fen"),
        ({"amount_fen": MAX_PAYMENT_FEN + 1}, "amount_fen"),
        ({"channel": "paypal"}, "channel"),
        ({"channel": ""}, "channel"),
        ({"account_no": "  "}, "account_no"),
        ({"account_no": "1" * 21}, "account_no"),
        ({"channel_txn_id": ""}, "channel_txn_id"),
        ({"channel_txn_id": "x" * 65}, "channel_txn_id"),
        ({"channel_txn_id": "a\nb"}, "channel_txn_id"),
        ({"received_at": datetime(2025, 3, 10)}, "received_at"),  # noqa: DTZ001 - naive on purpose
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"idempotency_key": "k" * 101}, "idempotency_key"),
    ],
)
def test_bad_input_is_refused_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidPayment) as refused:
        request(**changes)
    assert refused.value.code == "invalid_payment"
    assert refused.value.field == field
    assert refused.value.message  # a Chinese sentence, shown as is


def test_an_unknown_channel_lists_the_known_ones() -> None:
    with pytest.raises(InvalidPayment, match="wechat（微信支付）"):
        request(channel="paypal")


def recorded(**changes: Any) -> RecordedPayment:
    fields: dict[str, Any] = {
        "account_no": "3301000001",
        "amount_fen": 10_000,
        "channel": "counter",
        "channel_txn_id": "R-0001",
    } | changes
    return RecordedPayment(**fields)


def test_the_same_payment_again_is_a_replay_whenever_it_arrives() -> None:
    check_repeat(request=request(received_at=AT + timedelta(hours=1)), recorded=recorded())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_fen": 9_999}, "channel_txn_id"),
        ({"account_no": "3301000002"}, "channel_txn_id"),
        ({"channel_txn_id": "R-0002"}, "idempotency_key"),  # found by its Idempotency-Key
        ({"channel": "wechat"}, "idempotency_key"),
    ],
)
def test_the_same_key_for_a_different_payment_is_a_conflict(changes: dict[str, object], field: str) -> None:
    with pytest.raises(PaymentConflict) as conflict:
        check_repeat(request=request(idempotency_key="k-1"), recorded=recorded(**changes))
    assert conflict.value.code == "payment_conflict"
    assert conflict.value.field == field


@given(amount_fen=st.integers(min_value=1, max_value=MAX_PAYMENT_FEN))
def test_any_positive_amount_up_to_the_limit_is_accepted(amount_fen: int) -> None:
    assert request(amount_fen=amount_fen).amount_fen == amount_fen
