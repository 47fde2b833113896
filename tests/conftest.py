"""Test set-up: the database under test comes from GRIDPAY_DATABASE_URL; absent services skip or fail."""

import os
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlparse

import pytest

REQUIRE_SERVICES = os.environ.get("GRIDPAY_REQUIRE_SERVICES") == "1"
DATABASE_URL = os.environ.get("GRIDPAY_DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))


def service_reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
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
    from gridpay.application.install_builtin_tariffs import install_builtin_tariffs

    install_builtin_tariffs()
    yield "zj-resident-2024"


@pytest.fixture(autouse=True)
def settle_in_the_test_transaction(settings: Any) -> None:
    # Worker threads have connections of their own that cannot see a test's uncommitted rows;
    # the tests of parallel settlement ask for workers themselves, in transactional tests.
    settings.GRIDPAY = {**settings.GRIDPAY, "SETTLEMENT_WORKERS": 1}


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

