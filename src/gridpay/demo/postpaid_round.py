"""The postpaid half of a demo day: the morning's bills, late fees and cases, what the households pay, and the
arrears procedure's steps (停电催费) taken by the demo's staff at their times, all through the real use cases.

The morning job runs at 03:00, after the night's settlement, as the schedule's does (interfaces/jobs:
postpaid_day): yesterday's reading-day bills, the late fees through today, a case for each account overdue.

A household pays on its pay day for a bill (households.postpaid_pay_day) everything it owed when the morning
job was done: read from the ledger as it stood at that instant, so a day done again pays the same amount under
the same transaction id, which credits nothing twice.

The staff work each open case by a timetable that follows RULES §10 and seed 002 with the utility's own figures
(ProcedureRules): on working days, the collector serves the yellow notice (催费通知单) on the first working day of
the case, with five days to pay and the disconnection planned for the first open window at 10:00 at least the red
notice's days after the red notice is due; she delivers the red notice (中止供电通知书) on the first working day
after that deadline, some customers refusing to sign (the 班长, and for a shop the 所长, take note that
afternoon); the station head approves that afternoon (the company, with its filing number, for an important user);
the collector passes the work ticket on the last working day before the planned day and telephones on the day,
the red notice's minutes before; the metering team executes it remotely five minutes after the planned time, and
the command goes to the meter through the outbox. What the staff do next is worked out from what the case records,
so a step already taken is never taken again, and a case a payment has closed is left alone.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, Sum

from gridpay.application.postpaid.accrue_late_fees import accrue_late_fees
from gridpay.application.postpaid.issue_bills import issue_bills
from gridpay.application.postpaid.open_arrears_cases import open_arrears_cases
from gridpay.application.postpaid.procedure_circumstances import procedure_rules
from gridpay.application.postpaid.take_arrears_step import StepTaken, take_arrears_step
from gridpay.application.staff.acting_staff import ActingStaff
from gridpay.data import arrears_store, postpaid_store
from gridpay.data.calendar_store import load_calendar
from gridpay.data.models import Account, AccountMode, ArrearsCase, PostpaidBill, Transfer
from gridpay.data.supply_policy_store import load_policy
from gridpay.demo.build_demo_town import local_instant
from gridpay.demo.households import Household, PlannedPayment, postpaid_pay_day, postpaid_payment_on
from gridpay.demo.sign_ins import demo_staff
from gridpay.demo.villages import TOWN
from gridpay.domain.arrears_procedure import (
    AcknowledgeRefusal,
    Approve,
    CaseFile,
    DeliverRedNotice,
    Execute,
    GivePhoneNotice,
    IssueTicket,
    ProcedureRefused,
    ProcedureRules,
    ServeYellowNotice,
    Stage,
    StepRequest,
    acknowledgements_missing,
    stage,
)
from gridpay.domain.business_time import business_day, minute_of_day
from gridpay.domain.calendar import Calendar
from gridpay.domain.staff_roles import Role
from gridpay.domain.supply_policy import SupplyPolicy, window_closed_because

MORNING_JOB_MINUTE = 3 * 60
YELLOW_PAY_DAYS = 5  # the yellow notice's days to pay
PLANNED_TIME = time(10)  # a disconnection is planned for 10:00, inside the default 09:00–16:00 window
ROUND_MINUTE = 9 * 60  # the collector's round starts; each household on it up to two hours later
ROUND_MINUTES = 120
ACK_MINUTES = {Role.SUPERVISOR: 14 * 60, Role.STATION_HEAD: 14 * 60 + 30}
APPROVAL_MINUTE = 15 * 60 + 30
TICKET_MINUTE = 16 * 60
PHONE_MARGIN_MINUTES = 10  # she telephones a little earlier than the rule's latest
EXECUTE_AFTER_MINUTES = 5
SLOT_SEARCH_DAYS = 60
REFUSAL_SHARE = 0.15
REFUSAL_NOTES = (
    "客户拒绝签字，称电费偏高要求先核对，已当面解释并拍照留存",
    "户主外出务工，家人拒绝代签，已告知交费期限并拍照留存",
    "客户称已在手机上交过费，拒绝签字；核对未到账，已当面说明",
)


@dataclass(frozen=True)
class MorningReport:
    bills: int
    billed_fen: int
    late_fee_fen: int
    cases_opened: int


def morning_job(*, day: date, first_day: date, now: datetime) -> MorningReport:
    """03:00: yesterday's reading-day bills (none for the day the meters were installed), today's late fees, the
    cases of the accounts overdue today."""
    at = min(local_instant(day, minute=MORNING_JOB_MINUTE), now)
    yesterday = day - timedelta(days=1)
    bills = issue_bills(day=yesterday, at=at) if yesterday >= first_day else None
    fees = accrue_late_fees(through=day, at=at)
    opened = open_arrears_cases(day=day, at=at)
    return MorningReport(
        bills=bills.issued if bills else 0, billed_fen=bills.amount_fen if bills else 0,
        late_fee_fen=fees.charged_fen, cases_opened=opened,
    )


def postpaid_payments(
    households: list[Household], *, day: date, seed: int, now: datetime
) -> list[tuple[Household, PlannedPayment]]:
    """What the postpaid households pay on ``day``: those with a bill open that morning whose pay day has come."""
    by_no = {h.account_no: h for h in households if h.postpaid}
    if not by_no:
        return []
    morning = min(local_instant(day, minute=MORNING_JOB_MINUTE), now)
    open_that_morning = PostpaidBill.objects.filter(
        account__village__town=TOWN, account__mode=AccountMode.POSTPAID, issued_at__lte=morning
    ).filter(Q(paid_off_on__isnull=True) | Q(paid_off_on__gte=day))
    paying = set()
    for account_no, reading_date, due_on in open_that_morning.values_list(
        "account__account_no", "reading_date", "due_on"
    ):
        household = by_no.get(account_no)
        if household is None:
            continue
        pay_day = postpaid_pay_day(household=household, reading_date=reading_date, due_on=due_on, seed=seed)
        if pay_day is not None and pay_day <= day:
            paying.add(account_no)
    owed = owed_at(sorted(paying), at=morning)
    return [
        (household, planned)
        for household in households
        if household.account_no in paying
        and (planned := postpaid_payment_on(household=household, day=day, owed_fen=owed[household.account_no],
                                            seed=seed))
        is not None
    ]


def owed_at(account_nos: list[str], *, at: datetime) -> dict[str, int]:
    """What each account owed on its bills beyond its credit at ``at``, from the transfers posted by then."""
    if not account_nos:
        return {}
    ledgers = list(Account.objects.filter(account_no__in=account_nos).values_list(
        "account_no", "ledger_account_id", "receivable_account_id"))
    ids = {i for _, credit, receivable in ledgers for i in (credit, receivable) if i is not None}
    balance = dict.fromkeys(ids, 0)
    for side, sign in (("credit_id", 1), ("debit_id", -1)):
        rows = (Transfer.objects.filter(created_at__lte=at, **{f"{side}__in": ids}).values_list(side)
                .annotate(total=Sum("amount_fen")).order_by())
        for ledger_id, total in rows:
            balance[ledger_id] += sign * total
    return {
        no: max(-(balance[credit] + (balance[receivable] if receivable else 0)), 0)
        for no, credit, receivable in ledgers
    }


@dataclass(frozen=True)
class PlannedStep:
    minute: int  # local minutes after midnight
    request: StepRequest
    staff: str  # username, one of sign_ins.STAFF


@dataclass
class ArrearsRound:
    """The staff working the town's open arrears cases through one day."""

    day: date
    seed: int
    now: datetime
    policy: SupplyPolicy
    calendar: Calendar
    rules: ProcedureRules
    staff: dict[str, ActingStaff] = field(default_factory=dict)
    account_ids: dict[str, int] = field(default_factory=dict)  # of the accounts with a case open this morning
    refused: list[tuple[str, str]] = field(default_factory=list)  # account number, refusal code
    taken: int = 0

    @classmethod
    def of_day(cls, *, day: date, seed: int, now: datetime) -> "ArrearsRound":
        return cls(day=day, seed=seed, now=now, policy=load_policy(),
                   calendar=load_calendar(years=range(day.year, day.year + 2)), rules=procedure_rules())

    def first_steps(self) -> list[tuple[int, str]]:
        """(minute, account number) of the first step each open case of the town waits for today from the staff."""
        rows = list(ArrearsCase.objects.filter(closed_at__isnull=True, reconnected_at__isnull=True,
                                                account__village__town=TOWN)
                    .select_related("account").order_by("opened_at", "id"))
        owed = postpaid_store.arrears_by_account({row.account_id for row in rows}, day=self.day)  # in one read
        found = []
        for row in rows:
            self.account_ids[row.account.account_no] = row.account_id
            planned = self._planned(row, owed_fen=owed.get(row.account_id, 0))
            if planned is not None:
                found.append((planned.minute, row.account.account_no))
        return found

    def take(self, account_no: str, *, minute: int) -> tuple[StepTaken | None, int | None]:
        """Takes the step the case waits for if it is due by ``minute``: what was taken, and the minute of the
        case's next step today, if any."""
        row = arrears_store.open_case_with_account(self.account_ids[account_no], lock=False)
        if row is None:
            return None, None
        owed = postpaid_store.arrears_of(row.account_id, day=self.day)
        planned = self._planned(row, owed_fen=owed)
        if planned is None:
            return None, None
        if planned.minute > minute:
            return None, planned.minute
        staff = self._staff(planned.staff)
        try:
            taken = take_arrears_step(account_no=account_no, request=planned.request, by=staff.actor,
                                      roles=staff.roles, at=self.at(minute))
        except ProcedureRefused as refusal:
            self.refused.append((account_no, refusal.code))
            return None, None
        self.taken += 1
        # The case as the step recorded it (nothing else changed the row in the step's transaction); a step moves no
        # money: what is owed stays.
        following = self._planned(row, case=taken.case, owed_fen=owed)
        return taken, None if following is None else max(following.minute, minute)

    def at(self, minute: int) -> datetime:
        return min(local_instant(self.day, minute=minute), self.now)

    def _staff(self, username: str) -> ActingStaff:
        if username not in self.staff:
            self.staff[username] = demo_staff(username)
        return self.staff[username]

    def _planned(self, row: ArrearsCase, *, case: CaseFile | None = None, owed_fen: int | None = None
                 ) -> PlannedStep | None:
        """``case``: what the case records, if newer than ``row``; ``owed_fen``: the account's arrears today (what
        the notices may state), read here unless given."""
        owed = postpaid_store.arrears_of(row.account_id, day=self.day) if owed_fen is None else owed_fen
        return staff_step(
            case=arrears_store.case_file(row) if case is None else case, case_id=row.id,
            account_no=row.account.account_no, protected=row.account.protected, owed_fen=owed, day=self.day,
            seed=self.seed, policy=self.policy, calendar=self.calendar, rules=self.rules,
        )


