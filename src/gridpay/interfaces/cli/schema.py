"""Brings the embedded SQLite database up to date by itself; asks for `gridpay migrate` on PostgreSQL."""

import sys

from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def ensure_schema() -> None:
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not pending:
        return
    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0, interactive=False)
        return
    sys.stderr.write("数据库结构不是最新的：请先运行 `gridpay migrate`。\n")
    raise SystemExit(2)
