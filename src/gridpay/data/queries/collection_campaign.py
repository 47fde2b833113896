"""Reads of the monthly campaign: the households it is for on a day, the outlets it names, who touched an arrears."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import DateField, DurationField, ExpressionWrapper, F, Q, Value

from gridpay.data.models import (
    Account,
    ArrearsCase,
    AuditRecord,
    CallTask,
    Contact,
    FollowUp,
    Outlet,
    PostpaidBill,
)
from gridpay.data.models.accounts import AccountMode, AccountStatus
from gridpay.data.models.field_work import CallOutcome, CallReason
from gridpay.data.models.outlets import OutletKind
from gridpay.data.queries.supply import alert_inputs
from gridpay.data.settings import gridpay_settings
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain import alerts
from gridpay.domain.account_figures import average_daily_charge_fen, days_left
from gridpay.domain.alerts import AlertKind
from gridpay.domain.collection_campaign import OutletSite, Touch, TouchSource
from gridpay.domain.coverage import is_open
from gridpay.domain.phone_numbers import receives_sms

# The prepaid accounts the campaign is for: below the first alert level (the customer's own, if they chose one),
# few days left, or already below zero: the alert levels of RULES §5, not a second set.
LOW = frozenset({AlertKind.LOW_BALANCE_FIRST, AlertKind.DAYS_LEFT, AlertKind.ARREARS})


@dataclass(frozen=True)
class ConcernedAccount:
    account_id: int
    account_no: str
    village_id: int
    transformer_area: str
    mode: str
    phones: tuple[str, ...] = field(default=())  # who receives the account's SMS


def concerned_accounts(*, day: date) -> list[ConcernedAccount]:
    """Active accounts in a village with a postpaid bill issued by ``day`` and not paid (due or overdue), or a prepaid
    balance below the alert level on ``day``; by account number."""
    found: dict[int, ConcernedAccount] = {}
    unpaid = PostpaidBill.objects.filter(paid_off_on__isnull=True, issued_on__lte=day,
                                         account__status=AccountStatus.ACTIVE, account__village__isnull=False)
    postpaid_ids = set(unpaid.values_list("account_id", flat=True))
    phones = _postpaid_phones(postpaid_ids)
    for account_id, no, village_id, area in Account.objects.filter(id__in=postpaid_ids).values_list(
            "id", "account_no", "village_id", "transformer_area"):
        found[account_id] = ConcernedAccount(account_id, no, village_id, area, AccountMode.POSTPAID.value,
                                             tuple(phones.get(account_id, ())))
    policy = load_policy()
    average_days = gridpay_settings().average_days
    places = dict((row[0], row[1:]) for row in Account.objects.filter(
        mode=AccountMode.PREPAID, status=AccountStatus.ACTIVE, village__isnull=False).values_list(
        "id", "village_id", "transformer_area"))
    for entry in alert_inputs(day=day, history_days=average_days):
        if entry.account_id not in places:
            continue
        left = days_left(available_balance_fen=entry.balance_fen,
                         average_daily_charge_fen=average_daily_charge_fen(entry.charges_fen[-average_days:]))
        held = alerts.conditions(levels=policy.alerts.with_own_first_level(entry.alert_first_fen),
                                 available_balance_fen=entry.balance_fen, days_left=left)
        if held & LOW:
            village_id, area = places[entry.account_id]
            found[entry.account_id] = ConcernedAccount(entry.account_id, entry.account_no, village_id, area,
                                                       AccountMode.PREPAID.value, tuple(entry.phones))
    return sorted(found.values(), key=lambda a: a.account_no)


def _postpaid_phones(account_ids: set[int]) -> dict[int, list[str]]:
    """Who receives each account's SMS, as data.queries.supply says it: its SMS contacts, else the customer's
    phone; mobiles only."""
    contacts: dict[int, list[str]] = defaultdict(list)
    for account_id, phone in Contact.objects.filter(account_id__in=account_ids, receives_sms=True).values_list(
            "account_id", "phone"):
        contacts[account_id].append(phone)
    own = dict(Account.objects.filter(id__in=account_ids).values_list("id", "customer__phone"))
    return {account_id: [p for p in contacts.get(account_id) or [own.get(account_id, "")] if receives_sms(p)]
            for account_id in account_ids}


def open_outlet_sites() -> list[OutletSite]:
    """The active outlets with opening hours, as the broadcast may name them."""
    return [
        OutletSite(o.name, o.address, float(o.latitude), float(o.longitude))
        for o in Outlet.objects.filter(active=True).order_by("code")
        if is_open(hours=o.hours, at=None)
    ]


def station_location() -> tuple[float, float] | None:
    """Where the rounds start: the station's service hall (供电营业厅), the first by code; None without one."""
    hall = Outlet.objects.filter(kind=OutletKind.SERVICE_HALL, active=True).order_by("code").first()
    return (float(hall.latitude), float(hall.longitude)) if hall else None


