"""The collection areas with their collector, places, account counts and the history of who answered for them."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count

from gridpay.data.models import Account, AreaCollector, AreaMember, CollectionArea
from gridpay.data.models.accounts import AccountStatus
from gridpay.data.queries.collection_areas import responsibility_on


@dataclass(frozen=True)
class CollectorPeriod:
    collector: str
    valid_from: date
    valid_to: date | None


@dataclass
class AreaView:
    name: str
    collector: str  # on the day asked about; empty: nobody
    places: list[str] = field(default_factory=list)
    accounts: int = 0  # active accounts the area answers for on that day
    history: list[CollectorPeriod] = field(default_factory=list)


@dataclass(frozen=True)
class AreasOverview:
    day: date
    areas: list[AreaView]
    accounts_outside: int  # active accounts of villages in no area (their grid staff member answers)


def list_areas(*, day: date) -> AreasOverview:
    views = {area.id: AreaView(name=area.name, collector="") for area in CollectionArea.objects.order_by("name")}
    for row in AreaCollector.objects.select_related("collector").order_by("area_id", "valid_from"):
        view = views[row.area_id]
        view.history.append(CollectorPeriod(row.collector.name, row.valid_from, row.valid_to))
        if row.valid_from <= day and (row.valid_to is None or day < row.valid_to):
            view.collector = row.collector.name
    current = AreaMember.objects.filter(valid_from__lte=day).exclude(valid_to__lte=day).select_related("village")
    for member in current.order_by("village__name", "transformer_area"):
        views[member.area_id].places.append(f"{member.village.name} {member.transformer_area}".strip())
    responsibility = responsibility_on(day)
    counts: Counter[int | None] = Counter()
    places = (Account.objects.filter(status=AccountStatus.ACTIVE).values("village_id", "transformer_area")
              .annotate(n=Count("id")).values_list("village_id", "transformer_area", "n"))
    for village_id, transformer_area, n in places:
        counts[responsibility.area_of(village_id=village_id, transformer_area=transformer_area)] += n
    for area_id, view in views.items():
        view.accounts = counts[area_id]
    return AreasOverview(day=day, areas=list(views.values()), accounts_outside=counts[None])
