"""The monthly reminder campaign (seed 003 喊话温馨提示): its days, the route, the texts read aloud, who was asked."""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypeVar

from gridpay.domain.arrears_procedure import SYSTEM
from gridpay.domain.coverage import distance_m
from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop

T = TypeVar("T")
# How people pay without coming to an outlet (the same channels the SMS texts name).
ONLINE_CHANNELS = ("网上国网App", "微信", "支付宝")
MOST_OUTLETS = 3  # a broadcast names at most this many places to pay: more is not remembered
# A sum of money as it could be written or read: digits (ASCII or full-width) before 元/块/圆/角, or a yuan sign.
MONEY = re.compile(r"[0-9０-９][0-9０-９.,，．]*\s*(?:元|块|圆|角)|[¥￥]")


class CampaignDaysInvalid(DomainError):
    code = "campaign_days_invalid"


def campaign_days(*, month: date, first_day: int, last_day: int) -> list[date]:
    """The campaign days of ``month`` (any day of it), first to last included."""
    if not 1 <= first_day <= last_day <= 28:
        raise CampaignDaysInvalid(gettext_noop("宣传日应在每月 1 日到 28 日之间，且首日不晚于末日"), field="days")
    return [month.replace(day=day) for day in range(first_day, last_day + 1)]


def month_of(day: date) -> date:
    return day.replace(day=1)


def follow_up_date(*, month: date, follow_up_day: int) -> date:
    """The day the bundles and follow-up lists are handed out (default the 19th)."""
    return month.replace(day=follow_up_day)


@dataclass(frozen=True)
class Stop:
    """A village to ride through; ``latitude``/``longitude`` None when it has no coordinates."""

    key: int
    name: str
    latitude: float | None
    longitude: float | None

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def route_order(*, start: tuple[float, float] | None, stops: Iterable[Stop]) -> list[Stop]:
    """Nearest neighbour from ``start`` (the station), ties by name then key; without a start, from the first located
    village by name. Villages without coordinates come last, by name: the collector knows where they are."""
    ordered = sorted(stops, key=lambda s: (s.name, s.key))
    remaining = [s for s in ordered if s.located]
    route: list[Stop] = []
    here = start
    while remaining:
        if here is None:
            nearest = remaining[0]
        else:
            lat, lon = here
            nearest = min(remaining, key=lambda s: (round(_away(lat, lon, s), 3), s.name, s.key))
        remaining.remove(nearest)
        route.append(nearest)
        assert nearest.latitude is not None and nearest.longitude is not None
        here = (nearest.latitude, nearest.longitude)
    return route + [s for s in ordered if not s.located]


def _away(lat: float, lon: float, stop: Stop) -> float:
    assert stop.latitude is not None and stop.longitude is not None
    return distance_m(lat, lon, stop.latitude, stop.longitude)


def spread_over_days(*, ordered: Sequence[T], days: Sequence[date]) -> list[tuple[date, list[T]]]:
    """The route cut into consecutive legs, one a day, as even as can be (sizes differ by one at most, the longer
    legs first); fewer villages than days leave the last days free. Every village is in exactly one leg."""
    if not days:
        raise CampaignDaysInvalid(gettext_noop("没有可安排的宣传日"), field="days")
    legs: list[tuple[date, list[T]]] = []
    count, n = len(ordered), len(days)
    size, extra = divmod(count, n)
    position = 0
    for index, day in enumerate(days):
        take = size + (1 if index < extra else 0)
        if take:
            legs.append((day, list(ordered[position : position + take])))
        position += take
    return legs


@dataclass(frozen=True)
class PayPoint:
    """An open outlet near the village, as the broadcast names it."""

    name: str
    address: str


@dataclass(frozen=True)
class OutletSite:
    name: str
    address: str
    latitude: float
    longitude: float


def nearest_outlets(*, centre: tuple[float, float] | None, outlets: Sequence[OutletSite], radius_m: float,
                    most: int = MOST_OUTLETS) -> list[PayPoint]:
    """The open outlets within the 10-minute circle of the village centre, nearest first; none inside it: the one
    nearest outlet, so that the broadcast always says where to go. Without a centre: none (the text says the hall)."""
    if centre is None or not outlets:
        return []
    by_distance = sorted(outlets, key=lambda o: (distance_m(centre[0], centre[1], o.latitude, o.longitude), o.name))
    inside = [o for o in by_distance if distance_m(centre[0], centre[1], o.latitude, o.longitude) <= radius_m]
    chosen = inside[:most] or by_distance[:1]
    return [PayPoint(o.name, o.address) for o in chosen]


def without_money(text: str) -> str:
    """A name or address as it may be read aloud: any sum of money in it is left out (amounts are never read), again
    until none is left (taking one out can join the pieces of another)."""
    while MONEY.search(text):
        text = MONEY.sub("", text)
    return text.strip()


