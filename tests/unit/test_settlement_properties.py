"""Properties of daily settlement: days add up to the period, the batch agrees with the rules, money rounds once."""

from datetime import date, timedelta
from decimal import Decimal as D
from itertools import pairwise

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gridpay.domain.energy import DayEnergy, TouPeriod
from gridpay.domain.money import round_to_fen
from gridpay.domain.settlement import PeriodToDate, bill_month, settle_day
from gridpay.domain.settlement_batch import settle_batch
from gridpay.domain.tariffs import price_energy
from tests.unit.tariff_examples import MONTHLY, ZJ, ZJ_2024, ZJ_RAISED

daily_kwh = st.decimals(min_value=0, max_value=400, places=2)
START = date(2025, 6, 20)


@given(days=st.lists(daily_kwh, min_size=1, max_size=60))
def test_daily_charges_sum_to_the_charge_of_the_whole_period(days: list[D]) -> None:
    state = None
    charges = []
    for offset, kwh in enumerate(days):
        settled = settle_day(
            tariff=ZJ,
            day=date(2025, 1, 1) + timedelta(days=offset),
            energy=DayEnergy(kwh),
            time_of_use=False,
            before=state,
        )
        charges.append(settled.charge_fen)
        state = settled.after
    whole = price_energy(version=ZJ_2024, used_kwh=D(0), energy=DayEnergy(sum(days, D(0))), time_of_use=False)
    assert sum(charges) == whole.charge_fen
    assert all(charge >= 0 for charge in charges)


@given(total=st.decimals(min_value=0, max_value=9000, places=2), cuts=st.lists(st.integers(0, 900_000), max_size=30))
def test_any_split_of_the_energy_into_days_gives_the_same_period_charge(total: D, cuts: list[int]) -> None:
    points = sorted({min(c, int(total * 100)) for c in cuts} | {0, int(total * 100)})
    parts = [D(b - a) / 100 for a, b in pairwise(points)] or [D(0)]
    state = None
    charged = 0
    for offset, kwh in enumerate(parts):
        settled = settle_day(
            tariff=ZJ,
            day=date(2025, 1, 1) + timedelta(days=offset),
            energy=DayEnergy(kwh),
            time_of_use=False,
            before=state,
        )
        charged += settled.charge_fen
        state = settled.after
    assert (
        charged == price_energy(version=ZJ_2024, used_kwh=D(0), energy=DayEnergy(total), time_of_use=False).charge_fen
    )


@given(days=st.lists(daily_kwh, min_size=1, max_size=80))
def test_a_months_bill_equals_its_daily_charges_across_a_price_change(days: list[D]) -> None:
    series = [(START + timedelta(days=i), DayEnergy(kwh)) for i, kwh in enumerate(days)]
    state = None
    by_month: dict[date, int] = {}
    for day, energy in series:
        settled = settle_day(tariff=ZJ_RAISED, day=day, energy=energy, time_of_use=False, before=state)
        by_month[day.replace(day=1)] = by_month.get(day.replace(day=1), 0) + settled.charge_fen
        state = settled.after
    for month, charged in by_month.items():
        end = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        bill = bill_month(tariff=ZJ_RAISED, time_of_use=False, days=series, month_start=month, month_end=end)
        assert bill.amount_fen == charged


@given(kwh=daily_kwh)
def test_a_monthly_tier_period_starts_again_each_month(kwh: D) -> None:
    before = PeriodToDate(period_start=date(2025, 1, 1), used_kwh=D(500), amount_micro_yuan=123_456_789)
    settled = settle_day(tariff=MONTHLY, day=date(2025, 2, 1), energy=DayEnergy(kwh), time_of_use=False, before=before)
    assert settled.after.used_kwh == kwh
    assert settled.charge_fen == round_to_fen(micro_yuan=settled.quote.amount_micro_yuan)


account_day = st.tuples(
    st.integers(0, 600_000),  # used before, hundredths of a kWh
    st.integers(0, 40_000),  # energy of the day
    st.integers(0, 100),  # peak share, percent
    st.integers(0, 100),  # valley share of the rest, percent
    st.booleans(),  # state before is in the same period
)


@settings(max_examples=200)
@given(rows=st.lists(account_day, min_size=1, max_size=40), time_of_use=st.booleans())
def test_the_batch_settles_exactly_like_the_rules_one_account_at_a_time(
    rows: list[tuple[int, int, int, int, bool]], time_of_use: bool
) -> None:
    day = date(2025, 3, 1)
    expected = []
    for used, energy, peak_pct, valley_pct, same in rows:
        peak = energy * peak_pct // 100
        valley = (energy - peak) * valley_pct // 100
        before_amount = used * 5380  # any exact amount will do for the state before
        before = PeriodToDate(
            period_start=date(2025, 1, 1) if same else date(2024, 1, 1),
            used_kwh=D(used) / 100,
            amount_micro_yuan=before_amount,
        )
        energy_value = DayEnergy(D(energy) / 100, {TouPeriod.PEAK: D(peak) / 100, TouPeriod.VALLEY: D(valley) / 100})
        settled = settle_day(tariff=ZJ, day=day, energy=energy_value, time_of_use=time_of_use, before=before)
        expected.append((settled.charge_fen, int(settled.after.used_kwh * 100), settled.after.amount_micro_yuan))

    def array(values: list[int]) -> np.ndarray:  # type: ignore[type-arg]
        return np.array(values, dtype=np.int64)

    energies = [r[1] for r in rows]
    peaks = [r[1] * r[2] // 100 for r in rows]
    valleys = [(r[1] - p) * r[3] // 100 for r, p in zip(rows, peaks, strict=True)]
    result = settle_batch(
        version=ZJ_2024,
        time_of_use=time_of_use,
        same_period=np.array([r[4] for r in rows], dtype=np.bool_),
        used_ckwh_before=array([r[0] for r in rows]),
        amount_micro_yuan_before=array([r[0] * 5380 for r in rows]),
        total_ckwh=array(energies),
        tou_ckwh={
            TouPeriod.PEAK: array(peaks),
            TouPeriod.VALLEY: array(valleys),
            TouPeriod.SHARP: array([0] * len(rows)),
        },
    )
    actual = list(
        zip(
            result.charge_fen.tolist(),
            result.used_ckwh_after.tolist(),
            result.amount_micro_yuan_after.tolist(),
            strict=True,
        )
    )
    assert actual == expected
