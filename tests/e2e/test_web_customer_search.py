"""Finding a customer among many: how many matched, a page at a time; and an account's SMS by when they were sent."""

import re
from datetime import timedelta

import pytest
from django.test import Client

from gridpay.application.customers.find_customers import PAGE_SIZE, find_customers
from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import Account, Notification
from tests.support.accounts import enrol
from tests.support.clock import FakeClock, local

pytestmark = [pytest.mark.django_db, pytest.mark.dates]
PASSWORD = "Gridpay-2026!"
MANY = PAGE_SIZE * 2 + 5


@pytest.fixture
def cashier(zj_tariff: str) -> Client:
    add_staff(username="lin", name="营业员小林", role="cashier", password=PASSWORD)
    client = Client()
    client.login(username="lin", password=PASSWORD)
    return client


def test_a_search_with_many_matches_says_how_many_and_pages_through_all(cashier: Client) -> None:
    for number in range(1, MANY + 1):
        enrol(number, meter_model="")  # 测试用户1 … 测试用户MANY: every one matches 测试

    first = cashier.get("/customers/?q=测试").content.decode()

    assert f"找到 {MANY} 户" in first and f"本页第 1–{PAGE_SIZE} 户" in first
    assert first.count('href="/customers/33010') == PAGE_SIZE and "第 1 / 3 页" in first
    assert 'href="?q=%E6%B5%8B%E8%AF%95&amp;page=2"' in first
    seen = []
    for number in (1, 2, 3):
        page = cashier.get(f"/customers/?q=测试&page={number}").content.decode()
        seen += re.findall(r'href="/customers/(\d+)/"', page)
    assert seen == [f"33010{n:05d}" for n in range(1, MANY + 1)]  # each account once, in account order
    last = cashier.get("/customers/?q=测试&page=3").content.decode()
    assert f"本页第 {2 * PAGE_SIZE + 1}–{MANY} 户" in last and "下一页" not in last
    assert cashier.get("/customers/?q=测试&page=99").content.decode().count('href="/customers/33010') == 5
    assert cashier.get("/customers/?q=测试&page=abc").status_code == 200  # read as the first page
    # The same counts from the use case, and one exact match still opens the account.
    assert find_customers(query="测试", page=2).page.total == MANY
    assert cashier.get("/customers/?q=3301000007").status_code == 302
    nothing = cashier.get("/customers/?q=没有这个人").content.decode()
    assert "没有找到" in nothing and "找到 0 户" not in nothing


def test_the_sms_column_says_when_a_message_was_sent_not_when_it_was_queued(
    cashier: Client, clock: FakeClock
) -> None:
    account = enrol(1, phone="13900000001")
    night = local(clock.today() - timedelta(days=1), 22, 30)  # queued in the quiet hours, sent at 08:00
    morning = local(clock.today(), 8, 0)
    Notification.objects.create(key="a", account=account, phone="13900000001", kind="arrears",
                                text="已欠费，将于明日停电", status="sent", created_at=night, not_before=morning,
                                sent_at=morning)
    Notification.objects.create(key="b", account=account, phone="13900000001", kind="low_balance_first",
                                text="余额不足五十元", created_at=local(clock.today(), 9, 40), not_before=morning)

    page = cashier.get(f"/customers/{Account.objects.get().account_no}/").content.decode()

    sms = page.split("短信提醒")[1].split("</table>")[0]
    assert "发送时间" in sms
    assert f"{morning:%m-%d} 08:00" in sms and f"{night:%m-%d} 22:30" not in sms
    unsent = sms.split("余额不足五十元")[0].split("<tr>")[-1]
    assert "未发出" in unsent and "待发送" in unsent and "09:40" not in unsent
