"""Carries out a plan against the database through gridpay's real entry points; a step that crashes is done again.

What survives a crash is the outside world (`World`): WeChat Pay's server, the bank, the meters, and what the
customers and channels remember (an order made, a payment made, a notification acknowledged). gridpay's process
state does not: after a crash the connection is dropped, the locks it held are gone, and the step is done again
as the channel re-delivers, the operator re-runs the command, or the schedule comes round.
"""

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import time_machine
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.test import Client

from gridpay.application.customers.enrol_account import Enrolment, enrol_account
from gridpay.application.customers.install_builtin_meter_models import install_builtin_meter_models
from gridpay.application.payments.channels.create_channel_order import create_channel_order
from gridpay.application.payments.channels.refund_through_channel import refund_through_channel
from gridpay.application.payments.reconciliation.reconcile_channel import reconcile_channel
from gridpay.application.payments.withholding.export_batch import export_batch
from gridpay.application.payments.withholding.import_results import import_results
from gridpay.application.payments.withholding.queue_withholdings import queue_withholdings
from gridpay.application.payments.withholding.sign_agreement import sign_agreement
from gridpay.application.readings.import_readings import COLUMNS as READING_COLUMNS
from gridpay.application.readings.import_readings import import_readings
from gridpay.application.settlement.catch_up_settlement import settle_through
from gridpay.application.staff.issue_api_token import issue_api_token
from gridpay.application.supply.enforce_supply import enforce_supply
from gridpay.application.supply.evaluate_alerts import evaluate_alerts
from gridpay.application.supply.head_end import HeadEnd
from gridpay.application.supply.update_supply_policy import update_supply_policy
from gridpay.application.tariffs.install_builtin_tariffs import install_builtin_tariffs
from gridpay.data import run_lock
from gridpay.data.models import Account, LedgerAccount, MeterCommand
from gridpay.domain.errors import DomainError
from gridpay.integrations.channels.factory import build_online_channel
from gridpay.integrations.headend.meter_simulator import SimulatedMeter
from tests.faults.crashes import InjectedCrash
from tests.faults.steps import ACCOUNTS, SHANGHAI, Plan, Step
from tests.support.channel_servers import WeChatPayServer

CRASHES = (InjectedCrash, OperationalError, InterfaceError)
TARIFF = "zj-resident-2024"
DIRECT_CLOSE_MODEL, CLOSE_PERMIT_MODEL = "DDZY-2013", "DDZY-2009"
CLOSE_PERMIT_ACCOUNT = 1
ZONE = "Asia/Shanghai"


@dataclass
class World:
    """Everything outside gridpay's process, which a crash of gridpay leaves as it was."""

    plan: Plan
    wechat: WeChatPayServer
    token: str = ""
    meters: dict[str, SimulatedMeter] = field(default_factory=dict)
    orders: dict[str, str] = field(default_factory=dict)  # a step's reference → the order made for it
    paid: dict[str, str] = field(default_factory=dict)  # a step's reference → WeChat's transaction id
    acknowledged: set[tuple[str, str]] = field(default_factory=set)  # (channel, txn id) we answered 2xx to
    violations: list[str] = field(default_factory=list)
    restarts: int = 0
    runs_refused: int = 0  # a settlement (or another one-at-a-time run) refused while another ran
    # The campaign's own writes go through this, so that no crash is injected into them.
    quietly: Callable[[], AbstractContextManager[None]] = nullcontext
    step_started: Callable[[int], None] = lambda index: None  # tells the write counter which step runs
    bank_inbox: list[str] = field(default_factory=list)  # withholding batch files the bank has received
    bank_answered: int = 0  # of them, how many it has answered (the bank's own record)

    def account_no(self, index: int) -> str:
        return f"33019{index:05d}"


