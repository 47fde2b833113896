"""Agent outlets over HTTP: signed requests only, the masked name first, float limit, commission, daily statement."""

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from gridpay.application.payments.agents.register_agent import register_agent
from gridpay.application.payments.agents.settle_agent_day import settle_agent_day
from gridpay.data.models import AgentPayment, AuditRecord, ChannelRefusal, LedgerAccount, Payment
from gridpay.domain.agents import agent_signature
from tests.integration.test_record_payment import cached_balances_match_transfers
from tests.support.accounts import enrol
from tests.support.clock import FakeClock, current_instant

pytestmark = pytest.mark.django_db


def signed(secret: str, method: str, path: str, body: bytes = b"", *, agent: str = "POST-001",
           at: datetime | None = None, nonce: str | None = None) -> dict[str, str]:
    timestamp = str(int((at or current_instant()).timestamp()))
    nonce = nonce or secrets.token_hex(12)
    return {
        "X-Gridpay-Agent": agent,
        "X-Gridpay-Timestamp": timestamp,
        "X-Gridpay-Nonce": nonce,
        "X-Gridpay-Signature": agent_signature(secret=secret, method=method, path=path, timestamp=timestamp,
                                               nonce=nonce, body=body),
    }


@pytest.fixture
def agent_secret(zj_tariff: str) -> str:
    enrol(1, opening_balance_fen=-1_234)
    return register_agent(code="POST-001", name="马头镇邮政所", float_limit_fen=100_000,
                          commission_per_payment_fen=50, commission_rate_bp=10).secret


def pay(client: Client, secret: str, amount_fen: int, txn: str, **sign: Any) -> Any:
    body = json.dumps({"account_no": "3301000001", "amount_fen": amount_fen, "agent_txn_id": txn}).encode()
    return client.post("/api/agent/payments", data=body, content_type="application/json",
                       headers=signed(secret, "POST", "/api/agent/payments", body, **sign))


def test_an_agent_sees_the_masked_name_then_collects_once_with_its_commission(agent_secret: str,
                                                                                client: Client) -> None:
    path = "/api/agent/accounts/3301000001"
    answer = client.get(path, headers=signed(agent_secret, "GET", path))
    assert answer.status_code == 200
    assert answer.json()["masked_name"] == "测***1" and answer.json()["available_balance_fen"] == -1_234
    first = pay(client, agent_secret, 20_000, "T-1")
    assert first.status_code == 201
    body = first.json()
    assert body["channel_txn_id"] == "POST-001-T-1" and body["available_balance_fen"] == 18_766
    assert body["commission_fen"] == 50 + 20  # 0.50 per payment + 0.1 % of 200.00
    again = pay(client, agent_secret, 20_000, "T-1")  # the till retries after a timeout
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert Payment.objects.count() == 1 and AgentPayment.objects.count() == 1
    assert Payment.objects.get().payer == "马头镇邮政所"
    assert cached_balances_match_transfers()


def test_a_serial_number_used_for_another_payment_is_refused_and_recorded(agent_secret: str, client: Client) -> None:
    assert pay(client, agent_secret, 20_000, "T-1").status_code == 201
    conflict = pay(client, agent_secret, 30_000, "T-1")  # the same serial, another amount
    assert conflict.status_code == 409
    recorded = ChannelRefusal.objects.get(channel="agent")
    assert (recorded.reason, recorded.channel_txn_id) == ("not_credited", "T-1")
    assert Payment.objects.count() == 1 and cached_balances_match_transfers()


def test_the_float_limit_stops_collection_until_the_day_is_settled(
    agent_secret: str, client: Client, clock: FakeClock
) -> None:
    assert pay(client, agent_secret, 60_000, "T-1").status_code == 201
    refused = pay(client, agent_secret, 40_001, "T-2")
    assert refused.status_code == 403 and refused.json()["code"] == "float_exceeded"
    # Recorded as every refused request is (issue 20 point 7), the payment not.
    recorded = ChannelRefusal.objects.get(channel="agent")
    assert (recorded.reason, recorded.channel_txn_id) == ("over_limit", "T-2") and "float_exceeded" in recorded.detail
    assert not Payment.objects.filter(channel_txn_id="POST-001-T-2").exists()
    assert pay(client, agent_secret, 40_000, "T-3").status_code == 201
    today = clock.today()
    path = f"/api/agent/statement?day={today.isoformat()}"
    statement = client.get(path, headers=signed(agent_secret, "GET", path)).json()
    assert (statement["payments"], statement["amount_fen"]) == (2, 100_000)
    assert statement["commission_fen"] == (50 + 60) + (50 + 40) and statement["due_fen"] == 100_000 - 200
    assert [e["masked_name"] for e in statement["entries"]] == ["测***1", "测***1"]
    settled = settle_agent_day(agent_code="POST-001", day=today, by="营业厅张会计", at=current_instant())
    assert settled.settled_by == "营业厅张会计"
    assert AuditRecord.objects.get(action="agent.settle").new["amount_fen"] == 100_000
    assert pay(client, agent_secret, 40_001, "T-4").status_code == 201  # the float is free again


@pytest.mark.parametrize("case", ["unknown_agent", "wrong_secret", "stale", "replayed_nonce", "tampered_body",
                                  "no_signature"])
def test_requests_not_signed_by_the_agent_are_refused_and_recorded(agent_secret: str, client: Client,
                                                                   case: str) -> None:
    body = json.dumps({"account_no": "3301000001", "amount_fen": 500, "agent_txn_id": "T-9"}).encode()
    headers = signed(agent_secret, "POST", "/api/agent/payments", body)
    if case == "unknown_agent":
        headers = signed(agent_secret, "POST", "/api/agent/payments", body, agent="POST-999")
    elif case == "wrong_secret":
        headers = signed("0" * 64, "POST", "/api/agent/payments", body)
    elif case == "stale":
        headers = signed(agent_secret, "POST", "/api/agent/payments", body,
                         at=current_instant() - timedelta(minutes=6))
    elif case == "replayed_nonce":
        first = pay(client, agent_secret, 500, "T-8", nonce="n" * 16)
        assert first.status_code == 201
        headers = signed(agent_secret, "POST", "/api/agent/payments", body, nonce="n" * 16)
    elif case == "tampered_body":
        body = body.replace(b"500", b"50000")
    elif case == "no_signature":
        headers = {}
    answer = client.post("/api/agent/payments", data=body, content_type="application/json", headers=headers)
    assert answer.status_code == 401 and answer.json()["code"] == "agent_refused"
    assert not Payment.objects.filter(channel_txn_id="POST-001-T-9").exists()
    assert ChannelRefusal.objects.filter(channel="agent").count() == 1
    assert LedgerAccount.objects.get(code="customer:3301000001").balance_fen == -1_234 + (
        500 if case == "replayed_nonce" else 0)
