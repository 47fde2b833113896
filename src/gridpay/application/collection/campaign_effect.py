"""The reminder campaign's effect on a month (seed 003): payments per day from the 1st to the last, campaign days
marked, and the average day inside the campaign against the average day outside it."""

from dataclasses import dataclass
from datetime import date, timedelta

from gridpay.data.queries.reports import payments_per_day
from gridpay.data.replica import reading_from_replica
from gridpay.data.settings import gridpay_settings
from gridpay.domain.business_time import month_start, next_month_start
from gridpay.domain.campaign_effect import (
    CampaignEffect,
    DayPayments,
    campaign_effect,
    check_campaign_days,
    in_campaign,
)


@dataclass(frozen=True)
class MonthCampaign:
    month: date
    cut_off: date  # the last day counted in the averages: the month's last, or yesterday while it runs
    in_progress: bool  # the month holds today, which is shown but not averaged
    first_day: int  # the campaign's days of the month
    last_day: int
    days: list[DayPayments]  # every day of the month; days after the cut-off have none yet
    effect: CampaignEffect


@reading_from_replica()
def month_campaign_effect(*, month: date, today: date, first_day: int | None = None,
                          last_day: int | None = None) -> MonthCampaign:
    """Today is not over, so it is shown but not averaged. The campaign's days are the station's settings
    (GRIDPAY_CAMPAIGN_FIRST_DAY, _LAST_DAY) unless others are asked about."""
    settings = gridpay_settings()
    first_day = settings.campaign_first_day if first_day is None else first_day
    last_day = settings.campaign_last_day if last_day is None else last_day
    check_campaign_days(first_day=first_day, last_day=last_day)
    first = month_start(month)
    last = next_month_start(first) - timedelta(days=1)
    cut_off = min(last, today - timedelta(days=1))
    paid = payments_per_day(first_day=first, last_day=last)
    days = [DayPayments(day, *paid.get(day, (0, 0)), in_campaign=in_campaign(day=day, first_day=first_day,
                                                                                last_day=last_day))
            for day in (first + timedelta(days=n) for n in range((last - first).days + 1))]
    return MonthCampaign(month=first, cut_off=cut_off, in_progress=first <= today <= last, first_day=first_day,
                         last_day=last_day, days=days,
                         effect=campaign_effect(days=[d for d in days if d.day <= cut_off]))
