"""The demo's household profile and generator: real-looking daily energy, households and payments, by seed."""

import random
import re
from dataclasses import replace
from datetime import date, timedelta
from statistics import mean

from gridpay.demo.households import (
    Payer,
    generate_households,
    payment_on,
    reading_on,
)
from gridpay.demo.profile import daily_energy_ckwh, load_profile
from gridpay.demo.villages import scheduled_villages

YEAR = [date(2025, 1, 1) + timedelta(days=n) for n in range(365)]


def test_the_profile_covers_every_calendar_day_with_plausible_figures() -> None:
    profile = load_profile()
    assert len(profile.days) == 366
    assert profile.on(date(2024, 2, 29)) is profile.days["02-29"]
    assert abs(mean(profile.on(day).shape for day in YEAR) - 1) < 0.01
    for shape in profile.days.values():
        assert 0.3 < shape.shape < 2
        assert 0.05 < shape.variability < 1
        assert 0.5 < shape.peak_share < 0.9


def test_daily_energies_are_positive_and_add_up_to_the_households_year() -> None:
    profile = load_profile()
    rng = random.Random(1)
    days = [daily_energy_ckwh(profile=profile, annual_kwh=2_400, day=day, rng=rng) for day in YEAR]
    assert all(0 < ckwh < 60_00 for ckwh in days)
    assert 2_400 * 0.9 < sum(days) / 100 < 2_400 * 1.1
    # Days differ from one another as a real household's do, not by a constant.
    assert len(set(days)) > 300


def test_readings_are_the_same_for_a_seed_and_differ_between_seeds() -> None:
    profile = load_profile()
    household = generate_households(count=30, seed=7, villages=scheduled_villages())[0]
    first = [reading_on(household=household, day=day, seed=7, profile=profile) for day in YEAR[:30]]
    again = [reading_on(household=household, day=day, seed=7, profile=profile) for day in YEAR[:30]]
    other = [reading_on(household=household, day=day, seed=8, profile=profile) for day in YEAR[:30]]
    assert first == again
    assert first != other


def test_time_of_use_days_split_into_peak_and_valley() -> None:
    profile = load_profile()
    households = generate_households(count=200, seed=3, villages=scheduled_villages())
    tou = next(h for h in households if h.time_of_use)
    for day in YEAR[:60]:
        r = reading_on(household=tou, day=day, seed=3, profile=profile)
        assert r.peak_ckwh is not None and r.valley_ckwh is not None
        assert r.peak_ckwh + r.valley_ckwh == r.total_ckwh
        assert r.peak_ckwh >= 0 and r.valley_ckwh >= 0


def test_households_are_deterministic_and_realistic() -> None:
    villages = scheduled_villages()
    households = generate_households(count=3000, seed=2024, villages=villages)
    assert households == generate_households(count=3000, seed=2024, villages=villages)
    assert households != generate_households(count=3000, seed=2025, villages=villages)

    assert len({h.account_no for h in households}) == 3000
    assert all(re.fullmatch(r"0595\d{6}", h.account_no) for h in households)
    assert {h.village for h in households} == {v.name for v in villages}
    typical = [h for h in households if 1_500 <= h.annual_kwh <= 4_000]
    assert len(typical) > 0.8 * len(households)
    heavy = [h for h in households if h.annual_kwh / 365 * 60 > 2_760]  # past tier 1 within 60 days
    assert 0 < len(heavy) < 0.06 * len(households)
    assert 0.2 < sum(h.time_of_use for h in households) / len(households) < 0.4
    protected = [h for h in households if h.protected_reason]
    assert 0 < len(protected) < 0.03 * len(households)
    assert all(3_000 <= h.opening_balance_fen <= 30_000 for h in households)
    assert all(h.start_total_ckwh > 0 for h in households)
    assert {h.payer for h in households} == set(Payer)
    channels = [h.channel for h in households]
    assert channels.count("wechat") + channels.count("alipay") > len(channels) / 2


def test_every_village_gets_households_and_the_centre_the_most() -> None:
    villages = scheduled_villages()
    assert len(villages) == 25
    households = generate_households(count=30, seed=1, villages=villages)
    assert {h.village for h in households} == {v.name for v in villages}
    town = generate_households(count=3000, seed=1, villages=villages)
    sizes = {v.name: sum(h.village == v.name for h in town) for v in villages}
    assert max(sizes, key=lambda name: sizes[name]) in {"码头村", "码头社区"}


def test_a_payment_of_a_day_carries_the_same_data_whatever_the_balance() -> None:
    household = generate_households(count=100, seed=5, villages=scheduled_villages())[0]
    prompt = replace(household, payer=Payer.AUTOPAY, channel="bank_withholding")
    day = date(2025, 3, 3)
    low = payment_on(household=prompt, day=day, balance_fen=-5_000, seed=5)
    lower = payment_on(household=prompt, day=day, balance_fen=-50_000, seed=5)
    assert low is not None and low == lower
    assert low.channel == "bank_withholding"
    assert low.channel_txn_id == f"DEMO{household.account_no}20250303"
    assert payment_on(household=prompt, day=day, balance_fen=100_000, seed=5) is None


def test_some_never_pay_and_late_payers_wait_for_arrears() -> None:
    household = generate_households(count=100, seed=5, villages=scheduled_villages())[0]
    never = replace(household, payer=Payer.NEVER)
    late = replace(household, payer=Payer.LATE)
    days = [date(2025, 3, 1) + timedelta(days=n) for n in range(60)]
    assert all(payment_on(household=never, day=d, balance_fen=-90_000, seed=5) is None for d in days)
    assert all(payment_on(household=late, day=d, balance_fen=1_000, seed=5) is None for d in days)
    paying_days = [d for d in days if payment_on(household=late, day=d, balance_fen=-1_000, seed=5)]
    assert 5 < len(paying_days) < 30
