"""The control loop on a real database: disconnection runs, the re-check before sending, payments that reconnect,
answers, read-backs, timeouts, retries and escalation, alerts once per crossing."""

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from django.db import connection

from gridpay.application.customers.enrol_account import Enrolment, enrol_account
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.supply import enforce_supply as enforce_supply_module
from gridpay.application.supply.enforce_supply import enforce_supply
from gridpay.application.supply.evaluate_alerts import evaluate_alerts
from gridpay.application.supply.head_end import HeadEnd
from gridpay.application.supply.loop_summary import loop_summary
from gridpay.data.models import (
    Account,
    CallTask,
    GridStaff,
    LedgerAccount,
    Meter,
    MeterCommand,
    Notification,
    ReconnectCase,
    SupplyPolicySettings,
    Village,
    WorkOrder,
)
from gridpay.data.models.meter_commands import LIVE
from gridpay.data.queries.supply import lock_disconnection_standings
from gridpay.data.settings import gridpay_settings
from gridpay.domain.meter_commands import CommandPolicy
from tests.support import dlt645_peer as peer
from tests.support.accounts import enrol
from tests.support.clock import SHANGHAI

pytestmark = pytest.mark.django_db

# Tuesday 2025-03-11 10:00 in Shanghai: a working day, inside the window.
MONDAY_EVENING = datetime(2025, 3, 10, 20, 0, tzinfo=SHANGHAI)
TUESDAY_10 = datetime(2025, 3, 11, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _tariff(zj_tariff: str) -> None:
    pass


def in_arrears(number: int, *, since: datetime = MONDAY_EVENING, **kwargs: object) -> Account:
    account = enrol(number, opening_balance_fen=0, phone=f"1390000{number:04d}", **kwargs)  # type: ignore[arg-type]
    LedgerAccount.objects.filter(id=account.ledger_account_id).update(balance_fen=-1_250)
    Account.objects.filter(id=account.id).update(arrears_since=since)
    return account


def pay(account: Account, amount_fen: int, at: datetime, txn: str = "t1") -> None:
    record_payment(account_no=account.account_no, amount_fen=amount_fen, channel="counter", channel_txn_id=txn,
                   received_at=at, business_day=at.astimezone(SHANGHAI).date())


def command_of(account: Account) -> MeterCommand:
    return MeterCommand.objects.filter(account=account).order_by("-id").first()  # type: ignore[return-value]


STATUS_WORD_3 = peer.identifier(0x04, 0x00, 0x05, 0x03)
TRIP, CLOSE_DIRECTLY = 0x1A, 0x1C


def accept(address: str) -> bytes:
    return peer.control_accepted(address)


def relay(address: str, *, relay_open: bool) -> bytes:
    return peer.read_answer(address, STATUS_WORD_3, peer.status_word_3(relay_open=relay_open,
                                                                      command_open=relay_open))


def action_of(frame: bytes) -> int:
    return peer.remote_control(peer.decode(frame).data).action


def test_arrears_since_yesterday_are_disconnected_in_the_window_and_confirmed_by_read_back() -> None:
    due = in_arrears(1)
    fresh = in_arrears(2, since=TUESDAY_10 - timedelta(hours=1))  # arrears of today: tomorrow
    report = enforce_supply(at=TUESDAY_10)
    assert report.queued == 1 and report.outcomes["not_due"] == 1
    assert not MeterCommand.objects.filter(account=fresh).exists()

    head_end = HeadEnd()
    sent = head_end.outbound(at=TUESDAY_10)
    address = due.meters.get().dlt645_address
    assert [a for a, _ in sent] == [address]
    command = peer.remote_control(peer.decode(sent[0][1]).data)
    assert command.action == TRIP
    assert command.expires_at > TUESDAY_10.replace(tzinfo=None)  # meter wall clock, Shanghai

    inbound = head_end.inbound(frames=[accept(address)], at=TUESDAY_10 + timedelta(seconds=2))
    assert inbound.to_send == [(address, peer.read_request(address, STATUS_WORD_3))]
    assert command_of(due).status == "acknowledged"
    confirmed = head_end.inbound(frames=[relay(address, relay_open=True)], at=TUESDAY_10 + timedelta(seconds=3))
    assert confirmed.confirmed == 1
    assert command_of(due).status == "confirmed"
    assert Account.objects.get(id=due.id).supply_state == "disconnected"
    assert Notification.objects.filter(account=due, kind="disconnected").count() == 1
    # The third call is due the day the disconnection is executed (seed 000 「自动停电执行后当天」).
    assert CallTask.objects.filter(account=due, reason="after_disconnection", due_on=date(2025, 3, 11)).exists()


def test_no_disconnection_outside_the_window_for_protected_accounts_or_in_a_weather_block() -> None:
    in_arrears(1)
    protected = in_arrears(2, protected_reason="独居老人")
    saturday = datetime(2025, 3, 15, 10, 0, tzinfo=SHANGHAI)
    assert enforce_supply(at=saturday).queued == 0
    assert enforce_supply(at=TUESDAY_10.replace(hour=17)).queued == 0
    SupplyPolicySettings.objects.create(id=1, weather_block=True, updated_at=TUESDAY_10)
    assert enforce_supply(at=TUESDAY_10).window_closed == "weather_block"
    SupplyPolicySettings.objects.filter(id=1).update(weather_block=False)
    report = enforce_supply(at=TUESDAY_10)
    assert report.queued == 1 and report.outcomes["protected"] == 1
    assert not MeterCommand.objects.filter(account=protected).exists()
    assert WorkOrder.objects.filter(account=protected, kind="protected_review").count() == 1
    enforce_supply(at=TUESDAY_10 + timedelta(minutes=30))
    assert WorkOrder.objects.filter(account=protected).count() == 1  # one order per arrears, not per run


def test_a_payment_before_sending_cancels_the_disconnect_and_nothing_goes_out() -> None:
    account = in_arrears(1)
    enforce_supply(at=TUESDAY_10)
    pay(account, 2_000, TUESDAY_10 + timedelta(seconds=1))
    assert command_of(account).status == "cancelled"
    assert HeadEnd().outbound(at=TUESDAY_10 + timedelta(seconds=2)) == []
    assert not Meter.objects.get(account=account).relay_open_desired


def test_the_send_time_re_check_cancels_a_disconnect_whose_arrears_were_paid_another_way() -> None:
    account = in_arrears(1)
    enforce_supply(at=TUESDAY_10)
    LedgerAccount.objects.filter(id=account.ledger_account_id).update(balance_fen=0)  # e.g. a bill adjustment
    assert HeadEnd().outbound(at=TUESDAY_10) == []
    assert command_of(account).status == "cancelled"


def test_a_payment_during_a_disconnect_in_flight_reconnects_after_it_never_before() -> None:
    account = in_arrears(1)
    address = account.meters.get().dlt645_address
    head_end = HeadEnd()
    enforce_supply(at=TUESDAY_10)
    head_end.outbound(at=TUESDAY_10)
    pay(account, 5_000, TUESDAY_10 + timedelta(seconds=1))
    reconnect = command_of(account)
    assert (reconnect.action, reconnect.status) == ("reconnect", "held")
    assert head_end.outbound(at=TUESDAY_10 + timedelta(seconds=2)) == []  # nothing overtakes the disconnect
    head_end.inbound(frames=[accept(address)], at=TUESDAY_10 + timedelta(seconds=3))
    head_end.inbound(frames=[relay(address, relay_open=True)], at=TUESDAY_10 + timedelta(seconds=4))
    sent = head_end.outbound(at=TUESDAY_10 + timedelta(seconds=5))
    assert [action_of(f) for _, f in sent] == [CLOSE_DIRECTLY]  # a 2013 meter: closed directly
    head_end.inbound(frames=[accept(address)], at=TUESDAY_10 + timedelta(seconds=6))
    head_end.inbound(frames=[relay(address, relay_open=False)], at=TUESDAY_10 + timedelta(seconds=7))
    assert Account.objects.get(id=account.id).supply_state == "connected"
    case = ReconnectCase.objects.get(account=account)
    assert case.confirmed_at == TUESDAY_10 + timedelta(seconds=7)
    assert case.due_by == TUESDAY_10 + timedelta(seconds=1, hours=24)


def test_paying_a_disconnected_account_queues_the_reconnect_at_once_and_only_once() -> None:
    account = in_arrears(1)
    Account.objects.filter(id=account.id).update(supply_state="disconnected")
    Meter.objects.filter(account=account).update(relay_open_reported=True, relay_open_desired=True)
    pay(account, 1_000, TUESDAY_10)  # not enough: still -2.50
    assert not MeterCommand.objects.filter(account=account).exists()
    pay(account, 1_000, TUESDAY_10, txn="t2")
    pay(account, 1_000, TUESDAY_10, txn="t2")  # a replay credits nothing and queues nothing
    pay(account, 500, TUESDAY_10, txn="t3")
    assert list(MeterCommand.objects.filter(account=account).values_list("action", "status")) == [
        ("reconnect", "queued")
    ]
    assert Account.objects.get(id=account.id).arrears_since is None


def test_an_unanswered_command_is_retried_with_backoff_then_escalated_to_a_work_order() -> None:
    staff = GridStaff.objects.create(name="王网格", phone="13800000000")
    Village.objects.create(name="上村", town="测试镇", grid_staff=staff)
    account = in_arrears(1, village="上村")
    policy = CommandPolicy(answer_timeout_s=30, max_attempts=3, backoff_s=(60, 300))
    head_end = HeadEnd(policy=policy)
    enforce_supply(at=TUESDAY_10)
    at = TUESDAY_10
    for attempt, backoff in ((1, 60), (2, 300)):
        assert len(head_end.outbound(at=at)) == 1
        assert head_end.sweep(at=at + timedelta(seconds=31)).timed_out == 1
        command = command_of(account)
        assert (command.status, command.attempts) == ("queued", attempt)
        assert command.next_attempt_at == at + timedelta(seconds=31 + backoff)
        assert head_end.outbound(at=command.next_attempt_at - timedelta(seconds=1)) == []
        at = command.next_attempt_at
    head_end.outbound(at=at)
    head_end.sweep(at=at + timedelta(seconds=31))
    assert command_of(account).status == "escalated"
    order = WorkOrder.objects.get(account=account)
    assert order.kind == "disconnect_failed" and "3 次" in order.detail
    assert Notification.objects.filter(phone=staff.phone, kind="disconnect_failed_staff").count() == 1
    assert not MeterCommand.objects.filter(account=account, status__in=LIVE).exists()


def test_a_denied_command_and_a_disagreeing_read_back_count_as_failed_attempts() -> None:
    account = in_arrears(1)
    address = account.meters.get().dlt645_address
    head_end = HeadEnd()
    enforce_supply(at=TUESDAY_10)
    head_end.outbound(at=TUESDAY_10)
    denied = peer.control_refused(address, 0x04)
    assert head_end.inbound(frames=[denied], at=TUESDAY_10).failed == 1
    command = command_of(account)
    assert command.status == "queued" and "0x04" in command.last_error
    head_end.outbound(at=command.next_attempt_at)
    head_end.inbound(frames=[accept(address)], at=command.next_attempt_at)
    assert head_end.inbound(frames=[relay(address, relay_open=False)], at=command.next_attempt_at).failed == 1
    assert Account.objects.get(id=account.id).supply_state == "connected"  # the meter's word counts


def test_drift_adopts_the_meters_word_and_puts_wanted_supply_back() -> None:
    account = enrol(1, opening_balance_fen=5_000)
    address = account.meters.get().dlt645_address
    report = HeadEnd().inbound(frames=[relay(address, relay_open=True)], at=TUESDAY_10)
    assert report.drift == 1
    assert Account.objects.get(id=account.id).supply_state == "disconnected"
    assert (command_of(account).action, command_of(account).status) == ("reconnect", "queued")


def test_alerts_fire_once_per_crossing_and_re_arm_after_a_top_up() -> None:
    account = enrol(1, opening_balance_fen=4_000, phone="13900001111")
    day = date(2025, 3, 10)
    at = datetime(2025, 3, 11, 1, 30, tzinfo=SHANGHAI)  # settlement runs at night: SMS wait until 08:00
    report = evaluate_alerts(day=day, at=at)
    assert report.sent == {"low_balance_first": 1}
    sms = Notification.objects.get(account=account)
    assert sms.not_before == datetime(2025, 3, 11, 8, 0, tzinfo=SHANGHAI)
    assert account.account_no in sms.text and "40.00" in sms.text
    assert evaluate_alerts(day=day + timedelta(days=1), at=at + timedelta(days=1)).sent == {}
    pay(account, 10_000, at + timedelta(days=1, hours=8))
    assert Account.objects.get(id=account.id).alerts_fired == ""
    LedgerAccount.objects.filter(id=account.ledger_account_id).update(balance_fen=-10)
    report = evaluate_alerts(day=day + timedelta(days=3), at=at + timedelta(days=3))
    assert report.sent == {"arrears": 1} and report.entered_arrears == 1
    arrears = Notification.objects.get(account=account, kind="arrears")
    assert "3月17日" in arrears.text  # arrears on Friday the 14th: the next day is a Saturday, so Monday


def test_a_customers_own_first_level_alerts_earlier_and_re_arms_at_it() -> None:
    """RULES §5: 50 yuan by default; a customer who chose 100 yuan in the portal hears at 80 yuan, a neighbour not."""
    own = enrol(1, opening_balance_fen=8_000, phone="13900001111")
    neighbour = enrol(2, opening_balance_fen=8_000, phone="13900002222")
    Account.objects.filter(id=own.id).update(alert_first_fen=10_000)
    day, at = date(2025, 3, 10), datetime(2025, 3, 11, 1, 30, tzinfo=SHANGHAI)
    assert evaluate_alerts(day=day, at=at).sent == {"low_balance_first": 1}
    assert Notification.objects.filter(account=own, kind="low_balance_first").count() == 1
    assert not Notification.objects.filter(account=neighbour).exists()
    pay(own, 1_000, at + timedelta(hours=8))  # 90 yuan: still under the customer's own level, stays fired
    assert Account.objects.get(id=own.id).alerts_fired == "low_balance_first"
    pay(own, 2_000, at + timedelta(hours=9), txn="t2")  # 110 yuan: above it, re-armed
    assert Account.objects.get(id=own.id).alerts_fired == ""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_payment_racing_the_send_either_cancels_the_disconnect_or_queues_a_reconnect_behind_it() -> None:
    """The re-check at sending and the payment's reconnect meet on the command row's lock: whichever
    commits first, a paid account is never left with a disconnect and nothing to undo it."""
    rounds = 12
    head_end = HeadEnd()
    outcomes: list[str] = []
    for n in range(rounds):
        account = in_arrears(n + 1)
        assert enforce_supply(at=TUESDAY_10).queued == 1
        delay_s = 0.004 * n  # from sending first to paying first, across the rounds
        run_together(
            partial(send_after, head_end, delay_s),
            partial(pay, account, 5_000, TUESDAY_10 + timedelta(seconds=1), txn=f"race-{n}"),
        )
        statuses = dict(MeterCommand.objects.filter(account=account).values_list("action", "status"))
        outcomes.append(statuses["disconnect"])
        if statuses["disconnect"] == "sent":
            assert statuses.get("reconnect") == "held"
        else:
            assert statuses == {"disconnect": "cancelled"}
    assert {"sent", "cancelled"} <= set(outcomes), outcomes  # both orders happened


def send_after(head_end: HeadEnd, delay_s: float) -> None:
    time.sleep(delay_s)
    head_end.outbound(at=TUESDAY_10 + timedelta(seconds=1))


def run_together(*works: Callable[[], object]) -> None:
    """Each work on its own thread and database connection, released at the same instant."""
    barrier = threading.Barrier(len(works))
    errors: list[BaseException] = []

    def run(work: Callable[[], object]) -> None:
        try:
            barrier.wait()
            work()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []


def test_enrolling_an_account_for_smart_payment_opens_the_first_call_for_its_grid_staff() -> None:
    staff = GridStaff.objects.create(name="赵网格", phone="13800000009")
    Village.objects.create(name="下村", town="测试镇", grid_staff=staff)
    future = enrol(1, prepaid_since=date(2025, 1, 5), installed_on=date(2025, 1, 1), village="下村")
    enrol_account(  # imported today, on smart payment since December: no call before enabling
        enrolment=Enrolment(account_no="3301099999", customer_name="老户", tariff_code="zj-resident-2024",
                            meter_no="M99", dlt645_address="000000000099", installed_on=date(2024, 11, 30),
                            prepaid_since=date(2024, 12, 1)),
        at=TUESDAY_10, business_day=date(2025, 3, 11),
    )
    task = CallTask.objects.get()
    assert (task.account_id, task.reason, task.grid_staff_id) == (future.id, "before_enabling", staff.id)


def test_a_reconnection_not_confirmed_in_time_alarms_the_grid_staff_and_becomes_one_work_order() -> None:
    staff = GridStaff.objects.create(name="钱网格", phone="13800000010")
    Village.objects.create(name="中村", town="测试镇", grid_staff=staff)
    account = in_arrears(1, village="中村")
    Account.objects.filter(id=account.id).update(supply_state="disconnected")
    Meter.objects.filter(account=account).update(relay_open_reported=True, relay_open_desired=True)
    pay(account, 5_000, TUESDAY_10)
    head_end = HeadEnd(policy=CommandPolicy(answer_timeout_s=30, max_attempts=3, backoff_s=(600,)))
    head_end.outbound(at=TUESDAY_10)  # the meter never answers
    assert head_end.sweep(at=TUESDAY_10 + timedelta(minutes=14)).alarms == 0
    assert head_end.sweep(at=TUESDAY_10 + timedelta(minutes=15)).alarms == 1
    assert head_end.sweep(at=TUESDAY_10 + timedelta(minutes=16)).alarms == 0  # once
    assert Notification.objects.filter(phone=staff.phone, kind="reconnect_overdue_staff").count() == 1
    at = TUESDAY_10 + timedelta(minutes=16)
    for _ in range(3):  # the remaining attempts run out too
        at = command_of(account).next_attempt_at
        head_end.outbound(at=at)
        head_end.sweep(at=at + timedelta(seconds=31))
    assert command_of(account).status == "escalated"
    order = WorkOrder.objects.get(account=account)  # the alarm's order, not a second one
    assert order.kind == "reconnect_failed" and ReconnectCase.objects.get(account=account).alarm_raised_at


def test_the_loop_summary_counts_reconnections_past_their_24_hour_commitment() -> None:
    account = in_arrears(1)
    Account.objects.filter(id=account.id).update(supply_state="disconnected")
    Meter.objects.filter(account=account).update(relay_open_reported=True, relay_open_desired=True)
    pay(account, 5_000, TUESDAY_10)
    assert loop_summary(now=TUESDAY_10 + timedelta(hours=23)).reconnections_overdue == 0
    late = loop_summary(now=TUESDAY_10 + timedelta(hours=24, seconds=1))
    assert (late.reconnections_pending, late.reconnections_overdue) == (1, 1)


def connections_to_this_database() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def run_in_batches(monkeypatch: pytest.MonkeyPatch, settings: Any, *, size: int, workers: int) -> None:
    """Disconnection runs in batches of ``size`` accounts, ``workers`` at once."""
    settings.GRIDPAY = replace(gridpay_settings(), supply_run_workers=workers)
    monkeypatch.setattr(enforce_supply_module, "BATCH", size)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_batches_run_side_by_side_decide_and_queue_each_account_as_one_after_another_would(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    run_in_batches(monkeypatch, settings, size=3, workers=3)
    due = [in_arrears(n) for n in range(1, 12)]
    protected = in_arrears(12, protected_reason="独居老人")
    fresh = in_arrears(13, since=TUESDAY_10 - timedelta(hours=1))
    before = connections_to_this_database()
    threads: set[int] = set()

    def standings_noting_the_thread(account_ids: list[int]) -> Any:
        threads.add(threading.get_ident())
        return lock_disconnection_standings(account_ids)

    monkeypatch.setattr(enforce_supply_module, "lock_disconnection_standings", standings_noting_the_thread)

    report = enforce_supply(at=TUESDAY_10)

    assert (report.candidates, report.queued) == (13, 11)
    assert len(threads) > 1 and threading.get_ident() not in threads  # batches ran side by side, off the caller's
    assert report.outcomes == {"disconnect": 11, "protected": 1, "not_due": 1}
    assert sorted(MeterCommand.objects.values_list("account_id", "action", "status")) == [
        (a.id, "disconnect", "queued") for a in due]
    assert WorkOrder.objects.filter(account=protected, kind="protected_review").count() == 1
    assert not MeterCommand.objects.filter(account=fresh).exists()
    assert set(Meter.objects.filter(account__in=due).values_list("relay_open_desired", flat=True)) == {True}
    assert connections_to_this_database() == before  # each batch's connection closed with it
    assert enforce_supply(at=TUESDAY_10).queued == 0  # nothing queued twice


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_batch_that_fails_leaves_its_accounts_untouched_and_stops_the_run(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    run_in_batches(monkeypatch, settings, size=2, workers=2)
    accounts = [in_arrears(n) for n in range(1, 9)]
    failing = {accounts[2].id, accounts[3].id}  # the second batch
    queue = enforce_supply_module._queue_disconnects

    def queue_or_fail(pairs: list[tuple[int, int]], **kwargs: Any) -> int:
        queued = queue(pairs, **kwargs)
        if {account_id for account_id, _ in pairs} == failing:
            raise RuntimeError("the database went away")
        return queued

    monkeypatch.setattr(enforce_supply_module, "_queue_disconnects", queue_or_fail)
    with pytest.raises(RuntimeError, match="went away"):
        enforce_supply(at=TUESDAY_10)

    queued = set(MeterCommand.objects.values_list("account_id", flat=True))
    assert not queued & failing  # the failed batch's commands rolled back with it
    assert {accounts[0].id, accounts[1].id} <= queued  # the first batch committed before the second failed
    assert not Meter.objects.filter(account_id__in=failing, relay_open_desired=True).exists()
    monkeypatch.setattr(enforce_supply_module, "_queue_disconnects", queue)  # the database is back
    assert enforce_supply(at=TUESDAY_10).queued == 8 - len(queued)  # a new run takes the rest


def test_a_command_timed_out_leaves_the_relay_unknown_and_a_late_answer_is_recorded_and_read_back() -> None:
    # Issue 20: a meter that carries out the disconnect but answers after the timeout.
    account = in_arrears(1)
    address = account.meters.get().dlt645_address
    head_end = HeadEnd(policy=CommandPolicy(answer_timeout_s=30))
    enforce_supply(at=TUESDAY_10)
    assert action_of(head_end.outbound(at=TUESDAY_10)[0][1]) == TRIP
    swept = head_end.sweep(at=TUESDAY_10 + timedelta(seconds=31))
    assert swept.timed_out == 1
    assert [(a, peer.decode(f).control) for a, f in swept.to_send] == [(address, 0x11)]  # the relay read back now
    meter = Meter.objects.get(account=account)
    assert meter.relay_unknown_since == TUESDAY_10 + timedelta(seconds=31)
    assert Account.objects.get(id=account.id).supply_state == "connected"  # not known otherwise yet
    late = head_end.inbound(frames=[accept(address)], at=TUESDAY_10 + timedelta(seconds=40))
    assert [peer.decode(f).control for _, f in late.to_send] == [0x11]
    command = command_of(account)
    assert command.events.filter(event="late_answer", detail__contains="表计已执行").count() == 1
    assert command.status == "queued"  # still waiting for its retry: only the read-back says what happened
    head_end.inbound(frames=[relay(address, relay_open=True)], at=TUESDAY_10 + timedelta(seconds=70))
    command = command_of(account)
    assert (command.status, command.attempts) == ("confirmed", 1)  # no second frame needed
    assert Account.objects.get(id=account.id).supply_state == "disconnected"
    meter = Meter.objects.get(account=account)
    assert meter.relay_open_reported is True and meter.relay_unknown_since is None


def test_a_read_back_after_a_timeout_that_finds_the_command_not_done_leaves_the_retry_to_go_out() -> None:
    account = in_arrears(1)
    address = account.meters.get().dlt645_address
    head_end = HeadEnd(policy=CommandPolicy(answer_timeout_s=30, backoff_s=(60,)))
    enforce_supply(at=TUESDAY_10)
    head_end.outbound(at=TUESDAY_10)
    head_end.sweep(at=TUESDAY_10 + timedelta(seconds=31))
    head_end.inbound(frames=[relay(address, relay_open=False)], at=TUESDAY_10 + timedelta(seconds=35))
    command = command_of(account)
    assert (command.status, command.attempts) == ("queued", 1)
    assert Meter.objects.get(account=account).relay_unknown_since is None  # known again: closed
    assert len(head_end.outbound(at=command.next_attempt_at)) == 1


def test_a_payment_after_an_escalated_disconnect_queues_a_reconnect() -> None:
    # Issue 20: the escalated disconnect left the account "connected" while its relay may well be open.
    account = in_arrears(1)
    head_end = HeadEnd(policy=CommandPolicy(answer_timeout_s=30, max_attempts=1))
    enforce_supply(at=TUESDAY_10)
    head_end.outbound(at=TUESDAY_10)
    head_end.sweep(at=TUESDAY_10 + timedelta(seconds=31))
    assert command_of(account).status == "escalated"
    assert Account.objects.get(id=account.id).supply_state == "connected"
    assert Meter.objects.get(account=account).relay_unknown_since is not None
    pay(account, 5_000, TUESDAY_10 + timedelta(minutes=5))
    reconnect = command_of(account)
    assert (reconnect.action, reconnect.status) == ("reconnect", "queued")
    assert ReconnectCase.objects.filter(account=account, command=reconnect).exists()


def test_a_payment_to_a_connected_account_whose_relay_is_known_closed_queues_nothing() -> None:
    account = enrol(1, opening_balance_fen=5_000)
    Meter.objects.filter(account=account).update(relay_open_reported=False)
    pay(account, 1_000, TUESDAY_10)
    assert not MeterCommand.objects.filter(account=account).exists()
