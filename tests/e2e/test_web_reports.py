"""The monthly report: the month's recovery, ageing, supply control, SMS, channels and rollout; screen and PDF."""

from datetime import date, timedelta

import pytest
from django.test import Client

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.staff.add_staff import add_staff
from gridpay.domain.arrears_ageing import arrears_ageing
from tests.support.accounts import enrol
from tests.support.clock import FakeClock, current_instant

pytestmark = [pytest.mark.django_db, pytest.mark.dates]
PASSWORD = "Gridpay-2026!"


def test_arrears_are_aged_in_bands() -> None:
    day = date(2025, 6, 1)
    bands = arrears_ageing(arrears=[(day - timedelta(days=2), 100), (None, 50), (day - timedelta(days=40), 900),
                                    (day - timedelta(days=400), 1)], day=day)
    assert [(b.label, b.accounts, b.owed_fen) for b in bands] == [
        ("7 天以内", 2, 150), ("7–30 天", 0, 0), ("30–90 天", 1, 900), ("90 天以上", 1, 1)]


def test_the_monthly_report_on_screen_and_as_a_pdf(zj_tariff: str, clock: FakeClock) -> None:
    enrol(1, opening_balance_fen=-2_000)
    enrol(2)
    record_payment(account_no="3301000002", amount_fen=3_000, channel="alipay", channel_txn_id="A-1",
                   received_at=current_instant(), business_day=clock.today())
    add_staff(username="head", name="所长", role="station_head", password=PASSWORD)
    client = Client()
    client.login(username="head", password=PASSWORD)
    page = client.get("/reports/monthly/").content.decode()
    assert "智能交费月报" in page and "7–30 天" in page and "支付宝" in page and "30.00" in page
    assert f"欠费（计至 {clock.today():%Y-%m-%d}）" in page and "20.00" in page and "1 户" in page
    assert "后付费（本月发行电费单）" in page and "电费违约金" in page and "在办案件阶段（月末）" in page
    pdf = client.get(f"/reports/monthly/?month={clock.today():%Y-%m}&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/reports/monthly/?month=2025-13").status_code == 400
    for month in ("0001-01", "9999-12", "2025-1x", "２０２５-01", "2025-00"):  # issue 20 point 7: refused, never a 500
        assert client.get(f"/reports/monthly/?month={month}").status_code == 400, month
        assert client.get(f"/reports/collection/?month={month}").status_code == 400, month
    add_staff(username="c", name="营业员", role="cashier", password=PASSWORD)
    cashier = Client()
    cashier.login(username="c", password=PASSWORD)
    assert cashier.get("/reports/monthly/").status_code == 403
