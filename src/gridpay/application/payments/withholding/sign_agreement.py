"""Binds a bank account (by the bank's token) to an electricity account for auto-recharge; one active per account."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from gridpay.application.errors import InvalidInput, NotFound
from gridpay.data.models import Account, AuditRecord, WithholdingAgreement
from gridpay.domain.agents import mask_name
from gridpay.domain.payments import check_amount_fen
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class Agreement:
    agreement_id: int
    account_no: str
    bank_code: str
    holder_name: str
    threshold_fen: int
    amount_fen: int


def sign_agreement(
    *, account_no: str, bank_code: str, account_token: str, holder_name: str, threshold_fen: int, amount_fen: int,
    by: str, at: datetime,
) -> Agreement:
    """A new agreement replaces the account's active one (a customer changing banks or amounts)."""
    check_amount_fen(amount_fen)
    if threshold_fen < 0:
        raise InvalidInput(gettext_noop("代扣触发余额不能为负"), field="threshold_fen")
    for value, field in ((bank_code, "bank_code"), (account_token, "account_token"), (holder_name, "holder_name")):
        if not value.strip():
            raise InvalidInput(gettext_noop("{field} 不能为空"), field=field, params={"field": field})
    with transaction.atomic():
        account = Account.objects.filter(account_no=account_no.strip()).first()
        if account is None:
            raise NotFound(gettext_noop("没有户号 {account_no}"), field="account_no", params={"account_no": account_no})
        old = list(WithholdingAgreement.objects.select_for_update().filter(account=account, active=True))
        WithholdingAgreement.objects.filter(id__in=[a.id for a in old]).update(active=False, cancelled_at=at)
        agreement = WithholdingAgreement.objects.create(
            account=account, bank_code=bank_code.strip(), account_token=account_token.strip(),
            holder_name=mask_name(holder_name), threshold_fen=threshold_fen, amount_fen=amount_fen, signed_at=at,
        )
        AuditRecord.objects.create(
            at=at, actor=by.strip()[:100] or "系统", action="withholding.sign",
            target=f"withholding_agreement:{agreement.id}",
            old={"replaced": [a.id for a in old]},
            new={"account_no": account.account_no, "bank_code": agreement.bank_code,
                 "threshold_fen": threshold_fen, "amount_fen": amount_fen},
        )
    return Agreement(agreement.id, account.account_no, agreement.bank_code, agreement.holder_name, threshold_fen,
                     amount_fen)
