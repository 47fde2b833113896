"""The grid staff's call list (三通电话): whom to ring first, how many of each kind, every call on some page, and the
rollout's count of the calls before enabling from the same records."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridpay.application.errors import NotAllowed
from gridpay.application.rollout.rollout_progress import rollout_progress
from gridpay.application.supply.call_tasks import (
    KIND_ORDER,
    URGENT_TODAY,
    CallOutcomeInvalid,
    call_list_page,
    count_calls,
    list_call_tasks,
    open_call_task_for,
    record_call_outcome,
)
from gridpay.data.models import Account, AuditRecord, CallTask, GridStaff, Village
from gridpay.data.models.field_work import CallOutcome, CallReason
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.clock import FakeClock, current_instant

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture
def village(zj_tariff: str) -> list[Account]:
    """东村, whose grid staff member is 陈嘉涵, with ten households; 西村 (周木顺) with one."""
    chen = GridStaff.objects.create(name="陈嘉涵", phone="0595-1")
    Village.objects.create(name="东村", town="测试镇", grid_staff=chen)
    Village.objects.create(name="西村", town="测试镇", grid_staff=GridStaff.objects.create(name="周木顺", phone="2"))
    enrol(99, village="西村")
    accounts = [enrol(number, village="东村") for number in range(1, 11)]
    CallTask.objects.all().delete()  # the enrolments' own calls before enabling: each test opens its own
    return accounts


GRID_STAFF = frozenset({Role.GRID_STAFF})


def task(account: Account, reason: CallReason, due_on: date) -> None:
    open_call_task_for(account_id=account.id, reason=reason, due_on=due_on, at=current_instant())


def test_todays_urgent_calls_come_first_then_the_others_newest_first(village: list[Account], clock: FakeClock) -> None:
    today = clock.today()
    yesterday, earlier = today - timedelta(days=1), today - timedelta(days=3)
    a = village
    task(a[7], CallReason.BEFORE_ENABLING, earlier)
    task(a[2], CallReason.BEFORE_ENABLING, today)
    task(a[5], CallReason.ARREARS_SMS, yesterday)
    task(a[1], CallReason.ARREARS_SMS, today)
    task(a[8], CallReason.PAYMENT_REMINDER, earlier)
    task(a[3], CallReason.CLOSE_PERMITTED, today)
    task(a[4], CallReason.AFTER_DISCONNECTION, yesterday)
    task(a[0], CallReason.AFTER_DISCONNECTION, today)  # the third call, due the day the disconnection is executed
    task(a[9], CallReason.ARREARS_SMS, today + timedelta(days=1))  # the SMS goes out tomorrow: not yet
    task(a[6], CallReason.AFTER_DISCONNECTION, today)
    done = CallTask.objects.get(account=a[6])
    record_call_outcome(task_id=done.id, outcome=CallOutcome.REACHED, note="", name="陈嘉涵", actor="陈嘉涵（chen）",
                        roles=GRID_STAFF, at=current_instant())

    lines = list_call_tasks(through=today, grid_staff="陈嘉涵")

    assert [(line.account_no, line.urgent) for line in lines] == [
        (a[0].account_no, True), (a[1].account_no, True),  # today's disconnection, today's arrears SMS
        (a[3].account_no, False), (a[4].account_no, False), (a[5].account_no, False),  # about supply, newest first
        (a[2].account_no, False), (a[8].account_no, False), (a[7].account_no, False),  # routine, newest first
    ]
    counts = count_calls(through=today, grid_staff="陈嘉涵")
    assert counts.urgent == 2
    assert [(kind.reason, kind.calls) for kind in counts.kinds] == [
        ("after_disconnection", 2), ("arrears_sms", 2), ("close_permitted", 1), ("payment_reminder", 1),
        ("before_enabling", 2)]
    # Page by page the same calls in the same order, the counts always the whole list's.
    pages = [call_list_page(today=today, grid_staff="陈嘉涵", page=n, per_page=3) for n in (1, 2, 3)]
    assert [line.task_id for page in pages for line in page.lines] == [line.task_id for line in lines]
    assert [(p.page.number, p.page.pages, p.page.total, p.page.first, p.page.last) for p in pages] == [
        (1, 3, 8, 1, 3), (2, 3, 8, 4, 6), (3, 3, 8, 7, 8)]
    assert all(p.urgent == 2 and p.kinds == counts.kinds for p in pages)
    assert call_list_page(today=today, grid_staff="陈嘉涵", page=9, per_page=3).page.number == 3  # past the end
    assert pages[0].page.previous is None and pages[0].page.next == 2 and pages[2].page.next is None


def test_an_outcome_not_chosen_is_refused_and_records_nothing(village: list[Account], clock: FakeClock) -> None:
    task(village[0], CallReason.ARREARS_SMS, clock.today())
    pending = CallTask.objects.get()

    for outcome in ("", "pending", "maybe"):
        with pytest.raises(CallOutcomeInvalid):
            record_call_outcome(task_id=pending.id, outcome=outcome, note="", name="陈嘉涵", actor="陈嘉涵（chen）",
                                roles=GRID_STAFF, at=current_instant())

    pending.refresh_from_db()
    assert (pending.outcome, pending.done_by, pending.done_at) == ("pending", "", None)


TASKS = st.lists(st.tuples(st.integers(0, 9), st.sampled_from(list(CallReason)), st.integers(-30, 1),
                           st.booleans()), max_size=40)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tasks=TASKS, per_page=st.integers(1, 7))
def test_every_call_still_to_make_is_on_exactly_one_page_urgent_ones_first(
    village: list[Account], clock: FakeClock, tasks: list[tuple[int, CallReason, int, bool]], per_page: int
) -> None:
    CallTask.objects.all().delete()
    today = clock.today()
    for number, reason, days, made in tasks:
        task(village[number], reason, today + timedelta(days=days))
        if made:
            CallTask.objects.filter(account=village[number], reason=reason, due_on=today + timedelta(days=days)).update(
                outcome=CallOutcome.NOT_REACHED)

    first = call_list_page(today=today, page=1, per_page=per_page)
    pages = [call_list_page(today=today, page=n, per_page=per_page) for n in range(1, first.page.pages + 1)]
    shown = [line for page in pages for line in page.lines]

    due = CallTask.objects.filter(due_on__lte=today, outcome=CallOutcome.PENDING)
    assert sorted(line.task_id for line in shown) == sorted(due.values_list("id", flat=True))
    assert first.page.total == len(shown)
    flags = [line.urgent for line in shown]
    assert flags == sorted(flags, reverse=True)  # no urgent call after one that is not
    assert first.urgent == sum(flags) == due.filter(due_on=today, reason__in=URGENT_TODAY).count()
    assert sum(kind.calls for kind in first.kinds) == len(shown)
    assert [kind.reason for kind in first.kinds] == [r.value for r in KIND_ORDER if any(
        line.reason == r.label for line in shown)]


def test_the_rollout_counts_the_calls_before_enabling_the_call_list_shows(
    village: list[Account], clock: FakeClock
) -> None:
    today = clock.today()
    for account in village[:6]:
        task(account, CallReason.BEFORE_ENABLING, today - timedelta(days=2))
    task(village[6], CallReason.BEFORE_ENABLING, today + timedelta(days=1))  # not due yet: on no list today
    task(village[7], CallReason.ARREARS_SMS, today)  # another kind
    for account in village[:2]:
        made = CallTask.objects.get(account=account)
        record_call_outcome(task_id=made.id, outcome=CallOutcome.REACHED, note="", name="陈嘉涵",
                            actor="陈嘉涵（chen）", roles=GRID_STAFF, at=current_instant())

    east = next(v for v in rollout_progress(year=today.year, today=today).villages if v.village == "东村")

    on_the_list = [line for line in list_call_tasks(through=today, grid_staff="陈嘉涵")
                   if line.reason == CallReason.BEFORE_ENABLING.label]
    assert (east.first_calls, east.first_calls_to_make) == (2, len(on_the_list)) == (2, 4)
    kinds = {kind.reason: kind.calls for kind in count_calls(through=today, grid_staff="陈嘉涵").kinds}
    assert kinds["before_enabling"] == east.first_calls_to_make


def test_grid_staff_record_only_their_own_calls_supervisors_any_and_each_outcome_is_audited(
    village: list[Account], clock: FakeClock
) -> None:
    # Issue 20 point 6. village[0] is 东村's (陈嘉涵); 西村's one household is 周木顺's.
    west = Account.objects.get(village__name="西村")
    task(village[0], CallReason.ARREARS_SMS, clock.today())
    task(west, CallReason.ARREARS_SMS, clock.today())
    mine, theirs = CallTask.objects.get(account=village[0]), CallTask.objects.get(account=west)
    with pytest.raises(NotAllowed, match="周木顺"):
        record_call_outcome(task_id=theirs.id, outcome=CallOutcome.REACHED, note="", name="陈嘉涵",
                            actor="陈嘉涵（chen）", roles=GRID_STAFF, at=current_instant())
    with pytest.raises(NotAllowed):  # a cashier works no calls at all
        record_call_outcome(task_id=mine.id, outcome=CallOutcome.REACHED, note="", name="王营业",
                            actor="王营业（wang）", roles={Role.CASHIER}, at=current_instant())
    theirs.refresh_from_db()
    assert (theirs.outcome, theirs.done_by) == ("pending", "") and not AuditRecord.objects.exists()

    record_call_outcome(task_id=mine.id, outcome=CallOutcome.REACHED, note="答应明天交", name="陈嘉涵",
                        actor="陈嘉涵（chen）", roles=GRID_STAFF, at=current_instant())
    record_call_outcome(task_id=theirs.id, outcome=CallOutcome.NOT_REACHED, note="无人接听", name="李班长",
                        actor="李班长（li）", roles={Role.SUPERVISOR}, at=current_instant())
    record_call_outcome(task_id=mine.id, outcome=CallOutcome.PAID, note="已交费", name="李班长",
                        actor="李班长（li）", roles={Role.SUPERVISOR}, at=current_instant())
    audits = list(AuditRecord.objects.order_by("id").values_list("actor", "action", "target", "old", "new"))
    assert audits == [
        ("陈嘉涵（chen）", "supply.call_outcome", f"call_task:{mine.id}",
         {"outcome": "pending", "note": "", "done_by": ""},
         {"outcome": "reached", "note": "答应明天交", "done_by": "陈嘉涵"}),
        ("李班长（li）", "supply.call_outcome", f"call_task:{theirs.id}",
         {"outcome": "pending", "note": "", "done_by": ""},
         {"outcome": "not_reached", "note": "无人接听", "done_by": "李班长"}),
        ("李班长（li）", "supply.call_outcome", f"call_task:{mine.id}",
         {"outcome": "reached", "note": "答应明天交", "done_by": "陈嘉涵"},
         {"outcome": "paid", "note": "已交费", "done_by": "李班长"}),
    ]
