"""Migrations tried forward and back in a process of their own, on a PostgreSQL database made for the run and dropped
after it: the script starts from SCRIPT_START's helpers and prints its findings as JSON."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
from django.db import connection

from tests.conftest import DATABASE_URL
from tests.support.cli import child_environment

SCRIPT_START = """
import json, sys
import django
django.setup()
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([("gridpay", target)] if target else executor.loader.graph.leaf_nodes())

def query(statement):
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return [list(map(str, row)) for row in cursor.fetchall()]
"""


def run_on_a_database_of_its_own(script: str, *, name: str, cwd: Path) -> Any:
    """What ``script`` (after SCRIPT_START) printed, run on a new database ``<the tests' database>_<name>``."""
    database = f"{connection.settings_dict['NAME']}_{name}"
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    url = DATABASE_URL.rsplit("/", 1)[0] + f"/{database}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {database}")
    try:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT_START + script], cwd=cwd, capture_output=True, text=True, timeout=600,
            check=False,
            env={**os.environ, **child_environment(), "GRIDPAY_DATABASE_URL": url,
                 "DJANGO_SETTINGS_MODULE": "gridpay.config.settings", "GRIDPAY_SECRET_KEY": secrets.token_urlsafe(50)},
        )
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)
