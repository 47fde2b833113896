"""Who answers for an account on a day: a transformer area's own area first, then its village's, then grid staff."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.collection_areas import (
    Assignment,
    AssignmentDateRefused,
    Membership,
    Responsibility,
    check_change_date,
)

DAY = date(2025, 3, 10)


def test_a_transformer_areas_own_area_wins_over_its_villages() -> None:
    members = [Membership(1, 10, "", date(2025, 1, 1)), Membership(2, 10, "T2", date(2025, 1, 1))]
    collectors = [Assignment(1, 100, date(2025, 1, 1)), Assignment(2, 200, date(2025, 1, 1))]
    who = Responsibility(on=DAY, members=members, collectors=collectors, village_staff={10: 300})
    assert who.of(village_id=10, transformer_area="T1").collector_id == 100
    assert who.of(village_id=10, transformer_area="T2").collector_id == 200
    assert who.of(village_id=10, transformer_area="").area_id == 1


def test_a_village_in_no_area_falls_to_its_grid_staff_and_without_them_to_nobody() -> None:
    who = Responsibility(on=DAY, members=[], collectors=[], village_staff={10: 300, 11: None})
    assert who.of(village_id=10, transformer_area="T1").collector_id == 300
    assert who.of(village_id=11, transformer_area="").collector_id is None
    assert who.of(village_id=None, transformer_area="").collector_id is None


def test_an_area_without_a_collector_on_the_day_falls_to_the_villages_grid_staff() -> None:
    members = [Membership(1, 10, "", date(2025, 1, 1))]
    collectors = [Assignment(1, 100, date(2025, 1, 1), valid_to=DAY)]  # ended the day asked about
    who = Responsibility(on=DAY, members=members, collectors=collectors, village_staff={10: 300})
    assert who.of(village_id=10, transformer_area="").collector_id == 300
    assert who.of(village_id=10, transformer_area="").area_id == 1


@given(handover=st.integers(min_value=1, max_value=400), asked=st.integers(min_value=0, max_value=500))
def test_periods_are_half_open_so_one_collector_answers_on_every_day(handover: int, asked: int) -> None:
    start = date(2025, 1, 1)
    change = start + timedelta(days=handover)
    members = [Membership(1, 10, "", start)]
    collectors = [Assignment(1, 100, start, valid_to=change), Assignment(1, 200, change)]
    day = start + timedelta(days=asked)
    who = Responsibility(on=day, members=members, collectors=collectors, village_staff={10: None})
    assert who.of(village_id=10, transformer_area="").collector_id == (100 if day < change else 200)


def test_history_before_the_current_assignment_cannot_be_rewritten() -> None:
    check_change_date(open_from=DAY, change_from=DAY)
    check_change_date(open_from=None, change_from=date(2000, 1, 1))
    with pytest.raises(AssignmentDateRefused) as refused:
        check_change_date(open_from=DAY, change_from=DAY - timedelta(days=1))
    assert refused.value.field == "from"
