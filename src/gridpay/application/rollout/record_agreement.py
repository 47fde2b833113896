"""Records an account's smart-payment agreement (智能交费协议): when, how (on site or door to door), by whom."""

from datetime import date, datetime

from django.db import transaction

from gridpay.application.errors import InvalidInput, UnknownAccount
from gridpay.data.models import Account, AuditRecord, SmartPaymentAgreement
from gridpay.data.models.rollout import AgreementMethod
from gridpay.domain.texts import gettext_noop


def record_agreement(
    *, account_no: str, signed_on: date, method: str, staff_name: str, actor: str, at: datetime, today: date
) -> None:
    if method not in AgreementMethod.values:
        raise InvalidInput(gettext_noop("签订方式应为现场集中签订或入户签订"), field="method")
    if signed_on > today:
        raise InvalidInput(gettext_noop("签订日期不能晚于今天"), field="signed_on")
    if not staff_name.strip():
        raise InvalidInput(gettext_noop("请写明经办人"), field="staff_name")
    with transaction.atomic():
        account = Account.objects.select_for_update().filter(account_no=account_no.strip()).first()
        if account is None:
            raise UnknownAccount(gettext_noop("没有户号 {account_no}"), field="account_no",
                                 params={"account_no": account_no})
        old = SmartPaymentAgreement.objects.filter(account=account).values("signed_on", "method", "staff_name").first()
        SmartPaymentAgreement.objects.update_or_create(
            account=account,
            defaults={
                "signed_on": signed_on, "method": method, "staff_name": staff_name.strip()[:50], "recorded_at": at
            },
        )
        AuditRecord.objects.create(
            at=at, actor=actor[:100], action="rollout.agreement", target=f"account:{account.account_no}",
            old={k: str(v) for k, v in (old or {}).items()},
            new={"signed_on": signed_on.isoformat(), "method": method, "staff_name": staff_name.strip()},
        )
