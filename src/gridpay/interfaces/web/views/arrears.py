"""The arrears procedure (停电催费) in the console: an account's timeline with the next step's form, the role queues."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from gridpay.application.errors import UnknownAccount
from gridpay.application.postpaid.arrears_work import Timeline, WorkItem, arrears_timeline, arrears_work, tickets_for
from gridpay.application.postpaid.procedure_circumstances import procedure_rules
from gridpay.application.postpaid.show_bill import PostpaidBillView, postpaid_bills
from gridpay.application.postpaid.take_arrears_step import take_arrears_step
from gridpay.application.postpaid.waive_late_fee import waive_late_fee
from gridpay.application.staff.acting_staff import acting_staff
from gridpay.domain.arrears_procedure import (
    ANY_ROLE,
    COLLECTORS,
    STEP_ACTIONS,
    CaseFile,
    NextStep,
    Stage,
    Step,
    acknowledgements_missing,
    planned_disconnection_at,
)
from gridpay.domain.business_time import day_bounds
from gridpay.domain.errors import DomainError
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.interfaces import clock
from gridpay.interfaces.web.access import request_roles, requires
from gridpay.interfaces.web.arrears_forms import STEP_FORMS, StepForm, WaiverForm
from gridpay.interfaces.web.explain import explained


@dataclass
class Offer:
    """A step the case waits for, as this reader sees it: who may take it, why not now, and their form if theirs."""

    next: NextStep
    who: str
    reason: str  # why it cannot be taken now, in the reader's language; "" when it can
    waiting: bool  # its time has not come (not_before is later)
    mine: bool  # the reader's roles may take it
    form: StepForm | None = None  # when it is the reader's to take now
    options: dict[str, Any] = field(default_factory=dict)  # what the form offers this reader


# The stages a case can move from: the page offers steps only on the open case.
OPEN_STAGES = frozenset(Stage) - {Stage.RECONNECTED, Stage.CLOSED_PAID}


@requires(Action.VIEW_CUSTOMER)
def arrears_case_page(request: HttpRequest, account_no: str) -> HttpResponse:
    return _render_case(request, account_no, status=200)


@requires(Action.VIEW_CUSTOMER)
def arrears_step(request: HttpRequest, account_no: str) -> HttpResponse:
    """Takes the posted step as the signed-in person (their name and roles; the domain decides), then back to the
    timeline: a refusal is shown on it with nothing written."""
    if request.method != "POST":
        return redirect("web:arrears-case", account_no=account_no)
    try:
        step = Step(request.POST.get("step", ""))
    except ValueError:
        return _render_case(request, account_no, status=422, problem=_("无效的办理步骤"))
    form = STEP_FORMS[step](request.POST)
    if not form.is_valid():
        return _render_case(request, account_no, status=422, posted=(step, form))
    try:
        staff = acting_staff(request.user.get_username())
        taken = take_arrears_step(account_no=account_no, request=form.request(), by=staff.actor, roles=staff.roles,
                                  at=clock.now())
    except DomainError as error:
        return _render_case(request, account_no, status=error.http_status, problem=explained(error),
                            posted=(step, form))
    query = {"done": step.value, **({"command": taken.command_id} if taken.command_id is not None else {})}
    return redirect(f"{reverse('web:arrears-case', kwargs={'account_no': account_no})}?{urlencode(query)}")


@requires(Action.WAIVE_LATE_FEE)
def waive(request: HttpRequest, account_no: str) -> HttpResponse:
    """违约金减免 on one of the account's bills, by the station head, with the reason."""
    if request.method != "POST":
        return redirect("web:arrears-case", account_no=account_no)
    form = WaiverForm(request.POST)
    if not form.is_valid():
        return _render_case(request, account_no, status=422, waiver=form)
    bill_no = form.cleaned_data["bill_no"].strip()
    try:
        bills = postpaid_bills(account_no=account_no)
    except UnknownAccount:
        return _not_found(request, account_no)
    if bill_no not in {bill.bill_no for bill in bills}:
        return _render_case(request, account_no, status=422, problem=_("本户没有电费单 {bill_no}").format(
            bill_no=bill_no))
    try:
        waive_late_fee(bill_no=bill_no, amount_fen=form.cleaned_data["amount_yuan"],
                       reason=form.cleaned_data["reason"], actor=acting_staff(request.user.get_username()).actor,
                       roles=request_roles(request), at=clock.now(), business_day=clock.today())
    except DomainError as error:
        return _render_case(request, account_no, status=error.http_status, problem=explained(error), waiver=form)
    url = reverse("web:arrears-case", kwargs={"account_no": account_no})
    return redirect(f"{url}?{urlencode({'waived': bill_no})}")


