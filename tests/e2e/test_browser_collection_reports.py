"""The 催费报表 in a real browser on a desk and a phone: the charts are drawn and nothing is wider than the screen."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gridpay.application.collection.assign_to_area import assign_to_area
from gridpay.application.collection.set_area_collector import set_area_collector
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.settlement.settle_day import settle_day
from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import Village
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.browser import SIZES
from tests.support.clock import FakeClock, local
from tests.support.readings import add_readings

PASSWORD = "Gridpay-2026!"
SUPERVISOR = frozenset({Role.SUPERVISOR})
# Transactional, for the live server's own connection (as in test_browser_console).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture
def station(zj_tariff: str, clock: FakeClock) -> None:
    """Made before the browser starts (Playwright's event loop runs in this thread, where Django's ORM won't)."""
    at = datetime(2024, 12, 1, tzinfo=UTC)
    for number, name in enumerate(("东村", "西村", "南山村委会第三村民小组"), start=1):
        Village.objects.create(name=name, town="测试镇")
        set_area_collector(area=f"{name}片", collector=f"收费员{number}", phone=f"1380000000{number}",
                           valid_from=date(2025, 1, 1), actor="班长", roles=SUPERVISOR, at=at)
        assign_to_area(area=f"{name}片", village=name, valid_from=date(2025, 1, 1), actor="班长", roles=SUPERVISOR,
                       at=at)
        account = enrol(number, village=name, opening_balance_fen=1_000 * number)
        add_readings(account, first_day=date(2025, 1, 1), daily_kwh=["10.00"] * 59)
        record_payment(account_no=account.account_no, amount_fen=3_000, channel="counter", channel_txn_id=f"b-{number}",
                       received_at=local(date(2025, 2, 13), 10), business_day=date(2025, 2, 13))
    for n in range(59):
        day = date(2025, 1, 1) + timedelta(days=n)
        settle_day(day=day, at=local(day + timedelta(days=1), 1, 30))
    add_staff(username="wang", name="王所长", role="station_head", password=PASSWORD)
    clock.instant = local(date(2025, 3, 5), 9)


@pytest.mark.parametrize("size", list(SIZES))
def test_the_collection_report_draws_its_charts_and_fits_the_screen(
    station: None, live_server: Any, browser: Any, size: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport=SIZES[size])
    page.goto(f"{live_server.url}/reports/collection/?month=2025-02")
    page.fill("#id_username", "wang")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("#campaign canvas")
    assert page.locator("#trend canvas").count() == 1
    assert "催费报表" in page.locator("h1").inner_text()
    fits = page.evaluate("""() => document.fonts.ready.then(() => new Promise(done => requestAnimationFrame(
        () => done(document.documentElement.scrollWidth <= window.innerWidth))))""")
    assert fits
    page.screenshot(path=str(tmp_path / f"collection-report-{size}.png"), full_page=True)
    page.close()
