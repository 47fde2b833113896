"""What the green channel shows: the flagged households, an account's badge, each collector's cash and the
discrepancy list (collections not counted in by the end of the next working day, hand-ins that differ)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, F, Q, Sum

from gridpay.application.green_channel.flag_household import FlagView, view_of
from gridpay.data.calendar_store import load_calendar
from gridpay.data.models import CashHandIn, HardshipFlag, HomeCollection
from gridpay.domain.green_channel import overdue, settle_by, years_spanned


def flagged_households(*, with_ended: bool = False) -> list[FlagView]:
    """The households in the green channel (and, asked for, the flags ended since), newest approval first."""
    rows = HardshipFlag.objects.select_related("account__customer").order_by("-approved_at", "-id")
    if not with_ended:
        rows = rows.filter(unflagged_at__isnull=True)
    return [view_of(row, row.account) for row in rows]


def hardship_history(*, account_no: str) -> list[FlagView]:
    """An account's flags, the one in force (if any) first: the badge of the account file and its history."""
    rows = (HardshipFlag.objects.select_related("account__customer").filter(account__account_no=account_no)
            .order_by("-approved_at", "-id"))
    views = [view_of(row, row.account) for row in rows]
    return sorted(views, key=lambda view: view.unflagged_at is not None)  # stable: newest first within each


@dataclass(frozen=True)
class CollectorCash:
    """One collector's home collections: what they took, what the counter has settled, what they still hold."""

    collector: str
    collector_name: str
    collections: int
    collected_fen: int
    settled_fen: int  # the collections covered by a hand-in (whatever cash that hand-in counted)
    outstanding_fen: int  # collected and not yet covered by a hand-in
    handed_in_fen: int  # the cash counted in at the counter


def collectors_cash(*, collector: str = "") -> list[CollectorCash]:
    rows = HomeCollection.objects.all()
    if collector:
        rows = rows.filter(collector=collector)
    totals = (
        rows.values("collector")
        .annotate(n=Count("id"), collected=Sum("amount_fen"),
                  settled=Sum("amount_fen", filter=Q(hand_in__isnull=False)))
        .order_by("collector")
    )
    handed = dict(CashHandIn.objects.values("collector").annotate(total=Sum("handed_in_fen"))
                  .values_list("collector", "total"))
    names = dict(rows.values_list("collector", "collector_name"))
    return [
        CollectorCash(
            collector=t["collector"], collector_name=names.get(t["collector"], ""), collections=t["n"],
            collected_fen=t["collected"] or 0, settled_fen=t["settled"] or 0,
            outstanding_fen=(t["collected"] or 0) - (t["settled"] or 0), handed_in_fen=handed.get(t["collector"], 0),
        )
        for t in totals
    ]


@dataclass(frozen=True)
class LateCollection:
    collector: str
    collector_name: str
    account_no: str
    customer_name: str
    receipt_no: str
    amount_fen: int
    collected_at: datetime
    settle_by: date  # the end of the next working day after it was taken
    settled_on: date | None  # None: the collector still holds the cash


@dataclass(frozen=True)
class DifferingHandIn:
    slip_no: str
    collector: str
    collector_name: str
    business_day: date
    expected_fen: int
    handed_in_fen: int
    difference_fen: int  # negative: cash short (短款); positive: cash over (长款)
    cashier: str


@dataclass(frozen=True)
class Discrepancies:
    late: list[LateCollection]
    differing: list[DifferingHandIn]


def discrepancies(*, today: date) -> Discrepancies:
    """Collections not settled by the end of their next working day (still held, or counted in late), as of
    ``today``; and every hand-in whose cash differs from the collections it settled."""
    # Counted in on the day it was taken is never late: only the others are looked at.
    rows = list(
        HomeCollection.objects.select_related("account__customer", "hand_in")
        .filter(Q(hand_in__isnull=True) | Q(hand_in__business_day__gt=F("collected_on")))
        .order_by("collected_at", "id")
    )
    calendar = load_calendar(years=years_spanned([r.collected_on for r in rows] + [today]))
    late = []
    for row in rows:
        settled_on = row.hand_in.business_day if row.hand_in is not None else None
        if overdue(calendar=calendar, collected_on=row.collected_on, settled_on=settled_on, today=today):
            late.append(LateCollection(
                collector=row.collector, collector_name=row.collector_name, account_no=row.account.account_no,
                customer_name=row.account.customer.name, receipt_no=row.receipt_no, amount_fen=row.amount_fen,
                collected_at=row.collected_at, settle_by=settle_by(calendar=calendar, collected_on=row.collected_on),
                settled_on=settled_on,
            ))
    differing = [
        DifferingHandIn(slip_no=h.slip_no, collector=h.collector, collector_name=h.collector_name,
                        business_day=h.business_day, expected_fen=h.expected_fen, handed_in_fen=h.handed_in_fen,
                        difference_fen=h.difference_fen, cashier=h.cashier)
        for h in CashHandIn.objects.exclude(difference_fen=0).order_by("business_day", "id")
    ]
    return Discrepancies(late=late, differing=differing)


@dataclass(frozen=True)
class UnsettledCollection:
    payment_id: int
    account_no: str
    customer_name: str
    receipt_no: str
    amount_fen: int
    collected_at: datetime


def unsettled_collections(*, collector: str) -> list[UnsettledCollection]:
    """The collections whose cash the collector still holds, oldest first (what the counter will count in)."""
    return [
        UnsettledCollection(payment_id=r.payment_id, account_no=r.account.account_no,
                            customer_name=r.account.customer.name, receipt_no=r.receipt_no,
                            amount_fen=r.amount_fen, collected_at=r.collected_at)
        for r in HomeCollection.objects.select_related("account__customer")
        .filter(collector=collector, hand_in__isnull=True).order_by("collected_at", "id")
    ]
