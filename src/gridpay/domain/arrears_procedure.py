"""The legal procedure for suspending supply to a postpaid account in arrears (停电催费, RULES §10, seed 002)."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import ClassVar

from gridpay.domain.business_time import business_day, day_bounds
from gridpay.domain.calendar import Calendar
from gridpay.domain.errors import DomainError
from gridpay.domain.money import format_yuan
from gridpay.domain.staff_roles import Action, Role
from gridpay.domain.supply_policy import SupplyPolicy, next_window_opening, window_closed_because
from gridpay.domain.texts import gettext_noop

# Who takes an automatic step (a payment closes the case or raises the reconnection ticket, the meter confirms a
# remote reconnection): ``by=SYSTEM`` with no roles. A person is never the system, and the system never takes a step
# that seed 002 gives to a person.
SYSTEM = "system"
# A refusal to sign, or a late reconnection, is explained in words someone can check later (seed 002: 详细记录);
# a shorter text is a placeholder, not an explanation.
MIN_EXPLANATION_CHARS = 10


class Stage(StrEnum):
    """Where a case stands, derived from what is recorded on it (never stored beside it)."""

    OVERDUE = "overdue"
    YELLOW_NOTICE = "yellow_notice"
    RED_NOTICE = "red_notice"
    REFUSAL_PENDING = "refusal_pending"
    APPROVED = "approved"
    TICKET_ISSUED = "ticket_issued"
    PHONE_NOTIFIED = "phone_notified"
    EXECUTED = "executed"
    RECONNECTION_PENDING = "reconnection_pending"
    RECONNECTED = "reconnected"
    CLOSED_PAID = "closed_paid"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    Stage.OVERDUE: gettext_noop("逾期欠费，待送催费通知单"),
    Stage.YELLOW_NOTICE: gettext_noop("已送催费通知单"),
    Stage.RED_NOTICE: gettext_noop("已送达中止供电通知书"),
    Stage.REFUSAL_PENDING: gettext_noop("拒签，待班长（非居民另需所长）知悉"),
    Stage.APPROVED: gettext_noop("停电已批准"),
    Stage.TICKET_ISSUED: gettext_noop("停电工作票已传计量班"),
    Stage.PHONE_NOTIFIED: gettext_noop("停电前电话通知已完成"),
    Stage.EXECUTED: gettext_noop("已停电"),
    Stage.RECONNECTION_PENDING: gettext_noop("已交清，复电工作票待完成"),
    Stage.RECONNECTED: gettext_noop("已复电"),
    Stage.CLOSED_PAID: gettext_noop("执行前已交清，未停电"),
}


class Step(StrEnum):
    SERVE_YELLOW_NOTICE = "serve_yellow_notice"
    DELIVER_RED_NOTICE = "deliver_red_notice"
    ACKNOWLEDGE_REFUSAL = "acknowledge_refusal"
    APPROVE = "approve"
    ISSUE_TICKET = "issue_ticket"
    PHONE_NOTICE = "phone_notice"
    EXECUTE = "execute"
    CLOSE_PAID = "close_paid"
    RAISE_RECONNECTION = "raise_reconnection"
    COMPLETE_RECONNECTION = "complete_reconnection"

    @property
    def label(self) -> str:
        return STEP_LABELS[self]


STEP_LABELS = {
    Step.SERVE_YELLOW_NOTICE: gettext_noop("送催费通知单"),
    Step.DELIVER_RED_NOTICE: gettext_noop("送达中止供电通知书"),
    Step.ACKNOWLEDGE_REFUSAL: gettext_noop("拒签知悉"),
    Step.APPROVE: gettext_noop("停电审批"),
    Step.ISSUE_TICKET: gettext_noop("停电工作票传计量班"),
    Step.PHONE_NOTICE: gettext_noop("停电前电话通知"),
    Step.EXECUTE: gettext_noop("实施停电"),
    Step.CLOSE_PAID: gettext_noop("交清结案"),
    Step.RAISE_RECONNECTION: gettext_noop("起复电工作票"),
    Step.COMPLETE_RECONNECTION: gettext_noop("完成复电"),
}


class ReconnectionSource(StrEnum):
    """Why a reconnection ticket was raised (seed 002, 三.1–2)."""

    PAYMENT = "payment"  # the arrears were paid: the system on the payment, or the collector's daily follow-up
    CALL_95598 = "95598"  # the customer called 95598, which passed the request to the station

    @property
    def label(self) -> str:
        return RECONNECTION_SOURCE_LABELS[self]


RECONNECTION_SOURCE_LABELS = {
    ReconnectionSource.PAYMENT: gettext_noop("交清欠费"),
    ReconnectionSource.CALL_95598: gettext_noop("95598诉求"),
}


# What is recorded, one record per step ------------------------------------------------------------------------------


@dataclass(frozen=True)
class YellowNotice:
    """催费通知单: the amount owed, the last day to pay, and when supply will be suspended if it is not paid."""

    at: datetime
    by: str
    amount_fen: int
    pay_by: date
    planned_disconnection_at: datetime


@dataclass(frozen=True)
class RedNotice:
    """中止供电通知书, delivered: its planned disconnection is the one the later steps keep to."""

    at: datetime
    by: str
    amount_fen: int
    pay_by: date
    planned_disconnection_at: datetime
    signed: bool
    refusal_note: str = ""  # what happened when the customer refused to sign


@dataclass(frozen=True)
class RefusalAcknowledgement:
    at: datetime
    by: str
    role: Role  # the level that took note: the supervisor, then (non-residential) the station head


@dataclass(frozen=True)
class Approval:
    at: datetime
    by: str
    role: Role
    company_level: bool
    filing_ref: str = ""  # 报备文号: an important user's disconnection is filed with the authority


@dataclass(frozen=True)
class DisconnectionTicket:
    at: datetime
    by: str
    for_day: date  # the day of execution


@dataclass(frozen=True)
class PhoneNotice:
    at: datetime
    by: str


@dataclass(frozen=True)
class Execution:
    """Recorded when the disconnection is carried out in the field, or ordered through the command outbox (whose
    re-check just before sending still cancels it if the arrears are paid meanwhile)."""

    at: datetime
    by: str
    remote: bool
    meter_verified: bool


@dataclass(frozen=True)
class Closure:
    at: datetime
    by: str
    arrears_fen: int  # what the re-check read when the case was closed: nothing owed


@dataclass(frozen=True)
class ReconnectionTicket:
    at: datetime
    by: str
    source: ReconnectionSource
    request_no: str
    due_by: datetime


@dataclass(frozen=True)
class ReconnectionDone:
    at: datetime
    by: str
    remote: bool
    explanation_to_customer: str = ""  # both are needed when the reconnection came after its ticket's due_by
    explanation_to_supervisor: str = ""


@dataclass(frozen=True)
class CaseFile:
    """Everything recorded on one case. Every record needs the ones before it (a case file that skips one cannot be
    built), so no stored disconnection lacks its notices and approval."""

    residential: bool
    important: bool  # 重要用户: approved by the company, with the filing to the authority recorded
    opened_at: datetime
    yellow_notice: YellowNotice | None = None
    red_notice: RedNotice | None = None
    refusal_acks: tuple[RefusalAcknowledgement, ...] = ()
    approval: Approval | None = None
    ticket: DisconnectionTicket | None = None
    phone_notice: PhoneNotice | None = None
    execution: Execution | None = None
    closure: Closure | None = None
    reconnection_ticket: ReconnectionTicket | None = None
    reconnection: ReconnectionDone | None = None

    def __post_init__(self) -> None:
        if self.opened_at.tzinfo is None:
            raise ValueError("instants must be timezone-aware")
        chain = (self.yellow_notice, self.red_notice, self.approval, self.ticket, self.phone_notice, self.execution,
                 self.reconnection_ticket, self.reconnection)
        if any(later is not None and earlier is None for earlier, later in pairwise(chain)):
            raise ValueError("a case file records the procedure's steps in order, none skipped")
        if self.refusal_acks and (self.red_notice is None or self.red_notice.signed):
            raise ValueError("a refusal is acknowledged only when the red notice was refused")
        if self.approval is not None and acknowledgements_missing(self):
            raise ValueError("a refused red notice is acknowledged before the approval")
        if self.closure is not None and self.execution is not None:
            raise ValueError("a case is closed paid only before execution")


@dataclass(frozen=True)
class ProcedureRules:
    """The procedure's figures, configurable per utility; the defaults are seed 002's."""

    red_notice_days_residential: int = 7
    red_notice_days_other: int = 3
    phone_notice_minutes_residential: int = 30
    phone_notice_minutes_other: int = 60
    reconnect_hours: int = 24

    def __post_init__(self) -> None:
        figures = (self.red_notice_days_residential, self.red_notice_days_other,
                   self.phone_notice_minutes_residential, self.phone_notice_minutes_other, self.reconnect_hours)
        if min(figures) < 1:
            # A zero would quietly remove a protection the customer is owed.
            raise ProcedureRulesInvalid(gettext_noop("催费程序的天数、分钟数和小时数应为正数"), field="procedure_rules")

    def red_notice_days(self, *, residential: bool) -> int:
        return self.red_notice_days_residential if residential else self.red_notice_days_other

    def phone_notice_minutes(self, *, residential: bool) -> int:
        return self.phone_notice_minutes_residential if residential else self.phone_notice_minutes_other


@dataclass(frozen=True)
class Circumstances:
    """What the caller read in the transaction that takes the step: the instant, the arrears, 保电, the window."""

    at: datetime
    zone: str
    arrears_fen: int  # unpaid principal and late fees right now: the re-check
    protected: bool
    policy: SupplyPolicy
    calendar: Calendar

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("instants must be timezone-aware")
        if self.arrears_fen < 0:
            raise ValueError("arrears are never negative: a credit means nothing is owed (0)")
        if self.zone != self.policy.zone:
            raise ValueError("the days of the procedure and of the disconnection window are one zone's")

    def day(self, instant: datetime | None = None) -> date:
        return business_day(instant=self.at if instant is None else instant, zone=self.zone)

    def shown(self, instant: datetime) -> str:
        return self.policy.local(instant).strftime("%Y-%m-%d %H:%M")


# What a step asks for ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServeYellowNotice:
    step: ClassVar[Step] = Step.SERVE_YELLOW_NOTICE
    amount_fen: int
    pay_by: date
    planned_disconnection_at: datetime


@dataclass(frozen=True)
class DeliverRedNotice:
    step: ClassVar[Step] = Step.DELIVER_RED_NOTICE
    amount_fen: int
    pay_by: date
    planned_disconnection_at: datetime
    signed: bool
    refusal_note: str = ""


@dataclass(frozen=True)
class AcknowledgeRefusal:
    step: ClassVar[Step] = Step.ACKNOWLEDGE_REFUSAL
    role: Role | None = None  # None: the next level still missing that the person holds


@dataclass(frozen=True)
class Approve:
    step: ClassVar[Step] = Step.APPROVE
    filing_ref: str = ""


@dataclass(frozen=True)
class IssueTicket:
    step: ClassVar[Step] = Step.ISSUE_TICKET
    for_day: date


@dataclass(frozen=True)
class GivePhoneNotice:
    step: ClassVar[Step] = Step.PHONE_NOTICE


@dataclass(frozen=True)
class Execute:
    step: ClassVar[Step] = Step.EXECUTE
    remote: bool
    meter_verified: bool = False


@dataclass(frozen=True)
class ClosePaid:
    step: ClassVar[Step] = Step.CLOSE_PAID


@dataclass(frozen=True)
class RaiseReconnection:
    step: ClassVar[Step] = Step.RAISE_RECONNECTION
    source: ReconnectionSource
    request_no: str = ""  # the 95598 work order's number


@dataclass(frozen=True)
class CompleteReconnection:
    step: ClassVar[Step] = Step.COMPLETE_RECONNECTION
    remote: bool
    explanation_to_customer: str = ""
    explanation_to_supervisor: str = ""


StepRequest = (
    ServeYellowNotice | DeliverRedNotice | AcknowledgeRefusal | Approve | IssueTicket | GivePhoneNotice | Execute
    | ClosePaid | RaiseReconnection | CompleteReconnection
)
REQUESTS: dict[Step, Callable[..., StepRequest]] = {
    Step.SERVE_YELLOW_NOTICE: ServeYellowNotice,
    Step.DELIVER_RED_NOTICE: DeliverRedNotice,
    Step.ACKNOWLEDGE_REFUSAL: AcknowledgeRefusal,
    Step.APPROVE: Approve,
    Step.ISSUE_TICKET: IssueTicket,
    Step.PHONE_NOTICE: GivePhoneNotice,
    Step.EXECUTE: Execute,
    Step.CLOSE_PAID: ClosePaid,
    Step.RAISE_RECONNECTION: RaiseReconnection,
    Step.COMPLETE_RECONNECTION: CompleteReconnection,
}


# Who takes each step -------------------------------------------------------------------------------------------------

COLLECTORS = frozenset({Role.GRID_STAFF, Role.SUPERVISOR})  # 抄表员 (our grid staff) and their 班长
# Closing a paid case and raising a reconnection after a 95598 call only stop or undo a disconnection: anyone.
ANY_ROLE = frozenset(Role)
# The Action a page checks before it offers a step; None: any role may take it. The procedure itself names the
# roles (below), and a system administrator, who holds every Action, takes none of its steps: seed 002 names who.
STEP_ACTIONS: dict[Step, Action | None] = {
    Step.SERVE_YELLOW_NOTICE: Action.WORK_ARREARS,
    Step.DELIVER_RED_NOTICE: Action.WORK_ARREARS,
    Step.ACKNOWLEDGE_REFUSAL: Action.ACKNOWLEDGE_REFUSAL,
    Step.APPROVE: Action.APPROVE_DISCONNECTION,
    Step.ISSUE_TICKET: Action.WORK_ARREARS,
    Step.PHONE_NOTICE: Action.WORK_ARREARS,
    Step.EXECUTE: Action.EXECUTE_DISCONNECTION,
    Step.CLOSE_PAID: None,
    Step.RAISE_RECONNECTION: None,
    Step.COMPLETE_RECONNECTION: Action.COMPLETE_RECONNECTION,
}


def acknowledgements_needed(case: CaseFile) -> tuple[Role, ...]:
    """The levels a refusal to sign goes up, in order (seed 002: 班长, then 逐级 to the head for non-residential)."""
    if case.red_notice is None or case.red_notice.signed:
        return ()
    return (Role.SUPERVISOR,) if case.residential else (Role.SUPERVISOR, Role.STATION_HEAD)


def acknowledgements_missing(case: CaseFile) -> tuple[Role, ...]:
    done = {ack.role for ack in case.refusal_acks}
    return tuple(role for role in acknowledgements_needed(case) if role not in done)


def approver(case: CaseFile) -> Role:
    """Who approves the disconnection: the company for an important user, the station head otherwise."""
    return Role.COMPANY if case.important else Role.STATION_HEAD


# Refusals ------------------------------------------------------------------------------------------------------------


class ProcedureRulesInvalid(DomainError):
    code = "arrears_procedure_rules_invalid"


class ProcedureRefused(DomainError):
    """A step of the arrears procedure refused; each rule that can say no has its own subclass and code."""

    code = "arrears_procedure_refused"


class CaseClosed(ProcedureRefused):
    code = "arrears_case_closed"
    http_status = 409


class StepAlreadyTaken(ProcedureRefused):
    code = "arrears_step_already_taken"
    http_status = 409


class StepOutOfOrder(ProcedureRefused):
    code = "arrears_step_out_of_order"
    http_status = 409


class RoleNotAllowed(ProcedureRefused):
    code = "arrears_role_not_allowed"
    http_status = 403


class EarlierThanRecorded(ProcedureRefused):
    code = "arrears_earlier_than_recorded"
    http_status = 409


class NothingOwed(ProcedureRefused):
    """A step toward a disconnection when the arrears are paid: the case is to be closed instead."""

    code = "arrears_nothing_owed"
    http_status = 409


class PaidBeforeExecution(ProcedureRefused):
    """The re-check just before execution found nothing owed (seed 002, 二.6): the caller closes the case paid."""

    code = "arrears_paid_before_execution"
    http_status = 409


class StillOwed(ProcedureRefused):
    code = "arrears_still_owed"
    http_status = 409


class NoticeAmountWrong(ProcedureRefused):
    code = "arrears_notice_amount_wrong"


class PayByPassed(ProcedureRefused):
    code = "arrears_pay_by_passed"


class PlannedNotAfterPayBy(ProcedureRefused):
    code = "arrears_planned_not_after_pay_by"


class NoticeBroughtForward(ProcedureRefused):
    code = "arrears_notice_brought_forward"


class RedNoticeTooLate(ProcedureRefused):
    code = "arrears_red_notice_too_late"


class PlannedInClosedWindow(ProcedureRefused):
    code = "arrears_planned_in_closed_window"


class AccountProtected(ProcedureRefused):
    code = "arrears_account_protected"
    http_status = 409


class RefusalNoteMissing(ProcedureRefused):
    code = "arrears_refusal_note_missing"


class RefusalNotEscalated(ProcedureRefused):
    code = "arrears_refusal_not_escalated"
    http_status = 409


class RefusalNotAcknowledged(ProcedureRefused):
    code = "arrears_refusal_not_acknowledged"
    http_status = 409


class FilingRefMissing(ProcedureRefused):
    code = "arrears_filing_ref_missing"


class TicketDayNotPlanned(ProcedureRefused):
    code = "arrears_ticket_day_not_planned"


class TicketTooLate(ProcedureRefused):
    code = "arrears_ticket_too_late"
    http_status = 409


class PhoneNoticeWrongDay(ProcedureRefused):
    code = "arrears_phone_notice_wrong_day"
    http_status = 409


class ExecutionTooEarly(ProcedureRefused):
    code = "arrears_execution_too_early"
    http_status = 409


class PlanLapsed(ProcedureRefused):
    code = "arrears_plan_lapsed"
    http_status = 409


class PhoneNoticeTooRecent(ProcedureRefused):
    code = "arrears_phone_notice_too_recent"
    http_status = 409


class WindowClosedNow(ProcedureRefused):
    code = "arrears_window_closed"
    http_status = 409


class MeterNotVerified(ProcedureRefused):
    code = "arrears_meter_not_verified"


class RequestNoMissing(ProcedureRefused):
    code = "arrears_request_no_missing"


class LateReconnectionUnexplained(ProcedureRefused):
    code = "arrears_late_reconnection_unexplained"


# The procedure -------------------------------------------------------------------------------------------------------

# The step each stage waits for; before execution a paid case may also be closed.
_NEXT: dict[Stage, Step | None] = {
    Stage.OVERDUE: Step.SERVE_YELLOW_NOTICE,
    Stage.YELLOW_NOTICE: Step.DELIVER_RED_NOTICE,
    Stage.REFUSAL_PENDING: Step.ACKNOWLEDGE_REFUSAL,
    Stage.RED_NOTICE: Step.APPROVE,
    Stage.APPROVED: Step.ISSUE_TICKET,
    Stage.TICKET_ISSUED: Step.PHONE_NOTICE,
    Stage.PHONE_NOTIFIED: Step.EXECUTE,
    Stage.EXECUTED: Step.RAISE_RECONNECTION,
    Stage.RECONNECTION_PENDING: Step.COMPLETE_RECONNECTION,
    Stage.RECONNECTED: None,
    Stage.CLOSED_PAID: None,
}
BEFORE_EXECUTION = frozenset({
    Stage.OVERDUE, Stage.YELLOW_NOTICE, Stage.REFUSAL_PENDING, Stage.RED_NOTICE, Stage.APPROVED, Stage.TICKET_ISSUED,
    Stage.PHONE_NOTIFIED,
})


def stage(case: CaseFile) -> Stage:
    """The stage of the furthest step recorded (the case file's own check keeps the earlier ones present)."""
    if case.closure is not None:
        return Stage.CLOSED_PAID
    if case.reconnection is not None:
        return Stage.RECONNECTED
    if case.reconnection_ticket is not None:
        return Stage.RECONNECTION_PENDING
    if case.execution is not None:
        return Stage.EXECUTED
    if case.phone_notice is not None:
        return Stage.PHONE_NOTIFIED
    if case.ticket is not None:
        return Stage.TICKET_ISSUED
    if case.approval is not None:
        return Stage.APPROVED
    if case.red_notice is not None:
        return Stage.REFUSAL_PENDING if acknowledgements_missing(case) else Stage.RED_NOTICE
    if case.yellow_notice is not None:
        return Stage.YELLOW_NOTICE
    return Stage.OVERDUE


def take_step(
    *,
    case: CaseFile,
    step: Step | StepRequest,
    by: str,
    roles: frozenset[Role],
    circumstances: Circumstances,
    rules: ProcedureRules,
    **details: object,
) -> CaseFile:
    """The case with ``step`` recorded, or a ProcedureRefused saying which rule forbids it.

    ``step`` is a Step with its details as keyword arguments (``step=Step.APPROVE, filing_ref="…"``), or the request
    that carries them (``step=Approve(filing_ref="…")``). An automatic step is taken ``by=SYSTEM`` with no roles.
    """
    request = _request(step, details)
    if not by.strip():
        raise ValueError("a step is taken by someone: by is empty")
    if by == SYSTEM and roles:
        raise ValueError("the system holds no role")
    held = frozenset(roles)
    refusal = (
        _out_of_place(case, request, held)
        or _not_allowed(case, request, by, held)
        or _earlier_than_recorded(case, circumstances)
        or _not_now(case, request.step, circumstances, rules)
        or _wrong_details(case, request, circumstances, rules)
    )
    if refusal is not None:
        raise refusal
    return _recorded(case, request, by=by, roles=held, c=circumstances, rules=rules)


@dataclass(frozen=True)
class NextStep:
    """A step the case waits for: who may take it (``system``: it is also taken automatically), from when and until
    when, and, if nothing the staff can do makes it possible now, why (``blocked_because``, a Chinese sentence; its
    refusal keeps the code, template and params for a page in another language)."""

    step: Step
    roles: frozenset[Role]
    system: bool
    not_before: datetime | None
    blocked_because: str | None
    # Exclusive. After it a ticket or a phone notice is refused, an execution lapses with its planned day, and a
    # reconnection is late (it then needs its explanations).
    deadline: datetime | None = None
    refusal: ProcedureRefused | None = field(default=None, compare=False, repr=False)


def next_steps(*, case: CaseFile, circumstances: Circumstances, rules: ProcedureRules) -> tuple[NextStep, ...]:
    """The steps the case waits for at ``circumstances.at``: the next one of the procedure, and closing the case when
    nothing is owed any more before execution. Blocked ones say why, with the refusal take_step would give."""
    current = stage(case)
    found: list[NextStep] = []
    following = _NEXT[current]
    if following is not None:
        found.append(_next_step(case, following, circumstances, rules))
    if current in BEFORE_EXECUTION and circumstances.arrears_fen == 0:
        found.append(_next_step(case, Step.CLOSE_PAID, circumstances, rules))
    return tuple(found)


def reconnection_late(*, case: CaseFile, at: datetime) -> bool:
    """A reconnection ticket still open after its due_by (seed 002: 恢复送电时间不得超过24小时): an alarm."""
    ticket = case.reconnection_ticket
    return ticket is not None and case.reconnection is None and at > ticket.due_by


def planned_disconnection_at(case: CaseFile) -> datetime | None:
    """The instant the delivered red notice announced: the one the ticket, the phone notice and execution keep to."""
    return None if case.red_notice is None else case.red_notice.planned_disconnection_at


# The checks, each answering the refusal or None ----------------------------------------------------------------------


def _request(step: Step | StepRequest, details: dict[str, object]) -> StepRequest:
    if isinstance(step, Step):
        return REQUESTS[step](**details)
    if details:
        raise TypeError("a step request carries its own details")
    return step


def _already_taken(case: CaseFile, request: StepRequest, roles: frozenset[Role]) -> bool:
    if isinstance(request, AcknowledgeRefusal):
        return _ack_role(case, request, roles) in {ack.role for ack in case.refusal_acks}
    recorded = {
        Step.SERVE_YELLOW_NOTICE: case.yellow_notice,
        Step.DELIVER_RED_NOTICE: case.red_notice,
        Step.APPROVE: case.approval,
        Step.ISSUE_TICKET: case.ticket,
        Step.PHONE_NOTICE: case.phone_notice,
        Step.EXECUTE: case.execution,
        Step.CLOSE_PAID: case.closure,
        Step.RAISE_RECONNECTION: case.reconnection_ticket,
        Step.COMPLETE_RECONNECTION: case.reconnection,
    }
    return recorded[request.step] is not None


def _ack_role(case: CaseFile, request: AcknowledgeRefusal, roles: frozenset[Role]) -> Role:
    if request.role is not None:
        return request.role
    missing = acknowledgements_missing(case)
    for role in (*missing, Role.SUPERVISOR, Role.STATION_HEAD):
        if role in roles:
            return role
    return missing[0] if missing else Role.SUPERVISOR


def _out_of_place(case: CaseFile, request: StepRequest, roles: frozenset[Role]) -> ProcedureRefused | None:
    """The order of the procedure: nothing after a paid closure, nothing twice, nothing skipped."""
    current = stage(case)
    step = request.step
    if current == Stage.CLOSED_PAID:
        return CaseClosed(gettext_noop("本案已交清结案，不能再办理「{step}」"), params={"step": step.label})
    if _already_taken(case, request, roles):
        return StepAlreadyTaken(gettext_noop("「{step}」已办理，不能重复办理"), params={"step": step.label})
    if step == _NEXT[current] or (step == Step.CLOSE_PAID and current in BEFORE_EXECUTION):
        return None
    if step == Step.APPROVE and current == Stage.REFUSAL_PENDING:
        return RefusalNotAcknowledged(gettext_noop("客户拒签，尚待{roles}知悉，不能审批停电"),
                                      params={"roles": _names(acknowledgements_missing(case))})
    return StepOutOfOrder(gettext_noop("当前为「{stage}」，不能办理「{step}」"),
                          params={"stage": current.label, "step": step.label})


def _who_may(case: CaseFile, request: StepRequest, roles: frozenset[Role]) -> tuple[frozenset[Role], bool]:
    """The roles that may take the step as asked, and whether the system may."""
    if isinstance(request, AcknowledgeRefusal):
        return frozenset({_ack_role(case, request, roles)}), False
    if isinstance(request, Approve):
        return frozenset({approver(case)}), False
    if isinstance(request, Execute):
        # Field work is the metering team's (seed 002, 二.7); a supervisor may order the smart meter's disconnect.
        return (frozenset({Role.METERING, Role.SUPERVISOR}) if request.remote else frozenset({Role.METERING})), False
    if isinstance(request, ClosePaid):
        return ANY_ROLE, True
    if isinstance(request, RaiseReconnection):
        # A payment raises it by itself, or a collector who saw it; a 95598 request is handled by a person.
        return ANY_ROLE, request.source == ReconnectionSource.PAYMENT
    if isinstance(request, CompleteReconnection):
        # The meter's confirmation completes a remote reconnection; field work is the metering team's.
        return frozenset({Role.METERING}), request.remote
    return COLLECTORS, False


def _not_allowed(case: CaseFile, request: StepRequest, by: str, roles: frozenset[Role]) -> ProcedureRefused | None:
    allowed, system_may = _who_may(case, request, roles)
    step = request.step
    if by == SYSTEM:
        if system_may:
            return None
        return RoleNotAllowed(gettext_noop("「{step}」不能由系统自动办理"), params={"step": step.label})
    if isinstance(request, AcknowledgeRefusal):
        role = _ack_role(case, request, roles)
        if role not in (Role.SUPERVISOR, Role.STATION_HEAD):
            return RoleNotAllowed(gettext_noop("拒签由班长知悉，非居民用户再报所长"))
        if role not in roles:
            return RoleNotAllowed(gettext_noop("您没有{role}角色"), params={"role": role.label})
        missing = acknowledgements_missing(case)
        if role != missing[0]:
            if role in missing:
                return RefusalNotEscalated(gettext_noop("拒签须逐级反映：先由班长知悉，再报所长"))
            return RoleNotAllowed(gettext_noop("居民用户的拒签由班长知悉"))
        return None
    if roles & allowed:
        return None
    return RoleNotAllowed(gettext_noop("「{step}」须由{roles}办理"),
                          params={"step": step.label, "roles": _names(allowed)})


def _earlier_than_recorded(case: CaseFile, c: Circumstances) -> ProcedureRefused | None:
    last = _last_recorded_at(case)
    if c.at >= last:
        return None
    return EarlierThanRecorded(gettext_noop("办理时间 {at} 早于本案已记录的 {last}"),
                               params={"at": c.shown(c.at), "last": c.shown(last)})


def _last_recorded_at(case: CaseFile) -> datetime:
    records = (case.yellow_notice, case.red_notice, *case.refusal_acks, case.approval, case.ticket, case.phone_notice,
               case.execution, case.closure, case.reconnection_ticket, case.reconnection)
    return max([case.opened_at, *(record.at for record in records if record is not None)])


_TOWARD_DISCONNECTION = frozenset({
    Step.SERVE_YELLOW_NOTICE, Step.DELIVER_RED_NOTICE, Step.ACKNOWLEDGE_REFUSAL, Step.APPROVE, Step.ISSUE_TICKET,
    Step.PHONE_NOTICE,
})
# 保电: no step that brings a disconnection closer once the notice announcing it is due (the yellow notice only
# reminds the customer to pay).
_NEVER_WHEN_PROTECTED = frozenset({
    Step.DELIVER_RED_NOTICE, Step.APPROVE, Step.ISSUE_TICKET, Step.PHONE_NOTICE, Step.EXECUTE,
})


def _not_now(case: CaseFile, step: Step, c: Circumstances, rules: ProcedureRules) -> ProcedureRefused | None:
    """The rules that depend on the case and the moment, not on the step's details: next_steps asks them too."""
    if step == Step.EXECUTE and c.arrears_fen == 0:
        return PaidBeforeExecution(gettext_noop("停电前复核：欠费已交清，不得停电；请交清结案"))
    if step in _TOWARD_DISCONNECTION and c.arrears_fen == 0:
        return NothingOwed(gettext_noop("欠费已交清，不能办理「{step}」；请交清结案"), params={"step": step.label})
    if step in (Step.CLOSE_PAID, Step.RAISE_RECONNECTION) and c.arrears_fen > 0:
        return StillOwed(gettext_noop("尚欠电费 {owed} 元，不能办理「{step}」"),
                         params={"owed": format_yuan(c.arrears_fen), "step": step.label})
    if step in _NEVER_WHEN_PROTECTED and c.protected:
        return AccountProtected(gettext_noop("保电户不得停电，不能办理「{step}」"), params={"step": step.label})
    planned = planned_disconnection_at(case)
    if planned is None or step not in (Step.ISSUE_TICKET, Step.PHONE_NOTICE, Step.EXECUTE):
        return None
    planned_day, today = c.day(planned), c.day()
    if step == Step.ISSUE_TICKET and today > planned_day - timedelta(days=1):
        return TicketTooLate(gettext_noop("停电工作票最迟应在计划停电前一日（{latest}）传计量班"),
                             params={"latest": (planned_day - timedelta(days=1)).isoformat()})
    if step == Step.PHONE_NOTICE and today != planned_day:
        return PhoneNoticeWrongDay(gettext_noop("停电前电话通知应在计划停电当日（{planned_day}）进行"),
                                   params={"planned_day": planned_day.isoformat()})
    if step == Step.EXECUTE:
        return _not_executable(case, planned, c, rules)
    return None


def _not_executable(
    case: CaseFile, planned: datetime, c: Circumstances, rules: ProcedureRules
) -> ProcedureRefused | None:
    if c.at < planned:
        return ExecutionTooEarly(gettext_noop("未到计划停电时间 {planned}"), params={"planned": c.shown(planned)})
    if c.day() != c.day(planned):
        # The customer was told a day; another day needs a new notice, so a new case.
        return PlanLapsed(gettext_noop("计划停电日 {planned_day} 已过，不得停电"),
                          params={"planned_day": c.day(planned).isoformat()})
    assert case.phone_notice is not None  # the stage is PHONE_NOTIFIED
    minutes = rules.phone_notice_minutes(residential=case.residential)
    earliest = case.phone_notice.at + timedelta(minutes=minutes)
    if c.at < earliest:
        return PhoneNoticeTooRecent(gettext_noop("电话通知后须至少 {minutes} 分钟方可停电，最早 {earliest}"),
                                    params={"minutes": minutes, "earliest": c.shown(earliest)})
    closed = window_closed_because(policy=c.policy, calendar=c.calendar, at=c.at)
    if closed is not None:
        return WindowClosedNow(gettext_noop("现在不可停电：{reason}"), params={"reason": closed.label})
    return None


def _wrong_details(
    case: CaseFile, request: StepRequest, c: Circumstances, rules: ProcedureRules
) -> ProcedureRefused | None:
    """The rules about what the step records."""
    if isinstance(request, ServeYellowNotice | DeliverRedNotice):
        return _wrong_notice(case, request, c, rules)
    if isinstance(request, Approve) and case.important and not request.filing_ref.strip():
        return FilingRefMissing(gettext_noop("重要用户停电须由公司审批，并记录报备文号"))
    if isinstance(request, IssueTicket):
        planned_day = c.day(_planned(case))
        if request.for_day != planned_day:
            return TicketDayNotPlanned(gettext_noop("停电工作票的停电日 {for_day} 应为计划停电日 {planned_day}"),
                                       params={"for_day": request.for_day.isoformat(),
                                               "planned_day": planned_day.isoformat()})
    if isinstance(request, Execute) and not request.remote and not request.meter_verified:
        return MeterNotVerified(gettext_noop("现场停电须先核实需停电的表计"))
    if (isinstance(request, RaiseReconnection) and request.source == ReconnectionSource.CALL_95598
            and not request.request_no.strip()):
        return RequestNoMissing(gettext_noop("95598 诉求须记录工单编号"))
    if isinstance(request, CompleteReconnection):
        assert case.reconnection_ticket is not None  # the stage is RECONNECTION_PENDING
        due_by = case.reconnection_ticket.due_by
        explained = all(_explains(text) for text in (request.explanation_to_customer,
                                                     request.explanation_to_supervisor))
        if c.at > due_by and not explained:
            return LateReconnectionUnexplained(
                gettext_noop("复电已超过时限 {due_by}，须记录向客户和主管领导说明的情况（各至少 {chars} 个字）"),
                params={"due_by": c.shown(due_by), "chars": MIN_EXPLANATION_CHARS},
            )
    return None


def _wrong_notice(
    case: CaseFile, notice: ServeYellowNotice | DeliverRedNotice, c: Circumstances, rules: ProcedureRules
) -> ProcedureRefused | None:
    planned = notice.planned_disconnection_at
    if planned.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    today, planned_day = c.day(), c.day(planned)
    if not 0 < notice.amount_fen <= c.arrears_fen:
        return NoticeAmountWrong(gettext_noop("通知金额 {amount} 元应大于 0，且不超过当前欠费 {owed} 元"),
                                 params={"amount": format_yuan(notice.amount_fen), "owed": format_yuan(c.arrears_fen)})
    if notice.pay_by < today:
        return PayByPassed(gettext_noop("交费期限 {pay_by} 早于送达日 {today}"),
                           params={"pay_by": notice.pay_by.isoformat(), "today": today.isoformat()})
    if planned_day <= notice.pay_by:
        return PlannedNotAfterPayBy(gettext_noop("计划停电时间 {planned} 应在交费期限 {pay_by} 之后"),
                                    params={"planned": c.shown(planned), "pay_by": notice.pay_by.isoformat()})
    if not isinstance(notice, DeliverRedNotice):
        return None
    yellow = case.yellow_notice
    assert yellow is not None  # the stage is YELLOW_NOTICE
    if notice.pay_by < yellow.pay_by or planned < yellow.planned_disconnection_at:
        # The customer was promised until then in writing; the second notice may give more time, never less.
        return NoticeBroughtForward(
            gettext_noop("中止供电通知书不能早于催费通知单告知的交费期限 {pay_by} 和停电时间 {planned}"),
            params={"pay_by": yellow.pay_by.isoformat(), "planned": c.shown(yellow.planned_disconnection_at)},
        )
    days = rules.red_notice_days(residential=case.residential)
    if (planned_day - today).days < days:
        return RedNoticeTooLate(
            gettext_noop("中止供电通知书应在停电前至少 {days} 天送达：计划停电日 {planned_day}，送达日 {today}"),
            params={"days": days, "planned_day": planned_day.isoformat(), "today": today.isoformat()},
        )
    closed = window_closed_because(policy=c.policy, calendar=c.calendar, at=planned)
    if closed is not None:
        return PlannedInClosedWindow(gettext_noop("计划停电时间 {planned} 不可停电：{reason}"),
                                     params={"planned": c.shown(planned), "reason": closed.label})
    if not notice.signed and not _explains(notice.refusal_note):
        return RefusalNoteMissing(gettext_noop("客户拒签，须详细记录当时情况（至少 {chars} 个字）"),
                                  params={"chars": MIN_EXPLANATION_CHARS})
    return None


def _explains(text: str) -> bool:
    return len("".join(text.split())) >= MIN_EXPLANATION_CHARS


def _planned(case: CaseFile) -> datetime:
    planned = planned_disconnection_at(case)
    assert planned is not None  # asked only after the red notice
    return planned


def _names(roles: frozenset[Role] | tuple[Role, ...]) -> str:
    return "、".join(role.label for role in sorted(roles, key=list(Role).index))


# Recording -----------------------------------------------------------------------------------------------------------


def _recorded(
    case: CaseFile, request: StepRequest, *, by: str, roles: frozenset[Role], c: Circumstances, rules: ProcedureRules
) -> CaseFile:
    at = c.at
    match request:
        case ServeYellowNotice():
            return replace(case, yellow_notice=YellowNotice(at, by, request.amount_fen, request.pay_by,
                                                            request.planned_disconnection_at))
        case DeliverRedNotice():
            return replace(case, red_notice=RedNotice(at, by, request.amount_fen, request.pay_by,
                                                      request.planned_disconnection_at, request.signed,
                                                      request.refusal_note.strip()))
        case AcknowledgeRefusal():
            ack = RefusalAcknowledgement(at, by, _ack_role(case, request, roles))
            return replace(case, refusal_acks=(*case.refusal_acks, ack))
        case Approve():
            return replace(case, approval=Approval(at, by, approver(case), company_level=case.important,
                                                   filing_ref=request.filing_ref.strip()))
        case IssueTicket():
            return replace(case, ticket=DisconnectionTicket(at, by, request.for_day))
        case GivePhoneNotice():
            return replace(case, phone_notice=PhoneNotice(at, by))
        case Execute():
            return replace(case, execution=Execution(at, by, request.remote, request.meter_verified))
        case ClosePaid():
            return replace(case, closure=Closure(at, by, c.arrears_fen))
        case RaiseReconnection():
            due_by = at + timedelta(hours=rules.reconnect_hours)
            return replace(case, reconnection_ticket=ReconnectionTicket(at, by, ReconnectionSource(request.source),
                                                                        request.request_no.strip(), due_by))
        case CompleteReconnection():
            return replace(case, reconnection=ReconnectionDone(at, by, request.remote,
                                                               request.explanation_to_customer.strip(),
                                                               request.explanation_to_supervisor.strip()))


# What the case waits for ---------------------------------------------------------------------------------------------


def _next_step(case: CaseFile, step: Step, c: Circumstances, rules: ProcedureRules) -> NextStep:
    roles, system = _roles_for(case, step)
    not_before, deadline = _when(case, step, c, rules)
    # Judged at the first instant the step may be taken, so that waiting is not mistaken for being blocked.
    judged_at = c if not_before is None or not_before <= c.at else replace(c, at=not_before)
    refusal = _not_now(case, step, judged_at, rules)
    return NextStep(step, roles, system, not_before, None if refusal is None else refusal.message, deadline, refusal)


def _roles_for(case: CaseFile, step: Step) -> tuple[frozenset[Role], bool]:
    if step == Step.ACKNOWLEDGE_REFUSAL:
        return frozenset(acknowledgements_missing(case)[:1]), False
    if step == Step.APPROVE:
        return frozenset({approver(case)}), False
    if step == Step.EXECUTE:
        return frozenset({Role.METERING, Role.SUPERVISOR}), False
    if step in (Step.CLOSE_PAID, Step.RAISE_RECONNECTION):
        return ANY_ROLE, True
    if step == Step.COMPLETE_RECONNECTION:
        return frozenset({Role.METERING}), True
    return COLLECTORS, False


def _when(
    case: CaseFile, step: Step, c: Circumstances, rules: ProcedureRules
) -> tuple[datetime | None, datetime | None]:
    """The instants between which the step may be taken, when a rule of time says so."""
    planned = planned_disconnection_at(case)
    if step == Step.ISSUE_TICKET and planned is not None:
        return None, day_bounds(day=c.day(planned), zone=c.zone)[0]
    if step == Step.PHONE_NOTICE and planned is not None:
        return day_bounds(day=c.day(planned), zone=c.zone)
    if step == Step.EXECUTE and planned is not None and case.phone_notice is not None:
        minutes = rules.phone_notice_minutes(residential=case.residential)
        earliest = max(planned, case.phone_notice.at + timedelta(minutes=minutes))
        opening = next_window_opening(policy=c.policy, calendar=c.calendar, at=earliest)
        not_before = opening if opening is not None and c.day(opening) == c.day(planned) else earliest
        return not_before, day_bounds(day=c.day(planned), zone=c.zone)[1]
    if step == Step.COMPLETE_RECONNECTION and case.reconnection_ticket is not None:
        return None, case.reconnection_ticket.due_by
    return None, None
