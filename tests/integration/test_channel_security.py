"""Forged, replayed, tampered and stale channel notifications credit nothing and are recorded; duplicate
deliveries of a genuine one, even in parallel, credit it once."""

import random
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from django.db import connection
from django.test import Client

from gridpay.application.payments.channels.create_channel_order import create_channel_order
from gridpay.data.models import ChannelRefusal, LedgerAccount, Payment
from gridpay.integrations.channels.factory import build_online_channel
from tests.integration.test_record_payment import cached_balances_match_transfers, concurrently
from tests.support.accounts import enrol
from tests.support.channel_servers import AlipayGateway, WeChatPayServer
from tests.support.clock import FakeClock, current_instant

pytestmark = pytest.mark.django_db
MUTATIONS = 1000
SIGNED_HEADERS = ["Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial"]


def open_order(channel: str, settings: Any, kind: str) -> str:
    adapter = build_online_channel(channel, settings.PAYMENT_CHANNELS_CONFIG)
    return create_channel_order(channel=adapter, account_no="3301000001", amount_fen=5_000, kind=kind,
                                now=current_instant()).order_no


def other_char(rng: random.Random, text: str, position: int, alphabet: str) -> str:
    choices = [c for c in alphabet if c != text[position]]
    return text[:position] + rng.choice(choices) + text[position + 1 :]


def mutate_wechat(rng: random.Random, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes, int]:
    """One change an attacker or a broken network could make; returns it with the clock shift to deliver at."""
    headers = dict(headers)
    choice = rng.randrange(6)
    if choice == 0:  # a byte of the body changed
        position = rng.randrange(len(body))
        body = body[:position] + bytes([body[position] ^ (1 << rng.randrange(8))]) + body[position + 1 :]
    elif choice == 1:  # a character of the signature changed (not the last two: base64 padding bits)
        signature = headers["Wechatpay-Signature"]
        headers["Wechatpay-Signature"] = other_char(rng, signature, rng.randrange(len(signature) - 3), "ABCDEFGH0123+/")
    elif choice == 2:  # a signed header changed: the timestamp, the nonce or the key id
        name = rng.choice(["Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial"])
        value = headers[name]
        headers[name] = other_char(rng, value, rng.randrange(len(value)), "0123456789ABCDEF")
    elif choice == 3:  # a signed header missing
        del headers[rng.choice(SIGNED_HEADERS)]
    elif choice == 4:  # the body cut short
        body = body[: rng.randrange(len(body))]
    else:  # the genuine message replayed later than the allowed skew
        return headers, body, rng.choice([-1, 1]) * rng.randrange(301, 86_400)
    return headers, body, 0


def test_a_thousand_mutated_wechat_notifications_credit_nothing_and_are_all_recorded(
    *, zj_tariff: str, wechat: WeChatPayServer, settings: Any, client: Client, clock: FakeClock
) -> None:
    enrol(1, opening_balance_fen=0)
    order_no = open_order("wechat", settings, "native")
    now = clock.now()
    wechat.pay(order_no, at=now)
    genuine_headers, genuine_body = wechat.notification(order_no, sent_at=now)
    rng = random.Random(20251130)

    statuses = set()
    for _ in range(MUTATIONS):
        headers, body, shift_s = mutate_wechat(rng, genuine_headers, genuine_body)
        clock.instant = now + timedelta(seconds=shift_s)
        answer = client.post("/api/channels/wechat/notify", data=body, content_type="application/json",
                             headers=headers)
        statuses.add(answer.status_code)
    clock.instant = now
    assert Payment.objects.count() == 0
    assert statuses == {400}
    assert ChannelRefusal.objects.filter(channel="wechat").count() == MUTATIONS
    reasons = set(ChannelRefusal.objects.values_list("reason", flat=True))
    assert reasons >= {"bad_signature", "stale", "malformed"}
    # The genuine notification passes: the refusals were the mutations' doing.
    answer = client.post("/api/channels/wechat/notify", data=genuine_body, content_type="application/json",
                         headers=genuine_headers)
    assert answer.status_code == 204 and Payment.objects.count() == 1


def mutate_alipay(rng: random.Random, body: bytes) -> bytes:
    fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
    choice = rng.randrange(4)
    if choice == 0:  # a value changed (an amount, an order, an account, a status, a time)
        name = rng.choice([n for n in fields if n not in ("sign", "sign_type")])
        value = fields[name] or " "
        fields[name] = other_char(rng, value, rng.randrange(len(value)), "0123456789.-:ABCZ")
    elif choice == 1:  # the signature changed (not its last characters, which carry padding)
        fields["sign"] = other_char(rng, fields["sign"], rng.randrange(len(fields["sign"]) - 3), "ABCDEFGH0123+/")
    elif choice == 2:  # a field removed
        del fields[rng.choice(list(fields))]
    else:  # a field added that was never signed
        fields[rng.choice(["refund_fee", "passback_params", "fund_bill_list", "total_amount2"])] = "1.00"
    return urlencode(fields).encode()


