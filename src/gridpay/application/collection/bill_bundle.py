"""A collector's printed bill bundle after the campaign: every account in their areas with an unpaid postpaid bill,
one bill each, in the order of their route (seed 003: bills printed after the 18th and handed to the collectors)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from gridpay.application.collection.campaign_rounds import VillageTexts, collector_named
from gridpay.application.collection.route_order import route_key, village_order
from gridpay.data.models import Account, PostpaidBill, Village
from gridpay.data.models.accounts import AccountStatus
from gridpay.data.queries.collection_areas import responsibility_on
from gridpay.data.settings import gridpay_settings
from gridpay.domain.collection_campaign import month_of, without_money
from gridpay.integrations.documents.bill_bundle import BundleBill, BundleBillLine, bill_bundle_pdf


@dataclass(frozen=True)
class BillBundle:
    collector: str
    pdf: bytes | None  # None: nothing to print
    account_nos: tuple[str, ...]  # in the bundle's order
    total_fen: int


def bill_bundle(*, collector: str, month: date, day: date) -> BillBundle:
    """The bills unpaid on ``day`` of the accounts ``collector`` answers for on ``day``, in their route's order."""
    person = collector_named(collector)
    responsibility = responsibility_on(day)
    unpaid = list(PostpaidBill.objects.filter(paid_off_on__isnull=True, issued_on__lte=day,
                                              account__status=AccountStatus.ACTIVE).order_by("month"))
    lines: dict[int, list[BundleBillLine]] = defaultdict(list)
    for bill in unpaid:
        lines[bill.account_id].append(BundleBillLine(
            month=bill.month, energy_kwh=f"{bill.energy_kwh:.2f}", amount_fen=bill.amount_fen,
            principal_owed_fen=bill.amount_fen - bill.principal_paid_fen,
            late_fee_fen=bill.late_fee_fen - bill.late_fee_paid_fen - bill.late_fee_waived_fen, due_on=bill.due_on,
        ))
    accounts = [
        account for account in Account.objects.filter(id__in=list(lines)).select_related("customer", "village")
        if responsibility.of(village_id=account.village_id,
                             transformer_area=account.transformer_area).collector_id == person.id
    ]
    order = village_order(collector_id=person.id, month=month_of(month))
    accounts.sort(key=lambda a: route_key(order, a.village_id, a.village.name if a.village else "", a.address,
                                          a.account_no))
    texts = VillageTexts()
    where: dict[int | None, str] = {}
    bills = []
    for sequence, account in enumerate(accounts, start=1):
        if account.village_id not in where:
            where[account.village_id] = _where(texts, account.village)
        bills.append(BundleBill(
            sequence=sequence, account_no=account.account_no, customer_name=account.customer.name,
            village=account.village.name if account.village else "", address=account.address,
            lines=tuple(lines[account.id]), where_to_pay=where[account.village_id],
        ))
    settings = gridpay_settings()
    pdf = bill_bundle_pdf(utility=settings.utility_name, collector=person.name, month=month_of(month),
                          printed_on=day, bills=bills) if bills else None
    return BillBundle(collector=person.name, pdf=pdf, account_nos=tuple(b.account_no for b in bills),
                      total_fen=sum(b.total_fen for b in bills))


def _where(texts: VillageTexts, village: Village | None) -> str:
    points = texts.pay_points(village) if village is not None else []
    named = [without_money(p.name) for p in points if without_money(p.name)]
    return "、".join([*named, "供电所营业厅"])
