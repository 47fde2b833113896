"""Takes what meters said back through the gateway: command answers, relay read-backs, drift between wanted and real."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from django.db import transaction

from gridpay.application.supply import command_outcomes
from gridpay.application.supply.command_outcomes import ReportedRelay
from gridpay.data import meter_command_store
from gridpay.data.meter_command_store import AnsweringMeter
from gridpay.data.models import Meter, MeterCommand
from gridpay.domain.meter_commands import (
    CommandAction,
    CommandPolicy,
    CommandStatus,
    ControlAnswer,
    Failure,
    ReadBack,
    RelayReadBack,
    expected_relay_open,
    read_back,
)
from gridpay.domain.meter_models import UNKNOWN, RelayKind
from gridpay.integrations.headend.wake import wake_gateway

DRIFT_REASON = "对账：表计状态与系统不符"


@dataclass
class AnswersReport:
    read_back: list[str]  # meters to ask for their relay state now (their command was accepted)
    confirmed: int = 0
    failed: int = 0
    drift: int = 0
    unmatched: int = 0  # answers of no command of their meter (a stray frame, or an unknown meter)
    late: int = 0  # answers after their command timed out: recorded on it, and the relay read back
    restored: int = 0  # relays the customer closed after their close was permitted
    queued: int = 0  # commands queued by these answers: a held one's turn after its meter's command ended, or drift's


def record_meter_answers(
    *, answers: list[ControlAnswer | RelayReadBack], at: datetime, policy: CommandPolicy | None = None
) -> AnswersReport:
    policy = policy or CommandPolicy()
    report = AnswersReport(read_back=[])
    with transaction.atomic():
        # Locked in the order a payment locks them (account, meter, then its commands), and each kind in id
        # order: a payment racing an answer for the same meter waits its turn instead of deadlocking with it. Each
        # meter comes with its account's reconnection case waiting for the customer to close the relay (the cases
        # of an account change only under its lock, held now), read once for the answers as the supply states are:
        # an account's is read again if an answer before changed it.
        locks = meter_command_store.lock_for_answers(sorted({a.address for a in answers}))
        supply_state, meters, live = locks.supply_state, locks.meters, locks.live
        # The relay each read-back reports, stored for all in one go where an account has no other answer here (no
        # answer before it can change what it finds, nor it what one after finds).
        answers_of = Counter(meters[a.address].account_id for a in answers if a.address in meters)
        alone = {
            i: ReportedRelay(meter, answer.relay_open, supply_state.get(meter.account_id))
            for i, answer in enumerate(answers)
            if isinstance(answer, RelayReadBack) and (meter := meters.get(answer.address)) is not None
            and answers_of[meter.account_id] == 1
        }
        drifts = dict(zip(alone, command_outcomes.adopt_reported_states(list(alone.values()), at=at), strict=True))
        answered: set[int] = set()
        for i, answer in enumerate(answers):
            meter = meters.get(answer.address)
            if meter is None:
                report.unmatched += 1
                continue
            command = live.get(meter.id)
            if isinstance(answer, ControlAnswer):
                _control_answer(answer, meter, command, at=at, policy=policy, report=report)
            else:
                first = meter.account_id not in answered
                _read_back(answer=answer, meter=meter, command=command, at=at, policy=policy, report=report,
                           waiting=meter.waiting_case if first else UNREAD,
                           supply_state=supply_state.get(meter.account_id) if first else None,
                           drift=drifts.get(i))
            answered.add(meter.account_id)
        if report.queued:
            wake_gateway()
    return report


def _control_answer(
    answer: ControlAnswer, meter: AnsweringMeter, command: MeterCommand | None, *, at: datetime,
    policy: CommandPolicy, report: AnswersReport,
) -> None:
    if command is None or command.status not in (CommandStatus.SENT, CommandStatus.SENDING):
        _late_answer(answer, meter, command, at, report)
        return
    if command.status == CommandStatus.SENDING:
        # The meter answered before the gateway recorded the broker's PUBACK: the broker had the frame.
        command.attempts += 1
        command.sent_at = at
        command.lease_until = None
        command.save(update_fields=["attempts", "sent_at", "lease_until"])
        meter_command_store.add_event(command.id, at=at, event=CommandStatus.SENT.value, detail="应答先于代理确认到达")
    if not answer.accepted:
        report.queued += command_outcomes.fail(command, failure=Failure.DENIED, detail=f"错误字 0x{answer.error:02X}",
                                               at=at, policy=policy)
        report.failed += 1
        return
    command.status = CommandStatus.ACKNOWLEDGED.value
    command.answer_due_at = at + timedelta(seconds=policy.answer_timeout_s)
    command.save(update_fields=["status", "answer_due_at"])
    meter_command_store.add_event(command.id, at=at, event=CommandStatus.ACKNOWLEDGED.value)
    report.read_back.append(answer.address)


def awaits_retry(command: MeterCommand) -> bool:
    """A relay command whose attempt went out and was not answered in time, waiting for its retry: the meter may have
    done it all the same."""
    return (command.status == CommandStatus.QUEUED and (command.attempts > 0 or command.may_have_reached_meter)
            and expected_relay_open(CommandAction(command.action)) is not None)


def _late_answer(
    answer: ControlAnswer, meter: AnsweringMeter, command: MeterCommand | None, at: datetime, report: AnswersReport
) -> None:
    """An answer no attempt waits for: late (its command timed out, and waits for its retry or has ended since), or
    stray. DL/T 645 answers carry no command id, and a meter answers in order: it answers the meter's last command
    that went out, where it is recorded. An acceptance means the meter did something the gateway had not counted on:
    its relay is unknown until the read-back asked now tells (issue 20)."""
    late = command if command is not None and awaits_retry(command) else meter_command_store.last_sent(meter.id)
    if late is None:
        report.unmatched += 1
    else:
        said = "表计已执行" if answer.accepted else f"表计拒绝（错误字 0x{answer.error:02X}）"
        meter_command_store.add_event(late.id, at=at, event=LATE_ANSWER, detail=f"超时后应答：{said}")
        report.late += 1
    if answer.accepted:
        meter_command_store.relay_unknown([meter.id], at=at)
        report.read_back.append(answer.address)


LATE_ANSWER = "late_answer"
AFTER_TIMEOUT = "超时后回读"


class _Unread(Enum):
    UNREAD = 0


UNREAD = _Unread.UNREAD  # the case waiting for its customer: not read yet


def _read_back(
    *,
    answer: RelayReadBack, meter: AnsweringMeter, command: MeterCommand | None, at: datetime, policy: CommandPolicy,
    report: AnswersReport, waiting: int | _Unread | None = UNREAD, supply_state: str | None = None,
    drift: bool | None = None,
) -> None:
    """``waiting``: the id of the account's case waiting for its customer (None: none), read here unless given;
    ``supply_state``: the account's, if known; ``drift``: the meter's reported relay already stored, and whether it
    differed from the wanted one (None: stored here)."""
    if drift is None:
        drift = command_outcomes.adopt_reported_state(meter, relay_open=answer.relay_open, at=at,
                                                      supply_state=supply_state)
    retrying = command is not None and awaits_retry(command)
    if command is not None and (command.status == CommandStatus.ACKNOWLEDGED or retrying):
        judged = read_back(action=CommandAction(command.action), relay_open=answer.relay_open,
                           command_open=answer.command_open,
                           direct_close=UNKNOWN.direct_close if meter.direct_close is None else meter.direct_close)
        if retrying:
            # Read back after the command timed out: done, it is confirmed without another attempt; not done, the
            # retry goes out as planned (the meter may not have had the frame).
            state = "断开" if answer.relay_open else "闭合"
            meter_command_store.add_event(command.id, at=at, event="read_back",
                                          detail=f"{AFTER_TIMEOUT}：继电器{state}")
            if judged == ReadBack.DISAGREES:
                return
        if judged == ReadBack.DONE:
            report.queued += command_outcomes.confirm(command, at=at)
            report.confirmed += 1
        elif judged == ReadBack.CLOSE_PERMITTED:
            relay = UNKNOWN.relay if meter.relay is None else RelayKind(meter.relay)
            report.queued += command_outcomes.close_permitted(command, relay=relay, at=at)
            report.confirmed += 1
        else:
            state = "断开" if answer.relay_open else "闭合"
            report.queued += command_outcomes.fail(command, failure=Failure.READ_BACK_DISAGREES,
                                                   detail=f"回读继电器{state}", at=at, policy=policy)
            report.failed += 1
        return
    if waiting is UNREAD:
        waiting = meter_command_store.waiting_case(meter.account_id)
    if waiting is not None:
        # Close permitted, and this is the read that asks whether the customer has closed the relay.
        if not answer.relay_open:
            command_outcomes.supply_restored(meter.account_id, key=f"restored:{waiting}", at=at)
            report.restored += 1
        return
    if command is None and drift:
        report.drift += 1
        # Wanted closed but found open: put supply back. Wanted open but found closed: the account
        # now reads as connected, and the next disconnection run decides it again by the rules.
        if not meter.relay_open_desired:
            report.queued += meter_command_store.queue_command(
                meter_id=meter.id, account_id=meter.account_id, action=CommandAction.RECONNECT,
                reason=DRIFT_REASON, at=at, valid_until=None,
            ).queued
        else:
            Meter.objects.filter(id=meter.id).update(relay_open_desired=False)
