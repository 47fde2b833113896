"""The procedure's papers for a collector's area, one A4 PDF: notices to deliver, work tickets for the metering team.

Notices are printed before they are delivered, with the deadline and the planned disconnection the collector
gives (the same ones they record when they deliver them); a notice already recorded is printed as recorded.
Tickets are printed as recorded: the day's disconnection tickets and the open reconnection tickets.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from django.db.models import Q

from gridpay.application.errors import InvalidInput
from gridpay.data.models import ArrearsCase, Meter, PostpaidBill
from gridpay.data.settings import gridpay_settings
from gridpay.domain.arrears_procedure import Stage
from gridpay.domain.business_time import business_day
from gridpay.domain.staff_roles import Role
from gridpay.domain.texts import gettext_noop
from gridpay.integrations.documents.arrears_documents import (
    NoticeParty,
    OwedBill,
    RedNoticeDoc,
    WorkTicketDoc,
    YellowNoticeDoc,
    red_notice_pdf,
    work_ticket_pdf,
    yellow_notice_pdf,
)

T = TypeVar("T")


class Papers(StrEnum):
    YELLOW = "yellow"  # 催费通知单 for the cases waiting for one
    RED = "red"  # 中止供电通知书 for the cases waiting for one
    TICKETS = "tickets"  # 停电工作票 for a day, and the open 复电工作票


@dataclass(frozen=True)
class Printed:
    pdf: bytes | None  # None when there is nothing to print
    count: int
    account_nos: tuple[str, ...]


def print_arrears_documents(
    *, papers: Papers, at: datetime, village: str = "", account_no: str = "", by: str = "",
    pay_by: date | None = None, planned_at: datetime | None = None, day: date | None = None,
) -> Printed:
    """The papers of one kind for a village (or one account, or the whole station), in account order."""
    rows = ArrearsCase.objects.filter(closed_at__isnull=True, reconnected_at__isnull=True).select_related(
        "account__customer", "account__village")
    if village.strip():
        rows = rows.filter(account__village__name=village.strip())
    if account_no.strip():
        rows = rows.filter(account__account_no=account_no.strip())
    settings = gridpay_settings()
    utility, zone = settings.utility_name, settings.business_time_zone
    if papers is Papers.TICKETS:
        if day is None:
            raise InvalidInput(gettext_noop("请给出停电工作票的日期"), field="date")
        cases = list(rows.filter(Q(ticket_for_day=day, stage__in=[Stage.TICKET_ISSUED, Stage.PHONE_NOTIFIED])
                                 | Q(stage=Stage.RECONNECTION_PENDING)).order_by("account__account_no"))
        parties = _parties(cases)
        tickets = [_ticket(case, parties[case.id]) for case in cases]
        pdf = work_ticket_pdf(utility=utility, zone=zone, tickets=tickets) if tickets else None
        return Printed(pdf=pdf, count=len(tickets), account_nos=tuple(c.account.account_no for c in cases))
    waiting = Stage.OVERDUE if papers is Papers.YELLOW else Stage.YELLOW_NOTICE
    recorded = "yellow_at" if papers is Papers.YELLOW else "red_at"
    # One account's notice is printed again as recorded; an area's are those still to deliver.
    wanted = Q(stage=waiting) | Q(**{f"{recorded}__isnull": False}) if account_no.strip() else Q(stage=waiting)
    cases = list(rows.filter(wanted).order_by("account__account_no"))
    to_plan = [case for case in cases if getattr(case, recorded) is None]
    if to_plan and (pay_by is None or planned_at is None):
        raise InvalidInput(gettext_noop("打印待送达的通知书须给出交费期限和计划停电时间"), field="pay_by")
    parties, bills = _parties(cases), _overdue_bills(cases, day=business_day(instant=at, zone=zone))
    if papers is Papers.YELLOW:
        yellow = [_yellow(case, parties[case.id], bills[case.account_id], pay_by=pay_by, planned_at=planned_at,
                          by=by, at=at) for case in cases]
        pdf = yellow_notice_pdf(utility=utility, zone=zone, notices=yellow) if yellow else None
    else:
        red = [_red(case, parties[case.id], bills[case.account_id], pay_by=pay_by, planned_at=planned_at, by=by)
               for case in cases]
        pdf = red_notice_pdf(utility=utility, zone=zone, notices=red) if red else None
    return Printed(pdf=pdf, count=len(cases), account_nos=tuple(c.account.account_no for c in cases))


def _parties(cases: list[ArrearsCase]) -> dict[int, NoticeParty]:
    meters = dict(Meter.objects.filter(account_id__in=[c.account_id for c in cases], removed_on__isnull=True)
                  .values_list("account_id", "meter_no"))
    return {
        case.id: NoticeParty(
            account_no=case.account.account_no, customer_name=case.account.customer.name,
            address=case.account.address, phone=case.account.customer.phone,
            village=case.account.village.name if case.account.village else "",
            transformer_area=case.account.transformer_area, meter_no=meters.get(case.account_id, ""),
        )
        for case in cases
    }


def _overdue_bills(cases: list[ArrearsCase], *, day: date) -> dict[int, tuple[OwedBill, ...]]:
    """The bills in arrears on ``day`` (past their due date): a bill not yet due is not on a notice."""
    found: dict[int, list[OwedBill]] = defaultdict(list)
    for bill in PostpaidBill.objects.filter(account_id__in=[c.account_id for c in cases], paid_off_on__isnull=True,
                                            due_on__lt=day).order_by("reading_date"):
        found[bill.account_id].append(OwedBill(
            bill_no=bill.bill_no, month=bill.month, principal_owed_fen=bill.amount_fen - bill.principal_paid_fen,
            late_fee_owed_fen=bill.late_fee_fen - bill.late_fee_paid_fen - bill.late_fee_waived_fen))
    return {case.account_id: tuple(found[case.account_id]) for case in cases}


def _owed(bills: tuple[OwedBill, ...]) -> int:
    return sum(b.principal_owed_fen + b.late_fee_owed_fen for b in bills)


def _yellow(case: ArrearsCase, party: NoticeParty, bills: tuple[OwedBill, ...], *, pay_by: date | None,
            planned_at: datetime | None, by: str, at: datetime) -> YellowNoticeDoc:
    recorded = case.yellow_at is not None
    return YellowNoticeDoc(
        notice_no=f"CF{case.id:07d}", party=party, bills=bills, amount_fen=_owed(bills),
        pay_by=case.yellow_pay_by if recorded and case.yellow_pay_by else _given(pay_by),
        planned_disconnection_at=case.yellow_planned_at if recorded and case.yellow_planned_at else _given(planned_at),
        served_by=case.yellow_by if recorded else by, served_at=case.yellow_at or at,
    )


def _red(case: ArrearsCase, party: NoticeParty, bills: tuple[OwedBill, ...], *, pay_by: date | None,
         planned_at: datetime | None, by: str) -> RedNoticeDoc:
    recorded = case.red_at is not None
    return RedNoticeDoc(
        notice_no=f"ZZ{case.id:07d}", party=party, bills=bills, amount_fen=_owed(bills),
        pay_by=case.red_pay_by if recorded and case.red_pay_by else _given(pay_by),
        planned_disconnection_at=case.red_planned_at if recorded and case.red_planned_at else _given(planned_at),
        delivered_by=case.red_by if recorded else by, delivered_at=case.red_at,
    )


def _ticket(case: ArrearsCase, party: NoticeParty) -> WorkTicketDoc:
    if case.stage == Stage.RECONNECTION_PENDING:
        return WorkTicketDoc(
            kind="reconnect", ticket_no=f"FD{case.id:07d}", party=party, for_day=None,
            due_by=case.reconnection_due_by, amount_fen=case.red_amount_fen or case.opened_fen, approval="",
            remote=case.reconnect_command_id is not None, issued_by=case.reconnection_by,
            issued_at=_given(case.reconnection_at),
        )
    approval = f"{Role(case.approved_role).label} {case.approved_by} 批准" + (
        f"，报备文号 {case.filing_ref}" if case.filing_ref else "")
    return WorkTicketDoc(
        kind="disconnect", ticket_no=f"TD{case.id:07d}", party=party, for_day=case.ticket_for_day, due_by=None,
        amount_fen=case.red_amount_fen or case.opened_fen, approval=approval,
        remote=bool(party.meter_no),  # every meter gridpay knows answers DL/T 645: the outbox reaches it
        issued_by=case.ticket_by, issued_at=_given(case.ticket_at),
    )


def _given(value: T | None) -> T:
    if value is None:
        raise InvalidInput(gettext_noop("打印待送达的通知书须给出交费期限和计划停电时间"), field="pay_by")
    return value
