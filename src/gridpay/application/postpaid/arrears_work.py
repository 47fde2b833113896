"""The arrears procedure as staff see it: one account's timeline, and every open case's next step by who takes it."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from gridpay.application.errors import UnknownAccount
from gridpay.application.postpaid.procedure_circumstances import procedure_rules, window_context
from gridpay.data import arrears_store, postpaid_store
from gridpay.data.models import Account, ArrearsCase
from gridpay.domain.arrears_procedure import (
    CaseFile,
    Circumstances,
    NextStep,
    Stage,
    next_steps,
    reconnection_late,
)
from gridpay.domain.business_time import business_day
from gridpay.domain.calendar import Calendar
from gridpay.domain.meter_commands import CommandStatus
from gridpay.domain.staff_roles import Role
from gridpay.domain.supply_policy import SupplyPolicy
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class Event:
    at: datetime
    what: str  # the step's label (Chinese)
    by: str
    detail: str


@dataclass(frozen=True)
class WorkItem:
    case_id: int
    account_no: str
    customer_name: str
    village: str
    address: str
    stage: Stage
    owed_fen: int
    next: tuple[NextStep, ...]
    late_reconnection: bool
    planned_disconnection_at: datetime | None
    ticket_for_day: date | None
    phone: str = ""  # the customer's, for the call before the disconnection
    # A reconnection ticket for the metering team in the field: the disconnection was a field one, or no remote
    # command is carrying it out (none queued, or it expired, was cancelled or turned into a field work order).
    field_reconnection: bool = False


@dataclass(frozen=True)
class Timeline:
    account_no: str
    customer_name: str
    owed_fen: int
    case: WorkItem | None  # the open case (or the last one), with its next steps
    events: tuple[Event, ...]
    earlier_cases: int
    file: CaseFile | None = None  # the records themselves, for a page that words them in the reader's language


def arrears_timeline(*, account_no: str, at: datetime) -> Timeline:
    account = Account.objects.select_related("customer", "village", "ledger_account", "receivable_account").filter(
        account_no=account_no.strip()).first()
    if account is None:
        raise UnknownAccount(gettext_noop("没有户号 {account_no}"), field="account", params={"account_no": account_no})
    rows = list(ArrearsCase.objects.filter(account=account)
                .select_related("account__customer", "account__village", "reconnect_command")
                .order_by("-opened_at", "-id"))
    policy, calendar = window_context(at)
    owed = postpaid_store.arrears_of(account.id, day=business_day(instant=at, zone=policy.zone))
    if not rows:
        return Timeline(account_no=account.account_no, customer_name=account.customer.name, owed_fen=owed, case=None,
                        events=(), earlier_cases=0)
    item = _item(rows[0], owed=owed, at=at, policy=policy, calendar=calendar)
    file = arrears_store.case_file(rows[0])
    return Timeline(account_no=account.account_no, customer_name=account.customer.name, owed_fen=owed, case=item,
                    events=events_of(file, zone=policy.zone), earlier_cases=len(rows) - 1, file=file)


def arrears_work(*, at: datetime, role: Role | None = None) -> list[WorkItem]:
    """Every open case with the step it waits for; with ``role``, those whose next step that role takes (the
    collectors' notices to deliver, the 班长's refusals, the station head's approvals, the metering team's tickets),
    and for everyone the reconnections running against their 24 hours."""
    rows = list(ArrearsCase.objects.filter(closed_at__isnull=True, reconnected_at__isnull=True)
                .select_related("account__customer", "account__village", "account__ledger_account",
                                "account__receivable_account", "reconnect_command").order_by("opened_at", "id"))
    policy, calendar = window_context(at)
    arrears = postpaid_store.arrears_by_account([row.account_id for row in rows],
                                                day=business_day(instant=at, zone=policy.zone))
    items = [_item(row, owed=arrears.get(row.account_id, 0), at=at, policy=policy, calendar=calendar) for row in rows]
    if role is None:
        return items
    return [item for item in items if item.stage == Stage.RECONNECTION_PENDING
            or any(role in step.roles for step in item.next)]


def tickets_for(*, day: date, at: datetime) -> list[WorkItem]:
    """The disconnection work tickets for ``day`` (the metering team's list the day before)."""
    return [item for item in arrears_work(at=at) if item.ticket_for_day == day
            and item.stage in (Stage.TICKET_ISSUED, Stage.PHONE_NOTIFIED)]


def events_of(case: CaseFile, *, zone: str) -> tuple[Event, ...]:
    """What was recorded, in order; the times in the detail texts on the utility's clock."""

    def local(instant: datetime) -> str:
        return f"{instant.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"

    found = [Event(at=case.opened_at, what="立案（逾期欠费）", by="系统", detail="")]
    if (y := case.yellow_notice) is not None:
        found.append(Event(at=y.at, what="送达催费通知单", by=y.by,
                           detail=f"交费期限 {y.pay_by}，计划停电 {local(y.planned_disconnection_at)}"))
    if (r := case.red_notice) is not None:
        signed = "客户签收" if r.signed else f"拒签：{r.refusal_note}"
        found.append(Event(at=r.at, what="送达中止供电通知书", by=r.by,
                           detail=f"交费期限 {r.pay_by}，计划停电 {local(r.planned_disconnection_at)}；{signed}"))
    for ack in case.refusal_acks:
        found.append(Event(at=ack.at, what=f"{ack.role.label}知悉拒签", by=ack.by, detail=""))
    if (a := case.approval) is not None:
        found.append(Event(at=a.at, what="批准停电", by=a.by,
                           detail=f"{a.role.label}" + (f"，报备文号 {a.filing_ref}" if a.filing_ref else "")))
    if (t := case.ticket) is not None:
        found.append(Event(at=t.at, what="停电工作票传计量班", by=t.by, detail=f"停电日期 {t.for_day}"))
    if (p := case.phone_notice) is not None:
        found.append(Event(at=p.at, what="停电前电话通知", by=p.by, detail=""))
    if (e := case.execution) is not None:
        found.append(Event(at=e.at, what="执行停电", by=e.by, detail="远程" if e.remote else "现场（已核对表计）"))
    if (c := case.closure) is not None:
        found.append(Event(at=c.at, what="交清欠费，结案（未停电）", by=c.by, detail=""))
    if (rt := case.reconnection_ticket) is not None:
        found.append(Event(at=rt.at, what="复电工作票", by=rt.by,
                           detail=f"{rt.source.label}" + (f" {rt.request_no}" if rt.request_no else "")
                           + f"，时限 {local(rt.due_by)}"))
    if (rd := case.reconnection) is not None:
        found.append(Event(at=rd.at, what="已复电", by=rd.by, detail="远程" if rd.remote else "现场"))
    return tuple(found)


def _item(row: ArrearsCase, *, owed: int, at: datetime, policy: SupplyPolicy, calendar: Calendar) -> WorkItem:
    case = arrears_store.case_file(row)
    circumstances = Circumstances(at=at, zone=policy.zone, arrears_fen=owed, protected=row.account.protected,
                                  policy=policy, calendar=calendar)
    return WorkItem(
        case_id=row.id, account_no=row.account.account_no, customer_name=row.account.customer.name,
        village=row.account.village.name if row.account.village else "", address=row.account.address,
        stage=Stage(row.stage), owed_fen=owed,
        next=next_steps(case=case, circumstances=circumstances, rules=procedure_rules()),
        late_reconnection=reconnection_late(case=case, at=at),
        planned_disconnection_at=row.red_planned_at, ticket_for_day=row.ticket_for_day,
        field_reconnection=_field_reconnection(row), phone=row.account.customer.phone,
    )


# A reconnect command in one of these states will not reconnect the meter by itself.
_COMMAND_GAVE_UP = frozenset({CommandStatus.CANCELLED, CommandStatus.EXPIRED, CommandStatus.ESCALATED})


def _field_reconnection(row: ArrearsCase) -> bool:
    if row.reconnection_at is None or row.reconnected_at is not None:
        return False
    if not row.executed_remote:
        return True
    command = row.reconnect_command
    return command is None or command.status in _COMMAND_GAVE_UP

