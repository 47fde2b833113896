"""Arrears by collection area and by collector on a day, their ageing, and their trend over the last month ends."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from gridpay.data.models import CollectionArea, GridStaff
from gridpay.data.queries.collection import accounts_in_arrears_at_end_of
from gridpay.data.queries.collection_areas import responsibility_on
from gridpay.data.queries.reports import customer_moves_after
from gridpay.data.replica import reading_from_replica
from gridpay.domain.arrears_ageing import ArrearsGroup, age_bands, days_in_arrears, group_arrears
from gridpay.domain.business_time import month_start

DEFAULT_MONTHS = 6


@dataclass(frozen=True)
class ArrearsRow:
    name: str  # the area's or the collector's; empty: in no area / nobody answers
    figures: ArrearsGroup


@dataclass(frozen=True)
class TrendLine:
    name: str
    accounts: list[int]  # one per point of the trend, oldest first
    owed_fen: list[int]


@dataclass(frozen=True)
class ArrearsSnapshot:
    """The arrears at the end of ``day`` by the area and the collector answering for each account that day."""

    day: date
    total: ArrearsGroup
    areas: list[ArrearsRow]  # largest first
    collectors: list[ArrearsRow]


@dataclass(frozen=True)
class ArrearsByArea:
    day: date
    now: ArrearsSnapshot
    points: list[date]  # the trend's days: the month ends before ``day``'s month, then ``day``
    total_trend: TrendLine
    area_trend: list[TrendLine]
    collector_trend: list[TrendLine]


@reading_from_replica()
def arrears_by_area(*, day: date, months: int = DEFAULT_MONTHS) -> ArrearsByArea:
    """``day`` and the ``months`` month ends before it (as the recovery report shows a month and the ``months``
    before it), each as the ledger and the bills stood at its end."""
    points = [*month_ends_before(day=day, count=max(months, 0)), day]
    moves = customer_moves_after(points)
    snapshots = [arrears_snapshot(day=point, moved_after=moves[point]) for point in points]
    return ArrearsByArea(
        day=day, now=snapshots[-1], points=points,
        total_trend=TrendLine("", [s.total.accounts for s in snapshots], [s.total.owed_fen for s in snapshots]),
        area_trend=_trend(snapshots, lambda s: s.areas), collector_trend=_trend(snapshots, lambda s: s.collectors),
    )


def arrears_snapshot(*, day: date, moved_after: Mapping[int, int] | None = None) -> ArrearsSnapshot:
    """The same figures whenever it is asked for once ``day`` is over: from history, not from today's state."""
    responsibility = responsibility_on(day)
    names = dict(GridStaff.objects.values_list("id", "name"))
    areas = dict(CollectionArea.objects.values_list("id", "name"))
    by_area, by_collector = [], []
    for line in accounts_in_arrears_at_end_of(day=day, moved_after=moved_after):
        who = responsibility.of(village_id=line.village_id, transformer_area=line.transformer_area)
        days = days_in_arrears(day=day, since=line.since)
        by_area.append((areas.get(who.area_id, "") if who.area_id is not None else "", days, line.owed_fen))
        by_collector.append((names.get(who.collector_id, "") if who.collector_id is not None else "", days,
                             line.owed_fen))
    total = group_arrears(arrears=[("", days, fen) for _, days, fen in by_area]).get(
        "", ArrearsGroup(accounts=0, owed_fen=0, bands=age_bands(arrears=[])))
    return ArrearsSnapshot(day=day, total=total, areas=_rows(group_arrears(arrears=by_area)),
                           collectors=_rows(group_arrears(arrears=by_collector)))


def month_ends_before(*, day: date, count: int) -> list[date]:
    """The last days of the ``count`` months before ``day``'s month, oldest first."""
    ends: list[date] = []
    first = month_start(day)
    for _ in range(count):
        end = first - timedelta(days=1)
        ends.append(end)
        first = month_start(end)
    return ends[::-1]


def _rows(groups: dict[str, ArrearsGroup]) -> list[ArrearsRow]:
    return [ArrearsRow(name, figures) for name, figures in
            sorted(groups.items(), key=lambda item: (item[0] == "", -item[1].owed_fen, item[0]))]


def _trend(snapshots: list[ArrearsSnapshot], rows_of: Callable[[ArrearsSnapshot], list[ArrearsRow]]) -> list[TrendLine]:
    names = sorted({row.name for s in snapshots for row in rows_of(s)}, key=lambda name: (name == "", name))
    lines = []
    for name in names:
        found = [{row.name: row.figures for row in rows_of(s)}.get(name) for s in snapshots]
        lines.append(TrendLine(name, [f.accounts if f else 0 for f in found], [f.owed_fen if f else 0 for f in found]))
    return lines

