"""The monthly reminder campaign's effect (seed 003, 12th–18th): payments per day inside and outside its days."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop

COUNT_PLACES = Decimal("0.1")


class CampaignDaysRefused(DomainError):
    code = "campaign_days_refused"


@dataclass(frozen=True)
class DayPayments:
    day: date
    payments: int
    amount_fen: int
    in_campaign: bool


@dataclass(frozen=True)
class DailyAverage:
    """Payments a day over ``days`` days: how many (to 0.1) and how much (fen, half up); None over no day."""

    days: int
    payments: Decimal | None
    amount_fen: int | None


@dataclass(frozen=True)
class CampaignEffect:
    inside: DailyAverage
    outside: DailyAverage

    @property
    def amount_ratio(self) -> Decimal | None:
        """A campaign day's amount over another day's, to 0.01 (2.50: two and a half times as much)."""
        if not self.inside.amount_fen or not self.outside.amount_fen:
            return None
        return (Decimal(self.inside.amount_fen) / Decimal(self.outside.amount_fen)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)


def check_campaign_days(*, first_day: int, last_day: int) -> None:
    if not 1 <= first_day <= last_day <= 31:
        raise CampaignDaysRefused(
            gettext_noop("催费活动日应为每月 1–31 日之间、首日不晚于末日，而不是 {first}–{last} 日"),
            field="campaign_days", params={"first": first_day, "last": last_day},
        )


def in_campaign(*, day: date, first_day: int, last_day: int) -> bool:
    return first_day <= day.day <= last_day


def campaign_effect(*, days: Iterable[DayPayments]) -> CampaignEffect:
    """The average day inside the campaign against the average day outside it, over the days given (the days
    counted so far: a day not yet over is left out by the caller)."""
    counted = list(days)
    inside = [d for d in counted if d.in_campaign]
    outside = [d for d in counted if not d.in_campaign]
    return CampaignEffect(inside=_average(inside), outside=_average(outside))


def _average(days: list[DayPayments]) -> DailyAverage:
    if not days:
        return DailyAverage(days=0, payments=None, amount_fen=None)
    n = Decimal(len(days))
    payments = (Decimal(sum(d.payments for d in days)) / n).quantize(COUNT_PLACES, rounding=ROUND_HALF_UP)
    amount = int((Decimal(sum(d.amount_fen for d in days)) / n).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return DailyAverage(days=len(days), payments=payments, amount_fen=amount)
