"""Bulk writes for batch runs: COPY on PostgreSQL, executemany on SQLite."""

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
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


def refresh_statistics(table: str) -> None:
    """The planner's statistics of ``table`` taken again (PostgreSQL's ANALYZE; SQLite plans without them), after a
    write that changes what most of its rows look like. A day's plan of a million reads, before autovacuum had looked,
    left the statistics saying a thousand were due: the claims then joined and sorted all of them, 22 s a wave,
    instead of reading 40,000 off their index in 0.7 s (ADR 0038)."""
    if on_postgresql():
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")


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


_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def int_columns(query: str, params: Mapping[str, Any], count: int) -> list["npt.NDArray[np.int64]"]:
    """The ``count`` columns of a query's rows, each a bigint that is never NULL, as arrays. On PostgreSQL the rows
    come as COPY's binary format, read straight into the arrays: every row is then the same bytes (the field count,
    and a length and eight bytes per field), so numpy lays them out at once, where a Python object per value costs
    more than the query (a settlement run reads fifteen columns of a million accounts). Elsewhere, fetched rows."""
    with connection.cursor() as cursor:
        if not on_postgresql():
            cursor.execute(query, params)
            rows = cursor.fetchall()
            return [np.array(column, dtype=np.int64) for column in zip(*rows, strict=True)] if rows else [
                np.zeros(0, dtype=np.int64) for _ in range(count)]
        statement = f"COPY ({query}) TO STDOUT (FORMAT binary)"
        blocks: list[bytes] = []

        def copy_rows(*_: Any) -> None:
            with connection.wrap_database_errors, cursor.cursor.copy(statement, params) as copy:
                blocks.extend(bytes(block) for block in copy)

        _through_execute_wrappers(statement, copy_rows, cursor)
        data = b"".join(blocks)
    if not data.startswith(_COPY_SIGNATURE):
        raise ValueError("not COPY's binary format")
    extension = int.from_bytes(data[15:19], "big")
    body = memoryview(data)[19 + extension : len(data) - 2]  # after the header, before the trailer's -1
    row = np.dtype([("fields", ">i2"), *((f, t) for i in range(count) for f, t in ((f"length{i}", ">i4"),
                                                                                    (f"value{i}", ">i8")))])
    rows = np.frombuffer(body, dtype=row)
    if len(rows) and (np.any(rows["fields"] != count)
                      or any(np.any(rows[f"length{i}"] != 8) for i in range(count))):
        raise ValueError(f"int_columns: every row must be {count} bigints that are not NULL")
    return [rows[f"value{i}"].astype(np.int64) for i in range(count)]


# --- a batch's columns, by COPY's binary format ------------------------------------------------------------------

EPOCH = date(2000, 1, 1)  # PostgreSQL's: its dates and instants count from here
_EPOCH_INSTANT = datetime(2000, 1, 1, tzinfo=UTC)
ColumnKind = Literal["bigint", "day", "instant", "hundredths", "text"]


@dataclass(frozen=True)
class Column:
    """A column of a batch to insert: an array of a value a row, or one value for every row. ``bigint``: integers;
    ``day``: day_number()s, or a date; ``instant``: an aware datetime; ``hundredths``: a decimal column with two places
    given in hundredths (fen, hundredths of a kWh); ``text``: one string."""

    kind: ColumnKind
    values: Any


def day_number(day: date) -> int:
    """A date as PostgreSQL's binary format counts it: days since 2000-01-01."""
    return (day - EPOCH).days


