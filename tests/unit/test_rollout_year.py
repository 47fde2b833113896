"""Which year the rollout page opens on: the one that holds the plan, not the calendar's when the plan is another."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.rollout import year_to_show


def test_the_page_opens_on_this_year_when_the_plan_has_villages_in_it() -> None:
    assert year_to_show(plan_years=[2026, 2027], today=date(2026, 12, 6)) == 2026
    assert year_to_show(plan_years=[2025, 2026], today=date(2026, 1, 2)) == 2026


def test_a_finished_plan_opens_on_its_last_year_and_one_to_come_on_its_first() -> None:
    assert year_to_show(plan_years=[2024], today=date(2026, 12, 6)) == 2024  # the real schedule of 2024
    assert year_to_show(plan_years=[2023, 2024, 2028], today=date(2026, 12, 6)) == 2024
    assert year_to_show(plan_years=[2027, 2028], today=date(2026, 12, 6)) == 2027
    assert year_to_show(plan_years=[], today=date(2026, 12, 6)) == 2026  # no plan yet: this year, to import one


@given(st.lists(st.integers(min_value=2000, max_value=2100), min_size=1, unique=True),
       st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_the_year_shown_is_always_one_of_the_plans(years: list[int], today: date) -> None:
    assert year_to_show(plan_years=years, today=today) in years
