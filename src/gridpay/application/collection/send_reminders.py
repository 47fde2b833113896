"""The reminders due on a day: the chronic late payers' (SMS to a relative or neighbour through the outbox, a call task
for the grid staff, a home visit on the printed list) and the monthly payment reminders households asked for."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Sum

from gridpay.application.collection.days_ahead import refuse_day_ahead
from gridpay.application.supply.call_tasks import open_call_task
from gridpay.application.supply.sms_outbox import month_day, queue_sms
from gridpay.data.models import Account, ChronicPayer, GridStaff, PaymentReminder, PostpaidBill, Settlement
from gridpay.data.models.accounts import AccountMode, AccountStatus
from gridpay.data.models.field_work import CallReason
from gridpay.data.postpaid_store import OWED_ON_BILL
from gridpay.data.queries.collection_areas import responsibility_on
from gridpay.data.queries.supply import account_contacts
from gridpay.data.settings import gridpay_settings
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain.account_figures import average_daily_charge_fen, days_left
from gridpay.domain.chronic_payers import (
    ReminderMethod,
    balance_lasts_past,
    day_in_month,
    month_of,
    prepaid_reminder_due,
)
from gridpay.domain.money import format_yuan
from gridpay.domain.phone_numbers import receives_sms
from gridpay.domain.supply_policy import SupplyPolicy
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class ReminderLine:
    """A call or a home visit for a collector: who, where, for which due date."""

    method: str  # ReminderMethod value
    account_no: str
    customer_name: str
    phone: str
    address: str
    village: str
    grid_staff: str  # the collector who answers for it that day (its area's, else its village's grid staff)
    due_on: date
    owed_fen: int | None  # postpaid: what the bill due then still owes; prepaid: None


@dataclass
class ReminderRun:
    day: date
    contact_sms: int = 0  # SMS queued to relatives and neighbours (a re-run queues none again)
    calls_opened: int = 0  # call tasks opened (a re-run opens none again)
    monthly_sms: int = 0  # monthly payment reminders queued
    calls: list[ReminderLine] = field(default_factory=list)
    visits: list[ReminderLine] = field(default_factory=list)
    sms: list[ReminderLine] = field(default_factory=list)
    without_phone: list[str] = field(default_factory=list)  # monthly reminders with no mobile to text


def send_reminders(*, day: date, at: datetime) -> ReminderRun:
    """Safe to run twice a day: the outbox keys and the call tasks' (account, reason, day) make it once."""
    refuse_day_ahead(day=day, at=at, message=gettext_noop("{day} 还没到：提醒在当天才发出"))
    settings = gridpay_settings()
    policy = load_policy()
    run = ReminderRun(day=day)
    # The collector who answers for the household on the day (its area's, else its village's grid staff member).
    responsibility = responsibility_on(day)
    names = dict(GridStaff.objects.values_list("id", "name"))

    def collector(account: Account) -> tuple[int | None, str]:
        staff_id = responsibility.of(village_id=account.village_id,
                                     transformer_area=account.transformer_area).collector_id
        return staff_id, names.get(staff_id, "") if staff_id is not None else ""

    with transaction.atomic():
        for line, entry in _chronic_due(day=day, days_before=settings.chronic_reminder_days,
                                        default_due_day=settings.chronic_prepaid_due_day,
                                        average_days=settings.average_days, collector=collector):
            if line.method == ReminderMethod.SMS_CONTACT and receives_sms(entry.contact_phone):
                params = {"contact_name": entry.contact_name, "customer_name": line.customer_name,
                          "account_no": line.account_no, "due_day": month_day(line.due_on)}
                run.contact_sms += queue_sms(
                    key=f"chronic:{entry.account_id}:{line.due_on.isoformat()}", phones=[entry.contact_phone],
                    kind="chronic_reminder_contact", params=params, account_id=entry.account_id, policy=policy, at=at)
                run.sms.append(line)
            elif line.method == ReminderMethod.VISIT:
                run.visits.append(line)
            else:
                # A call, or an SMS contact whose mobile is gone: the collector calls, through the call-task door.
                opened = _open_call(entry=entry, staff_id=collector(entry.account)[0], day=day, at=at)
                run.calls_opened += opened
                run.calls.append(line)
        _monthly(day=day, at=at, policy=policy, run=run)
    return run


