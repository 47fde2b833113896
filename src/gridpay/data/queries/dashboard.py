"""The station's figures for the dashboard: counts and daily sums, each one query."""

from datetime import date, datetime

from django.db.models import Count, Min, Q, Sum

from gridpay.data.models import Account, ArrearsCase, Notification, PostpaidBill, ReconnectCase, Settlement
from gridpay.data.models.accounts import AccountStatus
from gridpay.data.postpaid_store import OWED_ON_BILL
from gridpay.data.queries.reports import takings_by


def accounts_by_mode() -> dict[str, int]:
    rows = Account.objects.filter(status=AccountStatus.ACTIVE).values_list("mode").annotate(n=Count("id")).order_by()
    return {mode: n for mode, n in rows}


def accounts_below_zero() -> tuple[int, int]:
    """How many active accounts have a balance below zero, and their arrears in fen (a positive number)."""
    row = Account.objects.filter(status=AccountStatus.ACTIVE, ledger_account__balance_fen__lt=0).aggregate(
        n=Count("id"), owed=Sum("ledger_account__balance_fen")
    )
    return int(row["n"] or 0), -int(row["owed"] or 0)


def disconnected_now() -> int:
    return Account.objects.filter(status=AccountStatus.ACTIVE, supply_state="disconnected").count()


def reconnections_pending(*, now: datetime) -> tuple[int, int, datetime | None]:
    """Open reconnections, prepaid (a payment's reconnection case) and postpaid (an arrears case's reconnection
    ticket), those past their 24-hour commitment, and when the oldest was opened."""
    prepaid = ReconnectCase.objects.filter(confirmed_at__isnull=True).aggregate(
        n=Count("id"), overdue=Count("id", filter=Q(due_by__lt=now)), oldest=Min("opened_at")
    )
    # A remote one is followed by its ReconnectCase too: only the field ones are counted here.
    postpaid = ArrearsCase.objects.filter(reconnection_at__isnull=False, reconnected_at__isnull=True,
                                          reconnect_command__isnull=True).aggregate(
        n=Count("id"), overdue=Count("id", filter=Q(reconnection_due_by__lt=now)), oldest=Min("reconnection_at")
    )
    oldest = min((t for t in (prepaid["oldest"], postpaid["oldest"]) if t is not None), default=None)
    return (int(prepaid["n"] or 0) + int(postpaid["n"] or 0),
            int(prepaid["overdue"] or 0) + int(postpaid["overdue"] or 0), oldest)


def postpaid_arrears(*, today: date) -> tuple[int, int]:
    """Open arrears cases of postpaid accounts, and their arrears: bills past their due date with their late fees."""
    cases = ArrearsCase.objects.filter(closed_at__isnull=True, reconnected_at__isnull=True).count()
    owed = PostpaidBill.objects.filter(paid_off_on__isnull=True, due_on__lt=today).aggregate(
        owed=Sum(OWED_ON_BILL))["owed"]
    return cases, int(owed or 0)


def sms_since(*, since: datetime) -> dict[str, int]:
    rows = Notification.objects.filter(created_at__gte=since).values_list("status").annotate(n=Count("id")).order_by()
    return {status: n for status, n in rows}


def payments_by_channel(*, first_day: date, last_day: date) -> dict[str, tuple[int, int]]:
    """(payments, fen) per channel, net of voids and reversals (reports.takings_by)."""
    return takings_by("channel", first_day=first_day, last_day=last_day)


def daily_settled(*, first_day: date, last_day: date) -> dict[date, tuple[int, str]]:
    """Per day: the money settled (fen) and the energy (kWh, as text to keep its decimals)."""
    rows = (
        Settlement.objects.filter(day__gte=first_day, day__lte=last_day)
        .values_list("day")
        .annotate(fen=Sum("charge_fen"), kwh=Sum("energy_kwh"))
        .order_by("day")
    )
    return {day: (int(fen or 0), str(kwh or 0)) for day, fen, kwh in rows}


def daily_payments(*, first_day: date, last_day: date) -> dict[date, int]:
    """Fen per business day, net of voids and reversals (reports.takings_by)."""
    return {day: fen for day, (_, fen) in takings_by("business_day", first_day=first_day, last_day=last_day).items()}


def settled_fen(*, first_day: date, last_day: date) -> int:
    total = Settlement.objects.filter(day__gte=first_day, day__lte=last_day).aggregate(fen=Sum("charge_fen"))["fen"]
    return int(total or 0)
