"""The risk warning list in the console: ranked, with reasons in words, paged, by role."""

from datetime import date, timedelta

import pytest
from django.test import Client

from gridpay.application.collection.assign_to_area import assign_to_area
from gridpay.application.collection.set_area_collector import set_area_collector
from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import GridStaff, RiskScore, Village
from gridpay.domain.risk_features import Reason, ReasonCode
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.clock import FakeClock, current_instant

pytestmark = pytest.mark.django_db
PASSWORD = "Gridpay-2026!"


@pytest.fixture
def scores(zj_tariff: str, clock: FakeClock) -> date:
    """60 accounts in 东村 (陈嘉涵) and one in 西村 (周木顺), scored yesterday: the lower the number, the higher."""
    chen = GridStaff.objects.create(name="陈嘉涵", phone="0595-1")
    zhou = GridStaff.objects.create(name="周木顺", phone="0595-2")
    Village.objects.create(name="东村", town="测试镇", grid_staff=chen)
    Village.objects.create(name="西村", town="测试镇", grid_staff=zhou)
    day = clock.today() - timedelta(days=1)
    rows = []
    for number in range(1, 62):
        account = enrol(number, village="西村" if number == 61 else "东村")
        reasons = [Reason(ReasonCode.DAYS_LEFT, 2), Reason(ReasonCode.LATE, 3)] if number == 1 else []
        rows.append(RiskScore(account=account, day=day, score=1 - number / 100, rank=number,
                              reasons=[r.as_json() for r in reasons], scored_at=current_instant()))
    RiskScore.objects.bulk_create(rows)
    return day


def signed_in(role: Role, name: str = "") -> Client:
    add_staff(username=role.value, name=name or role.label, role=role.value, password=PASSWORD)
    client = Client()
    client.login(username=role.value, password=PASSWORD)
    return client


def test_the_station_head_sees_the_town_ranked_with_reasons_and_pages(scores: date) -> None:
    client = signed_in(Role.STATION_HEAD)
    page = client.get("/risk/").content.decode()
    assert "61 户" in page and "第 1 / 2 页" in page and 'href="/risk/"' in page  # and in the menu
    assert page.index("3301000001") < page.index("3301000002") and "3301000051" not in page
    assert "余额约可用2天；近12个月3次逾期" in page
    second = client.get("/risk/?page=2").content.decode()
    assert "3301000051" in second and "3301000061" in second and "3301000001" not in second
    west = client.get("/risk/?staff=周木顺").content.decode()
    assert "3301000061" in west and "3301000001" not in west
    assert client.get("/risk/?staff=无此人").status_code == 422


def test_a_collectors_list_is_chosen_on_the_page_and_kept_across_pages(scores: date) -> None:
    head = frozenset({Role.STATION_HEAD})
    at = current_instant()
    set_area_collector(area="东片", collector="周木顺", valid_from=date(2020, 1, 1), actor="所长", roles=head, at=at)
    assign_to_area(area="东片", village="东村", valid_from=date(2020, 1, 1), actor="所长", roles=head, at=at)
    client = signed_in(Role.STATION_HEAD)

    page = client.get("/risk/?collector=周木顺").content.decode()

    assert "<option selected>周木顺</option>" in page and "61 户" in page  # 东村 by area, 西村 as its grid staff
    assert 'href="?collector=%E5%91%A8%E6%9C%A8%E9%A1%BA&amp;page=2"' in page
    chen = client.get("/risk/?collector=陈嘉涵").content.decode()
    assert "0 户" in chen  # 东村 is 周木顺's area now


def test_a_grid_staff_member_sees_their_own_villages_only(scores: date) -> None:
    client = signed_in(Role.GRID_STAFF, name="周木顺")
    page = client.get("/risk/?staff=陈嘉涵").content.decode()  # their own, whatever they ask
    assert "3301000061" in page and "3301000001" not in page and "1 户" in page


def test_a_supervisor_may_and_cashiers_metering_and_the_company_may_not(scores: date) -> None:
    assert signed_in(Role.SUPERVISOR).get("/risk/").status_code == 200
    for role in (Role.CASHIER, Role.METERING, Role.COMPANY):
        client = signed_in(role)
        assert client.get("/risk/").status_code == 403
        assert 'href="/risk/"' not in client.get("/").content.decode()
    assert Client().get("/risk/").status_code == 302  # not signed in: to the login page


def test_in_english_the_reasons_are_english_too(scores: date) -> None:
    client = signed_in(Role.STATION_HEAD)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/risk/").content.decode()
    assert "about 2 days of balance left; in arrears 3 times in the last 12 months" in page
    assert "Fee-risk early warning" in page and "Page 1 of 2" in page
