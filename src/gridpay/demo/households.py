"""The demo's households: who they are, how much they use each day, and when and how they pay.

Everything here is a pure function of the seed: the same seed gives the same households, the same
daily energy and the same payment on the same day, so a re-run of the demo repeats itself exactly.
"""

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from gridpay.demo.places import household_location
from gridpay.demo.profile import HouseholdProfile, daily_energy_ckwh, peak_ckwh
from gridpay.demo.villages import TOWN, Point, ScheduledVillage

ACCOUNT_PREFIX = "0595"  # 泉州 area code, as the town's own numbers carry
MAX_PER_VILLAGE = 9999  # the four-digit serial of an account number within its village
# The two villages at the town centre are larger than the rest.
CENTRE_VILLAGES = {"码头村", "码头社区"}
HOUSEHOLDS_PER_TRANSFORMER_AREA = 150

SURNAMES = "陈陈陈黄黄林林李吴王蔡洪郑张刘苏傅潘戴叶许柯雷周"
GIVEN = "文建明国志秀丽美华金春海玉清水木荣德福俊婷伟强芳燕平福辉英珍凤"
PROTECTED_REASONS = ("独居老人", "家用医疗设备（制氧机）", "长期卧床病人", "村卫生室")
# Shares of the channels customers pay through (counted out of 100), wechat and alipay first.
CHANNEL_WEIGHTS = {
    "wechat": 38,
    "alipay": 27,
    "counter": 9,
    "agent": 8,
    "app": 8,
    "bank": 4,
    "kiosk": 3,
    "card": 3,
}
# A rough yuan per kWh of the residential tariff, for the size of a customer's usual top-up.
ROUGH_PRICE_FEN_PER_KWH = 56


class Payer(StrEnum):
    """A household's payment habit: varied, so that the town's history tells the risk warning something (ADR 0023)."""

    PROMPT = "prompt"  # tops up soon after the balance gets low (the SMS alert), some sooner than others
    MONTHLY = "monthly"  # pays about a month's use on its own day of the month, whatever the balance; in arrears
    # when a cold or hot month outruns it, then pays on the arrears SMS
    CAMPAIGN = "campaign"  # no phone that gets the SMS (seed 003): pays in the loudspeaker campaign days 12th-18th
    AUTOPAY = "autopay"  # bank withholding when the balance falls below a level (自动代扣)
    LATE = "late"  # waits until in arrears, then pays some days late
    NEVER = "never"  # does not pay while the demo runs


PAYER_WEIGHTS = {
    Payer.PROMPT: 40, Payer.MONTHLY: 14, Payer.CAMPAIGN: 6, Payer.AUTOPAY: 12, Payer.LATE: 24, Payer.NEVER: 4,
}
PROMPT_DAILY_CHANCE = (0.35, 0.9)  # a prompt payer's chance a day of paying while the balance is low, per household
LATE_DAILY_CHANCE = 0.25
ARREARS_DAILY_CHANCE = 0.3  # a monthly or campaign payer in arrears pays on a day with this chance (the arrears SMS)
CAMPAIGN_DAYS = (12, 18)  # the monthly reminder campaign (seed 003), first and last day of the month
CAMPAIGN_DAILY_CHANCE = 0.5

# Postpaid households (villages not converted yet): a few are shops and workshops (非居民), one a water station, an
# important user (重要用户) whose disconnection the company approves. They pay their bills by their payer type: prompt
# ones within the days before the due date, bank withholding the morning after the bill, late ones this many days
# after the due date (with the late fee), and the rest not at all.
OTHER_SHARE = 0.06
OTHER_KINDS = ("商店", "小卖部", "五金加工厂", "家具作坊", "粮油店", "农资店", "茶叶加工厂", "汽修店")
IMPORTANT_NAME = "供水站"
LATE_DAYS = (1, 24)


@dataclass(frozen=True)
class Household:
    number: int  # position in generation order, from 0
    account_no: str
    meter_no: str
    dlt645_address: str
    customer_name: str
    phone: str
    village: str
    transformer_area: str
    address: str
    annual_kwh: float
    time_of_use: bool
    peak_lean: float  # how much more or less than the profile this household uses at peak times
    protected_reason: str
    start_total_ckwh: int
    start_peak_ckwh: int | None
    start_valley_ckwh: int | None
    opening_balance_fen: int
    payer: Payer
    top_up_fen: int
    top_up_below_fen: int
    channel: str
    location: Point
    postpaid: bool = False  # its village has not converted to smart payment (智能交费) yet
    pay_day: int = 1  # a monthly payer's day of the month
    prompt_chance: float = 0.7  # a prompt payer's chance a day of paying while the balance is low
    category: str = "residential"  # 居民, or other (非居民): a shop, a workshop
    important: bool = False  # 重要用户


