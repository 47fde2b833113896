"""Opens an arrears case (停电催费案件) for each postpaid account with a bill unpaid after its due date."""

from datetime import date, datetime

from django.db import transaction
from django.db.models import F

from gridpay.data import postpaid_store
from gridpay.data.models import Account, AccountMode, ArrearsCase, PostpaidBill
from gridpay.data.models.accounts import AccountStatus
from gridpay.domain.arrears_procedure import Stage
from gridpay.domain.late_fees import CustomerCategory


def open_arrears_cases(*, day: date, at: datetime) -> int:
    """Cases opened: one per account overdue on ``day`` that has none open. Opening one changes nothing for the
    customer: it starts the list of notices the collector serves, and nothing can be skipped from there."""
    overdue = PostpaidBill.objects.filter(
        paid_off_on__isnull=True, due_on__lt=day, principal_paid_fen__lt=F("amount_fen"),
        account__mode=AccountMode.POSTPAID, account__status=AccountStatus.ACTIVE,
    ).values_list("account_id", flat=True).distinct()
    with transaction.atomic():
        already = set(ArrearsCase.objects.filter(closed_at__isnull=True, reconnected_at__isnull=True)
                      .values_list("account_id", flat=True))
        arrears = postpaid_store.arrears_by_account(set(overdue) - already, day=day)
        cases = [
            ArrearsCase(account=account, stage=Stage.OVERDUE.value,
                        residential=account.category == CustomerCategory.RESIDENTIAL,
                        important=account.important, opened_at=at, opened_fen=arrears[account.id])
            for account in Account.objects.filter(id__in=list(arrears)).order_by("id")
        ]
        ArrearsCase.objects.bulk_create(cases)
    return len(cases)
