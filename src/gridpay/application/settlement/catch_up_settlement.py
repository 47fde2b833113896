"""Catches up settlement: every day from the oldest unsettled reading through a given day, in date order."""

from collections.abc import Callable
from datetime import date, datetime, timedelta

from gridpay.application.settlement.settle_day import SettlementRunReport, settle_day
from gridpay.data.run_lock import exclusive_run
from gridpay.data.settlement_store import oldest_unsettled_day


def settle_through(
    *,
    through: date,
    at: datetime,
    on_day: Callable[[SettlementRunReport], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[SettlementRunReport]:
    """Catches up through ``through`` holding the settlement lock for the whole run."""
    with exclusive_run("settlement", what="结算", at=at):
        return _settle_through(through=through, at=at, on_day=on_day, on_progress=on_progress)


def _settle_through(
    *,
    through: date,
    at: datetime,
    on_day: Callable[[SettlementRunReport], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[SettlementRunReport]:
    """Late readings settle their days in order, and the days after them that were waiting."""
    first = oldest_unsettled_day(through=through)
    reports: list[SettlementRunReport] = []
    if first is None:
        return reports
    day = first
    while day <= through:
        report = settle_day(day=day, at=at, on_progress=on_progress)
        reports.append(report)
        if on_day:
            on_day(report)
        day += timedelta(days=1)
    return reports
