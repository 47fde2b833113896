"""The replica router: the reports' and exports' reads go to the replica alias; every write, every read inside a
transaction on the primary, and every other page's reads go to the primary. The replica here is a second connection
to the database under test (SQLite's shared in-memory database, or PostgreSQL's test database)."""

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.staff.add_staff import add_staff
from gridpay.config.settings import replica_from_url
from gridpay.data.models import Account, Village
from gridpay.data.replica import REPLICA, ROUTER, reading_from_replica
from gridpay.data.settings import SettingInvalid
from tests.conftest import ON_POSTGRES
from tests.support.accounts import enrol
from tests.support.clock import FakeClock, current_instant

PASSWORD = "Gridpay-2026!"
PRIMARY = {"ENGINE": "django.db.backends.postgresql", "NAME": "gridpay"}
on_both = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup: None) -> Iterator[None]:
    """A `replica` alias on a connection of its own to the database under test, as the settings give one when
    GRIDPAY_REPLICA_DATABASE_URL is set (a mirror: the test runner neither creates nor flushes it). Committed rows
    are seen on both, as on a replica that has caught up."""
    connections.settings[REPLICA] = {**connections[DEFAULT_DB_ALIAS].settings_dict, "TEST": {"MIRROR": "default"}}
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def replica(settings: Any) -> None:
    """The router, as the settings install it with the replica."""
    settings.DATABASE_ROUTERS = [ROUTER]


class Queries:
    """The SQL each alias ran while it was open."""

    def __init__(self) -> None:
        self.primary = CaptureQueriesContext(connections[DEFAULT_DB_ALIAS])
        self.replica = CaptureQueriesContext(connections[REPLICA])

    def __enter__(self) -> "Queries":
        self.primary.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.replica.__exit__(None, None, None)
        self.primary.__exit__(None, None, None)

    @staticmethod
    def gridpay_tables(captured: CaptureQueriesContext) -> list[str]:
        return [q["sql"] for q in captured.captured_queries if "gridpay_" in q["sql"]]


def _station_head(clock: FakeClock, *, with_money: bool = ON_POSTGRES) -> Client:
    """Two accounts and the station head signed in. Money posted (a debt, a payment) only on PostgreSQL: these tests
    commit, and SQLite empties the ledger between tests by DELETE, which its guard refuses (TRUNCATE is no delete)."""
    enrol(1, opening_balance_fen=-2_000 if with_money else 0)
    enrol(2, opening_balance_fen=0)
    if with_money:
        record_payment(
            account_no="3301000002",
            amount_fen=3_000,
            channel="alipay",
            channel_txn_id="A-1",
            received_at=current_instant(),
            business_day=clock.today(),
        )
    add_staff(username="head", name="所长", role="station_head", password=PASSWORD)
    client = Client()
    assert client.login(username="head", password=PASSWORD)
    return client


@on_both
@pytest.mark.parametrize(
    "page",
    [
        "/",
        "/reports/monthly/",
        "/reports/monthly/?format=pdf",
        "/reports/collection/",
        "/arrears/?export=csv",
        "/arrears/?export=xlsx",
        "/rollout/?export=csv",
    ],
)
def test_reports_and_exports_read_their_figures_from_the_replica(
    page: str, replica: None, zj_tariff: str, clock: FakeClock
) -> None:
    client = _station_head(clock)
    with Queries() as queries:
        response = client.get(page)
    assert response.status_code == 200
    assert Queries.gridpay_tables(queries.replica)
    # The primary only answers who is signed in (the session, the user and their roles), nothing of the report's.
    assert Queries.gridpay_tables(queries.primary) == []
    assert not [q for q in queries.replica.captured_queries if "django_session" in q["sql"] or "auth_" in q["sql"]]


@pytest.mark.postgres
@on_both
def test_the_figures_read_on_the_replica_are_the_primarys_rows(replica: None, zj_tariff: str, clock: FakeClock) -> None:
    page = _station_head(clock).get("/reports/monthly/").content.decode()
    assert "支付宝" in page and "30.00" in page and "20.00" in page


@on_both
@pytest.mark.parametrize("page", ["/arrears/", "/rollout/", "/customers/3301000001/", "/calls/"])
def test_the_pages_staff_work_from_read_the_primary(page: str, replica: None, zj_tariff: str, clock: FakeClock) -> None:
    client = _station_head(clock)
    with Queries() as queries:
        assert client.get(page).status_code == 200
    assert Queries.gridpay_tables(queries.primary)
    assert queries.replica.captured_queries == []


