"""The SMS outbox's writes: rows inserted once by their key."""

from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import AutoField
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery

from gridpay.data.models import Notification

_INSERT_FIELDS = [f for f in Notification._meta.concrete_fields if not isinstance(f, AutoField)]


def insert_new(rows: Sequence[Notification]) -> int:
    """Inserts the rows whose key is not in the outbox yet, in their order, leaving the others alone; how many it
    inserted.

    Every SMS queued goes through here (a payment's, a reconnection's, a run of alerts): one INSERT ... ON CONFLICT
    DO NOTHING (SQLite: INSERT OR IGNORE) a batch, instead of a read of the keys queued, a savepoint and an insert.
    A key that another transaction is inserting meanwhile waits for it and is then left alone, as one at a time
    would. bulk_create(ignore_conflicts=True) would not say how many rows it inserted; the cursor's rowcount does.
    The rows' ids are not set (nothing reads them). The rows are whole (SQLite's OR IGNORE would also skip a row
    breaking NOT NULL or CHECK)."""
    size = max(connection.ops.bulk_batch_size(_INSERT_FIELDS, rows), 1)
    batches = [rows[start:start + size] for start in range(0, len(rows), size)]
    if len(batches) <= 1:  # one statement is atomic by itself
        return sum(map(_insert, batches))
    with transaction.atomic(savepoint=False):  # every batch or none
        return sum(map(_insert, batches))


def _insert(rows: Sequence[Notification]) -> int:
    query = InsertQuery(Notification, on_conflict=OnConflict.IGNORE)
    query.insert_values(_INSERT_FIELDS, list(rows))
    inserted = 0
    with connection.cursor() as cursor:
        for sql, params in query.get_compiler(connection=connection).as_sql():
            cursor.execute(sql, params)
            inserted += cursor.rowcount
    return inserted


_ATTEMPT_FIELDS = ("attempts", "provider_message_id", "last_error", "not_before", "status", "sent_at")


def record_attempts(rows: Sequence[Notification]) -> None:
    """Writes each row's attempt as set on it (attempts, provider's id, error, next try, status, sent instant), by id.

    Raw SQL, one executemany: a chunk of sends writes here each time it commits, and Django's bulk_update builds a
    CASE expression per row and column, costing more CPU than the statements it saves (about 1 ms an SMS)."""
    if not rows:
        return
    fields = [field for field in Notification._meta.concrete_fields if field.name in _ATTEMPT_FIELDS]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    values = [
        [*(field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields), row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {quote(Notification._meta.db_table)} SET {sets} WHERE id = %s", values)
