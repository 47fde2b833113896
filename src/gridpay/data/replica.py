"""The reports' and exports' reads on the streaming replica (GRIDPAY_REPLICA_DATABASE_URL); all else on the primary."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

# The alias of the replica in settings.DATABASES; it exists only when GRIDPAY_REPLICA_DATABASE_URL is set, and the
# router below is installed only then.
REPLICA = "replica"
ROUTER = "gridpay.data.replica.ReplicaRouter"

_on_replica: ContextVar[bool] = ContextVar("gridpay_reads_on_replica", default=False)


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Reads inside go to the replica, when there is one. Only for reads that may be a moment behind the primary
    (a report, an export) and that follow no write of their own: a replica replays the primary's commits a little
    later. Also a decorator, for a use case that only reads."""
    token = _on_replica.set(True)
    try:
        yield
    finally:
        _on_replica.reset(token)


class ReplicaRouter:
    """Django's database router when a replica is configured (gridpay.config.settings)."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        # Inside a transaction on the primary a read must see that transaction's writes (and its locks): it stays.
        if _on_replica.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS  # a replica is read-only: every write, in or out of a report, goes to the primary

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # both aliases hold the same rows

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db != REPLICA  # the replica gets its schema by replication, never by `migrate --database replica`
