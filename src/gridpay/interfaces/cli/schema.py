"""Brings the embedded SQLite database up to date by itself; on PostgreSQL names what is missing and asks for
`gridpay migrate`."""

import sys

from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

LISTED = 10  # a database never migrated lacks dozens: the first ones and the count say enough


def ensure_schema() -> None:
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not pending:
        return
    if connection.vendor == "sqlite":
        # The embedded default belongs to whoever runs gridpay: `gridpay demo` or `serve` starts from nothing.
        call_command("migrate", verbosity=0, interactive=False)
        return
    # PostgreSQL is the operator's: its schema changes when they run `gridpay migrate` (after their backup, with
    # every process stopped), never behind their back by whichever command, server or worker started first.
    names = [f"{migration.app_label}.{migration.name}" for migration, _ in pending]
    listed = "、".join(names[:LISTED]) + (f" 等共 {len(names)} 个" if len(names) > LISTED else "")
    sys.stderr.write(f"数据库结构不是最新的，未应用的迁移：{listed}。请先运行 `gridpay migrate`。\n")
    raise SystemExit(2)