@dataclass(frozen=True)
class DayReading:
    """A household's energy of one day, in hundredths of a kWh; peak and valley for time-of-use meters."""

    total_ckwh: int
    peak_ckwh: int | None
    valley_ckwh: int | None


@dataclass(frozen=True)
class PlannedPayment:
    channel: str
    channel_txn_id: str
    amount_fen: int
    minute_of_day: int  # local time the customer pays, minutes after midnight


def village_sizes(*, count: int, villages: Sequence[ScheduledVillage], rng: random.Random) -> list[int]:
    """Households per village: at least one each when there are enough, the rest by village weight."""
    weights = [rng.uniform(0.6, 1.4) * (1.8 if v.name in CENTRE_VILLAGES else 1.0) for v in villages]
    base = 1 if count >= len(villages) else 0
    rest = count - base * len(villages)
    shares = [rest * w / sum(weights) for w in weights]
    sizes = [base + math.floor(s) for s in shares]
    # Largest remainders take the households that flooring left over.
    by_remainder = sorted(range(len(villages)), key=lambda i: (math.floor(shares[i]) - shares[i], i))
    for i in by_remainder[: count - sum(sizes)]:
        sizes[i] += 1
    return sizes


def generate_households(
    *, count: int, seed: int, villages: Sequence[ScheduledVillage], postpaid_villages: int = 0
) -> list[Household]:
    """``count`` households over ``villages``; those of the last ``postpaid_villages`` of them are postpaid."""
    if count < 1:
        raise ValueError("at least one household")
    rng = random.Random(f"gridpay-demo:{seed}:households")
    sizes = village_sizes(count=count, villages=villages, rng=rng)
    if max(sizes) > MAX_PER_VILLAGE:
        raise ValueError(f"at most {MAX_PER_VILLAGE} households per village")
    postpaid = {v.code for v in villages[len(villages) - postpaid_villages :]} if postpaid_villages else set()
    households: list[Household] = []
    important_given = False
    for village, size in zip(villages, sizes, strict=True):
        for serial in range(1, size + 1):
            location = household_location(village, seed=seed, serial=serial)
            household = _household(number=len(households), village=village, serial=serial, rng=rng, location=location)
            household = _habit(household, seed=seed)
            if village.code in postpaid:
                household = _postpaid(household, seed=seed, important=not important_given)
                important_given = important_given or household.important
            households.append(household)
    return households


def _habit(household: Household, *, seed: int) -> Household:
    """The household's own day of the month and readiness to pay, from a stream of its own (the other draws stay)."""
    rng = random.Random(f"gridpay-demo:{seed}:habit:{household.account_no}")
    return replace(household, pay_day=rng.randint(1, 28), prompt_chance=rng.uniform(*PROMPT_DAILY_CHANCE))


def _postpaid(household: Household, *, seed: int, important: bool) -> Household:
    """The household as a postpaid customer; ``important``: the first shop or workshop is the water station instead.

    Drawn from a stream of its own, so that the prepaid households are the same whichever villages are postpaid."""
    rng = random.Random(f"gridpay-demo:{seed}:postpaid:{household.account_no}")
    other = rng.random() < OTHER_SHARE
    kind = rng.choice(OTHER_KINDS)
    business_kwh = rng.uniform(4_000, 15_000)  # a year's use of a shop or a small workshop
    if not other:
        return replace(household, postpaid=True, opening_balance_fen=0)
    name = f"{household.village}{IMPORTANT_NAME}" if important else f"{household.customer_name[0]}记{kind}"
    return replace(
        household, postpaid=True, opening_balance_fen=0, category="other", important=important, customer_name=name,
        annual_kwh=max(household.annual_kwh, business_kwh),
    )


