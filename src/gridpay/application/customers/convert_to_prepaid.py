"""Converts a postpaid account to smart payment (转为智能交费) from the day after its last reading day.

The account keeps its open postpaid bills: a payment pays them first (ADR 0015), then the rest is its prepaid
balance. What its postpaid bills already counted in the tier period keeps counting toward the tiers.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from gridpay.application.errors import UnknownAccount
from gridpay.data.models import Account, AccountMode, ArrearsCase, AuditRecord, PostpaidBill
from gridpay.data.tariff_store import load_tariff
from gridpay.domain.errors import DomainError
from gridpay.domain.postpaid_bills import tier_period_start
from gridpay.domain.texts import gettext_noop


class ConversionRefused(DomainError):
    code = "conversion_refused"


@dataclass(frozen=True)
class Converted:
    account_no: str
    prepaid_since: date
    opening_period_used_kwh: Decimal
    open_bills: int  # postpaid bills still owed, paid first by the next payments


def convert_to_prepaid(*, account_no: str, since: date | None, actor: str, at: datetime, today: date) -> Converted:
    """``since`` is the first day settled daily: the day after the last bill's reading day (its energy up to then
    is billed postpaid), or, for an account never billed, a day from today on."""
    with transaction.atomic():
        account = Account.objects.select_for_update().select_related("tariff").filter(
            account_no=account_no.strip()).first()
        if account is None:
            raise UnknownAccount(gettext_noop("没有户号 {account_no}"), field="account",
                                 params={"account_no": account_no})
        if account.mode != AccountMode.POSTPAID:
            raise ConversionRefused(gettext_noop("户号 {account_no} 已是智能交费户"), field="account",
                                    params={"account_no": account.account_no})
        if ArrearsCase.objects.filter(account=account, closed_at__isnull=True, reconnected_at__isnull=True).exists():
            # The procedure under way is the postpaid one; a conversion in the middle would leave it with no rules.
            raise ConversionRefused(gettext_noop("户号 {account_no} 正在停电催费程序中：请先交清逾期电费"),
                                    field="account", params={"account_no": account.account_no})
        last = PostpaidBill.objects.filter(account=account).order_by("-reading_date").first()
        first_day = last.reading_date + timedelta(days=1) if last else since
        if first_day is None or (since is not None and since != first_day) or (last is None and first_day < today):
            raise ConversionRefused(
                gettext_noop("智能交费应自最近一次抄表日的次日 {first_day} 起（没有电费单的户自今天或以后起）"),
                field="since", params={"first_day": first_day or today},
            )
        tariff = load_tariff(account.tariff.code)
        period_start = tier_period_start(tariff=tariff, reading_date=first_day)
        billed = PostpaidBill.objects.filter(account=account, reading_date__gte=period_start,
                                             reading_date__lt=first_day).aggregate(kwh=Sum("energy_kwh"))["kwh"]
        used = Decimal(billed or 0).quantize(Decimal("0.01"))  # SQLite sums drop the scale
        account.mode, account.prepaid_since, account.opening_period_used_kwh = AccountMode.PREPAID, first_day, used
        account.save(update_fields=["mode", "prepaid_since", "opening_period_used_kwh"])
        open_bills = PostpaidBill.objects.filter(account=account, paid_off_on__isnull=True).count()
        AuditRecord.objects.create(
            at=at, actor=actor[:100], action="account.convert_to_prepaid", target=f"account:{account.account_no}",
            old={"mode": AccountMode.POSTPAID.value},
            new={"mode": AccountMode.PREPAID.value, "prepaid_since": first_day.isoformat(),
                 "opening_period_used_kwh": str(used), "open_bills": open_bills},
        )
        return Converted(account_no=account.account_no, prepaid_since=first_day, opening_period_used_kwh=used,
                         open_bills=open_bills)
