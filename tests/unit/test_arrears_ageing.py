"""Arrears ageing (欠费账龄) bands and arrears grouped by area or collector."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.arrears_ageing import BANDS, age_bands, arrears_ageing, group_arrears

DAY = date(2025, 3, 1)


def test_the_bands_start_at_their_low_day_and_end_before_their_high_day() -> None:
    bands = age_bands(arrears=[(0, 100), (6, 100), (7, 200), (29, 300), (30, 400), (89, 500), (90, 600), (400, 700)])
    assert [(b.accounts, b.owed_fen) for b in bands] == [(2, 200), (2, 500), (2, 900), (2, 1_300)]
    assert [b.label for b in bands] == [label for _, _, label in BANDS]


def test_the_monthly_reports_ageing_is_the_same_count_from_first_days() -> None:
    ageing = arrears_ageing(arrears=[(DAY - timedelta(days=8), 300), (None, 50)], day=DAY)
    assert ageing == age_bands(arrears=[(8, 300), (0, 50)])


LINES = st.lists(st.tuples(st.sampled_from(["东片", "西片", ""]), st.integers(0, 500), st.integers(1, 10**6)),
                 max_size=40)


@given(lines=LINES)
def test_the_groups_add_up_to_all_arrears(lines: list[tuple[str, int, int]]) -> None:
    groups = group_arrears(arrears=lines)
    assert sum(g.accounts for g in groups.values()) == len(lines)
    assert sum(g.owed_fen for g in groups.values()) == sum(fen for _, _, fen in lines)
    for group in groups.values():
        assert sum(b.owed_fen for b in group.bands) == group.owed_fen
        assert sum(b.accounts for b in group.bands) == group.accounts


def test_an_account_owing_nothing_is_not_in_arrears() -> None:
    with pytest.raises(ValueError):
        group_arrears(arrears=[("东片", 3, 0)])
