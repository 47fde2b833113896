"""The grid staff's three phone calls (三通电话, RULES §8): opened by the loop, listed per person, outcomes recorded."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from gridpay.application.errors import NotAllowed, NotFound
from gridpay.application.paging import PageInfo, page_of
from gridpay.data.models import Account, AuditRecord, CallTask, GridStaff
from gridpay.data.models.field_work import CallOutcome, CallReason
from gridpay.domain.errors import DomainError
from gridpay.domain.staff_roles import Action, Role, may
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


# Today's calls of these kinds are the ones that cannot wait (RULES §8): the customer hears of the disconnection from
# the SMS or the dark house that very day. Past days' calls about supply come next, then the routine ones.
URGENT_TODAY = (CallReason.AFTER_DISCONNECTION, CallReason.ARREARS_SMS)
ABOUT_SUPPLY = (*URGENT_TODAY, CallReason.CLOSE_PERMITTED)
# Within a day, the kinds in this order; the call list shows its counts in it too.
KIND_ORDER = (*ABOUT_SUPPLY, CallReason.PAYMENT_REMINDER, CallReason.BEFORE_ENABLING)
PAGE_SIZE = 20


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
    urgent: bool  # one of today's calls that cannot wait


@dataclass(frozen=True)
class CallKindCount:
    reason: str  # the CallReason's value
    label: str  # Chinese
    calls: int


@dataclass(frozen=True)
class CallListPage:
    """A page of the calls still to make, whom to ring first on top, with the counts of the whole list."""

    lines: list[CallTaskLine]
    page: PageInfo
    urgent: int  # today's calls that cannot wait, all pages
    kinds: list[CallKindCount]  # kinds with calls, in KIND_ORDER


def list_call_tasks(*, through: date, grid_staff: str | None = None, include_done: bool = False) -> list[CallTaskLine]:
    """Every task due on or before ``through`` (per grid staff member, by name), whom to ring first on top."""
    tasks = _ordered(_calls(through=through, grid_staff=grid_staff, include_done=include_done), today=through)
    return [_line(task, today=through) for task in tasks]


def call_list_page(*, today: date, grid_staff: str | None = None, page: int = 1,
                   per_page: int = PAGE_SIZE) -> CallListPage:
    """The calls still to make by ``today``, a page at a time (a page number past the end shows the last page)."""
    pending = _calls(through=today, grid_staff=grid_staff, include_done=False)
    counts = _counts(pending, today=today)
    shown, info = page_of(_ordered(pending, today=today), number=page, per_page=per_page)
    return CallListPage(lines=[_line(task, today=today) for task in shown], page=info, urgent=counts.urgent,
                        kinds=counts.kinds)


@dataclass(frozen=True)
class CallCounts:
    urgent: int
    kinds: list[CallKindCount]


def count_calls(*, through: date, grid_staff: str | None = None, include_done: bool = False) -> CallCounts:
    """The counts of list_call_tasks's lines, ``through`` being today."""
    return _counts(_calls(through=through, grid_staff=grid_staff, include_done=include_done), today=through)


def _counts(tasks: QuerySet[CallTask], *, today: date) -> CallCounts:
    """How many of ``tasks`` are today's urgent ones, and how many of each kind: one query."""
    urgent = Q(due_on=today, reason__in=URGENT_TODAY)
    row = tasks.aggregate(urgent=Count("id", filter=urgent),
                            **{reason.value: Count("id", filter=Q(reason=reason)) for reason in KIND_ORDER})
    return CallCounts(urgent=row["urgent"], kinds=[CallKindCount(reason.value, reason.label, row[reason.value])
                                                   for reason in KIND_ORDER if row[reason.value]])


@dataclass(frozen=True)
class VillageCalls:
    made: int  # an outcome recorded
    to_make: int  # on the call list: due by today, no outcome yet


def calls_by_village(*, reason: CallReason, today: date) -> dict[int, VillageCalls]:
    """Per village (the account's): the calls of ``reason`` made, and those the call list shows still to make."""
    pending = _calls(through=today, grid_staff=None, include_done=False)
    made = CallTask.objects.exclude(outcome=CallOutcome.PENDING)
    found: dict[int, VillageCalls] = {}
    for tasks, field in ((made, "made"), (pending, "to_make")):
        rows = (tasks.filter(reason=reason, account__village__isnull=False).values_list("account__village_id")
                .annotate(n=Count("id")).order_by())
        for village_id, n in rows:
            found[village_id] = replace(found.get(village_id, VillageCalls(0, 0)), **{field: n})
    return found


