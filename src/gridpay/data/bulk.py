"""Bulk writes for batch runs: COPY on PostgreSQL, executemany on SQLite."""

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import connection
from django.db.models import Field, ForeignObject, Lookup, Q


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def sql_date(day: date) -> Any:
    """SQLite keeps dates as ISO text; PostgreSQL takes the date itself."""
    return day if on_postgresql() else day.isoformat()


def _sqlite_value(value: Any) -> Any:
    # Store dates and instants exactly as Django's own SQLite backend does.
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


_AS_THEY_ARE = {int, str, float, bool, bytes, type(None), Decimal}


def _sqlite_rows(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """The rows with their dates and instants adapted, column by column: most columns of a batch hold numbers only,
    found so at C speed, and a column of dates (often one day, one instant) is adapted once per distinct value."""
    columns = list(zip(*rows, strict=True))
    for i, column in enumerate(columns):
        if not set(map(type, column)) <= _AS_THEY_ARE:
            try:
                # Keyed by type too: 1, 1.0 and True are equal keys, and each must stay what it is.
                adapted = {key: _sqlite_value(key[1]) for key in {(type(value), value) for value in column}}
                columns[i] = tuple(adapted[type(value), value] for value in column)
            except TypeError:  # a value that cannot be a key (a JSON document): adapted one by one
                columns[i] = tuple(map(_sqlite_value, column))
    return list(zip(*columns, strict=True))


def insert_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, plain: bool = False) -> None:
    """The rows, by COPY on PostgreSQL. ``plain``: each value's str() is its COPY text (ints, floats, dates, instants,
    words: no None, tab, newline or backslash), so the rows are formatted here a block at a time, three times faster
    than the driver's row by row (a settlement run formats a million settlements and as many transfers)."""
    if not rows:
        return
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if on_postgresql():
            statement = f"COPY {table} ({names}) FROM STDIN"

            def copy_rows(*_: Any) -> None:
                # The driver's own errors (a unique violation from COPY) become Django's, as every other query's do.
                with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
                    if plain:
                        for first in range(0, len(rows), _PLAIN_BLOCK):
                            copy.write(_plain_text(rows[first : first + _PLAIN_BLOCK]))
                        return
                    for row in rows:
                        copy.write_row(row)

            _through_execute_wrappers(statement, copy_rows, cursor)
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", _sqlite_rows(rows))


_PLAIN_BLOCK = 10_000  # rows formatted and handed to COPY at a time


def _plain_text(rows: Sequence[Sequence[Any]]) -> str:
    """COPY text of plain rows. A column of anything but numbers (dates, instants: often one day, one instant) is
    turned to text once per distinct value, as str() of an instant costs a microsecond."""
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for i, column in enumerate(columns):
        if type(column[0]) not in (int, float):
            texts = {value: str(value) for value in set(column)}
            columns[i] = [texts[value] for value in column]
    return "".join(["\t".join(row) + "\n" for row in zip(*map(_texts, columns), strict=True)])


def _texts(column: Sequence[Any]) -> Sequence[str]:
    return column if type(column[0]) is str else list(map(str, column))


def set_by_id(table: str, column: str, values: Mapping[int, int], *, also: Mapping[str, Any] | None = None) -> None:
    """Set ``column`` (an integer) of each row id → value, and each of ``also``'s columns to its one value, in one
    statement on PostgreSQL: Django's bulk_update writes a CASE per row, quadratic in a batch run."""
    if not values:
        return
    extra = dict(also or {})
    with connection.cursor() as cursor:
        if on_postgresql():
            sets = ", ".join([f"{column} = v.value", *(f"{name} = %s" for name in extra)])
            cursor.execute(
                f"UPDATE {table} AS r SET {sets} FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, value) "
                "WHERE r.id = v.id",
                [*extra.values(), array_literal(values.keys()), array_literal(values.values())],
            )
            return
        sets = ", ".join([f"{column} = %s", *(f"{name} = %s" for name in extra)])
        constants = [_sqlite_value(value) for value in extra.values()]
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s",
                           [(value, *constants, row) for row, value in values.items()])


def _through_execute_wrappers(sql: str, run: Callable[..., None], cursor: Any) -> None:
    """COPY is the driver's own call: it goes through the wrappers installed with connection.execute_wrapper() as
    every other statement does (instrumentation, and the fault campaign's crashes)."""
    call: Callable[..., None] = run
    for wrapper in reversed(connection.execute_wrappers):
        call = partial(wrapper, call)
    call(sql, None, True, {"connection": connection, "cursor": cursor})


def array_literal(values: Iterable[int]) -> str:
    """A PostgreSQL bigint[] literal, for a parameter of many ids or amounts."""
    return "{" + ",".join(map(str, values)) + "}"


def among(field: str, ids: Collection[int]) -> Q:
    """Rows whose ``field`` is one of a batch's ``ids``. On PostgreSQL ``field = ANY(array)``, one array parameter: a
    list of a hundred thousand ids would be quoted into the statement and parsed there one literal at a time, and an
    ``IN (SELECT unnest(…))`` is a join, which a table's stale statistics can plan as a nested loop over the whole
    table for each id (a disconnection run's own new commands, on a table analysed while nearly empty: 174 s instead of
    6 s for 100,000 accounts, measured)."""
    if on_postgresql():
        return Q(**{f"{field}__{_AnyOf.lookup_name}": array_literal(ids)})
    return Q(**{f"{field}__in": list(ids)})


class _AnyOf(Lookup):  # type: ignore[type-arg]
    """``field = ANY(%s::bigint[])``, the right-hand side a bigint[] literal (among())."""

    lookup_name = "gridpay_any_of"
    prepare_rhs = False  # the literal is not one of the field's values

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs}::bigint[])", [*lhs_params, *rhs_params]


Field.register_lookup(_AnyOf)
ForeignObject.register_lookup(_AnyOf)  # a key's column (meter_id) has the relations' own lookups
