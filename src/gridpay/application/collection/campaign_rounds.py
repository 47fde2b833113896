"""The campaign's rounds as a collector rides them: the day's villages in route order, each with what to say."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from gridpay.application.errors import InvalidInput, NotFound
from gridpay.data.models import CampaignRound, GridStaff, Village
from gridpay.data.queries.collection_areas import responsibility_on
from gridpay.data.queries.collection_campaign import concerned_accounts, open_outlet_sites
from gridpay.data.settings import gridpay_settings
from gridpay.domain.collection_campaign import (
    OutletSite,
    PayPoint,
    broadcast_text,
    campaign_days,
    nearest_outlets,
    wechat_text,
)
from gridpay.domain.coverage import circle_radius_m
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class RoundView:
    round_id: int
    collector: str
    village: str
    day: date
    position: int
    households: int  # the village's households the campaign is for, of this collector, on the day asked about
    done_at: datetime | None
    done_by: str
    note: str
    broadcast: str  # read aloud: no amounts, no names
    wechat: str  # for the village's WeChat group


def campaign_rounds(*, today: date, month: date | None = None, day: date | None = None,
                    collector: str = "") -> list[RoundView]:
    """The rounds of a month (or of one day), of one collector (by name) or all, by collector, day and route."""
    rows = CampaignRound.objects.select_related("collector", "village")
    if day is not None:
        rows = rows.filter(day=day)
    if month is not None:
        rows = rows.filter(month=month.replace(day=1))
    if collector.strip():
        rows = rows.filter(collector=collector_named(collector))
    rounds = list(rows.order_by("collector__name", "day", "position", "id"))
    if not rounds:
        return []
    households = _households(today)
    texts = VillageTexts()
    return [
        RoundView(
            round_id=r.id, collector=r.collector.name, village=r.village.name, day=r.day, position=r.position,
            households=households[(r.collector_id, r.village_id)], done_at=r.done_at, done_by=r.done_by, note=r.note,
            broadcast=texts.broadcast(r.village, r.month), wechat=texts.wechat(r.village, r.month),
        )
        for r in rounds
    ]


def collector_named(name: str) -> GridStaff:
    people = list(GridStaff.objects.filter(name=name.strip())[:2])
    if len(people) == 1:
        return people[0]
    if not people:
        raise NotFound(gettext_noop("没有名为 {name} 的收费员/网格员"), field="collector", params={"name": name})
    raise InvalidInput(gettext_noop("有多位名为 {name} 的收费员/网格员"), field="collector", params={"name": name})


def _households(day: date) -> Counter[tuple[int | None, int]]:
    responsibility = responsibility_on(day)
    counted: Counter[tuple[int | None, int]] = Counter()
    for account in concerned_accounts(day=day):
        who = responsibility.of(village_id=account.village_id, transformer_area=account.transformer_area)
        counted[(who.collector_id, account.village_id)] += 1
    return counted


class VillageTexts:
    """The broadcast and WeChat texts of villages, with the nearest open outlets of each (read once)."""

    def __init__(self) -> None:
        settings = gridpay_settings()
        self.utility = settings.utility_name
        self.first_day, self.last_day = settings.campaign_first_day, settings.campaign_last_day
        self.outlets: list[OutletSite] = open_outlet_sites()
        self.radius_m = circle_radius_m()

    def deadline(self, month: date) -> date:
        """The last campaign day: pay by then."""
        return campaign_days(month=month, first_day=self.first_day, last_day=self.last_day)[-1]

    def pay_points(self, village: Village) -> list[PayPoint]:
        centre = None
        if village.latitude is not None and village.longitude is not None:
            centre = (float(village.latitude), float(village.longitude))
        return nearest_outlets(centre=centre, outlets=self.outlets, radius_m=self.radius_m)

    def broadcast(self, village: Village, month: date) -> str:
        return broadcast_text(utility=self.utility, village=village.name, deadline=self.deadline(month),
                              outlets=self.pay_points(village))

    def wechat(self, village: Village, month: date) -> str:
        return wechat_text(utility=self.utility, village=village.name, deadline=self.deadline(month),
                           outlets=self.pay_points(village))
