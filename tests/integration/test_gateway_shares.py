"""Gateways side by side on one database: each claims the commands and the daily reads of its own meters only, the
three shares together are every meter once, and the members are read from the heartbeats."""

import importlib
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from django.db import connection

from gridpay.application.readings.claim_daily_reads import claim_daily_reads
from gridpay.application.readings.plan_daily_reads import plan_daily_reads
from gridpay.application.supply.enforce_supply import enforce_supply
from gridpay.application.supply.gateway_members import gateway_shares
from gridpay.application.supply.head_end import HeadEnd
from gridpay.application.supply.record_gateway_heartbeat import GatewayBeat, record_gateway_heartbeat
from gridpay.data.models import Account, DailyRead, LedgerAccount, MeterCommand
from gridpay.domain.gateway_shares import share_key, shares_of
from tests.support.accounts import enrol
from tests.support.clock import SHANGHAI

pytestmark = pytest.mark.django_db

TUESDAY_10 = datetime(2025, 3, 11, 10, 0, tzinfo=SHANGHAI)
GATEWAYS = ("gw-a", "gw-b", "gw-c")
METERS = 40


@pytest.fixture(autouse=True)
def _tariff(zj_tariff: str) -> None:
    pass


def in_arrears(count: int) -> list[Account]:
    accounts = [enrol(n, opening_balance_fen=0, phone=f"1390000{n:04d}") for n in range(1, count + 1)]
    LedgerAccount.objects.filter(id__in=[a.ledger_account_id for a in accounts]).update(balance_fen=-1_250)
    Account.objects.filter(id__in=[a.id for a in accounts]).update(arrears_since=TUESDAY_10 - timedelta(days=1))
    return accounts


def test_each_gateway_claims_the_commands_of_its_own_meters_and_together_they_claim_each_once() -> None:
    in_arrears(METERS)
    assert enforce_supply(at=TUESDAY_10).queued == METERS
    claimed: dict[str, list[str]] = {}
    for name in GATEWAYS:
        keys = shares_of(instance=name, members=GATEWAYS).keys
        claim = HeadEnd().claim(at=TUESDAY_10, keys=keys)
        claimed[name] = [f.address for f in claim.frames]
        assert claimed[name] and all(share_key(a) in keys for a in claimed[name])
    everything = [a for addresses in claimed.values() for a in addresses]
    assert sorted(everything) == sorted(set(everything)) and len(everything) == METERS
    # Claimed is claimed: a gateway whose share grew (one of the others gone) finds nothing more to send.
    assert HeadEnd().claim(at=TUESDAY_10, keys=shares_of(instance="gw-a", members=["gw-a"]).keys).frames == []
    assert MeterCommand.objects.filter(status="sending").count() == METERS


def test_each_gateway_asks_for_the_daily_reads_of_its_own_meters() -> None:
    for n in range(1, METERS + 1):
        enrol(n)
    today = TUESDAY_10.date()
    plan_daily_reads(today=today, at=TUESDAY_10)
    asked: list[str] = []
    for name in GATEWAYS:
        keys = shares_of(instance=name, members=GATEWAYS).keys
        wave = claim_daily_reads(today=today, at=TUESDAY_10, meters=METERS, keys=keys)
        addresses = {ask.address for ask in wave.asks}
        assert addresses and all(share_key(a) in keys for a in addresses)
        asked += addresses
    assert sorted(asked) == sorted({f"{n:012d}" for n in range(1, METERS + 1)})


@pytest.mark.postgres
def test_once_a_day_is_planned_the_planner_knows_its_reads_are_due() -> None:
    """Planning wants a read of every meter: the claims are then planned for that many due rows, not for what the
    table held before (22 s a wave instead of 0.7 s with a million meters, ADR 0038)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's statistics")
    meters = 3 * METERS  # more than the file's other tests plan (ANALYZE's figures outlive their transactions)
    for n in range(1, meters + 1):
        enrol(n)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'gridpay_dailyread'::regclass")
        before = cursor.fetchone()[0]  # -1 if never analysed

        plan = plan_daily_reads(today=TUESDAY_10.date(), at=TUESDAY_10)

        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'gridpay_dailyread'::regclass")
        planned = plan.wanted + plan.beyond_depth
        assert before < planned == cursor.fetchone()[0] and planned >= meters


def test_the_members_are_read_from_the_heartbeats() -> None:
    beat = GatewayBeat(
        instance="gw-a",
        host="h",
        pid=1,
        broker="mqtt://127.0.0.1:1883",
        started_at=TUESDAY_10,
        beat_at=TUESDAY_10,
        beat_every_s=5,
        connected=True,
        connected_since=TUESDAY_10,
        last_lost_at=None,
        last_publish_at=None,
        losses=0,
        reconnects=0,
        connect_failures=0,
        published=0,
        unsent=0,
        received=0,
        confirmed=0,
        failed=0,
        last_error="",
    )
    record_gateway_heartbeat(beat=beat)
    record_gateway_heartbeat(beat=replace(beat, instance="gw-b", beat_at=TUESDAY_10 - timedelta(seconds=20)))
    record_gateway_heartbeat(beat=replace(beat, instance="gw-c", stopped=True))
    record_gateway_heartbeat(beat=replace(beat, instance="gw-d", connected=False))
    seen = gateway_shares(instance="gw-e", now=TUESDAY_10 + timedelta(seconds=1), connected=True)
    assert seen.shares.members == ("gw-a", "gw-e")
    assert seen.shares == shares_of(instance="gw-e", members=["gw-a", "gw-e"])
    assert seen.last_beat["gw-b"] == TUESDAY_10 - timedelta(seconds=20)


def test_the_migration_gives_each_daily_read_the_share_key_of_its_meter() -> None:
    """Reads planned before 0046 had no key: the migration fills it, or no gateway would ever claim them."""
    from django.apps import apps

    fill = importlib.import_module("gridpay.data.migrations.0046_daily_reads_carry_their_share_key").fill_share_keys
    for n in (7, 1_234, 999_999):
        enrol(n)
    plan_daily_reads(today=TUESDAY_10.date(), at=TUESDAY_10)
    DailyRead.objects.update(share_key="")

    fill(apps, None)

    keys = set(DailyRead.objects.values_list("meter__dlt645_address", "share_key"))
    assert keys == {("000000000007", "007"), ("000000001234", "234"), ("000000999999", "999")}
