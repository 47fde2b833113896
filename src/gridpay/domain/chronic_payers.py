"""The chronic late payers' file (长期延时交费档案, seed 003): who is in it, how they are reminded, and when."""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop


class ChronicCriteriaInvalid(DomainError):
    code = "chronic_criteria_invalid"


@dataclass(frozen=True)
class ChronicCriteria:
    """Late in ``late_months`` of the last ``window_months`` months, or disconnected ``disconnections`` times in
    them (GRIDPAY_CHRONIC_*)."""

    late_months: int = 3
    window_months: int = 12
    disconnections: int = 2

    def __post_init__(self) -> None:
        if not 1 <= self.window_months <= 36:
            raise ChronicCriteriaInvalid(gettext_noop("统计月数应在 1 到 36 之间"), field="window_months")
        if not 1 <= self.late_months <= self.window_months:
            raise ChronicCriteriaInvalid(gettext_noop("延时交费月数应在 1 到统计月数之间"), field="late_months")
        if self.disconnections < 1:
            raise ChronicCriteriaInvalid(gettext_noop("停电次数应至少为 1"), field="disconnections")


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after ``month``'s (before it when negative)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def window_from(*, day: date, months: int) -> date:
    """The first day of the window of ``months`` calendar months ending with ``day``'s month."""
    return add_months(month_of(day), -(months - 1))


def months_spanned(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s, both included (empty when last < first)."""
    months, month = [], month_of(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


@dataclass(frozen=True)
class BalanceStep:
    """A transfer on a prepaid account's ledger account: its business day, the balance before and after it."""

    day: date
    before_fen: int
    after_fen: int


def negative_balance_months(
    *, steps: Sequence[BalanceStep], negative_since: date | None, window_start: date, through: date,
) -> set[date]:
    """The months of [window_start, through] in which the available balance was below zero at some moment.

    ``steps`` are in posting order and need only be those with a negative balance before or after them: a run of
    negative balance starts at a step that leaves it below zero and ends at one that lifts it to zero or more, and the
    months between (a disconnected meter posts no charge) count too. ``negative_since`` is the account's
    arrears_since (its current run, which no step may show inside the window)."""
    months: set[date] = set()
    run_from: date | None = None
    for index, step in enumerate(steps):
        if step.before_fen < 0 and run_from is None:
            # Already negative before this step: the run began before the window (or before the first step given).
            run_from = window_start if index == 0 else step.day
        if step.after_fen < 0 and run_from is None:
            run_from = step.day
        if step.after_fen >= 0 and run_from is not None:
            months.update(months_spanned(max(run_from, window_start), step.day))
            run_from = None
        elif step.before_fen < 0 or step.after_fen < 0:
            months.add(month_of(step.day))
    if run_from is not None:
        months.update(months_spanned(max(run_from, window_start), through))
    if negative_since is not None:
        months.update(months_spanned(max(negative_since, window_start), through))
    return {m for m in months if month_of(window_start) <= m <= through}


@dataclass(frozen=True)
class BillDates:
    """A postpaid bill's due date and the day it was paid off (None: still owed)."""

    due_on: date
    paid_off_on: date | None


def late_bill_months(*, bills: Iterable[BillDates], window_start: date, through: date) -> set[date]:
    """The months in which a bill fell late: paid after its due date, or still unpaid past it on ``through``.

    A bill counts in the month of the day after its due date (the first day it was late)."""
    months = set()
    for bill in bills:
        first_late = bill.due_on + timedelta(days=1)
        late = bill.paid_off_on > bill.due_on if bill.paid_off_on is not None else through > bill.due_on
        if late and window_start <= first_late <= through:
            months.add(month_of(first_late))
    return months


@dataclass(frozen=True)
class ChronicVerdict:
    chronic: bool
    late_months: tuple[date, ...]  # the first days of the months it was late in, oldest first
    disconnections: int
    reason: str  # in Chinese, for the file


def evaluate(*, late_months: Iterable[date], disconnections: int, criteria: ChronicCriteria) -> ChronicVerdict:
    """Whether an account belongs in the file, and why in words."""
    months = tuple(sorted(set(late_months)))
    reasons = []
    if len(months) >= criteria.late_months:
        reasons.append(f"近{criteria.window_months}个月中有{len(months)}个月延时交费")
    if disconnections >= criteria.disconnections:
        reasons.append(f"近{criteria.window_months}个月欠费停电{disconnections}次")
    return ChronicVerdict(chronic=bool(reasons), late_months=months, disconnections=disconnections,
                          reason="；".join(reasons))


class ReminderMethod(StrEnum):
    """The way a household is reminded, as the collectors found works for it (seed 003)."""

    CALL = "call"  # a telephone call by the collector
    SMS_CONTACT = "sms_contact"  # an SMS to a relative's or a neighbour's mobile, who passes it on
    VISIT = "visit"  # a home visit

    @property
    def label(self) -> str:
        return METHOD_LABELS[self]


METHOD_LABELS = {
    ReminderMethod.CALL: gettext_noop("电话提醒"),
    ReminderMethod.SMS_CONTACT: gettext_noop("短信提醒亲友邻居"),
    ReminderMethod.VISIT: gettext_noop("上门提醒"),
}


class ContactRelation(StrEnum):
    RELATIVE = "relative"
    NEIGHBOUR = "neighbour"

    @property
    def label(self) -> str:
        return RELATION_LABELS[self]


RELATION_LABELS = {ContactRelation.RELATIVE: gettext_noop("亲属"), ContactRelation.NEIGHBOUR: gettext_noop("邻居")}


class ReminderRefused(DomainError):
    code = "chronic_reminder_refused"


def check_method(*, method: ReminderMethod, contact_name: str, contact_phone: str) -> None:
    """An SMS through a relative or a neighbour needs their name and mobile; the phone itself is checked by
    domain.phone_numbers where it is entered."""
    if method is ReminderMethod.SMS_CONTACT and not (contact_name.strip() and contact_phone.strip()):
        raise ReminderRefused(gettext_noop("短信提醒亲友邻居须写明其姓名和手机号"), field="contact_phone")


def day_in_month(*, month: date, day_of_month: int) -> date:
    """``day_of_month`` of ``month``, or the month's last day when it has fewer days (the 31st in April: the 30th)."""
    if not 1 <= day_of_month <= 31:
        raise ReminderRefused(gettext_noop("每月提醒日应在 1 到 31 之间"), field="day")
    last = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=min(day_of_month, last))


