"""The campaign's effect: the average day inside the campaign days against the average day outside them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.campaign_effect import (
    CampaignDaysRefused,
    DayPayments,
    campaign_effect,
    check_campaign_days,
    in_campaign,
)

JUNE = date(2025, 6, 1)


def _days(amounts: list[int]) -> list[DayPayments]:
    return [DayPayments(JUNE + timedelta(days=n), 1 if fen else 0, fen,
                        in_campaign(day=JUNE + timedelta(days=n), first_day=12, last_day=18))
            for n, fen in enumerate(amounts)]


def test_averages_are_per_day_half_up() -> None:
    amounts = [0] * 30
    amounts[11], amounts[12], amounts[19] = 1_000, 1_001, 700  # the 12th and 13th in the campaign, the 20th not
    effect = campaign_effect(days=_days(amounts))
    assert (effect.inside.days, effect.inside.payments, effect.inside.amount_fen) == (7, Decimal("0.3"), 286)
    assert (effect.outside.days, effect.outside.payments, effect.outside.amount_fen) == (23, Decimal("0.0"), 30)
    assert effect.amount_ratio == Decimal("9.53")


def test_no_day_counted_has_no_average() -> None:
    effect = campaign_effect(days=[])
    assert effect.inside.amount_fen is None and effect.amount_ratio is None


@given(amounts=st.lists(st.integers(0, 10**6), min_size=28, max_size=31))
def test_the_averages_weigh_back_to_the_months_total(amounts: list[int]) -> None:
    effect = campaign_effect(days=_days(amounts))
    assert effect.inside.days + effect.outside.days == len(amounts)
    inside, outside = effect.inside, effect.outside
    weighed = inside.days * (inside.amount_fen or 0) + outside.days * (outside.amount_fen or 0)
    assert abs(weighed - sum(amounts)) <= (effect.inside.days + effect.outside.days) // 2 + 1


@pytest.mark.parametrize(("first", "last"), [(18, 12), (0, 5), (20, 32)])
def test_campaign_days_outside_a_month_are_refused(first: int, last: int) -> None:
    with pytest.raises(CampaignDaysRefused) as refused:
        check_campaign_days(first_day=first, last_day=last)
    assert refused.value.field == "campaign_days"
