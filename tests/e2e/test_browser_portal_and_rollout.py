"""The portal and the rollout page in a real browser (Debian's Chromium through Playwright), on a desk and a phone: a
landlord signs in with the SMS code, sees both accounts, pays one with the demo channel and sees its balance change,
then signs out; the station head opens the rollout page on the plan's year and picks another."""

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import GridStaff, SmartPaymentAgreement, Village
from gridpay.data.settings import gridpay_settings
from gridpay.interfaces import clock
from tests.support.accounts import enrol
from tests.support.browser import SIZES

PASSWORD = "Gridpay-2026!"
CODE = "246810"
FITS = "document.documentElement.scrollWidth <= window.innerWidth"

# Transactional, for the live server's own connection (see test_browser_console.py).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture
def landlord(zj_tariff: str, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two houses on one phone, in a demo (no real channel configured); made before the browser starts."""
    from gridpay.application.portal import sign_in

    settings.GRIDPAY = replace(gridpay_settings(), demo_payments=True)
    settings.PAYMENT_CHANNELS_CONFIG = {}
    enrol(1, opening_balance_fen=-1_234, phone="13900000001")
    enrol(2, opening_balance_fen=8_800, phone="13900000001")
    monkeypatch.setattr(sign_in, "new_code", lambda: CODE)


@pytest.mark.parametrize("size", list(SIZES))
def test_a_customer_signs_in_sees_their_accounts_pays_with_the_demo_channel_and_signs_out(
    landlord: None, live_server: Any, browser: Any, size: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport=SIZES[size])
    page.goto(f"{live_server.url}/portal/")
    page.fill("#id_account_no", "3301000001")
    page.click("main button[type=submit]")
    assert "139****0001" in page.inner_text("main")
    page.fill("#id_code", CODE)
    page.click("main button[type=submit]")
    cards = page.locator("main .cards")
    assert "3301000001" in cards.inner_text() and "3301000002" in cards.inner_text()
    assert "-12.34" in cards.inner_text() and "88.00" in cards.inner_text()
    assert page.locator("button.sign-out").is_visible()
    page.screenshot(path=str(tmp_path / f"portal-accounts-{size}.png"), full_page=True)
    assert page.evaluate(FITS)

    page.click("text=3301000001")
    page.wait_for_selector("#usage canvas")
    assert "-12.34" in page.inner_text("main .cards")
    page.fill("#id_pay_amount", "50")
    page.click("text=演示支付（不会真的扣款）")
    assert "不会真的扣款" in page.inner_text("main") and "50.00" in page.inner_text("h1")
    page.screenshot(path=str(tmp_path / f"portal-demo-pay-{size}.png"), full_page=True)
    assert page.evaluate(FITS)
    page.click("text=确认支付 50.00 元（演示）")
    page.wait_for_selector(".flash")
    assert "已交费 50.00 元" in page.inner_text(".flash")
    assert "37.66" in page.inner_text("main .cards")  # -12.34 + 50.00
    assert "演示支付" in page.inner_text("h2:has-text('交费记录') + div.scroll table")
    page.screenshot(path=str(tmp_path / f"portal-paid-{size}.png"), full_page=True)
    assert page.evaluate(FITS)

    page.click("button.sign-out")
    page.wait_for_selector("#id_account_no")
    assert page.url == f"{live_server.url}/portal/"
    page.goto(f"{live_server.url}/portal/accounts/3301000001/")
    assert page.url == f"{live_server.url}/portal/"  # the session is ended: back to signing in


@pytest.fixture
def two_years_of_plan(zj_tariff: str) -> None:
    staff = GridStaff.objects.create(name="陈嘉涵", phone="0595-68905492")
    for name, month, number in (("铺前村", date(2024, 4, 1), 1), ("诗南村", date(2025, 5, 1), 2)):
        Village.objects.create(name=name, town="测试镇", grid_staff=staff, rollout_month=month)
        account = enrol(number, village=name)
        SmartPaymentAgreement.objects.create(account=account, signed_on=month.replace(day=20), method="on_site",
                                             staff_name="陈嘉涵", recorded_at=clock.now())
    add_staff(username="head", name="所长王明", role="station_head", password=PASSWORD)


@pytest.mark.parametrize("size", list(SIZES))
def test_the_station_head_picks_the_rollout_year(
    two_years_of_plan: None, live_server: Any, browser: Any, size: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport=SIZES[size])
    page.goto(f"{live_server.url}/rollout/")
    page.fill("#id_username", "head")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_selector("#progress canvas")
    assert "2025年" in page.inner_text("h1")  # the plan's last year, not the calendar's
    assert page.locator("#id_year option").all_inner_texts() == ["2024年", "2025年"]
    page.select_option("#id_year", "2024")  # the page follows the choice
    page.wait_for_url("**/rollout/?year=2024")
    page.wait_for_selector("#progress canvas")
    assert "2024年" in page.inner_text("h1") and "1 / 2" in page.inner_text(".cards")
    assert page.locator("#id_year").input_value() == "2024"
    page.screenshot(path=str(tmp_path / f"rollout-{size}.png"), full_page=True)
    assert page.evaluate(FITS)
