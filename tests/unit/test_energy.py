"""How an energy is written (issue 20 point 7): ASCII digits and a decimal point; Python's Decimal would take an
exponent, a sign, underscores and other scripts' digits, which a reading refuses."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.energy import InvalidEnergy, parse_kwh


@pytest.mark.parametrize("written", ["1e3", "1E-2", "１２", "١٢.٥", "1_000", "+5", "-0", " ", "", "NaN", "12,50"])
def test_an_energy_is_written_with_ascii_digits_and_a_point_only(written: str) -> None:
    with pytest.raises(InvalidEnergy):
        parse_kwh(written)


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_every_plain_energy_reads_back_as_itself(kwh: Decimal) -> None:
    assert parse_kwh(f"{kwh:f}") == kwh and parse_kwh(f" {kwh:f} ") == kwh