def _render_case(
    request: HttpRequest, account_no: str, *, status: int, problem: str = "",
    posted: tuple[Step, StepForm] | None = None, waiver: WaiverForm | None = None,
) -> HttpResponse:
    now = clock.now()
    try:
        timeline = arrears_timeline(account_no=account_no, at=now)
        bills = postpaid_bills(account_no=account_no)
    except UnknownAccount:
        return _not_found(request, account_no)
    held = request_roles(request)
    offers = _offers(timeline, held, now=now, posted=posted)
    done = _done_message(request)
    return render(request, "web/arrears_case.html", {
        "t": timeline, "c": timeline.case, "f": timeline.file, "offers": offers, "problem": problem, "done": done,
        "bills": [{"bill": bill, "fee_owed": _late_fee_owed(bill)} for bill in bills],
        "may_waive": may(held, Action.WAIVE_LATE_FEE), "waiver": waiver, "planned": _planned(timeline.file),
    }, status=status)


def _not_found(request: HttpRequest, account_no: str) -> HttpResponse:
    what = _("户号 {account_no}").format(account_no=account_no)
    return render(request, "web/not_found.html", {"what": what}, status=404)


def _done_message(request: HttpRequest) -> str:
    try:
        step = Step(request.GET.get("done", ""))
    except ValueError:
        step = None
    text = ""
    if step is not None:
        text = _("已记录「{step}」。").format(step=_(step.label))
        command = request.GET.get("command", "")
        if command.isdigit():
            text += _("已下发远程命令 #{command}，表计执行后自动更新。").format(command=command)
    waived = request.GET.get("waived", "")
    if waived:
        text += _("电费单 {bill_no} 的违约金已减免。").format(bill_no=waived)
    return text


def _offers(timeline: Timeline, held: set[Role], *, now: datetime,
            posted: tuple[Step, StepForm] | None) -> list[Offer]:
    item, file = timeline.case, timeline.file
    if item is None or file is None or item.stage not in OPEN_STAGES:
        return []
    offers = []
    for following in item.next:
        waiting = following.not_before is not None and following.not_before > now
        reason = "" if following.refusal is None else explained(following.refusal)
        offer = Offer(next=following, who=who_may(following), reason=reason, waiting=waiting,
                      mine=may_take(following, held))
        if offer.mine and not reason and not waiting:
            offer.options = _options(following.step, file, held, late=item.late_reconnection)
            if posted is not None and posted[0] == following.step:
                offer.form = posted[1]
            else:
                offer.form = STEP_FORMS[following.step](initial=_initial(following.step, file, timeline.owed_fen))
        offers.append(offer)
    return offers


def may_take(following: NextStep, held: Iterable[Role]) -> bool:
    """Whether a person holding ``held`` may take the step (the procedure names the roles; the page's action too)."""
    roles = frozenset(held)
    action = STEP_ACTIONS[following.step]
    return bool(roles & following.roles) and (action is None or may(roles, action))


def who_may(following: NextStep) -> str:
    if following.roles == ANY_ROLE:
        text = _("所有工作人员")
    else:
        text = _("、").join(_(role.label) for role in Role if role in following.roles)
    return text + (_("；交费后系统自动办理") if following.system else "")


def _options(step: Step, file: CaseFile, held: set[Role], *, late: bool) -> dict[str, Any]:
    if step == Step.EXECUTE:
        # Field work is the metering team's; a supervisor may only order the smart meter's disconnect.
        return {"field": Role.METERING in held}
    if step == Step.APPROVE:
        return {"filing": file.important}
    if step == Step.ACKNOWLEDGE_REFUSAL:
        missing = acknowledgements_missing(file)
        return {"as_role": missing[0].label if missing else ""}
    if step == Step.COMPLETE_RECONNECTION:
        return {"late": late}
    return {}


