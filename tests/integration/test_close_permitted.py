"""Reconnection per meter model: 1C closes a 2013 meter at once; a meter without 1C gets 1B, its customer is told to
press the button and its grid staff get a task, the case is "close permitted" and then "restored" when a later read
finds the relay closed; past the 24-hour commitment someone goes. Meters spoken to by an independent codec."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.supply.enforce_supply import enforce_supply
from gridpay.application.supply.head_end import HeadEnd
from gridpay.data.models import (
    Account,
    CallTask,
    GridStaff,
    LedgerAccount,
    Meter,
    MeterCommand,
    Notification,
    ReconnectCase,
    Village,
    WorkOrder,
)
from gridpay.demo.town_loop import TownLoop
from gridpay.domain.meter_commands import CommandPolicy
from gridpay.integrations.headend.meter_simulator import SimulatedMeter
from tests.support import dlt645_peer as peer
from tests.support.accounts import enrol
from tests.support.clock import SHANGHAI

pytestmark = pytest.mark.django_db
MONDAY_EVENING = datetime(2025, 3, 10, 20, 0, tzinfo=SHANGHAI)
TUESDAY_10 = datetime(2025, 3, 11, 10, 0, tzinfo=SHANGHAI)
POLICY = CommandPolicy(permit_poll_s=600)


@pytest.fixture(autouse=True)
def _tariff(zj_tariff: str) -> None:
    staff = GridStaff.objects.create(name="周网格", phone="13800000021")
    Village.objects.create(name="东村", town="测试镇", grid_staff=staff)


def disconnected(number: int, *, model: str, meter: SimulatedMeter | None = None) -> tuple[Account, SimulatedMeter]:
    account = enrol(number, opening_balance_fen=0, phone=f"1390000{number:04d}", village="东村", meter_model=model)
    LedgerAccount.objects.filter(id=account.ledger_account_id).update(balance_fen=-1_250)
    Account.objects.filter(id=account.id).update(arrears_since=MONDAY_EVENING)
    meter = meter or SimulatedMeter(address=account.meters.get().dlt645_address)
    enforce_supply(at=TUESDAY_10)
    carry(HeadEnd(policy=POLICY), [meter], TUESDAY_10)
    assert meter.relay_open
    return account, meter


def carry(head_end: HeadEnd, meters: list[SimulatedMeter], at: datetime, *, sweep: bool = False) -> list[int]:
    """What the gateway does; returns the N1 of every remote control sent."""
    by_address = {m.address: m for m in meters}
    frames = (head_end.sweep(at=at).to_send if sweep else []) + head_end.outbound(at=at)
    actions = []
    while frames:
        for _, frame in frames:
            sent = peer.decode(frame)
            if sent.control == 0x1C:
                actions.append(peer.remote_control(sent.data).action)
        answers = [reply for address, frame in frames if (reply := by_address[address].handle(frame, now_local=at))]
        frames = head_end.inbound(frames=answers, at=at).to_send + head_end.outbound(at=at)
    return actions


def pay(account: Account, at: datetime) -> None:
    record_payment(account_no=account.account_no, amount_fen=5_000, channel="counter", channel_txn_id="p1",
                   received_at=at, business_day=at.date())


def test_a_2013_meter_is_closed_directly() -> None:
    account, meter = disconnected(1, model="DDZY-2013")
    paid_at = TUESDAY_10 + timedelta(hours=1)
    pay(account, paid_at)
    assert carry(HeadEnd(policy=POLICY), [meter], paid_at) == [0x1C]
    assert not meter.relay_open
    case = ReconnectCase.objects.get(account=account)
    assert case.confirmed_at == paid_at and case.close_permitted_at is None
    assert Account.objects.get(id=account.id).supply_state == "connected"


def test_a_meter_without_1c_is_permitted_to_close_then_restored_when_its_customer_presses() -> None:
    meter = SimulatedMeter(address="000000000002", direct_close=False, press_after=timedelta(minutes=25))
    account, meter = disconnected(2, model="DDZY-2009", meter=meter)
    head_end = HeadEnd(policy=POLICY)
    paid_at = TUESDAY_10 + timedelta(hours=1)
    pay(account, paid_at)
    assert carry(head_end, [meter], paid_at) == [0x1B]
    assert meter.relay_open, "1B leaves the relay to the customer"
    reconnect = MeterCommand.objects.get(account=account, action="reconnect")
    assert reconnect.status == "confirmed" and reconnect.attempts == 1, "no retries: 1B did all it can"
    case = ReconnectCase.objects.get(account=account)
    assert case.close_permitted_at == paid_at and case.confirmed_at is None
    assert Account.objects.get(id=account.id).supply_state == "disconnected"
    told = Notification.objects.get(account=account, kind="close_permitted_button")
    assert "合闸按钮" in told.text and account.account_no in told.text
    task = CallTask.objects.get(account=account, reason="close_permitted")
    assert task.grid_staff is not None and task.due_on == paid_at.date()
    assert not WorkOrder.objects.exists()

    # Asked every 10 minutes whether the relay closed; the customer pressed after 25.
    assert carry(head_end, [meter], paid_at + timedelta(minutes=5), sweep=True) == []
    for minutes in (10, 20):
        carry(head_end, [meter], paid_at + timedelta(minutes=minutes), sweep=True)
        assert ReconnectCase.objects.get(id=case.id).confirmed_at is None
    carry(head_end, [meter], paid_at + timedelta(minutes=30), sweep=True)
    case.refresh_from_db()
    assert case.confirmed_at == paid_at + timedelta(minutes=30)
    assert Account.objects.get(id=account.id).supply_state == "connected"
    assert Notification.objects.filter(account=account, kind="reconnected").count() == 1
    assert not MeterCommand.objects.filter(account=account, action="reconnect").exclude(id=reconnect.id).exists(), \
        "waiting for the customer is no drift to reconcile"
    assert not WorkOrder.objects.exists()


def test_a_customer_who_never_closes_the_breaker_gets_a_visit_after_the_24_hours() -> None:
    meter = SimulatedMeter(address="000000000003", direct_close=False, press_after=None)
    account, meter = disconnected(3, model="DTZY-EXT", meter=meter)
    head_end = HeadEnd(policy=POLICY)
    paid_at = TUESDAY_10 + timedelta(hours=1)
    pay(account, paid_at)
    carry(head_end, [meter], paid_at)
    assert Notification.objects.filter(account=account, kind="close_permitted_breaker").count() == 1
    carry(head_end, [meter], paid_at + timedelta(hours=2), sweep=True)
    assert not WorkOrder.objects.exists(), "the minutes' alarm is for our side, which is done"
    carry(head_end, [meter], paid_at + timedelta(hours=24, minutes=1), sweep=True)
    order = WorkOrder.objects.get(account=account)
    assert order.kind == "reconnect_failed" and "仍未合闸" in order.detail
    staff_sms = Notification.objects.get(kind="close_not_taken_staff")
    assert staff_sms.phone == "13800000021"
    carry(head_end, [meter], paid_at + timedelta(hours=30), sweep=True)
    assert WorkOrder.objects.count() == 1 and Notification.objects.filter(kind="close_not_taken_staff").count() == 1


def test_a_meter_of_no_known_model_gets_1b_which_every_meter_obeys() -> None:
    meter = SimulatedMeter(address="000000000004", direct_close=True, press_after=timedelta(minutes=1))
    account, meter = disconnected(4, model="", meter=meter)
    paid_at = TUESDAY_10 + timedelta(hours=1)
    pay(account, paid_at)
    assert carry(HeadEnd(policy=POLICY), [meter], paid_at) == [0x1B]
    assert ReconnectCase.objects.get(account=account).close_permitted_at == paid_at


def test_a_meter_that_takes_1c_yet_reads_open_is_retried_not_permitted() -> None:
    account, meter = disconnected(5, model="DDZY-2013")
    head_end = HeadEnd(policy=POLICY)
    paid_at = TUESDAY_10 + timedelta(hours=1)
    pay(account, paid_at)
    head_end.outbound(at=paid_at)
    answers = [peer.control_accepted(meter.address)]
    read = head_end.inbound(frames=answers, at=paid_at).to_send
    assert len(read) == 1
    status = peer.read_answer(meter.address, peer.identifier(0x04, 0x00, 0x05, 0x03),
                              peer.status_word_3(relay_open=True, command_open=False))
    assert head_end.inbound(frames=[status], at=paid_at).failed == 1
    assert MeterCommand.objects.get(account=account, action="reconnect").status == "queued"


def test_read_backs_of_several_meters_are_stored_together_and_each_finds_its_own_case() -> None:
    """The relay polls of close-permitted meters answered in one batch: each meter's relay stored (in one statement
    per relay state), the one whose customer pressed restored, the others still waiting."""
    head_end = HeadEnd(policy=POLICY)
    paid_at = TUESDAY_10 + timedelta(hours=1)
    fleet = []
    for number, press in ((6, timedelta(minutes=5)), (7, None), (8, None)):
        meter = SimulatedMeter(address=f"{number:012d}", direct_close=False, press_after=press)
        account, meter = disconnected(number, model="DDZY-2009", meter=meter)
        record_payment(account_no=account.account_no, amount_fen=5_000, channel="counter",
                       channel_txn_id=f"p{number}", received_at=paid_at, business_day=paid_at.date())
        fleet.append((account, meter))
    meters = [m for _, m in fleet]
    assert carry(head_end, meters, paid_at) == [0x1B] * 3
    polled_at = paid_at + timedelta(minutes=10)
    swept = head_end.sweep(at=polled_at)
    assert sorted(swept.relay_reads) == sorted(m.address for m in meters)
    answers = [reply for address, frame in swept.to_send
               if (reply := {m.address: m for m in meters}[address].handle(frame, now_local=polled_at))]

    with CaptureQueriesContext(connection) as recorded:
        report = head_end.inbound(frames=answers, at=polled_at)
    assert report.restored == 1 and report.drift == 0
    updates = [q["sql"] for q in recorded.captured_queries if q["sql"].startswith('UPDATE "gridpay_meter" SET')]
    assert len([u for u in updates if "relay_reported_at" in u]) == 2, "one statement per relay state, not per meter"
    (pressed, _), *waiting = fleet
    assert ReconnectCase.objects.get(account=pressed).confirmed_at == polled_at
    assert Account.objects.get(id=pressed.id).supply_state == "connected"
    for account, meter in waiting:
        assert ReconnectCase.objects.get(account=account).confirmed_at is None
        assert Account.objects.get(id=account.id).supply_state == "disconnected"
        stored = Meter.objects.get(dlt645_address=meter.address)
        assert stored.relay_open_reported is True and stored.relay_reported_at == polled_at


def test_two_read_backs_of_one_meter_in_a_batch_are_taken_in_turn() -> None:
    meter = SimulatedMeter(address="000000000009", direct_close=False, press_after=None)
    account, meter = disconnected(9, model="DDZY-2009", meter=meter)
    head_end = HeadEnd(policy=POLICY)
    paid_at = TUESDAY_10 + timedelta(hours=1)
    pay(account, paid_at)
    carry(head_end, [meter], paid_at)
    at = paid_at + timedelta(minutes=3)
    status = peer.identifier(0x04, 0x00, 0x05, 0x03)
    still_open = peer.read_answer(meter.address, status, peer.status_word_3(relay_open=True, command_open=False))
    closed = peer.read_answer(meter.address, status, peer.status_word_3(relay_open=False, command_open=False))

    assert head_end.inbound(frames=[still_open, closed], at=at).restored == 1
    assert ReconnectCase.objects.get(account=account).confirmed_at == at
    assert Account.objects.get(id=account.id).supply_state == "connected"
    assert Meter.objects.get(id=meter_id(account)).relay_open_reported is False


def meter_id(account: Account) -> int:
    return Meter.objects.get(account=account).id


def test_the_demo_towns_loop_reads_nothing_until_something_falls_due() -> None:
    """The demo carries after every payment: it learns when the head-end's work next falls due, and a carry before
    then, with no command queued meanwhile, costs no statement."""
    meter = SimulatedMeter(address="000000000010", direct_close=False, press_after=timedelta(minutes=25))
    account, meter = disconnected(10, model="DDZY-2009", meter=meter)
    loop = TownLoop(meters={meter.address: meter}, address_of={account.account_no: meter.address},
                    head_end=HeadEnd(policy=POLICY))
    paid_at = TUESDAY_10 + timedelta(hours=1)
    loop.carry(at=paid_at)  # nothing queued yet
    with CaptureQueriesContext(connection) as idle:
        loop.carry(at=paid_at)
    assert idle.captured_queries == []

    pay(account, paid_at)  # a reconnect queued: the next carry reads, and sends it
    loop.carry(at=paid_at)
    assert MeterCommand.objects.get(account=account, action="reconnect").status == "confirmed"
    assert ReconnectCase.objects.get(account=account).close_permitted_at == paid_at
    with CaptureQueriesContext(connection) as before_the_poll:
        loop.carry(at=paid_at + timedelta(minutes=1))  # reads when the work falls due next: the poll at 10 minutes
        loop.carry(at=paid_at + timedelta(minutes=9))
    assert len(before_the_poll.captured_queries) == 1
    for minutes in (10, 20):
        loop.carry(at=paid_at + timedelta(minutes=minutes))
        assert ReconnectCase.objects.get(account=account).relay_polled_at == paid_at + timedelta(minutes=minutes)
    loop.carry(at=paid_at + timedelta(minutes=30))
    assert ReconnectCase.objects.get(account=account).confirmed_at == paid_at + timedelta(minutes=30)
    assert loop.supplied(account.account_no)
    with CaptureQueriesContext(connection) as done:
        loop.carry(at=paid_at + timedelta(hours=30))
        loop.carry(at=paid_at + timedelta(days=3))
    assert len(done.captured_queries) == 1, "nothing waits on any timer: one read says so, for good"
