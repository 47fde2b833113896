"""The one conversion between instants (aware UTC datetimes) and business days in the utility's zone."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def business_day(*, instant: datetime, zone: str) -> date:
    if instant.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return instant.astimezone(ZoneInfo(zone)).date()


def minute_of_day(*, instant: datetime, zone: str) -> int:
    """Minutes since the business day's midnight, on the utility's clock."""
    local = instant.astimezone(ZoneInfo(zone))
    return local.hour * 60 + local.minute


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month_start(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def day_bounds(*, day: date, zone: str) -> tuple[datetime, datetime]:
    """The half-open period [start, end) of instants whose business day is ``day``, in UTC."""
    local = ZoneInfo(zone)
    start = datetime.combine(day, time.min, local)
    end = datetime.combine(day + timedelta(days=1), time.min, local)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_minute(*, instant: datetime | None, zone: str) -> str:
    """An instant as staff read it in a sentence: the utility's local date and minute (empty for none)."""
    return "" if instant is None else f"{instant.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"