def _calls(*, through: date, grid_staff: str | None, include_done: bool) -> QuerySet[CallTask]:
    """The tasks due on or before ``through``, of one grid staff member (by name) or all; an unknown name is refused
    (an empty list would read as "nothing to call")."""
    tasks = CallTask.objects.filter(due_on__lte=through)
    if grid_staff:
        if not GridStaff.objects.filter(name=grid_staff).exists():
            names = GridStaff.objects.order_by("name").values_list("name", flat=True)[:20]
            known = "、".join(names) or "（尚无网格员）"
            raise UnknownGridStaff(gettext_noop("没有名为 {name} 的网格员；网格员有：{known}"), field="staff",
                                   params={"name": grid_staff, "known": known})
        tasks = tasks.filter(grid_staff__name=grid_staff)
    if not include_done:
        tasks = tasks.filter(outcome=CallOutcome.PENDING)
    return tasks


def _ordered(tasks: QuerySet[CallTask], *, today: date) -> QuerySet[CallTask]:
    """Today's urgent calls, then the other calls about supply, then the routine ones; each newest first, by kind
    within a day, then by village and account so that one village's calls come together."""
    group = Case(When(due_on=today, reason__in=URGENT_TODAY, then=Value(0)),
                 When(reason__in=ABOUT_SUPPLY, then=Value(1)), default=Value(2), output_field=IntegerField())
    kind = Case(*(When(reason=reason, then=Value(n)) for n, reason in enumerate(KIND_ORDER)),
                output_field=IntegerField())
    return (tasks.select_related("account__customer", "account__village", "grid_staff")
            .annotate(call_group=group, kind_rank=kind)
            .order_by("call_group", "-due_on", "kind_rank", "account__village__name", "account__account_no", "id"))


def _line(task: CallTask, *, today: date) -> CallTaskLine:
    account = task.account
    return CallTaskLine(
        task_id=task.id, due_on=task.due_on, reason=CallReason(task.reason).label, account_no=account.account_no,
        customer_name=account.customer.name, phone=account.customer.phone,
        village=account.village.name if account.village else "",
        grid_staff=task.grid_staff.name if task.grid_staff else "（未分配）",
        outcome=CallOutcome(task.outcome).label, note=task.note,
        urgent=task.due_on == today and task.reason in URGENT_TODAY,
    )


# Who may record the outcome of any call task; grid staff record only their own (issue 20 point 6).
ANY_CALL = frozenset({Role.SUPERVISOR, Role.STATION_HEAD, Role.ADMIN})


def record_call_outcome(
    *, task_id: int, outcome: str, note: str, name: str, actor: str, roles: Iterable[Role], at: datetime
) -> None:
    """Nothing is taken for granted: an outcome not chosen is refused, not read as "reached". ``name``: the staff
    member's name as the village list has it (a grid staff member records only the calls of their own list);
    ``actor``: how the audit record names them. Every outcome recorded leaves an audit record with the old and new."""
    if not outcome:
        raise CallOutcomeInvalid(gettext_noop("请选择通话结果"), field="outcome")
    if outcome not in CallOutcome.values or outcome == CallOutcome.PENDING:
        choices = "、".join(f"{c.value}（{c.label}）" for c in CallOutcome if c != CallOutcome.PENDING)
        raise CallOutcomeInvalid(gettext_noop("通话结果应为 {choices} 之一"), field="outcome",
                                 params={"choices": choices})
    roles = frozenset(roles)
    if not may(roles, Action.WORK_CALLS):
        raise NotAllowed(gettext_noop("只有网格员、班长或所长可以记录通话结果"), field="as")
    with transaction.atomic():
        task = CallTask.objects.select_for_update(of=("self",)).select_related("grid_staff").filter(id=task_id).first()
        if task is None:
            raise NotFound(gettext_noop("没有电话任务 {task_id}"), field="task_id", params={"task_id": task_id})
        owner = task.grid_staff.name if task.grid_staff is not None else ""
        if not roles & ANY_CALL and (not name.strip() or owner != name.strip()):
            raise NotAllowed(gettext_noop("电话任务 {task_id} 是{owner}的：网格员只能记录自己的电话任务"),
                             field="task_id", params={"task_id": task_id, "owner": owner or "未分配网格员"})
        old = {"outcome": task.outcome, "note": task.note, "done_by": task.done_by}
        task.outcome, task.note, task.done_by, task.done_at = outcome, note[:200], (name or actor)[:50], at
        task.save(update_fields=["outcome", "note", "done_by", "done_at"])
        AuditRecord.objects.create(
            at=at, actor=actor[:100], action="supply.call_outcome", target=f"call_task:{task.id}", old=old,
            new={"outcome": task.outcome, "note": task.note, "done_by": task.done_by},
        )
