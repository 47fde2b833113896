"""The monthly campaign on a real database: planned per collector along a route, re-planned keeping done rounds, its
SMS through the outbox, the bill bundle after it, follow-ups, and the accounts nobody asked about."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from gridpay.application.collection.assign_to_area import assign_to_area
from gridpay.application.collection.bill_bundle import bill_bundle
from gridpay.application.collection.campaign_plan import plan_campaign
from gridpay.application.collection.campaign_rounds import campaign_rounds
from gridpay.application.collection.follow_up_list import follow_up_csv, follow_up_list
from gridpay.application.collection.queue_campaign_sms import queue_campaign_sms
from gridpay.application.collection.record_follow_up import record_follow_up
from gridpay.application.collection.record_round_done import record_round_done
from gridpay.application.collection.set_area_collector import set_area_collector
from gridpay.application.collection.untouched_accounts import untouched_accounts
from gridpay.application.errors import InvalidInput, NotAllowed
from gridpay.application.postpaid.accrue_late_fees import accrue_late_fees
from gridpay.data.models import Account, CallTask, CampaignRound, FollowUp, Notification, Outlet, Village
from gridpay.data.models.field_work import CallOutcome, CallReason
from gridpay.domain.arrears_procedure import ServeYellowNotice
from gridpay.domain.collection_campaign import MONEY, FollowUpInvalid
from gridpay.domain.staff_roles import Role
from gridpay.interfaces.jobs.tasks import campaign_sms
from tests.support.accounts import enrol
from tests.support.arrears import PAY_BY, PLANNED, overdue_account, take
from tests.support.clock import FakeClock, local

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zj_tariff")]
AT = datetime(2025, 2, 5, 2, tzinfo=UTC)
FEBRUARY = date(2025, 2, 1)
SUPERVISOR = frozenset({Role.SUPERVISOR})
COLLECTOR = frozenset({Role.GRID_STAFF})


@pytest.fixture
def town() -> dict[str, Account]:
    """王 rides 东村, 西村 and 南村 (no coordinates); 李 rides 北村. The station's hall is just west of 东村."""
    for name, lat, lon in (("东村", "30.000000", "120.000000"), ("西村", "30.000000", "120.050000"),
                           ("北村", "30.050000", "120.000000"), ("南村", None, None)):
        Village.objects.create(name=name, town="测试镇", latitude=lat, longitude=lon)
    Outlet.objects.create(code="H1", name="供电所营业厅", kind="service_hall", latitude="30.000000",
                          longitude="119.990000", address="镇中心路", hours="08:00-17:30")
    Outlet.objects.create(code="S1", name="东村3号小卖部", kind="shop", latitude="30.001000", longitude="120.001000",
                          address="东村口", hours="07:00-21:00")
    accounts = {
        "east": overdue_account(1, village="东村", phone="13800138001", address="东村1号"),
        "west": overdue_account(2, village="西村", phone="13800138002", address="西村5号"),
        "south": enrol(3, village="南村", opening_balance_fen=1_000, phone="13800138003"),
        "north": enrol(4, village="北村", opening_balance_fen=1_000, phone="13800138004"),
        "comfortable": enrol(5, village="东村", opening_balance_fen=100_000),
        "north_arrears": enrol(6, village="北村", opening_balance_fen=-500),
    }
    Account.objects.filter(id=accounts["north_arrears"].id).update(arrears_since=datetime(2025, 2, 3, tzinfo=UTC))
    set_area_collector(area="东片", collector="王收费", phone="13900000001", valid_from=date(2025, 1, 1),
                       actor="班长", roles=SUPERVISOR, at=AT)
    set_area_collector(area="北片", collector="李收费", phone="13900000002", valid_from=date(2025, 1, 1),
                       actor="班长", roles=SUPERVISOR, at=AT)
    for village in ("东村", "西村", "南村"):
        assign_to_area(area="东片", village=village, valid_from=date(2025, 1, 1), actor="班长", roles=SUPERVISOR,
                       at=AT)
    assign_to_area(area="北片", village="北村", valid_from=date(2025, 1, 1), actor="班长", roles=SUPERVISOR, at=AT)
    return accounts


