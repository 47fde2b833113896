"""The months of the history tables: bounds, the months created ahead, and which months may be archived."""

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.history_months import (
    BadMonth,
    Month,
    MonthNotClosed,
    add_months,
    archivable_before,
    month_of,
    months_ahead,
    months_between,
    parse_month,
)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2200, 1, 1)), st.integers(-300, 300))
def test_adding_months_lands_on_a_first_day_and_goes_back(day: date, months: int) -> None:
    moved = add_months(day, months)
    assert moved.day == 1
    assert (moved.year - day.year) * 12 + moved.month - day.month == months
    assert add_months(moved, -months) == day.replace(day=1)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2200, 1, 1)))
def test_a_day_is_in_its_month_and_not_in_the_next(day: date) -> None:
    month = month_of(day)
    assert day in month
    assert month.end not in month
    assert month.end - timedelta(days=1) in month
    assert Month(month.end).start == month.end


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2200, 1, 1)))
def test_a_months_days_are_each_of_its_days_once_in_order(day: date) -> None:
    days = month_of(day).days
    assert days[0] == month_of(day).start and days[-1] + timedelta(days=1) == month_of(day).end
    assert all(later - earlier == timedelta(days=1) for earlier, later in pairwise(days))
    assert day in days


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2200, 1, 1)), st.integers(1, 31))
def test_a_months_spans_cover_it_end_to_end_each_at_most_so_many_days(day: date, days: int) -> None:
    month = month_of(day)
    spans = month.spans(days)
    assert spans[0][0] == month.start and spans[-1][1] == month.end
    assert all(end == start for (_, end), (start, _) in pairwise(spans))
    assert all(timedelta(0) < end - start <= timedelta(days=days) for start, end in spans)
    assert len(spans) == -(-len(month.days) // days)


def test_february_of_a_leap_year_has_29_days() -> None:
    assert len(Month(date(2028, 2, 1)).days) == 29
    assert len(Month(date(2027, 2, 1)).days) == 28
    assert Month(date(2028, 2, 1)).spans(7)[-1] == (date(2028, 2, 29), date(2028, 3, 1))


def test_months_between_are_half_open() -> None:
    assert [m.label for m in months_between(first=date(2025, 11, 20), end=date(2026, 2, 1))] == [
        "2025-11", "2025-12", "2026-01"]
    assert months_between(first=date(2026, 2, 3), end=date(2026, 2, 28)) == []


def test_this_month_and_three_ahead_are_created() -> None:
    assert [m.suffix for m in months_ahead(today=date(2026, 11, 30))] == [
        "p2026_11", "p2026_12", "p2027_01", "p2027_02"]


@pytest.mark.parametrize("text", ["2026-1", "2026/01", "26-01", "2026-13", "2026-00", "abcd-ef", "", "1999-12"])
def test_a_month_that_is_not_yyyy_mm_is_refused(text: str) -> None:
    with pytest.raises(BadMonth, match="YYYY-MM"):
        parse_month(text)


def test_the_current_and_previous_months_are_not_closed() -> None:
    today = date(2026, 12, 6)
    assert archivable_before(before=date(2026, 11, 1), today=today) == date(2026, 11, 1)  # archives through October
    with pytest.raises(MonthNotClosed, match="--before 最晚为 2026-11"):
        archivable_before(before=date(2026, 12, 1), today=today)
    with pytest.raises(MonthNotClosed):
        archivable_before(before=date(2027, 1, 1), today=today)
