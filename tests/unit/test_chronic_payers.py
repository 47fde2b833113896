"""The chronic late payers' file as rules: which months were late, who is in the file, when a reminder is due."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.chronic_payers import (
    BalanceStep,
    BillDates,
    ChronicCriteria,
    ChronicCriteriaInvalid,
    ReminderMethod,
    ReminderRefused,
    add_months,
    balance_lasts_past,
    check_method,
    day_in_month,
    evaluate,
    late_bill_months,
    month_of,
    negative_balance_months,
    next_prepaid_due,
    prepaid_reminder_due,
    reminder_date,
    window_from,
)

M = date  # a month is its first day


def test_the_window_is_twelve_calendar_months_ending_with_the_days_month() -> None:
    assert window_from(day=date(2026, 3, 10), months=12) == date(2025, 4, 1)
    assert window_from(day=date(2026, 12, 31), months=1) == date(2026, 12, 1)


def test_a_prepaid_month_is_late_when_the_balance_went_below_zero_in_it_and_a_run_spans_its_months() -> None:
    steps = [
        BalanceStep(date(2025, 5, 20), 300, -150),  # settled below zero on 20 May
        BalanceStep(date(2025, 8, 2), -150, 5_000),  # paid on 2 August: June and July stayed negative
        BalanceStep(date(2025, 11, 30), 100, -20),  # still negative at the end
    ]
    months = negative_balance_months(steps=steps, negative_since=None, window_start=date(2025, 4, 1),
                                     through=date(2026, 1, 15))
    assert sorted(months) == [M(2025, 5, 1), M(2025, 6, 1), M(2025, 7, 1), M(2025, 8, 1), M(2025, 11, 1),
                              M(2025, 12, 1), M(2026, 1, 1)]


def test_a_run_that_began_before_the_window_counts_from_its_start_and_arrears_since_fills_a_quiet_run() -> None:
    lifted = [BalanceStep(date(2025, 5, 3), -500, 1_000)]
    assert negative_balance_months(steps=lifted, negative_since=None, window_start=date(2025, 4, 1),
                                   through=date(2025, 12, 31)) == {M(2025, 4, 1), M(2025, 5, 1)}
    # Disconnected since 2024 with nothing posted since: arrears_since alone says it.
    assert negative_balance_months(steps=[], negative_since=date(2024, 6, 1), window_start=date(2025, 10, 1),
                                   through=date(2025, 12, 5)) == {M(2025, 10, 1), M(2025, 11, 1), M(2025, 12, 1)}
    assert negative_balance_months(steps=[], negative_since=None, window_start=date(2025, 10, 1),
                                   through=date(2025, 12, 5)) == set()


def test_a_bill_is_late_in_the_month_after_its_due_date_when_paid_after_it_or_still_owed() -> None:
    bills = [
        BillDates(due_on=date(2025, 5, 31), paid_off_on=date(2025, 6, 3)),  # late: June
        BillDates(due_on=date(2025, 7, 10), paid_off_on=date(2025, 7, 10)),  # on the due date: not late
        BillDates(due_on=date(2025, 9, 10), paid_off_on=None),  # still owed on the day: late in September
        BillDates(due_on=date(2025, 12, 20), paid_off_on=None),  # not yet due on the day
    ]
    assert late_bill_months(bills=bills, window_start=date(2025, 1, 1), through=date(2025, 12, 20)) == {
        M(2025, 6, 1), M(2025, 9, 1)}


def test_in_the_file_when_late_three_months_or_disconnected_twice() -> None:
    criteria = ChronicCriteria()
    two = [M(2025, 1, 1), M(2025, 3, 1)]
    assert not evaluate(late_months=two, disconnections=1, criteria=criteria).chronic
    three = evaluate(late_months=[*two, M(2025, 3, 1), M(2025, 7, 1)], disconnections=0, criteria=criteria)
    assert three.chronic and three.reason == "近12个月中有3个月延时交费"
    twice = evaluate(late_months=[], disconnections=2, criteria=criteria)
    assert twice.chronic and twice.reason == "近12个月欠费停电2次"
    assert evaluate(late_months=[M(2025, 1, 1)], disconnections=1,
                    criteria=ChronicCriteria(late_months=1, window_months=6, disconnections=5)).chronic


def test_criteria_out_of_range_are_refused() -> None:
    with pytest.raises(ChronicCriteriaInvalid):
        ChronicCriteria(late_months=13, window_months=12)
    with pytest.raises(ChronicCriteriaInvalid):
        ChronicCriteria(disconnections=0)


def test_an_sms_through_a_relative_needs_their_name_and_mobile() -> None:
    with pytest.raises(ReminderRefused):
        check_method(method=ReminderMethod.SMS_CONTACT, contact_name="李四", contact_phone="")
    check_method(method=ReminderMethod.SMS_CONTACT, contact_name="李四", contact_phone="13900001111")
    check_method(method=ReminderMethod.VISIT, contact_name="", contact_phone="")


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@given(day=days, count=st.integers(min_value=-40, max_value=40))
def test_adding_months_lands_on_a_first_day_and_undoes_itself(day: date, count: int) -> None:
    moved = add_months(month_of(day), count)
    assert moved.day == 1
    assert add_months(moved, -count) == month_of(day)
    assert (moved.year - day.year) * 12 + moved.month - day.month == count


@given(month=days.map(month_of), wanted=st.integers(min_value=1, max_value=31))
def test_a_day_of_the_month_is_clamped_to_the_months_length(month: date, wanted: int) -> None:
    found = day_in_month(month=month, day_of_month=wanted)
    assert month_of(found) == month
    assert found.day == wanted or (found.day < wanted and month_of(found + timedelta(days=1)) != month)


@given(due=days, before=st.integers(min_value=0, max_value=20))
def test_the_reminder_is_n_days_before_the_due_date(due: date, before: int) -> None:
    assert (due - reminder_date(due_on=due, days_before=before)).days == before


@given(day=days, due_day=st.integers(min_value=1, max_value=28), before=st.integers(min_value=0, max_value=20))
def test_a_prepaid_household_is_reminded_exactly_n_days_before_its_monthly_due_day(
    day: date, due_day: int, before: int
) -> None:
    due = prepaid_reminder_due(day=day, due_day=due_day, days_before=before)
    target = day + timedelta(days=before)
    assert (due is not None) == (target.day == due_day)
    if due is not None:
        assert reminder_date(due_on=due, days_before=before) == day


@given(day=days, due_day=st.integers(min_value=1, max_value=28), before=st.integers(min_value=0, max_value=20))
def test_the_next_prepaid_due_date_is_the_first_whose_reminder_is_still_ahead(
    day: date, due_day: int, before: int
) -> None:
    due = next_prepaid_due(day=day, due_day=due_day, days_before=before)
    reminder = reminder_date(due_on=due, days_before=before)
    assert due.day == due_day and reminder >= day
    assert prepaid_reminder_due(day=reminder, due_day=due_day, days_before=before) == due
    # No reminder day of this household lies between today and that one.
    assert all(prepaid_reminder_due(day=day + timedelta(days=k), due_day=due_day, days_before=before) is None
               for k in range((reminder - day).days))


def test_a_balance_lasting_a_month_past_the_due_date_needs_no_reminder() -> None:
    day, due = date(2026, 3, 7), date(2026, 3, 10)
    assert balance_lasts_past(days_left=40, due_on=due, day=day)
    assert not balance_lasts_past(days_left=10, due_on=due, day=day)
    assert not balance_lasts_past(days_left=None, due_on=due, day=day)


def test_the_criteria_come_from_the_environment_and_an_impossible_pair_stops_the_process() -> None:
    from gridpay.data.settings import SettingInvalid, from_environment

    configured = from_environment({"GRIDPAY_CHRONIC_LATE_MONTHS": "4", "GRIDPAY_CHRONIC_WINDOW_MONTHS": "6",
                                   "GRIDPAY_CHRONIC_DISCONNECTIONS": "3"})
    assert configured.chronic_criteria == ChronicCriteria(late_months=4, window_months=6, disconnections=3)
    assert from_environment({}).notice_min_days == 30
    with pytest.raises(SettingInvalid, match="GRIDPAY_CHRONIC_LATE_MONTHS"):
        from_environment({"GRIDPAY_CHRONIC_LATE_MONTHS": "13"})
