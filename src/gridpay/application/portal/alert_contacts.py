"""Who receives an account's SMS alerts, as the customer sets it in the portal: add a mobile, stop one."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from gridpay.application.errors import InvalidInput, NotFound
from gridpay.application.portal.my_accounts import owned_account
from gridpay.data.models import AuditRecord, Contact
from gridpay.domain.phone_numbers import InvalidPhone, normalised_phone
from gridpay.domain.portal_sign_in import mask_phone
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class AlertContact:
    contact_id: int
    name: str
    phone_masked: str
    role: str
    receives_sms: bool
    is_you: bool


def alert_contacts(*, phone: str, account_no: str) -> list[AlertContact]:
    account = owned_account(phone=phone, account_no=account_no)
    return [
        AlertContact(c.id, c.name, mask_phone(c.phone), Contact.Role(c.role).label, c.receives_sms, c.phone == phone)
        for c in Contact.objects.filter(account=account).order_by("id")
    ]


def add_alert_contact(*, phone: str, account_no: str, name: str, new_phone: str, role: str, at: datetime) -> None:
    try:
        new_phone = normalised_phone(new_phone, mobile_only=True)  # it receives SMS
    except InvalidPhone:
        raise InvalidInput(gettext_noop("请填写 11 位手机号"), field="phone") from None
    if role not in Contact.Role.values:
        raise InvalidInput(gettext_noop("身份应为户主、租户或其他"), field="role")
    with transaction.atomic():
        account = owned_account(phone=phone, account_no=account_no)
        contact, created = Contact.objects.get_or_create(
            account=account, phone=new_phone,
            defaults={"name": name.strip()[:100] or "联系人", "role": role, "receives_sms": True},
        )
        if not created:
            contact.receives_sms = True
            contact.save(update_fields=["receives_sms"])
        _audit(phone, account.account_no, "portal.sms_contact.add", new_phone, at)


def stop_alert_contact(*, phone: str, account_no: str, contact_id: int, at: datetime) -> None:
    """At least one phone keeps receiving the account's alerts: a balance nobody hears about is a surprise cut."""
    with transaction.atomic():
        account = owned_account(phone=phone, account_no=account_no)
        contact = Contact.objects.select_for_update().filter(account=account, id=contact_id).first()
        if contact is None:
            raise NotFound(gettext_noop("没有这个联系人"), field="contact")
        others = Contact.objects.filter(account=account, receives_sms=True).exclude(id=contact.id).count()
        if others == 0:
            raise InvalidInput(gettext_noop("至少要有一个手机号接收提醒短信"), field="contact")
        contact.receives_sms = False
        contact.save(update_fields=["receives_sms"])
        _audit(phone, account.account_no, "portal.sms_contact.stop", contact.phone, at)


def _audit(phone: str, account_no: str, action: str, subject: str, at: datetime) -> None:
    AuditRecord.objects.create(at=at, actor=f"客户 {mask_phone(phone)}", action=action, target=f"account:{account_no}",
                               new={"phone": mask_phone(subject)})
