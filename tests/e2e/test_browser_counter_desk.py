"""A cashier's shift in a real browser (Debian's Chromium through Playwright), on the counter's screen and on a phone
(ADR 0025): a payment and its receipt (the original), a large amount typed twice (a mismatch refused), one above the
limit refused then authorised by the supervisor on the same form, that one voided with the supervisor's approval,
and the void slip."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db import connection

from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import Account, CounterReceipt, LedgerAccount, PaymentRefund
from tests.support.accounts import enrol
from tests.support.browser import SIZES

PASSWORD = "Gridpay-2026!"
# The counter's screen is a 1366×768 laptop; the phone is a supervisor's, on the floor.
SCREENS = {"desk": {"width": 1366, "height": 768}, "phone": SIZES["phone"]}
T = TypeVar("T")

# Transactional, for the live server's own connection (see test_browser_console).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture
def shift(zj_tariff: str) -> None:
    """A disconnected household owing 32.10 yuan, a cashier and the supervisor on duty."""
    enrol(1, opening_balance_fen=-3_210, phone="13900000001")
    Account.objects.filter(account_no="3301000001").update(supply_state="disconnected")
    add_staff(username="zhang", name="张敏", role="cashier", password=PASSWORD)
    add_staff(username="lin", name="林班长", role="supervisor", password=PASSWORD)


def in_database(read: Callable[[], T]) -> T:
    """Reads the database from a thread of its own: Playwright runs an event loop in the test's thread, where
    Django's ORM won't."""

    def run() -> T:
        try:
            return read()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def balance() -> int:
    return in_database(lambda: int(LedgerAccount.objects.get(code="customer:3301000001").balance_fen))


def prints() -> dict[str, int]:
    return in_database(lambda: dict(CounterReceipt.objects.values_list("payment__channel_txn_id", "prints")))


@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_cashiers_shift_with_the_guard_rails(
    shift: None, live_server: Any, browser: Any, screen: str, tmp_path: Path
) -> None:
    context = browser.new_context(viewport=SCREENS[screen], locale="zh-CN")
    page = context.new_page()

    def shot(name: str) -> None:
        page.screenshot(path=str(tmp_path / f"{screen}-{name}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name

    page.goto(f"{live_server.url}/customers/3301000001/")
    page.fill("#id_username", "zhang")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_selector("#counter")
    assert page.is_hidden("#confirm-row") and page.is_hidden("#authorise")

    # 1. A normal payment, and its receipt: the first print is the original, however often the browser fetches it.
    page.fill("#id_amount_yuan", "50")
    page.click("text=收费并入账")
    page.wait_for_selector(".flash")
    assert "已入账" in page.inner_text(".flash")
    with context.expect_page() as opened:
        page.click("text=打印交费凭证（PDF）")
    receipt = opened.value
    receipt.wait_for_load_state()
    assert "copy=1" in receipt.url
    receipt.wait_for_timeout(1_500)  # the viewer's own fetch of the PDF
    receipt.screenshot(path=str(tmp_path / f"{screen}-receipt.png"))
    receipt.close()
    assert list(prints().values()) == [1]

    # 2. 1 500 yuan: the second amount appears as it is typed, a mismatch is refused by the server.
    page.fill("#id_amount_yuan", "1500")
    assert page.is_visible("#confirm-row") and page.is_hidden("#authorise")
    page.fill("#id_amount_confirm_yuan", "150")
    assert page.inner_text("#confirm-hint") == "两次金额不一致"
    shot("typed-twice-mismatch")
    page.click("text=收费并入账")
    page.wait_for_selector("ul.errors")
    assert "两次输入的金额不一致（1500.00 元与 150.00 元）" in page.inner_text("ul.errors")
    assert balance() == 5_000 - 3_210
    page.fill("#id_amount_confirm_yuan", "1500")
    assert page.inner_text("#confirm-hint") == "两次金额一致"
    page.click("text=收费并入账")
    page.wait_for_selector(".flash")
    assert balance() == 155_000 - 3_210

    # 3. 6 000 yuan: above the limit. Refused without the supervisor; the supervisor signs on the same form.
    page.fill("#id_amount_yuan", "6000")
    page.fill("#id_amount_confirm_yuan", "6000")
    assert page.is_visible("#authorise")
    page.click("text=收费并入账")
    page.wait_for_selector("ul.errors")
    assert "超过柜台单笔限额 5000.00 元" in page.inner_text("ul.errors")
    shot("limit-refused")
    page.fill("#id_amount_confirm_yuan", "6000")
    page.fill("#id_supervisor_username", "lin")
    page.fill("#id_supervisor_password", PASSWORD)
    page.click("text=收费并入账")
    page.wait_for_selector(".flash")
    assert balance() == 755_000 - 3_210
    page.locator("#payments").scroll_into_view_if_needed()
    shot("three-payments")

    # 4. The 6 000 was meant to be 600: the cashier voids it, the supervisor approves on the void page.
    row = page.locator("table.payments tr", has_text="6000.00")
    row.locator("text=作废").click()
    page.wait_for_selector("form.void-form")
    assert "作废后，6000.00 元以冲正从账户冲回" in page.inner_text("main")
    page.fill("#id_reason", "金额输错，应为 600 元")
    page.fill("#id_supervisor_username", "lin")
    page.fill("#id_supervisor_password", PASSWORD)
    shot("void-form")
    page.click("text=作废并冲回")
    page.wait_for_selector("#voided")
    assert "已作废" in page.inner_text("#voided")
    assert "已作废" in page.locator("table.payments tr", has_text="6000.00").inner_text()
    assert balance() == 155_000 - 3_210
    assert in_database(lambda: PaymentRefund.objects.get().kind) == "reversal"
    shot("voided")
    with context.expect_page() as opened:
        page.click("text=打印作废凭证（PDF）")
    slip = opened.value
    slip.wait_for_load_state()
    slip.wait_for_timeout(1_500)
    slip.screenshot(path=str(tmp_path / f"{screen}-void-slip.png"))
    slip.close()
    context.close()
