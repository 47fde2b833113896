"""The collection reports on a real database: arrears by area and collector as they stood at each month's end,
电费回收率 by village, area and collector with 月结月清, and the campaign's payments per day.

The history is built day by day with the clock moving: at each month's end the figures of that day are kept, and
the report asked for later must show the same figures for that month's end.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridpay.application.collection.arrears_by_area import ArrearsSnapshot, arrears_by_area, arrears_snapshot
from gridpay.application.collection.assign_to_area import assign_to_area
from gridpay.application.collection.campaign_effect import month_campaign_effect
from gridpay.application.collection.recovery_by_place import recovery_by_place
from gridpay.application.collection.set_area_collector import set_area_collector
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.postpaid.accrue_late_fees import accrue_late_fees
from gridpay.application.postpaid.issue_bills import issue_bills
from gridpay.application.reports.month_recovery import month_recovery
from gridpay.application.settlement.settle_day import settle_day
from gridpay.data.models import Account, GridStaff, Village
from gridpay.data.queries.collection import accounts_in_arrears
from gridpay.domain.campaign_effect import CampaignDaysRefused
from gridpay.domain.recovery import Recovery
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.clock import SHANGHAI, FakeClock, local
from tests.support.readings import add_readings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zj_tariff")]
SUPERVISOR = frozenset({Role.SUPERVISOR})
AT = datetime(2024, 12, 1, 2, tzinfo=UTC)
FIRST, LAST = date(2025, 1, 1), date(2025, 3, 31)
MONTH_ENDS = (date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31))
DAY_FEN = 538  # 10 kWh a day at zj-resident-2024's first tier, 0.538 yuan
JANUARY_BILL = 13_450  # the postpaid account's 1–25 January, due 9 February


@dataclass
class Town:
    east_prepaid: Account
    west_prepaid: Account
    east_postpaid: Account
    kept: dict[date, ArrearsSnapshot] = field(default_factory=dict)
    live: dict[date, dict[str, int]] = field(default_factory=dict)


def pay(account: Account, fen: int, day: date, txn: str, hour: int = 10) -> None:
    record_payment(account_no=account.account_no, amount_fen=fen, channel="counter", channel_txn_id=txn,
                   received_at=local(day, hour), business_day=day)


def a_quarter(clock: FakeClock) -> Town:
    """January to March 2025 of three households, day by day: 东村 is the area 东片 (王收费 until the end of
    February, then 李收费); 西村 is in no area and its grid staff member 张网格 answers for it."""
    for name in ("东村", "西村"):
        Village.objects.create(name=name, town="测试镇")
    Village.objects.filter(name="西村").update(grid_staff=GridStaff.objects.create(name="张网格", phone="13900000000"))
    set_area_collector(area="东片", collector="王收费", phone="13800000001", valid_from=FIRST, actor="班长",
                       roles=SUPERVISOR, at=AT)
    set_area_collector(area="东片", collector="李收费", phone="13800000002", valid_from=date(2025, 3, 1),
                       actor="班长", roles=SUPERVISOR, at=AT)
    assign_to_area(area="东片", village="东村", valid_from=FIRST, actor="班长", roles=SUPERVISOR, at=AT)
    town = Town(east_prepaid=enrol(1, village="东村", opening_balance_fen=1_000),
                west_prepaid=enrol(2, village="西村", opening_balance_fen=100_000),
                east_postpaid=enrol(3, village="东村", mode="postpaid", opening_balance_fen=0))
    days = (LAST - FIRST).days + 1
    for account in (town.east_prepaid, town.west_prepaid, town.east_postpaid):
        add_readings(account, first_day=FIRST, daily_kwh=["10.00"] * days)
    day = FIRST
    while day <= LAST:
        clock.instant = local(day, 9)
        if day == date(2025, 2, 14):
            pay(town.east_prepaid, 5_000, day, "p-1")
        if day == date(2025, 2, 15):
            pay(town.east_prepaid, 3_000, day, "p-2")
            pay(town.west_prepaid, 2_000, day, "w-1")
        if day == date(2025, 2, 20):
            pay(town.east_postpaid, 10_000, day, "a-1")  # part of January's bill, late
        if day == date(2025, 3, 3):
            pay(town.east_postpaid, 5_000, day, "a-2")  # the rest of January's and its late fee
        if day == date(2025, 3, 14):
            pay(town.east_prepaid, 20_000, day, "p-3")
        if day.day == 25:
            issue_bills(day=day, at=local(day, 20))
        if day >= date(2025, 2, 10):
            accrue_late_fees(through=day, at=local(day, 23))
        clock.instant = local(day + timedelta(days=1), 1, 30)
        settle_day(day=day, at=clock.now())
        if day in MONTH_ENDS:  # the month is over and nothing of the next day has happened yet
            town.kept[day] = arrears_snapshot(day=day)
            town.live[day] = {line.account_no: line.owed_fen for line in accounts_in_arrears(day=day + timedelta(1))}
        day += timedelta(days=1)
    clock.instant = local(date(2025, 4, 5), 10)
    return town


def test_each_month_end_shows_the_arrears_as_they_stood_that_day(clock: FakeClock) -> None:
    town = a_quarter(clock)
    pay(town.east_prepaid, 50_000, date(2025, 4, 5), "p-april")  # April's money changes none of March's figures

    report = arrears_by_area(day=LAST, months=2)  # March's end and the two month ends before it

    assert report.points == list(MONTH_ENDS)
    for day in MONTH_ENDS:
        again = arrears_snapshot(day=day)
        assert again == town.kept[day]
        assert again.total.owed_fen == sum(town.live[day].values())
        assert again.total.accounts == len(town.live[day])
    assert report.now == town.kept[LAST]
    # 东村's prepaid account went below zero on 2 January (10.00 − 2 × 5.38) and stayed there all January.
    january = town.kept[date(2025, 1, 31)]
    assert town.live[date(2025, 1, 31)] == {town.east_prepaid.account_no: 31 * DAY_FEN - 1_000}
    assert [(row.name, row.figures.accounts, row.figures.owed_fen) for row in january.areas] == [
        ("东片", 1, 31 * DAY_FEN - 1_000)]
    assert [(row.name, row.figures.owed_fen) for row in january.collectors] == [("王收费", 31 * DAY_FEN - 1_000)]
    assert [band.accounts for band in january.total.bands] == [0, 1, 0, 0]  # 29 days: 7–30 days
    # February: the prepaid account paid 80.00 and is below zero again since 20 February; the postpaid bill, due on
    # 9 February, is in arrears less the 100.00 paid, with its late fee; March's end: 李收费 answers for 东片.
    february = town.kept[date(2025, 2, 28)]
    assert february.total.accounts == 2
    assert town.live[date(2025, 2, 28)][town.east_postpaid.account_no] > JANUARY_BILL - 10_000
    march = town.kept[LAST]
    assert {row.name for row in march.collectors} == {"李收费"}
    assert [line.name for line in report.collector_trend] == ["李收费", "王收费"]
    trend = {line.name: line.owed_fen for line in report.area_trend}
    assert trend["东片"] == [town.kept[day].total.owed_fen for day in MONTH_ENDS]
    assert report.total_trend.accounts == [1, 2, town.kept[LAST].total.accounts]


def test_recovery_by_village_area_and_collector_adds_up_to_the_town(clock: FakeClock) -> None:
    a_quarter(clock)

    report = recovery_by_place(month=date(2025, 2, 1), today=date(2025, 4, 5), months=1)

    assert report.months == [date(2025, 1, 1), date(2025, 2, 1)]
    assert report.cut_off == date(2025, 2, 28)
    town = month_recovery(first_day=date(2025, 2, 1), last_day=date(2025, 2, 28), through=date(2025, 2, 28))
    assert report.town.month == town  # the monthly report's count, not a second one
    for rows in (report.villages, report.areas, report.collectors):
        assert sum((row.month.total for row in rows), Recovery(0, 0)) == town.total
    villages = {row.name: row for row in report.villages}
    # 西村's one prepaid household had money all along: 月结月清, 100 % both months.
    assert villages["西村"].month.settled and villages["西村"].rates == [Decimal(1), Decimal(1)]
    # 东村: the prepaid household owed part of February's charges on the 28th, the postpaid February bill (issued on
    # the 25th, due in March) was unpaid: two accounts not paid up.
    assert not villages["东村"].month.settled and villages["东村"].month.unsettled == 2
    assert villages["东村"].month.postpaid == Recovery(due_fen=villages["东村"].month.postpaid.due_fen, received_fen=0)
    assert [row.name for row in report.areas] == ["东片", ""]  # 西村 is in no area
    assert [row.name for row in report.collectors] == ["张网格", "王收费"]
    assert report.town.rates[-1] == town.total.rate


def test_the_campaign_days_against_the_other_days_of_the_month(clock: FakeClock) -> None:
    a_quarter(clock)

    february = month_campaign_effect(month=date(2025, 2, 1), today=date(2025, 4, 5))

    assert len(february.days) == 28 and february.cut_off == date(2025, 2, 28)
    marked = [d.day.day for d in february.days if d.in_campaign]
    assert marked == list(range(12, 19))
    paid = {d.day.day: (d.payments, d.amount_fen) for d in february.days if d.payments}
    assert paid == {14: (1, 5_000), 15: (2, 5_000), 20: (1, 10_000)}
    # Inside: 3 payments, 100.00 over 7 days; outside: 1 payment, 100.00 over 21 days.
    assert (february.effect.inside.payments, february.effect.inside.amount_fen) == (Decimal("0.4"), 1_429)
    assert (february.effect.outside.payments, february.effect.outside.amount_fen) == (Decimal("0.0"), 476)
    assert february.effect.amount_ratio == Decimal("3.00")
    other_days = month_campaign_effect(month=date(2025, 2, 1), today=date(2025, 4, 5), first_day=20, last_day=20)
    assert other_days.effect.inside.amount_fen == 10_000
    with pytest.raises(CampaignDaysRefused):
        month_campaign_effect(month=date(2025, 2, 1), today=date(2025, 4, 5), first_day=18, last_day=12)


def test_the_month_in_progress_counts_to_yesterday(clock: FakeClock) -> None:
    account = enrol(1, village="", opening_balance_fen=0)
    pay(account, 1_000, date(2025, 3, 12), "x-1")
    pay(account, 2_000, date(2025, 3, 13), "x-2")
    clock.instant = datetime(2025, 3, 13, 8, tzinfo=SHANGHAI)

    march = month_campaign_effect(month=date(2025, 3, 1), today=date(2025, 3, 13))

    assert march.cut_off == date(2025, 3, 12)
    assert march.effect.inside.days == 1 and march.effect.inside.amount_fen == 1_000
    assert march.effect.outside.days == 11 and march.effect.outside.amount_fen == 0
    assert [d.amount_fen for d in march.days if d.day.day == 13] == [2_000]  # shown, not averaged yet


def test_the_reports_ask_the_same_few_queries_whatever_the_number_of_accounts(clock: FakeClock) -> None:
    town = a_quarter(clock)

    def queries() -> list[int]:
        counted = []
        for report in (lambda: arrears_by_area(day=LAST), lambda: recovery_by_place(month=LAST, today=LAST),
                       lambda: month_campaign_effect(month=LAST, today=LAST)):
            with CaptureQueriesContext(connection) as captured:
                report()
            counted.append(len(captured))
        return counted

    before = queries()
    for number in range(10, 16):
        more = enrol(number, village="东村" if number % 2 else "西村", opening_balance_fen=-500)
        add_readings(more, first_day=LAST, daily_kwh=["10.00"])
    settle_day(day=LAST, at=clock.now())  # the new accounts' last day
    assert queries() == before
    assert arrears_snapshot(day=LAST).total.accounts > town.kept[LAST].total.accounts