def _initial(step: Step, file: CaseFile, owed_fen: int) -> dict[str, Any]:
    initial: dict[str, Any] = {"step": step.value}
    if step in (Step.SERVE_YELLOW_NOTICE, Step.DELIVER_RED_NOTICE):
        initial["amount_fen"] = owed_fen
    yellow = file.yellow_notice
    if step == Step.DELIVER_RED_NOTICE and yellow is not None:
        # The red notice restates what the yellow one promised; it may give more time, never less.
        initial["pay_by"] = yellow.pay_by.isoformat()
        initial["planned"] = _local_text(yellow.planned_disconnection_at)
    planned = _planned(file)
    if step == Step.ISSUE_TICKET and planned is not None:
        initial["for_day"] = planned.astimezone(clock.zone()).date().isoformat()
    if step == Step.EXECUTE:
        initial["how"] = "remote"
    if step == Step.RAISE_RECONNECTION:
        initial["source"] = "payment"
    return initial


def _planned(file: CaseFile | None) -> datetime | None:
    return None if file is None else planned_disconnection_at(file)


def _local_text(instant: datetime) -> str:
    return instant.astimezone(clock.zone()).strftime("%Y-%m-%dT%H:%M")


def _late_fee_owed(bill: PostpaidBillView) -> int:
    return bill.late_fee_fen - bill.late_fee_paid_fen - bill.late_fee_waived_fen


# The queues -----------------------------------------------------------------------------------------------------------


@dataclass
class Row:
    item: WorkItem
    next: NextStep | None  # the step this section is about (None: a list of tickets or reconnections)
    when: datetime | None  # the time that matters for this section
    reason: str
    mine: bool  # the reader may take the step: the row links to its form
    late: bool = False


@dataclass
class Section:
    key: str
    title: str
    note: str
    rows: list[Row]
    when: str  # what the time column holds; "" when the section has none


Pick = Callable[[WorkItem], NextStep | None]


def _step_of(step: Step) -> Pick:
    def pick(item: WorkItem) -> NextStep | None:
        return next((n for n in item.next if n.step == step), None)

    return pick


