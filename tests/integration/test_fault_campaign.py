"""The fault campaign's own checks find what they are for, and a run of seeds reports them by seed (scripts/fault-sim).

The campaign itself (1000 seeds on SQLite, 200 on each database in CI) is scripts/fault-sim; here a few seeds."""

import os
import subprocess
from pathlib import Path

import pytest

from gridpay.data import ledger as ledger_store
from gridpay.data.models import Account, LedgerAccount, Payment, PaymentRefund
from gridpay.domain.ledger import Transfer, TransferKind
from tests.faults import invariants
from tests.faults.driver import World, build_town
from tests.faults.steps import plan
from tests.support.channel_servers import WeChatPayServer
from tests.support.cli import ROOT
from tests.support.clock import FakeClock

FAULT_SIM = ROOT / "scripts" / "fault-sim"


@pytest.fixture
def world(zj_tariff: str, clock: FakeClock) -> World:
    town = World(plan=plan(1), wechat=WeChatPayServer())
    build_town(town, at=clock.now())
    return town


@pytest.mark.django_db
def test_a_town_as_built_breaks_no_rule_but_its_unsettled_days(world: World) -> None:
    found = invariants.violations(world)
    assert found and all("settled 0 days" in f for f in found), found


@pytest.mark.django_db
def test_a_balance_that_is_not_its_entries_is_found(world: World) -> None:
    LedgerAccount.objects.filter(code="customer:3301900001").update(balance_fen=123_456)
    found = invariants.balances_are_their_entries(world) + invariants.transfers_balance(world)
    assert any("customer:3301900001 holds 123456" in f for f in found)
    assert any("sum to" in f for f in found)


@pytest.mark.django_db
def test_a_payment_acknowledged_but_not_credited_and_a_refund_beyond_its_payment_are_found(
    world: World, clock: FakeClock
) -> None:
    world.acknowledged.add(("wechat", "4200-lost"))
    assert invariants.credited_exactly_once(world) == ["wechat 4200-lost acknowledged to the channel but not credited"]

    from gridpay.application.payments.record_payment import record_payment

    record_payment(account_no="3301900002", amount_fen=1_000, channel="bank", channel_txn_id="B-1",
                   received_at=clock.now(), business_day=clock.today())
    payment = Payment.objects.get(channel_txn_id="B-1")
    ledger = Account.objects.get(account_no="3301900002").ledger_account
    clearing = LedgerAccount.objects.get(code="clearing:bank")
    for n in (1, 2):
        (transfer,) = ledger_store.post(  # past refund_payment's check, as a bug would
            [Transfer(debit=ledger.id, credit=clearing.id, amount_fen=600, kind=TransferKind.REFUND)],
            business_day=clock.today(), at=clock.now(),
        )
        PaymentRefund.objects.create(payment=payment, kind="refund", channel="bank", channel_refund_id=f"R{n}",
                                     amount_fen=600, refunded_at=clock.now(), business_day=clock.today(),
                                     transfer=transfer)
    assert invariants.refunds_within_payments(world) == ["payment B-1 of 1000 refunded 1200"]


def test_money_that_differs_from_the_twin_is_named() -> None:
    twin = invariants.Money(balances={"A": 100}, charges={("A", "2026-03-02"): 50}, paid={"A": [500]}, refunded={})
    crashed = invariants.Money(balances={"A": 90}, charges={("A", "2026-03-02"): 50}, paid={"A": [500]},
                               refunded={"A": 10})
    assert invariants.differences(crashed, twin) == [
        "balances of A: 90 after crashes, 100 without", "refunded of A: 10 after crashes, None without"]


def test_a_plan_is_the_seeds_alone_and_spans_the_steps_the_campaign_claims() -> None:
    assert plan(7) == plan(7) and plan(7) != plan(8)
    kinds = {step.kind for seed in range(1, 30) for step in plan(seed).steps}
    assert kinds == {"readings", "settle", "settle_twice", "alerts", "api_payment", "wechat_payment", "refund",
                     "enforce", "gateway", "sweep", "withholding", "reconcile"}
    instants = [step.at for step in plan(7).steps]
    assert instants == sorted(instants), "a plan's steps are in the order of the clock"


def run_campaign(tmp_path: Path, *args: str, plant: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRIDPAY_FAULT_SIM_PLANT": plant}
    return subprocess.run([str(FAULT_SIM), *args], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600, check=False)


def test_a_few_seeds_run_with_crashes_and_break_nothing(tmp_path: Path) -> None:
    # One seed, the script's whole path: scripts/test runs the campaign's hundreds of seeds on each database.
    done = run_campaign(tmp_path, "--seeds", "1", "--workers", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "1 scenarios, 0 violations"
    assert "crashes injected" in done.stdout and "payments" in done.stdout


def test_a_failing_seed_prints_its_number_and_fails_again_alone(tmp_path: Path) -> None:
    several = run_campaign(tmp_path, "--seeds", "2", "--workers", "2", plant="2")
    assert several.returncode == 1
    assert "seed 2: " in several.stdout and "seed 1: " not in several.stdout
    assert "failing seeds (each reproduces alone with --seed S): 2" in several.stdout
    assert several.stdout.strip().splitlines()[-1].startswith("2 scenarios, ")
    alone = run_campaign(tmp_path, "--seed", "2", plant="2")
    assert alone.returncode == 1 and "seed 2: " in alone.stdout


@pytest.mark.django_db
def test_a_refund_the_channel_made_but_nobody_recorded_is_found(world: World, clock: FakeClock) -> None:
    from tests.support.channel_servers import ChannelOrderSeen

    world.wechat.orders["GP-1"] = ChannelOrderSeen("GP-1", 5_000, transaction_id="4200-9", paid_at=clock.now(),
                                                   refunds=[("R1", 1_000)])
    assert invariants.refunds_match_the_channel(world) == [
        "wechat 4200-9: the channel refunded 1000, recorded here 0"]
