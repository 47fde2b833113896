"""The station dashboard: where the smart-payment work stands today, and the last 60 days in series."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from gridpay.application.reports.month_recovery import month_recovery
from gridpay.data.queries import dashboard as queries
from gridpay.data.replica import reading_from_replica
from gridpay.domain.business_time import month_start
from gridpay.domain.payments import channel_label

SERIES_DAYS = 60


@dataclass(frozen=True)
class ChannelFigure:
    channel: str
    label: str
    payments: int
    amount_fen: int


@dataclass(frozen=True)
class Dashboard:
    today: date
    prepaid_accounts: int
    postpaid_accounts: int
    below_zero: int
    arrears_fen: int
    disconnected: int
    reconnections_pending: int
    reconnections_overdue: int  # past the 24-hour commitment (prepaid and postpaid)
    oldest_pending_hours: float | None
    arrears_cases_open: int  # postpaid accounts in the arrears procedure (停电催费)
    postpaid_owed_fen: int  # postpaid arrears: bills past their due date and their late fees
    sms_sent_today: int
    sms_pending: int
    month_charged_fen: int
    recovery_rate: Decimal | None  # 电费回收率 of the month so far, prepaid and postpaid, as the monthly report
    channels_month: list[ChannelFigure]
    days: list[date]
    settled_fen: list[int]
    paid_fen: list[int]
    energy_kwh: list[str]


@reading_from_replica()
def dashboard(*, today: date, now: datetime, day_start: datetime) -> Dashboard:
    """``day_start`` is the first instant of ``today`` in the utility's zone (for "sent today")."""
    modes = queries.accounts_by_mode()
    below, arrears = queries.accounts_below_zero()
    pending, overdue, oldest = queries.reconnections_pending(now=now)
    sms = queries.sms_since(since=day_start)
    cases, postpaid_owed = queries.postpaid_arrears(today=today)
    first = month_start(today)
    charged = queries.settled_fen(first_day=first, last_day=today)
    channels = queries.payments_by_channel(first_day=first, last_day=today)
    # Whole days only: today is settled tonight.
    last = today - timedelta(days=1)
    start = last - timedelta(days=SERIES_DAYS - 1)
    settled = queries.daily_settled(first_day=start, last_day=last)
    paid = queries.daily_payments(first_day=start, last_day=last)
    days = [start + timedelta(days=n) for n in range(SERIES_DAYS)]
    return Dashboard(
        today=today,
        prepaid_accounts=modes.get("prepaid", 0),
        postpaid_accounts=modes.get("postpaid", 0),
        below_zero=below,
        arrears_fen=arrears,
        disconnected=queries.disconnected_now(),
        reconnections_pending=pending,
        reconnections_overdue=overdue,
        oldest_pending_hours=None if oldest is None else round((now - oldest).total_seconds() / 3600, 1),
        arrears_cases_open=cases,
        postpaid_owed_fen=postpaid_owed,
        sms_sent_today=sms.get("sent", 0),
        sms_pending=sms.get("pending", 0),
        month_charged_fen=charged,
        recovery_rate=month_recovery(first_day=first, last_day=today, through=today).total.rate,
        channels_month=sorted(
            (
                ChannelFigure(c, channel_label(c), n, fen)
                for c, (n, fen) in channels.items()
            ),
            key=lambda f: -f.amount_fen,
        ),
        days=days,
        settled_fen=[settled.get(d, (0, "0"))[0] for d in days],
        paid_fen=[paid.get(d, 0) for d in days],
        energy_kwh=[settled.get(d, (0, "0"))[1] for d in days],
    )

