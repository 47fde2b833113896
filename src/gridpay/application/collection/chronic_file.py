"""The chronic late payers' file as staff read it: each entry's figures, why it is there, and how it is reminded."""

from dataclasses import dataclass
from datetime import date

from gridpay.data.models import ChronicPayer
from gridpay.domain.chronic_payers import ContactRelation, ReminderMethod
from gridpay.domain.texts import label_of


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


def chronic_file(*, village: str = "", include_left: bool = False) -> list[ChronicEntry]:
    entries = ChronicPayer.objects.select_related("account__customer", "account__village__grid_staff")
    if not include_left:
        entries = entries.filter(current=True)
    if village.strip():
        entries = entries.filter(account__village__name=village.strip())
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
            due_day=e.due_day, note=e.note,
        )
        for e in entries.order_by("account__village__name", "account__account_no")
    ]
