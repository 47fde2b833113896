"""How an account's fired alerts are kept in its ``alerts_fired`` column (AlertKind values, sorted, comma-separated),
and which business days' alerts were evaluated."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Max

from gridpay.data.models import Account, AlertDay
from gridpay.domain.alerts import AlertKind


def fired_from_column(text: str) -> frozenset[AlertKind]:
    return frozenset(AlertKind(kind) for kind in text.split(",") if kind)


def fired_to_column(fired: Iterable[AlertKind]) -> str:
    return ",".join(sorted(fired))


def set_alert_states(states: Iterable[tuple[int, str, datetime | None]]) -> None:
    """Each account's (id) ``alerts_fired`` column and ``arrears_since`` as the alerts after a settlement leave them, in
    one executemany: Django's bulk_update writes a CASE per account and column, and compiling it was most of a daily
    run's writing."""
    adapt = connection.ops.adapt_datetimefield_value
    rows = [(fired, adapt(since), account_id) for account_id, fired, since in states]
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Account._meta.db_table} SET alerts_fired = %s, arrears_since = %s WHERE id = %s", rows
        )


def mark_alerts_evaluated(*, day: date, at: datetime) -> None:
    """Every account's alerts of ``day`` were evaluated (the first time is kept)."""
    AlertDay.objects.get_or_create(day=day, defaults={"evaluated_at": at})


def days_without_alerts(*, through: date) -> list[date]:
    """The days through ``through`` whose alerts are still to be evaluated, in date order: every day after the last one
    evaluated (none evaluated yet: ``through`` alone, rather than the whole history)."""
    last: date | None = AlertDay.objects.filter(day__lte=through).aggregate(last=Max("day"))["last"]
    if last is None:
        return [through]
    return [last + timedelta(days=n) for n in range(1, (through - last).days + 1)]
