"""The accounts in arrears on a day, prepaid and postpaid alike, with the place that decides who collects them."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Min

from gridpay.data.models import Account, PostpaidBill
from gridpay.data.models.accounts import AccountMode, AccountStatus
from gridpay.data.postpaid_store import arrears_by_account
from gridpay.data.settings import gridpay_settings
from gridpay.domain.business_time import business_day


@dataclass(frozen=True)
class AccountInArrears:
    account_id: int
    account_no: str
    customer_name: str
    village_id: int | None
    village: str
    transformer_area: str
    mode: str
    owed_fen: int  # prepaid: below zero on the available balance; postpaid: overdue bills and late fees less credit
    since: date | None  # prepaid: the day the balance went below zero; postpaid: the oldest unpaid bill's due date


def accounts_in_arrears(*, day: date) -> list[AccountInArrears]:
    """Active accounts in arrears at the start of ``day``, by village, largest first."""
    zone = gridpay_settings().business_time_zone
    columns = ("id", "account_no", "customer__name", "village_id", "village__name", "transformer_area", "mode")
    found: list[AccountInArrears] = []
    prepaid = Account.objects.filter(status=AccountStatus.ACTIVE, mode=AccountMode.PREPAID,
                                     ledger_account__balance_fen__lt=0)
    for *row, balance, since in prepaid.values_list(*columns, "ledger_account__balance_fen", "arrears_since"):
        started = business_day(instant=since, zone=zone) if since else None
        found.append(_line(row, -balance, started))
    overdue = dict(
        PostpaidBill.objects.filter(paid_off_on__isnull=True, due_on__lt=day, account__status=AccountStatus.ACTIVE)
        .values("account_id").annotate(first_due=Min("due_on")).values_list("account_id", "first_due")
    )
    owed = arrears_by_account(overdue, day=day)
    for row in Account.objects.filter(id__in=list(owed)).values_list(*columns):
        found.append(_line(row, owed[row[0]], overdue[row[0]]))
    return sorted(found, key=lambda line: (line.village, -line.owed_fen, line.account_no))


def _line(row: Sequence[Any], owed_fen: int, since: date | None) -> AccountInArrears:
    account_id, account_no, customer, village_id, village, transformer_area, mode = row
    return AccountInArrears(account_id=account_id, account_no=account_no, customer_name=customer,
                            village_id=village_id, village=village or "", transformer_area=transformer_area,
                            mode=mode, owed_fen=owed_fen, since=since)
