"""The month's figures behind the monthly report (RULES §12)."""

from datetime import date, datetime

from django.db.models import Count, Sum

from gridpay.data.models import (
    Account,
    MeterCommand,
    Notification,
    Payment,
    ReconnectCase,
    SmartPaymentAgreement,
)
from gridpay.data.models.accounts import AccountStatus


def arrears_since_list() -> list[tuple[datetime | None, int]]:
    """(arrears since, balance fen) of every active account below zero."""
    return list(
        Account.objects.filter(status=AccountStatus.ACTIVE, ledger_account__balance_fen__lt=0).values_list(
            "arrears_since", "ledger_account__balance_fen"
        )
    )


def confirmed_commands(*, action: str, start: datetime, end: datetime) -> int:
    return MeterCommand.objects.filter(
        action=action, status="confirmed", created_at__gte=start, created_at__lt=end
    ).count()


def reconnection_times(*, start: datetime, end: datetime) -> list[float]:
    """Seconds from payment to confirmed reconnection, for the cases confirmed in the period."""
    return [
        (confirmed - opened).total_seconds()
        for opened, confirmed in ReconnectCase.objects.filter(
            confirmed_at__gte=start, confirmed_at__lt=end
        ).values_list("opened_at", "confirmed_at")
        if confirmed is not None
    ]


def sms_by_kind(*, start: datetime, end: datetime) -> dict[str, int]:
    rows = (
        Notification.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(kind="sign_in_code")
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {kind: n for kind, n in rows}


def agreements(*, first_day: date, last_day: date) -> tuple[int, int, int]:
    """Signed in the month, signed by its end, active accounts now."""
    in_month = SmartPaymentAgreement.objects.filter(signed_on__gte=first_day, signed_on__lte=last_day).count()
    by_end = SmartPaymentAgreement.objects.filter(signed_on__lte=last_day).count()
    return in_month, by_end, Account.objects.filter(status=AccountStatus.ACTIVE).count()


def paid_fen(*, first_day: date, last_day: date) -> int:
    total = Payment.objects.filter(business_day__gte=first_day, business_day__lte=last_day).aggregate(
        s=Sum("amount_fen"))["s"]
    return int(total or 0)