def _plan(today: date) -> None:
    plan_campaign(month=FEBRUARY, today=today, actor="班长", roles=SUPERVISOR, at=AT)


def _rounds() -> list[tuple[str, str, date, int]]:
    return list(CampaignRound.objects.order_by("collector__name", "day", "position").values_list(
        "collector__name", "village__name", "day", "position"))


def test_each_collector_rides_their_villages_along_the_route_over_the_campaign_days(town: dict[str, Account]) -> None:
    _plan(date(2025, 2, 5))

    assert _rounds() == [
        ("李收费", "北村", date(2025, 2, 12), 1),
        ("王收费", "东村", date(2025, 2, 12), 1),  # nearest the station
        ("王收费", "西村", date(2025, 2, 13), 1),
        ("王收费", "南村", date(2025, 2, 14), 1),  # no coordinates: last
    ]
    rounds = campaign_rounds(today=date(2025, 2, 12), day=date(2025, 2, 12), collector="王收费")
    assert [(r.village, r.households) for r in rounds] == [("东村", 1)]  # the comfortable account is not counted
    assert "2月18日前" in rounds[0].broadcast and "东村3号小卖部（东村口）" in rounds[0].broadcast
    assert "测试用户" not in rounds[0].broadcast and not MONEY.search(rounds[0].broadcast)
    assert "东村的乡亲们" in rounds[0].wechat


def test_planning_again_keeps_the_rounds_done_and_plans_the_rest_from_that_day(town: dict[str, Account]) -> None:
    _plan(date(2025, 2, 5))
    east = CampaignRound.objects.get(village__name="东村")
    with pytest.raises(InvalidInput, match="这一轮宣传安排在 2025-02-12：到那天再记录完成"):
        record_round_done(round_id=east.id, actor="王收费（wang）", roles=COLLECTOR, at=local(date(2025, 2, 11), 17))
    done = record_round_done(round_id=east.id, actor="王收费（wang）", roles=COLLECTOR, at=local(date(2025, 2, 12), 11),
                             note="村口广播")
    again = record_round_done(round_id=east.id, actor="别人", roles=COLLECTOR, at=local(date(2025, 2, 12), 12))
    assert not done.already and again.already and again.done_by == "王收费（wang）"

    _plan(date(2025, 2, 13))

    assert _rounds() == [
        ("李收费", "北村", date(2025, 2, 13), 1),
        ("王收费", "东村", date(2025, 2, 12), 1),  # done: kept as it was
        ("王收费", "西村", date(2025, 2, 13), 1),
        ("王收费", "南村", date(2025, 2, 14), 1),
    ]
    assert CampaignRound.objects.get(village__name="东村").note == "村口广播"
    with pytest.raises(InvalidInput):
        _plan(date(2025, 2, 19))  # the campaign is over
    with pytest.raises(NotAllowed):
        plan_campaign(month=FEBRUARY, today=date(2025, 2, 5), actor="网格员", roles=COLLECTOR, at=AT)


def test_the_days_sms_go_through_the_outbox_once_a_month_without_amounts(town: dict[str, Account],
                                                                         clock: FakeClock) -> None:
    _plan(date(2025, 2, 5))
    day = date(2025, 2, 13)  # 西村's day

    with pytest.raises(InvalidInput, match="还没到"):
        queue_campaign_sms(day=day, at=local(day - timedelta(days=1), 7))  # a day ahead: nothing queued early
    assert not Notification.objects.filter(kind="campaign_reminder").exists()
    first = queue_campaign_sms(day=day, at=local(day, 7))
    second = queue_campaign_sms(day=day, at=local(day, 9))

    assert (first.villages, first.households, first.queued, second.queued) == (1, 1, 1, 0)
    sms = Notification.objects.get(kind="campaign_reminder")
    assert sms.phone == "13800138002" and town["west"].account_no in sms.text and "2月18日前" in sms.text
    assert not MONEY.search(sms.text)
    assert sms.not_before == local(day, 8)  # held until the quiet hours end
    clock.instant = local(date(2025, 2, 14), 7, 30)  # 南村's day, by the schedule's morning job
    assert campaign_sms() == "campaign: 1 villages, 1 SMS queued"
    assert Notification.objects.get(kind="campaign_reminder", phone="13800138003").account_id == town["south"].id


