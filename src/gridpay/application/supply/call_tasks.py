"""The grid staff's three phone calls (三通电话, RULES §8): opened by the loop, listed per person, outcomes recorded."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction

from gridpay.application.errors import NotFound
from gridpay.data.models import Account, CallTask, GridStaff
from gridpay.data.models.field_work import CallOutcome, CallReason
from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop


class UnknownGridStaff(DomainError):
    code = "unknown_grid_staff"


class CallOutcomeInvalid(DomainError):
    code = "call_outcome_invalid"


@dataclass(frozen=True)
class CallToOpen:
    account_id: int
    grid_staff_id: int | None
    reason: CallReason
    due_on: date


def open_call_task(
    *, account_id: int, grid_staff_id: int | None, reason: CallReason, due_on: date, at: datetime
) -> None:
    """One task per (account, reason, day), whoever asks for it first."""
    open_call_tasks([CallToOpen(account_id, grid_staff_id, reason, due_on)], at=at)


def open_call_tasks(calls: Sequence[CallToOpen], *, at: datetime) -> None:
    """Opens each task as open_call_task does, in one read of those open already and one insert (an enrolment's
    thousands of first calls); the tasks take their ids in the calls' order."""
    wanted: dict[tuple[int, str, date], CallToOpen] = {}
    for call in calls:
        wanted.setdefault((call.account_id, call.reason.value, call.due_on), call)  # asked twice: one task
    if not wanted:
        return
    present = set(CallTask.objects.filter(
        account_id__in={key[0] for key in wanted}, reason__in={key[1] for key in wanted},
        due_on__in={key[2] for key in wanted},
    ).values_list("account_id", "reason", "due_on"))
    rows = [CallTask(account_id=c.account_id, reason=c.reason.value, due_on=c.due_on, grid_staff_id=c.grid_staff_id,
                     created_at=at) for key, c in wanted.items() if key not in present]
    try:
        with transaction.atomic():
            CallTask.objects.bulk_create(rows)
    except IntegrityError:
        # Another run opened some of them meanwhile: each is left as it is, as one at a time would.
        for row in rows:
            CallTask.objects.get_or_create(account_id=row.account_id, reason=row.reason, due_on=row.due_on,
                                           defaults={"grid_staff_id": row.grid_staff_id, "created_at": at})


def open_call_task_for(*, account_id: int, reason: CallReason, due_on: date, at: datetime) -> None:
    staff_id = Account.objects.filter(id=account_id).values_list("village__grid_staff_id", flat=True).first()
    open_call_task(account_id=account_id, grid_staff_id=staff_id, reason=reason, due_on=due_on, at=at)


@dataclass(frozen=True)
class CallTaskLine:
    task_id: int
    due_on: date
    reason: str  # Chinese label
    account_no: str
    customer_name: str
    phone: str
    village: str
    grid_staff: str
    outcome: str  # Chinese label
    note: str


def list_call_tasks(*, through: date, grid_staff: str | None = None, include_done: bool = False) -> list[CallTaskLine]:
    """Tasks due on or before ``through``, per grid staff member (by name), oldest first; an unknown name is refused
    (an empty list would read as "nothing to call")."""
    tasks = CallTask.objects.filter(due_on__lte=through).select_related(
        "account__customer", "account__village", "grid_staff"
    )
    if grid_staff:
        if not GridStaff.objects.filter(name=grid_staff).exists():
            names = GridStaff.objects.order_by("name").values_list("name", flat=True)[:20]
            known = "、".join(names) or "（尚无网格员）"
            raise UnknownGridStaff(gettext_noop("没有名为 {name} 的网格员；网格员有：{known}"), field="staff",
                                   params={"name": grid_staff, "known": known})
        tasks = tasks.filter(grid_staff__name=grid_staff)
    if not include_done:
        tasks = tasks.filter(outcome=CallOutcome.PENDING)
    return [
        CallTaskLine(
            task_id=t.id, due_on=t.due_on, reason=CallReason(t.reason).label, account_no=t.account.account_no,
            customer_name=t.account.customer.name, phone=t.account.customer.phone,
            village=t.account.village.name if t.account.village else "",
            grid_staff=t.grid_staff.name if t.grid_staff else "（未分配）",
            outcome=CallOutcome(t.outcome).label, note=t.note,
        )
        for t in tasks.order_by("grid_staff__name", "due_on", "id")
    ]


def record_call_outcome(*, task_id: int, outcome: str, note: str, by: str, at: datetime) -> None:
    if outcome not in CallOutcome.values or outcome == CallOutcome.PENDING:
        choices = "、".join(f"{c.value}（{c.label}）" for c in CallOutcome if c != CallOutcome.PENDING)
        raise CallOutcomeInvalid(gettext_noop("通话结果应为 {choices} 之一"), field="outcome",
                                 params={"choices": choices})
    updated = CallTask.objects.filter(id=task_id).update(outcome=outcome, note=note[:200], done_by=by[:50], done_at=at)
    if not updated:
        raise NotFound(gettext_noop("没有电话任务 {task_id}"), field="task_id", params={"task_id": task_id})
