"""The nightly fee-risk scoring on a real database: a small town's accounts ranked, with their reasons, per staff."""

from datetime import date, timedelta

import pytest

from gridpay.application.collection.assign_to_area import assign_to_area
from gridpay.application.collection.set_area_collector import set_area_collector
from gridpay.application.errors import InvalidInput, NotFound
from gridpay.application.postpaid.issue_bills import issue_bills
from gridpay.application.risk.risk_list import reason_texts, risk_list
from gridpay.application.risk.score_accounts import score_accounts
from gridpay.application.settlement.settle_day import settle_day
from gridpay.application.supply.call_tasks import UnknownGridStaff
from gridpay.application.supply.evaluate_alerts import evaluate_alerts
from gridpay.data.models import Account, GridStaff, RiskScore, Village
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.clock import local
from tests.support.readings import add_readings

pytestmark = pytest.mark.django_db
JAN1 = date(2025, 1, 1)
SCORED = date(2025, 2, 5)  # the postpaid bill of 25 January is due on 9 February: 4 days on
DAYS = (SCORED - JAN1).days + 1  # 36 days of 10 kWh: 193.68 yuan at 0.538


@pytest.fixture
def town(zj_tariff: str) -> dict[str, Account]:
    chen = GridStaff.objects.create(name="陈嘉涵", phone="0595-1")
    zhou = GridStaff.objects.create(name="周木顺", phone="0595-2")
    Village.objects.create(name="东村", town="测试镇", grid_staff=chen)
    Village.objects.create(name="西村", town="测试镇", grid_staff=zhou)
    accounts = {
        "low": enrol(1, opening_balance_fen=20_000, village="东村", phone="13800000001"),  # 6.32 yuan left
        "plenty": enrol(2, opening_balance_fen=100_000, village="东村", phone="13800000002"),
        "in_arrears": enrol(3, opening_balance_fen=5_000, village="东村", phone="13800000003"),
        "postpaid": enrol(4, mode="postpaid", opening_balance_fen=0, village="西村"),
    }
    for account in accounts.values():
        add_readings(account, first_day=JAN1, daily_kwh=["10.00"] * DAYS)
    for offset in range(DAYS):
        day = JAN1 + timedelta(days=offset)
        settle_day(day=day, at=local(day + timedelta(days=1), 2))
        evaluate_alerts(day=day, at=local(day + timedelta(days=1), 2))
        if day == date(2025, 1, 25):
            issue_bills(day=day, at=local(day + timedelta(days=1), 3))
    return accounts


def test_the_town_is_ranked_with_reasons_in_words(town: dict[str, Account]) -> None:
    report = score_accounts(day=SCORED, at=local(SCORED + timedelta(days=1), 4))

    assert (report.scored, report.in_arrears) == (3, 1)  # the account in arrears is on the arrears list instead
    assert not report.by_model  # five weeks of four accounts: too little to learn from, the rule orders them
    page = risk_list(on=SCORED)
    assert [line.account_no for line in page.lines] == [
        town["low"].account_no, town["postpaid"].account_no, town["plenty"].account_no]
    assert [line.rank for line in page.lines] == [1, 2, 3]
    low, postpaid, plenty = (reason_texts(line) for line in page.lines)
    assert "余额约可用1天" in low and any(text.startswith("上次提醒后") for text in low)
    assert postpaid == ["电费135元4天后到期未交"]  # 134.50 yuan, rounded half up
    assert plenty == []


def test_the_list_of_a_grid_staff_member_or_of_any_set_of_accounts(town: dict[str, Account]) -> None:
    score_accounts(day=SCORED, at=local(SCORED + timedelta(days=1), 4))
    west = risk_list(on=SCORED + timedelta(days=3), grid_staff="周木顺")  # the latest scores before that day
    assert west.day == SCORED and [line.account_no for line in west.lines] == [town["postpaid"].account_no]
    east = Village.objects.get(name="东村").id
    assert risk_list(on=SCORED, village_ids=[east]).total == 2
    chosen = risk_list(on=SCORED, account_ids=[town["plenty"].id, town["postpaid"].id])
    assert [line.rank for line in chosen.lines] == [2, 3]  # the town's ranks, whatever the filter
    either = risk_list(on=SCORED, village_ids=[Village.objects.get(name="西村").id], account_ids=[town["low"].id])
    assert either.total == 2
    paged = risk_list(on=SCORED, offset=1, limit=1)
    assert paged.total == 3 and [line.rank for line in paged.lines] == [2]
    with pytest.raises(UnknownGridStaff):
        risk_list(on=SCORED, grid_staff="无此人")
    assert risk_list(on=SCORED - timedelta(days=1)).day is None


def test_a_second_run_of_the_day_replaces_its_scores(town: dict[str, Account]) -> None:
    score_accounts(day=SCORED, at=local(SCORED + timedelta(days=1), 4))
    score_accounts(day=SCORED, at=local(SCORED + timedelta(days=1), 5))
    assert RiskScore.objects.filter(day=SCORED).count() == 3


def test_a_collectors_list_holds_the_accounts_of_their_areas(town: dict[str, Account]) -> None:
    head = frozenset({Role.STATION_HEAD})
    at = local(SCORED, 9)
    # 周木顺 collects 西村 (his own village) and the part of 东村 on transformer area T2, where "plenty" is.
    Account.objects.filter(id=town["plenty"].id).update(transformer_area="T2")
    set_area_collector(area="西片", collector="周木顺", valid_from=JAN1, actor="所长", roles=head, at=at)
    assign_to_area(area="西片", village="西村", valid_from=JAN1, actor="所长", roles=head, at=at)
    assign_to_area(area="西片", village="东村", transformer_area="T2", valid_from=JAN1, actor="所长", roles=head,
                   at=at)
    score_accounts(day=SCORED, at=local(SCORED + timedelta(days=1), 4))

    zhou = risk_list(on=SCORED, collector="周木顺")
    chen = risk_list(on=SCORED, collector="陈嘉涵")  # 东村 is in no area: its grid staff member answers for the rest

    assert [line.account_no for line in zhou.lines] == [town["postpaid"].account_no, town["plenty"].account_no]
    assert [line.account_no for line in chen.lines] == [town["low"].account_no]
    both = risk_list(on=SCORED, collector="周木顺", grid_staff="陈嘉涵")  # his accounts in her villages
    assert [line.account_no for line in both.lines] == [town["plenty"].account_no]
    with pytest.raises(InvalidInput):
        risk_list(on=SCORED, limit=0)
    with pytest.raises(NotFound, match="没有名为 没有这人 的网格员/收费员"):
        risk_list(on=SCORED, collector="没有这人")


def test_a_day_not_yet_settled_is_not_scored(town: dict[str, Account]) -> None:
    later = SCORED + timedelta(days=1)
    with pytest.raises(InvalidInput, match="尚未结算"):
        score_accounts(day=later, at=local(later + timedelta(days=1), 4))
    assert not RiskScore.objects.exists()
