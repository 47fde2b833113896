"""A cashier counts in a collector's cash from home collections (上门收费缴存), against their unsettled collections."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from gridpay.application.green_channel.flag_household import check_allowed
from gridpay.application.staff.acting_staff import ActingStaff
from gridpay.data.models import AuditRecord, CashHandIn, HomeCollection
from gridpay.domain.errors import DomainError
from gridpay.domain.green_channel import Collection, GreenChannelRefused, hand_in
from gridpay.domain.money import format_yuan
from gridpay.domain.staff_roles import Action
from gridpay.domain.texts import gettext_noop

MAX_SLIP_NO_LENGTH = 40


class HandInConflict(DomainError):
    """The slip number was used for another hand-in."""

    code = "hand_in_conflict"
    http_status = 409


@dataclass(frozen=True)
class HandInResult:
    slip_no: str
    collector: str
    collector_name: str
    handed_in_fen: int
    expected_fen: int
    difference_fen: int  # handed in minus expected: negative short, positive over
    receipt_nos: tuple[str, ...]  # of the collections it settled
    cashier: str
    at: datetime
    replayed: bool


def hand_in_cash(
    *, collector: str, amount_fen: int, slip_no: str, staff: ActingStaff, at: datetime, business_day: date,
) -> HandInResult:
    """Settles every unsettled collection the collector took up to ``business_day`` with the cash counted in.

    A different amount is recorded as it is, with its difference, for the discrepancy list; the same slip number
    again is the same hand-in (nothing settled twice), or a HandInConflict.
    """
    check_allowed(staff, Action.SETTLE_HOME_COLLECTIONS, gettext_noop("只有营业员或所长可以登记收费员缴存"))
    slip_no = slip_no.strip()
    if not slip_no or len(slip_no) > MAX_SLIP_NO_LENGTH or not slip_no.isprintable():
        raise GreenChannelRefused(gettext_noop("缴款单号不能为空，最长 {most} 个字符"), field="slip_no",
                                  params={"most": MAX_SLIP_NO_LENGTH})
    # The collector as their collections name them: one who has since left still hands their cash in.
    collector = collector.strip()
    if collector == staff.username:
        raise GreenChannelRefused(gettext_noop("收费员的现金须由另一名工作人员清点入账"), field="collector")
    with transaction.atomic():
        recorded = CashHandIn.objects.filter(slip_no=slip_no).first()
        if recorded is not None:
            if (recorded.collector, recorded.handed_in_fen) != (collector, amount_fen):
                raise HandInConflict(
                    gettext_noop("缴款单号 {slip_no} 已用于另一笔缴存（收费员 {collector}，{amount} 元）"),
                    field="slip_no", params={"slip_no": slip_no, "collector": recorded.collector,
                                             "amount": format_yuan(recorded.handed_in_fen)},
                )
            return _result(recorded, replayed=True)
        unsettled = list(
            HomeCollection.objects.select_for_update().filter(collector=collector, hand_in__isnull=True)
            .order_by("id")
        )
        counted = hand_in(
            unsettled=[Collection(id=c.id, amount_fen=c.amount_fen, collected_on=c.collected_on) for c in unsettled],
            handed_in_fen=amount_fen, business_day=business_day,
        )
        row = CashHandIn.objects.create(
            slip_no=slip_no, collector=collector, collector_name=unsettled[-1].collector_name,
            handed_in_fen=counted.handed_in_fen,
            expected_fen=counted.expected_fen, difference_fen=counted.difference_fen,
            collections=len(counted.covered_ids), cashier=staff.actor[:100], at=at, business_day=business_day,
        )
        settled = HomeCollection.objects.filter(id__in=counted.covered_ids, hand_in__isnull=True).update(hand_in=row)
        if settled != len(counted.covered_ids):
            raise RuntimeError("home collections settled by another hand-in while locked")  # the lock guarantees it
        AuditRecord.objects.create(
            at=at, actor=staff.actor[:100], action="green.hand_in", target=f"cash_hand_in:{row.id}",
            new={"collector": collector, "handed_in_fen": row.handed_in_fen, "expected_fen": row.expected_fen,
                 "difference_fen": row.difference_fen, "collections": row.collections},
            note="、".join(c.receipt_no for c in unsettled if c.id in set(counted.covered_ids))[:500],
        )
        return _result(row, replayed=False)


def _result(row: CashHandIn, *, replayed: bool) -> HandInResult:
    receipts = tuple(row.home_collections.order_by("id").values_list("receipt_no", flat=True))
    return HandInResult(
        slip_no=row.slip_no, collector=row.collector, collector_name=row.collector_name,
        handed_in_fen=row.handed_in_fen, expected_fen=row.expected_fen, difference_fen=row.difference_fen,
        receipt_nos=receipts, cashier=row.cashier, at=row.at, replayed=replayed,
    )
