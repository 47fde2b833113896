"""The arrears procedure (停电催费, seed 002), pure: each rule refusing with its own code, the three paths (a
residential customer who signs, a non-residential one who refuses, a customer who pays before execution), what the
case waits for at each stage; and, whatever anyone tries in whatever order, a case that reaches execution has every
notice, approval and time limit behind it, checked here from the rules themselves."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings, target
from hypothesis import strategies as st

from gridpay.domain.arrears_procedure import (
    STEP_ACTIONS,
    SYSTEM,
    AccountProtected,
    CaseClosed,
    CaseFile,
    Circumstances,
    EarlierThanRecorded,
    ExecutionTooEarly,
    FilingRefMissing,
    LateReconnectionUnexplained,
    MeterNotVerified,
    NextStep,
    NothingOwed,
    NoticeAmountWrong,
    NoticeBroughtForward,
    PaidBeforeExecution,
    PayByPassed,
    PhoneNoticeTooRecent,
    PhoneNoticeWrongDay,
    PlanLapsed,
    PlannedInClosedWindow,
    PlannedNotAfterPayBy,
    ProcedureRefused,
    ProcedureRules,
    ProcedureRulesInvalid,
    ReconnectionSource,
    RedNoticeTooLate,
    RefusalNotAcknowledged,
    RefusalNoteMissing,
    RefusalNotEscalated,
    RequestNoMissing,
    RoleNotAllowed,
    Stage,
    Step,
    StepAlreadyTaken,
    StepOutOfOrder,
    StillOwed,
    TicketDayNotPlanned,
    TicketTooLate,
    WindowClosedNow,
    next_steps,
    reconnection_late,
    stage,
    take_step,
)
from gridpay.domain.arrears_procedure import (
    Approve as ApproveRequest,
)
from gridpay.domain.calendar import Calendar, DayKind
from gridpay.domain.staff_roles import Role, may
from gridpay.domain.supply_policy import SupplyPolicy

ZONE = "Asia/Shanghai"
BEIJING = ZoneInfo(ZONE)
# New Year's Day and the Spring Festival 2025 (28 January – 4 February) off; Sunday 26 January and Saturday
# 8 February worked (调休). The window is the default: working days 09:00–16:00, not on a holiday or the day before.
HOLIDAYS = {date(2025, 1, 1), *(date(2025, 1, d) for d in range(28, 32)), *(date(2025, 2, d) for d in range(1, 5))}
WORKED_WEEKENDS = {date(2025, 1, 26), date(2025, 2, 8)}
CALENDAR = Calendar(
    exceptions={**dict.fromkeys(HOLIDAYS, DayKind.HOLIDAY), **dict.fromkeys(WORKED_WEEKENDS, DayKind.WORKING)},
    known_years=frozenset({2025}),
)
POLICY = SupplyPolicy(zone=ZONE)
RULES = ProcedureRules()
OWED = 12_345

COLLECTOR = frozenset({Role.GRID_STAFF})
SUPERVISOR = frozenset({Role.SUPERVISOR})
HEAD = frozenset({Role.STATION_HEAD})
COMPANY = frozenset({Role.COMPANY})
METERING = frozenset({Role.METERING})
NOBODY: frozenset[Role] = frozenset()
NOTE = "客户称电费有误拒绝签字，已当场拍照并请邻居见证"
EXPLAINED = "计量班车辆故障，次日上午复电，已电话致歉"


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)  # type: ignore[misc]


def local(instant: datetime) -> datetime:
    return instant.astimezone(BEIJING)


def now(at: datetime, *, arrears_fen: int = OWED, protected: bool = False,
        policy: SupplyPolicy = POLICY) -> Circumstances:
    return Circumstances(at=at, zone=ZONE, arrears_fen=arrears_fen, protected=protected, policy=policy,
                         calendar=CALENDAR)


def take(case: CaseFile, step: Step, at: datetime, roles: frozenset[Role], *, by: str = "陈嘉涵",
         arrears_fen: int = OWED, protected: bool = False, policy: SupplyPolicy = POLICY,
         rules: ProcedureRules = RULES, **details: object) -> CaseFile:
    return take_step(case=case, step=step, by=by, roles=roles, rules=rules,
                     circumstances=now(at, arrears_fen=arrears_fen, protected=protected, policy=policy), **details)


# A residential customer who signs: every step by the book ------------------------------------------------------------

OPENED = beijing(2025, 1, 2, 9)
PLANNED = beijing(2025, 1, 15, 10)  # a Wednesday inside the window


def opened(*, residential: bool = True, important: bool = False) -> CaseFile:
    return CaseFile(residential=residential, important=important, opened_at=OPENED)


def served(case: CaseFile | None = None) -> CaseFile:
    return take(case or opened(), Step.SERVE_YELLOW_NOTICE, beijing(2025, 1, 3, 10), COLLECTOR,
                amount_fen=OWED, pay_by=date(2025, 1, 10), planned_disconnection_at=PLANNED)


def delivered(case: CaseFile | None = None, *, signed: bool = True) -> CaseFile:
    # Wednesday 8 January, seven days before the planned Wednesday.
    return take(served(case), Step.DELIVER_RED_NOTICE, beijing(2025, 1, 8, 10), COLLECTOR, amount_fen=OWED,
                pay_by=date(2025, 1, 14), planned_disconnection_at=PLANNED, signed=signed,
                refusal_note="" if signed else NOTE)


def approved() -> CaseFile:
    return take(delivered(), Step.APPROVE, beijing(2025, 1, 9, 9), HEAD, by="所长王明")


def ticketed() -> CaseFile:
    return take(approved(), Step.ISSUE_TICKET, beijing(2025, 1, 14, 15), COLLECTOR, for_day=date(2025, 1, 15))


def phoned() -> CaseFile:
    return take(ticketed(), Step.PHONE_NOTICE, beijing(2025, 1, 15, 9, 20), COLLECTOR)


def executed() -> CaseFile:
    return take(phoned(), Step.EXECUTE, beijing(2025, 1, 15, 10), METERING, by="计量班老周", remote=True)


PAID = beijing(2025, 1, 15, 14)


def reconnection_raised() -> CaseFile:
    return take(executed(), Step.RAISE_RECONNECTION, PAID, NOBODY, by=SYSTEM, arrears_fen=0,
                source=ReconnectionSource.PAYMENT)


def test_a_residential_customer_who_signs_is_disconnected_by_the_book_and_reconnected_on_payment() -> None:
    stages = [stage(build()) for build in (opened, served, delivered, approved, ticketed, phoned, executed)]
    assert stages == [Stage.OVERDUE, Stage.YELLOW_NOTICE, Stage.RED_NOTICE, Stage.APPROVED, Stage.TICKET_ISSUED,
                      Stage.PHONE_NOTIFIED, Stage.EXECUTED]
    case = reconnection_raised()
    assert stage(case) == Stage.RECONNECTION_PENDING
    assert case.reconnection_ticket is not None and case.reconnection_ticket.due_by == PAID + timedelta(hours=24)
    done = take(case, Step.COMPLETE_RECONNECTION, PAID + timedelta(minutes=3), NOBODY, by=SYSTEM, arrears_fen=0,
                remote=True)
    assert stage(done) == Stage.RECONNECTED
    assert done.approval is not None and (done.approval.role, done.approval.company_level) == (Role.STATION_HEAD, False)
    assert done.execution is not None and done.execution.by == "计量班老周"
    assert not reconnection_late(case=done, at=PAID + timedelta(days=3))


def test_a_non_residential_important_user_who_refuses_to_sign_is_disconnected_after_both_acknowledgements() -> None:
    case = CaseFile(residential=False, important=True, opened_at=beijing(2025, 1, 6, 8))
    planned = beijing(2025, 1, 10, 13)  # Friday: three days after the red notice, enough for a non-residential user
    case = take(case, Step.SERVE_YELLOW_NOTICE, beijing(2025, 1, 6, 10), COLLECTOR, amount_fen=OWED,
                pay_by=date(2025, 1, 8), planned_disconnection_at=planned)
    case = take(case, Step.DELIVER_RED_NOTICE, beijing(2025, 1, 7, 10), COLLECTOR, amount_fen=OWED,
                pay_by=date(2025, 1, 9), planned_disconnection_at=planned, signed=False, refusal_note=f"  {NOTE}  ")
    assert stage(case) == Stage.REFUSAL_PENDING
    assert case.red_notice is not None and case.red_notice.refusal_note == NOTE
    case = take(case, Step.ACKNOWLEDGE_REFUSAL, beijing(2025, 1, 7, 16), SUPERVISOR, by="班长老黄")
    assert stage(case) == Stage.REFUSAL_PENDING  # non-residential: the station head too
    case = take(case, Step.ACKNOWLEDGE_REFUSAL, beijing(2025, 1, 8, 9), HEAD, by="所长王明")
    assert stage(case) == Stage.RED_NOTICE
    assert [(ack.role, ack.by) for ack in case.refusal_acks] == [(Role.SUPERVISOR, "班长老黄"),
                                                                 (Role.STATION_HEAD, "所长王明")]
    case = take(case, Step.APPROVE, beijing(2025, 1, 8, 10), COMPANY, by="营销部", filing_ref=" 营销报〔2025〕3号 ")
    assert case.approval is not None
    assert (case.approval.role, case.approval.company_level, case.approval.filing_ref) == (
        Role.COMPANY, True, "营销报〔2025〕3号")
    case = take(case, Step.ISSUE_TICKET, beijing(2025, 1, 9, 10), SUPERVISOR, for_day=date(2025, 1, 10))
    case = take(case, Step.PHONE_NOTICE, beijing(2025, 1, 10, 12, 30), COLLECTOR)
    with pytest.raises(PhoneNoticeTooRecent):  # 60 minutes for others: 13:30 at the earliest, though planned 13:00
        take(case, Step.EXECUTE, beijing(2025, 1, 10, 13), METERING, remote=False, meter_verified=True)
    case = take(case, Step.EXECUTE, beijing(2025, 1, 10, 13, 30), METERING, remote=False, meter_verified=True)
    assert stage(case) == Stage.EXECUTED
    # Paid on Monday; the customer calls 95598, the collector raises the ticket; the field team comes a day late.
    case = take(case, Step.RAISE_RECONNECTION, beijing(2025, 1, 13, 10), COLLECTOR, arrears_fen=0,
                source=ReconnectionSource.CALL_95598, request_no="95598-20250113-0042")
    assert not reconnection_late(case=case, at=beijing(2025, 1, 14, 10))  # within 24 hours, the last instant included
    assert reconnection_late(case=case, at=beijing(2025, 1, 14, 10, 1))
    case = take(case, Step.COMPLETE_RECONNECTION, beijing(2025, 1, 14, 11), METERING, arrears_fen=0, remote=False,
                explanation_to_customer=EXPLAINED, explanation_to_supervisor=EXPLAINED)
    assert stage(case) == Stage.RECONNECTED
    assert not reconnection_late(case=case, at=beijing(2025, 1, 20))


def test_a_customer_who_pays_before_execution_is_not_disconnected_and_the_case_closes() -> None:
    case = phoned()
    with pytest.raises(PaidBeforeExecution) as refused:  # the re-check just before execution (seed 002, 二.6)
        take(case, Step.EXECUTE, beijing(2025, 1, 15, 10), METERING, arrears_fen=0, remote=True)
    assert refused.value.code == "arrears_paid_before_execution"
    closed = take(case, Step.CLOSE_PAID, beijing(2025, 1, 15, 10), NOBODY, by=SYSTEM, arrears_fen=0)
    assert stage(closed) == Stage.CLOSED_PAID
    assert closed.closure is not None and (closed.closure.by, closed.closure.arrears_fen) == (SYSTEM, 0)
    assert next_steps(case=closed, circumstances=now(beijing(2025, 1, 15, 11), arrears_fen=0), rules=RULES) == ()
    # Paid before the red notice: a collector closes it as well.
    early = take(served(), Step.CLOSE_PAID, beijing(2025, 1, 4, 9), COLLECTOR, arrears_fen=0)
    assert stage(early) == Stage.CLOSED_PAID and early.red_notice is None


def test_a_step_may_also_be_asked_for_with_its_request_object() -> None:
    case = take_step(case=delivered(), step=ApproveRequest(), by="所长王明", roles=HEAD,
                     circumstances=now(beijing(2025, 1, 9, 9)), rules=RULES)
    assert case == approved()
    with pytest.raises(TypeError):
        take_step(case=delivered(), step=ApproveRequest(), by="所长王明", roles=HEAD,
                  circumstances=now(beijing(2025, 1, 9, 9)), rules=RULES, filing_ref="x")


def test_a_case_file_that_skips_a_step_cannot_be_built() -> None:
    case = executed()
    with pytest.raises(ValueError, match="none skipped"):
        replace(case, approval=None)
    with pytest.raises(ValueError, match="before execution"):
        replace(case, closure=take(served(), Step.CLOSE_PAID, beijing(2025, 1, 4), COLLECTOR, arrears_fen=0).closure)


# Each rule, broken: a refusal with a code of its own ----------------------------------------------------------------


def closed_case_takes_nothing_more() -> None:
    closed = take(served(), Step.CLOSE_PAID, beijing(2025, 1, 4, 9), NOBODY, by=SYSTEM, arrears_fen=0)
    take(closed, Step.DELIVER_RED_NOTICE, beijing(2025, 1, 8, 10), COLLECTOR, amount_fen=OWED,
         pay_by=date(2025, 1, 14), planned_disconnection_at=PLANNED, signed=True)


def yellow_notice_twice() -> None:
    take(served(), Step.SERVE_YELLOW_NOTICE, beijing(2025, 1, 4, 10), COLLECTOR, amount_fen=OWED,
         pay_by=date(2025, 1, 10), planned_disconnection_at=PLANNED)


def approval_before_the_red_notice() -> None:
    take(served(), Step.APPROVE, beijing(2025, 1, 4, 10), HEAD)


def cashier_serves_the_yellow_notice() -> None:
    take(opened(), Step.SERVE_YELLOW_NOTICE, beijing(2025, 1, 3, 10), frozenset({Role.CASHIER}), amount_fen=OWED,
         pay_by=date(2025, 1, 10), planned_disconnection_at=PLANNED)


def step_dated_before_the_last_one() -> None:
    take(served(), Step.DELIVER_RED_NOTICE, beijing(2025, 1, 3, 9), COLLECTOR, amount_fen=OWED,
         pay_by=date(2025, 1, 10), planned_disconnection_at=PLANNED, signed=True)


def yellow_notice_with_nothing_owed() -> None:
    take(opened(), Step.SERVE_YELLOW_NOTICE, beijing(2025, 1, 3, 10), COLLECTOR, arrears_fen=0, amount_fen=OWED,
         pay_by=date(2025, 1, 10), planned_disconnection_at=PLANNED)


def execution_after_payment() -> None:
    take(phoned(), Step.EXECUTE, beijing(2025, 1, 15, 10), METERING, arrears_fen=0, remote=True)


def closing_while_still_owed() -> None:
    take(phoned(), Step.CLOSE_PAID, beijing(2025, 1, 15, 10), NOBODY, by=SYSTEM, arrears_fen=100)


def notice_claims_more_than_owed() -> None:
    take(opened(), Step.SERVE_YELLOW_NOTICE, beijing(2025, 1, 3, 10), COLLECTOR, amount_fen=OWED + 1,
         pay_by=date(2025, 1, 10), planned_disconnection_at=PLANNED)


def pay_by_already_passed() -> None:
    take(opened(), Step.SERVE_YELLOW_NOTICE, beijing(2025, 1, 3, 10), COLLECTOR, amount_fen=OWED,
         pay_by=date(2025, 1, 2), planned_disconnection_at=PLANNED)


def planned_on_the_pay_by_day() -> None:
    take(opened(), Step.SERVE_YELLOW_NOTICE, beijing(2025, 1, 3, 10), COLLECTOR, amount_fen=OWED,
         pay_by=date(2025, 1, 15), planned_disconnection_at=PLANNED)


def red_notice_earlier_than_the_yellow_one_said() -> None:
    take(served(), Step.DELIVER_RED_NOTICE, beijing(2025, 1, 6, 10), COLLECTOR, amount_fen=OWED,
         pay_by=date(2025, 1, 9), planned_disconnection_at=beijing(2025, 1, 14, 10), signed=True)


def red_notice_six_days_before() -> None:
    take(served(), Step.DELIVER_RED_NOTICE, beijing(2025, 1, 9, 10), COLLECTOR, amount_fen=OWED,
         pay_by=date(2025, 1, 14), planned_disconnection_at=PLANNED, signed=True)


def planned_on_a_saturday() -> None:
    take(served(), Step.DELIVER_RED_NOTICE, beijing(2025, 1, 8, 10), COLLECTOR, amount_fen=OWED,
         pay_by=date(2025, 1, 14), planned_disconnection_at=beijing(2025, 1, 18, 10), signed=True)


def red_notice_to_a_protected_account() -> None:
    take(served(), Step.DELIVER_RED_NOTICE, beijing(2025, 1, 8, 10), COLLECTOR, protected=True, amount_fen=OWED,
         pay_by=date(2025, 1, 14), planned_disconnection_at=PLANNED, signed=True)


def refusal_without_a_real_note() -> None:
    take(served(), Step.DELIVER_RED_NOTICE, beijing(2025, 1, 8, 10), COLLECTOR, amount_fen=OWED,
         pay_by=date(2025, 1, 14), planned_disconnection_at=PLANNED, signed=False, refusal_note="客户 拒签 ")


def station_head_acknowledges_before_the_supervisor() -> None:
    take(delivered(opened(residential=False), signed=False), Step.ACKNOWLEDGE_REFUSAL,
         beijing(2025, 1, 8, 11), HEAD)


def approval_before_the_refusal_is_acknowledged() -> None:
    take(delivered(signed=False), Step.APPROVE, beijing(2025, 1, 9, 9), HEAD)


def important_user_approved_without_filing() -> None:
    take(delivered(opened(important=True)), Step.APPROVE, beijing(2025, 1, 9, 9), COMPANY, filing_ref=" ")


def ticket_for_another_day() -> None:
    take(approved(), Step.ISSUE_TICKET, beijing(2025, 1, 13, 15), COLLECTOR, for_day=date(2025, 1, 16))


def ticket_on_the_planned_day() -> None:
    take(approved(), Step.ISSUE_TICKET, beijing(2025, 1, 15, 8), COLLECTOR, for_day=date(2025, 1, 15))


def phone_notice_the_day_before() -> None:
    take(ticketed(), Step.PHONE_NOTICE, beijing(2025, 1, 14, 17), COLLECTOR)


def execution_before_the_planned_time() -> None:
    take(phoned(), Step.EXECUTE, beijing(2025, 1, 15, 9, 55), METERING, remote=True)


def execution_the_day_after() -> None:
    take(phoned(), Step.EXECUTE, beijing(2025, 1, 16, 10), METERING, remote=True)


def execution_too_soon_after_the_phone_call() -> None:
    late_call = take(ticketed(), Step.PHONE_NOTICE, beijing(2025, 1, 15, 9, 45), COLLECTOR)
    take(late_call, Step.EXECUTE, beijing(2025, 1, 15, 10, 14), METERING, remote=True)


def execution_after_the_window_closed() -> None:
    take(phoned(), Step.EXECUTE, beijing(2025, 1, 15, 16), METERING, remote=True)


def field_execution_without_verifying_the_meter() -> None:
    take(phoned(), Step.EXECUTE, beijing(2025, 1, 15, 10), METERING, remote=False, meter_verified=False)


def reconnection_on_a_95598_call_without_its_number() -> None:
    take(executed(), Step.RAISE_RECONNECTION, PAID, COLLECTOR, arrears_fen=0, source=ReconnectionSource.CALL_95598,
         request_no=" ")


def late_reconnection_without_explanations() -> None:
    take(reconnection_raised(), Step.COMPLETE_RECONNECTION, PAID + timedelta(hours=25), METERING, arrears_fen=0,
         remote=False, explanation_to_customer=EXPLAINED, explanation_to_supervisor="车坏了")


REFUSALS: list[tuple[type[ProcedureRefused], Callable[[], None]]] = [
    (CaseClosed, closed_case_takes_nothing_more),
    (StepAlreadyTaken, yellow_notice_twice),
    (StepOutOfOrder, approval_before_the_red_notice),
    (RoleNotAllowed, cashier_serves_the_yellow_notice),
    (EarlierThanRecorded, step_dated_before_the_last_one),
    (NothingOwed, yellow_notice_with_nothing_owed),
    (PaidBeforeExecution, execution_after_payment),
    (StillOwed, closing_while_still_owed),
    (NoticeAmountWrong, notice_claims_more_than_owed),
    (PayByPassed, pay_by_already_passed),
    (PlannedNotAfterPayBy, planned_on_the_pay_by_day),
    (NoticeBroughtForward, red_notice_earlier_than_the_yellow_one_said),
    (RedNoticeTooLate, red_notice_six_days_before),
    (PlannedInClosedWindow, planned_on_a_saturday),
    (AccountProtected, red_notice_to_a_protected_account),
    (RefusalNoteMissing, refusal_without_a_real_note),
    (RefusalNotEscalated, station_head_acknowledges_before_the_supervisor),
    (RefusalNotAcknowledged, approval_before_the_refusal_is_acknowledged),
    (FilingRefMissing, important_user_approved_without_filing),
    (TicketDayNotPlanned, ticket_for_another_day),
    (TicketTooLate, ticket_on_the_planned_day),
    (PhoneNoticeWrongDay, phone_notice_the_day_before),
    (ExecutionTooEarly, execution_before_the_planned_time),
    (PlanLapsed, execution_the_day_after),
    (PhoneNoticeTooRecent, execution_too_soon_after_the_phone_call),
    (WindowClosedNow, execution_after_the_window_closed),
    (MeterNotVerified, field_execution_without_verifying_the_meter),
    (RequestNoMissing, reconnection_on_a_95598_call_without_its_number),
    (LateReconnectionUnexplained, late_reconnection_without_explanations),
]


@pytest.mark.parametrize(("kind", "attempt"), REFUSALS, ids=[attempt.__name__ for _, attempt in REFUSALS])
def test_each_rule_refuses_with_its_own_code(kind: type[ProcedureRefused], attempt: Callable[[], None]) -> None:
    with pytest.raises(ProcedureRefused) as refused:
        attempt()
    assert type(refused.value) is kind
    assert refused.value.code.startswith("arrears_") and refused.value.message.strip()


def test_every_refusal_of_the_procedure_is_shown_above() -> None:
    assert {kind for kind, _ in REFUSALS} == set(ProcedureRefused.__subclasses__())
    assert len({kind.code for kind, _ in REFUSALS}) == len(REFUSALS)


def test_the_rules_figures_are_positive() -> None:
    with pytest.raises(ProcedureRulesInvalid):
        ProcedureRules(red_notice_days_residential=0)
    with pytest.raises(ProcedureRulesInvalid):
        ProcedureRules(phone_notice_minutes_other=-5)


@pytest.mark.parametrize(
    ("planned", "reason"),
    [
        (beijing(2025, 1, 18, 10), "非工作日"),  # Saturday
        (beijing(2025, 1, 29, 10), "节假日"),  # Spring Festival
        (beijing(2025, 1, 27, 10), "节假日前一日"),  # the Monday before it
        (beijing(2025, 1, 24, 16), "不在停电时间段内"),  # a Friday, the window is [09:00, 16:00)
    ],
)
def test_the_planned_disconnection_must_fall_in_an_open_window(planned: datetime, reason: str) -> None:
    yellow = take(opened(), Step.SERVE_YELLOW_NOTICE, beijing(2025, 1, 3, 10), COLLECTOR, amount_fen=OWED,
                  pay_by=date(2025, 1, 10), planned_disconnection_at=planned)
    with pytest.raises(PlannedInClosedWindow, match=reason):
        take(yellow, Step.DELIVER_RED_NOTICE, beijing(2025, 1, 8, 10), COLLECTOR, amount_fen=OWED,
             pay_by=date(2025, 1, 14), planned_disconnection_at=planned, signed=True)


def test_a_saturday_made_a_working_day_is_open_and_a_weather_block_closes_every_day() -> None:
    planned = beijing(2025, 2, 8, 10)  # 调休上班
    yellow = take(opened(), Step.SERVE_YELLOW_NOTICE, beijing(2025, 1, 3, 10), COLLECTOR, amount_fen=OWED,
                  pay_by=date(2025, 1, 10), planned_disconnection_at=planned)
    red = {"amount_fen": OWED, "pay_by": date(2025, 1, 14), "planned_disconnection_at": planned, "signed": True}
    assert stage(take(yellow, Step.DELIVER_RED_NOTICE, beijing(2025, 1, 8, 10), COLLECTOR, **red)) == Stage.RED_NOTICE
    with pytest.raises(PlannedInClosedWindow, match="恶劣天气"):
        take(yellow, Step.DELIVER_RED_NOTICE, beijing(2025, 1, 8, 10), COLLECTOR,
             policy=replace(POLICY, weather_block=True), **red)
    with pytest.raises(WindowClosedNow, match="恶劣天气"):
        take(phoned(), Step.EXECUTE, beijing(2025, 1, 15, 10), METERING, remote=True,
             policy=replace(POLICY, weather_block=True))


def test_the_red_notice_days_are_business_days_in_the_zone_and_fewer_for_others() -> None:
    # 23:30 UTC on 7 January is already 8 January in Beijing: seven days before the 15th, not eight.
    at = datetime(2025, 1, 7, 23, 30, tzinfo=ZoneInfo("UTC"))
    red = {"amount_fen": OWED, "pay_by": date(2025, 1, 14), "planned_disconnection_at": PLANNED, "signed": True}
    assert take(served(), Step.DELIVER_RED_NOTICE, at, COLLECTOR, **red).red_notice is not None
    with pytest.raises(RedNoticeTooLate):
        take(served(), Step.DELIVER_RED_NOTICE, beijing(2025, 1, 9, 0, 30), COLLECTOR, **red)
    business = served(opened(residential=False))
    assert stage(take(business, Step.DELIVER_RED_NOTICE, beijing(2025, 1, 12, 10), COLLECTOR, **red)) == \
        Stage.RED_NOTICE
    with pytest.raises(RedNoticeTooLate):
        take(business, Step.DELIVER_RED_NOTICE, beijing(2025, 1, 13, 10), COLLECTOR, **red)


def test_who_may_take_each_step() -> None:
    refused = [
        # Approval: the station head for an ordinary user, the company for an important one; never the admin.
        lambda: take(delivered(), Step.APPROVE, beijing(2025, 1, 9, 9), COMPANY, filing_ref="营销报〔2025〕3号"),
        lambda: take(delivered(opened(important=True)), Step.APPROVE, beijing(2025, 1, 9, 9), HEAD,
                     filing_ref="营销报〔2025〕3号"),
        lambda: take(delivered(), Step.APPROVE, beijing(2025, 1, 9, 9), frozenset({Role.ADMIN})),
        lambda: take(delivered(), Step.APPROVE, beijing(2025, 1, 9, 9), NOBODY, by=SYSTEM),
        # Field work is the metering team's; a supervisor may only order the smart meter's disconnect.
        lambda: take(phoned(), Step.EXECUTE, beijing(2025, 1, 15, 10), SUPERVISOR, remote=False, meter_verified=True),
        lambda: take(phoned(), Step.EXECUTE, beijing(2025, 1, 15, 10), COLLECTOR, remote=True),
        # The supervisor takes note of a refusal; holding the role is needed to say one acknowledges as it.
        lambda: take(delivered(signed=False), Step.ACKNOWLEDGE_REFUSAL, beijing(2025, 1, 8, 11), COLLECTOR),
        lambda: take(delivered(signed=False), Step.ACKNOWLEDGE_REFUSAL, beijing(2025, 1, 8, 11), COLLECTOR,
                     role=Role.SUPERVISOR),
        lambda: take(delivered(signed=False), Step.ACKNOWLEDGE_REFUSAL, beijing(2025, 1, 8, 11), HEAD),  # residential
        # A 95598 call is handled by a person; a field reconnection is done by one.
        lambda: take(executed(), Step.RAISE_RECONNECTION, PAID, NOBODY, by=SYSTEM, arrears_fen=0,
                     source=ReconnectionSource.CALL_95598, request_no="95598-1"),
        lambda: take(reconnection_raised(), Step.COMPLETE_RECONNECTION, PAID, NOBODY, by=SYSTEM, arrears_fen=0,
                     remote=False),
        lambda: take(reconnection_raised(), Step.COMPLETE_RECONNECTION, PAID, COLLECTOR, arrears_fen=0, remote=False),
        # No role, no step, not even closing.
        lambda: take(served(), Step.CLOSE_PAID, beijing(2025, 1, 4), NOBODY, by="无角色的人", arrears_fen=0),
    ]
    for attempt in refused:
        with pytest.raises(RoleNotAllowed):
            attempt()
    both = frozenset({Role.SUPERVISOR, Role.STATION_HEAD})  # one person, the next level they hold that is missing
    case = take(delivered(opened(residential=False), signed=False), Step.ACKNOWLEDGE_REFUSAL,
                beijing(2025, 1, 8, 11), both)
    case = take(case, Step.ACKNOWLEDGE_REFUSAL, beijing(2025, 1, 8, 12), both)
    assert [ack.role for ack in case.refusal_acks] == [Role.SUPERVISOR, Role.STATION_HEAD]


def test_a_step_is_never_taken_twice_but_each_level_acknowledges_once() -> None:
    case = take(delivered(opened(residential=False), signed=False), Step.ACKNOWLEDGE_REFUSAL,
                beijing(2025, 1, 8, 11), SUPERVISOR)
    with pytest.raises(StepAlreadyTaken):
        take(case, Step.ACKNOWLEDGE_REFUSAL, beijing(2025, 1, 8, 12), SUPERVISOR, by="另一位班长")
    case = take(case, Step.ACKNOWLEDGE_REFUSAL, beijing(2025, 1, 8, 12), HEAD)
    with pytest.raises(StepAlreadyTaken):
        take(case, Step.ACKNOWLEDGE_REFUSAL, beijing(2025, 1, 8, 13), HEAD)
    for step, details in [(Step.APPROVE, {}), (Step.EXECUTE, {"remote": True})]:
        with pytest.raises(StepAlreadyTaken):
            take(reconnection_raised(), step, PAID, HEAD | METERING, **details)


def test_the_order_cannot_be_skipped_nor_a_closed_case_reopened() -> None:
    with pytest.raises(StepOutOfOrder):
        take(approved(), Step.EXECUTE, PLANNED, METERING, remote=True)
    with pytest.raises(StepOutOfOrder):  # after execution the case ends with a reconnection, not a closure
        take(executed(), Step.CLOSE_PAID, PAID, NOBODY, by=SYSTEM, arrears_fen=0)
    with pytest.raises(StepOutOfOrder):
        take(phoned(), Step.RAISE_RECONNECTION, PAID, COLLECTOR, arrears_fen=0, source=ReconnectionSource.PAYMENT)
    closed = take(served(), Step.CLOSE_PAID, beijing(2025, 1, 4), NOBODY, by=SYSTEM, arrears_fen=0)
    notice = {"amount_fen": OWED, "pay_by": date(2025, 1, 14), "planned_disconnection_at": PLANNED}
    details: dict[Step, dict[str, object]] = {
        Step.SERVE_YELLOW_NOTICE: notice, Step.DELIVER_RED_NOTICE: notice | {"signed": True},
        Step.ISSUE_TICKET: {"for_day": date(2025, 1, 15)}, Step.EXECUTE: {"remote": True},
        Step.RAISE_RECONNECTION: {"source": ReconnectionSource.PAYMENT}, Step.COMPLETE_RECONNECTION: {"remote": True},
    }
    for step in Step:
        with pytest.raises(CaseClosed):
            take(closed, step, beijing(2025, 1, 5), frozenset(Role) - {Role.ADMIN}, arrears_fen=0,
                 **details.get(step, {}))


def test_every_step_toward_a_disconnection_stops_once_the_arrears_are_paid_or_the_account_is_protected() -> None:
    with pytest.raises(NothingOwed):
        take(delivered(), Step.APPROVE, beijing(2025, 1, 9, 9), HEAD, arrears_fen=0)
    with pytest.raises(NothingOwed):
        take(ticketed(), Step.PHONE_NOTICE, beijing(2025, 1, 15, 9, 20), COLLECTOR, arrears_fen=0)
    for attempt in (
        lambda: take(delivered(), Step.APPROVE, beijing(2025, 1, 9, 9), HEAD, protected=True),
        lambda: take(approved(), Step.ISSUE_TICKET, beijing(2025, 1, 14, 15), COLLECTOR, protected=True,
                     for_day=date(2025, 1, 15)),
        lambda: take(phoned(), Step.EXECUTE, beijing(2025, 1, 15, 10), METERING, protected=True, remote=True),
    ):
        with pytest.raises(AccountProtected):
            attempt()
    with pytest.raises(StillOwed):
        take(executed(), Step.RAISE_RECONNECTION, PAID, COLLECTOR, arrears_fen=1, source=ReconnectionSource.PAYMENT)


def test_the_ticket_may_go_the_day_before_and_a_reconnection_in_time_needs_no_explanation() -> None:
    assert stage(take(approved(), Step.ISSUE_TICKET, beijing(2025, 1, 14, 23, 59), COLLECTOR,
                      for_day=date(2025, 1, 15))) == Stage.TICKET_ISSUED
    in_time = take(reconnection_raised(), Step.COMPLETE_RECONNECTION, PAID + timedelta(hours=24), METERING,
                   arrears_fen=0, remote=False)
    assert in_time.reconnection is not None and in_time.reconnection.explanation_to_customer == ""


# What the case waits for ----------------------------------------------------------------------------------------------

COLLECTORS = frozenset({Role.GRID_STAFF, Role.SUPERVISOR})


def waiting(case: CaseFile, at: datetime, **kwargs: object) -> tuple[NextStep, ...]:
    return next_steps(case=case, circumstances=now(at, **kwargs), rules=RULES)  # type: ignore[arg-type]


def test_next_steps_name_the_step_and_who_takes_it_at_each_stage() -> None:
    def named(case: CaseFile, at: datetime) -> list[tuple[Step, frozenset[Role], bool]]:
        return [(n.step, n.roles, n.system) for n in waiting(case, at)]

    refused_business = delivered(opened(residential=False), signed=False)
    assert named(opened(), OPENED) == [(Step.SERVE_YELLOW_NOTICE, COLLECTORS, False)]
    assert named(served(), beijing(2025, 1, 4)) == [(Step.DELIVER_RED_NOTICE, COLLECTORS, False)]
    assert named(refused_business, beijing(2025, 1, 8, 11)) == [(Step.ACKNOWLEDGE_REFUSAL, SUPERVISOR, False)]
    head_next = take(refused_business, Step.ACKNOWLEDGE_REFUSAL, beijing(2025, 1, 8, 11), SUPERVISOR)
    assert named(head_next, beijing(2025, 1, 8, 12)) == [(Step.ACKNOWLEDGE_REFUSAL, HEAD, False)]
    assert named(delivered(), beijing(2025, 1, 9)) == [(Step.APPROVE, HEAD, False)]
    assert named(delivered(opened(important=True)), beijing(2025, 1, 9)) == [(Step.APPROVE, COMPANY, False)]
    assert named(approved(), beijing(2025, 1, 10)) == [(Step.ISSUE_TICKET, COLLECTORS, False)]
    assert named(ticketed(), beijing(2025, 1, 15, 8)) == [(Step.PHONE_NOTICE, COLLECTORS, False)]
    assert named(phoned(), beijing(2025, 1, 15, 9, 30)) == [
        (Step.EXECUTE, frozenset({Role.METERING, Role.SUPERVISOR}), False)]
    assert named(executed(), beijing(2025, 1, 15, 11)) == [(Step.RAISE_RECONNECTION, frozenset(Role), True)]
    assert named(reconnection_raised(), PAID) == [(Step.COMPLETE_RECONNECTION, METERING, True)]


def test_next_steps_say_from_when_until_when_and_why_a_step_is_blocked() -> None:
    ticket, = waiting(approved(), beijing(2025, 1, 10))
    assert (ticket.not_before, ticket.deadline, ticket.blocked_because) == (None, beijing(2025, 1, 15), None)
    ticket, = waiting(approved(), beijing(2025, 1, 15, 8))
    assert ticket.refusal is not None and ticket.refusal.code == "arrears_ticket_too_late"
    phone, = waiting(ticketed(), beijing(2025, 1, 14, 16))
    assert (phone.not_before, phone.deadline, phone.blocked_because) == (
        beijing(2025, 1, 15), beijing(2025, 1, 16), None)  # waiting for the day is not being blocked
    execution, = waiting(phoned(), beijing(2025, 1, 15, 9, 30))
    assert (execution.not_before, execution.blocked_because) == (PLANNED, None)
    late_call = take(ticketed(), Step.PHONE_NOTICE, beijing(2025, 1, 15, 9, 45), COLLECTOR)
    execution, = waiting(late_call, beijing(2025, 1, 15, 9, 50))
    assert (execution.not_before, execution.blocked_because) == (beijing(2025, 1, 15, 10, 15), None)
    execution, = waiting(phoned(), beijing(2025, 1, 15, 16, 30))
    assert execution.blocked_because == "现在不可停电：不在停电时间段内"
    execution, = waiting(phoned(), beijing(2025, 1, 15, 9, 30), protected=True)
    assert execution.refusal is not None and execution.refusal.code == "arrears_account_protected"
    execution, close = waiting(phoned(), beijing(2025, 1, 15, 9, 30), arrears_fen=0)
    assert execution.refusal is not None and execution.refusal.code == "arrears_paid_before_execution"
    assert (close.step, close.system, close.blocked_because) == (Step.CLOSE_PAID, True, None)
    raise_ticket, = waiting(executed(), beijing(2025, 1, 15, 11))
    assert raise_ticket.blocked_because == "尚欠电费 123.45 元，不能办理「起复电工作票」"
    complete, = waiting(reconnection_raised(), PAID)
    assert complete.deadline == PAID + timedelta(hours=24)
    assert reconnection_late(case=reconnection_raised(), at=PAID + timedelta(hours=24, seconds=1))


def test_the_pages_offer_each_step_to_exactly_the_roles_the_procedure_names() -> None:
    # Written from RULES §10 and seed 002; a system administrator holds every Action but takes none of these steps.
    named = {
        Step.SERVE_YELLOW_NOTICE: COLLECTORS, Step.DELIVER_RED_NOTICE: COLLECTORS, Step.ISSUE_TICKET: COLLECTORS,
        Step.PHONE_NOTICE: COLLECTORS, Step.ACKNOWLEDGE_REFUSAL: SUPERVISOR | HEAD, Step.APPROVE: HEAD | COMPANY,
        Step.EXECUTE: METERING | SUPERVISOR, Step.COMPLETE_RECONNECTION: METERING,
    }
    for step, action in STEP_ACTIONS.items():
        if action is None:
            assert step in (Step.CLOSE_PAID, Step.RAISE_RECONNECTION)
            continue
        assert {role for role in Role if may([role], action)} - {Role.ADMIN} == named[step], step


# Any sequence: a disconnection is lawful whatever was tried before it ------------------------------------------------

ORDER = (Step.SERVE_YELLOW_NOTICE, Step.DELIVER_RED_NOTICE, Step.ACKNOWLEDGE_REFUSAL, Step.APPROVE, Step.ISSUE_TICKET,
         Step.PHONE_NOTICE, Step.EXECUTE, Step.RAISE_RECONNECTION, Step.COMPLETE_RECONNECTION)
# What an attempt may get wrong, one thing at a time (a wrong time comes from the wait before it instead).
MISTAKES = (
    "any_step", "skip_one", "near_role", "any_roles", "by_the_system", "paid", "owed", "protected", "amount_over",
    "pay_by_passed", "short_note", "ack_role", "no_filing", "for_day", "unverified", "no_request_no",
    "unexplained",
)


@dataclass(frozen=True)
class Move:
    """One attempt: time moves on, then someone takes the step the rules have next, as the rules want it, or with one
    mistake. Also drawn: what the rules leave free (signed or not, remote or field, how the reconnection came)."""

    wait: tuple[str, int]
    mistake: str | None
    any_step: Step
    any_roles: frozenset[Role]
    signed: bool
    own_terms: bool  # the red notice sets its own pay-by day and planned disconnection, rather than the yellow one's
    remote: bool
    source: ReconnectionSource
    lead_days: int
    planned_minute: int
    pay_by_days: int


@dataclass(frozen=True)
class Script:
    residential: bool
    important: bool
    opened_on: date
    moves: tuple[Move, ...]


MOVE_PARTS: dict[str, st.SearchStrategy[object]] = dict(
    # Some minutes, some days, or toward the time the rules have for the next step, give or take.
    wait=st.sampled_from(["minutes", "days", "toward", "toward", "toward"]).flatmap(lambda kind: st.tuples(
        st.just(kind),
        {"minutes": st.integers(0, 240), "days": st.integers(0, 3 * 1440), "toward": st.integers(-120, 240)}[kind],
    )),
    any_step=st.sampled_from(Step),
    any_roles=st.frozensets(st.sampled_from(Role), max_size=2),
    signed=st.booleans(),
    own_terms=st.sampled_from([False, False, True]),
    remote=st.booleans(),
    source=st.sampled_from(ReconnectionSource),
    lead_days=st.integers(0, 12),
    planned_minute=st.sampled_from([*range(9 * 60, 16 * 60, 30), 8 * 60 + 30, 16 * 60, 20 * 60]),
    pay_by_days=st.integers(0, 3),
)


def moves(focus: str) -> st.SearchStrategy[Move]:
    """Attempts that mostly follow the rules; a script keeps trying one mistake of its own, and now and then another
    (one mistake tried often gets further than eighteen tried seldom)."""
    mistakes = st.tuples(st.sampled_from([None] * 8 + [focus] * 4 + ["other"]), st.sampled_from(MISTAKES))
    return st.builds(Move, mistake=mistakes.map(lambda m: m[1] if m[0] == "other" else m[0]),
                     **MOVE_PARTS)


scripts = st.sampled_from(MISTAKES).flatmap(lambda focus: st.builds(
    Script,
    residential=st.booleans(),
    important=st.sampled_from([False, False, True]),
    opened_on=st.sampled_from([date(2025, 1, 2), date(2025, 1, 6), date(2025, 1, 13), date(2025, 1, 20)]),
    moves=st.lists(moves(focus), min_size=8, max_size=40).map(tuple),
))


def next_by_the_rules(case: CaseFile) -> Step | None:
    """The step seed 002 has next, read from the records (not from the procedure's own stage)."""
    if case.closure is not None or case.reconnection is not None:
        return None
    if case.reconnection_ticket is not None:
        return Step.COMPLETE_RECONNECTION
    if case.execution is not None:
        return Step.RAISE_RECONNECTION
    if case.phone_notice is not None:
        return Step.EXECUTE
    if case.ticket is not None:
        return Step.PHONE_NOTICE
    if case.approval is not None:
        return Step.ISSUE_TICKET
    if case.red_notice is not None:
        return Step.APPROVE if not levels_missing(case) else Step.ACKNOWLEDGE_REFUSAL
    if case.yellow_notice is not None:
        return Step.DELIVER_RED_NOTICE
    return Step.SERVE_YELLOW_NOTICE


def levels_missing(case: CaseFile) -> list[Role]:
    if case.red_notice is None or case.red_notice.signed:
        return []
    levels = [Role.SUPERVISOR] if case.residential else [Role.SUPERVISOR, Role.STATION_HEAD]
    return [role for role in levels if role not in {ack.role for ack in case.refusal_acks}]


def step_of(case: CaseFile, move: Move) -> Step:
    following = next_by_the_rules(case)
    if move.mistake == "any_step" or following is None:
        return move.any_step
    if move.mistake == "skip_one" and following != ORDER[-1]:
        return ORDER[ORDER.index(following) + 1]
    return following


def roles_of(case: CaseFile, step: Step, move: Move) -> frozenset[Role]:
    """The roles seed 002 names for the step, or one it does not although it might seem to (a near miss)."""
    if move.mistake == "any_roles":
        return move.any_roles
    near = move.mistake == "near_role"
    if step == Step.APPROVE:
        return (HEAD if near else COMPANY) if case.important else (COMPANY if near else HEAD)
    if step == Step.ACKNOWLEDGE_REFUSAL:
        level = (levels_missing(case) or [Role.SUPERVISOR])[0]
        other = Role.STATION_HEAD if level == Role.SUPERVISOR else Role.SUPERVISOR
        return frozenset({other if near else level})
    if step in (Step.EXECUTE, Step.COMPLETE_RECONNECTION):
        return SUPERVISOR if near else METERING  # a supervisor may order a remote disconnection only
    return HEAD if near else COLLECTOR


def arrears_of(step: Step, move: Move) -> int:
    """Owed before execution, paid for closing and reconnecting; or the other way round, by mistake."""
    paid = step in (Step.CLOSE_PAID, Step.RAISE_RECONNECTION, Step.COMPLETE_RECONNECTION)
    if move.mistake == "paid":
        return 0
    if move.mistake == "owed":
        return 1
    return 0 if paid else OWED


def details_of(case: CaseFile, step: Step, move: Move, at: datetime) -> dict[str, object]:
    mistake = move.mistake
    today = local(at).date()
    if step in (Step.SERVE_YELLOW_NOTICE, Step.DELIVER_RED_NOTICE):
        # A yellow notice plans a week or two ahead, on a weekday; the red one keeps to its terms, or sets its own.
        planned_day = today + timedelta(days=move.lead_days + (7 if step == Step.SERVE_YELLOW_NOTICE else 0))
        if step == Step.SERVE_YELLOW_NOTICE and planned_day.weekday() >= 5:
            planned_day += timedelta(days=7 - planned_day.weekday())
        planned = datetime.combine(planned_day, time(move.planned_minute // 60, move.planned_minute % 60), BEIJING)
        pay_by = today + timedelta(days=-1 if mistake == "pay_by_passed" else move.pay_by_days)
        yellow = case.yellow_notice
        if step == Step.DELIVER_RED_NOTICE and yellow is not None and not move.own_terms:
            planned, pay_by = yellow.planned_disconnection_at, max(pay_by, yellow.pay_by)
        notice: dict[str, object] = {"amount_fen": OWED + (mistake == "amount_over"), "pay_by": pay_by,
                                     "planned_disconnection_at": planned}
        if step == Step.DELIVER_RED_NOTICE:
            notice |= {"signed": move.signed, "refusal_note": "客户拒签" if mistake == "short_note" else NOTE}
        return notice
    red = case.red_notice
    planned_day = local(red.planned_disconnection_at).date() if red is not None else today
    explanation = "" if mistake == "unexplained" else EXPLAINED
    return {
        Step.ACKNOWLEDGE_REFUSAL: {"role": Role.GRID_STAFF if mistake == "ack_role" else None},
        Step.APPROVE: {"filing_ref": "" if mistake == "no_filing" else "营销报〔2025〕3号"},
        Step.ISSUE_TICKET: {"for_day": planned_day + timedelta(days=mistake == "for_day")},
        Step.PHONE_NOTICE: {},
        Step.EXECUTE: {"remote": move.remote, "meter_verified": mistake != "unverified"},
        Step.CLOSE_PAID: {},
        Step.RAISE_RECONNECTION: {"source": move.source,
                                  "request_no": "" if mistake == "no_request_no" else "95598-20250113-0042"},
        Step.COMPLETE_RECONNECTION: {"remote": move.remote, "explanation_to_customer": explanation,
                                     "explanation_to_supervisor": explanation},
    }[step]


def waited(case: CaseFile, at: datetime, wait: tuple[str, int]) -> datetime:
    """The instant of the next attempt (never earlier than the last one: the clock only moves on)."""
    kind, amount = wait
    if kind == "minutes":
        return at + timedelta(minutes=amount)
    if kind == "days":
        midnight = datetime.combine(local(at).date(), time(0), BEIJING)
        return max(at, midnight + timedelta(minutes=amount))
    following = next_by_the_rules(case)
    notice = case.red_notice or case.yellow_notice
    if notice is None or following not in (Step.DELIVER_RED_NOTICE, Step.ISSUE_TICKET, Step.PHONE_NOTICE,
                                           Step.EXECUTE):
        return at + timedelta(minutes=abs(amount))
    instant = notice.planned_disconnection_at
    day_before = datetime.combine(local(instant).date() - timedelta(days=1), time(0), BEIJING)
    toward = {
        # Around the limits the rules set: from a day more to two days fewer than the red notice needs, the day
        # before and the planned day's morning for the ticket, around the planned instant for the call, and around
        # the call's minutes for execution.
        Step.DELIVER_RED_NOTICE: instant - timedelta(days=7 if case.residential else 3, minutes=-amount * 12),
        Step.ISSUE_TICKET: day_before + timedelta(minutes=(amount + 120) * 6),
        Step.PHONE_NOTICE: instant - timedelta(minutes=60) + timedelta(minutes=amount),
        Step.EXECUTE: max(instant, case.phone_notice.at if case.phone_notice else instant)
        + timedelta(minutes=amount // 2),
    }[following]
    return max(at, toward)


@dataclass(frozen=True)
class Taken:
    """A step the procedure accepted, with what it was given."""

    step: Step
    by: str
    roles: frozenset[Role]
    circumstances: Circumstances


def run(script: Script) -> tuple[CaseFile, list[Taken]]:
    case = CaseFile(residential=script.residential, important=script.important,
                    opened_at=datetime.combine(script.opened_on, time(9), BEIJING))
    at = case.opened_at
    accepted: list[Taken] = []
    for move in script.moves:
        at = waited(case, at, move.wait)
        step = step_of(case, move)
        system = move.mistake == "by_the_system" or ((
            # The system closes a paid case, raises the ticket on a payment and confirms a remote reconnection.
            step == Step.CLOSE_PAID or (step == Step.RAISE_RECONNECTION and move.source == ReconnectionSource.PAYMENT)
            or (step == Step.COMPLETE_RECONNECTION and move.remote)
        ) and move.mistake not in ("near_role", "any_roles"))
        by, roles = (SYSTEM, NOBODY) if system else ("某人", roles_of(case, step, move))
        circumstances = now(at, arrears_fen=arrears_of(step, move), protected=move.mistake == "protected")
        try:
            after = take_step(case=case, step=step, by=by, roles=roles, circumstances=circumstances, rules=RULES,
                              **details_of(case, step, move, at))
        except ProcedureRefused:
            continue
        assert_only_added(case, after)
        case = after
        accepted.append(Taken(step, by, roles, circumstances))
    return case, accepted


def assert_only_added(before: CaseFile, after: CaseFile) -> None:
    """A step adds its record and changes nothing already recorded."""
    for name in ("yellow_notice", "red_notice", "approval", "ticket", "phone_notice", "execution", "closure",
                 "reconnection_ticket", "reconnection"):
        if getattr(before, name) is not None:
            assert getattr(after, name) == getattr(before, name), name
    assert after.refusal_acks[:len(before.refusal_acks)] == before.refusal_acks


def open_for_disconnection(instant: datetime) -> bool:
    """The default window, from RULES §6: a working day (weekends rest unless worked), not a holiday nor the day
    before one, 09:00–16:00 in Beijing."""
    moment = local(instant)
    day = moment.date()
    working = (day.weekday() < 5 or day in WORKED_WEEKENDS) and day not in HOLIDAYS
    return working and day + timedelta(days=1) not in HOLIDAYS and time(9) <= moment.time() < time(16)


def assert_lawful(case: CaseFile, accepted: list[Taken]) -> None:
    """What seed 002 and RULES §10 require of a case, checked from its records and from what each step was given."""
    taken = {entry.step: entry for entry in accepted}
    if case.closure is not None:
        assert case.execution is None and taken[Step.CLOSE_PAID].circumstances.arrears_fen == 0
        assert accepted[-1].step == Step.CLOSE_PAID  # nothing after it
    if case.execution is None:
        return
    yellow, red, approval = case.yellow_notice, case.red_notice, case.approval
    ticket, phone, execution = case.ticket, case.phone_notice, case.execution
    assert yellow is not None and red is not None and approval is not None
    assert ticket is not None and phone is not None
    # In order, each after the one before.
    acks = [ack.at for ack in case.refusal_acks]
    times = [case.opened_at, yellow.at, red.at, *acks, approval.at, ticket.at, phone.at, execution.at]
    assert times == sorted(times)
    planned = red.planned_disconnection_at
    planned_day = local(planned).date()
    # The yellow notice: amount, deadline and planned disconnection after it; the red notice keeps to them.
    assert yellow.amount_fen > 0 and local(yellow.planned_disconnection_at).date() > yellow.pay_by
    assert yellow.pay_by >= local(yellow.at).date()
    assert red.pay_by >= yellow.pay_by and planned >= yellow.planned_disconnection_at and planned_day > red.pay_by
    # The red notice: seven days ahead for a household, three for others; the planned instant in the window.
    assert (planned_day - local(red.at).date()).days >= (7 if case.residential else 3)
    assert open_for_disconnection(planned)
    # A refusal recorded in words, and known to the supervisor (and the head, for non-residential) before approval.
    if red.signed:
        assert case.refusal_acks == ()
    else:
        assert len("".join(red.refusal_note.split())) >= 10
        levels = [ack.role for ack in case.refusal_acks]
        assert levels == ([Role.SUPERVISOR] if case.residential else [Role.SUPERVISOR, Role.STATION_HEAD])
        assert all(ack.at <= approval.at for ack in case.refusal_acks)
    # Approved by the station head, or the company with its filing for an important user, holding that role.
    assert approval.role == (Role.COMPANY if case.important else Role.STATION_HEAD)
    assert approval.role in taken[Step.APPROVE].roles
    assert not case.important or approval.filing_ref.strip()
    # The ticket the day before or earlier, for the planned day; the call on the day, minutes ahead.
    assert local(ticket.at).date() <= planned_day - timedelta(days=1) and ticket.for_day == planned_day
    assert local(phone.at).date() == planned_day
    minutes = 30 if case.residential else 60
    assert execution.at - phone.at >= timedelta(minutes=minutes)
    # Executed on the planned day, not before the planned instant, in the window; owed and not protected then;
    # by the metering team, or a supervisor ordering the smart meter; a field one on the verified meter.
    assert execution.at >= planned and local(execution.at).date() == planned_day
    assert open_for_disconnection(execution.at)
    done = taken[Step.EXECUTE]
    assert done.circumstances.arrears_fen > 0 and not done.circumstances.protected
    assert Role.METERING in done.roles or (execution.remote and Role.SUPERVISOR in done.roles)
    assert execution.remote or execution.meter_verified
    # Every step before it taken by the collector or their supervisor, owed and (from the red notice) unprotected.
    for step in (Step.SERVE_YELLOW_NOTICE, Step.DELIVER_RED_NOTICE, Step.ISSUE_TICKET, Step.PHONE_NOTICE):
        assert taken[step].roles & COLLECTORS and taken[step].circumstances.arrears_fen > 0
        assert step == Step.SERVE_YELLOW_NOTICE or not taken[step].circumstances.protected
    reconnection_ticket, reconnection = case.reconnection_ticket, case.reconnection
    if reconnection_ticket is not None:
        raised = taken[Step.RAISE_RECONNECTION]
        assert raised.circumstances.arrears_fen == 0 and reconnection_ticket.at >= execution.at
        assert reconnection_ticket.due_by == reconnection_ticket.at + timedelta(hours=24)
        assert reconnection_ticket.source == ReconnectionSource.PAYMENT or reconnection_ticket.request_no
        assert raised.by != SYSTEM or reconnection_ticket.source == ReconnectionSource.PAYMENT
    if reconnection is not None:
        assert reconnection_ticket is not None and reconnection.at >= reconnection_ticket.at
        if reconnection.at > reconnection_ticket.due_by:
            assert reconnection.explanation_to_customer and reconnection.explanation_to_supervisor
        completed = taken[Step.COMPLETE_RECONNECTION]
        assert Role.METERING in completed.roles or (completed.by == SYSTEM and reconnection.remote)


def depth(case: CaseFile) -> int:
    records = (case.yellow_notice, case.red_notice, case.approval, case.ticket, case.phone_notice, case.execution,
               case.reconnection_ticket, case.reconnection)
    return sum(record is not None for record in records) + len(case.refusal_acks)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scripts)
def test_whatever_is_tried_in_whatever_order_a_disconnection_has_every_notice_approval_and_time_limit_behind_it(
    script: Script,
) -> None:
    case, accepted = run(script)
    target(float(depth(case)))  # toward the cases that get far: those are the ones the property is about
    assert_lawful(case, accepted)


def test_the_property_is_not_vacuous_its_sequences_do_reach_execution_and_reconnection() -> None:
    # The first example found is enough: no shrinking.
    quick = settings(max_examples=2_000, deadline=None, database=None, phases=[Phase.generate])
    assert find(scripts, lambda s: run(s)[0].execution is not None, settings=quick).moves
    assert find(scripts, lambda s: run(s)[0].reconnection is not None, settings=quick).moves


@settings(max_examples=100, deadline=None)
@given(
    residential=st.booleans(),
    important=st.booleans(),
    red_on=st.integers(0, 3),  # days after the yellow notice
    spare_days=st.integers(0, 4),  # beyond the notice the rules ask for
    planned_minute=st.integers(9 * 60 + 30, 15 * 60 + 59),
    ticket_days_before=st.integers(1, 3),
    phone_minutes_before=st.integers(0, 60),
    execute_after=st.integers(0, 60 * 2),
    refused=st.booleans(),
    hours_to_reconnect=st.integers(0, 30),
)
def test_the_procedure_followed_in_order_at_any_lawful_times_reaches_execution_and_reconnection(  # noqa: PLR0917
    residential: bool, important: bool, red_on: int, spare_days: int, planned_minute: int, ticket_days_before: int,
    phone_minutes_before: int, execute_after: int, refused: bool, hours_to_reconnect: int,
) -> None:
    yellow_at = beijing(2025, 3, 3, 10)  # Monday; March 2025 has no holiday
    red_at = yellow_at + timedelta(days=red_on)
    planned_day = local(red_at).date() + timedelta(days=(7 if residential else 3) + spare_days)
    while planned_day.weekday() >= 5:
        planned_day += timedelta(days=1)
    planned = datetime.combine(planned_day, time(planned_minute // 60, planned_minute % 60), BEIJING)
    minutes = 30 if residential else 60
    phone_at = max(datetime.combine(planned_day, time(8), BEIJING), planned - timedelta(minutes=phone_minutes_before))
    execute_at = max(planned, phone_at + timedelta(minutes=minutes)) + timedelta(minutes=execute_after)
    if not open_for_disconnection(execute_at):
        execute_at = max(planned, phone_at + timedelta(minutes=minutes))
    if not open_for_disconnection(execute_at):
        return  # a call at 15:59 leaves no time that day: nothing lawful to drive
    case = CaseFile(residential=residential, important=important, opened_at=yellow_at - timedelta(days=1))
    case = take(case, Step.SERVE_YELLOW_NOTICE, yellow_at, COLLECTOR, amount_fen=OWED,
                pay_by=local(red_at).date(), planned_disconnection_at=planned)
    case = take(case, Step.DELIVER_RED_NOTICE, red_at, COLLECTOR, amount_fen=OWED, pay_by=local(red_at).date(),
                planned_disconnection_at=planned, signed=not refused, refusal_note=NOTE if refused else "")
    moment = red_at
    for role in ([] if not refused else [Role.SUPERVISOR] if residential else [Role.SUPERVISOR, Role.STATION_HEAD]):
        moment += timedelta(hours=1)
        case = take(case, Step.ACKNOWLEDGE_REFUSAL, moment, frozenset({role}))
    case = take(case, Step.APPROVE, moment + timedelta(hours=1), COMPANY if important else HEAD,
                filing_ref="营销报〔2025〕3号" if important else "")
    ticket_at = datetime.combine(planned_day - timedelta(days=ticket_days_before), time(17), BEIJING)
    case = take(case, Step.ISSUE_TICKET, max(ticket_at, moment + timedelta(hours=2)), COLLECTOR, for_day=planned_day)
    case = take(case, Step.PHONE_NOTICE, phone_at, COLLECTOR)
    case = take(case, Step.EXECUTE, execute_at, METERING, remote=False, meter_verified=True)
    assert stage(case) == Stage.EXECUTED
    paid_at = execute_at + timedelta(hours=2)
    case = take(case, Step.RAISE_RECONNECTION, paid_at, NOBODY, by=SYSTEM, arrears_fen=0,
                source=ReconnectionSource.PAYMENT)
    case = take(case, Step.COMPLETE_RECONNECTION, paid_at + timedelta(hours=hours_to_reconnect), METERING,
                arrears_fen=0, remote=False, explanation_to_customer=EXPLAINED, explanation_to_supervisor=EXPLAINED)
    assert stage(case) == Stage.RECONNECTED
