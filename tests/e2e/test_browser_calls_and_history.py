"""In a real browser (Debian's Chromium through Playwright), on a desk and a phone: a grid staff member's morning calls
(today's urgent ones first, the counts, the next page, an outcome that must be chosen), last month's report as it
stood at its end, and a search with many matches a page at a time."""

import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.settlement.settle_day import settle_day
from gridpay.application.staff.add_staff import add_staff
from gridpay.application.supply.call_tasks import PAGE_SIZE, open_call_task_for
from gridpay.data.models import Account, GridStaff, Village
from gridpay.data.models.field_work import CallReason
from gridpay.domain.business_time import month_start
from gridpay.domain.money import format_yuan
from tests.support.accounts import enrol
from tests.support.clock import FakeClock, current_instant, local
from tests.support.readings import add_readings

PASSWORD = "Gridpay-2026!"
SIZES = {"desk": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
# Transactional, for the live server's own connection (as in test_browser_console).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.dates]


def signed_in(browser: Any, size: str, url: str, username: str) -> Any:
    """A page of the size, at ``url`` once ``username`` has signed in."""
    page = browser.new_page(viewport=SIZES[size])
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")  # the first submit button on the page is the language switch
    page.wait_for_load_state()
    return page


def fits(page: Any) -> bool:
    return bool(page.evaluate("""() => document.fonts.ready.then(() => new Promise(done => requestAnimationFrame(
        () => done(document.documentElement.scrollWidth <= window.innerWidth))))"""))


@pytest.fixture
def morning(zj_tariff: str, clock: FakeClock) -> int:
    """陈嘉涵's 东村: a disconnection executed this morning, an arrears SMS sent today and yesterday's, and the
    households' calls before enabling from their enrolment: more than a page. Made before the browser starts
    (Playwright's event loop runs in this thread, where Django's ORM won't)."""
    staff = GridStaff.objects.create(name="陈嘉涵", phone="0595-1")
    Village.objects.create(name="东村", town="测试镇", grid_staff=staff)
    accounts = [enrol(number, village="东村", phone=f"139000000{number:02d}") for number in range(1, PAGE_SIZE + 6)]
    today = clock.today()
    for account, reason, day in ((accounts[0], CallReason.AFTER_DISCONNECTION, today),
                                 (accounts[1], CallReason.ARREARS_SMS, today),
                                 (accounts[2], CallReason.ARREARS_SMS, today - timedelta(days=1))):
        open_call_task_for(account_id=account.id, reason=reason, due_on=day, at=current_instant())
    add_staff(username="chen", name="陈嘉涵", role="grid_staff", password=PASSWORD)
    return len(accounts) + 3


@pytest.mark.parametrize("size", list(SIZES))
def test_a_grid_staff_members_morning_calls(
    morning: int, live_server: Any, browser: Any, size: str, tmp_path: Path
) -> None:
    page = signed_in(browser, size, f"{live_server.url}/calls/", "chen")

    summary = page.locator("p.summary").inner_text()
    assert f"待拨打 {morning} 个" in summary and "今日必打 2 个" in summary
    counts = page.locator("ul.counts").inner_text()
    assert "停电当日 1" in counts and "欠费停电短信当日 2" in counts and f"开通智能交费前 {morning - 3}" in counts
    rows = page.locator("tbody tr")
    assert rows.count() == PAGE_SIZE
    assert "今日必打" in rows.nth(0).inner_text() and "停电当日" in rows.nth(0).inner_text()
    assert "3301000001" in rows.nth(0).inner_text() and "3301000002" in rows.nth(1).inner_text()
    assert "今日必打" not in rows.nth(2).inner_text() and "3301000003" in rows.nth(2).inner_text()
    assert fits(page)
    page.screenshot(path=str(tmp_path / f"calls-{size}.png"), full_page=True)

    # A click on 记录 with no outcome chosen records nothing: the browser asks for one, the page stays.
    first = rows.nth(0)
    assert first.locator("select[name=outcome]").input_value() == ""
    first.locator("button[type=submit]").click()
    assert first.locator("select[name=outcome]").evaluate("s => s.validity.valueMissing")
    page.reload()
    assert "3301000001" in page.locator("tbody tr").nth(0).inner_text()
    # Chosen, it is recorded and the next call is on top.
    first = page.locator("tbody tr").nth(0)
    first.locator("select[name=outcome]").select_option("reached")
    first.locator("input[name=note]").fill("已告知交费即复电")
    with page.expect_navigation():
        first.locator("button[type=submit]").click()
    assert "今日必打 1 个" in page.locator("p.summary").inner_text()
    assert "3301000002" in page.locator("tbody tr").nth(0).inner_text()

    page.click("nav.pager >> text=下一页")
    page.wait_for_selector("text=第 2 / 2 页")
    assert page.locator("tbody tr").count() == morning - 1 - PAGE_SIZE
    assert "今日必打 1 个" in page.locator("p.summary").inner_text()  # the whole list's counts on every page
    assert fits(page)
    page.screenshot(path=str(tmp_path / f"calls-page-2-{size}.png"), full_page=True)
    page.close()


@dataclass(frozen=True)
class LastMonth:
    month: date
    last_day: date
    owed_fen: int  # at its end, by the two households then below zero
    paid_after: str  # the account that paid this month


@pytest.fixture
def last_month(zj_tariff: str, clock: FakeClock) -> LastMonth:
    """Three households through last month, settled day by day; one of the two in arrears at its end paid today."""
    today = clock.today()
    first = month_start(month_start(today) - timedelta(days=1))
    last = month_start(today) - timedelta(days=1)
    days = (last - first).days + 1
    accounts = [enrol(1, opening_balance_fen=2_000, prepaid_since=first, installed_on=first - timedelta(days=1)),
                enrol(2, opening_balance_fen=5_000, prepaid_since=first, installed_on=first - timedelta(days=1)),
                enrol(3, opening_balance_fen=100_000, prepaid_since=first, installed_on=first - timedelta(days=1))]
    for account in accounts:
        add_readings(account, first_day=first, daily_kwh=["10.00"] * days)  # 5.38 yuan a day
    for n in range(days):
        day = first + timedelta(days=n)
        settle_day(day=day, at=local(day + timedelta(days=1), 1, 30))
    owed = sum(days * 538 - opening for opening in (2_000, 5_000))
    record_payment(account_no="3301000001", amount_fen=50_000, channel="counter", channel_txn_id="today-1",
                   received_at=current_instant(), business_day=today)
    assert Account.objects.get(account_no="3301000001").ledger_account.balance_fen > 0
    add_staff(username="wang", name="王所长", role="station_head", password=PASSWORD)
    return LastMonth(month=first, last_day=last, owed_fen=owed, paid_after="3301000001")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_station_head_reads_last_months_report_as_it_stood(
    last_month: LastMonth, live_server: Any, browser: Any, size: str, tmp_path: Path
) -> None:
    page = signed_in(browser, size, f"{live_server.url}/reports/monthly/", "wang")
    page.fill("#month", f"{last_month.month:%Y-%m}")
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    assert f"{last_month.month.year}年{last_month.month.month}月" in page.locator("h1").inner_text()
    card = page.locator(".card", has_text="欠费（计至")
    assert f"{last_month.last_day:%Y-%m-%d}" in card.inner_text()
    assert format_yuan(last_month.owed_fen) in card.inner_text() and "2 户" in card.inner_text()
    ageing = page.locator("h2:has-text('欠费账龄') + table").inner_text()
    assert f"计至 {last_month.last_day:%Y-%m-%d}" in page.locator("h2:has-text('欠费账龄')").inner_text()
    assert format_yuan(last_month.owed_fen) in ageing
    assert fits(page)
    page.screenshot(path=str(tmp_path / f"report-last-month-{size}.png"), full_page=True)

    pdf = page.request.get(f"{live_server.url}/reports/monthly/?month={last_month.month:%Y-%m}&format=pdf").body()
    text = ["".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]
    assert any(f"交费与欠费（欠费计至{last_month.last_day:%Y-%m-%d}）" in t and format_yuan(last_month.owed_fen) in t
               for t in text)
    page.close()


@pytest.fixture
def many(zj_tariff: str) -> int:
    for number in range(1, 46):
        enrol(number, meter_model="")  # 测试用户1 … 测试用户45
    add_staff(username="lin", name="营业员小林", role="cashier", password=PASSWORD)
    return 45


@pytest.mark.parametrize("size", list(SIZES))
def test_a_search_with_many_matches_is_counted_and_paged(
    many: int, live_server: Any, browser: Any, size: str, tmp_path: Path
) -> None:
    page = signed_in(browser, size, f"{live_server.url}/customers/", "lin")
    page.fill("#id_q", "测试用户")
    with page.expect_navigation():
        page.press("#id_q", "Enter")

    assert f"找到 {many} 户" in page.locator("#matched").inner_text()
    assert "本页第 1–30 户" in page.locator("#matched").inner_text()
    assert page.locator("tbody tr").count() == 30
    assert fits(page)
    page.screenshot(path=str(tmp_path / f"search-{size}.png"), full_page=True)
    page.click("nav.pager >> text=下一页")
    page.wait_for_selector("text=第 2 / 2 页")
    assert page.locator("tbody tr").count() == many - 30
    assert "本页第 31–45 户" in page.locator("#matched").inner_text()
    assert page.locator("#id_q").input_value() == "测试用户"
    page.screenshot(path=str(tmp_path / f"search-page-2-{size}.png"), full_page=True)
    page.close()
