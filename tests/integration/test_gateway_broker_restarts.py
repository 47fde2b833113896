"""The gateway survives its broker: a Mosquitto of the test's own is killed and restarted (by its pid) under a
disconnection run and under reconnections, a proxy cuts the gateway's connection alone or swallows what it sends.
Every command ends confirmed or escalated, none is recorded sent that the broker did not get, no disconnect stays
on an account that paid, answers published while the gateway was away reach it, and the heartbeat says so."""

import asyncio
import secrets
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.supply.enforce_supply import enforce_supply
from gridpay.application.supply.head_end import HeadEnd
from gridpay.application.supply.sweep_meter_commands import SweepReport
from gridpay.data.models import Account, GatewayHeartbeat, LedgerAccount, MeterCommand, MeterCommandEvent
from gridpay.domain.meter_commands import UNDER_WAY, CommandPolicy
from gridpay.integrations.headend import mqtt
from gridpay.integrations.headend.meter_simulator import MeterBehaviour, fleet
from gridpay.interfaces.gateway.backoff import ReconnectBackoff
from gridpay.interfaces.gateway.run import Gateway, GatewayTaskDied
from tests.support.accounts import enrol
from tests.support.gateway import TUESDAY_10, MeterFleet, in_thread, running_clock, until
from tests.support.mosquitto import CuttingProxy, OwnMosquitto, own_mosquitto

# Threads share the database, as in test_gateway_mqtt.py: PostgreSQL; the embedded SQLite default is held to the
# same in tests/e2e/test_cli_gateway_broker.py, with processes.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
QUICK = CommandPolicy(answer_timeout_s=3, max_attempts=6, backoff_s=(1,), frame_validity_s=600)


def in_arrears(count: int) -> tuple[int, list[Account]]:
    base = secrets.randbelow(10**6) * 1000
    accounts = [enrol(base + n, opening_balance_fen=0, phone="13900000000") for n in range(count)]
    LedgerAccount.objects.filter(id__in=[a.ledger_account_id for a in accounts]).update(balance_fen=-500)
    Account.objects.filter(id__in=[a.id for a in accounts]).update(arrears_since=TUESDAY_10 - timedelta(days=1))
    return base, accounts


def address_of(account: Account) -> str:
    return account.meters.get().dlt645_address


def make_gateway(
    broker: str, *, instance: str, clock: object, policy: CommandPolicy = QUICK, **kwargs: object
) -> Gateway:
    return Gateway(
        broker=mqtt.parse_broker_url(broker), head_end=HeadEnd(policy=policy), clock=clock,  # type: ignore[arg-type]
        poll_s=0.1, sweep_s=0.3, instance=instance, heartbeat_s=0.3,
        backoff=ReconnectBackoff(initial_s=0.1, max_s=1.0, stable_s=5), **kwargs,  # type: ignore[arg-type]
    )


def statuses(accounts: Sequence[Account]) -> list[str]:
    return list(MeterCommand.objects.filter(account__in=accounts).order_by("id").values_list("status", flat=True))


def nothing_under_way(accounts: Sequence[Account]) -> bool:
    return not MeterCommand.objects.filter(account__in=accounts, status__in=[s.value for s in UNDER_WAY]).exists()


def sent_events_by_meter(accounts: Sequence[Account]) -> Counter[str]:
    return Counter(
        MeterCommandEvent.objects.filter(command__account__in=accounts, event="sent").values_list(
            "command__meter__dlt645_address", flat=True
        )
    )


def assert_nothing_recorded_sent_that_the_broker_did_not_get(
    broker: OwnMosquitto, instance: str, accounts: Sequence[Account]
) -> None:
    """Each 'sent' is a control frame the broker read from the gateway (its log: read before it answers PUBACK).
    The broker also read the read-back requests on the same topics, so this may only undercount what it got."""
    received = broker.received_from(instance)
    recorded = sent_events_by_meter(accounts)
    over = {address: n for address, n in recorded.items() if n > received[mqtt.down_topic(address)]}
    assert over == {}, f"recorded sent, never read by the broker: {over}"
    # And an attempt is a frame the broker acknowledged: one 'sent' each, no more, no fewer.
    for command_id, attempts in MeterCommand.objects.filter(account__in=accounts).values_list("id", "attempts"):
        sent_count = MeterCommandEvent.objects.filter(command_id=command_id, event="sent").count()
        assert attempts == sent_count, f"command {command_id}: {attempts} attempts for {sent_count} frames sent"


