"""Instants read on PostgreSQL by psycopg's C loader (ADR 0045): the same values Django's own loader gives, aware and
in UTC, for any instant; and the loader stays in place on every cursor Django makes."""

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

from gridpay.data.instants_loader import TIMESTAMPTZ, UtcInstantLoader

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# The session's time zone is UTC (Django's), so every instant reaches the loader as UTC text: the instants drawn are
# UTC's, from before 1901 (PostgreSQL's and Python's oldest offsets differ) to well after 2038.
instants = st.datetimes(min_value=datetime(1901, 12, 14), max_value=datetime(2200, 12, 31),  # noqa: DTZ001
                        timezones=st.just(UTC))


def test_every_cursor_reads_instants_with_the_c_loader() -> None:
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
        assert loader is UtcInstantLoader
        assert loader.timezone == connection.timezone  # Django's check: it keeps the loader on its cursors
        cursor.execute("SELECT '2026-12-07 09:30:00.000001+08'::timestamptz")
        (value,) = cursor.fetchone()
        in_use = cursor.cursor._tx.get_loader(TIMESTAMPTZ, Format.TEXT)
    assert value == datetime(2026, 12, 7, 1, 30, 0, 1, tzinfo=UTC) and value.tzinfo is UTC
    # Each value goes to psycopg's C loader (psycopg[binary] is pinned), not through a Python parser.
    fastest = psycopg.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
    assert fastest is not TimestamptzLoader and isinstance(in_use.load.__self__, fastest)


@settings(max_examples=200, deadline=None)
@given(instant=instants)
def test_any_instant_reads_back_as_django_s_own_loader_reads_it(instant: datetime) -> None:
    statement = "SELECT %s::timestamptz, %s::timestamptz + interval '1 microsecond'"
    with connection.cursor() as cursor:
        cursor.execute(statement, [instant, instant])
        value, after = cursor.fetchone()
        register_tzloader(connection.timezone, cursor.cursor)  # Django's own, on this cursor alone
        cursor.execute(statement, [instant, instant])
        assert cursor.fetchone() == (value, after)
    assert value == instant and value.tzinfo is UTC
    assert after - value == timedelta(microseconds=1)


def test_a_null_instant_is_none_and_other_types_are_untouched() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT NULL::timestamptz, '2026-12-07 09:30'::timestamp, '2026-12-07'::date")
        assert cursor.fetchone() == (None, datetime(2026, 12, 7, 9, 30), datetime(2026, 12, 7).date())  # noqa: DTZ001