@on_both
def test_writes_inside_a_report_go_to_the_primary_and_reads_outside_one_too(replica: None) -> None:
    with Queries() as queries:
        Village.objects.count()
        with reading_from_replica():
            Village.objects.create(name="码头村")
            assert Village.objects.filter(name="码头村").count() == 1
    assert [q["sql"].split()[0] for q in queries.primary.captured_queries] == ["SELECT", "INSERT"]
    assert [q["sql"].split()[0] for q in queries.replica.captured_queries] == ["SELECT"]


@on_both
def test_reads_inside_a_transaction_on_the_primary_stay_there(replica: None) -> None:
    with Queries() as queries, transaction.atomic(), reading_from_replica():
        Village.objects.create(name="码头村")
        assert Village.objects.filter(name="码头村").count() == 1  # its own write, not yet committed
        assert Account.objects.count() == 0
    assert queries.replica.captured_queries == []
    assert len(Queries.gridpay_tables(queries.primary)) == 3


@on_both
def test_the_context_ends_with_its_block_even_on_an_error(replica: None) -> None:
    with pytest.raises(ZeroDivisionError), reading_from_replica():
        1 / 0  # noqa: B018
    with Queries() as queries:
        Village.objects.count()
    assert queries.replica.captured_queries == []


def test_a_replica_url_is_a_postgresql_database_beside_a_postgresql_primary() -> None:
    config = replica_from_url("postgresql://gridpay:s3cret@db-replica:5433/gridpay", primary=PRIMARY)
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db-replica", 5433, "gridpay")
    assert config["TEST"] == {"MIRROR": "default"}  # the test runner creates no database on a read-only server
    for url in (
        "mysql://gridpay@db-replica/gridpay",
        "sqlite:///replica.sqlite3",
        "replica-host",
        "postgresql://gridpay:s3cret@db-replica:port/gridpay",
        "postgresql://gridpay@db-replica",
    ):
        with pytest.raises(SettingInvalid) as refused:
            replica_from_url(url, primary=PRIMARY)
        assert str(refused.value).startswith("GRIDPAY_REPLICA_DATABASE_URL 应为 PostgreSQL 备库的地址")
        assert "s3cret" not in str(refused.value)
    with pytest.raises(SettingInvalid, match="只能与 PostgreSQL 主库同用"):
        replica_from_url(
            "postgresql://gridpay@db-replica/gridpay",
            primary={"ENGINE": "django.db.backends.sqlite3", "NAME": "gridpay.sqlite3"},
        )


def _settings_in_a_process(**environment: str) -> subprocess.CompletedProcess[str]:
    program = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(sorted(s.DATABASES), getattr(s, 'DATABASE_ROUTERS', []))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gridpay.config.settings", **environment}
    return subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, check=False, timeout=60
    )


def test_the_settings_add_the_replica_and_its_router_only_when_the_variable_is_set() -> None:
    primary = "postgresql://gridpay@db-host:5432/gridpay"
    unset = _settings_in_a_process(GRIDPAY_DATABASE_URL=primary, GRIDPAY_REPLICA_DATABASE_URL="")
    assert unset.stdout.strip() == "['default'] []"
    both = _settings_in_a_process(
        GRIDPAY_DATABASE_URL=primary, GRIDPAY_REPLICA_DATABASE_URL="postgresql://gridpay@db-replica:5432/gridpay"
    )
    assert both.stdout.strip() == f"['default', 'replica'] ['{ROUTER}']"


def test_a_bad_replica_url_stops_gridpay_at_start_with_one_line(tmp_path: Any) -> None:
    gridpay = os.path.join(os.path.dirname(sys.executable), "gridpay")
    env = {
        **os.environ,
        "GRIDPAY_DATABASE_URL": "postgresql://gridpay@127.0.0.1:1/gridpay",
        "GRIDPAY_REPLICA_DATABASE_URL": "postgres://gridpay:s3cret@db-replica:54x2/gridpay",
    }
    result = subprocess.run(
        [gridpay, "check"], env=env, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr == (
        "GRIDPAY_REPLICA_DATABASE_URL 应为 PostgreSQL 备库的地址，如 postgresql://gridpay@db-replica:"
        "5432/gridpay，而不是 'postgres://gridpay:***@db-replica:54x2/gridpay'：请改正，或删去这个"
        "环境变量以用默认值。\n"
    )
