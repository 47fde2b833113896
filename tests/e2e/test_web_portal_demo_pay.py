"""The portal's demo channel (演示支付, ADR 0026): where the settings say demo and no real channel is configured, a
customer pays and the payment is credited through the door every channel's notification takes; anywhere else it
does not exist, and a notification it did not sign is refused like a forged WeChat Pay one."""

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from gridpay.application.payments.channels.accept_channel_notification import accept_channel_notification
from gridpay.data.models import Account, ChannelOrder, ChannelRefusal, Notification, Payment
from gridpay.data.settings import gridpay_settings
from gridpay.integrations.channels.factory import build_demo_channel
from gridpay.integrations.channels.online import ChannelNotConfigured
from tests.support.accounts import enrol
from tests.support.clock import FakeClock

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture
def household(zj_tariff: str, settings: Any, tmp_path: Path) -> Client:
    settings.SMS_CONFIG = {"GRIDPAY_SMS_PROVIDER": "file", "GRIDPAY_SMS_FILE": str(tmp_path / "sms.jsonl")}
    settings.PAYMENT_CHANNELS_CONFIG = {}
    enrol(1, opening_balance_fen=-500, phone="13900000001")
    enrol(2, opening_balance_fen=100, phone="13900000002")  # someone else's
    client = Client()
    client.post("/portal/", {"account_no": "3301000001"})
    code = Notification.objects.filter(kind="sign_in_code").latest("id").params["code"]
    client.post("/portal/code/", {"code": code})
    return client


@pytest.fixture
def demo(settings: Any) -> None:
    settings.GRIDPAY = replace(gridpay_settings(), demo_payments=True)


def available_fen(account_no: str) -> int:
    from gridpay.application.customers.show_account import show_account

    return show_account(account_no=account_no).available_balance_fen


def test_a_demo_customer_pays_with_the_demo_channel_through_the_notification_door(
    household: Client, demo: None, clock: FakeClock
) -> None:
    page = household.get("/portal/accounts/3301000001/").content.decode()
    assert "演示支付（不会真的扣款）" in page and "扫码交费" not in page

    shown = household.post("/portal/accounts/3301000001/pay", {"amount_yuan": "20", "channel": "demo"})
    assert shown.status_code == 200 and "确认支付 20.00 元（演示）" in shown.content.decode()
    order = ChannelOrder.objects.get()
    assert (order.channel, order.kind, order.status, order.amount_fen) == ("demo", "demo", "open", 2_000)
    assert order.order_no in shown.content.decode()

    paid = household.post("/portal/accounts/3301000001/pay/demo", {"order_no": order.order_no})
    assert paid.status_code == 302 and paid["Location"] == "/portal/accounts/3301000001/"
    payment = Payment.objects.get()
    order.refresh_from_db()
    # What the notification door does for every channel: the order paid and linked, the channel's transaction id.
    assert (order.status, order.payment_id) == ("paid", payment.id)
    assert (payment.channel, payment.amount_fen, payment.channel_txn_id[:4]) == ("demo", 2_000, "DEMO")
    assert available_fen("3301000001") == -500 + 2_000
    after = household.get("/portal/accounts/3301000001/").content.decode()
    assert "已交费 20.00 元（演示支付，没有真的扣款）" in after and "演示支付</td>" in after

    again = household.post("/portal/accounts/3301000001/pay/demo", {"order_no": order.order_no})
    assert again.status_code == 302 and Payment.objects.count() == 1  # a second press pays nothing twice
    other = household.post("/portal/accounts/3301000002/pay/demo", {"order_no": order.order_no})
    assert other.status_code == 302 and Payment.objects.count() == 1  # not theirs: nothing happens


def test_a_demo_order_of_another_account_or_expired_is_refused(
    household: Client, demo: None, clock: FakeClock
) -> None:
    from datetime import timedelta

    household.post("/portal/accounts/3301000001/pay", {"amount_yuan": "20", "channel": "demo"})
    order = ChannelOrder.objects.get()
    ChannelOrder.objects.filter(id=order.id).update(account=Account.objects.get(account_no="3301000002"))
    refused = household.post("/portal/accounts/3301000001/pay/demo", {"order_no": order.order_no})
    assert refused.status_code == 422 and "没有这个订单" in refused.content.decode() and Payment.objects.count() == 0
    ChannelOrder.objects.filter(id=order.id).update(account=Account.objects.get(account_no="3301000001"))
    clock.instant += timedelta(minutes=31)
    late = household.post("/portal/accounts/3301000001/pay/demo", {"order_no": order.order_no})
    assert late.status_code == 422 and "订单已失效" in late.content.decode() and Payment.objects.count() == 0


def test_a_notification_the_demo_channel_did_not_sign_is_refused_and_recorded(
    household: Client, demo: None, clock: FakeClock
) -> None:
    household.post("/portal/accounts/3301000001/pay", {"amount_yuan": "20", "channel": "demo"})
    order = ChannelOrder.objects.get()
    channel = build_demo_channel({}, enabled=True)
    headers, body = channel.pay(order_no=order.order_no, amount_fen=200_000, paid_at=clock.now())
    forged = json.loads(body) | {"amount_fen": 2_000_000}
    answer = accept_channel_notification(channel=channel, headers=headers, body=json.dumps(forged).encode(),
                                         now=clock.now(), business_day=clock.today())
    assert answer.status == 400 and answer.refused is not None and answer.refused.reason == "bad_signature"
    signed_wrong_amount = accept_channel_notification(channel=channel, headers=headers, body=body, now=clock.now(),
                                                      business_day=clock.today())
    assert signed_wrong_amount.refused is not None and signed_wrong_amount.refused.reason == "amount_mismatch"
    assert ChannelRefusal.objects.filter(channel="demo").count() == 2 and Payment.objects.count() == 0


def test_without_the_demo_setting_there_is_no_demo_channel(household: Client) -> None:
    assert "演示支付" not in household.get("/portal/accounts/3301000001/").content.decode()
    refused = household.post("/portal/accounts/3301000001/pay", {"amount_yuan": "20", "channel": "demo"})
    assert refused.status_code == 422 and "暂未开通" in refused.content.decode()
    assert ChannelOrder.objects.count() == 0
    with pytest.raises(ChannelNotConfigured):
        build_demo_channel({}, enabled=False)


def test_with_a_real_channel_configured_the_demo_channel_is_refused_even_in_a_demo(
    household: Client, demo: None, settings: Any
) -> None:
    household.post("/portal/accounts/3301000001/pay", {"amount_yuan": "20", "channel": "demo"})
    order = ChannelOrder.objects.get()
    # Even half set up, a real channel means real money: the demo channel is gone, and its open orders with it.
    settings.PAYMENT_CHANNELS_CONFIG = {"GRIDPAY_WECHATPAY_MCHID": "1900000001"}
    assert "演示支付" not in household.get("/portal/accounts/3301000001/").content.decode()
    refused = household.post("/portal/accounts/3301000001/pay/demo", {"order_no": order.order_no})
    assert refused.status_code == 422 and "演示支付只用于演示" in refused.content.decode()
    assert household.post("/portal/accounts/3301000001/pay", {"amount_yuan": "20", "channel": "demo"}
                          ).status_code == 422
    assert Payment.objects.count() == 0 and ChannelOrder.objects.count() == 1
    with pytest.raises(ChannelNotConfigured):
        build_demo_channel(settings.PAYMENT_CHANNELS_CONFIG, enabled=True)
