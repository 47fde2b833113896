"""Test set-up: the database under test comes from GRIDPAY_DATABASE_URL; absent services skip or fail; every test
runs on a pinned clock (GRIDPAY_TEST_DATE) and writes nothing into the working directory."""

import os
import secrets
import shutil
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import time_machine
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir

from tests.support.cli import child_environment
from tests.support.clock import ENVIRONMENT, FakeClock, pinned_instant
from tests.support.template_database import copy_template, migrate_template
from tests.support.wall_clock import wall_clock_reads
from tests.support.working_directory import changes_since, snapshot

REQUIRE_SERVICES = os.environ.get("GRIDPAY_REQUIRE_SERVICES") == "1"
DATABASE_URL = os.environ.get("GRIDPAY_DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))


def service_reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
# Failing examples are printed (with @reproduce_failure) rather than kept in .hypothesis/ of the working directory,
# and hypothesis keeps its other files in the system's temporary directory.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "gridpay-tests-hypothesis")
hypothesis_settings.register_profile("gridpay", database=None, print_blob=True)
hypothesis_settings.load_profile("gridpay")


def pytest_configure(config: pytest.Config) -> None:
    # From the first import on, the process's clock is the pinned one (each test starts again at the same instant).
    config.stash[_SESSION_CLOCK] = time_machine.travel(pinned_instant(), tick=True)
    config.stash[_SESSION_CLOCK].start()
    config.stash[_WORKING_DIRECTORY] = (Path.cwd(), snapshot(Path.cwd()))
    os.environ.update(child_environment())
    # The embedded default SMS provider appends to gridpay-sms.jsonl in the working directory: not the tests'.
    config.stash[_SCRATCH] = Path(tempfile.mkdtemp(prefix="gridpay-tests-"))
    os.environ["GRIDPAY_SMS_FILE"] = str(config.stash[_SCRATCH] / "sms.jsonl")
    _a_secret_key_of_the_tests_own()


def _a_secret_key_of_the_tests_own() -> None:
    """pytest-django reads the settings before this file, and they look for a key file beside the gridpay.sqlite3
    they name (the test database lives in memory) or, on PostgreSQL, for GRIDPAY_SECRET_KEY. The tests sign with
    a key of their own; the commands they start find theirs as a user's would (tests/e2e/test_cli_secret_key.py)."""
    from django.conf import settings

    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.GRIDPAY_SECRET_KEY_PROBLEM = ""
    # Staff passwords hashed the quick way in this process (the tests sign people in by the hundred); the commands
    # the tests start, and production, keep Django's default, a deliberately slow PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_report_header(config: pytest.Config) -> str:
    return f"pinned clock: {pinned_instant().isoformat()} ({ENVIRONMENT}={os.environ.get(ENVIRONMENT, '')})"


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SESSION_CLOCK in config.stash:
        config.stash[_SESSION_CLOCK].stop()
    if _SCRATCH in config.stash:
        shutil.rmtree(config.stash[_SCRATCH], ignore_errors=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    directory, before = session.config.stash[_WORKING_DIRECTORY]
    changed = changes_since(before, directory)
    if changed:
        session.config.get_terminal_writer().line(
            "The tests wrote into the working directory (use tmp_path): " + ", ".join(changed[:20]), red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_SESSION_CLOCK = pytest.StashKey[time_machine.travel]()
_SCRATCH = pytest.StashKey[Path]()
_WORKING_DIRECTORY = pytest.StashKey[tuple[Path, dict[str, tuple[int, int]]]]()


@pytest.fixture(autouse=True)
def clock() -> Iterator[FakeClock]:
    """Every test starts at the pinned instant; the clock ticks on from there, and a test may move it."""
    with time_machine.travel(pinned_instant(), tick=True) as traveller:
        yield FakeClock(traveller)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    helpers = {*TESTS.glob("support/*.py"), *TESTS.glob("faults/*.py"), TESTS / "conftest.py"}
    modules = {Path(str(item.path)) for item in items} | helpers
    reads = [read for module in sorted(modules) if module.suffix == ".py"
             for read in wall_clock_reads(module, root=ROOT)]
    if reads:
        raise pytest.UsageError(
            "Tests must not reach the real clock (the clock fixture is the pinned one):\n  "
            + "\n  ".join(map(str, reads))
        )
    if ON_POSTGRES:
        parsed = urlparse(DATABASE_URL)
        host, port = parsed.hostname or "127.0.0.1", parsed.port or 5432
        if not service_reachable(host, port):
            if REQUIRE_SERVICES:
                pytest.exit(f"PostgreSQL 不可达 {host}:{port}，而 GRIDPAY_REQUIRE_SERVICES=1", returncode=1)
            skip = pytest.mark.skip(reason=f"PostgreSQL not reachable at {host}:{port}")
            for item in items:
                item.add_marker(skip)
        return
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: run with GRIDPAY_DATABASE_URL=postgresql://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip_pg)


@pytest.fixture
def now() -> datetime:
    return datetime(2025, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
def today() -> date:
    return date(2025, 3, 10)


@pytest.fixture
def zj_tariff(db: None) -> Iterator[str]:
    from gridpay.application.tariffs.install_builtin_tariffs import install_builtin_tariffs

    install_builtin_tariffs()
    yield "zj-resident-2024"


@pytest.fixture(autouse=True)
def sms_outside_the_working_directory(settings: Any) -> None:
    settings.SMS_CONFIG = {**settings.SMS_CONFIG, "GRIDPAY_SMS_FILE": os.environ["GRIDPAY_SMS_FILE"]}


@pytest.fixture(autouse=True)
def settle_in_the_test_transaction(settings: Any) -> None:
    # Worker threads have connections of their own that cannot see a test's uncommitted rows;
    # the tests of parallel settlement ask for workers themselves, in transactional tests.
    settings.GRIDPAY = replace(settings.GRIDPAY, settlement_workers=1)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded database brought up to date once per session (see tests/support/template_database.py)."""
    return migrate_template(tmp_path_factory.mktemp("migrated-template"))


@pytest.fixture
def migrated_here(migrated_template: Path, tmp_path: Path) -> Path:
    """tmp_path/gridpay.sqlite3, up to date, as `gridpay` run in tmp_path finds it after its first command."""
    return copy_template(migrated_template, tmp_path)


MQTT_URL = os.environ.get("GRIDPAY_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")


@pytest.fixture
def mosquitto_url() -> str:
    """The real broker the integration tests talk to (Mosquitto in CI); skips, or fails in CI, when absent."""
    parsed = urlparse(MQTT_URL)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 1883
    if not service_reachable(host, port):
        if REQUIRE_SERVICES:
            pytest.fail(f"MQTT broker not reachable at {host}:{port} while GRIDPAY_REQUIRE_SERVICES=1")
        pytest.skip(f"MQTT broker not reachable at {host}:{port}")
    return MQTT_URL

