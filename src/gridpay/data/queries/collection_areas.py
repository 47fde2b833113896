"""Reads the collection areas of a day into the domain's Responsibility."""

from datetime import date

from gridpay.data.models import AreaCollector, AreaMember, Village
from gridpay.domain.collection_areas import Assignment, Membership, Responsibility


def responsibility_on(day: date) -> Responsibility:
    members = [
        Membership(area_id=row.area_id, village_id=row.village_id, transformer_area=row.transformer_area,
                   valid_from=row.valid_from, valid_to=row.valid_to)
        for row in AreaMember.objects.filter(valid_from__lte=day).exclude(valid_to__lte=day)
    ]
    collectors = [
        Assignment(area_id=row.area_id, collector_id=row.collector_id, valid_from=row.valid_from,
                   valid_to=row.valid_to)
        for row in AreaCollector.objects.filter(valid_from__lte=day).exclude(valid_to__lte=day)
    ]
    village_staff = dict(Village.objects.values_list("id", "grid_staff_id"))
    return Responsibility(on=day, members=members, collectors=collectors, village_staff=village_staff)