def spoken_date(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _places(points: Sequence[PayPoint]) -> str:
    named = []
    for point in points:
        name, address = without_money(point.name), without_money(point.address)
        if name:
            named.append(f"{name}（{address}）" if address and address != name else name)
    return "、".join(named)


def broadcast_text(*, utility: str, village: str, deadline: date, outlets: Sequence[PayPoint],
                   online: Sequence[str] = ONLINE_CHANNELS) -> str:
    """What the loudspeaker says in a village: who speaks, the deadline, where and how to pay. Never an amount, never
    a customer's name (it is read aloud in the street): it takes neither, and sums in place names are dropped."""
    places = _places(outlets)
    where = f"就近可到{places}交费，也可以到供电所营业厅交费" if places else "请到供电所营业厅交费"
    ways = "、".join(without_money(w) for w in online if without_money(w))
    return (
        f"{without_money(village)}的乡亲们请注意，{without_money(utility)}温馨提示：还没有交清电费的用户，"
        f"请在{spoken_date(deadline)}前交清电费，以免产生违约金或影响用电。{where}。"
        + (f"也可以用手机在{ways}上交费。" if ways else "")
        + "行动不便的用户请联系本村网格员上门服务。谢谢大家！"
    )


def wechat_text(*, utility: str, village: str, deadline: date, outlets: Sequence[PayPoint],
                online: Sequence[str] = ONLINE_CHANNELS) -> str:
    """The village WeChat group's message for the same day: the broadcast's facts, written; no amounts, no names."""
    places = _places(outlets)
    ways = "、".join(without_money(w) for w in online if without_money(w))
    lines = [
        f"【{without_money(utility)}交费提醒】{without_money(village)}的乡亲们好！",
        f"本月电费请在{spoken_date(deadline)}前交清，以免产生违约金或影响用电。",
        f"就近交费：{places}；供电所营业厅。" if places else "交费地点：供电所营业厅。",
    ]
    if ways:
        lines.append(f"手机交费：{ways}，随时可交。")
    lines.append("行动不便的用户请联系本村网格员，我们上门服务。")
    return "\n".join(lines)


class ContactWay(StrEnum):
    VISIT = "visit"
    PHONE = "phone"
    NOTICE = "notice"
    BROADCAST = "broadcast"  # heard the loudspeaker: recorded, but nobody asked this household

    @property
    def label(self) -> str:
        return CONTACT_WAY_LABELS[self]


CONTACT_WAY_LABELS = {
    ContactWay.VISIT: gettext_noop("上门"),
    ContactWay.PHONE: gettext_noop("电话"),
    ContactWay.NOTICE: gettext_noop("送达通知"),
    ContactWay.BROADCAST: gettext_noop("广播（不计入）"),
}


class ContactOutcome(StrEnum):
    PROMISED = "promised"  # will pay by a date
    PAID = "paid"
    REFUSED = "refused"
    NOT_HOME = "not_home"
    OTHER = "other"

    @property
    def label(self) -> str:
        return CONTACT_OUTCOME_LABELS[self]


CONTACT_OUTCOME_LABELS = {
    ContactOutcome.PROMISED: gettext_noop("承诺交费"),
    ContactOutcome.PAID: gettext_noop("已交费"),
    ContactOutcome.REFUSED: gettext_noop("拒交"),
    ContactOutcome.NOT_HOME: gettext_noop("未见到人"),
    ContactOutcome.OTHER: gettext_noop("其他"),
}


class FollowUpInvalid(DomainError):
    code = "follow_up_invalid"


def check_follow_up(*, how: str, outcome: str, day: date, promised_on: date | None) -> tuple[ContactWay,
                                                                                             ContactOutcome]:
    """A contact as recorded: a known way and outcome; a promise has its date, on or after the contact."""
    try:
        way = ContactWay(how)
    except ValueError:
        raise FollowUpInvalid(gettext_noop("联系方式应为 {choices} 之一"), field="how",
                              params={"choices": "、".join(w.value for w in ContactWay)}) from None
    try:
        result = ContactOutcome(outcome)
    except ValueError:
        raise FollowUpInvalid(gettext_noop("结果应为 {choices} 之一"), field="outcome",
                              params={"choices": "、".join(o.value for o in ContactOutcome)}) from None
    if result is ContactOutcome.PROMISED and promised_on is None:
        raise FollowUpInvalid(gettext_noop("承诺交费请给出承诺交费日期"), field="promised_on")
    if promised_on is not None and promised_on < day:
        raise FollowUpInvalid(gettext_noop("承诺交费日期不能早于联系日期"), field="promised_on")
    return way, result


class TouchSource(StrEnum):
    FOLLOW_UP = "follow_up"  # a follow-up record of the campaign
    CALL = "call"  # a call task of the control loop
    ARREARS_STEP = "arrears_step"  # a step of the postpaid arrears procedure


@dataclass(frozen=True)
class Touch:
    source: TouchSource
    by: str  # who: a person's name; empty or "system" for what a job did
    how: str = ""  # a follow-up's ContactWay; a call's outcome


SYSTEM_ACTORS = frozenset({"", SYSTEM})  # what jobs and payments write as the actor of a step they take


def counts_as_touched(touch: Touch) -> bool:
    """Seed 003 用户欠费月月有人问、有人管: a person asked about the account. A broadcast asks nobody in particular, an
    unanswered call task nobody made, a job's step no person took."""
    if touch.by.strip().lower() in SYSTEM_ACTORS:
        return False
    if touch.source is TouchSource.FOLLOW_UP:
        return touch.how != ContactWay.BROADCAST
    if touch.source is TouchSource.CALL:
        return touch.how not in ("", "pending")
    return True


def untouched(*, accounts: Iterable[T], touches: Callable[[T], Iterable[Touch]]) -> list[T]:
    """The accounts no person asked about, in the order given."""
    return [account for account in accounts if not any(counts_as_touched(t) for t in touches(account))]
