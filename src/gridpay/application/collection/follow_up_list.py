"""A collector's follow-up list after the campaign: their accounts in arrears in route order, with this month's
contacts, so that every one is asked about (seed 003 月月有人问、有人管); as CSV for a spreadsheet too."""

from dataclasses import dataclass
from datetime import date, timedelta

from gridpay.application.collection.arrears_assignments import arrears_assignments
from gridpay.application.collection.campaign_rounds import collector_named
from gridpay.application.collection.route_order import route_key, village_order
from gridpay.application.spreadsheet_csv import spreadsheet_csv
from gridpay.data.models import Account
from gridpay.data.queries.collection_campaign import touches_in
from gridpay.domain.collection_campaign import counts_as_touched, month_of
from gridpay.domain.money import format_yuan


@dataclass(frozen=True)
class FollowUpLine:
    account_no: str
    customer_name: str
    phone: str
    village: str
    address: str
    mode: str
    owed_fen: int
    since: date | None
    asked: bool  # someone asked about it this month already


def follow_up_list(*, collector: str, day: date) -> list[FollowUpLine]:
    person = collector_named(collector)
    mine = [line.account for line in arrears_assignments(day=day) if line.collector_id == person.id]
    details = {row[0]: row[1:] for row in Account.objects.filter(id__in=[a.account_id for a in mine]).values_list(
        "id", "address", "customer__phone")}
    month = month_of(day)
    touched = touches_in(account_ids={a.account_id for a in mine}, start=month,
                         end=day + timedelta(days=1))
    order = village_order(collector_id=person.id, month=month)
    mine.sort(key=lambda a: route_key(order, a.village_id, a.village, details[a.account_id][0], a.account_no))
    return [
        FollowUpLine(
            account_no=a.account_no, customer_name=a.customer_name, phone=details[a.account_id][1],
            village=a.village, address=details[a.account_id][0], mode=a.mode, owed_fen=a.owed_fen, since=a.since,
            asked=any(counts_as_touched(t) for t in touched.get(a.account_id, [])),
        )
        for a in mine
    ]


def follow_up_csv(lines: list[FollowUpLine]) -> bytes:
    header = ("序号", "村/社区", "地址", "户号", "户名", "电话", "欠费（元）", "欠费起始", "本月已联系")
    return spreadsheet_csv([header, *(
        (index, line.village, line.address, line.account_no, line.customer_name, line.phone,
         format_yuan(line.owed_fen), line.since.isoformat() if line.since else "", "是" if line.asked else "否")
        for index, line in enumerate(lines, start=1)
    )])
