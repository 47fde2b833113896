"""Staff API tokens are scoped to payment channels (issue 19 point 6): a bank's token records bank payments only, and
no token records a payment of a channel with a signed door of its own (WeChat Pay, Alipay, agents, cards ...)."""

from typing import Any

import pytest
from django.test import Client

from gridpay.application.staff.issue_api_token import ApiTokenRefused, issue_api_token
from gridpay.data.models import Payment
from gridpay.domain.payments import TOKEN_CHANNELS, PaymentChannel
from tests.support.accounts import enrol
from tests.support.clock import current_instant

pytestmark = pytest.mark.django_db
ACCOUNT = "3301000001"
SIGNED_DOORS = sorted(set(PaymentChannel) - TOKEN_CHANNELS)


@pytest.fixture
def account(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=10_000)


def pay(token: str, channel: str, txn: str = "T-1") -> Any:
    body = {"account_no": ACCOUNT, "amount_fen": 5_000, "channel": channel, "channel_txn_id": txn}
    return Client().post("/api/payments", body, content_type="application/json",
                         headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"{channel}-{txn}"})


def test_a_banks_token_records_bank_payments_only(account: None) -> None:
    bank = issue_api_token(name="邮储银行", at=current_instant(), channels=["bank"]).token

    paid = pay(bank, "bank")
    counter = pay(bank, "counter")
    kiosk = pay(bank, "kiosk")

    assert paid.status_code == 201
    for refused in (counter, kiosk):
        assert refused.status_code == 403
        assert refused.json()["code"] == "channel_not_allowed" and refused.json()["field"] == "channel"
    assert "这个令牌不能记录营业厅" in counter.json()["message"]
    assert list(Payment.objects.values_list("channel", flat=True)) == ["bank"]


@pytest.mark.parametrize("channel", SIGNED_DOORS)
def test_no_token_records_a_channel_that_has_a_signed_door_of_its_own(account: None, channel: str) -> None:
    everything = issue_api_token(name="柜台系统", at=current_instant(), channels=sorted(TOKEN_CHANNELS)).token

    answer = pay(everything, channel)

    assert answer.status_code == 403
    assert "只经其签名的通知或接口入账" in answer.json()["message"]
    assert not Payment.objects.exists()
    with pytest.raises(ApiTokenRefused) as refused:
        issue_api_token(name=f"{channel} 令牌", at=current_instant(), channels=[channel])
    assert refused.value.field == "channels"


def test_a_token_scoped_to_no_channel_records_no_payment_but_reads_accounts(account: None) -> None:
    reader = issue_api_token(name="查询系统", at=current_instant()).token

    assert pay(reader, "bank").status_code == 403
    assert Client().get(f"/api/accounts/{ACCOUNT}", headers={"Authorization": f"Bearer {reader}"}).status_code == 200
    assert not Payment.objects.exists()