def build_town(world: World, *, at: Any) -> None:
    """The town of the plan: tariffs, a policy that disconnects on any day at once, accounts, an agreement, a token."""
    plan = world.plan
    install_builtin_tariffs()
    install_builtin_meter_models()  # a database emptied between seeds has lost what the migration put there
    update_supply_policy(changes={"window_working_days_only": False, "window_closed_on_holidays_and_eves": False,
                                  "disconnect_delay_days": 0, "disconnect_delay_minutes": 0}, at=at)
    for index in range(ACCOUNTS):
        address = f"99{plan.seed % 10**6:06d}{index:04d}"
        enrol_account(
            enrolment=Enrolment(
                account_no=world.account_no(index), customer_name=f"故障户{index}", tariff_code=TARIFF,
                meter_no=f"F{index:08d}", dlt645_address=address, installed_on=plan.first_day,
                prepaid_since=plan.first_day, opening_balance_fen=plan.opening_fen[index],
                phone=f"1390000{index:04d}", protected_reason="独居老人" if index == plan.protected else "",
                meter_model=CLOSE_PERMIT_MODEL if index == CLOSE_PERMIT_ACCOUNT else DIRECT_CLOSE_MODEL,
            ),
            at=at, business_day=plan.first_day,
        )
        # One meter takes only 1B: its customer presses the button some minutes after the close is permitted.
        world.meters[address] = SimulatedMeter(
            address=address, direct_close=index != CLOSE_PERMIT_ACCOUNT, press_after=timedelta(minutes=7)
        )
    sign_agreement(account_no=world.account_no(0), bank_code="PSBC", account_token="tok-0", holder_name="故障户0",
                   threshold_fen=2_000, amount_fen=5_000, by="fault-sim", at=at)
    world.token = issue_api_token(name="fault-sim", at=at, channels=["bank"]).token


def run_plan(world: World, traveller: time_machine.Traveller) -> None:
    for index, step in enumerate(world.plan.steps):
        do(world, index, step, traveller)
    finish(world, traveller)


def do(world: World, index: int, step: Step, traveller: time_machine.Traveller) -> None:
    """The step at its time, done again after every crash until it is done."""
    traveller.move_to(step.at, tick=False)
    world.step_started(index)
    while True:
        try:
            STEPS[step.kind](world, step)
            return
        except CRASHES:
            restart(world)


def restart(world: World) -> None:
    """gridpay's process died and starts again: its connection and the locks it held are gone."""
    world.restarts += 1
    connection.close()
    # A new life of the process: what the old one held is left in the database for the next run to take over.
    run_lock.forget_held()


def finish(world: World, traveller: time_machine.Traveller) -> None:
    """The morning after the last day: settlement caught up and the gateway drained, as the schedule would."""
    morning = world.plan.steps[-1].at + timedelta(hours=1)
    steps = (Step("settle", at=morning, day=world.plan.last_day), Step("gateway", at=morning))
    for index, step in enumerate(steps, len(world.plan.steps)):
        do(world, index, step, traveller)


def readings(world: World, step: Step) -> None:
    assert step.day is not None
    rows = []
    for index in range(ACCOUNTS):
        total = sum(Decimal(kwh) for (a, day), kwh in world.plan.daily_kwh.items() if a == index and day <= step.day)
        values = dict.fromkeys(READING_COLUMNS, "")
        values.update(meter_no=f"F{index:08d}", reading_date=step.day.isoformat(), total_kwh=f"{total:.2f}")
        rows.append((index + 2, values))
    import_readings(rows=rows, received_at=step.at, max_daily_kwh=Decimal(500))


def settle(world: World, step: Step) -> None:
    assert step.day is not None
    _tolerating_a_run_in_progress(world, lambda: settle_through(through=step.day, at=step.at))


def settle_twice(world: World, step: Step) -> None:
    """The schedule and an operator's catch-up at once: one settles, the other is told so and changes nothing."""
    _concurrently([lambda: settle(world, step)] * 2)


def alerts(world: World, step: Step) -> None:
    assert step.day is not None
    evaluate_alerts(day=step.day, at=step.at)
    queue_withholdings(at=step.at, business_day=_day(step))


