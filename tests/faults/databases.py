"""A fresh database for every run: a copy of a migrated SQLite file, or PostgreSQL's emptied of gridpay's rows."""

import shutil
from pathlib import Path

import psycopg
from django.apps import apps
from django.core.management import call_command
from django.db import connection


def migrate_template() -> None:
    """The schema, once per worker (the database GRIDPAY_DATABASE_URL names)."""
    call_command("migrate", verbosity=0)
    connection.close()


def fresh(workdir: Path) -> None:
    """Every run starts from the empty, migrated schema."""
    connection.close()
    if connection.vendor == "sqlite":
        run = workdir / "run.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{run}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(workdir / "template.sqlite3", run)
        connection.settings_dict["NAME"] = str(run)
        return
    tables = [m._meta.db_table for m in apps.get_app_config("gridpay").get_models()]
    # DELETE of a few hundred rows is quicker than TRUNCATE's new files; as a replica the session skips the
    # ledger's immutability trigger and the foreign keys (the database is the campaign's own).
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("; ".join(f"DELETE FROM {table}" for table in tables))
        cursor.execute("SET session_replication_role = origin")


def kill_switch() -> psycopg.Connection[tuple[object, ...]] | None:
    """A second connection of the worker's own, from which its main connection can be killed (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return None
    settings = connection.settings_dict
    return psycopg.connect(host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432,
                           user=settings["USER"], dbname=settings["NAME"], autocommit=True)
