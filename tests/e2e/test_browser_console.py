"""The staff console in a real browser (Debian's Chromium through Playwright), on a desk and a phone: a cashier
finds an account in arrears, takes the payment, and the page shows the reconnection under way."""

from pathlib import Path
from typing import Any

import pytest

from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import Account
from tests.support.accounts import enrol
from tests.support.browser import SIZES

PASSWORD = "Gridpay-2026!"

# Transactional, for the live server's own connection: on PostgreSQL, whose flush TRUNCATEs, since SQLite's flush
# would DELETE ledger transfers, which the ledger refuses.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture
def disconnected_account(zj_tariff: str) -> None:
    """Made before the browser starts: Playwright runs an event loop in this thread, where Django's ORM won't."""
    enrol(1, opening_balance_fen=-3_210, phone="13900000001")
    Account.objects.filter(account_no="3301000001").update(supply_state="disconnected")
    add_staff(username="zhang", name="张敏", role="cashier", password=PASSWORD)


@pytest.mark.parametrize("size", list(SIZES))
def test_a_cashier_takes_the_payment_of_a_disconnected_account_and_sees_the_reconnection(
    disconnected_account: None, live_server: Any, browser: Any, size: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport=SIZES[size])
    page.goto(f"{live_server.url}/customers/")
    page.fill("#id_username", "zhang")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.fill("#id_q", "3301000001")
    page.click("main button[type=submit]")  # not the header's sign-out button
    assert page.locator("h1").inner_text().startswith("3301000001")
    assert page.locator("h1 .tag.bad").inner_text() == "停电"
    page.fill("#id_amount_yuan", "50")
    page.click("text=收费并入账")
    page.wait_for_selector(".flash")
    assert "已入账" in page.locator(".flash").inner_text()
    commands = page.locator("h2:has-text('停复电命令') + div.scroll table").inner_text()
    assert "复电" in commands and "交费复电" in commands
    page.screenshot(path=str(tmp_path / f"cashier-{size}.png"), full_page=True)
    # Chinese is drawn with a Chinese font, and nothing is wider than the screen.
    assert page.evaluate("document.fonts.check('16px \"WenQuanYi Micro Hei\"')")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#money canvas")  # the chart drew
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(tmp_path / f"dashboard-{size}.png"), full_page=True)


@pytest.fixture
def call_list(zj_tariff: str) -> None:
    from gridpay.data.models import GridStaff, Village

    staff = GridStaff.objects.create(name="陈嘉涵", phone="0595-1")
    Village.objects.create(name="东村", town="测试镇", grid_staff=staff)
    enrol(1, opening_balance_fen=-1_000, village="东村", phone="13900000001")
    add_staff(username="chen", name="陈嘉涵", role="grid_staff", password=PASSWORD)


def test_a_grid_staff_member_works_the_call_list_on_a_phone(
    call_list: None, live_server: Any, browser: Any, tmp_path: Path
) -> None:
    page = browser.new_page(viewport=SIZES["phone"])
    page.goto(f"{live_server.url}/calls/")
    page.fill("#id_username", "chen")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    row = page.locator("tr", has_text="3301000001").first
    assert "13900000001" in row.inner_text()
    row.locator("select[name=outcome]").select_option("reached")
    row.locator("input[name=note]").fill("答应明天交费")
    row.locator("text=记录").click()
    page.wait_for_selector("text=没有待拨打的电话")
    page.screenshot(path=str(tmp_path / "calls-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def household(zj_tariff: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from gridpay.application.portal import sign_in

    enrol(1, opening_balance_fen=8_800, phone="13900000001")
    # The code the SMS would carry, known to the test (the live server runs in another thread of this process).
    monkeypatch.setattr(sign_in, "new_code", lambda: "246810")
    add_staff(username="head", name="所长", role="station_head", password=PASSWORD)


def test_a_customer_signs_in_on_a_phone_and_reads_balance_and_usage(
    household: None, live_server: Any, browser: Any, tmp_path: Path
) -> None:
    page = browser.new_page(viewport=SIZES["phone"])
    page.goto(f"{live_server.url}/portal/")
    page.fill("#id_account_no", "3301000001")
    page.click("main button[type=submit]")
    assert "139****0001" in page.inner_text("main")
    page.fill("#id_code", "246810")
    page.click("main button[type=submit]")
    page.wait_for_selector("#usage canvas")
    assert "88.00" in page.inner_text(".cards")
    page.screenshot(path=str(tmp_path / "portal-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_station_head_reads_the_rollout_progress(
    household: None, live_server: Any, browser: Any, tmp_path: Path
) -> None:
    page = browser.new_page(viewport=SIZES["desk"])
    page.goto(f"{live_server.url}/rollout/")
    page.fill("#id_username", "head")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("#progress canvas")
    assert "智能交费推广进度" in page.inner_text("h1") and "已签协议" in page.inner_text(".cards")
    page.screenshot(path=str(tmp_path / "rollout.png"), full_page=True)


@pytest.fixture
def green_household(zj_tariff: str) -> None:
    """A household in the green channel and its collector, made before the browser starts."""
    from gridpay.application.green_channel.flag_household import flag_household
    from gridpay.application.staff.acting_staff import acting_staff
    from gridpay.interfaces import clock

    enrol(1, opening_balance_fen=0)
    add_staff(username="lin", name="林班长", role="supervisor", password=PASSWORD)
    add_staff(username="chen", name="陈嘉涵", role="grid_staff", password=PASSWORD)
    flag_household(account_no="3301000001", kind="elderly_alone", reason="独居", staff=acting_staff("lin"),
                   at=clock.now())


def test_a_collector_records_a_home_collection_on_a_phone(
    green_household: None, live_server: Any, browser: Any, tmp_path: Path
) -> None:
    page = browser.new_page(viewport=SIZES["phone"])
    page.goto(f"{live_server.url}/green/collect/")
    page.fill("#id_username", "chen")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.fill("#id_account_no", "3301000001")
    page.fill("#id_amount_yuan", "66.6")
    page.fill("#id_receipt_no", "0001")
    # Inputs a thumb can hit on a 390-pixel screen: the whole width, at least 44 pixels high.
    box = page.locator("#id_amount_yuan").bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 300
    page.click("main button[type=submit]")
    page.wait_for_selector("text=已入账：3301000001")
    assert "66.60" in page.inner_text("main")
    page.screenshot(path=str(tmp_path / "green-collect-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