def api_payment(world: World, step: Step) -> None:
    """A bank's app reports a payment, retried with the same Idempotency-Key (sometimes several at once)."""
    txn = f"B{world.plan.seed}-{step.reference}"
    body = {"account_no": world.account_no(step.account), "amount_fen": step.amount_fen, "channel": "bank",
            "channel_txn_id": txn}

    def deliver() -> None:
        answer = _client().post("/api/payments", body, content_type="application/json",
                               headers={"Authorization": f"Bearer {world.token}", "Idempotency-Key": txn})
        if answer.status_code in (200, 201):
            world.acknowledged.add(("bank", txn))
        elif answer.status_code >= 500:
            raise OperationalError(f"API answered {answer.status_code}")

    _deliver(step, deliver)


def wechat_payment(world: World, step: Step) -> None:
    """A customer scans the QR code of an order and pays; WeChat notifies, and re-notifies."""
    adapter = build_online_channel("wechat", settings.PAYMENT_CHANNELS_CONFIG)
    if step.reference not in world.orders:
        order = create_channel_order(channel=adapter, account_no=world.account_no(step.account),
                                     amount_fen=step.amount_fen, kind="native", now=step.at)
        world.orders[step.reference] = order.order_no
    order_no = world.orders[step.reference]
    world.paid[step.reference] = world.wechat.pay(order_no, at=step.at)

    def deliver() -> None:
        headers, body = world.wechat.notification(order_no, sent_at=step.at)
        answer = _client().post("/api/channels/wechat/notify", data=body, content_type="application/json",
                               headers=headers)
        if answer.status_code == 204:
            world.acknowledged.add(("wechat", world.paid[step.reference]))
        elif answer.status_code >= 500:
            raise OperationalError(f"notification answered {answer.status_code}")

    _deliver(step, deliver)


def refund(world: World, step: Step) -> None:
    """Staff refund part of a WeChat payment through the channel; a retry carries the same refund number."""
    txn = world.paid.get(step.payment)
    if txn is None:
        return
    adapter = build_online_channel("wechat", settings.PAYMENT_CHANNELS_CONFIG)

    def ask() -> None:
        # More than is left of the payment, or not credited here: refused (a DomainError), as it must be.
        with suppress(DomainError):
            refund_through_channel(channel=adapter, channel_txn_id=txn, refund_no=step.reference,
                                   amount_fen=step.amount_fen, reason="故障演练", at=step.at,
                                   business_day=_day(step))

    _deliver(step, ask)


def enforce(world: World, step: Step) -> None:
    _tolerating_a_run_in_progress(world, lambda: enforce_supply(at=step.at))


def gateway(world: World, step: Step) -> None:
    """The gateway sends what is due; the meters answer; read-backs follow until nothing more is due."""
    head_end = HeadEnd()
    _carry(world, step, head_end, head_end.outbound(at=step.at))


def sweep(world: World, step: Step) -> None:
    """Timeouts and alarms; and the relay reads of meters whose close waits for their customer, carried."""
    head_end = HeadEnd()
    _carry(world, step, head_end, head_end.sweep(at=step.at).to_send)


def _carry(world: World, step: Step, head_end: HeadEnd, frames: list[tuple[str, bytes]]) -> None:
    _check_disconnects_sent(world, step)
    while frames:
        answers = [reply for address, frame in frames
                   if (reply := world.meters[address].handle(frame, now_local=step.at.astimezone(SHANGHAI)))]
        frames = head_end.inbound(frames=answers, at=step.at).to_send + head_end.outbound(at=step.at)
        _check_disconnects_sent(world, step)


def withholding(world: World, step: Step) -> None:
    """The station exports the bank's batch (the file reaches the bank once the export commits); the bank answers each
    file it received once, debiting odd-numbered accounts and refusing the others; the answer is imported."""

    def to_the_bank(content: str) -> None:
        transaction.on_commit(lambda: world.bank_inbox.append(content))

    try:
        export_batch(bank_code="PSBC", by="fault-sim", at=step.at, zone=ZONE, deliver=to_the_bank)
    except run_lock.RunInProgress:
        world.runs_refused += 1
    except DomainError:
        pass  # nothing queued for the bank
    while world.bank_answered < len(world.bank_inbox):
        answer = _bank_answer(world.bank_inbox[world.bank_answered], at=step.at)
        while True:  # the bank's answer is imported until it is in, whatever happens to gridpay meanwhile
            try:
                import_results(content=answer, at=step.at, business_day=_day(step))
                break
            except CRASHES:
                restart(world)
        world.bank_answered += 1


