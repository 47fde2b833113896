"""The demo's rollout schedule moved to the demo's dates: the real schedule's order and gaps, the converted villages
before the demo's first day, the ones still postpaid after its last."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gridpay.demo.villages import dated_schedule, months_apart, scheduled_villages

SCHEDULE = scheduled_villages()


def test_a_demo_of_the_last_sixty_days_shows_a_plan_carried_out_this_year_and_four_villages_to_come() -> None:
    dated = dated_schedule(SCHEDULE, first_day=date(2026, 10, 7), last_day=date(2026, 12, 5), postpaid=4)
    months = [f"{v.rollout_month:%Y-%m}" for v in dated]
    assert months[0] == "2026-04" and months[-5] == "2026-09"  # 铺前村 … 大坝村: April to September, as in 2024
    assert months[-4:] == ["2027-01", "2027-01", "2027-01", "2027-02"]  # 刘林村, 高山村, 码四村, 码头社区
    assert [v.name for v in dated] == [v.name for v in SCHEDULE]
    assert [v.rollout_month.day for v in dated] == [1] * len(SCHEDULE)


@given(first_day=st.dates(min_value=date(2024, 1, 2), max_value=date(2030, 12, 31)),
       days=st.integers(min_value=1, max_value=366), postpaid=st.integers(min_value=0, max_value=len(SCHEDULE)))
def test_order_and_gaps_are_the_schedules_and_no_village_is_dated_inside_the_demo(
    first_day: date, days: int, postpaid: int
) -> None:
    last_day = first_day + timedelta(days=days - 1)
    dated = dated_schedule(SCHEDULE, first_day=first_day, last_day=last_day, postpaid=postpaid)
    converted, waiting = dated[: len(dated) - postpaid], dated[len(dated) - postpaid :]
    assert [v.name for v in dated] == [v.name for v in SCHEDULE]
    assert [v.rollout_month for v in dated] == sorted(v.rollout_month for v in dated)
    assert all(v.rollout_month < first_day.replace(day=1) for v in converted)  # signed before they were prepaid
    assert all(v.rollout_month > last_day for v in waiting)
    for group, real in ((converted, SCHEDULE[: len(converted)]), (waiting, SCHEDULE[len(converted) :])):
        assert [months_apart(group[0].rollout_month, v.rollout_month) for v in group] == [
            months_apart(real[0].rollout_month, v.rollout_month) for v in real]
