"""The business calendar table: seeded from the holidays package, kept as staff edit it, safe for missing years."""

from datetime import UTC, date, datetime

import pytest

from gridpay.application.calendar.seed_calendar import seed_calendar
from gridpay.data.calendar_store import load_calendar
from gridpay.data.models import CalendarDay, CalendarYear
from gridpay.domain.calendar import DayKind

pytestmark = pytest.mark.django_db
AT = datetime(2025, 11, 1, tzinfo=UTC)


def test_a_seeded_year_has_national_day_and_its_swapped_working_days() -> None:
    report = seed_calendar(years=[2025], at=AT)

    assert [(y.year, y.has_swaps) for y in report.seeded] == [(2025, True)]
    calendar = load_calendar(years=[2025])
    assert calendar.is_holiday(date(2025, 10, 1))
    assert calendar.is_holiday_eve(date(2025, 9, 30))
    assert calendar.is_working_day(date(2025, 9, 28)), "a Sunday worked for National Day (调休)"
    assert not calendar.is_working_day(date(2025, 9, 27))
    assert calendar.is_working_day(date(2025, 9, 29))
    assert CalendarDay.objects.get(day=date(2025, 10, 1)).name == "国庆节"


def test_staff_edits_survive_seeding_again() -> None:
    seed_calendar(years=[2025], at=AT)
    CalendarDay.objects.filter(day=date(2025, 9, 28)).update(kind=DayKind.REST.value, name="站内调整")

    again = seed_calendar(years=[2025, 2026], at=AT)

    assert again.kept == [2025]
    assert [y.year for y in again.seeded] == [2026]
    assert not load_calendar(years=[2025]).is_working_day(date(2025, 9, 28))


def test_a_year_missing_from_the_table_is_the_plain_week() -> None:
    seed_calendar(years=[2025], at=AT)

    calendar = load_calendar(years=[2031])

    assert CalendarYear.objects.filter(year=2031).count() == 0
    assert calendar.is_working_day(date(2031, 10, 1)), "a Wednesday: no holidays known for 2031"
    assert not calendar.is_working_day(date(2031, 10, 4)), "a Saturday"