def staff_step(
    *, case: CaseFile, case_id: int, account_no: str, protected: bool, owed_fen: int, day: date, seed: int,
    policy: SupplyPolicy, calendar: Calendar, rules: ProcedureRules,
) -> PlannedStep | None:
    """The step the staff take on the case on ``day`` by the timetable, and when; None: nothing today."""
    zone = policy.zone

    def on(instant: datetime) -> date:
        return business_day(instant=instant, zone=zone)

    working = calendar.is_working_day(day)
    rng = random.Random(f"gridpay-demo:{seed}:arrears:{account_no}:{case.opened_at.isoformat()}")
    round_minute = ROUND_MINUTE + rng.randrange(ROUND_MINUTES)
    signed = rng.random() >= REFUSAL_SHARE
    note = rng.choice(REFUSAL_NOTES)
    red_days = rules.red_notice_days(residential=case.residential)
    current = stage(case)
    if current == Stage.OVERDUE:
        if not working or day < _first_working(calendar, on(case.opened_at)) or owed_fen <= 0:
            return None
        pay_by = day + timedelta(days=YELLOW_PAY_DAYS)
        red_day = _first_working(calendar, pay_by + timedelta(days=1))
        planned = _slot(policy, calendar, earliest=red_day + timedelta(days=red_days))
        if planned is None:
            return None
        return PlannedStep(round_minute, ServeYellowNotice(amount_fen=owed_fen, pay_by=pay_by,
                                                           planned_disconnection_at=planned), "collector")
    if current == Stage.YELLOW_NOTICE:
        yellow = case.yellow_notice
        assert yellow is not None
        if (protected or not working or owed_fen <= 0
                or day < _first_working(calendar, yellow.pay_by + timedelta(days=1))):
            return None  # 保电: the yellow notice only reminds the customer to pay
        red_planned: datetime | None = yellow.planned_disconnection_at
        if (on(yellow.planned_disconnection_at) - day).days < red_days:
            red_planned = _slot(policy, calendar, earliest=day + timedelta(days=red_days))  # later, never earlier
        if red_planned is None:
            return None
        request = DeliverRedNotice(amount_fen=owed_fen, pay_by=on(red_planned) - timedelta(days=1),
                                   planned_disconnection_at=red_planned, signed=signed,
                                   refusal_note="" if signed else note)
        return PlannedStep(round_minute, request, "collector")
    if current == Stage.REFUSAL_PENDING:
        role = acknowledgements_missing(case)[0]
        username = "supervisor" if role == Role.SUPERVISOR else "head"
        return PlannedStep(ACK_MINUTES[role], AcknowledgeRefusal(role=role), username) if working else None
    if current == Stage.RED_NOTICE:
        if not working:
            return None
        if case.important:
            filing = f"营销〔{day.year}〕停电报备{case_id}号"
            return PlannedStep(APPROVAL_MINUTE, Approve(filing_ref=filing), "company")
        return PlannedStep(APPROVAL_MINUTE, Approve(), "head")
    planned_at = None if case.red_notice is None else case.red_notice.planned_disconnection_at
    if planned_at is None:
        return None
    planned_day, planned_minute = on(planned_at), minute_of_day(instant=planned_at, zone=zone)
    if current == Stage.APPROVED:
        assert case.approval is not None
        ticket_day = max(_last_working_before(calendar, planned_day), on(case.approval.at))
        if not ticket_day <= day < planned_day:
            return None
        return PlannedStep(TICKET_MINUTE, IssueTicket(for_day=planned_day), "collector")
    if day != planned_day:
        return None
    phone_minutes = rules.phone_notice_minutes(residential=case.residential)
    if current == Stage.TICKET_ISSUED:
        return PlannedStep(planned_minute - phone_minutes - PHONE_MARGIN_MINUTES, GivePhoneNotice(), "collector")
    if current == Stage.PHONE_NOTIFIED:
        assert case.phone_notice is not None
        phoned = minute_of_day(instant=case.phone_notice.at, zone=zone)
        minute = max(planned_minute, phoned + phone_minutes) + EXECUTE_AFTER_MINUTES
        return PlannedStep(minute, Execute(remote=True), "metering")
    return None  # executed: the payment raises the reconnection, the meter's confirmation completes it


def _first_working(calendar: Calendar, day: date) -> date:
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def _last_working_before(calendar: Calendar, day: date) -> date:
    day -= timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def _slot(policy: SupplyPolicy, calendar: Calendar, *, earliest: date) -> datetime | None:
    """The first day from ``earliest`` whose disconnection window is open at 10:00: the planned disconnection."""
    for offset in range(SLOT_SEARCH_DAYS):
        planned = datetime.combine(earliest + timedelta(days=offset), PLANNED_TIME, ZoneInfo(policy.zone))
        if window_closed_because(policy=policy, calendar=calendar, at=planned) is None:
            return planned.astimezone(UTC)
    return None
