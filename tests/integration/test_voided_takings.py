"""A voided counter payment (作废, ADR 0025) and any reversal (冲正) are not takings: the dashboard, the monthly report
and the collection report count the money taken net of them, alike; the account statement names the void."""

from datetime import timedelta

import pytest
from django.test import Client

from gridpay.application.collection.campaign_effect import month_campaign_effect
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.payments.refund_payment import refund_payment
from gridpay.application.payments.take_counter_payment import take_counter_payment
from gridpay.application.payments.void_counter_payment import void_counter_payment
from gridpay.application.reports.dashboard import dashboard
from gridpay.application.reports.monthly_report import monthly_report
from gridpay.application.staff.acting_staff import acting_staff
from gridpay.application.staff.add_staff import add_staff
from gridpay.application.staff.counter_authorisation import Authoriser
from tests.integration.test_counter_guard_rails import AT, DAY, PASSWORD  # the counter's open Monday
from tests.support.accounts import enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def voided_day(zj_tariff: str) -> None:
    """On DAY: 1 500 元 at the counter, voided; 300 元 at the counter; 30 元 by Alipay, 10 元 of it reversed by
    reconciliation."""
    enrol(1, opening_balance_fen=0)
    add_staff(username="zhang", name="张敏", role="cashier", password=PASSWORD)
    add_staff(username="lin", name="林班长", role="supervisor", password=PASSWORD)
    for receipt_no, fen in (("GT-1", 150_000), ("GT-2", 30_000)):
        take_counter_payment(account_no="3301000001", amount_fen=fen, confirmed_fen=fen, receipt_no=receipt_no,
                             cashier="张敏", actor="zhang", at=AT, business_day=DAY)
    void_counter_payment(receipt_no="GT-1", reason="金额输错", cashier=acting_staff("zhang"),
                         authoriser=Authoriser("lin", PASSWORD), at=AT + timedelta(minutes=5), business_day=DAY)
    record_payment(account_no="3301000001", amount_fen=3_000, channel="alipay", channel_txn_id="A-1",
                   received_at=AT, business_day=DAY)
    refund_payment(channel="alipay", channel_txn_id="A-1", channel_refund_id="R-1", amount_fen=1_000,
                   kind="reversal", reason="对账差异", at=AT + timedelta(hours=1), business_day=DAY)


def test_the_monthly_report_counts_the_takings_net_of_voids_and_reversals(voided_day: None) -> None:
    report = monthly_report(month=DAY, now=AT + timedelta(days=1), zone="Asia/Shanghai")
    assert report.paid_fen == 32_000
    assert report.channels == [("营业厅柜台", 1, 30_000), ("支付宝", 1, 2_000)]


def test_the_dashboard_agrees_with_the_report(voided_day: None) -> None:
    board = dashboard(today=DAY + timedelta(days=1), now=AT + timedelta(days=1), day_start=AT)
    assert [(c.channel, c.payments, c.amount_fen) for c in board.channels_month] == [
        ("counter", 1, 30_000), ("alipay", 1, 2_000)]
    assert board.paid_fen[-1] == 32_000  # yesterday's bar of the 60 days


def test_the_collection_reports_payments_per_day_are_net(voided_day: None) -> None:
    campaign = month_campaign_effect(month=DAY, today=DAY + timedelta(days=1))
    (day,) = [d for d in campaign.days if d.day == DAY]
    assert (day.payments, day.amount_fen) == (2, 32_000)


def test_a_channel_whose_only_payment_was_voided_is_not_listed(voided_day: None) -> None:
    take_counter_payment(account_no="3301000001", amount_fen=5_000, receipt_no="GT-3", cashier="张敏",
                         actor="zhang", at=AT + timedelta(days=31), business_day=DAY + timedelta(days=31))
    void_counter_payment(receipt_no="GT-3", reason="收错户", cashier=acting_staff("zhang"),
                         authoriser=Authoriser("lin", PASSWORD), at=AT + timedelta(days=31, minutes=1),
                         business_day=DAY + timedelta(days=31))
    report = monthly_report(month=DAY + timedelta(days=31), now=AT + timedelta(days=32), zone="Asia/Shanghai")
    assert (report.paid_fen, report.channels) == (0, [])


def test_the_statement_names_the_void_and_the_reversal(voided_day: None) -> None:
    client = Client()
    client.login(username="zhang", password=PASSWORD)
    page = client.get("/customers/3301000001/").content.decode()
    statement = page[page.index("账户流水"):page.index("短信提醒")]
    assert "<td>作废冲正</td><td class=\"num\">-1500.00</td>" in statement
    assert "<td>冲正</td><td class=\"num\">-10.00</td>" in statement
    assert "退款" not in statement
