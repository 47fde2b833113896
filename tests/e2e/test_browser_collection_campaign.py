"""The campaign page in a real browser on a phone (390 px): a collector reads the day's broadcast, taps 完成 and
records a follow-up, and nothing is wider than the screen."""

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from gridpay.application.staff.add_staff import add_staff
from tests.support.browser import SIZES

PASSWORD = "Gridpay-2026!"
AT = datetime(2025, 2, 5, 2, tzinfo=UTC)

# Transactional, for the live server's own connection: on PostgreSQL (see test_browser_console.py).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture
def campaign(zj_tariff: str) -> None:
    """Made before the browser starts: Playwright runs an event loop in this thread, where Django's ORM won't."""
    from gridpay.application.collection.assign_to_area import assign_to_area
    from gridpay.application.collection.campaign_plan import plan_campaign
    from gridpay.application.collection.set_area_collector import set_area_collector
    from gridpay.data.models import Outlet, Village
    from gridpay.domain.staff_roles import Role
    from tests.support.arrears import overdue_account

    Village.objects.create(name="东村", town="测试镇", latitude="30.000000", longitude="120.000000")
    Outlet.objects.create(code="S1", name="东村便民超市", kind="shop", latitude="30.001000", longitude="120.001000",
                          address="东村口", hours="07:00-21:00")
    overdue_account(1, village="东村", address="东村1号", phone="13800138001")
    roles = frozenset({Role.SUPERVISOR})
    set_area_collector(area="东片", collector="王收费", phone="13900000001", valid_from=date(2025, 1, 1),
                       actor="班长", roles=roles, at=AT)
    assign_to_area(area="东片", village="东村", valid_from=date(2025, 1, 1), actor="班长", roles=roles, at=AT)
    plan_campaign(month=date(2025, 2, 1), today=date(2025, 2, 5), actor="班长", roles=roles, at=AT)
    add_staff(username="wang", name="王收费", role="grid_staff", password=PASSWORD)


def test_a_collector_rides_the_round_on_a_phone(campaign: None, live_server: Any, browser: Any,
                                               tmp_path: Path) -> None:
    page = browser.new_page(viewport=SIZES["phone"])
    page.goto(f"{live_server.url}/collection/campaign/?date=2025-02-12")
    page.fill("#id_username", "wang")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    village = page.locator("section.round:not(.account)", has_text="东村")
    assert "东村便民超市" in village.locator("p.say").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    village.locator("input[name=note]").fill("村口喊话")
    village.locator("button", has_text="完成").click()
    page.wait_for_selector("section.round.done")
    row = page.locator("section.account", has_text="3301000001")
    row.locator("select[name=how]").select_option("visit")
    row.locator("select[name=outcome]").select_option("not_home")
    row.locator("button", has_text="记录").click()
    page.wait_for_selector("section.account:has-text('3301000001') .tag.ok")
    page.screenshot(path=str(tmp_path / "campaign-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
