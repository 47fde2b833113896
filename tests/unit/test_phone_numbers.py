"""Telephone numbers as people write them: mobiles and landlines kept in one form, anything else refused."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.phone_numbers import InvalidPhone, normalised_phone


@pytest.mark.parametrize(("written", "kept"), [
    ("13900000001", "13900000001"), ("139 0000 0001", "13900000001"), ("139-0000-0001", "13900000001"),
    ("+86 139 0000 0001", "13900000001"), ("0595-68905492", "0595-68905492"), ("059568905492", "0595-68905492"),
    ("(0595) 6890 5492", "0595-68905492"), ("010-62345678", "010-62345678"), ("021 5234567", "021-5234567"),
    ("0595-68905492-801", "0595-68905492-801"), ("0595-68905492转801", "0595-68905492-801"),
])
def test_mobiles_and_landlines_are_kept_in_one_form(written: str, kept: str) -> None:
    assert normalised_phone(written) == kept


@pytest.mark.parametrize("written", [
    "10012345678", "1390000000", "139000000012", "12345678", "0595-1234567", "595-68905492", "0595-0890549",
    "abc", "", "13900000001x", "0000-68905492",
])
def test_a_number_that_is_neither_is_refused_naming_it(written: str) -> None:
    with pytest.raises(InvalidPhone) as refused:
        normalised_phone(written)
    assert written in refused.value.message and refused.value.field == "phone"


def test_a_landline_is_no_mobile() -> None:
    with pytest.raises(InvalidPhone, match="手机号"):
        normalised_phone("0595-68905492", mobile_only=True)


@given(st.integers(3, 9), st.integers(0, 10**9 - 1))
def test_every_mobile_is_taken_and_kept_as_it_is(second: int, rest: int) -> None:
    mobile = f"1{second}{rest:09d}"
    assert normalised_phone(mobile) == normalised_phone(mobile, mobile_only=True) == mobile


@given(st.text(alphabet="0123456789-", max_size=16))
def test_whatever_is_typed_is_either_refused_or_kept_in_a_form_it_keeps(text: str) -> None:
    try:
        kept = normalised_phone(text)
    except InvalidPhone:
        return
    assert normalised_phone(kept) == kept


def test_only_a_mobile_receives_sms() -> None:
    from gridpay.domain.phone_numbers import receives_sms

    assert receives_sms("13900000001")
    assert not receives_sms("0595-68905492") and not receives_sms("")
