"""The demo town's collection areas (催费片区): one per grid staff member of the schedule, over their villages."""

from datetime import date, datetime

from gridpay.application.collection.assign_to_area import assign_to_area
from gridpay.application.collection.set_area_collector import set_area_collector
from gridpay.demo.sign_ins import demo_staff
from gridpay.demo.villages import ScheduledVillage


def install_collection_areas(villages: list[ScheduledVillage], *, since: date, at: datetime) -> None:
    """Each grid staff member collects in their own villages from ``since``; running it again changes nothing."""
    supervisor = demo_staff("supervisor")
    for village in villages:
        area = f"{village.grid_staff}片区"
        set_area_collector(area=area, collector=village.grid_staff, phone=village.grid_phone, valid_from=since,
                           actor=supervisor.actor, roles=supervisor.roles, at=at)
        assign_to_area(area=area, village=village.name, valid_from=since, actor=supervisor.actor,
                       roles=supervisor.roles, at=at)
