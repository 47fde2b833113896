"""Refuses to act today for a day still to come: a reminder goes out on its day, a round is ridden on its day."""

from datetime import date, datetime

from gridpay.application.errors import InvalidInput
from gridpay.data.settings import gridpay_settings
from gridpay.domain.business_time import business_day


def refuse_day_ahead(*, day: date, at: datetime, message: str, field: str = "date") -> None:
    """``message`` is the refusal's sentence with a ``{day}`` place; ``at`` is now."""
    if day > business_day(instant=at, zone=gridpay_settings().business_time_zone):
        raise InvalidInput(message, field=field, params={"day": day.isoformat()})
