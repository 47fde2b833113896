"""The gateway and simulated meters over a real MQTT broker (Mosquitto, and the embedded amqtt): disconnects
confirmed by read-back, a meter that never answers escalated, a payment's reconnect carried at once."""

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from typing import TypeVar

import pytest
from django.db import connection

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.supply.enforce_supply import enforce_supply
from gridpay.application.supply.head_end import HeadEnd
from gridpay.data.models import Account, DailyRead, LedgerAccount, MeterCommand, Reading, ReconnectCase, WorkOrder
from gridpay.domain.meter_commands import CommandPolicy
from gridpay.integrations.headend import mqtt
from gridpay.integrations.headend.meter_simulator import MeterBehaviour, fleet, run_fleet
from gridpay.interfaces.gateway.run import Gateway
from tests.support.accounts import enrol
from tests.support.clock import SHANGHAI

# The gateway works from threads of its own: on PostgreSQL here; the embedded SQLite default runs the
# same loop as separate processes in tests/e2e/test_cli_control_loop.py (an in-memory test database
# cannot be shared by threads that write).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
T = TypeVar("T")
TUESDAY_10 = datetime(2025, 3, 11, 10, 0, tzinfo=SHANGHAI)
POLICY = CommandPolicy(answer_timeout_s=1, max_attempts=2, backoff_s=(1,), frame_validity_s=600)


def running_clock() -> Callable[[], datetime]:
    started = time.monotonic()
    return lambda: TUESDAY_10 + timedelta(seconds=time.monotonic() - started)


@asynccontextmanager
async def broker_for(kind: str, mosquitto: str | None) -> AsyncIterator[mqtt.BrokerAddress]:
    if kind == "mosquitto":
        assert mosquitto is not None
        yield mqtt.parse_broker_url(mosquitto)
    else:
        async with mqtt.embedded_broker() as address:
            yield address


async def in_thread(work: Callable[[], T]) -> T:
    """Database work off the event loop, on a thread that closes its connection after."""

    def run() -> T:
        try:
            return work()
        finally:
            connection.close()

    return await asyncio.to_thread(run)


