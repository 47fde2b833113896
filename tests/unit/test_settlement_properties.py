"""Properties of daily settlement: days add up to the period, the batch agrees with the rules, money rounds once."""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal as D
from itertools import pairwise

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gridpay.domain.energy import DayEnergy, TouPeriod
from gridpay.domain.money import round_to_fen
from gridpay.domain.settlement import PeriodToDate, bill_month, opening_position, settle_day
from gridpay.domain.settlement_batch import BillDays, bill_batch, settle_batch
from gridpay.domain.tariffs import Tariff, period_start, price_energy
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


FIRST = date(2025, 5, 20)  # the first day of the columns: before the months billed, after a price change's period
billed_account = st.tuples(
    st.integers(0, 90),  # prepaid since, days after FIRST
    st.integers(0, 300_000),  # opening tier usage billed postpaid, hundredths of a kWh
    st.lists(st.one_of(st.none(), st.tuples(st.integers(0, 40_000), st.integers(0, 100), st.integers(0, 100))),
             min_size=105, max_size=105),  # each day: no reading, or (energy, peak %, valley % of the rest)
)


# No deadline: an example prices up to 8 accounts × 105 days both ways, which a loaded machine may take a while over.
@settings(max_examples=100, deadline=None)
@given(
    accounts=st.lists(billed_account, min_size=1, max_size=8),
    tariff=st.sampled_from([ZJ_RAISED, MONTHLY]),
    time_of_use=st.booleans(),
    month=st.sampled_from([date(2025, 6, 1), date(2025, 7, 1), date(2025, 8, 1)]),
)
def test_the_batch_bills_a_month_exactly_like_the_rules_one_account_at_a_time(
    accounts: list[tuple[int, int, list[tuple[int, int, int] | None]]], tariff: Tariff, time_of_use: bool,
    month: date,
) -> None:
    end = date(month.year, month.month + 1, 1)
    expected, since_ordinals, opening_starts = [], [], []
    for prepaid_offset, opening_ckwh, days in accounts:
        prepaid_since = FIRST + timedelta(days=prepaid_offset)
        opening = opening_position(tariff=tariff, prepaid_since=prepaid_since, used_kwh=D(opening_ckwh) / 100)
        # As issue_monthly_bill reads them: from the month's tier period start, or the first prepaid day if later.
        since = max(period_start(tier_period=tariff.version_on(month).tier_period, day=month), prepaid_since)
        series = [(FIRST + timedelta(days=i), _energy(*day)) for i, day in enumerate(days)
                  if day is not None and FIRST + timedelta(days=i) >= since]
        bill = bill_month(tariff=tariff, time_of_use=time_of_use, days=series, month_start=month, month_end=end,
                          opening=opening)
        expected.append((int(bill.energy_kwh * 100), bill.amount_fen))
        since_ordinals.append(since.toordinal())
        opening_starts.append(opening.period_start.toordinal())

    def column(pick: Callable[[int, int, int], int]) -> np.ndarray:  # type: ignore[type-arg]
        return np.array([[0 if d is None else pick(*d) for d in days] for _, _, days in accounts], dtype=np.int64)

    result = bill_batch(
        tariff=tariff,
        time_of_use=time_of_use,
        days=BillDays(
            first_day=FIRST,
            read=np.array([[d is not None for d in days] for _, _, days in accounts], dtype=np.bool_),
            total_ckwh=column(lambda energy, _p, _v: energy),
            tou_ckwh={TouPeriod.PEAK: column(_peak), TouPeriod.VALLEY: column(_valley),
                      TouPeriod.SHARP: column(lambda *_: 0)},
        ),
        since=np.array(since_ordinals, dtype=np.int64),
        opening_period_start=np.array(opening_starts, dtype=np.int64),
        opening_used_ckwh=np.array([a[1] for a in accounts], dtype=np.int64),
        month_start=month,
        month_end=end,
    )
    assert list(zip(result.energy_ckwh.tolist(), result.amount_fen.tolist(), strict=True)) == expected


def _peak(energy: int, peak_pct: int, _valley_pct: int) -> int:
    return energy * peak_pct // 100


def _valley(energy: int, peak_pct: int, valley_pct: int) -> int:
    return (energy - _peak(energy, peak_pct, valley_pct)) * valley_pct // 100


def _energy(energy: int, peak_pct: int, valley_pct: int) -> DayEnergy:
    peak, valley = _peak(energy, peak_pct, valley_pct), _valley(energy, peak_pct, valley_pct)
    return DayEnergy(D(energy) / 100, {TouPeriod.PEAK: D(peak) / 100, TouPeriod.VALLEY: D(valley) / 100})