def _chronic_due(
    *, day: date, days_before: int, default_due_day: int, average_days: int,
    collector: Callable[[Account], tuple[int | None, str]],
) -> list[tuple[ReminderLine, ChronicPayer]]:
    entries = list(ChronicPayer.objects.filter(current=True, account__status=AccountStatus.ACTIVE)
                   .select_related("account__customer", "account__village__grid_staff", "account__ledger_account")
                   .order_by("account__account_no"))
    due_bills: dict[int, list[tuple[date, int]]] = defaultdict(list)
    postpaid = [e.account_id for e in entries if e.account.mode == AccountMode.POSTPAID]
    for account_id, due_on, owed in PostpaidBill.objects.filter(
        account_id__in=postpaid, paid_off_on__isnull=True, due_on=day + timedelta(days=days_before),
    ).values("account_id", "due_on").annotate(owed=Sum(OWED_ON_BILL)).values_list("account_id", "due_on", "owed"):
        due_bills[account_id].append((due_on, int(owed or 0)))
    found = []
    for entry in entries:
        if entry.account.mode == AccountMode.POSTPAID:
            for due_on, owed in due_bills.get(entry.account_id, []):
                found.append((_line(entry, due_on, owed, collector(entry.account)[1]), entry))
            continue
        due = prepaid_reminder_due(day=day, due_day=entry.due_day or default_due_day, days_before=days_before)
        if due is None:
            continue
        charges = list(Settlement.objects.filter(account_id=entry.account_id, day__lte=day).order_by("-day")
                       .values_list("charge_fen", flat=True)[:average_days])
        left = days_left(available_balance_fen=entry.account.ledger_account.balance_fen,
                         average_daily_charge_fen=average_daily_charge_fen(charges))
        if not balance_lasts_past(days_left=left, due_on=due, day=day):
            found.append((_line(entry, due, None, collector(entry.account)[1]), entry))
    return found


def _line(entry: ChronicPayer, due_on: date, owed_fen: int | None, collector: str) -> ReminderLine:
    account = entry.account
    village = account.village
    return ReminderLine(
        method=entry.method, account_no=account.account_no, customer_name=account.customer.name,
        phone=account.customer.phone, address=account.address, village=village.name if village else "",
        grid_staff=collector, due_on=due_on, owed_fen=owed_fen,
    )


def _open_call(*, entry: ChronicPayer, staff_id: int | None, day: date, at: datetime) -> int:
    before = entry.account.call_tasks.filter(reason=CallReason.PAYMENT_REMINDER, due_on=day).exists()
    open_call_task(account_id=entry.account_id, grid_staff_id=staff_id, reason=CallReason.PAYMENT_REMINDER,
                   due_on=day, at=at)
    return 0 if before else 1


def _monthly(*, day: date, at: datetime, policy: SupplyPolicy, run: ReminderRun) -> None:
    reminders = [r for r in PaymentReminder.objects.filter(active=True, account__status=AccountStatus.ACTIVE)
                 .select_related("account__ledger_account").order_by("account__account_no")
                 if day_in_month(month=month_of(day), day_of_month=r.day_of_month) == day]
    owed = dict(PostpaidBill.objects.filter(account_id__in=[r.account_id for r in reminders], paid_off_on__isnull=True)
                .values("account_id").annotate(owed=Sum(OWED_ON_BILL)).values_list("account_id", "owed"))
    for reminder in reminders:
        account = reminder.account
        phones = [reminder.phone] if reminder.phone else account_contacts(account_id=account.id).phones
        if not phones:
            run.without_phone.append(account.account_no)
            continue
        if account.mode == AccountMode.PREPAID:
            phrase = f"可用余额{format_yuan(account.ledger_account.balance_fen)}元，"
        else:
            fen = int(owed.get(account.id) or 0)
            phrase = f"应交电费{format_yuan(fen)}元，" if fen > 0 else "，"
        run.monthly_sms += queue_sms(
            key=f"payment_reminder:{account.id}:{day:%Y-%m}", phones=phones, kind="payment_reminder",
            params={"account_no": account.account_no, "balance_phrase": phrase}, account_id=account.id,
            policy=policy, at=at)
