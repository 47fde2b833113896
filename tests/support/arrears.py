"""A postpaid account in arrears with its case open, and the procedure's steps up to a stage, for console tests."""

from datetime import date, datetime

from gridpay.application.postpaid.issue_bills import issue_bills
from gridpay.application.postpaid.open_arrears_cases import open_arrears_cases
from gridpay.application.postpaid.take_arrears_step import take_arrears_step
from gridpay.data.models import Account
from gridpay.domain.arrears_procedure import (
    Approve,
    DeliverRedNotice,
    GivePhoneNotice,
    IssueTicket,
    ServeYellowNotice,
    StepRequest,
)
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.clock import local
from tests.support.readings import add_readings

BILLED = 13_450  # 25 days of 10 kWh on zj-resident-2024, billed on 25 January 2025, due 9 February
OPENED = date(2025, 2, 10)  # the case is opened the day after the due date, at 08:00
PAY_BY = date(2025, 2, 17)
RED_PAY_BY = date(2025, 2, 25)
PLANNED_DAY = date(2025, 2, 26)  # a Wednesday: inside the working-day window at 10:00
PLANNED = local(PLANNED_DAY, 10)
COLLECTOR = frozenset({Role.GRID_STAFF})
HEAD = frozenset({Role.STATION_HEAD})


def overdue_account(number: int = 1, *, category: str = "residential", important: bool = False,
                    village: str = "", phone: str = "", address: str = "") -> Account:
    """Billed 134.50 yuan on 25 January 2025, due 9 February, unpaid: its case opened on 10 February at 08:00."""
    account = enrol(number, mode="postpaid", opening_balance_fen=0, village=village, phone=phone)
    Account.objects.filter(id=account.id).update(category=category, important=important, address=address)
    add_readings(account, first_day=date(2025, 1, 1), daily_kwh=["10.00"] * 25)
    issue_bills(day=date(2025, 1, 25), at=local(date(2025, 1, 25), 2))
    open_arrears_cases(day=OPENED, at=local(OPENED, 8))
    return account


def take(
    account: Account, request: StepRequest, roles: frozenset[Role], at: datetime, by: str = "张三（zhang）"
) -> None:
    take_arrears_step(account_no=account.account_no, request=request, by=by, roles=roles, at=at)


def through_red_notice(account: Account, *, owed: int = BILLED) -> None:
    take(account, ServeYellowNotice(amount_fen=owed, pay_by=PAY_BY, planned_disconnection_at=PLANNED), COLLECTOR,
         local(OPENED, 10))
    take(account, DeliverRedNotice(amount_fen=owed, pay_by=RED_PAY_BY, planned_disconnection_at=PLANNED, signed=True),
         COLLECTOR, local(date(2025, 2, 18), 10))


def through_approval(account: Account) -> None:
    through_red_notice(account)
    take(account, Approve(), HEAD, local(date(2025, 2, 19), 9), by="王所长（wang）")


def through_phone_notice(account: Account) -> None:
    through_approval(account)
    take(account, IssueTicket(for_day=PLANNED_DAY), COLLECTOR, local(date(2025, 2, 25), 15))
    take(account, GivePhoneNotice(), COLLECTOR, local(PLANNED_DAY, 9))
