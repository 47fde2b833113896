"""Records a contact with an account about its arrears: who, when, how, what came of it (a promise has its date)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from gridpay.application.errors import NotAllowed, UnknownAccount
from gridpay.data.models import Account, FollowUp
from gridpay.data.queries.collection_areas import responsibility_on
from gridpay.domain.collection_campaign import check_follow_up
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class FollowUpRecorded:
    follow_up_id: int
    account_no: str
    how: str
    outcome: str
    promised_on: date | None


def record_follow_up(*, account_no: str, how: str, outcome: str, day: date, actor: str, roles: Iterable[Role],
                     at: datetime, promised_on: date | None = None, note: str = "") -> FollowUpRecorded:
    if not may(roles, Action.WORK_CAMPAIGN):
        raise NotAllowed(gettext_noop("只有网格员、班长或所长可以记录催费跟进"), field="as")
    way, result = check_follow_up(how=how, outcome=outcome, day=day, promised_on=promised_on)
    with transaction.atomic():
        account = Account.objects.filter(account_no=account_no.strip()).first()
        if account is None:
            raise UnknownAccount(gettext_noop("没有户号 {account_no}"), field="account",
                                 params={"account_no": account_no})
        who = responsibility_on(day).of(village_id=account.village_id, transformer_area=account.transformer_area)
        row = FollowUp.objects.create(account=account, collector_id=who.collector_id, by=actor[:100], at=at, day=day,
                                      how=way.value, outcome=result.value, promised_on=promised_on,
                                      note=note.strip()[:200])
    return FollowUpRecorded(row.id, account.account_no, way.value, result.value, promised_on)
