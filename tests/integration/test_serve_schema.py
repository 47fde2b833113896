"""`gridpay serve` on PostgreSQL never migrates behind the operator's back: with migrations unapplied it refuses,
naming them, and leaves the database as it was; after `gridpay migrate` it serves."""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tests.support.cli import GRIDPAY
from tests.support.serving import free_port, serving

pytestmark = pytest.mark.postgres
SECRET = "serve-schema-test-" + "s" * 40
ASK = "请先运行 `gridpay migrate`。\n"


def database_url(name: str) -> str:
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgresql://{settings['USER']}@{host}:{port}/{name}"


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A database of the test's own, never migrated (beside the test database, which is)."""
    name = f"{connection.settings_dict['NAME']}_unmigrated"
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield database_url(name)
    finally:
        with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def gridpay(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GRIDPAY, *args], cwd=cwd, env=environment(url), capture_output=True, text=True,
                          timeout=300, check=False)


def environment(url: str) -> dict[str, str]:
    return {**os.environ, "GRIDPAY_DATABASE_URL": url, "GRIDPAY_SECRET_KEY": SECRET, "GRIDPAY_DB_CONN_MAX_AGE": "0"}


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as db:
        return {name for (name,) in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def applied(url: str) -> set[tuple[str, str]]:
    with psycopg.connect(url) as db:
        return set(db.execute("SELECT app, name FROM django_migrations").fetchall())


def test_serve_refuses_an_unmigrated_database_naming_the_migrations_and_serves_once_the_operator_migrates(
    empty_database: str, tmp_path: Path
) -> None:
    port = free_port()
    serve = ("serve", "--port", str(port), "--workers", "1", "--threads", "1", "--quiet")

    never_migrated = gridpay(*serve, url=empty_database, cwd=tmp_path)

    assert never_migrated.returncode == 2
    assert never_migrated.stderr.startswith("数据库结构不是最新的，未应用的迁移：contenttypes.0001_initial、")
    assert never_migrated.stderr.endswith(f" 个。{ASK}")
    assert never_migrated.stdout == ""  # gunicorn never started
    assert tables(empty_database) == set()  # not even Django's table of applied migrations

    migrated = gridpay("migrate", url=empty_database, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    # One migration of a newer release, not applied yet: the operator has not run `gridpay migrate` after upgrading.
    (app, latest), = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes("gridpay")
    with psycopg.connect(empty_database) as db:
        db.execute("DELETE FROM django_migrations WHERE app = %s AND name = %s", (app, latest))
    before = applied(empty_database)

    upgraded = gridpay(*serve, url=empty_database, cwd=tmp_path)

    assert upgraded.returncode == 2
    assert upgraded.stderr == f"数据库结构不是最新的，未应用的迁移：gridpay.{latest}。{ASK}"
    assert applied(empty_database) == before

    with psycopg.connect(empty_database) as db:
        db.execute("INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, now())", (app, latest))
    with serving(*serve, port=port, cwd=tmp_path, env=environment(empty_database)) as base:
        assert requests.get(f"{base}/login/", timeout=30).status_code == 200
