"""电费回收率 by village, collection area and collector for a month against the months before; 月结月清 per village."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from gridpay.application.reports.month_recovery import month_recovery_by
from gridpay.data.models import Account, CollectionArea, GridStaff
from gridpay.data.queries.collection_areas import responsibility_on
from gridpay.data.queries.reports import customer_moves_after
from gridpay.data.replica import reading_from_replica
from gridpay.domain.business_time import month_start, next_month_start
from gridpay.domain.recovery import NOTHING, MonthRecovery

DEFAULT_MONTHS = 6


@dataclass(frozen=True)
class PlaceRates:
    name: str  # empty: accounts of no village / in no area / with nobody answering
    month: MonthRecovery  # the month asked about
    rates: list[Decimal | None]  # 电费回收率 of each month, oldest first, the month asked about last


@dataclass(frozen=True)
class RecoveryByPlace:
    month: date
    cut_off: date  # the month's last day, or today while it runs
    months: list[date]  # first days, oldest first
    town: PlaceRates
    villages: list[PlaceRates]  # each with 月结月清 (month.settled) and its accounts not paid up (month.unsettled)
    areas: list[PlaceRates]
    collectors: list[PlaceRates]


@reading_from_replica()
def recovery_by_place(*, month: date, today: date, months: int = DEFAULT_MONTHS) -> RecoveryByPlace:
    """The month and the ``months`` before it, each counted to its last day (the month in progress to today); an
    account belongs to the village it is in, and to the area and collector answering for it on the cut-off day."""
    first = month_start(month)
    firsts = [first]
    for _ in range(max(months, 0)):
        firsts.insert(0, month_start(firsts[0] - timedelta(days=1)))
    moves = customer_moves_after([_cut_off(f, today) for f in firsts])
    counted = [_month(first=f, today=today, moved_after=moves[_cut_off(f, today)]) for f in firsts]
    town = PlaceRates("", counted[-1][""].get("", NOTHING),
                      [c[""].get("", NOTHING).total.rate for c in counted])
    return RecoveryByPlace(
        month=first, cut_off=_cut_off(first, today), months=firsts, town=town,
        villages=_rows(counted, "village"), areas=_rows(counted, "area"), collectors=_rows(counted, "collector"),
    )


def _cut_off(first: date, today: date) -> date:
    return min(next_month_start(first) - timedelta(days=1), today)


def _month(*, first: date, today: date, moved_after: dict[int, int]) -> dict[str, dict[str, MonthRecovery]]:
    """One month split every way: "" (the town), "village", "area" and "collector", each a place's name to its month."""
    through = _cut_off(first, today)
    places = _places_on(through)
    found = month_recovery_by(first_day=first, last_day=next_month_start(first) - timedelta(days=1), through=through,
                              place_of=places, moved_after=moved_after)
    split: dict[str, dict[str, MonthRecovery]] = {"": {}, "village": {}, "area": {}, "collector": {}}
    for (village, area, collector), figures in found.items():
        for kind, name in (("", ""), ("village", village), ("area", area), ("collector", collector)):
            split[kind][name] = split[kind].get(name, NOTHING) + figures
    return split


def _places_on(day: date) -> Callable[[set[int]], dict[int, tuple[str, str, str]]]:
    def place_of(account_ids: set[int]) -> dict[int, tuple[str, str, str]]:
        responsibility = responsibility_on(day)
        names = dict(GridStaff.objects.values_list("id", "name"))
        areas = dict(CollectionArea.objects.values_list("id", "name"))
        found = {}
        # Every account, not those of the ids: a town's 30 000 ids would pass SQLite's limit of query parameters.
        for account_id, village_id, village, transformer_area in Account.objects.values_list(
                "id", "village_id", "village__name", "transformer_area"):
            if account_id not in account_ids:
                continue
            who = responsibility.of(village_id=village_id, transformer_area=transformer_area)
            found[account_id] = (village or "", areas.get(who.area_id, "") if who.area_id is not None else "",
                                 names.get(who.collector_id, "") if who.collector_id is not None else "")
        return found
    return place_of


def _rows(counted: list[dict[str, dict[str, MonthRecovery]]], kind: str) -> list[PlaceRates]:
    names = sorted({name for month in counted for name in month[kind]}, key=lambda name: (name == "", name))
    return [PlaceRates(name, counted[-1][kind].get(name, NOTHING),
                       [month[kind][name].total.rate if name in month[kind] else None for month in counted])
            for name in names]
