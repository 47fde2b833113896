"""The campaign's pure rules: its days, the route, the legs of the route over the days, texts without amounts, and
what counts as someone having asked about an account."""

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.data.settings import GridpaySettings, SettingInvalid
from gridpay.domain.collection_campaign import (
    MONEY,
    CampaignDaysInvalid,
    ContactOutcome,
    ContactWay,
    FollowUpInvalid,
    OutletSite,
    PayPoint,
    Stop,
    Touch,
    TouchSource,
    broadcast_text,
    campaign_days,
    check_follow_up,
    counts_as_touched,
    nearest_outlets,
    route_order,
    spread_over_days,
    untouched,
    wechat_text,
)

MARCH = date(2026, 3, 1)


def test_the_campaign_days_are_the_12th_to_the_18th_by_default() -> None:
    settings = GridpaySettings()
    days = campaign_days(month=date(2026, 3, 10), first_day=settings.campaign_first_day,
                         last_day=settings.campaign_last_day)
    assert days[0] == date(2026, 3, 12) and days[-1] == date(2026, 3, 18) and len(days) == 7
    assert settings.follow_up_day == 19
    with pytest.raises(CampaignDaysInvalid):
        campaign_days(month=MARCH, first_day=18, last_day=12)


def test_campaign_settings_are_checked_in_their_order() -> None:
    settings = GridpaySettings()
    assert replace(settings, campaign_first_day="5", campaign_last_day="9", follow_up_day="10").campaign_last_day == 9
    with pytest.raises(SettingInvalid, match="GRIDPAY_CAMPAIGN_LAST_DAY"):
        replace(settings, campaign_first_day=15, campaign_last_day=12)
    with pytest.raises(SettingInvalid, match="GRIDPAY_FOLLOW_UP_DAY"):
        replace(settings, follow_up_day=18)
    with pytest.raises(SettingInvalid, match="GRIDPAY_CAMPAIGN_FIRST_DAY"):
        replace(settings, campaign_first_day=31)


def test_the_route_goes_to_the_nearest_village_next_and_unlocated_ones_last() -> None:
    stops = [Stop(1, "远村", 30.0, 120.10), Stop(2, "近村", 30.0, 120.01), Stop(3, "中村", 30.0, 120.05),
             Stop(4, "无坐标乙", None, None), Stop(5, "无坐标甲", None, 120.0)]
    assert [s.key for s in route_order(start=(30.0, 120.0), stops=stops)] == [2, 3, 1, 4, 5]  # 乙 before 甲: by name
    # without the station: from the first located village by name
    assert [s.key for s in route_order(start=None, stops=stops)][:3] == [3, 2, 1]


stops_strategy = st.lists(
    st.tuples(st.one_of(st.none(), st.floats(29.0, 31.0)), st.floats(119.0, 121.0), st.text(min_size=1, max_size=4)),
    max_size=25,
).map(lambda rows: [Stop(i, name, lat, None if lat is None else lon) for i, (lat, lon, name) in enumerate(rows)])


@given(stops=stops_strategy, first=st.integers(1, 28), length=st.integers(0, 10))
def test_every_village_with_arrears_is_in_exactly_one_round(stops: list[Stop], first: int, length: int) -> None:
    days = campaign_days(month=MARCH, first_day=first, last_day=min(28, first + length))
    ordered = route_order(start=(30.0, 120.0), stops=stops)
    legs = spread_over_days(ordered=ordered, days=days)

    visited = [stop.key for _, leg in legs for stop in leg]
    assert sorted(visited) == sorted(s.key for s in stops)  # each exactly once
    assert visited == [s.key for s in ordered]  # the legs follow the route
    sizes = [len(leg) for _, leg in legs]
    assert not sizes or max(sizes) - min(sizes) <= 1
    assert [day for day, _ in legs] == days[: len(legs)]
    located = [s.located for s in ordered]
    assert located == sorted(located, reverse=True)  # no located village after an unlocated one


names = st.text(alphabet=st.sampled_from("东西南北村镇3号5元块角￥¥.,0９ 小卖部超市"), max_size=12)


@given(village=names, utility=names, outlet=names, address=names, day=st.integers(1, 28))
def test_the_texts_never_carry_a_sum_of_money(village: str, utility: str, outlet: str, address: str,
                                              day: int) -> None:
    points = [PayPoint(outlet, address)]
    for text in (broadcast_text(utility=utility, village=village, deadline=MARCH.replace(day=day), outlets=points),
                 wechat_text(utility=utility, village=village, deadline=MARCH.replace(day=day), outlets=points)):
        assert not MONEY.search(text)
        assert f"{3}月{day}日前" in text


def test_the_broadcast_names_the_nearest_outlets_inside_the_circle_or_else_the_nearest_one() -> None:
    outlets = [OutletSite("小卖部", "村口", 30.001, 120.0), OutletSite("邮政", "镇上", 30.05, 120.0),
               OutletSite("便民点", "村委", 30.002, 120.0)]
    assert [p.name for p in nearest_outlets(centre=(30.0, 120.0), outlets=outlets, radius_m=750)] == ["小卖部",
                                                                                                   "便民点"]
    assert [p.name for p in nearest_outlets(centre=(30.04, 120.0), outlets=outlets, radius_m=750)] == ["邮政"]
    text = broadcast_text(utility="供电所", village="东村", deadline=date(2026, 3, 18),
                          outlets=[PayPoint("小卖部", "村口")])
    assert "小卖部（村口）" in text and "微信" in text and "3月18日前" in text
    assert "营业厅" in broadcast_text(utility="供电所", village="东村", deadline=date(2026, 3, 18), outlets=[])


def test_a_person_asking_counts_and_a_broadcast_or_a_job_does_not() -> None:
    assert counts_as_touched(Touch(TouchSource.FOLLOW_UP, "王收费", ContactWay.VISIT))
    assert not counts_as_touched(Touch(TouchSource.FOLLOW_UP, "王收费", ContactWay.BROADCAST))
    assert counts_as_touched(Touch(TouchSource.CALL, "李", "not_reached"))  # tried: the call was made
    assert not counts_as_touched(Touch(TouchSource.CALL, "", "reached"))
    assert counts_as_touched(Touch(TouchSource.ARREARS_STEP, "张三（zhang）", "arrears.serve_yellow_notice"))
    assert not counts_as_touched(Touch(TouchSource.ARREARS_STEP, "system", "arrears.close"))
    touches = {1: [Touch(TouchSource.FOLLOW_UP, "王", ContactWay.BROADCAST)], 2: [Touch(TouchSource.CALL, "李",
                                                                                         "reached")]}
    assert untouched(accounts=[1, 2, 3], touches=lambda a: touches.get(a, [])) == [1, 3]


def test_a_promise_needs_its_date_on_or_after_the_contact() -> None:
    day = date(2026, 3, 19)
    assert check_follow_up(how="phone", outcome="promised", day=day, promised_on=day) == (
        ContactWay.PHONE, ContactOutcome.PROMISED)
    for how, outcome, promised in (("phone", "promised", None), ("visit", "paid", date(2026, 3, 18)),
                                   ("fax", "paid", None), ("visit", "maybe", None)):
        with pytest.raises(FollowUpInvalid):
            check_follow_up(how=how, outcome=outcome, day=day, promised_on=promised)