def arrears_accounts_in(*, start: date, end: date) -> set[int]:
    """Active accounts in arrears on some day of ``[start, end)``: a postpaid bill past its due date and not paid off
    before that day; a prepaid account below zero on a day of the period, as far as the record tells (its present
    arrears since before ``end``, or an arrears call task of the period)."""
    last = end - timedelta(days=1)
    postpaid = set(PostpaidBill.objects.filter(
        Q(paid_off_on__isnull=True) | Q(paid_off_on__gt=start), due_on__lt=last,
        account__status=AccountStatus.ACTIVE,
    ).filter(Q(paid_off_on__isnull=True) | Q(paid_off_on__gt=_next_day("due_on")))
        .values_list("account_id", flat=True))
    zone = gridpay_settings().zone
    end_instant = datetime.combine(end, datetime.min.time(), tzinfo=zone)
    prepaid = set(Account.objects.filter(mode=AccountMode.PREPAID, status=AccountStatus.ACTIVE,
                                         arrears_since__lt=end_instant).values_list("id", flat=True))
    prepaid |= set(CallTask.objects.filter(reason=CallReason.ARREARS_SMS, due_on__gte=start, due_on__lt=end,
                                           account__status=AccountStatus.ACTIVE).values_list("account_id", flat=True))
    return postpaid | prepaid


def _next_day(column: str) -> Any:
    """The day after a date column, in SQL both databases understand."""
    return ExpressionWrapper(F(column) + Value(timedelta(days=1), output_field=DurationField()),
                             output_field=DateField())


def touches_in(*, account_ids: set[int], start: date, end: date) -> dict[int, list[Touch]]:
    """What people did about these accounts in ``[start, end)``: follow-ups, call outcomes, arrears steps."""
    zone = gridpay_settings().zone
    since = datetime.combine(start, datetime.min.time(), tzinfo=zone)
    until = datetime.combine(end, datetime.min.time(), tzinfo=zone)
    found: dict[int, list[Touch]] = defaultdict(list)
    for account_id, by, how in FollowUp.objects.filter(account_id__in=account_ids, day__gte=start,
                                                        day__lt=end).values_list("account_id", "by", "how"):
        found[account_id].append(Touch(TouchSource.FOLLOW_UP, by, how))
    calls = CallTask.objects.filter(account_id__in=account_ids, done_at__gte=since, done_at__lt=until).exclude(
        outcome=CallOutcome.PENDING)
    for account_id, by, outcome in calls.values_list("account_id", "done_by", "outcome"):
        found[account_id].append(Touch(TouchSource.CALL, by, outcome))
    case_of = {f"arrears_case:{case_id}": account_id for case_id, account_id in
               ArrearsCase.objects.filter(account_id__in=account_ids).values_list("id", "account_id")}
    steps = AuditRecord.objects.filter(action__startswith="arrears.", target__in=list(case_of), at__gte=since,
                                       at__lt=until)
    for target, actor, action in steps.values_list("target", "actor", "action"):
        found[case_of[target]].append(Touch(TouchSource.ARREARS_STEP, actor, action))
    return found
