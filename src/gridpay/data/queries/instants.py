"""Timers kept in rows (a row falls due at one of its instants, plus a delay): which rows are due, and when the next
falls due, for several timers in one statement."""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, models
from django.db.models import DateTimeField, Q, Value


@dataclass(frozen=True)
class Timer:
    """The rows of ``model`` meeting ``condition`` fall due at their ``column`` (an instant; none while it is null)
    plus ``delay``."""

    model: type[models.Model]
    condition: Q
    column: str
    delay: timedelta = timedelta(0)

    def due(self, at: datetime) -> Q:
        """The rows due at ``at``."""
        return self.condition & Q(**{f"{self.column}__lte": at - self.delay})

    def first(self) -> "models.QuerySet[Any, Any]":
        """The instant its first row falls due, less the delay: one row of one column, or none."""
        return (
            self.model._default_manager.filter(self.condition, **{f"{self.column}__isnull": False})
            .order_by(self.column).values(self.column)[:1]
        )


def next_due(timers: Sequence[Timer]) -> list[datetime | None]:
    """When each timer's first row falls due (None: no row waits on it), as the rows stand: in one statement,
    ``SELECT (first of timer 1), (first of timer 2), …``.

    The demo town asks when the head-end's work next falls due after each piece of that work, thousands of times a
    run, of timers on two tables: one statement instead of one a table. Each part is compiled by Django as it would
    run it (its parameters adapted alike), once for the process (the statement has no instant in it: the delays are
    added here), and the instants come back through the backend's converters (SQLite's are text)."""
    if not timers:
        return []
    sql, params = _compiled(tuple(timers), connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    instant = Value(None, output_field=DateTimeField())
    converters = connection.ops.get_db_converters(instant)
    found: list[datetime | None] = []
    for timer, value in zip(timers, row, strict=True):
        first = value
        for convert in converters:
            first = convert(first, instant, connection)
        found.append(None if first is None else first + timer.delay)
    return found


@functools.cache
def _compiled(timers: tuple[Timer, ...], vendor: str) -> tuple[str, tuple[Any, ...]]:
    parts: list[str] = []
    params: list[Any] = []
    for timer in timers:
        sql, part_params = timer.first().query.sql_with_params()
        parts.append(f"({sql})")
        params += part_params
    return "SELECT " + ", ".join(parts), tuple(params)
