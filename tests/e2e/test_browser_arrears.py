"""The arrears procedure (停电催费) in a real browser: one case walked from overdue to executed through the pages,
each step by the person whose step it is and on the day it is due (a desk), and a collector's queue on a phone."""

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.postpaid.accrue_late_fees import accrue_late_fees
from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import GridStaff, Village
from gridpay.domain.arrears_procedure import (
    Approve,
    DeliverRedNotice,
    Execute,
    GivePhoneNotice,
    IssueTicket,
    ServeYellowNotice,
)
from gridpay.domain.staff_roles import Role
from tests.support.arrears import COLLECTOR, HEAD, OPENED, PLANNED_DAY, overdue_account, take
from tests.support.browser import SIZES
from tests.support.clock import FakeClock, local

PASSWORD = "Gridpay-2026!"
WALKED = "3301000001"
# Transactional, for the live server's own connection (as in test_browser_console).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture
def station(zj_tariff: str, clock: FakeClock) -> None:
    """Made before the browser starts (Playwright's event loop runs in this thread, where Django's ORM won't): the
    walked account, and three others at other stages for the queues."""
    staff = GridStaff.objects.create(name="陈嘉涵", phone="0595-1")
    Village.objects.create(name="东村", town="测试镇", grid_staff=staff)
    accounts = [overdue_account(number, village="东村", phone=f"1390000000{number}",
                                address=f"{number + 2}组{number * 7}号") for number in (1, 2, 3, 4)]
    accrue_late_fees(through=OPENED, at=local(OPENED, 2))  # the 1-yuan minimum on each bill
    owed = 13_450 + 100
    # 3301000003 went through in a week: disconnected in the field on the 19th, paid on the 25th, and its 24 hours
    # run out at 09:00 on the 26th.
    three, four = accounts[2:]
    planned = local(date(2025, 2, 19), 10)
    take(three, ServeYellowNotice(amount_fen=owed, pay_by=date(2025, 2, 11), planned_disconnection_at=planned),
         COLLECTOR, local(OPENED, 10, 30), by="陈嘉涵（chen）")
    take(three, DeliverRedNotice(amount_fen=owed, pay_by=date(2025, 2, 12), planned_disconnection_at=planned,
                                 signed=True), COLLECTOR, local(date(2025, 2, 11), 10), by="陈嘉涵（chen）")
    take(three, Approve(), HEAD, local(date(2025, 2, 12), 9), by="王建国（wang）")
    take(three, IssueTicket(for_day=date(2025, 2, 19)), COLLECTOR, local(date(2025, 2, 17), 15), by="陈嘉涵（chen）")
    take(three, GivePhoneNotice(), COLLECTOR, local(date(2025, 2, 19), 9), by="陈嘉涵（chen）")
    take(three, Execute(remote=False, meter_verified=True), frozenset({Role.METERING}), planned, by="李工（li）")
    record_payment(account_no=three.account_no, amount_fen=20_000, channel="counter", channel_txn_id="R-3",
                   received_at=local(date(2025, 2, 25), 9), business_day=date(2025, 2, 25))
    # 3301000004 had its yellow notice, and waits for the red one.
    take(four, ServeYellowNotice(amount_fen=owed, pay_by=date(2025, 2, 28), planned_disconnection_at=local(
        date(2025, 3, 12), 10)), COLLECTOR, local(OPENED, 11), by="陈嘉涵（chen）")
    add_staff(username="chen", name="陈嘉涵", role=Role.GRID_STAFF.value, password=PASSWORD)
    add_staff(username="wang", name="王建国", role=Role.STATION_HEAD.value, password=PASSWORD)
    add_staff(username="li", name="李工", role=Role.METERING.value, password=PASSWORD)


