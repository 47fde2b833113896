"""A month's 电费回收 (应收, 实收; prepaid and postpaid) to a cut-off: the count the report, the dashboard and the
recovery by place (village, area, collector) share."""

from collections.abc import Callable, Hashable, Mapping
from datetime import date
from typing import TypeVar

from gridpay.data.queries import reports as queries
from gridpay.domain.recovery import NOTHING, MonthRecovery, recovery_by_place

__all__ = ["MonthRecovery", "month_recovery", "month_recovery_by"]

K = TypeVar("K", bound=Hashable)


def month_recovery(*, first_day: date, last_day: date, through: date,
                   moved_after: Mapping[int, int] | None = None) -> MonthRecovery:
    """Charges of ``first_day``–``through`` and bills issued in the month, and what of them was paid by ``through``
    (``moved_after``: as in month_recovery_by)."""
    return month_recovery_by(first_day=first_day, last_day=last_day, through=through,
                             place_of=lambda ids: dict.fromkeys(ids, ""), moved_after=moved_after).get("", NOTHING)


def month_recovery_by(*, first_day: date, last_day: date, through: date,
                      place_of: Callable[[set[int]], dict[int, K]],
                      moved_after: Mapping[int, int] | None = None) -> dict[K, MonthRecovery]:
    """The same count split by place: ``place_of`` maps the ids of the accounts charged or billed to their place
    (``moved_after``: queries.customer_moves_after's for ``through``, when the caller counts several months)."""
    prepaid = queries.prepaid_charges_by_account(first_day=first_day, through=through, moved_after=moved_after)
    postpaid = queries.postpaid_bills_by_account(first_day=first_day, last_day=last_day, through=through)
    places = place_of({row[0] for row in prepaid} | {row[0] for row in postpaid})
    return recovery_by_place(
        prepaid=[(places[account_id], charged, balance) for account_id, charged, balance in prepaid],
        postpaid=[(places[account_id], bills, billed, paid) for account_id, bills, billed, paid in postpaid],
    )
