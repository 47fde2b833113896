"""The monthly report of a power supply station (RULES §12): recovery, arrears ageing, supply control, alerts,
channels, rollout, and the postpaid half: bills, late fees, arrears cases and their reconnections."""

import statistics
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from gridpay.application.reports.month_recovery import month_recovery
from gridpay.data.queries import dashboard as dashboard_queries
from gridpay.data.queries import reports as queries
from gridpay.data.queries.collection import accounts_in_arrears_at_end_of
from gridpay.data.replica import reading_from_replica
from gridpay.data.settings import gridpay_settings
from gridpay.domain.arrears_ageing import AgeBand, arrears_ageing
from gridpay.domain.arrears_procedure import Stage
from gridpay.domain.business_time import business_day, day_bounds, next_month_start
from gridpay.domain.payments import channel_label
from gridpay.domain.recovery import Recovery
from gridpay.domain.sms_texts import TEMPLATES, sms_label
from gridpay.domain.texts import gettext_noop

HOUR_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class PostpaidBills:
    """The bills issued in the month (本月发行): how many, their amount, the principal paid on them by the cut-off."""

    bills: int
    amount_fen: int
    paid_fen: int

    @property
    def outstanding_fen(self) -> int:
        return self.amount_fen - self.paid_fen


@dataclass(frozen=True)
class LateFees:
    """违约金 charged, paid and waived on the month's days, and unpaid on every bill at the cut-off."""

    charged_fen: int
    paid_fen: int
    waived_fen: int
    outstanding_fen: int


@dataclass(frozen=True)
class ArrearsCases:
    """停电催费 cases open at the cut-off by the stage they were in then, and the month's steps."""

    open_by_stage: list[tuple[str, int]]  # the stage's label, cases; stages with none left out, in procedure order
    opened: int
    closed_paid: int  # paid in full before execution: no disconnection
    executed: int
    reconnected: int

    @property
    def open(self) -> int:
        return sum(n for _, n in self.open_by_stage)


@dataclass(frozen=True)
class CaseReconnections:
    """The reconnection tickets (复电工作票) of arrears cases against their time limit (24 hours by default)."""

    limit_hours: int  # the time limit a ticket is given now (GRIDPAY_RECONNECT_TICKET_HOURS); each keeps its own
    done: int  # reconnections completed in the month
    on_time: int  # by the ticket's due time
    late: int
    median_hours: Decimal | None  # from the ticket to the reconnection, to 0.01 hour
    longest_hours: Decimal | None
    overdue_open: int  # tickets still open at the cut-off and past their due time then


@dataclass(frozen=True)
class MonthlyReport:
    month: date
    cut_off: date  # the last business day counted: the month's last, or today while the month runs
    paid_fen: int
    arrears_accounts: int  # in arrears at the end of the cut-off, prepaid and postpaid, as the collection report counts
    arrears_fen: int
    prepaid: Recovery  # 应收: the month's daily settlement; 实收: what money covered of it at the cut-off
    postpaid: Recovery  # 应收: the bills issued in the month; 实收: their principal paid by the cut-off
    recovery_rate: Decimal | None  # 电费回收率 of prepaid and postpaid together
    postpaid_bills: PostpaidBills
    late_fees: LateFees
    arrears_cases: ArrearsCases
    case_reconnections: CaseReconnections
    ageing: list[AgeBand]  # of those arrears, at the end of the cut-off
    disconnections: int
    reconnections: int
    reconnect_median_minutes: float | None
    reconnect_slowest_hours: float | None
    reconnections_over_24h: int
    sms: list[tuple[str, int]]
    channels: list[tuple[str, int, int]]  # label, payments, fen
    agreements_in_month: int
    agreements_by_end: int
    accounts: int

    @property
    def recovery_rows(self) -> list[tuple[str, Recovery]]:
        """电费回收 by kind, then both: each (its name, its 应收 and 实收)."""
        return [(gettext_noop("预付费（本月日结电费）"), self.prepaid),
                (gettext_noop("后付费（本月发行电费单）"), self.postpaid),
                (gettext_noop("合计"), self.prepaid + self.postpaid)]