def insert_columns(table: str, columns: Mapping[str, Column], *, count: int) -> None:
    """``count`` rows given as columns. On PostgreSQL, COPY in its binary format, laid out by numpy: each value at its
    place in a fixed-size row, with no text to format here nor to parse in the server (a settlement run writes a
    million settlements and as many transfers). Elsewhere, insert_rows."""
    if not count:
        return
    if not on_postgresql():
        values = [_python_values(column, count) for column in columns.values()]
        insert_rows(table, tuple(columns), list(zip(*values, strict=True)), plain=True)
        return
    layout: list[tuple[Any, ...]] = [("fields", ">i2")]
    laid_out = [_binary_value(column, count) for column in columns.values()]
    for i, (_, field, _) in enumerate(laid_out):
        layout += [(f"length{i}", ">i4"), (f"value{i}", *field)]
    rows = np.empty(count, dtype=np.dtype(layout))
    rows["fields"] = len(columns)
    for i, (size, _, value) in enumerate(laid_out):
        rows[f"length{i}"] = size
        rows[f"value{i}"] = value
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT binary)"
    data = memoryview(_COPY_SIGNATURE + bytes(8) + rows.tobytes() + b"\xff\xff")
    with connection.cursor() as cursor:

        def copy_rows(*_: Any) -> None:
            with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
                for first in range(0, len(data), _BINARY_BLOCK):
                    copy.write(data[first : first + _BINARY_BLOCK])

        _through_execute_wrappers(statement, copy_rows, cursor)


_BINARY_BLOCK = 1 << 20  # bytes handed to COPY at a time
_HUNDREDTHS_LIMIT = 10**14  # four base-10000 digits, the last two places after the point: below 10^12 before it
def _binary_value(column: Column, count: int) -> tuple[int, tuple[Any, ...], Any]:
    """The column's length field, its numpy field type and its values, as the binary row layout holds them."""
    values = column.values
    if column.kind == "bigint":
        return 8, (">i8",), values
    if column.kind == "day":
        return 4, (">i4",), day_number(values) if isinstance(values, date) else values
    if column.kind == "instant":
        return 8, (">i8",), (values - _EPOCH_INSTANT) // timedelta(microseconds=1)
    if column.kind == "text":
        return len(values.encode()), (f"S{len(values.encode())}",), values.encode()
    # numeric's binary form: ndigits, weight, sign, dscale, then the base-10000 digits (always four here, weight 2:
    # the server strips leading and trailing zero digits as it stores the value)
    hundredths = np.broadcast_to(np.asarray(values, dtype=np.int64), (count,))
    magnitude = np.abs(hundredths)
    if np.any(magnitude >= _HUNDREDTHS_LIMIT):
        raise ValueError(f"{column}: a value of 10^12 or more does not fit four base-10000 digits")
    whole, fraction = np.divmod(magnitude, 100)
    numeric = np.empty((count, 8), dtype=np.int64)
    numeric[:, 0], numeric[:, 1], numeric[:, 3] = 4, 2, 2
    numeric[:, 2] = np.where(hundredths < 0, 0x4000, 0)
    numeric[:, 4] = whole // 10**8
    numeric[:, 5] = whole // 10**4 % 10**4
    numeric[:, 6] = whole % 10**4
    numeric[:, 7] = fraction * 100
    return 16, (">i2", (8,)), numeric


def _python_values(column: Column, count: int) -> list[Any]:
    values = column.values
    if column.kind in ("instant", "text") or (column.kind == "day" and isinstance(values, date)):
        return [values] * count
    if column.kind == "day":
        return [EPOCH + timedelta(days=n) for n in np.asarray(values).tolist()]
    if column.kind == "hundredths":
        return decimal_column(np.broadcast_to(np.asarray(values, dtype=np.int64), (count,)))
    integers: list[Any] = np.broadcast_to(np.asarray(values, dtype=np.int64), (count,)).tolist()
    return integers


def decimal_column(hundredths: "npt.NDArray[np.int64]") -> list[float]:
    """Hundredths (of a kWh, of a yuan) as values for a two-place decimal column, exactly and cheaply: ``n / 100`` is
    the double nearest to the two-place decimal, and its shortest repr is that decimal for any value of up to 15
    significant digits (the columns hold 12 and 14)."""
    values: list[float] = (hundredths / 100).tolist()
    return values
