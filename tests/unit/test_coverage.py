"""The 10-minute payment circle: opening hours, distances and the vectorised coverage test."""

from datetime import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridpay.domain.agents import CommissionTerms, commission_fen, mask_name
from gridpay.domain.coverage import InvalidHours, circle_radius_m, covered_mask, distance_m, is_open, parse_hours


@pytest.mark.parametrize(
    ("hours", "at", "expected"),
    [("08:00-18:00", time(8), True), ("08:00-18:00", time(18), False), ("08:00-18:00", time(7, 59), False),
     ("21:00-02:00", time(1), True), ("21:00-02:00", time(12), False), ("24h", time(3), True), ("", None, False),
     ("08:00-18:00", None, True)],
)
def test_opening_hours(hours: str, at: time | None, expected: bool) -> None:
    assert is_open(hours=hours, at=at) is expected


def test_bad_hours_are_refused_in_chinese() -> None:
    for hours in ("8点到6点", "08:00", "25:00-26:00"):
        with pytest.raises(InvalidHours, match="营业时间") as refused:
            parse_hours(hours)
        assert (refused.value.field, refused.value.params) == ("hours", {"hours": hours})


def test_ten_minutes_walk_is_750_metres_and_a_degree_of_latitude_is_111_km() -> None:
    assert circle_radius_m() == 750
    assert 111_000 < distance_m(25.0, 118.0, 26.0, 118.0) < 111_400


@settings(max_examples=50)
@given(
    st.lists(st.tuples(st.floats(25.0, 25.05), st.floats(118.3, 118.35)), min_size=1, max_size=30),
    st.lists(st.tuples(st.floats(25.0, 25.05), st.floats(118.3, 118.35)), max_size=5),
)
def test_the_vectorised_circle_agrees_with_one_distance_at_a_time(
    homes: list[tuple[float, float]], outlets: list[tuple[float, float]]
) -> None:
    mask = covered_mask(
        latitudes=np.array([h[0] for h in homes]), longitudes=np.array([h[1] for h in homes]),
        outlet_latitudes=np.array([o[0] for o in outlets]), outlet_longitudes=np.array([o[1] for o in outlets]),
        radius_m=750,
    )
    for home, covered in zip(homes, mask, strict=True):
        nearest = min((distance_m(*home, *o) for o in outlets), default=float("inf"))
        if abs(nearest - 750) > 0.01:  # exactly on the circle, floating point may go either way
            assert bool(covered) is (nearest <= 750)


def test_names_are_masked_and_commission_rounds_once() -> None:
    names = ["王", "张三", "张三丰", "欧阳娜娜", " 李四 "]
    assert [mask_name(n) for n in names] == ["*", "张*", "张*丰", "欧**娜", "李*"]
    assert commission_fen(amount_fen=20_000, terms=CommissionTerms(per_payment_fen=50, rate_bp=10)) == 70
    assert commission_fen(amount_fen=5, terms=CommissionTerms(per_payment_fen=0, rate_bp=1_000)) == 1  # 0.5 fen up
    assert commission_fen(amount_fen=4, terms=CommissionTerms(per_payment_fen=0, rate_bp=1_000)) == 0