def _household(
    *, number: int, village: ScheduledVillage, serial: int, rng: random.Random, location: Point
) -> Household:
    account_no = f"{ACCOUNT_PREFIX}{village.code:02d}{serial:04d}"
    heavy = rng.random() < 0.03
    # Typical households use 1,500-4,000 kWh a year; a few heavy users (a workshop at home, electric
    # heating) use enough to pass the first tier bound of 2,760 kWh within two months.
    annual_kwh = (
        rng.uniform(16_000, 24_000) if heavy else min(max(rng.lognormvariate(math.log(2_400), 0.3), 900), 7_000)
    )
    time_of_use = rng.random() < (0.5 if heavy else 0.3)
    start_total = rng.randint(5_000, 800_000)
    start_peak = round(start_total * rng.uniform(0.55, 0.7)) if time_of_use else None
    protected_reason = rng.choice(PROTECTED_REASONS) if rng.random() < 0.012 else ""
    payer = rng.choices(list(PAYER_WEIGHTS), weights=list(PAYER_WEIGHTS.values()))[0]
    daily_fen = annual_kwh / 365 * ROUGH_PRICE_FEN_PER_KWH
    top_up_days = rng.choice((20, 30, 30, 45, 60, 90))
    top_up_fen = max(5_000, math.ceil(daily_fen * top_up_days / 5_000) * 5_000)
    surname = rng.choice(SURNAMES)
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
    return Household(
        number=number,
        account_no=account_no,
        meter_no=f"MT{account_no}",
        dlt645_address=f"00{account_no}",
        customer_name=surname + given,
        # Mobile numbers of the 154 block, which no operator has been given: well-formed, and a demo never texts a
        # real person.
        phone=f"154{rng.randrange(10**8):08d}",
        village=village.name,
        transformer_area=f"{village.name}{(serial - 1) // HOUSEHOLDS_PER_TRANSFORMER_AREA + 1}号台区",
        address=f"{TOWN}{village.name}{serial}号",
        annual_kwh=annual_kwh,
        time_of_use=time_of_use,
        peak_lean=rng.uniform(0.85, 1.12),
        protected_reason=protected_reason,
        start_total_ckwh=start_total,
        start_peak_ckwh=start_peak,
        start_valley_ckwh=None if start_peak is None else start_total - start_peak,
        opening_balance_fen=rng.randint(3_000, 30_000),
        payer=payer,
        top_up_fen=top_up_fen,
        top_up_below_fen=rng.choice((2_000, 5_000)),  # the two alert levels (RULES §5)
        channel="bank_withholding"
        if payer is Payer.AUTOPAY
        else rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0],
        location=location,
    )


def reading_on(
    *, household: Household, day: date, seed: int, profile: HouseholdProfile, part: float = 1.0
) -> DayReading:
    """The household's energy on ``day``; ``part`` of it for a day the meter was read only partly."""
    rng = random.Random(f"gridpay-demo:{seed}:energy:{household.account_no}:{day.isoformat()}")
    total = round(part * daily_energy_ckwh(profile=profile, annual_kwh=household.annual_kwh, day=day, rng=rng))
    if not household.time_of_use:
        return DayReading(total_ckwh=total, peak_ckwh=None, valley_ckwh=None)
    peak = peak_ckwh(profile=profile, total_ckwh=total, day=day, lean=household.peak_lean, rng=rng)
    return DayReading(total_ckwh=total, peak_ckwh=peak, valley_ckwh=total - peak)


def payment_on(*, household: Household, day: date, balance_fen: int, seed: int) -> PlannedPayment | None:
    """What the household pays on ``day`` given its available balance that morning, if anything.

    Amount, channel and time are drawn before the decision and never depend on the balance, so a
    payment with this day's transaction id always carries the same data: replaying it is harmless.
    """
    if not _may_pay(household, day=day, balance_fen=balance_fen):
        return None  # not today, whatever the draws: they are not drawn (most households, most days)
    rng = random.Random(f"gridpay-demo:{seed}:payment:{household.account_no}:{day.isoformat()}")
    chance = rng.random()
    amount = household.top_up_fen * rng.choice((1, 1, 1, 2))
    if household.payer is Payer.MONTHLY:  # about a month's use at the year's average: short in a cold month
        amount = max(2_000, round(household.annual_kwh / 12 * ROUGH_PRICE_FEN_PER_KWH / 1_000) * 1_000)
    other_channel = rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
    usual = rng.random() < 0.85
    minute = rng.randrange(8 * 60, 22 * 60)
    if household.payer is Payer.AUTOPAY:
        pays, channel, minute = balance_fen < household.top_up_below_fen, household.channel, 6 * 60 + minute % 60
    elif household.payer is Payer.PROMPT:
        pays = balance_fen < household.top_up_below_fen and chance < household.prompt_chance
        channel = household.channel if usual else other_channel
    elif household.payer is Payer.MONTHLY:
        pays = day.day == household.pay_day or (balance_fen < 0 and chance < ARREARS_DAILY_CHANCE)
        channel = household.channel if usual else other_channel
    elif household.payer is Payer.CAMPAIGN:
        campaign = CAMPAIGN_DAYS[0] <= day.day <= CAMPAIGN_DAYS[1]
        pays = (campaign and balance_fen < household.top_up_below_fen and chance < CAMPAIGN_DAILY_CHANCE) or (
            balance_fen < 0 and chance < ARREARS_DAILY_CHANCE)
        channel = household.channel if usual else other_channel
    elif household.payer is Payer.LATE:
        pays = balance_fen < 0 and chance < LATE_DAILY_CHANCE
        channel = household.channel if usual else other_channel
    else:
        pays, channel = False, household.channel
    if not pays:
        return None
    return PlannedPayment(
        channel=channel,
        channel_txn_id=f"DEMO{household.account_no}{day:%Y%m%d}",
        amount_fen=amount,
        minute_of_day=minute,
    )


