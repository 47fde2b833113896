"""Every account in arrears on a day with the one person who answers for it (seed 003 责任到人) and their area."""

from dataclasses import dataclass
from datetime import date

from gridpay.application.errors import NotFound
from gridpay.data.models import CollectionArea, GridStaff
from gridpay.data.queries.collection import AccountInArrears, accounts_in_arrears
from gridpay.data.queries.collection_areas import responsibility_on
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class ArrearsAssignment:
    account: AccountInArrears
    collector_id: int | None  # None: nobody answers for it (its village has no area and no grid staff member)
    collector: str
    area: str  # empty: its village is in no area (its grid staff member answers)


def arrears_assignments(*, day: date, collector: str = "") -> list[ArrearsAssignment]:
    """Everyone's, or ``collector``'s alone (an unknown name is refused: an empty list would read as "none owed")."""
    responsibility = responsibility_on(day)
    names = dict(GridStaff.objects.values_list("id", "name"))
    if collector.strip() and collector.strip() not in names.values():
        raise NotFound(gettext_noop("没有名为 {name} 的网格员/收费员"), field="collector", params={"name": collector})
    areas = dict(CollectionArea.objects.values_list("id", "name"))
    found = []
    for line in accounts_in_arrears(day=day):
        who = responsibility.of(village_id=line.village_id, transformer_area=line.transformer_area)
        found.append(ArrearsAssignment(
            account=line, collector_id=who.collector_id,
            collector=names.get(who.collector_id, "") if who.collector_id is not None else "",
            area=areas.get(who.area_id, "") if who.area_id is not None else "",
        ))
    return [line for line in found if line.collector == collector.strip()] if collector.strip() else found
