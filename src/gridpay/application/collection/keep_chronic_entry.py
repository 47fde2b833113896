"""Records how a household in the chronic late payers' file is reminded: the method that works for it, the relative's
or neighbour's name and mobile, its own due day, a note. Written to the audit trail."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from gridpay.application.errors import InvalidInput, NotAllowed, NotFound
from gridpay.data.models import AuditRecord, ChronicPayer
from gridpay.domain.chronic_payers import ContactRelation, ReminderMethod, check_method
from gridpay.domain.phone_numbers import normalised_phone
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class EntryChange:
    """What the staff change; None leaves a column as it is."""

    method: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_relation: str | None = None
    due_day: int | None = None
    note: str | None = None


KEPT = ("method", "contact_name", "contact_phone", "contact_relation", "due_day", "note")


def keep_chronic_entry(*, account_no: str, change: EntryChange, actor: str, roles: set[Role], at: datetime) -> None:
    if not may(roles, Action.KEEP_CHRONIC_FILE):
        raise NotAllowed(gettext_noop("只有网格员、班长和所长可以维护长期延时交费档案"), field="as")
    with transaction.atomic():
        entry = ChronicPayer.objects.select_for_update().filter(account__account_no=account_no.strip()).first()
        if entry is None:
            raise NotFound(gettext_noop("户号 {account_no} 不在长期延时交费档案中"), field="account",
                           params={"account_no": account_no})
        old = {name: getattr(entry, name) for name in KEPT}
        if change.method is not None:
            if change.method not in ReminderMethod.__members__.values():
                choices = "、".join(f"{m.value}（{m.label}）" for m in ReminderMethod)
                raise InvalidInput(gettext_noop("提醒方式应为 {choices} 之一"), field="method",
                                   params={"choices": choices})
            entry.method = change.method
        if change.contact_name is not None:
            entry.contact_name = change.contact_name.strip()[:50]
        if change.contact_phone is not None:
            # The relative or neighbour gets an SMS: a mobile, checked like every phone gridpay keeps.
            entry.contact_phone = (normalised_phone(change.contact_phone, mobile_only=True)
                                   if change.contact_phone.strip() else "")
        if change.contact_relation is not None:
            if change.contact_relation and change.contact_relation not in ContactRelation.__members__.values():
                choices = "、".join(f"{r.value}（{r.label}）" for r in ContactRelation)
                raise InvalidInput(gettext_noop("关系应为 {choices} 之一"), field="relation",
                                   params={"choices": choices})
            entry.contact_relation = change.contact_relation
        if change.due_day is not None:
            if not 1 <= change.due_day <= 28:
                raise InvalidInput(gettext_noop("每月交费日应在 1 到 28 之间"), field="due_day")
            entry.due_day = change.due_day
        if change.note is not None:
            entry.note = change.note.strip()[:500]
        check_method(method=ReminderMethod(entry.method), contact_name=entry.contact_name,
                     contact_phone=entry.contact_phone)
        entry.updated_by, entry.updated_at = actor[:100], at
        entry.save(update_fields=[*KEPT, "updated_by", "updated_at"])
        AuditRecord.objects.create(at=at, actor=actor[:100], action="collection.chronic_entry",
                                   target=f"chronic_payer:{entry.id}", old=old,
                                   new={name: getattr(entry, name) for name in KEPT})
