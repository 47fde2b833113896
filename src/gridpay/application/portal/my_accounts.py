"""What a signed-in person may see: the accounts whose SMS phone is theirs (a landlord sees all of them)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q

from gridpay.application.customers.show_account import AccountView, show_account
from gridpay.application.errors import NotFound
from gridpay.data.models import Account, Notification, Payment
from gridpay.data.models.accounts import AccountStatus
from gridpay.data.queries.customers import UsageDay, daily_usage
from gridpay.domain.texts import gettext_noop

USAGE_DAYS = 30


def _mine(phone: str) -> Q:
    return Q(customer__phone=phone) | Q(contacts__phone=phone, contacts__receives_sms=True)


def my_accounts(*, phone: str) -> list[AccountView]:
    numbers = (
        Account.objects.filter(_mine(phone), status=AccountStatus.ACTIVE)
        .distinct()
        .order_by("account_no")
        .values_list("account_no", flat=True)
    )
    return [show_account(account_no=number) for number in numbers]


@dataclass(frozen=True)
class PortalAccount:
    account: AccountView
    address: str
    usage: list[UsageDay]
    unusual_usage: list[tuple[datetime, str]]  # the notices sent, newest first
    payments: list[tuple[datetime, str, int]]


def owned_account(*, phone: str, account_no: str) -> Account:
    """The account if the phone may see it; NotFound for someone else's exactly as for one that does not exist."""
    found = Account.objects.filter(_mine(phone), account_no=account_no.strip()).distinct().first()
    if found is None:
        raise NotFound(gettext_noop("没有这个户号，或它不属于您"), field="account_no")
    return found


def portal_account(*, phone: str, account_no: str, today: date) -> PortalAccount:
    """NotFound for an account that is not theirs, exactly as for one that does not exist."""
    row = owned_account(phone=phone, account_no=account_no)
    usage = daily_usage(account_id=row.id, first_day=today - timedelta(days=USAGE_DAYS))
    notices = list(
        Notification.objects.filter(account=row, kind="unusual_usage")
        .order_by("-created_at")
        .values_list("created_at", "text")[:3]
    )
    payments = list(
        Payment.objects.filter(account=row).order_by("-received_at").values_list("received_at", "channel",
                                                                                 "amount_fen")[:20]
    )
    return PortalAccount(show_account(account_no=row.account_no), row.address, usage, notices, payments)
