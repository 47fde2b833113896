"""The chronic late payers' file as staff read it: each entry's figures, why it is there, and how it is reminded."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Min

from gridpay.application.errors import NotFound
from gridpay.data.models import ChronicPayer, PostpaidBill, Village
from gridpay.data.models.accounts import AccountMode
from gridpay.data.settings import gridpay_settings
from gridpay.domain.chronic_payers import ContactRelation, ReminderMethod, next_prepaid_due, reminder_date
from gridpay.domain.texts import gettext_noop, label_of


@dataclass(frozen=True)
class ChronicEntry:
    account_no: str
    customer_name: str
    mode: str
    village: str
    grid_staff: str
    current: bool
    late_months: tuple[str, ...]
    disconnections: int
    reason: str
    first_listed_on: date
    listed_on: date
    left_on: date | None
    method: str  # the code
    method_label: str
    contact_name: str
    contact_phone: str
    contact_relation: str  # the label, "" when not given
    due_day: int | None
    note: str
    next_due_on: date | None  # postpaid: the next unpaid bill's due date; prepaid: its fixed day (None: nothing due)
    reminder_on: date | None  # GRIDPAY_CHRONIC_REMINDER_DAYS before it


def chronic_file(*, day: date, village: str = "", include_left: bool = False) -> list[ChronicEntry]:
    """The file, with each household's next due date on or after ``day``'s reminder and the day it is reminded."""
    if village.strip() and not Village.objects.filter(name=village.strip()).exists():
        raise NotFound(gettext_noop("没有名为 {village} 的村/社区"), field="village", params={"village": village})
    settings = gridpay_settings()
    before = settings.chronic_reminder_days
    entries = list(_entries(village=village, include_left=include_left))
    bills = dict(PostpaidBill.objects.filter(
        account_id__in=[e.account_id for e in entries], paid_off_on__isnull=True,
        due_on__gte=day + timedelta(days=before),
    ).values("account_id").annotate(next_due=Min("due_on")).values_list("account_id", "next_due"))

    def next_due(entry: ChronicPayer) -> date | None:
        if entry.account.mode == AccountMode.POSTPAID:
            return bills.get(entry.account_id)
        return next_prepaid_due(day=day, due_day=entry.due_day or settings.chronic_prepaid_due_day,
                                days_before=before)

    dues = {e.account_id: next_due(e) for e in entries}
    return [
        ChronicEntry(
            account_no=e.account.account_no, customer_name=e.account.customer.name, mode=e.account.mode,
            village=e.account.village.name if e.account.village else "",
            grid_staff=e.account.village.grid_staff.name if e.account.village and e.account.village.grid_staff else "",
            current=e.current, late_months=tuple(e.late_months), disconnections=e.disconnections, reason=e.reason,
            first_listed_on=e.first_listed_on, listed_on=e.listed_on, left_on=e.left_on, method=e.method,
            method_label=label_of(ReminderMethod, e.method), contact_name=e.contact_name,
            contact_phone=e.contact_phone,
            contact_relation=label_of(ContactRelation, e.contact_relation) if e.contact_relation else "",
            due_day=e.due_day, note=e.note, next_due_on=dues[e.account_id],
            reminder_on=_reminder(dues[e.account_id], before),
        )
        for e in entries
    ]


def _reminder(due: date | None, days_before: int) -> date | None:
    return None if due is None else reminder_date(due_on=due, days_before=days_before)


def _entries(*, village: str, include_left: bool) -> list[ChronicPayer]:
    entries = ChronicPayer.objects.select_related("account__customer", "account__village__grid_staff")
    if not include_left:
        entries = entries.filter(current=True)
    if village.strip():
        entries = entries.filter(account__village__name=village.strip())
    return list(entries.order_by("account__village__name", "account__account_no"))
