"""The disconnection run (欠费停电, RULES §6): queue a disconnect for each account due, inside the window.

Each candidate is decided by the domain's rules; the balance is checked once more by the gateway at
the moment it sends (a payment a second ago cancels the command), so queueing early never cuts
off someone who has paid. Protected accounts (保电) get a work order for staff instead.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.db import connection, transaction

from gridpay.data import meter_command_store
from gridpay.data.batches_side_by_side import each_batch
from gridpay.data.bulk import on_postgresql
from gridpay.data.calendar_store import load_calendar
from gridpay.data.meter_command_store import CommandRequest
from gridpay.data.models import WorkOrder
from gridpay.data.models.field_work import WorkOrderKind
from gridpay.data.queries.supply import (
    DisconnectionCandidate,
    disconnection_candidates,
    lock_disconnection_standings,
)
from gridpay.data.run_lock import exclusive_run
from gridpay.data.settings import gridpay_settings
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain.meter_commands import CommandAction
from gridpay.domain.supply_policy import (
    DisconnectDecision,
    Disconnection,
    SupplyPolicy,
    SupplyStanding,
    disconnection_decider,
)
from gridpay.integrations.headend.wake import wake_gateway

BATCH = 5_000
REASON = "欠费停电"


@dataclass
class EnforcementReport:
    at: datetime
    candidates: int = 0
    queued: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # Disconnection value → accounts
    window_closed: str | None = None  # why the window is closed now, if it is


def enforce_supply(*, at: datetime) -> EnforcementReport:
    """The disconnection run: one at a time (the 09:30 schedule and a supervisor's run do not overlap)."""
    with exclusive_run("supply.enforce", what="停电执行", at=at):
        return _enforce_supply(at=at)


def _enforce_supply(*, at: datetime) -> EnforcementReport:
    policy = load_policy()
    local = policy.local(at)
    calendar = load_calendar(years=[local.year, local.year + 1])
    candidates = disconnection_candidates(arrears_before=at)
    report = EnforcementReport(at=at, candidates=len(candidates))
    # Inside a caller's transaction every batch stays on its connection; otherwise batches run side by side, each
    # its own transaction on its own connection, so one batch's statements run while another's Python decides.
    workers = gridpay_settings().supply_run_workers
    if not on_postgresql() or connection.in_atomic_block:
        workers = 1
    enforce_batch = partial(
        _enforce_batch,
        decide=disconnection_decider(policy=policy, calendar=calendar, at=at),
        at=at,
        valid_until=_window_closes(policy, at),
    )
    batches = [candidates[start : start + BATCH] for start in range(0, len(candidates), BATCH)]
    for outcome in each_batch(enforce_batch, batches, workers=workers):
        _add(report, outcome)
    return report


def _enforce_batch(
    batch: list[DisconnectionCandidate],
    *,
    decide: Callable[[SupplyStanding], DisconnectDecision],
    at: datetime,
    valid_until: datetime,
) -> EnforcementReport:
    """One batch in one transaction: its accounts locked, each decided, its disconnects queued."""
    outcome = EnforcementReport(at=at)
    with transaction.atomic():
        # The accounts alone are locked: a payment locks its balance and then its account, so one waits here for the
        # run and then finds the disconnect queued (and cancels it). Locking the balances too took them in the
        # opposite order to a payment's (a deadlock waiting to happen), and twice the locks.
        standings = lock_disconnection_standings([c.account_id for c in batch])
        to_queue: list[tuple[int, int]] = []
        for candidate in batch:
            standing, protected_reason = standings[candidate.account_id]
            decision = decide(standing)
            outcome.outcomes[decision.outcome.value] += 1
            _note_window(outcome, decision)
            if decision.outcome == Disconnection.DISCONNECT:
                to_queue.append((candidate.account_id, candidate.meter_id))
            elif decision.outcome == Disconnection.PROTECTED:
                _protected_review(candidate.account_id, standing, protected_reason, at)
        outcome.queued = _queue_disconnects(to_queue, at=at, valid_until=valid_until)
    return outcome


def _add(report: EnforcementReport, batch: EnforcementReport) -> None:
    report.queued += batch.queued
    report.outcomes.update(batch.outcomes)
    report.window_closed = batch.window_closed or report.window_closed


def _note_window(report: EnforcementReport, decision: DisconnectDecision) -> None:
    if decision.window_closed is not None:
        report.window_closed = decision.window_closed.value


def _window_closes(policy: SupplyPolicy, at: datetime) -> datetime:
    local = policy.local(at)
    return datetime.combine(local.date(), policy.window.closes, tzinfo=local.tzinfo).astimezone(at.tzinfo)


def _protected_review(account_id: int, standing: SupplyStanding, reason: str, at: datetime) -> None:
    since = standing.arrears_since.isoformat() if standing.arrears_since else "?"
    WorkOrder.objects.get_or_create(
        key=f"protected:{account_id}:{since}",
        defaults={
            "kind": WorkOrderKind.PROTECTED_REVIEW, "account_id": account_id, "opened_at": at,
            "detail": f"保电户欠费（{reason}），不自动停电，请人工处理",
        },
    )


def _queue_disconnects(pairs: list[tuple[int, int]], *, at: datetime, valid_until: datetime) -> int:
    """Through the outbox's one writer, in bulk: the queueing rules decide each meter as they do a single request."""
    if not pairs:
        return 0
    results = meter_command_store.queue_commands(
        requests=[
            CommandRequest(meter_id=meter_id, account_id=account_id, action=CommandAction.DISCONNECT, reason=REASON,
                           valid_until=valid_until)
            for account_id, meter_id in pairs
        ],
        at=at,
    )
    queued = sum(r.queued for r in results)
    if queued:
        wake_gateway()
    return queued
