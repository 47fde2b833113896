"""The batch doors (enrolment, the SMS outbox, call tasks) write what the one-at-a-time doors would; settings read
once within held reads; the head-end says when it has nothing due; bulk inserts keep every value as it is."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import numpy as np
import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from gridpay.application.customers.enrol_account import Enrolment, EnrolmentRefused, enrol_account, enrol_accounts
from gridpay.application.supply.call_tasks import CallToOpen, open_call_task, open_call_tasks
from gridpay.application.supply.enforce_supply import enforce_supply
from gridpay.application.supply.head_end import HeadEnd
from gridpay.application.supply.sms_outbox import Sms, queue_sms, queue_sms_batch
from gridpay.application.supply.sweep_meter_commands import Due, _case_timers, _cases_due
from gridpay.data.bulk import Column, _sqlite_rows, day_number, insert_columns, insert_rows, int_columns
from gridpay.data.calendar_store import load_calendar
from gridpay.data.held_reads import reads_held
from gridpay.data.models import (
    Account,
    CallTask,
    Contact,
    LedgerAccount,
    Meter,
    MeterCommand,
    Notification,
    ReconnectCase,
    Transfer,
)
from gridpay.data.models.field_work import CallReason
from gridpay.data.queries import instants
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain.meter_commands import CommandPolicy
from gridpay.domain.supply_policy import SupplyPolicy
from tests.support.accounts import enrol
from tests.support.clock import SHANGHAI

pytestmark = pytest.mark.django_db

AT = datetime(2025, 3, 11, 2, 0, tzinfo=UTC)
DAY = date(2025, 3, 10)


@pytest.fixture(autouse=True)
def _tariff(zj_tariff: str) -> None:
    pass


def enrolment(number: int, **changes: object) -> Enrolment:
    values: dict[str, object] = {
        "account_no": f"33020{number:05d}", "customer_name": f"批量用户{number}", "tariff_code": "zj-resident-2024",
        "meter_no": f"B{number:08d}", "dlt645_address": f"5{number:011d}", "installed_on": DAY,
        "prepaid_since": DAY, "phone": f"1380000{number:04d}", "opening_balance_fen": 1_000 * number,
    }
    return Enrolment(**{**values, **changes})  # type: ignore[arg-type]


def test_a_batch_enrols_each_account_as_enrolling_them_one_by_one_would() -> None:
    one_by_one = [enrol_account(enrolment=enrolment(n), at=AT, business_day=DAY) for n in (1, 2)]
    batch = enrol_accounts(enrolments=[enrolment(n) for n in (3, 4, 5)], at=AT, business_day=DAY)

    assert [a.account_no for a in batch] == ["3302000003", "3302000004", "3302000005"]
    for account in [*one_by_one, *batch]:
        number = int(account.account_no[-5:])
        assert LedgerAccount.objects.get(id=account.ledger_account_id).balance_fen == 1_000 * number
        assert Meter.objects.get(account=account).meter_no == f"B{number:08d}"
        assert list(Contact.objects.filter(account=account).values_list("phone", flat=True)) == [f"1380000{number:04d}"]
        # 三通电话, the first: before smart payment starts.
        assert CallTask.objects.filter(account=account, reason=CallReason.BEFORE_ENABLING, due_on=DAY).count() == 1
    assert Transfer.objects.filter(credit_id__in=[a.ledger_account_id for a in batch]).count() == 3


def test_a_batch_with_one_refused_enrolment_writes_nothing_and_names_the_first_refused() -> None:
    enrol_account(enrolment=enrolment(1), at=AT, business_day=DAY)

    with pytest.raises(EnrolmentRefused) as taken:
        enrol_accounts(enrolments=[enrolment(2), enrolment(3, meter_no="B00000001"), enrolment(2)], at=AT,
                       business_day=DAY)
    assert taken.value.params == {"meter_no": "B00000001"}
    with pytest.raises(EnrolmentRefused) as repeated:
        enrol_accounts(enrolments=[enrolment(2), enrolment(2, meter_no="B00000099")], at=AT, business_day=DAY)
    assert repeated.value.params == {"account_no": "3302000002"}  # a batch cannot hold one number twice

    assert list(Account.objects.values_list("account_no", flat=True)) == ["3302000001"]


def test_queued_in_a_batch_each_key_and_phone_once_in_the_messages_order(now: datetime) -> None:
    policy = SupplyPolicy(zone="Asia/Shanghai")
    queue_sms(key="alert:1", phones=["13800000001"], kind="low_balance_first",
              params={"account_no": "1", "available_yuan": "1.00", "days_left": "约 3 天"}, account_id=None,
              policy=policy, at=now)
    params = {"account_no": "2", "available_yuan": "2.00", "days_left": "约 2 天"}

    queued = queue_sms_batch([
        Sms("alert:1", ["13800000001"], "low_balance_first", params, None),  # queued already: left alone
        Sms("alert:2", ["13800000002", "13800000003", "13800000002"], "low_balance_first", params, None),
        Sms("alert:2", ["13800000002"], "low_balance_first", params, None),  # asked twice in the batch
    ], policy=policy, at=now)

    assert queued == 2
    assert list(Notification.objects.order_by("id").values_list("key", flat=True)) == [
        "alert:1:13800000001", "alert:2:13800000002", "alert:2:13800000003"]
    assert Notification.objects.get(key="alert:1:13800000001").params["account_no"] == "1"


def test_call_tasks_opened_in_a_batch_once_per_account_reason_and_day(now: datetime) -> None:
    first, second = enrol(1), enrol(2)
    open_call_task(account_id=first.id, grid_staff_id=None, reason=CallReason.ARREARS_SMS, due_on=DAY, at=now)

    open_call_tasks([
        CallToOpen(first.id, None, CallReason.ARREARS_SMS, DAY),  # open already
        CallToOpen(second.id, None, CallReason.ARREARS_SMS, DAY),
        CallToOpen(second.id, None, CallReason.ARREARS_SMS, DAY),
        CallToOpen(second.id, None, CallReason.ARREARS_SMS, DAY + timedelta(days=1)),
    ], at=now)

    assert sorted(CallTask.objects.filter(reason=CallReason.ARREARS_SMS).values_list("account_id", "due_on")) == [
        (first.id, DAY), (second.id, DAY), (second.id, DAY + timedelta(days=1))]


def test_the_policy_and_the_calendar_are_read_once_within_held_reads() -> None:
    with CaptureQueriesContext(connection) as outside:
        load_policy(), load_policy(), load_calendar(years=[2025])
    with reads_held(), CaptureQueriesContext(connection) as held:
        for _ in range(3):
            policy, calendar = load_policy(), load_calendar(years=[2025, 2025])
    assert len(outside.captured_queries) == 3  # the policy twice, the calendar's years (none known: no days)
    assert len(held.captured_queries) == 2
    assert policy == load_policy() and calendar == load_calendar(years=[2025])


def test_the_head_end_has_nothing_due_until_a_command_is_queued() -> None:
    account = enrol(1, opening_balance_fen=0)
    LedgerAccount.objects.filter(id=account.ledger_account_id).update(balance_fen=-1_250)
    Account.objects.filter(id=account.id).update(arrears_since=datetime(2025, 3, 10, 20, tzinfo=SHANGHAI))
    at = datetime(2025, 3, 11, 10, tzinfo=SHANGHAI)  # a working Tuesday, inside the window
    head_end = HeadEnd()

    assert not head_end.next_due().by(at)
    assert enforce_supply(at=at).queued == 1
    assert head_end.next_due().by(at)
    assert [address for address, _ in head_end.outbound(at=at)] == [f"{1:012d}"]
    assert not head_end.next_due().by(at)  # sent: nothing more until its answer is due
    assert head_end.next_due().by(at + timedelta(minutes=1))  # the answer is late: the sweep times it out


def test_bulk_inserts_on_sqlite_adapt_dates_and_keep_everything_else_as_it_is() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own adaptation")
    instant = datetime(2025, 3, 11, 2, 0, tzinfo=UTC)
    rows = _sqlite_rows([[1, True, Decimal("1.50"), DAY, instant, None], [True, 1, 1.0, DAY, instant, "x"]])

    assert rows == [(1, True, Decimal("1.50"), "2025-03-10", connection.ops.adapt_datetimefield_value(instant), None),
                    (True, 1, 1.0, "2025-03-10", connection.ops.adapt_datetimefield_value(instant), "x")]
    assert [type(v) for v in rows[1][:3]] == [bool, int, float]


def test_plain_rows_formatted_by_us_are_stored_as_the_drivers_own_copy_stores_them() -> None:
    """insert_rows(plain=True) formats the COPY text itself (a settlement run's million rows): every kind of value it
    takes is stored exactly as the driver's row-by-row COPY stores it."""
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    shanghai = datetime(2025, 3, 11, 10, 0, tzinfo=SHANGHAI)
    rows = [
        (1, 12.34, DAY, AT, "settlement", True, 7),
        (2, 0.01, date(2024, 2, 29), shanghai, "payment", False, -1),
        (3, 123456789012.5, DAY, AT, "settlement", True, 2**62),
        (4, 3, DAY, shanghai, "x", False, 0),
    ]
    columns = ("id", "kwh", "day", "at", "kind", "flag", "amount")
    stored = {}
    for plain in (False, True):
        table = f"plain_{plain}".lower()
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {table} (id bigint, kwh numeric(14,2), day date, at timestamptz,"
                           " kind varchar(24), flag boolean, amount bigint)")
        insert_rows(table, columns, rows, plain=plain)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")
            stored[plain] = cursor.fetchall()
    assert stored[True] == stored[False]
    assert stored[True][1][1:4] == (Decimal("0.01"), date(2024, 2, 29), shanghai)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(-(10**14) + 1, 10**14 - 1), st.integers(-(2**63), 2**63 - 1),
                          st.dates(date(1900, 1, 1), date(2200, 12, 31))), min_size=1, max_size=30),
       st.datetimes(datetime(1970, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)), st.dates(),  # noqa: DTZ001
       st.sampled_from(["settlement", "结算", ""]))
