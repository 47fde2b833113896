"""The console's 催费报表: arrears by area and collector and their trend, 电费回收率, 月结月清, the campaign."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client

from gridpay.application.collection.assign_to_area import assign_to_area
from gridpay.application.collection.set_area_collector import set_area_collector
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.settlement.settle_day import settle_day
from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import Village
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.clock import FakeClock, local
from tests.support.readings import add_readings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zj_tariff")]
PASSWORD = "Gridpay-2026!"
SUPERVISOR = frozenset({Role.SUPERVISOR})
AT = datetime(2024, 12, 1, tzinfo=UTC)


def _signed_in(username: str, role: str) -> Client:
    add_staff(username=username, name=username, role=role, password=PASSWORD)
    client = Client()
    client.login(username=username, password=PASSWORD)
    return client


def _february(clock: FakeClock) -> None:
    for name in ("东村", "西村"):
        Village.objects.create(name=name, town="测试镇")
    set_area_collector(area="东片", collector="王收费", phone="13800000001", valid_from=date(2025, 1, 1),
                       actor="班长", roles=SUPERVISOR, at=AT)
    assign_to_area(area="东片", village="东村", valid_from=date(2025, 1, 1), actor="班长", roles=SUPERVISOR, at=AT)
    short = enrol(1, village="东村", opening_balance_fen=1_000)
    rich = enrol(2, village="西村", opening_balance_fen=100_000)
    for account in (short, rich):
        add_readings(account, first_day=date(2025, 1, 1), daily_kwh=["10.00"] * 59)
    record_payment(account_no=short.account_no, amount_fen=5_000, channel="counter", channel_txn_id="w-1",
                   received_at=local(date(2025, 2, 14), 10), business_day=date(2025, 2, 14))
    day = date(2025, 1, 1)
    while day <= date(2025, 2, 28):
        settle_day(day=day, at=local(day + timedelta(days=1), 1, 30))
        day += timedelta(days=1)
    clock.instant = local(date(2025, 3, 5), 9)


def test_supervisors_the_station_head_and_the_company_read_the_collection_report(clock: FakeClock) -> None:
    _february(clock)
    for username, role in (("ban", "supervisor"), ("head", "station_head"), ("co", "company")):
        assert _signed_in(username, role).get("/reports/collection/?month=2025-02").status_code == 200
    for username, role in (("c", "cashier"), ("g", "grid_staff")):
        assert _signed_in(username, role).get("/reports/collection/?month=2025-02").status_code == 403

    head = Client()
    head.login(username="head", password=PASSWORD)
    response = head.get("/reports/collection/?month=2025-02")
    page = response.content.decode()
    assert "催费报表" in page and "2025-02-28 日终欠费" in page
    assert "东片" in page and "王收费" in page and "257.42" in page  # 59 × 5.38 − 10.00 − 50.00
    assert "月结月清" in page and "否（1 户未交清）" in page  # 东村; 西村 is paid up
    assert "未划片区（由村网格员负责）" in page
    charts = json.loads(page.split('<script id="charts" type="application/json">')[1].split("</script>")[0])
    assert charts["campaign"]["campaign"] == ["12", "18"]
    assert charts["campaign"]["yuan"][13] == "50.00" and len(charts["campaign"]["days"]) == 28
    assert [line["name"] for line in charts["trend"]["lines"]] == ["合计", "东片"]
    assert charts["trend"]["lines"][1]["yuan"][-2:] == ["156.78", "257.42"]
    assert len(charts["trend"]["points"]) == 7  # the month and the six before it, as the recovery table
    assert 'class="chart"' in page and page.count('class="scroll"') >= 5  # wide tables scroll on a phone
    assert head.get("/reports/collection/?month=2025-13").status_code == 400
    assert "/reports/collection/?month=2025-02" in head.get("/reports/monthly/?month=2025-02").content.decode()

    head.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = head.get("/reports/collection/?month=2025-02").content.decode()
    assert "Collection report" in english and "Month paid up" in english and "No (1 account not paid up)" in english
    assert "In no area (the village's grid staff member answers)" in english.replace("&#x27;", "'")


@pytest.mark.dates
def test_an_empty_station_shows_no_arrears_and_no_rate(clock: FakeClock) -> None:
    page = _signed_in("head", "station_head").get("/reports/collection/").content.decode()
    assert "没有欠费户。" in page and "本月没有应收电费。" in page


def test_only_the_month_in_progress_says_its_averages_stop_before_today(clock: FakeClock) -> None:
    clock.instant = local(date(2025, 3, 5), 9)
    head = _signed_in("head", "station_head")
    running = head.get("/reports/collection/?month=2025-03").content.decode()
    assert "日均计至 2025-03-04（当天未结束，不计入）。" in running
    finished = head.get("/reports/collection/?month=2025-02").content.decode()
    assert "日均计至" not in finished and "当天未结束" not in finished  # its last day is counted
