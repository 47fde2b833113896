"""Brings the embedded SQLite database up to date by itself; on PostgreSQL names what is missing and asks for
`gridpay migrate`."""

import sys
from collections.abc import Callable
from typing import Any

from django.core.management import call_command
from django.core.management.commands.migrate import Command as Migrate
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.migration import Migration

LISTED = 10  # a database never migrated lacks dozens: the first ones and the count say enough
Progress = Callable[[int, int], None]


def pending_migrations() -> list[tuple[Migration, bool]]:
    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def ensure_schema(*, pending: list[tuple[Migration, bool]] | None = None, on_progress: Progress | None = None) -> None:
    """Applies what ``pending_migrations`` found (read again unless given), telling ``on_progress`` of each."""
    pending = pending_migrations() if pending is None else pending
    if not pending:
        return
    if connection.vendor == "sqlite":
        # The embedded default belongs to whoever runs gridpay: `gridpay demo` or `serve` starts from nothing.
        call_command(MigrateTelling(on_progress, total=len(pending)), verbosity=0, interactive=False)
        return
    # PostgreSQL is the operator's: its schema changes when they run `gridpay migrate` (after their backup, with
    # every process stopped), never behind their back by whichever command, server or worker started first.
    names = [f"{migration.app_label}.{migration.name}" for migration, _ in pending]
    listed = "、".join(names[:LISTED]) + (f" 等共 {len(names)} 个" if len(names) > LISTED else "")
    sys.stderr.write(f"数据库结构不是最新的，未应用的迁移：{listed}。请先运行 `gridpay migrate`。\n")
    raise SystemExit(2)


class MigrateTelling(Migrate):
    """Django's migrate, telling ``on_progress`` how far it is and ``on_applied`` each migration applied."""

    def __init__(self, on_progress: Progress | None, *, total: int,
                 on_applied: Callable[[Migration], None] | None = None) -> None:
        super().__init__()
        self.on_progress = on_progress
        self.on_applied = on_applied
        self.total = total
        self.applied = 0

    def migration_progress_callback(self, action: str, migration: Any = None, fake: bool = False) -> None:
        super().migration_progress_callback(action, migration, fake)
        if action == "apply_success":
            self.applied += 1
            if self.on_progress:
                self.on_progress(self.applied, self.total)
            if self.on_applied:
                self.on_applied(migration)