def test_the_bundle_has_one_bill_per_unpaid_account_in_route_order(town: dict[str, Account]) -> None:
    _plan(date(2025, 2, 5))
    accrue_late_fees(through=date(2025, 2, 19), at=local(date(2025, 2, 19), 3))  # 10 days × 1‰ of 134.50 = 1.35

    bundle = bill_bundle(collector="王收费", month=FEBRUARY, day=date(2025, 2, 19))

    assert bundle.account_nos == (town["east"].account_no, town["west"].account_no)
    assert bundle.total_fen == 2 * (13_450 + 135)
    assert bundle.pdf is not None
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(bundle.pdf)).pages)
    assert text.index(town["east"].account_no) < text.index(town["west"].account_no)
    assert "134.50" in text and "2025-02-09" in text and "250.00" in text  # amount, due date, kWh
    assert "1.35" in text and "135.85 元" in text  # the late fee so far, the total
    assert "测试用户1" in text and "东村1号" in text
    assert "收费员 王收费" in text and "\u00b7" not in text  # no "·" in the heading and footer: STSong-Light has none
    assert bill_bundle(collector="李收费", month=FEBRUARY, day=date(2025, 2, 19)).pdf is None  # prepaid only


def test_follow_ups_mark_the_list_and_the_untouched_report_names_whose_they_are(town: dict[str, Account]) -> None:
    _plan(date(2025, 2, 5))
    day = date(2025, 2, 19)
    record_follow_up(account_no=town["east"].account_no, how="visit", outcome="promised", day=day,
                     promised_on=date(2025, 2, 25), actor="王收费（wang）", roles=COLLECTOR, at=local(day, 10))
    record_follow_up(account_no=town["west"].account_no, how="broadcast", outcome="other", day=day,
                     actor="王收费（wang）", roles=COLLECTOR, at=local(day, 10))  # heard the loudspeaker: not asked
    with pytest.raises(FollowUpInvalid):
        record_follow_up(account_no=town["west"].account_no, how="visit", outcome="promised", day=day,
                         actor="王收费（wang）", roles=COLLECTOR, at=local(day, 10))  # a promise without its date
    CallTask.objects.create(account=town["north_arrears"], reason=CallReason.ARREARS_SMS, due_on=date(2025, 2, 3),
                            created_at=AT, outcome=CallOutcome.REACHED, done_at=local(date(2025, 2, 3), 15),
                            done_by="李收费")

    lines = follow_up_list(collector="王收费", day=day)
    assert [(line.account_no, line.asked) for line in lines] == [
        (town["east"].account_no, True), (town["west"].account_no, False)]
    csv = follow_up_csv(lines).decode("utf-8-sig").splitlines()
    assert csv[0].startswith("序号,村/社区") and csv[2].endswith(",否")
    assert FollowUp.objects.get(account=town["east"]).collector is not None

    report = untouched_accounts(month=FEBRUARY, today=date(2025, 3, 5))

    assert report.through == date(2025, 2, 28) and report.in_arrears == 3
    assert [(line.account_no, line.collector, line.area) for line in report.lines] == [
        (town["west"].account_no, "王收费", "东片")]
    assert report.lines[0].owed_fen == 13_450


def test_a_step_of_the_arrears_procedure_by_a_person_counts_as_asked(town: dict[str, Account]) -> None:
    take(town["west"], ServeYellowNotice(amount_fen=13_450, pay_by=PAY_BY, planned_disconnection_at=PLANNED),
         COLLECTOR, local(date(2025, 2, 10), 10))
    report = untouched_accounts(month=FEBRUARY, today=date(2025, 2, 20))
    assert report.through == date(2025, 2, 20)
    named = {line.account_no for line in report.lines}
    assert town["west"].account_no not in named and town["east"].account_no in named
    assert town["north_arrears"].account_no in named