def _may_pay(household: Household, *, day: date, balance_fen: int) -> bool:
    """False when payment_on decides against paying whatever its draws: the part of each payer's rule that does not
    depend on them."""
    if household.payer in (Payer.AUTOPAY, Payer.PROMPT):
        return balance_fen < household.top_up_below_fen
    if household.payer is Payer.MONTHLY:
        return day.day == household.pay_day or balance_fen < 0
    if household.payer is Payer.CAMPAIGN:
        campaign = CAMPAIGN_DAYS[0] <= day.day <= CAMPAIGN_DAYS[1]
        return (campaign and balance_fen < household.top_up_below_fen) or balance_fen < 0
    if household.payer is Payer.LATE:
        return balance_fen < 0
    return False


def postpaid_pay_day(*, household: Household, reading_date: date, due_on: date, seed: int) -> date | None:
    """The day the household means to pay the bill of ``reading_date`` (issued the next morning), or None: never.

    Prompt payers pay before the due date, bank withholding the morning after the bill, late payers 1 to 24 days
    after the due date (the arrears procedure reaches execution after about two weeks, so some pay before it and
    some after), monthly payers on their own day of the month after the bill (before the due date or not), campaign
    payers on a day of the next reminder campaign (12th-18th) after the bill, the rest not at all."""
    rng = random.Random(f"gridpay-demo:{seed}:bill:{household.account_no}:{reading_date.isoformat()}")
    days_to_pay = (due_on - reading_date).days
    prompt = min(rng.randint(1, 7) + rng.randint(0, 7), max(days_to_pay - 1, 1))
    late = rng.randint(*LATE_DAYS)
    if household.payer is Payer.AUTOPAY:
        return reading_date + timedelta(days=1)
    if household.payer is Payer.PROMPT:
        return reading_date + timedelta(days=prompt)
    if household.payer is Payer.LATE:
        return due_on + timedelta(days=late)
    if household.payer is Payer.MONTHLY:
        return _next_day_of_month(reading_date + timedelta(days=1), household.pay_day)
    if household.payer is Payer.CAMPAIGN:
        start = reading_date + timedelta(days=1)
        in_campaign = CAMPAIGN_DAYS[0] < start.day <= CAMPAIGN_DAYS[1]  # the bill came during a campaign
        first = start if in_campaign else _next_day_of_month(start, CAMPAIGN_DAYS[0])
        return first + timedelta(days=rng.randint(0, CAMPAIGN_DAYS[1] - first.day))
    return None


def _next_day_of_month(after: date, day_of_month: int) -> date:
    """The first date on or after ``after`` whose day of the month is ``day_of_month`` (at most 28)."""
    candidate = after.replace(day=day_of_month)
    return candidate if candidate >= after else (after.replace(day=28) + timedelta(days=4)).replace(day=day_of_month)


def postpaid_payment_on(*, household: Household, day: date, owed_fen: int, seed: int) -> PlannedPayment | None:
    """What a postpaid household pays on ``day``, one of its pay days: all it owed that morning after the morning's
    bills and late fees (nothing, if that is nothing). Channel and time are drawn before the amount is looked at."""
    rng = random.Random(f"gridpay-demo:{seed}:payment:{household.account_no}:{day.isoformat()}")
    other_channel = rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
    usual = rng.random() < 0.85
    minute = rng.randrange(8 * 60, 22 * 60)
    if household.payer is Payer.AUTOPAY:
        channel, minute = household.channel, 6 * 60 + minute % 60
    else:
        channel = household.channel if usual else other_channel
    if owed_fen <= 0 or household.payer is Payer.NEVER:
        return None
    return PlannedPayment(
        channel=channel,
        channel_txn_id=f"DEMO{household.account_no}{day:%Y%m%d}",
        amount_fen=owed_fen,
        minute_of_day=minute,
    )
