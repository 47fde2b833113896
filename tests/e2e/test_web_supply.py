"""After a payment, the account pages say what happens to supply: what is still owed before reconnection, or how far
the reconnection got, the panel asking for itself again while the meter may move it; and why the two balances
differ."""

from datetime import date, timedelta

import pytest
from django.test import Client

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.settlement.catch_up_settlement import settle_through
from gridpay.application.settlement.issue_monthly_bill import issue_monthly_bills
from gridpay.application.staff.add_staff import add_staff
from gridpay.application.supply.update_supply_policy import update_supply_policy
from gridpay.data.models import Notification
from tests.support.accounts import enrol
from tests.support.clock import FakeClock, current_instant
from tests.support.readings import add_readings
from tests.support.reconnection import PERMIT_POLL, disconnected

pytestmark = pytest.mark.django_db
PASSWORD = "Gridpay-2026!"
PAGE = "/customers/3301000001/"
PANEL = "/customers/3301000001/supply"


@pytest.fixture
def cashier(zj_tariff: str) -> Client:
    add_staff(username="zhang", name="张敏", role="cashier", password=PASSWORD)
    client = Client()
    assert client.login(username="zhang", password=PASSWORD)
    return client


def pay(client: Client, yuan: str) -> str:
    page = client.get(PAGE).content.decode()
    receipt_no = page.split('name="receipt_no" value="')[1].split('"')[0]
    paid = client.post("/customers/3301000001/pay", {"amount_yuan": yuan, "receipt_no": receipt_no})
    assert paid.status_code == 302
    return client.get(paid["Location"]).content.decode()


def panel(client: Client) -> str:
    answer = client.get(PANEL)
    assert answer.status_code == 200
    return answer.content.decode()


def test_a_partial_payment_says_what_is_still_owed_before_reconnection(cashier: Client) -> None:
    disconnected(1, owed_fen=18_419)
    before = cashier.get(PAGE).content.decode()
    assert "还需交 184.19 元才能复电" in before
    assert 'hx-get="' not in before.split('id="supply-progress"')[1].split(">")[0], "nothing moves: no polling"

    after = pay(cashier, "100")

    assert "还需交 84.19 元才能复电" in after
    assert "已入账" in after


def test_the_shortfall_follows_the_stations_reconnect_level(cashier: Client) -> None:
    disconnected(1, owed_fen=1_000)
    update_supply_policy(changes={"reconnect_level_fen": 2_000}, at=current_instant())  # reconnect at 20.00 yuan
    assert "还需交 30.00 元才能复电" in cashier.get(PAGE).content.decode()
    assert "还需交 29.99 元才能复电" in pay(cashier, "0.01")
    assert "复电命令已生成，正在排队发送" in pay(cashier, "29.99")


def test_a_full_payment_shows_the_reconnection_from_queued_to_confirmed(cashier: Client, clock: FakeClock) -> None:
    meter = disconnected(1, owed_fen=8_419)
    page = pay(cashier, "100")
    assert "复电命令已生成，正在排队发送" in page and 'class="now"' in page
    assert f'hx-get="{PANEL}"' in page, "the panel asks for itself again"
    assert 'id="supply-badge" class="tag bad"' in page

    meter.send(at=clock.now())
    sent = panel(cashier)
    assert "复电命令已发送，等待电能表确认合闸" in sent and f'hx-get="{PANEL}"' in sent
    assert 'id="supply-badge" class="tag bad" hx-swap-oob="true">停电' in sent

    meter.answer(at=clock.now())
    done = panel(cashier)
    assert "已复电：电能表已确认合闸" in done
    assert "hx-get" not in done, "done: the panel stops asking"
    assert 'id="supply-badge" class="tag ok" hx-swap-oob="true">供电' in done
    assert "已复电" in cashier.get(PAGE).content.decode()


