"""Pricing a day's energy: tier crossing, time of use, versions by date, and bad tariffs."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.energy import DayEnergy, InvalidEnergy
from gridpay.domain.tariffs import (
    InvalidTariff,
    TariffNotInForce,
    TariffVersion,
    Tier,
    TierPeriod,
    price_energy,
    split_by_tier_ckwh,
)
from tests.unit.tariff_examples import FLAT, PEAK, VALLEY, ZJ, ZJ_2024, ZJ_RAISED, ZJ_TIERS

kwh = st.decimals(min_value=0, max_value=20_000, places=2)


def test_the_issue_example_crosses_from_the_first_to_the_second_tier() -> None:
    quote = price_energy(version=ZJ_2024, used_kwh=D(2700), energy=DayEnergy(D(100)), time_of_use=False)
    assert [(line.tier, line.energy_kwh, line.price) for line in quote.lines] == [
        (1, D("60.00"), D("0.538")),
        (2, D("40.00"), D("0.588")),
    ]
    assert quote.charge_fen == 5580


def test_a_day_can_cross_two_bounds() -> None:
    quote = price_energy(version=ZJ_2024, used_kwh=D(2750), energy=DayEnergy(D(2100)), time_of_use=False)
    assert [line.energy_kwh for line in quote.lines] == [D("10.00"), D("2040.00"), D("50.00")]
    assert quote.amount_micro_yuan == 10_00 * 5380 + 2040_00 * 5880 + 50_00 * 8380


def test_time_of_use_prices_each_register_per_tier() -> None:
    energy = DayEnergy(D(10), {PEAK: D(6), VALLEY: D(4)})
    quote = price_energy(version=ZJ_2024, used_kwh=D(0), energy=energy, time_of_use=True)
    assert quote.amount_micro_yuan == 600 * 5680 + 400 * 2880
    assert quote.charge_fen == 456  # 3.408 + 1.152 = 4.56 yuan


def test_time_of_use_registers_are_shared_among_tiers_in_proportion() -> None:
    energy = DayEnergy(D(10), {PEAK: D(6), VALLEY: D(4)})
    quote = price_energy(version=ZJ_2024, used_kwh=D(2755), energy=energy, time_of_use=True)
    by_line = {(line.tier, line.period): line.energy_kwh for line in quote.lines}
    assert by_line == {(1, PEAK): D(3), (1, VALLEY): D(2), (2, PEAK): D(3), (2, VALLEY): D(2)}


def test_without_time_of_use_every_kwh_is_flat() -> None:
    energy = DayEnergy(D(10), {PEAK: D(6), VALLEY: D(4)})
    quote = price_energy(version=ZJ_2024, used_kwh=D(0), energy=energy, time_of_use=False)
    assert {line.period for line in quote.lines} == {FLAT}
    assert quote.charge_fen == 538


def test_the_version_in_force_prices_the_day() -> None:
    assert ZJ_RAISED.version_on(date(2025, 6, 30)).tiers[0].price(FLAT) == D("0.538")
    assert ZJ_RAISED.version_on(date(2025, 7, 1)).tiers[0].price(FLAT) == D("0.5503")
    with pytest.raises(TariffNotInForce):
        ZJ.version_on(date(2023, 12, 31))


def test_bad_tariffs_are_refused() -> None:
    with pytest.raises(InvalidTariff):
        TariffVersion(date(2024, 1, 1), TierPeriod.YEAR, (Tier(D(100), {FLAT: D("0.5")}),))
    with pytest.raises(InvalidTariff):
        TariffVersion(
            date(2024, 1, 1),
            TierPeriod.YEAR,
            (Tier(D(100), {FLAT: D("0.5")}), Tier(D(50), {FLAT: D("0.6")}), Tier(None, {FLAT: D(1)})),
        )
    with pytest.raises(InvalidTariff):
        TariffVersion(date(2024, 1, 1), TierPeriod.YEAR, (Tier(None, {FLAT: D("0.53001")}),))


def test_time_of_use_energy_above_the_total_is_refused() -> None:
    with pytest.raises(InvalidEnergy):
        DayEnergy(D(5), {PEAK: D(4), VALLEY: D(2)})


@given(used=kwh, energy=kwh)
def test_tier_split_conserves_energy(used: D, energy: D) -> None:
    parts = split_by_tier_ckwh(tiers=ZJ_TIERS, used_ckwh=int(used * 100), energy_ckwh=int(energy * 100))
    assert sum(parts) == int(energy * 100)
    assert all(part >= 0 for part in parts)


@given(used=kwh, total=kwh, peak_pct=st.integers(0, 100), valley_pct=st.integers(0, 100))
def test_priced_lines_conserve_energy_per_period(used: D, total: D, peak_pct: int, valley_pct: int) -> None:
    peak = (total * peak_pct / 100).quantize(D("0.01"), rounding="ROUND_DOWN")
    valley = ((total - peak) * valley_pct / 100).quantize(D("0.01"), rounding="ROUND_DOWN")
    energy = DayEnergy(total, {PEAK: peak, VALLEY: valley})
    quote = price_energy(version=ZJ_2024, used_kwh=used, energy=energy, time_of_use=True)
    assert quote.energy_kwh == total
    for period, expected in ((PEAK, peak), (VALLEY, valley), (FLAT, total - peak - valley)):
        assert sum((line.energy_kwh for line in quote.lines if line.period is period), D(0)) == expected
