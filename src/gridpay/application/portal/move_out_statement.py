"""A tenant's move-out statement (退租结算单): the balance and the usage of an account between two days, as a PDF."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from gridpay.application.errors import InvalidInput
from gridpay.data.models import Account, Payment
from gridpay.data.queries.accounts import settled_days
from gridpay.data.queries.customers import balance_before
from gridpay.domain.money import format_yuan
from gridpay.domain.payments import channel_label
from gridpay.domain.texts import gettext_noop
from gridpay.integrations.documents.report_pdf import tables_pdf

MAX_DAYS = 366


@dataclass(frozen=True)
class MoveOutStatement:
    account_no: str
    address: str
    first_day: date
    last_day: date
    opening_fen: int
    closing_fen: int
    energy_kwh: str
    charged_fen: int
    paid_fen: int
    days: list[tuple[date, str, int]]
    payments: list[tuple[date, str, int]]


def move_out_statement(*, account: Account, first_day: date, last_day: date, today: date) -> MoveOutStatement:
    if last_day < first_day:
        raise InvalidInput(gettext_noop("结束日期不能早于开始日期"), field="last_day")
    if last_day >= today:
        raise InvalidInput(gettext_noop("结束日期应早于今天（当天的电费今晚才结算）"), field="last_day")
    if (last_day - first_day).days >= MAX_DAYS:
        raise InvalidInput(gettext_noop("一次最多一年"), field="first_day")
    days = [(day, str(kwh), fen)
            for day, kwh, fen in settled_days(account_id=account.id, first_day=first_day, last_day=last_day)]
    payments = [
        (day, channel_label(channel), fen)
        for day, channel, fen in Payment.objects.filter(
            account=account, business_day__gte=first_day, business_day__lte=last_day
        ).order_by("business_day", "id").values_list("business_day", "channel", "amount_fen")
    ]
    energy = sum((Decimal(k) for _, k, _ in days), Decimal("0.00"))
    return MoveOutStatement(
        account_no=account.account_no, address=account.address, first_day=first_day, last_day=last_day,
        opening_fen=balance_before(ledger_account_id=account.ledger_account_id, day=first_day),
        closing_fen=balance_before(ledger_account_id=account.ledger_account_id, day=last_day + timedelta(days=1)),
        energy_kwh=f"{energy:.2f}", charged_fen=sum(f for _, _, f in days),
        paid_fen=sum(f for _, _, f in payments), days=days, payments=payments,
    )


def statement_pdf(statement: MoveOutStatement, *, utility: str) -> bytes:
    s = statement
    return tables_pdf(
        title=f"{utility} 退租用电结算单",
        subtitle=f"户号 {s.account_no}　{s.address}　{s.first_day} 至 {s.last_day}",
        sections=[
            ("汇总", ["期初余额（元）", "期间交费（元）", "期间电费（元）", "期末余额（元）", "用电量（千瓦时）"],
             [[format_yuan(s.opening_fen), format_yuan(s.paid_fen), format_yuan(s.charged_fen),
               format_yuan(s.closing_fen), s.energy_kwh]]),
            ("每日用电", ["日期", "用电量（千瓦时）", "电费（元）"],
             [[f"{d}", k, format_yuan(f)] for d, k, f in s.days]),
            ("期间交费", ["日期", "方式", "金额（元）"], [[f"{d}", c, format_yuan(f)] for d, c, f in s.payments]),
        ],
    )

