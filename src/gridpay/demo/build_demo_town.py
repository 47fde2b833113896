"""Builds the demo town: the built-in tariffs, 码头镇's villages and the generated households, enrolled.

A demo town already in the database is continued, not rebuilt: accounts that exist are checked
against the households the same seed generates and kept; the missing ones are enrolled. A database
holding anything else (other accounts, a demo town generated with other parameters) is refused.

The households of the villages the rollout schedule had not reached by the demo's last day (at least
the schedule's last four, at most six: villages.postpaid_village_count) are enrolled postpaid. Which
villages those are is decided when the town is built and read back from its accounts afterwards, so a
town continued to a later last day keeps them (the demo does not convert accounts).
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Min

from gridpay.application.customers.enrol_account import Enrolment, enrol_accounts
from gridpay.application.tariffs.install_builtin_tariffs import install_builtin_tariffs
from gridpay.data.models import Account, AccountMode, Meter
from gridpay.data.settings import gridpay_settings
from gridpay.demo.collection_areas import install_collection_areas
from gridpay.demo.households import Household, generate_households
from gridpay.demo.places import install_agreements, install_outlets
from gridpay.demo.villages import TOWN, ScheduledVillage, install_villages, postpaid_village_count, scheduled_villages
from gridpay.domain.energy import from_ckwh
from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop

Progress = Callable[[int, int], None]

TARIFF = "zj-resident-2024"
FIRST_TARIFF_DAY = date(2024, 1, 1)
DEFAULT_HOUSEHOLDS = 3000
DEFAULT_DAYS = 60
DEFAULT_SEED = 2024
MAX_HOUSEHOLDS = 50_000  # keeps every village under the 9,999 accounts its numbers allow
MAX_DAYS = 366
ENROL_CHUNK = 250
ENROL_MINUTE = 9 * 60  # meters are installed and accounts enrolled at 09:00 the day before


class InvalidDemoPlan(DomainError):
    code = "invalid_demo_plan"


class DemoTownMismatch(DomainError):
    code = "demo_town_mismatch"


@dataclass(frozen=True)
class DemoPlan:
    households: int
    days: int
    seed: int
    first_day: date  # prepaid since this day; meters installed the day before
    existing_accounts: int
    postpaid_villages: int = 0  # the schedule's last villages, whose households are postpaid

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)


@dataclass(frozen=True)
class DemoTown:
    plan: DemoPlan
    households: list[Household]
    enrolled: int  # accounts enrolled by this run; the rest were there already


def plan_demo(*, households: int | None, days: int | None, seed: int, start: date | None, today: date) -> DemoPlan:
    """Fills in what was not given: from the demo town in the database, else so that the last day is yesterday.

    A demo town that exists keeps its households and first day; without ``days`` it is simulated
    through yesterday, so running the demo again the same day does nothing new.
    """
    existing = Account.objects.filter(village__town=TOWN)
    count = existing.count()
    # More households than are enrolled continues an interrupted enrolment; fewer cannot be.
    if households is not None and households < count:
        raise DemoTownMismatch(
            gettext_noop("数据库里已有 {count} 户的{town}演示数据，多于 --households {households}：请用原来的参数，"
                         "或换一个数据库（GRIDPAY_DATABASE_URL，或删除 gridpay.sqlite3）"),
            field="households", params={"count": count, "town": TOWN, "households": households},
        )
    existing_start = _existing_first_day()
    if existing_start is not None and start is not None and start != existing_start:
        raise DemoTownMismatch(
            gettext_noop("数据库里的{town}演示数据从 {existing_start} 开始，与 --start {start} 不符：请用原来的参数，"
                         "或换一个数据库（GRIDPAY_DATABASE_URL，或删除 gridpay.sqlite3）"),
            field="start", params={"town": TOWN, "existing_start": existing_start, "start": start},
        )
    first_day = start or existing_start
    if days is None:
        days = (today - first_day).days if first_day is not None else DEFAULT_DAYS
    if not 1 <= days <= MAX_DAYS:
        raise InvalidDemoPlan(gettext_noop("--days 应在 1 到 {most} 之间：{days}"), field="days",
                              params={"most": MAX_DAYS, "days": days})
    count_wanted = households if households is not None else (count or DEFAULT_HOUSEHOLDS)
    if not 1 <= count_wanted <= MAX_HOUSEHOLDS:
        raise InvalidDemoPlan(gettext_noop("--households 应在 1 到 {most} 之间：{count_wanted}"),
                              field="households",
                              params={"most": MAX_HOUSEHOLDS, "count_wanted": count_wanted})
    first_day = first_day or today - timedelta(days=days)
    plan = DemoPlan(households=count_wanted, days=days, seed=seed, first_day=first_day, existing_accounts=count)
    plan = replace(plan, postpaid_villages=_postpaid_villages(scheduled_villages(), last_day=plan.last_day))
    if plan.last_day >= today:
        raise InvalidDemoPlan(
            gettext_noop("模拟的最后一天 {last_day} 必须早于今天 {today}：请提前 --start 或减少 --days"), field="start",
            params={"last_day": plan.last_day, "today": today},
        )
    if first_day - timedelta(days=1) < FIRST_TARIFF_DAY:
        raise InvalidDemoPlan(
            gettext_noop("电价 {tariff} 自 {first_day} 起执行：--start 不能早于次日"), field="start",
            params={"tariff": TARIFF, "first_day": FIRST_TARIFF_DAY},
        )
    return plan


def build_demo_town(*, plan: DemoPlan, now: datetime, on_progress: Progress | None = None) -> DemoTown:
    install_builtin_tariffs()
    villages = install_villages(first_day=plan.first_day, last_day=plan.last_day, postpaid=plan.postpaid_villages)
    install_outlets(villages)
    households = generate_households(
        count=plan.households, seed=plan.seed, villages=villages, postpaid_villages=plan.postpaid_villages
    )
    missing = _check_existing(households, seed=plan.seed)
    installed_on = plan.first_day - timedelta(days=1)
    at = min(local_instant(installed_on, minute=ENROL_MINUTE), now)
    done = len(households) - len(missing)
    if on_progress:
        on_progress(done, len(households))
    for start in range(0, len(missing), ENROL_CHUNK):
        chunk = missing[start : start + ENROL_CHUNK]
        # One transaction per chunk, written in bulk: an interrupted run leaves whole chunks that a re-run
        # recognises and continues after.
        enrol_accounts(enrolments=[enrolment_of(h, first_day=plan.first_day) for h in chunk], at=at,
                       business_day=installed_on)
        done += len(chunk)
        if on_progress:
            on_progress(done, len(households))
    install_agreements(villages, seed=plan.seed, at=at)
    install_collection_areas(villages, since=installed_on, at=at)
    return DemoTown(plan=plan, households=households, enrolled=len(missing))


def _existing_first_day() -> date | None:
    """The demo town's first day: its prepaid accounts' start, else (a town of postpaid households only) the day
    after its meters were installed."""
    accounts = Account.objects.filter(village__town=TOWN)
    first: date | None = accounts.aggregate(first=Min("prepaid_since"))["first"]
    if first is not None:
        return first
    installed: date | None = Meter.objects.filter(account__in=accounts).aggregate(first=Min("installed_on"))["first"]
    return None if installed is None else installed + timedelta(days=1)


def _postpaid_villages(villages: list[ScheduledVillage], *, last_day: date) -> int:
    """How many of the schedule's last villages are postpaid: as the town in the database has them, else by the
    plan's last day.

    The households are enrolled in village order, so a town whose enrolment was interrupted before any postpaid
    village may still choose, among the villages it has not reached."""
    accounts = Account.objects.filter(village__town=TOWN)
    index = {v.name: i for i, v in enumerate(villages)}
    postpaid = accounts.filter(mode=AccountMode.POSTPAID).values_list("village__name", flat=True).order_by().distinct()
    if postpaid:
        return len(villages) - min(index[name] for name in postpaid)
    wanted = postpaid_village_count(villages, last_day=last_day)
    enrolled = [index[name] for name in accounts.values_list("village__name", flat=True).order_by().distinct()]
    return min(wanted, len(villages) - 1 - max(enrolled)) if enrolled else wanted


def enrolment_of(household: Household, *, first_day: date) -> Enrolment:
    h = household
    tou = (
        {}
        if h.start_peak_ckwh is None or h.start_valley_ckwh is None
        else {
            "peak": from_ckwh(h.start_peak_ckwh),
            "valley": from_ckwh(h.start_valley_ckwh),
        }
    )
    return Enrolment(
        account_no=h.account_no,
        customer_name=h.customer_name,
        tariff_code=TARIFF,
        meter_no=h.meter_no,
        dlt645_address=h.dlt645_address,
        installed_on=first_day - timedelta(days=1),
        mode=AccountMode.POSTPAID if h.postpaid else AccountMode.PREPAID,
        prepaid_since=None if h.postpaid else first_day,
        category=h.category,
        important=h.important,
        phone=h.phone,
        village=h.village,
        town=TOWN,
        transformer_area=h.transformer_area,
        address=h.address,
        time_of_use=h.time_of_use,
        protected_reason=h.protected_reason,
        meter_registers=Meter.Registers.TOU if h.time_of_use else Meter.Registers.TOTAL,
        meter_model=_meter_model(h.account_no),
        start_total_kwh=from_ckwh(h.start_total_ckwh),
        start_tou_kwh=tou,
        opening_balance_fen=h.opening_balance_fen,
        latitude=h.location.decimals()[0],
        longitude=h.location.decimals()[1],
    )


def _meter_model(account_no: str) -> str:
    """Three in four meters of the town take 1C (2013 amendment); the rest close on 1B when the customer acts."""
    share = int(account_no[-2:]) % 20
    return "DDZY-2013" if share < 15 else "DDZY-2009" if share < 19 else "DTZY-EXT"


def _check_existing(households: list[Household], *, seed: int) -> list[Household]:
    """The households not enrolled yet; refuses when what is enrolled is not what the seed generates."""
    if Account.objects.exclude(village__town=TOWN).exists():
        raise DemoTownMismatch(
            gettext_noop("数据库里有不属于{town}演示的用电户：演示只在新的或演示用的数据库上运行。请用原来的参数，"
                         "或换一个数据库（GRIDPAY_DATABASE_URL，或删除 gridpay.sqlite3）"),
            params={"town": TOWN},
        )
    wanted = {h.account_no: h for h in households}
    stored = Meter.objects.filter(account__village__town=TOWN).values_list(
        "account__account_no", "account__customer__name", "account__time_of_use", "meter_no", "start_total_kwh"
    )
    for account_no, name, time_of_use, meter_no, start_total_kwh in stored:
        h = wanted.get(account_no)
        if h is None or (name, time_of_use, meter_no, Decimal(start_total_kwh)) != (
            h.customer_name,
            h.time_of_use,
            h.meter_no,
            from_ckwh(h.start_total_ckwh),
        ):
            raise DemoTownMismatch(
                gettext_noop("数据库里的{town}演示数据不是用 --households {households} --seed {seed} 生成的"
                             "（户号 {account_no} 不同）：请用原来的参数，或换一个数据库（GRIDPAY_DATABASE_URL，"
                             "或删除 gridpay.sqlite3）"),
                field="seed",
                params={"town": TOWN, "households": len(households), "seed": seed, "account_no": account_no},
            )
    enrolled = set(Account.objects.filter(village__town=TOWN).values_list("account_no", flat=True))
    return [h for h in households if h.account_no not in enrolled]


def local_instant(day: date, *, minute: int) -> datetime:
    """The aware UTC instant of ``minute`` after midnight of ``day`` in the utility's business zone."""
    zone = gridpay_settings().zone
    return datetime.combine(day, time(minute // 60, minute % 60), zone).astimezone(UTC)