def test_columns_copied_in_binary_are_stored_as_the_drivers_own_copy_stores_their_values(
        rows: list[tuple[int, int, date]], at: datetime, day: date, kind: str) -> None:
    """insert_columns lays out COPY's binary rows itself (a settlement run's million settlements and transfers): each
    kind of column is stored as the driver's row-by-row COPY stores the same values, on PostgreSQL (and as
    insert_rows stores them on SQLite)."""
    hundredths = np.array([row[0] for row in rows], dtype=np.int64)
    integers = np.array([row[1] for row in rows], dtype=np.int64)
    days = np.array([day_number(row[2]) for row in rows], dtype=np.int64)
    by_columns = {"kwh": Column("hundredths", hundredths), "amount": Column("bigint", integers),
                  "day": Column("day", days), "one_day": Column("day", day), "at": Column("instant", at),
                  "kind": Column("text", kind)}
    as_rows = [(Decimal(h) / 100, n, d, day, at, kind) for h, (_, n, d) in zip(hundredths.tolist(), rows, strict=True)]
    stored = {}
    for way in ("columns", "rows"):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS by_{way}")
            cursor.execute(f"CREATE TEMPORARY TABLE by_{way} (kwh numeric(14,2), amount bigint, day date,"
                           " one_day date, at timestamptz, kind varchar(24))")
        if way == "columns":
            insert_columns("by_columns", by_columns, count=len(rows))
        else:
            insert_rows("by_rows", tuple(by_columns), as_rows)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM by_{way}")
            stored[way] = cursor.fetchall()
    assert stored["columns"] == stored["rows"]
    # Exactly the hundredths given (SQLite keeps a decimal column as the double nearest it).
    assert [Decimal(str(row[0])) for row in stored["columns"]] == [Decimal(h) / 100 for h in hundredths.tolist()]


