"""What a public notice shows of a household: masked names and account numbers, and only arrears old enough."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.arrears_notice import NoticeRefused, arrears_age_days, mask_account_no, mask_name, old_enough

chinese = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=8)


def test_names_and_numbers_as_the_board_shows_them() -> None:
    assert [mask_name(n) for n in ("张三", "张三明", "欧阳娜娜", "张")] == ["张*", "张*明", "欧**娜", "*"]
    assert mask_account_no("3301000001") == "33******01"
    assert mask_account_no("12345678") == "12****78"
    assert mask_account_no("123") == "***"


@given(name=chinese)
def test_a_masked_name_keeps_at_most_the_first_and_last_character(name: str) -> None:
    masked = mask_name(name)
    assert len(masked) == len(name)
    if len(name) >= 2:
        assert masked[0] == name[0]
        assert set(masked[1:-1]) <= {"*"}
        assert masked[-1] == ("*" if len(name) == 2 else name[-1])
    shown = [c for c in masked if c != "*"]
    assert len(shown) <= min(2, len(name) - 1)


@given(number=st.text(alphabet="0123456789", min_size=0, max_size=20))
def test_a_masked_account_number_hides_at_least_half_of_it_in_the_middle(number: str) -> None:
    masked = mask_account_no(number)
    assert len(masked) == len(number)
    assert masked.count("*") >= (len(number) + 1) // 2
    keep = len(number) // 4 if len(number) >= 4 else 0
    assert masked[:keep] == number[:keep] and masked[len(number) - keep:] == number[len(number) - keep:]
    assert set(masked[keep:len(number) - keep]) <= {"*"}


@given(since=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 1, 1)),
       age=st.integers(min_value=0, max_value=400), min_days=st.integers(min_value=0, max_value=400))
def test_arrears_are_shown_from_their_minimum_age_on(since: date, age: int, min_days: int) -> None:
    day = since + timedelta(days=age)
    assert arrears_age_days(since=since, day=day) == age
    assert old_enough(since=since, day=day, min_days=min_days) is (age >= min_days)


def test_a_negative_minimum_age_is_refused() -> None:
    with pytest.raises(NoticeRefused):
        old_enough(since=date(2026, 1, 1), day=date(2026, 2, 1), min_days=-1)
