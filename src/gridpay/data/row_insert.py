"""Rows inserted as Model.save() would insert them, by a statement written once per model: for the rows every payment
inserts (its transfer and the payment), where the ORM building its INSERT cost more than the database running it."""

from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


def insert(rows: Sequence[M]) -> list[M]:
    """Inserts ``rows`` (new instances of one model) in their order and sets their ids, which rise in that order.

    Each field's value is what save() would write (its pre_save, then its database value); no signals are sent, as
    bulk_create sends none. A broken constraint raises Django's IntegrityError, as save() does.
    """
    if not rows:
        return []
    model = type(rows[0])
    fields = _fields(model)
    per_statement = max(1, connection.ops.bulk_batch_size(fields, rows))
    with connection.cursor() as cursor:
        for first in range(0, len(rows), per_statement):
            chunk = rows[first : first + per_statement]
            values = [field.get_db_prep_save(field.pre_save(row, add=True), connection)
                      for row in chunk for field in fields]
            if connection.features.can_return_rows_from_bulk_insert:
                cursor.execute(_statement(model, len(chunk), returning=True), values)
                ids = [returned[0] for returned in cursor.fetchall()]
            else:  # an SQLite before 3.35 (no RETURNING): one row a statement, its id the last inserted
                ids = []
                for row_values in _rows_of(values, len(fields)):
                    cursor.execute(_statement(model, 1, returning=False), row_values)
                    ids.append(connection.ops.last_insert_id(cursor, model._meta.db_table, model._meta.pk.column))
            for row, row_id in zip(chunk, ids, strict=True):
                row.pk = row_id
                row._state.adding = False
                row._state.db = connection.alias
    return list(rows)


def _rows_of(values: list[Any], width: int) -> list[list[Any]]:
    return [values[first : first + width] for first in range(0, len(values), width)]


@cache
def _fields(model: type[Model]) -> list[Field]:  # type: ignore[type-arg]
    """The columns an insert writes: all but an automatic primary key."""
    return [field for field in model._meta.local_concrete_fields if field is not model._meta.auto_field]


@lru_cache(maxsize=64)  # by model and row count: a payment's one or two rows, a few batch sizes
def _statement(model: type[Model], rows: int, *, returning: bool) -> str:
    quote = connection.ops.quote_name
    fields = _fields(model)
    row = f"({', '.join(['%s'] * len(fields))})"
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
           f"VALUES {', '.join([row] * rows)}")
    return f"{sql} RETURNING {quote(model._meta.pk.column)}" if returning else sql