async def started(gateway: Gateway, stop: asyncio.Event, *, timeout_s: float = 10) -> "asyncio.Task[None]":
    ready = asyncio.Event()
    task = asyncio.create_task(gateway.run(stop=stop, ready=ready))
    waiting = asyncio.create_task(ready.wait())
    await asyncio.wait([task, waiting], timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()
    assert ready.is_set(), "the gateway did not connect"
    return task


def test_frames_the_broker_never_got_are_not_recorded_sent_and_go_out_after_the_reconnect(
    tmp_path: Path, zj_tariff: str
) -> None:
    base, accounts = in_arrears(3)
    meters = fleet(addresses=[address_of(a) for a in accounts])
    clock = running_clock()
    instance = f"gw-{base}"

    async def scenario() -> None:
        with own_mosquitto(tmp_path / "broker", persistence=False) as broker:
            proxy = CuttingProxy(broker.port)
            await proxy.start()
            gateway = make_gateway(proxy.url, instance=instance, clock=clock)
            simulator = MeterFleet(meters, broker=mqtt.parse_broker_url(broker.url), clock=clock,
                                   identifier=f"sim-{base}")
            await simulator.start()
            stop = asyncio.Event()
            run = await started(gateway, stop)
            try:
                proxy.swallow = True  # from now on nothing the gateway sends reaches the broker
                assert (await in_thread(lambda: enforce_supply(at=clock()))).queued == 3
                await until(lambda: statuses(accounts) == ["sending"] * 3, timeout_s=5,
                            what="the gateway did not claim the commands for sending")
                await asyncio.sleep(0.5)  # publishing into the void, waiting for PUBACKs that will not come
                assert await in_thread(lambda: statuses(accounts)) == ["sending"] * 3
                proxy.cut()  # the connection drops: no PUBACK will come
                await until(lambda: statuses(accounts) == ["queued"] * 3, timeout_s=5,
                            what="the unacknowledged commands were not put back at once")
                rows = await in_thread(lambda: list(
                    MeterCommand.objects.filter(account__in=accounts).values_list("attempts", "may_have_reached_meter")
                ))
                assert rows == [(0, True)] * 3
                assert await in_thread(lambda: sent_events_by_meter(accounts)) == Counter()
                assert not any(m.relay_open for m in meters)
                assert gateway.stats.unsent == 3 and gateway.stats.published == 0

                proxy.swallow = False
                proxy.mend()
                await until(lambda: statuses(accounts) == ["confirmed"] * 3, timeout_s=20,
                            what="the commands were not sent after the reconnect")
                assert all(m.relay_open for m in meters)
                assert gateway.stats.reconnects >= 1 and gateway.stats.connection_losses >= 1
                await in_thread(lambda: assert_nothing_recorded_sent_that_the_broker_did_not_get(
                    broker, instance, accounts))
            finally:
                stop.set()
                await asyncio.gather(run, return_exceptions=True)
                await simulator.stop()
                await proxy.close()

    asyncio.run(scenario())


@pytest.mark.parametrize("away", ["connection_cut", "broker_restarted_with_persistence"])
def test_answers_published_while_the_gateway_was_away_reach_it_when_it_comes_back(
    tmp_path: Path, zj_tariff: str, away: str
) -> None:
    """A persistent session: Mosquitto keeps the gateway's subscription and queues what meters said meanwhile,
    in memory while it runs, and across a clean restart with persistence on. One attempt only and a long answer
    timeout: an answer lost would leave the command escalated, not confirmed."""
    base, accounts = in_arrears(3)
    meters = fleet(addresses=[address_of(a) for a in accounts],
                   behaviours={address_of(a): MeterBehaviour.SLOW for a in accounts})
    clock = running_clock()
    policy = CommandPolicy(answer_timeout_s=40, max_attempts=1, backoff_s=(1,), frame_validity_s=600)

    async def scenario() -> None:
        with own_mosquitto(tmp_path / "broker", persistence=True) as broker:
            proxy = CuttingProxy(broker.port)
            await proxy.start()
            gateway = make_gateway(proxy.url, instance=f"gw-{base}", clock=clock, policy=policy)
            simulator = MeterFleet(meters, broker=mqtt.parse_broker_url(broker.url), clock=clock,
                                   identifier=f"sim-{base}", slow_delay_s=1.0)
            await simulator.start()
            stop = asyncio.Event()
            run = await started(gateway, stop)
            try:
                assert (await in_thread(lambda: enforce_supply(at=clock()))).queued == 3
                await until(lambda: statuses(accounts) == ["sent"] * 3, timeout_s=5)
                proxy.cut()  # the gateway is away; the slow meters answer a second later
                await until(lambda: all(m.relay_open for m in meters), timeout_s=5, what="the meters did not obey")
                await asyncio.sleep(0.5)  # their answers are at the broker, queued for the gateway's session
                if away == "broker_restarted_with_persistence":
                    broker.stop()  # SIGTERM: Mosquitto saves its sessions and their queued messages
                    broker.start()
                    await simulator.restart()
                assert await in_thread(lambda: statuses(accounts)) == ["sent"] * 3
                proxy.mend()
                await until(lambda: statuses(accounts) == ["confirmed"] * 3, timeout_s=20,
                            what="the answers published while the gateway was away did not reach it")
                attempts = await in_thread(lambda: list(
                    MeterCommand.objects.filter(account__in=accounts).values_list("attempts", flat=True)))
                assert attempts == [1, 1, 1]
            finally:
                stop.set()
                await asyncio.gather(run, return_exceptions=True)
                await simulator.stop()
                await proxy.close()

    asyncio.run(scenario())


def test_a_broker_killed_in_a_disconnection_run_and_restarted_during_reconnections_loses_no_command(
    tmp_path: Path, zj_tariff: str
) -> None:
    count = 200
    base, accounts = in_arrears(count)
    addresses = [address_of(a) for a in accounts]
    # Half the meters answer a second late, so the kill finds commands in every state.
    meters = fleet(addresses=addresses, behaviours={a: MeterBehaviour.SLOW for a in addresses[::2]})
    meter_of = {account.id: meter for account, meter in zip(accounts, meters, strict=True)}
    clock = running_clock()
    instance = f"gw-{base}"
    paid_first, paid_later = accounts[:50], accounts[50:]

    def pay(group: Sequence[Account], tag: str) -> None:
        for account in group:
            record_payment(account_no=account.account_no, amount_fen=1_000, channel="counter",
                           channel_txn_id=f"{tag}-{account.id}", received_at=clock(), business_day=clock().date())

    def progress() -> Counter[str]:
        return Counter(statuses(accounts))

    async def scenario() -> None:
        with own_mosquitto(tmp_path / "broker", persistence=True) as broker:
            gateway = make_gateway(broker.url, instance=instance, clock=clock)
            simulator = MeterFleet(meters, broker=mqtt.parse_broker_url(broker.url), clock=clock,
                                   identifier=f"sim-{base}", slow_delay_s=1.0)
            await simulator.start()
            stop = asyncio.Event()
            run = await started(gateway, stop)
            try:
                # 1. The disconnection run; the broker is killed (nothing saved: a full restart) while it goes out,
                # and a quarter of the town pays while there is no broker.
                assert (await in_thread(lambda: enforce_supply(at=clock()))).queued == count
                await until(lambda: progress()["acknowledged"] + progress()["confirmed"] >= 20, timeout_s=20)
                broker.stop(kill=True)
                killed = await in_thread(progress)
                await in_thread(lambda: pay(paid_first, "first"))
                await asyncio.sleep(1)
                broker.start()
                await simulator.restart()
                await until(lambda: nothing_under_way(accounts), timeout_s=90,
                            what="the disconnection run did not finish after the broker came back")
                assert not run.done(), "the gateway stopped with its broker"
                for account in paid_first:
                    assert not meter_of[account.id].relay_open, f"{account.account_no} paid, still off"
                unpaid = await in_thread(lambda: dict(
                    MeterCommand.objects.filter(account__in=paid_later).values_list("account_id", "status")))
                assert set(unpaid.values()) <= {"confirmed", "escalated"}, unpaid
                for account in paid_later:
                    meter = meter_of[account.id]
                    assert meter.relay_open == (unpaid[account.id] == "confirmed")

                # 2. Everyone else pays; the broker restarts cleanly (it keeps the sessions) while the reconnects
                # go out.
                await in_thread(lambda: pay(paid_later, "later"))
                await until(lambda: progress()["sent"] + progress()["acknowledged"] >= 10, timeout_s=20)
                broker.stop()
                broker.start()
                await simulator.restart()
                await until(lambda: nothing_under_way(accounts), timeout_s=90,
                            what="the reconnections did not finish after the broker came back")
                assert not run.done(), "the gateway stopped with its broker"
            finally:
                stop.set()
                await asyncio.gather(run, return_exceptions=True)
                await simulator.stop()

            def final() -> None:
                assert nothing_under_way(accounts)
                ends = Counter(MeterCommand.objects.filter(account__in=accounts).values_list("action", "status"))
                assert set(ends) <= {("disconnect", "confirmed"), ("disconnect", "escalated"),
                                     ("disconnect", "cancelled"), ("reconnect", "confirmed"),
                                     ("reconnect", "escalated")}, ends
                states = dict(Account.objects.filter(id__in=[a.id for a in accounts]).values_list("id", "supply_state"))
                for account in accounts:  # everyone paid: nobody is left disconnected
                    assert not meter_of[account.id].relay_open, f"{account.account_no} paid, still off"
                    assert states[account.id] == "connected", account.account_no
                assert_nothing_recorded_sent_that_the_broker_did_not_get(broker, instance, accounts)

            await in_thread(final)
            assert gateway.stats.connection_losses >= 2 and gateway.stats.reconnects >= 2, (killed, gateway.stats)

    asyncio.run(scenario())


def test_the_heartbeat_says_when_the_broker_went_and_came_back(tmp_path: Path, zj_tariff: str) -> None:
    clock = running_clock()
    instance = f"gw-{secrets.token_hex(4)}"

    def beat() -> GatewayHeartbeat:
        return GatewayHeartbeat.objects.get(instance=instance)

    async def scenario() -> None:
        with own_mosquitto(tmp_path / "broker", persistence=False) as broker:
            gateway = make_gateway(broker.url, instance=instance, clock=clock)
            stop = asyncio.Event()
            run = await started(gateway, stop)
            try:
                await until(lambda: beat().connected, timeout_s=5)
                first = await in_thread(beat)
                assert (first.broker, first.losses, first.reconnects, first.stopped_at) == (broker.url, 0, 0, None)
                broker.stop(kill=True)
                await until(lambda: not beat().connected and beat().losses == 1, timeout_s=5,
                            what="the heartbeat did not say the connection was lost")
                await until(lambda: beat().connect_failures >= 1, timeout_s=5)
                broker.start()
                await until(lambda: beat().connected and beat().reconnects == 1, timeout_s=10,
                            what="the heartbeat did not say the gateway reconnected")
                latest = await in_thread(beat)
                assert latest.beat_at > first.beat_at and latest.last_lost_at is not None
                assert latest.connected_since is not None and latest.connected_since > latest.last_lost_at
            finally:
                stop.set()
                await asyncio.gather(run, return_exceptions=True)
            stopped = await in_thread(beat)
            assert stopped.stopped_at is not None and not stopped.connected

    asyncio.run(scenario())


def test_a_gateway_started_with_its_broker_down_waits_for_it(tmp_path: Path, zj_tariff: str) -> None:
    base, accounts = in_arrears(2)
    meters = fleet(addresses=[address_of(a) for a in accounts])
    clock = running_clock()
    instance = f"gw-{base}"

    async def scenario() -> None:
        broker = OwnMosquitto(tmp_path / "broker", persistence=False)  # not started yet
        gateway = make_gateway(broker.url, instance=instance, clock=clock)
        stop, ready = asyncio.Event(), asyncio.Event()
        run = asyncio.create_task(gateway.run(stop=stop, ready=ready))
        simulator = MeterFleet(meters, broker=mqtt.parse_broker_url(broker.url), clock=clock, identifier=f"sim-{base}")
        try:
            assert (await in_thread(lambda: enforce_supply(at=clock()))).queued == 2
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                assert not run.done(), "the gateway gave up on a broker that is not there yet"
                await asyncio.sleep(0.1)
            assert not ready.is_set() and gateway.stats.connect_failures >= 2
            assert await in_thread(lambda: statuses(accounts)) == ["queued", "queued"]  # nothing claimed meanwhile
            row = await in_thread(lambda: GatewayHeartbeat.objects.get(instance=instance))
            assert not row.connected and row.connect_failures >= 1
            broker.start()
            await asyncio.wait_for(ready.wait(), timeout=10)
            await simulator.start()
            await until(lambda: statuses(accounts) == ["confirmed", "confirmed"], timeout_s=20)
        finally:
            stop.set()
            await asyncio.gather(run, return_exceptions=True)
            await simulator.stop()
            broker.stop(kill=True)

    asyncio.run(scenario())


class SweepThatBreaks(HeadEnd):
    def sweep(self, *, at: datetime) -> SweepReport:
        raise ZeroDivisionError("a bug in the sweep")


def test_a_loop_that_dies_stops_the_gateway_and_a_lost_connection_does_not(tmp_path: Path, zj_tariff: str) -> None:
    clock = running_clock()

    async def scenario() -> None:
        with own_mosquitto(tmp_path / "broker", persistence=False) as broker:
            gateway = make_gateway(broker.url, instance=f"gw-{secrets.token_hex(4)}", clock=clock)
            stop = asyncio.Event()
            run = await started(gateway, stop)
            broker.stop(kill=True)
            await asyncio.sleep(1)
            assert not run.done()
            stop.set()
            await asyncio.wait_for(run, timeout=10)

            broker.start()
            broken = Gateway(broker=mqtt.parse_broker_url(broker.url), head_end=SweepThatBreaks(policy=QUICK),
                             clock=clock, poll_s=0.1, sweep_s=0.2, instance=f"gw-{secrets.token_hex(4)}",
                             heartbeat_s=0.3)
            with pytest.raises(GatewayTaskDied, match="巡检") as died:
                await asyncio.wait_for(broken.run(stop=asyncio.Event()), timeout=10)
            assert isinstance(died.value.__cause__, ZeroDivisionError)

    asyncio.run(scenario())