def reminder_date(*, due_on: date, days_before: int) -> date:
    """The day a household is reminded of a due date: ``days_before`` days ahead of it."""
    return due_on - timedelta(days=days_before)


def prepaid_reminder_due(*, day: date, due_day: int, days_before: int) -> date | None:
    """The due date a prepaid household is reminded of on ``day``: its fixed day of the month (ADR 0020), when it
    falls ``days_before`` days after ``day``; None when ``day`` is not a reminder day for it."""
    due = day + timedelta(days=days_before)
    return due if day_in_month(month=month_of(due), day_of_month=due_day) == due else None


def next_prepaid_due(*, day: date, due_day: int, days_before: int) -> date:
    """A prepaid household's next due date whose reminder falls on ``day`` or later (what the file shows)."""
    earliest = day + timedelta(days=days_before)
    this_month = day_in_month(month=month_of(earliest), day_of_month=due_day)
    if this_month >= earliest:
        return this_month
    return day_in_month(month=add_months(month_of(earliest), 1), day_of_month=due_day)


def balance_lasts_past(*, days_left: int | None, due_on: date, day: date) -> bool:
    """Whether the forecast says the balance lasts a month beyond the due date: no reminder needed this month. One
    with no usage to forecast from (days_left None) is reminded."""
    return days_left is not None and day + timedelta(days=days_left) >= due_on + timedelta(days=31)
