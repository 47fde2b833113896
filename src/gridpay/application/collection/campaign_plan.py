"""Plans a month's campaign: each collector's villages with unpaid bills or low balances, along a route, over the days.

Planned again in the same month, the rounds already done stay as they were (they are the record); the villages
still to visit are planned anew over the campaign days from the planning day on.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction

from gridpay.application.errors import InvalidInput, NotAllowed
from gridpay.data.models import AuditRecord, CampaignRound, GridStaff, Village
from gridpay.data.queries.collection_areas import responsibility_on
from gridpay.data.queries.collection_campaign import concerned_accounts, station_location
from gridpay.data.settings import gridpay_settings
from gridpay.domain.collection_campaign import Stop, campaign_days, month_of, route_order, spread_over_days
from gridpay.domain.staff_roles import Action, Role, may
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class CollectorPlan:
    collector: str
    villages: int  # planned now
    days: int  # campaign days with a round


@dataclass(frozen=True)
class CampaignPlan:
    month: date
    days: list[date]  # the days planned over
    collectors: list[CollectorPlan] = field(default_factory=list)
    kept_done: int = 0  # rounds already done this month, kept
    accounts: int = 0  # households the campaign is for on the planning day
    nobody: int = 0  # of them, in villages nobody answers for (no area, no grid staff): not planned


def plan_campaign(*, month: date, today: date, actor: str, roles: Iterable[Role], at: datetime) -> CampaignPlan:
    if not may(roles, Action.ARRANGE_COLLECTION):
        raise NotAllowed(gettext_noop("只有班长或所长可以安排催费宣传"), field="as")
    settings = gridpay_settings()
    month = month_of(month)
    days = [d for d in campaign_days(month=month, first_day=settings.campaign_first_day,
                                     last_day=settings.campaign_last_day) if d >= today]
    if not days:
        raise InvalidInput(gettext_noop("{month} 的宣传日已过，不能再安排"), field="month",
                           params={"month": month.strftime("%Y-%m")})
    concerned = concerned_accounts(day=today)
    responsibility = responsibility_on(days[0])
    villages_of: dict[int, set[int]] = defaultdict(set)
    nobody = 0
    for account in concerned:
        who = responsibility.of(village_id=account.village_id, transformer_area=account.transformer_area)
        if who.collector_id is None:
            nobody += 1
        else:
            villages_of[who.collector_id].add(account.village_id)
    start = station_location()
    villages = {v.id: v for v in Village.objects.filter(id__in={v for ids in villages_of.values() for v in ids})}
    names = dict(GridStaff.objects.values_list("id", "name"))
    plans = []
    with transaction.atomic():
        rounds = CampaignRound.objects.select_for_update().filter(month=month)
        done = set(rounds.filter(done_at__isnull=False).values_list("collector_id", "village_id"))
        rounds.filter(done_at__isnull=True).delete()
        for collector_id in sorted(villages_of, key=lambda c: (names.get(c, ""), c)):
            stops = [_stop(villages[v]) for v in villages_of[collector_id] if (collector_id, v) not in done]
            legs = spread_over_days(ordered=route_order(start=start, stops=stops), days=days)
            CampaignRound.objects.bulk_create([
                CampaignRound(month=month, collector_id=collector_id, village_id=stop.key, day=day,
                              position=position, planned_at=at)
                for day, leg in legs for position, stop in enumerate(leg, start=1)
            ])
            plans.append(CollectorPlan(names.get(collector_id, ""), len(stops), len(legs)))
        AuditRecord.objects.create(
            at=at, actor=actor[:100], action="collection.campaign_plan", target=f"campaign:{month:%Y-%m}",
            new={"rounds": sum(p.villages for p in plans), "kept_done": len(done),
                 "from": days[0].isoformat(), "to": days[-1].isoformat()},
        )
    return CampaignPlan(month=month, days=days, collectors=plans, kept_done=len(done), accounts=len(concerned),
                        nobody=nobody)


def _stop(village: Village) -> Stop:
    located = village.latitude is not None and village.longitude is not None
    return Stop(village.id, village.name, float(village.latitude) if located else None,  # type: ignore[arg-type]
                float(village.longitude) if located else None)  # type: ignore[arg-type]