@pytest.mark.parametrize(("model", "told"), [("DDZY-2009", "合闸按钮"), ("DTZY-EXT", "断路器")])
def test_a_meter_that_only_permits_closing_waits_for_the_customer(
    cashier: Client, clock: FakeClock, model: str, told: str
) -> None:
    meter = disconnected(1, owed_fen=8_419, model=model)
    pay(cashier, "100")
    meter.send(at=clock.now())
    meter.answer(at=clock.now())
    waiting = panel(cashier)
    assert "已允许合闸" in waiting and told in waiting and "hx-get" in waiting
    assert ">停电<" in waiting

    meter.press(at=clock.now() + PERMIT_POLL + timedelta(seconds=1))
    restored = panel(cashier)
    assert "已复电" in restored and ">供电<" in restored and "hx-get" not in restored


def test_a_reconnection_late_past_its_alarm_goes_to_the_field_and_the_panel_says_so(
    cashier: Client, clock: FakeClock
) -> None:
    meter = disconnected(1, owed_fen=8_419)
    pay(cashier, "100")
    meter.head_end.sweep(at=clock.now() + timedelta(minutes=16))  # never sent: 快速复电管控 raises the alarm
    late = panel(cashier)
    assert "远程复电未按时完成，已派现场复电工单" in late and "hx-get" not in late, "people take over: no polling"


def test_the_panel_is_for_staff_who_may_see_the_account(cashier: Client, client: Client) -> None:
    disconnected(1, owed_fen=100)
    assert client.get(PANEL).status_code == 302  # not signed in: to the login page
    assert cashier.get("/customers/3301099999/supply").status_code == 404


def portal_client(account_no: str) -> Client:
    client = Client()
    client.post("/portal/", {"account_no": account_no})
    code = Notification.objects.filter(kind="sign_in_code").latest("id").params["code"]
    client.post("/portal/code/", {"code": code})
    return client


def test_the_portal_follows_an_online_payment_to_the_meters_confirmation(zj_tariff: str, clock: FakeClock) -> None:
    meter = disconnected(1, owed_fen=8_419, phone="13900000001")
    enrol(2, phone="13900000002")
    client = portal_client("3301000001")
    assert "还需交 84.19 元才能复电" in client.get("/portal/accounts/3301000001/").content.decode()

    record_payment(account_no="3301000001", amount_fen=10_000, channel="wechat", channel_txn_id="W-1",
                   received_at=clock.now(), business_day=clock.today())
    page = client.get("/portal/accounts/3301000001/").content.decode()
    assert "复电命令已生成，正在排队发送" in page and 'hx-get="/portal/accounts/3301000001/supply"' in page
    meter.send(at=clock.now())
    meter.answer(at=clock.now())
    done = client.get("/portal/accounts/3301000001/supply").content.decode()
    assert "已复电" in done and ">供电<" in done
    assert client.get("/portal/accounts/3301000002/supply").status_code == 404, "not theirs"
    assert Client().get("/portal/accounts/3301000001/supply").status_code == 302, "not signed in"


def test_both_pages_say_why_the_two_balances_differ(cashier: Client) -> None:
    account = enrol(1, prepaid_since=date(2025, 11, 1), installed_on=date(2025, 10, 31), phone="13900000001")
    add_readings(account, first_day=date(2025, 11, 1), daily_kwh=["10.00"] * 33)  # to 3 December
    settle_through(through=date(2025, 12, 3), at=current_instant())
    portal = portal_client("3301000001")
    unbilled = "账户余额比可用余额多 177.54 元：这是 11月1日起每日结算、还未发行月度电费的电费"  # 33 days × 5.38
    for page in (cashier.get(PAGE), portal.get("/portal/accounts/3301000001/")):
        assert unbilled in page.content.decode()

    issue_monthly_bills(month=date(2025, 11, 1), today=date(2025, 12, 4), at=current_instant())

    for page in (cashier.get(PAGE), portal.get("/portal/accounts/3301000001/")):
        assert ("账户余额比可用余额多 16.14 元：这是 12月1日起每日结算、还未发行月度电费的电费（上次发行：2025年11月）"
                in page.content.decode())
