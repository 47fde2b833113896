"""Timers kept in rows (a row falls due at one of its instants, plus a delay): which rows are due, and when the next
falls due, for several timers in one statement."""

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models import DateTimeField, Q, QuerySet, Value
from django.db.models.query import RawQuerySet


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
        return self.due_by_column(at - self.delay)

    def due_by_column(self, instant: datetime) -> Q:
        """The rows whose ``column`` is at ``instant`` or before (due at ``instant`` plus the delay)."""
        return self.condition & Q(**{f"{self.column}__lte": instant})

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


M = TypeVar("M", bound=models.Model)


def rows_due(
    timers: Sequence[Timer], at: datetime, query: Callable[..., "QuerySet[M, Any]"]
) -> "RawQuerySet[M]":
    """The rows of ``query(*conditions)``, a condition per timer: its rows due at ``at``.

    The sweep of the head-end reads its due rows thousands of times a demo run, and building the ORM's statement (a
    subquery, flags, a lock) cost several times what the database did: it is compiled by Django once for the process,
    with a stand-in instant per timer, and each run puts the timers' instants (``at`` less each delay) in their
    place. ``query`` builds the same statement whatever the instants."""
    compiled = _compiled_with_instants(tuple(timers), query, connection.vendor)
    model: type[M] = compiled[0]
    sql, params, slots = compiled[1:]
    instants = [connection.ops.adapt_datetimefield_value(at - timer.delay) for timer in timers]
    return model._default_manager.raw(
        sql, [param if slot is None else instants[slot] for param, slot in zip(params, slots, strict=True)]
    )


# Instants no timer's row ever holds, each told from the others by its second.
_STAND_INS = [datetime(1901, 1, 1, 0, 0, second, tzinfo=UTC) for second in range(60)]


@functools.cache
def _compiled_with_instants(
    timers: tuple[Timer, ...], query: Callable[..., "QuerySet[Any, Any]"], vendor: str
) -> tuple[type[Any], str, tuple[Any, ...], tuple[int | None, ...]]:
    """The model of the rows, the statement and its parameters, with the place of each timer's instant among them
    (None: a parameter of its own)."""
    stand_ins = _STAND_INS[: len(timers)]
    built = query(*(t.due_by_column(s) for t, s in zip(timers, stand_ins, strict=True)))
    sql, params = built.query.sql_with_params()
    adapted: list[Any] = [connection.ops.adapt_datetimefield_value(s) for s in stand_ins]
    slots = tuple(adapted.index(p) if isinstance(p, str | datetime) and p in adapted else None for p in params)
    if sum(slot is not None for slot in slots) < len(timers):
        raise ValueError("each timer's instant must be a parameter of the statement")
    return built.model, sql, tuple(params), slots