async def until(check: Callable[[], bool], *, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not await in_thread(check):
        if time.monotonic() > deadline:
            raise AssertionError("the loop did not get there in time")
        await asyncio.sleep(0.1)


@pytest.fixture(params=["mosquitto", "embedded"])
def broker_kind(request: pytest.FixtureRequest) -> str:
    if request.param == "mosquitto":
        request.getfixturevalue("mosquitto_url")
    return str(request.param)


def test_disconnect_escalate_and_reconnect_over_mqtt(
    zj_tariff: str, broker_kind: str, request: pytest.FixtureRequest
) -> None:
    # Addresses unique per run, so runs sharing a Mosquitto do not answer each other.
    base = secrets.randbelow(10**9) * 100
    accounts = [enrol(base + n, opening_balance_fen=0, phone="13900000000") for n in range(3)]
    for account in accounts:
        LedgerAccount.objects.filter(id=account.ledger_account_id).update(balance_fen=-500)
        Account.objects.filter(id=account.id).update(arrears_since=TUESDAY_10 - timedelta(days=1))
    addresses = [a.meters.get().dlt645_address for a in accounts]
    meters = fleet(addresses=addresses, behaviours={addresses[2]: MeterBehaviour.SILENT})
    mosquitto = request.getfixturevalue("mosquitto_url") if broker_kind == "mosquitto" else None
    clock = running_clock()

    async def scenario() -> None:
        async with broker_for(broker_kind, mosquitto) as broker:
            stop, fleet_ready, gateway_ready = asyncio.Event(), asyncio.Event(), asyncio.Event()
            gateway = Gateway(broker=broker, head_end=HeadEnd(policy=POLICY), clock=clock, poll_s=0.1, sweep_s=0.3)
            tasks = [
                asyncio.create_task(
                    run_fleet(meters=meters, broker=broker, now_local=lambda: clock().astimezone(SHANGHAI),
                              ready=fleet_ready, stop=stop, identifier=f"sim-{base}")
                ),
                asyncio.create_task(gateway.run(stop=stop, ready=gateway_ready)),
            ]
            await asyncio.wait_for(asyncio.gather(fleet_ready.wait(), gateway_ready.wait()), timeout=10)
            try:
                assert (await in_thread(lambda: enforce_supply(at=clock()))).queued == 3

                def status(account: Account) -> str:
                    latest = MeterCommand.objects.filter(account=account).order_by("-id")
                    return str(latest.values_list("status", flat=True)[0])

                await until(lambda: status(accounts[0]) == status(accounts[1]) == "confirmed", timeout_s=10)
                assert [m.relay_open for m in meters] == [True, True, False]
                await until(lambda: status(accounts[2]) == "escalated", timeout_s=15)
                assert await in_thread(lambda: WorkOrder.objects.filter(account=accounts[2]).count()) == 1

                await in_thread(
                    lambda: record_payment(
                        account_no=accounts[0].account_no, amount_fen=1_000, channel="counter",
                        channel_txn_id=f"mqtt-{base}", received_at=clock(), business_day=clock().date(),
                    )
                )
                await until(lambda: status(accounts[0]) == "confirmed" and not meters[0].relay_open, timeout_s=10)
                state = await in_thread(lambda: Account.objects.get(id=accounts[0].id).supply_state)
                assert state == "connected"
            finally:
                stop.set()
                await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(scenario())



def test_a_close_permitted_and_the_daily_reads_over_mqtt(
    zj_tariff: str, broker_kind: str, request: pytest.FixtureRequest
) -> None:
    """Over a real broker: a meter without 1C gets 1B, its customer presses two seconds later and the gateway's
    relay reads find it closed; the gateway asks every meter for the freezes since its install (the 6th): a silent
    meter's days end listed as silent after the retries, a freeze a meter missed as not frozen."""
    base = secrets.randbelow(10**9) * 100
    permit_only = enrol(base, opening_balance_fen=0, phone="13900000000", meter_model="DDZY-2009",
                        installed_on=date(2025, 3, 6))
    LedgerAccount.objects.filter(id=permit_only.ledger_account_id).update(balance_fen=-500)
    Account.objects.filter(id=permit_only.id).update(arrears_since=TUESDAY_10 - timedelta(days=1))
    others = [enrol(base + n, installed_on=date(2025, 3, 6)) for n in (1, 2, 3, 4)]
    addresses = [a.meters.get().dlt645_address for a in (permit_only, *others)]
    meters = fleet(addresses=addresses, direct_close={addresses[0]: False},
                   behaviours={addresses[3]: MeterBehaviour.SILENT})
    meters[0].press_after = timedelta(seconds=2)
    for meter in meters:
        for day in range(4, 12):  # midnights of 4 … 11 March: the days 3 … 10; installed on the 6th
            # The fifth meter had no power at midnight of the 9th: no freeze of the 8th.
            meter.freeze_day(at=datetime(2025, 3, day), lost=meter is meters[4] and day == 9)  # noqa: DTZ001
    mosquitto = request.getfixturevalue("mosquitto_url") if broker_kind == "mosquitto" else None
    started, moved = time.monotonic(), [timedelta(0)]

    def clock() -> datetime:
        return TUESDAY_10 + moved[0] + timedelta(seconds=time.monotonic() - started)

    policy = CommandPolicy(answer_timeout_s=2, max_attempts=2, backoff_s=(1,), frame_validity_s=600,
                           permit_poll_s=1)

    async def scenario() -> None:
        async with broker_for(broker_kind, mosquitto) as broker:
            stop, fleet_ready, gateway_ready = asyncio.Event(), asyncio.Event(), asyncio.Event()
            tasks = [asyncio.create_task(run_fleet(
                meters=meters, broker=broker, now_local=lambda: clock().astimezone(SHANGHAI), ready=fleet_ready,
                stop=stop, identifier=f"sim-{base}"))]
            await asyncio.wait_for(fleet_ready.wait(), timeout=10)  # the meters listen before the first wave
            gateway = Gateway(broker=broker, head_end=HeadEnd(policy=policy), clock=clock, poll_s=0.1, sweep_s=0.3,
                              wave_s=0.2)
            tasks.append(asyncio.create_task(gateway.run(stop=stop, ready=gateway_ready)))
            await asyncio.wait_for(gateway_ready.wait(), timeout=10)
            try:
                await until(lambda: Reading.objects.filter(meter__dlt645_address__in=addresses).count() == 3 * 5 + 4,
                            timeout_s=20)
                lost = await in_thread(lambda: list(
                    DailyRead.objects.filter(meter__dlt645_address=addresses[4]).exclude(status="read")
                    .values_list("reading_date", "gap_reason")))
                assert lost == [(date(2025, 3, 8), "not_frozen")]
                assert (await in_thread(lambda: enforce_supply(at=clock()))).queued == 1
                await until(lambda: meters[0].relay_open, timeout_s=10)
                await in_thread(lambda: record_payment(
                    account_no=permit_only.account_no, amount_fen=1_000, channel="counter",
                    channel_txn_id=f"permit-{base}", received_at=clock(), business_day=clock().date()))

                def case() -> ReconnectCase:
                    return ReconnectCase.objects.get(account=permit_only)

                await until(lambda: case().close_permitted_at is not None, timeout_s=10)
                await until(lambda: case().confirmed_at is not None, timeout_s=15)
                assert not meters[0].relay_open
                assert await in_thread(lambda: Account.objects.get(id=permit_only.id).supply_state) == "connected"

                # The silent meter: asked again after 10 minutes, 30 minutes, 2 hours, then listed.
                def silent() -> list[tuple[str, str]]:
                    return list(DailyRead.objects.filter(meter__dlt645_address=addresses[3])
                                .values_list("status", "gap_reason").distinct())

                for minutes in (11, 42, 163, 300):
                    moved[0] = timedelta(minutes=minutes)
                    await asyncio.sleep(1)
                await until(lambda: silent() == [("gap", "silent")], timeout_s=10)
            finally:
                stop.set()
                await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(scenario())


def test_a_gateway_without_daily_reads_runs_until_stopped() -> None:
    """`gridpay gateway --no-daily-reads` (another system brings the readings): no wave is asked, and the gateway
    serves commands until told to stop, instead of taking its idle read loop for a dead one."""

    async def scenario() -> None:
        async with mqtt.embedded_broker() as broker:
            stop, ready = asyncio.Event(), asyncio.Event()
            gateway = Gateway(broker=broker, head_end=HeadEnd(policy=POLICY), clock=running_clock(), poll_s=0.1,
                              sweep_s=0.3, wave_meters=0, wave_s=0.05)
            task = asyncio.create_task(gateway.run(stop=stop, ready=ready))
            connected = asyncio.create_task(ready.wait())
            await asyncio.wait([task, connected], timeout=10, return_when=asyncio.FIRST_COMPLETED)
            assert ready.is_set() and not task.done()
            await asyncio.sleep(1)
            assert not task.done()
            stop.set()
            await asyncio.wait_for(task, timeout=30)  # raises GatewayTaskDied if a loop ended by itself
            assert gateway.stats.reads_asked == 0

    asyncio.run(scenario())
