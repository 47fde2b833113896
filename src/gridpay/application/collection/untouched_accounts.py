"""The accounts in arrears during a month that nobody asked about (seed 003 用户欠费月月有人问、有人管), with the
collector who answers for each, so that the station head sees whose they are."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from gridpay.data.models import Account, CollectionArea, GridStaff
from gridpay.data.queries.collection import accounts_in_arrears
from gridpay.data.queries.collection_areas import responsibility_on
from gridpay.data.queries.collection_campaign import arrears_accounts_in, touches_in
from gridpay.domain.collection_campaign import month_of, untouched


@dataclass(frozen=True)
class UntouchedLine:
    collector: str  # empty: nobody answers for it
    area: str
    village: str
    account_no: str
    customer_name: str
    owed_fen: int  # still owed at the end of the period (0: paid meanwhile)


@dataclass(frozen=True)
class UntouchedReport:
    month: date
    through: date  # the last day looked at
    in_arrears: int  # accounts in arrears during the period
    lines: list[UntouchedLine] = field(default_factory=list)


def untouched_accounts(*, month: date, today: date) -> UntouchedReport:
    """Over the month up to ``today`` (the whole month once it is over)."""
    start = month_of(month)
    next_month = month_of(start + timedelta(days=31))
    end = min(next_month, today + timedelta(days=1))
    if end <= start:
        return UntouchedReport(month=start, through=start, in_arrears=0)
    last = end - timedelta(days=1)
    ids = arrears_accounts_in(start=start, end=end)
    touched = touches_in(account_ids=ids, start=start, end=end)
    nobody_asked = set(untouched(accounts=sorted(ids), touches=lambda a: touched.get(a, [])))
    owed = {line.account_id: line.owed_fen for line in accounts_in_arrears(day=end)}
    responsibility = responsibility_on(last)
    names = dict(GridStaff.objects.values_list("id", "name"))
    areas = dict(CollectionArea.objects.values_list("id", "name"))
    lines = []
    for account in Account.objects.filter(id__in=nobody_asked).select_related("customer", "village"):
        who = responsibility.of(village_id=account.village_id, transformer_area=account.transformer_area)
        lines.append(UntouchedLine(
            collector=names.get(who.collector_id, "") if who.collector_id is not None else "",
            area=areas.get(who.area_id, "") if who.area_id is not None else "",
            village=account.village.name if account.village else "", account_no=account.account_no,
            customer_name=account.customer.name, owed_fen=owed.get(account.id, 0),
        ))
    lines.sort(key=lambda line: (line.collector == "", line.collector, line.village, line.account_no))
    return UntouchedReport(month=start, through=last, in_arrears=len(ids), lines=lines)
