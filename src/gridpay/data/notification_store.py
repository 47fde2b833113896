"""The SMS outbox's writes: rows inserted once by their key."""

from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import AutoField
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery

from gridpay.data.models import Notification


def insert_new(rows: Sequence[Notification]) -> int:
    """Inserts the rows whose key is not in the outbox yet, in their order, leaving the others alone; how many it
    inserted.

    Every SMS queued goes through here (a payment's, a reconnection's, a run of alerts): one INSERT ... ON CONFLICT
    DO NOTHING (SQLite: INSERT OR IGNORE) a batch, instead of a read of the keys queued, a savepoint and an insert.
    A key that another transaction is inserting meanwhile waits for it and is then left alone, as one at a time
    would. bulk_create(ignore_conflicts=True) would not say how many rows it inserted; the cursor's rowcount does.
    The rows' ids are not set (nothing reads them). The rows are whole (SQLite's OR IGNORE would also skip a row
    breaking NOT NULL or CHECK)."""
    fields = [f for f in Notification._meta.concrete_fields if not isinstance(f, AutoField)]
    size = max(connection.ops.bulk_batch_size(fields, rows), 1)
    batches = [rows[start:start + size] for start in range(0, len(rows), size)]
    if len(batches) <= 1:  # one statement is atomic by itself
        return sum(map(_insert, batches))
    with transaction.atomic(savepoint=False):  # every batch or none
        return sum(map(_insert, batches))


def _insert(rows: Sequence[Notification]) -> int:
    fields = [f for f in Notification._meta.concrete_fields if not isinstance(f, AutoField)]
    query = InsertQuery(Notification, on_conflict=OnConflict.IGNORE)
    query.insert_values(fields, list(rows))
    inserted = 0
    with connection.cursor() as cursor:
        for sql, params in query.get_compiler(connection=connection).as_sql():
            cursor.execute(sql, params)
            inserted += cursor.rowcount
    return inserted