def _bank_answer(batch_file: str, *, at: datetime) -> bytes:
    lines = [line.split("|") for line in batch_file.splitlines() if line.startswith("D|")]
    batch_no = batch_file.split("|", 2)[1]
    results = []
    succeeded = 0
    for _, request_id, _, _, amount, account_no in lines:
        ok = int(account_no[-1]) % 2 == 1
        succeeded += int(amount) if ok else 0
        results.append(f"R|{request_id}|{amount}|{'0000' if ok else '3001'}|"
                       f"{f'PSBC-{batch_no}-{request_id}' if ok else ''}|{'成功' if ok else '余额不足'}")
    header = f"H|{batch_no}|PSBC|{at.astimezone(SHANGHAI):%Y%m%d%H%M%S}|{len(lines)}|{succeeded}"
    return ("\n".join([header, *results, f"T|{len(lines)}|{succeeded}"]) + "\n").encode()


def reconcile(world: World, step: Step) -> None:
    assert step.day is not None
    content = world.wechat.bill(step.day).encode()
    _tolerating_a_run_in_progress(world, lambda: reconcile_channel(
        channel="wechat", day=step.day, file_name=f"wechat-{step.day}.csv", content=content, run_by="fault-sim",
        at=step.at, zone=ZONE))


STEPS: dict[str, Callable[[World, Step], None]] = {
    "readings": readings, "settle": settle, "settle_twice": settle_twice, "alerts": alerts,
    "api_payment": api_payment, "wechat_payment": wechat_payment, "refund": refund, "enforce": enforce,
    "gateway": gateway, "sweep": sweep, "withholding": withholding, "reconcile": reconcile,
}


def _check_disconnects_sent(world: World, step: Step) -> None:
    """No disconnect goes out to an account whose arrears were cleared before the send (RULES §6, re-check)."""
    sent = MeterCommand.objects.filter(action="disconnect", sent_at=step.at).values_list("account_id", flat=True)
    for account_id in set(sent):
        account = Account.objects.get(id=account_id)
        balance = LedgerAccount.objects.get(id=account.ledger_account_id).balance_fen
        if balance >= 0:
            world.violations.append(f"{account.account_no} disconnect sent at {step.at} with balance {balance}")


_clients = threading.local()


def _client() -> Client:
    """One HTTP client a thread: loading the middleware (WhiteNoise scans the static files) once, not per request."""
    if not hasattr(_clients, "client"):
        _clients.client = Client()
    return _clients.client  # type: ignore[no-any-return]


def _deliver(step: Step, deliver: Callable[[], None]) -> None:
    """Once, several times in a row, or several at the same moment (this thread's delivery among them)."""
    if step.concurrent:
        _concurrently([deliver] * step.deliveries)
        return
    for _ in range(step.deliveries):
        deliver()


def _concurrently(calls: list[Callable[[], None]]) -> None:
    """The first call in this thread (where crashes are injected), the others each in a thread of its own."""
    errors: list[BaseException] = []

    def in_thread(call: Callable[[], None]) -> None:
        try:
            call()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=in_thread, args=(call,)) for call in calls[1:]]
    for thread in threads:
        thread.start()
    try:
        calls[0]()
    finally:
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]


def _tolerating_a_run_in_progress(world: World, call: Callable[[], object]) -> None:
    try:
        call()
    except run_lock.RunInProgress:  # another run of the same job is under way: it does the work
        world.runs_refused += 1


def _day(step: Step) -> date:
    return step.at.astimezone(SHANGHAI).date()