@requires(Action.VIEW_CUSTOMER)
def arrears_queue_page(request: HttpRequest) -> HttpResponse:
    """催费待办: each role's next steps, the metering team's tickets, and for everyone the reconnections against their
    24 hours (late ones first and marked)."""
    now, today = clock.now(), clock.today()
    held = request_roles(request)
    overseer = Role.ADMIN in held  # sees every list, takes none of the steps
    if overseer:
        items = arrears_work(at=now)
    else:
        found: dict[int, WorkItem] = {}
        for role in sorted(held):
            found.update({item.case_id: item for item in arrears_work(at=now, role=role)})
        items = sorted(found.values(), key=lambda item: item.case_id)
    end_of_today = day_bounds(day=today, zone=clock.zone().key)[1]

    def sees(*roles: Role) -> bool:
        return overseer or bool(held & set(roles))

    def rows_of(step: Step, *, keep: Callable[[NextStep], bool] = lambda n: True) -> list[Row]:
        pick = _step_of(step)
        rows = []
        for item in items:
            following = pick(item)
            if following is None or not keep(following) or not (overseer or held & following.roles):
                continue
            reason = "" if following.refusal is None else explained(following.refusal)
            rows.append(Row(item=item, next=following, when=item.planned_disconnection_at, reason=reason,
                            mine=may_take(following, held) and not reason))
        return rows

    sections: list[Section] = []
    planned, due = _("计划停电"), _("复电时限")
    rules = procedure_rules()

    def add(key: str, title: str, note: str, rows: list[Row], *, shown: bool, when: str = "") -> None:
        if shown:
            sections.append(Section(key=key, title=title, note=note, rows=rows, when=when))

    add("yellow", _("待送催费通知单"), _("逾期未交的户：送达催费通知单，写明交费期限和计划停电时间"),
        rows_of(Step.SERVE_YELLOW_NOTICE), shown=sees(*COLLECTORS))
    add("red", _("待送达中止供电通知书"),
        _("停电前至少 {days} 天送达（非居民 {other_days} 天），客户签收或记录拒签情况").format(
            days=rules.red_notice_days_residential, other_days=rules.red_notice_days_other),
        rows_of(Step.DELIVER_RED_NOTICE), shown=sees(*COLLECTORS))
    add("acknowledge", _("待知悉的拒签"), _("客户拒签中止供电通知书：班长知悉，非居民再报所长"),
        rows_of(Step.ACKNOWLEDGE_REFUSAL), shown=sees(Role.SUPERVISOR, Role.STATION_HEAD), when=planned)
    add("approve", _("待审批停电"), _("居民由所长审批；重要用户由公司营销部审批并记录报备文号"),
        rows_of(Step.APPROVE), shown=sees(Role.STATION_HEAD, Role.COMPANY), when=planned)
    add("ticket", _("待传停电工作票"), _("最迟在计划停电前一日传计量班"),
        rows_of(Step.ISSUE_TICKET), shown=sees(*COLLECTORS), when=planned)
    add("phone", _("今日停电前电话通知"),
        _("计划停电当日，停电前至少 {minutes} 分钟通知客户（非居民 {other_minutes} 分钟）").format(
            minutes=rules.phone_notice_minutes_residential, other_minutes=rules.phone_notice_minutes_other),
        rows_of(Step.PHONE_NOTICE, keep=lambda n: n.not_before is None or n.not_before < end_of_today),
        shown=sees(*COLLECTORS), when=planned)
    add("today", _("今日停电"), _("今日的停电工作票：电话通知后，执行前复核欠费"),
        _tickets(tickets_for(day=today, at=now), held), shown=sees(Role.METERING, Role.SUPERVISOR), when=planned)
    add("tomorrow", _("明日停电工作票"), _("计量班前一日查看，安排现场人员"),
        _tickets(tickets_for(day=today + timedelta(days=1), at=now), held), shown=sees(Role.METERING), when=planned)
    field_work = sees(Role.METERING)
    add("field", _("待现场复电"), _("没有远程命令在执行的复电工作票：计量班到现场复电"),
        _reconnections([item for item in items if item.field_reconnection], held), shown=field_work, when=due)
    # Rare (a payment closes a case or raises its ticket by itself): listed only when there is one.
    closable = rows_of(Step.CLOSE_PAID, keep=lambda n: n.refusal is None)
    add("close", _("已交清待结案"), _("执行前已交清：结案，不停电"), closable, shown=bool(closable))
    raisable = rows_of(Step.RAISE_RECONNECTION, keep=lambda n: n.refusal is None)
    add("raise", _("待起复电工作票"), _("已停电的户交清欠费或 95598 诉求：起复电工作票"), raisable,
        shown=bool(raisable))
    add("reconnect", _("复电（{hours} 小时时限）").format(hours=rules.reconnect_hours),
        _("交清后 {hours} 小时内复电；超时的标红，须向客户和主管领导说明").format(hours=rules.reconnect_hours),
        # Those the metering team has in the field already stand in its list above.
        _reconnections([item for item in items if item.stage == Stage.RECONNECTION_PENDING
                        and not (field_work and item.field_reconnection)], held), shown=True, when=due)
    return render(request, "web/arrears_queue.html", {
        "sections": sections, "today": today, "has_rows": any(section.rows for section in sections)})


def _tickets(items: list[WorkItem], held: set[Role]) -> list[Row]:
    rows = []
    for item in items:
        following = item.next[0] if item.next else None
        mine = following is not None and may_take(following, held) and following.refusal is None
        reason = "" if following is None or following.refusal is None else explained(following.refusal)
        rows.append(Row(item=item, next=following, when=item.planned_disconnection_at, reason=reason, mine=mine))
    return rows


def _reconnections(items: list[WorkItem], held: set[Role]) -> list[Row]:
    rows = []
    for item in items:
        following = _step_of(Step.COMPLETE_RECONNECTION)(item)
        mine = following is not None and may_take(following, held)
        due = following.deadline if following is not None else None
        rows.append(Row(item=item, next=following, when=due, reason="", mine=mine, late=item.late_reconnection))
    # The late ones first, then by how soon they are due.
    return sorted(rows, key=lambda row: (not row.late, row.when or datetime.max.replace(tzinfo=clock.zone())))
