"""A household asks for the monthly payment reminder of seed 003 (每月交费温馨提示), changes its day, or stops it."""

from datetime import datetime

from django.db import transaction

from gridpay.application.errors import InvalidInput, NotAllowed, UnknownAccount
from gridpay.data.models import Account, AuditRecord, PaymentReminder
from gridpay.domain.phone_numbers import normalised_phone
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.domain.texts import gettext_noop


def set_payment_reminder(
    *, account_no: str, day_of_month: int | None, phone: str, stop: bool, actor: str, roles: set[Role], at: datetime,
) -> PaymentReminder:
    """Opt-in per account: ``day_of_month`` (1–28) and the mobile to text (empty: the account's own SMS phones);
    ``stop`` switches it off and keeps the row."""
    if not may(roles, Action.KEEP_CHRONIC_FILE):
        raise NotAllowed(gettext_noop("只有网格员、班长和所长可以登记每月交费提醒"), field="as")
    with transaction.atomic():
        account = Account.objects.filter(account_no=account_no.strip()).first()
        if account is None:
            raise UnknownAccount(gettext_noop("没有户号 {account_no}"), field="account",
                                 params={"account_no": account_no})
        reminder = PaymentReminder.objects.select_for_update().filter(account=account).first()
        old = {} if reminder is None else {"day_of_month": reminder.day_of_month, "phone": reminder.phone,
                                           "active": reminder.active}
        if stop:
            if reminder is None:
                raise InvalidInput(gettext_noop("户号 {account_no} 没有登记每月交费提醒"), field="account",
                                   params={"account_no": account.account_no})
            reminder.active = False
        else:
            if day_of_month is None or not 1 <= day_of_month <= 28:
                raise InvalidInput(gettext_noop("每月提醒日应在 1 到 28 之间"), field="day")
            mobile = normalised_phone(phone, mobile_only=True) if phone.strip() else ""
            if reminder is None:
                reminder = PaymentReminder(account=account, created_by=actor[:100], created_at=at,
                                           day_of_month=day_of_month)
            reminder.day_of_month, reminder.phone, reminder.active = day_of_month, mobile, True
        reminder.updated_at = at
        reminder.save()
        AuditRecord.objects.create(at=at, actor=actor[:100], action="collection.payment_reminder",
                                   target=f"account:{account.account_no}", old=old,
                                   new={"day_of_month": reminder.day_of_month, "phone": reminder.phone,
                                        "active": reminder.active})
        return reminder
