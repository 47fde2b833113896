"""After a payment, in a real browser (Debian's Chromium through Playwright), on a desk and a phone: the cashier sees
what is still owed after a partial payment, then watches the reconnection go queued → sent → confirmed and the 停电
badge turn 供电 without reloading; a portal customer pays online and follows their meter to the button press; both
pages say why the two balances differ."""

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from gridpay.application.settlement.catch_up_settlement import settle_through
from gridpay.application.staff.add_staff import add_staff
from tests.support.browser import SIZES
from tests.support.clock import current_instant
from tests.support.readings import add_readings
from tests.support.reconnection import PERMIT_POLL, MeterAtHand, disconnected, off_the_loop

PASSWORD = "Gridpay-2026!"
# The two screens: a counter's 1366×768 and a phone.
SCREENS = {"desk": {"width": 1366, "height": 768}, "phone": SIZES["phone"]}

# Transactional, for the live server's own connection (on PostgreSQL, see test_browser_console).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.fixture
def counter(zj_tariff: str) -> MeterAtHand:
    """Made before the browser starts: Playwright runs an event loop in this thread, where Django's ORM won't. A
    household disconnected for 184.19 yuan of arrears."""
    meter = disconnected(1, owed_fen=18_419)
    add_staff(username="zhang", name="张敏", role="cashier", password=PASSWORD)
    return meter


@pytest.mark.parametrize("size", list(SCREENS))
def test_a_cashier_sees_what_is_still_owed_then_the_reconnection_arrive_without_reloading(
    counter: MeterAtHand, live_server: Any, browser: Any, size: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport=SCREENS[size])
    page.goto(f"{live_server.url}/customers/3301000001/")
    page.fill("#id_username", "zhang")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    assert page.inner_text("#supply-badge") == "停电"
    assert "还需交 184.19 元才能复电" in page.inner_text("#supply-progress")

    page.fill("#id_amount_yuan", "100")
    page.click("text=收费并入账")
    page.wait_for_selector(".flash")
    assert "还需交 84.19 元才能复电" in page.inner_text("#supply-progress")
    page.screenshot(path=str(tmp_path / f"supply-owed-{size}.png"), full_page=False)
    assert fits(page)

    page.fill("#id_amount_yuan", "84.19")
    page.click("text=收费并入账")
    page.wait_for_selector("#supply-progress.queued")
    assert "复电命令已生成，正在排队发送" in page.inner_text("#supply-progress")
    page.screenshot(path=str(tmp_path / f"supply-queued-{size}.png"), full_page=False)
    page.evaluate("window.stayed = true")  # gone if the page were loaded again

    assert off_the_loop(lambda: counter.send(at=current_instant())) == 1
    page.wait_for_selector("#supply-progress.sent")
    assert "复电命令已发送，等待电能表确认合闸" in page.inner_text("#supply-progress")
    assert page.inner_text("#supply-badge") == "停电"
    page.screenshot(path=str(tmp_path / f"supply-sent-{size}.png"), full_page=False)

    off_the_loop(lambda: counter.answer(at=current_instant()))
    page.wait_for_selector("#supply-progress.restored")
    page.wait_for_selector("h1 #supply-badge.ok")
    assert page.inner_text("h1 #supply-badge") == "供电"
    assert "已复电：电能表已确认合闸" in page.inner_text("#supply-progress")
    assert page.evaluate("window.stayed === true"), "the page was never reloaded"
    page.screenshot(path=str(tmp_path / f"supply-restored-{size}.png"), full_page=False)
    assert fits(page)


@dataclass(frozen=True)
class Household:
    meter: MeterAtHand
    wechat: Any  # tests.support.channel_servers.WeChatPayServer, running


@pytest.fixture
def household(zj_tariff: str, monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> Iterator[Household]:
    """A household disconnected for 84.19 yuan whose meter only permits closing (DL/T 645 1B: the customer presses
    its button), with November's days settled and not billed yet; the code the SMS carries is known to the test, and
    WeChat Pay is played by a server of the test's."""
    from gridpay.application.portal import sign_in
    from gridpay.data.models import Account
    from tests.support.channel_servers import WeChatPayServer

    # 77.21 yuan in hand on 1 November, 161.40 yuan of use settled in November: 84.19 yuan owed.
    meter = disconnected(1, owed_fen=8_419 - 16_140, model="DDZY-2009", phone="13900000001")
    account = Account.objects.get(account_no="3301000001")
    Account.objects.filter(id=account.id).update(prepaid_since=date(2025, 11, 1))
    add_readings(account, first_day=date(2025, 11, 1), daily_kwh=["10.00"] * 30)
    settle_through(through=date(2025, 11, 30), at=current_instant())
    monkeypatch.setattr(sign_in, "new_code", lambda: "246810")
    server = WeChatPayServer()
    with server.running():
        settings.PAYMENT_CHANNELS_CONFIG = server.settings(tmp_path)
        yield Household(meter, server)


@pytest.mark.parametrize("size", list(SCREENS))
def test_a_customer_pays_online_and_follows_the_meter_to_the_button_press(
    household: Household, live_server: Any, browser: Any, size: str, tmp_path: Path
) -> None:
    server, meter = household.wechat, household.meter
    page = browser.new_page(viewport=SCREENS[size])
    page.goto(f"{live_server.url}/portal/")
    page.fill("#id_account_no", "3301000001")
    page.click("main button[type=submit]")
    page.fill("#id_code", "246810")
    page.click("main button[type=submit]")
    page.wait_for_selector("#supply-progress.owed")
    assert "还需交 84.19 元才能复电" in page.inner_text("#supply-progress")
    why = page.inner_text("#balances-why")
    assert "账户余额比可用余额多 161.40 元" in why and "11月1日" in why  # 30 days × 5.38, not billed yet
    page.screenshot(path=str(tmp_path / f"portal-owed-{size}.png"), full_page=True)
    assert fits(page)

    page.fill("#id_pay_amount", "100")
    page.click("text=微信支付扫码交费")
    page.wait_for_selector("svg")
    (order_no,) = server.orders
    server.pay(order_no, at=current_instant())
    headers, body = server.notification(order_no, sent_at=current_instant())
    notify = urllib.request.Request(f"{live_server.url}/api/channels/wechat/notify", data=body,
                                    headers={**headers, "Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(notify) as answer:  # the channel's notification credits the payment
        assert answer.status in (200, 204), json.loads(answer.read() or b"{}")
    page.click("text=返回户号")

    page.wait_for_selector("#supply-progress.queued")
    page.evaluate("window.stayed = true")
    off_the_loop(lambda: meter.send(at=current_instant()))
    off_the_loop(lambda: meter.answer(at=current_instant()))
    page.wait_for_selector("#supply-progress.close_permitted")
    assert "请长按电能表上的合闸按钮约 3 秒恢复用电" in page.inner_text("#supply-progress")
    assert page.inner_text("#supply-badge") == "停电"
    page.screenshot(path=str(tmp_path / f"portal-close-permitted-{size}.png"), full_page=False)

    off_the_loop(lambda: meter.press(at=current_instant() + PERMIT_POLL + timedelta(seconds=1)))
    page.wait_for_selector("#supply-progress.restored", timeout=20_000)
    page.wait_for_selector("h1 #supply-badge.ok")
    assert page.evaluate("window.stayed === true"), "the page was never reloaded"
    page.screenshot(path=str(tmp_path / f"portal-restored-{size}.png"), full_page=False)
    assert fits(page)
