"""Rebuilds the chronic late payers' file (长期延时交费档案) from the payment history; the staff's notes are kept."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from gridpay.data.models import ChronicPayer
from gridpay.data.queries.late_payers import payment_histories
from gridpay.data.run_lock import exclusive_run
from gridpay.data.settings import gridpay_settings
from gridpay.domain.chronic_payers import (
    ChronicCriteria,
    evaluate,
    late_bill_months,
    negative_balance_months,
    window_from,
)


@dataclass(frozen=True)
class RebuildReport:
    day: date
    window_start: date
    current: int  # entries in the file now
    added: int  # new to the file (or back in it)
    left: int  # no longer meeting the criteria (kept, not current)


def rebuild_chronic_file(
    *, day: date, at: datetime, criteria: ChronicCriteria | None = None, wait_s: float = 0,
) -> RebuildReport:
    """The file as the history through ``day`` gives it. Running it twice on a day changes nothing the second time;
    the method, contact, due day and note of an entry survive any rebuild, also while it is out of the file. One
    rebuild at a time (a second one started meanwhile is refused, or waits ``wait_s``)."""
    with exclusive_run("chronic_file", what="长期延时交费档案重建", at=at, wait_s=wait_s):
        return _rebuild(day=day, criteria=criteria)


def _rebuild(*, day: date, criteria: ChronicCriteria | None) -> RebuildReport:
    settings = gridpay_settings()
    criteria = criteria or settings.chronic_criteria
    start = window_from(day=day, months=criteria.window_months)
    verdicts = {}
    for account_id, history in payment_histories(window_start=start, through=day, zone=settings.zone).items():
        months = negative_balance_months(steps=history.steps, negative_since=history.negative_since,
                                         window_start=start, through=day)
        months |= late_bill_months(bills=history.bills, window_start=start, through=day)
        verdict = evaluate(late_months=months, disconnections=history.disconnections, criteria=criteria)
        if verdict.chronic:
            verdicts[account_id] = verdict
    added = left = 0
    with transaction.atomic():
        entries = {e.account_id: e for e in ChronicPayer.objects.select_for_update().order_by("account_id")}
        for account_id, verdict in verdicts.items():
            figures = {
                "late_months": [f"{m:%Y-%m}" for m in verdict.late_months], "disconnections": verdict.disconnections,
                "reason": verdict.reason[:200], "built_on": day, "current": True, "left_on": None,
            }
            entry = entries.get(account_id)
            if entry is None:
                ChronicPayer.objects.create(account_id=account_id, first_listed_on=day, listed_on=day, **figures)
                added += 1
                continue
            if not entry.current:
                figures["listed_on"] = day
                added += 1
            ChronicPayer.objects.filter(id=entry.id).update(**figures)
        for account_id, entry in entries.items():
            if entry.current and account_id not in verdicts:
                ChronicPayer.objects.filter(id=entry.id).update(current=False, left_on=day, built_on=day)
                left += 1
    current = ChronicPayer.objects.filter(current=True).count()
    return RebuildReport(day=day, window_start=start, current=current, added=added, left=left)