def test_a_thousand_mutated_alipay_notifications_credit_nothing_and_are_all_recorded(
    zj_tariff: str, alipay: AlipayGateway, settings: Any, client: Client
) -> None:
    enrol(1, opening_balance_fen=0)
    order_no = open_order("alipay", settings, "precreate")
    alipay.pay(order_no, at=current_instant())
    genuine = alipay.notification(order_no, sent_at=current_instant())
    rng = random.Random(20251130)
    answers = set()
    for _ in range(MUTATIONS):
        answer = client.post("/api/channels/alipay/notify", data=mutate_alipay(rng, genuine),
                             content_type="application/x-www-form-urlencoded")
        answers.add(answer.content)
    assert answers == {b"fail"} and Payment.objects.count() == 0
    assert ChannelRefusal.objects.filter(channel="alipay").count() == MUTATIONS
    answer = client.post("/api/channels/alipay/notify", data=genuine, content_type="application/x-www-form-urlencoded")
    assert answer.content == b"success" and Payment.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_parallel_deliveries_of_one_wechat_payment_credit_it_once(
    zj_tariff: str, wechat: WeChatPayServer, settings: Any
) -> None:
    enrol(1, opening_balance_fen=0)
    order_no = open_order("wechat", settings, "native")
    wechat.pay(order_no, at=current_instant())
    deliveries = [wechat.notification(order_no, sent_at=current_instant()) for _ in range(10)]
    queue = list(deliveries)

    def deliver() -> int:
        headers, body = queue.pop()
        answer = Client().post("/api/channels/wechat/notify", data=body, content_type="application/json",
                               headers=headers)
        connection.close()
        return int(answer.status_code)

    assert concurrently(10, deliver) == [204] * 10
    assert Payment.objects.count() == 1
    assert LedgerAccount.objects.get(code="customer:3301000001").balance_fen == 5_000
    assert ChannelRefusal.objects.count() == 0
    assert cached_balances_match_transfers()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_parallel_deliveries_of_one_alipay_payment_credit_it_once(
    zj_tariff: str, alipay: AlipayGateway, settings: Any
) -> None:
    enrol(1, opening_balance_fen=0)
    order_no = open_order("alipay", settings, "precreate")
    alipay.pay(order_no, at=current_instant())
    body = alipay.notification(order_no, sent_at=current_instant())

    def deliver() -> bytes:
        answer = Client().post("/api/channels/alipay/notify", data=body,
                               content_type="application/x-www-form-urlencoded")
        return bytes(answer.content)

    assert concurrently(10, deliver) == [b"success"] * 10
    assert Payment.objects.count() == 1
    assert LedgerAccount.objects.get(code="customer:3301000001").balance_fen == 5_000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_parallel_deliveries_of_a_closed_wechat_refund_give_its_money_back_once(
    zj_tariff: str, wechat: WeChatPayServer, settings: Any
) -> None:
    from gridpay.application.payments.channels.refund_through_channel import refund_through_channel
    from gridpay.data.models import PaymentRefund

    enrol(1, opening_balance_fen=0)
    order_no = open_order("wechat", settings, "native")
    txn = wechat.pay(order_no, at=current_instant())
    headers, body = wechat.notification(order_no, sent_at=current_instant())
    assert Client().post("/api/channels/wechat/notify", data=body, content_type="application/json",
                         headers=headers).status_code == 204
    now = current_instant()
    refund_through_channel(channel=build_online_channel("wechat", settings.PAYMENT_CHANNELS_CONFIG),
                           channel_txn_id=txn, refund_no="RF-1", amount_fen=2_000, reason="多交", at=now,
                           business_day=now.date())
    queue = [wechat.refund_notification("RF-1", sent_at=current_instant(), status="CLOSED") for _ in range(10)]

    def deliver() -> int:
        headers, body = queue.pop()
        answer = Client().post("/api/channels/wechat/notify", data=body, content_type="application/json",
                               headers=headers)
        connection.close()
        return int(answer.status_code)

    assert concurrently(10, deliver) == [204] * 10
    assert LedgerAccount.objects.get(code="customer:3301000001").balance_fen == 5_000
    assert PaymentRefund.objects.get().channel_status == "CLOSED" and ChannelRefusal.objects.count() == 0
    assert cached_balances_match_transfers()
