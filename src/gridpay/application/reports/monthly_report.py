"""The monthly report of a power supply station (RULES §12): recovery, arrears ageing, supply control, alerts,
channels, rollout."""

import statistics
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from gridpay.data.queries import dashboard as dashboard_queries
from gridpay.data.queries import reports as queries
from gridpay.domain.arrears_ageing import AgeBand, arrears_ageing
from gridpay.domain.business_time import day_bounds, next_month_start
from gridpay.domain.payments import channel_label
from gridpay.domain.recovery import recovery_rate
from gridpay.domain.sms_texts import TEMPLATES, sms_label


@dataclass(frozen=True)
class MonthlyReport:
    month: date
    charged_fen: int
    paid_fen: int
    outstanding_fen: int
    recovery_rate: Decimal | None
    ageing: list[AgeBand]
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


def monthly_report(*, month: date, now: datetime, zone: str) -> MonthlyReport:
    first = month.replace(day=1)
    last = date.fromordinal(next_month_start(first).toordinal() - 1)
    start, _ = day_bounds(day=first, zone=zone)
    _, end = day_bounds(day=last, zone=zone)
    charged = dashboard_queries.settled_fen(first_day=first, last_day=last)
    arrears = queries.arrears_since_list()
    outstanding = -sum(balance for _, balance in arrears)
    times = queries.reconnection_times(start=start, end=end)
    in_month, by_end, accounts = queries.agreements(first_day=first, last_day=last)
    channels = dashboard_queries.payments_by_channel(first_day=first, last_day=last)
    return MonthlyReport(
        month=first, charged_fen=charged, paid_fen=queries.paid_fen(first_day=first, last_day=last),
        outstanding_fen=outstanding, recovery_rate=recovery_rate(charged_fen=charged, outstanding_fen=outstanding),
        ageing=arrears_ageing(arrears=arrears, now=now),
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

