"""Marks an account protected (保电) or releases it, with the reason and an audit record (RULES §6)."""

from datetime import datetime

from django.db import transaction

from gridpay.application.errors import InvalidInput, UnknownAccount
from gridpay.data.models import Account, AuditRecord
from gridpay.domain.texts import gettext_noop


def set_protected(*, account_no: str, protected: bool, reason: str, actor: str, at: datetime) -> None:
    """A protected account is never disconnected automatically: the send-time re-check holds even a queued one."""
    reason = reason.strip()
    if protected and not reason:
        raise InvalidInput(gettext_noop("保电必须写明原因（如独居老人、医疗设备、学校）"), field="reason")
    with transaction.atomic():
        account = Account.objects.select_for_update().filter(account_no=account_no.strip()).first()
        if account is None:
            raise UnknownAccount(gettext_noop("没有户号 {account_no}"), field="account_no",
                                 params={"account_no": account_no})
        old = {"protected": account.protected, "protected_reason": account.protected_reason}
        account.protected, account.protected_reason = protected, reason[:100] if protected else ""
        account.save(update_fields=["protected", "protected_reason"])
        AuditRecord.objects.create(
            at=at, actor=actor[:100], action="account.protected", target=f"account:{account.account_no}", old=old,
            new={"protected": account.protected, "protected_reason": account.protected_reason}, note=reason[:500],
        )
