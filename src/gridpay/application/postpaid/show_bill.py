"""One postpaid bill as the customer and the counter see it: energy, charge lines, due date, paid, late fee, owed."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from gridpay.application.errors import UnknownAccount
from gridpay.data.models import Account, PostpaidBill
from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop


class NoSuchBill(DomainError):
    code = "no_such_bill"
    http_status = 404


@dataclass(frozen=True)
class BillLine:
    tier: int
    period: str
    energy_kwh: Decimal
    price: Decimal
    amount_micro_yuan: int


@dataclass(frozen=True)
class PostpaidBillView:
    kind: str  # "postpaid"
    bill_no: str
    account_no: str
    category: str
    month: date
    period_from: date
    reading_date: date
    energy_kwh: Decimal
    tariff_code: str
    lines: tuple[BillLine, ...]
    amount_fen: int
    issued_on: date
    due_on: date
    principal_paid_fen: int
    late_fee_fen: int
    late_fee_through: date | None
    late_fee_paid_fen: int
    late_fee_waived_fen: int
    owed_fen: int
    paid_off_on: date | None


def postpaid_bill_of(*, account_no: str, month: date) -> PostpaidBillView | None:
    """The account's postpaid bill of ``month``; None when it has none (a prepaid month, or not issued yet)."""
    account = Account.objects.filter(account_no=account_no.strip()).only("id").first()
    if account is None:
        raise UnknownAccount(gettext_noop("没有户号 {account_no}"), field="account", params={"account_no": account_no})
    bill = PostpaidBill.objects.filter(account=account, month=month.replace(day=1)).select_related("account").first()
    return None if bill is None else view_of(bill)


def postpaid_bills(*, account_no: str, limit: int = 24) -> list[PostpaidBillView]:
    """The account's postpaid bills, newest first: every one still owed, and the last ``limit`` months."""
    account = Account.objects.filter(account_no=account_no.strip()).only("id").first()
    if account is None:
        raise UnknownAccount(gettext_noop("没有户号 {account_no}"), field="account", params={"account_no": account_no})
    bills = PostpaidBill.objects.filter(account=account).select_related("account")
    recent = {bill.id: bill for bill in bills.order_by("-month")[:limit]}
    recent.update({bill.id: bill for bill in bills.filter(paid_off_on__isnull=True)})
    return [view_of(bill) for bill in sorted(recent.values(), key=lambda bill: bill.month, reverse=True)]


def postpaid_bill(*, bill_no: str) -> PostpaidBillView:
    bill = PostpaidBill.objects.filter(bill_no=bill_no.strip()).select_related("account").first()
    if bill is None:
        raise NoSuchBill(gettext_noop("没有电费单 {bill_no}"), field="bill", params={"bill_no": bill_no})
    return view_of(bill)


def view_of(bill: PostpaidBill) -> PostpaidBillView:
    late_fee_owed = bill.late_fee_fen - bill.late_fee_paid_fen - bill.late_fee_waived_fen
    return PostpaidBillView(
        kind="postpaid",
        bill_no=bill.bill_no,
        account_no=bill.account.account_no,
        category=bill.account.category,
        month=bill.month,
        period_from=bill.period_from,
        reading_date=bill.reading_date,
        energy_kwh=bill.energy_kwh,
        tariff_code=bill.tariff_code,
        lines=tuple(
            BillLine(tier=line["tier"], period=line["period"], energy_kwh=Decimal(line["energy_kwh"]),
                     price=Decimal(line["price"]), amount_micro_yuan=line["amount_micro_yuan"])
            for line in bill.lines
        ),
        amount_fen=bill.amount_fen,
        issued_on=bill.issued_on,
        due_on=bill.due_on,
        principal_paid_fen=bill.principal_paid_fen,
        late_fee_fen=bill.late_fee_fen,
        late_fee_through=bill.late_fee_through,
        late_fee_paid_fen=bill.late_fee_paid_fen,
        late_fee_waived_fen=bill.late_fee_waived_fen,
        owed_fen=bill.amount_fen - bill.principal_paid_fen + late_fee_owed,
        paid_off_on=bill.paid_off_on,
    )