def test_a_hundredths_value_the_column_cannot_hold_is_refused_and_nothing_is_copied() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("COPY's binary format is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE too_big (kwh numeric(12,2))")
    with pytest.raises(ValueError, match=r"10\^12"):  # past four base-10000 digits: refused before the COPY
        insert_columns("too_big", {"kwh": Column("hundredths", np.array([1, 10**14]))}, count=2)
    with pytest.raises(DataError), transaction.atomic():  # past the column's own precision: refused by the server
        insert_columns("too_big", {"kwh": Column("hundredths", np.array([1, 10**12]))}, count=2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM too_big")
        assert cursor.fetchone()[0] == 0


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(-(2**63), 2**63 - 1), st.integers(-(2**63), 2**63 - 1),
                          st.booleans()), max_size=40))
def test_int_columns_are_the_querys_values_in_its_order(rows: list[tuple[int, int, bool]]) -> None:
    """int_columns (on PostgreSQL, COPY's binary rows read by numpy) gives each bigint of the rows as fetching them
    gives it, in the query's order, with a query's parameters bound; and casts and flags as bigints."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS numbers (n integer, a bigint, b bigint, flag boolean)")
        cursor.execute("DELETE FROM numbers")
        cursor.executemany("INSERT INTO numbers VALUES (%s, %s, %s, %s)",
                           [(n, a, b, flag) for n, (a, b, flag) in enumerate(rows)])
    query = ("SELECT a, b, CAST(CASE WHEN flag THEN 1 ELSE 0 END AS BIGINT), CAST(n AS BIGINT) FROM numbers"
             " WHERE n >= %(first)s ORDER BY n")
    a, b, flag, n = int_columns(query, {"first": 1}, 4)
    assert [a.tolist(), b.tolist(), flag.tolist(), n.tolist()] == [
        [row[0] for row in rows[1:]], [row[1] for row in rows[1:]], [int(row[2]) for row in rows[1:]],
        list(range(1, len(rows)))]
    assert a.dtype == np.int64


def test_int_columns_refuse_a_null_or_a_column_that_is_not_a_bigint() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("COPY's binary format is PostgreSQL's")
    with pytest.raises(ValueError, match=r"NULL|multiple"):
        int_columns("SELECT CAST(1 AS BIGINT), CAST(NULL AS BIGINT)", {}, 2)
    with pytest.raises(ValueError, match=r"NULL|multiple"):
        int_columns("SELECT CAST(1 AS BIGINT), 2", {}, 2)  # an integer, four bytes


def test_when_the_head_end_next_has_work_is_when_its_sweep_and_claims_would_find_some() -> None:
    """next_due, read in one statement, agrees with the conditions the sweep and a claim select by, at every instant
    around each timer of each kind (a command queued, awaited, leased or stale; a case late, polled or past its
    commitment)."""
    base = datetime(2025, 3, 11, 2, 0, tzinfo=UTC)
    minute = timedelta(minutes=1)
    commands = [
        ("queued", {"next_attempt_at": base + 5 * minute, "valid_until": base + 50 * minute}),
        ("queued", {"next_attempt_at": base + 70 * minute, "valid_until": None}),
        ("sent", {"answer_due_at": base + 7 * minute}),
        ("acknowledged", {"answer_due_at": base + 3 * minute}),
        ("sending", {"lease_until": base + 11 * minute}),
        ("held", {}),
        ("confirmed", {"answer_due_at": base - minute}),
    ]
    cases = [
        {"opened_at": base, "due_by": base + timedelta(hours=24)},  # late after the policy's minutes
        {"opened_at": base - 20 * minute, "due_by": base + 9 * minute, "close_permitted_at": base - 20 * minute,
         "relay_polled_at": base - 4 * minute},
        {"opened_at": base - timedelta(days=2), "due_by": base - timedelta(days=1), "confirmed_at": base},
    ]
    policy = CommandPolicy()
    head_end = HeadEnd(policy=policy)
    timers_of_cases = _case_timers(policy)
    accounts = [enrol(number) for number in range(1, len(commands) + 1)]

    def command(number: int) -> None:
        status, instants = commands[number]
        account = accounts[number]
        MeterCommand.objects.create(meter=account.meters.get(), account=account, action="disconnect", status=status,
                                    created_at=base, **{"next_attempt_at": base, **instants})

    def case(number: int) -> None:
        ReconnectCase.objects.create(account=accounts[number], **cases[number])

    # Each row alone, then all of them together.
    rows = [partial(command, n) for n in range(len(commands))] + [partial(case, n) for n in range(len(cases))]
    for make in [*([row] for row in rows), rows]:
        ReconnectCase.objects.all().delete()
        MeterCommand.objects.all().delete()
        for row in make:
            row()
        due = head_end.next_due()
        timers = [base + m * minute for m in (-4, -1, 3, 5, 6, 7, 9, 11, 15, 50, 70)]
        for instant in sorted({at + d for at in timers for d in (-timedelta(microseconds=1), timedelta(0))}):
            claim = MeterCommand.objects.filter(status="queued", next_attempt_at__lte=instant).exists()
            assert due.claim_by(instant) == claim, (make, instant)
            assert due.sweep_by(instant) == _finds_any(instant, policy), (make, instant)
            assert due.commands_by(instant) == _finds_any(instant, policy, cases=False), (make, instant)
            assert head_end.next_due().by(instant) == (claim or _finds_any(instant, policy))
            assert _cases_found(instants.rows_due(timers_of_cases, instant, _cases_due)) == _cases_found(
                _cases_due(*(timer.due(instant) for timer in timers_of_cases))), (make, instant)
    assert due == Due(claim_at=base + 5 * minute, commands_at=base + 3 * minute, cases_at=base + 6 * minute)


def _cases_found(cases: Iterable[Any]) -> list[tuple[int, bool, bool, bool, str]]:
    """The cases the sweep's statement found, as compiled once (instants.rows_due) or anew: each with its flags."""
    return [(c.id, bool(c.late), bool(c.poll), bool(c.alarm), c.address) for c in cases]


def _finds_any(at: datetime, policy: CommandPolicy, *, cases: bool = True) -> bool:
    """Whether the sweep at ``at`` finds anything in commands (and, with ``cases``, in reconnection cases)."""
    late = ReconnectCase.objects.filter(confirmed_at__isnull=True, close_permitted_at__isnull=True,
                                        alarm_raised_at__isnull=True,
                                        opened_at__lte=at - timedelta(seconds=policy.reconnect_alarm_s))
    permitted = ReconnectCase.objects.filter(confirmed_at__isnull=True, close_permitted_at__isnull=False)
    in_commands = (
        MeterCommand.objects.filter(status__in=["sent", "acknowledged"], answer_due_at__lte=at).exists()
        or MeterCommand.objects.filter(status="sending", lease_until__lte=at).exists()
        or MeterCommand.objects.filter(status="queued", valid_until__lte=at).exists()
    )
    in_cases = (
        late.exists()
        or permitted.filter(relay_polled_at__lte=at - timedelta(seconds=policy.permit_poll_s)).exists()
        or permitted.filter(alarm_raised_at__isnull=True, due_by__lte=at).exists()
    )
    return in_commands or (cases and in_cases)
