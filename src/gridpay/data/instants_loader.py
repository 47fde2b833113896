"""Instants (timestamptz) read by psycopg's C loader on PostgreSQL, where Django's own loader parses them in Python.

Django registers, on every connection, a subclass of psycopg's pure-Python timestamptz loader that sets the result's
time zone (Django ticket #36960; psycopg cannot let it subclass its C loader, psycopg issue #1273). Parsing one instant
that way costs about 2.7 µs, against 0.3 µs in C: a disconnection run reads a hundred thousand arrears instants, and the
gateway's claims and every list of commands or payments read them too (ADR 0045). The C loader returns the instant in
the session's time zone, which Django sets to UTC (USE_TZ), so the values are Django's own: aware, in UTC.
"""

from datetime import UTC
from typing import Any

import psycopg
from django.db.backends.signals import connection_created
from psycopg.abc import AdaptContext
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

TIMESTAMPTZ = psycopg.adapters.types["timestamptz"].oid


class UtcInstantLoader(TimestamptzLoader):
    """Django's check (``timezone``: the connection's own, so it keeps this loader) on psycopg's C loader's ``load``,
    which psycopg's adapters map hands out when its C extension is installed (the Python one otherwise)."""

    timezone = UTC

    def __init__(self, oid: int, context: AdaptContext | None = None):
        super().__init__(oid, context)
        fastest = psycopg.adapters.get_loader(oid, Format.TEXT)  # psycopg's own choice, not Django's subclass
        if fastest is not None:
            self.load = fastest(oid, context).load  # type: ignore[method-assign]


def use_c_instant_loader(sender: Any, connection: Any, **kwargs: Any) -> None:
    """On each new PostgreSQL connection whose instants Django wants in UTC (every one of ours: USE_TZ, no TIME_ZONE of
    the database's own)."""
    if connection.vendor == "postgresql" and connection.timezone == UTC:
        connection.connection.adapters.register_loader(TIMESTAMPTZ, UtcInstantLoader)


def connect() -> None:
    connection_created.connect(use_c_instant_loader, dispatch_uid="gridpay.instants_loader")
