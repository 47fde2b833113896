"""Everything the console shows about one account: figures, usage, ledger, payments, alerts, commands, calls."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from gridpay.application.customers.replace_meter import tou_registers_in_service
from gridpay.application.customers.show_account import AccountView, show_account
from gridpay.data.models import Account, SmartPaymentAgreement
from gridpay.data.models.rollout import AgreementMethod
from gridpay.data.queries import customers as queries

USAGE_DAYS = 30


@dataclass(frozen=True)
class CustomerFile:
    account: AccountView
    address: str
    phone: str
    usage: list[queries.UsageDay]
    tou_periods: list[str]  # the registers of the meter in service beyond its total (for a replacement)
    statement: list[queries.StatementRow]
    payments: list[queries.PaymentLine]
    notifications: list[tuple[datetime | None, str, str, str]]  # sent at (none: not yet), kind, status, text
    commands: list[tuple[datetime, str, str, str, int]]
    calls: list[tuple[date, str, str, str]]
    agreements: list[tuple[str, str, int, int, bool]]
    smart_payment_agreement: tuple[date, str, str] | None  # signed on, method label, staff


def customer_file(*, account_no: str, today: date) -> CustomerFile:
    view = show_account(account_no=account_no)
    row = Account.objects.select_related("customer").get(account_no=view.account_no)
    return CustomerFile(
        account=view,
        address=row.address,
        phone=row.customer.phone,
        usage=queries.daily_usage(account_id=row.id, first_day=today - timedelta(days=USAGE_DAYS)),
        statement=queries.ledger_statement(ledger_account_id=row.ledger_account_id, limit=30),
        payments=queries.recent_payments(account_id=row.id, limit=20),
        notifications=queries.recent_notifications(account_id=row.id, limit=20),
        commands=queries.recent_meter_commands(account_id=row.id, limit=10),
        calls=queries.call_tasks(account_id=row.id, limit=10),
        agreements=queries.withholding_agreements(account_id=row.id),
        smart_payment_agreement=_agreement(row.id),
        tou_periods=tou_registers_in_service(account_id=row.id),
    )


def _agreement(account_id: int) -> tuple[date, str, str] | None:
    found = SmartPaymentAgreement.objects.filter(account_id=account_id).first()
    if found is None:
        return None
    return found.signed_on, AgreementMethod(found.method).label, found.staff_name