@reading_from_replica()
def monthly_report(*, month: date, now: datetime, zone: str) -> MonthlyReport:
    """The month's figures; those "at the cut-off" are as they stood at the month's end (月末), or now while the month
    is still running: a past month's arrears and balances are recounted from the ledger and the bills (ADR 0024), so
    what was paid after its end changes none of them."""
    first = month.replace(day=1)
    last = date.fromordinal(next_month_start(first).toordinal() - 1)
    start, _ = day_bounds(day=first, zone=zone)
    _, end = day_bounds(day=last, zone=zone)
    cut_off_at = min(now, end)
    through = min(business_day(instant=now, zone=zone), last)
    moved_after = queries.customer_moves_after([through])[through]
    recovered = month_recovery(first_day=first, last_day=last, through=through, moved_after=moved_after)
    prepaid, postpaid = recovered.prepaid, recovered.postpaid
    bills, billed_fen, bills_paid_fen = recovered.postpaid_bills, postpaid.due_fen, postpaid.received_fen
    arrears = accounts_in_arrears_at_end_of(day=through, moved_after=moved_after)
    times = queries.reconnection_times(start=start, end=end)
    in_month, by_end, accounts = queries.agreements(first_day=first, last_day=last)
    channels = dashboard_queries.payments_by_channel(first_day=first, last_day=last)
    return MonthlyReport(
        month=first, cut_off=through, paid_fen=sum(fen for _, fen in channels.values()),
        arrears_accounts=len(arrears), arrears_fen=sum(line.owed_fen for line in arrears),
        prepaid=prepaid, postpaid=postpaid, recovery_rate=(prepaid + postpaid).rate,
        postpaid_bills=PostpaidBills(bills=bills, amount_fen=billed_fen, paid_fen=bills_paid_fen),
        late_fees=LateFees(*queries.late_fee_figures(first_day=first, through=through)),
        arrears_cases=_arrears_cases(start=start, end=end, cut_off_at=cut_off_at),
        case_reconnections=_case_reconnections(start=start, end=end, cut_off_at=cut_off_at),
        ageing=arrears_ageing(arrears=[(line.since, line.owed_fen) for line in arrears], day=through),
        disconnections=queries.confirmed_commands(action="disconnect", start=start, end=end),
        reconnections=queries.confirmed_commands(action="reconnect", start=start, end=end),
        reconnect_median_minutes=round(statistics.median(times) / 60, 1) if times else None,
        reconnect_slowest_hours=round(max(times) / 3600, 2) if times else None,
        reconnections_over_24h=sum(1 for t in times if t > 24 * 3600),
        sms=sorted(((sms_label(k), n) for k, n in queries.sms_by_kind(start=start, end=end).items()
                    if k in TEMPLATES), key=lambda kv: -kv[1]),
        channels=sorted(((channel_label(c), n, fen) for c, (n, fen) in channels.items()), key=lambda row: -row[2]),
        agreements_in_month=in_month, agreements_by_end=by_end, accounts=accounts,
    )


def _arrears_cases(*, start: datetime, end: datetime, cut_off_at: datetime) -> ArrearsCases:
    by_stage = queries.open_cases_by_stage(at=cut_off_at)
    opened, closed, executed, reconnected = queries.case_steps(start=start, end=end)
    return ArrearsCases(
        open_by_stage=[(stage.label, by_stage[stage.value]) for stage in Stage if by_stage.get(stage.value)],
        opened=opened, closed_paid=closed, executed=executed, reconnected=reconnected,
    )


def _case_reconnections(*, start: datetime, end: datetime, cut_off_at: datetime) -> CaseReconnections:
    rows = queries.case_reconnections(start=start, end=end)
    seconds = [(done - ticket).total_seconds() for ticket, _, done in rows]
    on_time = sum(1 for _, due, done in rows if done <= due)
    return CaseReconnections(
        limit_hours=gridpay_settings().reconnect_ticket_hours,
        done=len(rows), on_time=on_time, late=len(rows) - on_time,
        median_hours=_hours(statistics.median(seconds)) if seconds else None,
        longest_hours=_hours(max(seconds)) if seconds else None,
        overdue_open=queries.reconnection_tickets_overdue(at=cut_off_at),
    )


def _hours(seconds: float) -> Decimal:
    return (Decimal(str(seconds)) / 3600).quantize(HOUR_PLACES, rounding=ROUND_HALF_UP)
