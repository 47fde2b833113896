"""The system clock, read here and nowhere below: the current instant and today's business day."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from gridpay.data.settings import gridpay_settings
from gridpay.domain.business_time import business_day


def now() -> datetime:
    return timezone.now()


def today() -> date:
    return business_day(instant=now(), zone=gridpay_settings().business_time_zone)


def zone() -> ZoneInfo:
    """The utility's zone, for showing instants to people."""
    return gridpay_settings().zone