def signed_in(browser: Any, base: str, path: str, username: str, size: str = "desk") -> Any:
    """A fresh browser window signed in as ``username`` (a session lasts a working day; the walk takes weeks)."""
    page = browser.new_page(viewport=SIZES[size])
    page.goto(f"{base}{path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("main h1")
    return page


def take_step(page: Any, button: str) -> str:
    page.click(f"main button:has-text('{button}')")
    page.wait_for_selector(".flash")
    stage: str = page.locator("#stage").inner_text()
    return stage


def fits(page: Any) -> bool:
    """Nothing wider than the screen, measured once the page has been laid out and drawn."""
    return bool(page.evaluate("""() => document.fonts.ready.then(() => new Promise(done => requestAnimationFrame(
        () => done(document.documentElement.scrollWidth <= window.innerWidth))))"""))


def test_a_case_walks_from_overdue_to_executed_through_the_pages(
    station: None, live_server: Any, browser: Any, clock: FakeClock, tmp_path: Path
) -> None:
    base, case_page = live_server.url, f"/customers/{WALKED}/arrears/"

    # 10 February: the collector serves the yellow notice from the queue.
    clock.instant = local(OPENED, 10)
    page = signed_in(browser, base, "/arrears/queue/", "chen")
    page.locator("tr", has_text=WALKED).locator("a.button").click()
    page.fill("#id_pay_by", "2025-02-17")
    page.fill("#id_planned", "2025-02-26T10:00")
    assert take_step(page, "记录催费通知单已送达") == "已送催费通知单"
    page.close()

    # 18 February: the red notice, eight days ahead, the customer signs; its form restates the yellow one.
    clock.instant = local(date(2025, 2, 18), 10)
    page = signed_in(browser, base, case_page, "chen")
    assert page.input_value("#id_planned") == "2025-02-26T10:00"
    page.fill("#id_pay_by", "2025-02-25")
    assert take_step(page, "记录中止供电通知书已送达") == "已送达中止供电通知书"
    page.close()

    # 19 February: the station head finds the approval in the queue.
    clock.instant = local(date(2025, 2, 19), 9)
    page = signed_in(browser, base, "/arrears/queue/", "wang")
    assert "待审批停电（1）" in page.inner_text("main")
    page.locator("#approve ~ div tr", has_text=WALKED).locator("a.button").click()
    assert take_step(page, "批准停电") == "停电已批准"
    page.close()

    # 25 February, the day before: the work ticket to the metering team.
    clock.instant = local(date(2025, 2, 25), 15)
    page = signed_in(browser, base, case_page, "chen")
    assert page.input_value("#id_for_day") == "2025-02-26"
    assert take_step(page, "停电工作票已传计量班") == "停电工作票已传计量班"
    page.close()

    # 26 February, 09:00, on the collector's phone: today's call, and a reconnection past its 24 hours.
    clock.instant = local(PLANNED_DAY, 9, 0)
    page = signed_in(browser, base, "/arrears/queue/", "chen", size="phone")
    queue = page.inner_text("main")
    for section in ("今日停电前电话通知（1）", "待送催费通知单（1）", "待送达中止供电通知书（1）"):
        assert section in queue
    assert page.locator("tr.late", has_text="3301000003").count() == 1
    assert fits(page)
    page.screenshot(path=str(tmp_path / "arrears-queue-phone.png"), full_page=True)
    page.locator("#phone ~ div tr", has_text=WALKED).locator("a.button").click()
    assert take_step(page, "已电话通知客户") == "停电前电话通知已完成"
    assert fits(page)
    page.screenshot(path=str(tmp_path / "arrears-timeline-phone.png"), full_page=True)
    page.close()

    # 10:00: the metering team's queue has today's ticket; the disconnection goes through the command outbox.
    clock.instant = local(PLANNED_DAY, 10)
    page = signed_in(browser, base, "/arrears/queue/", "li")
    assert "今日停电（1）" in page.inner_text("main") and "待现场复电（1）" in page.inner_text("main")
    page.screenshot(path=str(tmp_path / "arrears-queue-metering.png"), full_page=True)
    page.locator("#today ~ div tr", has_text=WALKED).locator("a.button").click()
    assert take_step(page, "实施停电") == "已停电"
    assert "已下发远程命令" in page.inner_text(".flash")
    page.close()

    # The station head reads the case: every step, who took it and when, and the bill with its late fee.
    clock.advance(minutes=5)
    page = signed_in(browser, base, case_page, "wang")
    record = page.inner_text("ol.timeline")
    for step, who in [("送达催费通知单", "陈嘉涵（chen）"), ("批准停电", "王建国（wang）"),
                      ("停电工作票传计量班", "陈嘉涵（chen）"), ("执行停电", "李工（li）")]:
        assert step in record and who in record
    assert "2025-02-26 10:00" in record
    assert fits(page)
    page.screenshot(path=str(tmp_path / "arrears-timeline.png"), full_page=True)
    page.close()
