"""The scripted steps of one seed: a town's days and the day's events in a random order, drawn from the seed alone.

The same seed gives the same plan, so a run with crashes and its uninterrupted twin do the same things; nothing in
a plan depends on what the database answers (meters report the scripted energy whatever their relay does, and
customers pay on a schedule), so the two runs must end with the same money.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
ACCOUNTS = 6
DAYS = 2
FIRST_DAY = date(2026, 3, 2)


@dataclass(frozen=True)
class Step:
    kind: str  # readings | settle | settle_twice | alerts | api_payment | wechat_payment | refund | enforce |
    #            gateway | sweep | withholding | reconcile
    at: datetime
    account: int = 0  # index into the town's accounts
    amount_fen: int = 0
    reference: str = ""  # a transaction id, an order's key, a refund number
    deliveries: int = 1  # how often a channel delivers the same message
    concurrent: bool = False  # the deliveries at the same moment, each on its own connection
    day: date | None = None
    payment: str = ""  # which earlier payment a refund takes money off (its reference)


@dataclass(frozen=True)
class Plan:
    seed: int
    first_day: date
    opening_fen: list[int]
    protected: int  # the one protected account (保电)
    daily_kwh: dict[tuple[int, date], str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=DAYS - 1)


def plan(seed: int) -> Plan:
    rng = random.Random(seed)
    first = FIRST_DAY + timedelta(days=rng.randrange(365))  # weekdays, weekends and holidays alike
    opening = [rng.choice([0, 300, 1_500, 4_000, 20_000]) for _ in range(ACCOUNTS)]
    daily = {(a, first + timedelta(days=d)): f"{rng.randint(300, 4_500) / 100:.2f}"
             for a in range(ACCOUNTS) for d in range(DAYS)}
    steps: list[Step] = []
    wechat_payments: list[str] = []
    for offset in range(DAYS):
        day = first + timedelta(days=offset)
        events = [_event(rng, day, n, wechat_payments) for n in range(rng.randint(4, 8))]
        events += [Step("enforce", at=_at(day, 9, 30)), Step("gateway", at=_at(day, 9, 31))]
        steps += sorted(events, key=lambda s: s.at)
        steps.append(Step("sweep", at=_at(day, 23, 0)))
        next_morning = day + timedelta(days=1)
        steps.append(Step("readings", at=_at(next_morning, 0, 30), day=day))
        steps.append(Step("settle_twice" if rng.random() < 0.3 else "settle", at=_at(next_morning, 1, 30), day=day))
        steps.append(Step("alerts", at=_at(next_morning, 1, 40), day=day))
        if rng.random() < 0.5:
            steps.append(Step("reconcile", at=_at(next_morning, 3, 0), day=day))
    return Plan(seed=seed, first_day=first, opening_fen=opening, protected=rng.randrange(ACCOUNTS),
                daily_kwh=daily, steps=steps)


def _event(rng: random.Random, day: date, n: int, wechat_payments: list[str]) -> Step:
    at = _at(day, rng.randint(8, 19), rng.randint(0, 59))
    account = rng.randrange(ACCOUNTS)
    deliveries = rng.choice([1, 1, 2, 3])
    concurrent = deliveries > 1 and rng.random() < 0.5
    kind = rng.choices(["api_payment", "wechat_payment", "refund", "enforce", "gateway", "withholding"],
                       weights=[4, 4, 2, 2, 3, 1])[0]
    reference = f"{day:%m%d}-{n}"
    if kind == "refund" and not wechat_payments:
        kind = "wechat_payment"
    if kind in ("api_payment", "wechat_payment"):
        if kind == "wechat_payment":
            wechat_payments.append(reference)
        return Step(kind, at=at, account=account, amount_fen=rng.choice([500, 2_000, 5_000, 10_000]),
                    reference=reference, deliveries=deliveries, concurrent=concurrent)
    if kind == "refund":
        # Sometimes more than is left of the payment: the channel refuses it, and so must we.
        return Step(kind, at=at, amount_fen=rng.choice([100, 1_000, 3_000, 20_000]), reference=f"R{reference}",
                    payment=rng.choice(wechat_payments), deliveries=deliveries, concurrent=concurrent)
    return Step(kind, at=at)


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), SHANGHAI)
