"""A simulated town's payment history for the risk backtest: many households, a year, vectorised with numpy.

Households have the payment habits a rural station knows (seed 003: "people do not refuse to pay, they forget"):
prepaid ones who top up when the SMS alert comes, some slowly; ones who pay on their own monthly rhythm a fixed
amount, which a cold winter or a hot summer outruns; bank withholding, which now and then fails; forgetful ones who
pay only once supply is suspended; irregular ones. Postpaid households pay their monthly bill promptly, by
withholding, or some days late; some are late in the busy farming months or when the bill is large. Habits drift:
some households are away for spells (migrant work), some change habit during the year. Usage follows the season of
the demo's household profile, more so for households that heat or cool electrically.

The result is a ``DailySeries`` of exactly the shape the nightly scoring reads from the database.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from gridpay.demo.profile import load_profile
from gridpay.domain.risk_features import NO_DUE, Channel, DailySeries

PRICE_FEN_PER_KWH = 56
ALERT_LEVELS_FEN = (5_000, 2_000)  # the two alert amounts of RULES §5
DUE_DAYS = 15  # a postpaid bill is due this many days after it is issued (GRIDPAY_POSTPAID_DUE_DAYS)
BUSY_MONTHS = (4, 5, 9, 10)  # spring sowing and autumn harvest: people are in the fields, or away

# Prepaid habits (shares sum to 1).
ALERTED, MONTHLY, AUTOPAY, FORGETFUL, IRREGULAR = range(5)
PREPAID_HABITS = (0.36, 0.24, 0.12, 0.16, 0.12)
# Postpaid habits.
PROMPT, LATE, WITHHOLDING, SEASONAL = range(4)
POSTPAID_HABITS = (0.45, 0.2, 0.2, 0.15)


@dataclass(frozen=True)
class SimulatedTown:
    series: DailySeries
    prepaid_habit: NDArray[np.int8]  # -1 for postpaid households
    postpaid_habit: NDArray[np.int8]  # -1 for prepaid households


def simulate_town(*, households: int, days: int, seed: int, first_day: date = date(2025, 1, 1),
                  postpaid_share: float = 0.2) -> SimulatedTown:
    rng = np.random.default_rng(seed)
    n, t_days = households, days
    postpaid = rng.random(n) < postpaid_share
    prepaid_habit = np.where(postpaid, -1, rng.choice(5, size=n, p=PREPAID_HABITS)).astype(np.int8)
    postpaid_habit = np.where(postpaid, rng.choice(4, size=n, p=POSTPAID_HABITS), -1).astype(np.int8)
    # A few households change habit once during the year (a son who paid by phone moves away, a new tenant).
    switch_day = np.where(rng.random(n) < 0.08, rng.integers(30, max(31, t_days), size=n), t_days + 1)
    switched_to = rng.choice(5, size=n, p=PREPAID_HABITS).astype(np.int8)
    # Seed 003: many have no phone, or change numbers: the SMS alert never reaches them, the loudspeaker campaign
    # of the 12th-18th does.
    has_phone = rng.random(n) < 0.8
    offline = rng.random(n) < 0.35  # pays at the counter or an agent: has to go there
    # Spells away (migrant work): 25 % of households are away some weeks in the year, answering nothing.
    away_start = np.where(rng.random(n) < 0.25, rng.integers(0, max(1, t_days), size=n), t_days + 1)
    away_end = away_start + rng.integers(10, 60, size=n)

    annual_kwh = np.clip(rng.lognormal(np.log(2_400), 0.4, size=n), 600, 12_000)
    heats = rng.random(n) < 0.2
    cools = rng.random(n) < 0.3
    profile = load_profile()
    dates = [first_day + timedelta(days=d) for d in range(t_days)]
    shape = np.array([profile.on(d).shape for d in dates])
    month = np.array([d.month for d in dates])
    dom = np.array([d.day for d in dates])
    winter = np.isin(month, (12, 1, 2)).astype(float)
    summer = np.isin(month, (7, 8)).astype(float)
    base_fen = annual_kwh / 365 * PRICE_FEN_PER_KWH  # a day's charge in fen at the year's average

    # Prepaid parameters.
    respond = np.clip(rng.beta(4, 2, size=n) * np.where(offline, 0.7, 1.0), 0.05, 0.95)  # after an alert, a day
    forget_respond = rng.uniform(0.02, 0.1, size=n)
    arrears_respond = rng.uniform(0.2, 0.7, size=n)
    top_up_days = rng.choice(np.array([20, 30, 30, 45, 60, 90]), size=n)
    top_up_fen = np.maximum(5_000, np.ceil(base_fen * top_up_days / 5_000) * 5_000)
    pay_day = rng.integers(1, 29, size=n)  # the monthly payers' day of the month
    monthly_fen = np.ceil(base_fen * 30 * rng.uniform(0.85, 1.35, size=n) / 1_000) * 1_000
    irregular_p = 1 / rng.uniform(12, 50, size=n)
    withholding_fails = rng.uniform(0.0, 0.08, size=n)
    own_level = np.where(rng.random(n) < 0.5, ALERT_LEVELS_FEN[0], ALERT_LEVELS_FEN[1])

    # Postpaid parameters.
    reading_day = rng.choice(np.array([5, 10, 15, 20, 25]), size=n)
    late_chance = np.select(
        [postpaid_habit == PROMPT, postpaid_habit == LATE, postpaid_habit == WITHHOLDING],
        [rng.uniform(0.0, 0.1, size=n), rng.uniform(0.5, 0.9, size=n), withholding_fails],
        default=rng.uniform(0.05, 0.15, size=n),
    )

    shape_n = (n, t_days)
    balance = np.zeros(shape_n, dtype=np.int64)
    charge = np.zeros(shape_n, dtype=np.int64)
    paid = np.zeros(shape_n, dtype=np.int64)
    channel = np.zeros(shape_n, dtype=np.int8)
    alerted = np.zeros(shape_n, dtype=bool)
    disconnected = np.zeros(shape_n, dtype=bool)
    fell = np.zeros(shape_n, dtype=bool)
    in_arrears = np.zeros(shape_n, dtype=bool)
    owed = np.zeros(shape_n, dtype=np.int64)
    days_to_due = np.full(shape_n, NO_DUE, dtype=np.int16)

    own_channel = np.where(offline, Channel.OFFLINE, Channel.ONLINE).astype(np.int8)
    bal = np.where(postpaid, 0, rng.integers(3_000, 30_000, size=n)).astype(np.int64)
    armed = np.ones((2, n), dtype=bool)  # each alert level fires once per crossing
    waiting = np.zeros(n, dtype=bool)  # alerted and not paid since
    off = np.zeros(n, dtype=bool)  # supply suspended
    unbilled = np.zeros(n, dtype=np.int64)  # postpaid usage since the last reading day
    open_fen = np.zeros(n, dtype=np.int64)  # postpaid billed and unpaid
    due_at = np.full(n, -1, dtype=np.int64)  # earliest due day index of the unpaid bills
    pay_at = np.full(n, -1, dtype=np.int64)  # the day the household means to pay its open bills
    overdue = np.zeros(n, dtype=bool)

    for d in range(t_days):
        habit = np.where(d >= switch_day, switched_to, prepaid_habit)
        away = (d >= away_start) & (d < away_end)
        busy = month[d] in BUSY_MONTHS
        heard = waiting & (has_phone | (12 <= dom[d] <= 18))  # the SMS, or the campaign's loudspeaker
        u = rng.random((4, n))
        # --- prepaid payments of the day, decided on the morning's balance
        low = bal < own_level
        wants = np.select(
            [habit == ALERTED, habit == MONTHLY, habit == AUTOPAY, habit == FORGETFUL, habit == IRREGULAR],
            [
                (heard & (u[0] < respond * (0.6 if busy else 1.0))) | ((bal < 0) & (u[0] < arrears_respond)),
                (np.abs(dom[d] - pay_day) == 0) | ((bal < 0) & (u[0] < arrears_respond)) | (heard & (u[0] < 0.1)),
                low & (u[0] >= withholding_fails),
                (heard & (u[0] < forget_respond)) | ((bal < 0) & (u[0] < arrears_respond * np.where(off, 1.3, 1.0))),
                (u[0] < irregular_p) | (heard & (u[0] < 0.3)) | ((bal < 0) & (u[0] < arrears_respond)),
            ],
            default=False,
        )
        wants &= ~postpaid & ~(away & (habit != AUTOPAY))
        amount = np.where(habit == MONTHLY, monthly_fen, top_up_fen * np.where(u[1] < 0.2, 2, 1))
        amount = np.where(bal < 0, np.maximum(amount, -bal + 2_000), amount)
        pre_paid = np.where(wants, amount, 0).astype(np.int64)
        kind = np.where(habit == AUTOPAY, Channel.WITHHOLDING, own_channel).astype(np.int8)
        # --- postpaid: bills paid on the day planned
        pays_bill = postpaid & (open_fen > 0) & (pay_at == d)
        post_paid = np.where(pays_bill, open_fen, 0)
        post_kind = np.where(postpaid_habit == WITHHOLDING, Channel.WITHHOLDING, own_channel).astype(np.int8)
        paid_today = pre_paid + post_paid
        paid[:, d] = paid_today
        channel[:, d] = np.where(paid_today > 0, np.where(postpaid, post_kind, kind), Channel.NONE)
        bal += pre_paid
        open_fen -= post_paid
        overdue &= open_fen > 0
        due_at = np.where(open_fen > 0, due_at, -1)
        pay_at = np.where(open_fen > 0, pay_at, -1)
        waiting &= ~(paid_today > 0)
        off &= ~(bal >= 0)  # reconnected once the arrears are paid
        armed[0] |= bal >= ALERT_LEVELS_FEN[0]
        armed[1] |= bal >= ALERT_LEVELS_FEN[1]
        # --- the next morning's disconnection run: in arrears since yesterday and still unpaid
        cut = ~postpaid & ~off & (bal < 0) & (d > 0) & in_arrears[:, d - 1]
        off |= cut
        disconnected[:, d] = cut
        # --- usage and settlement
        heat = 1 + 0.6 * winter[d] * heats + 0.5 * summer[d] * cools
        use = base_fen * shape[d] * heat * np.exp(rng.normal(-0.045, 0.3, size=n))
        use = np.where(off | away, use * 0.15 * (~off), use).astype(np.int64)  # away: the fridge only
        charge[:, d] = np.where(postpaid, 0, use)
        before = bal.copy()
        bal -= np.where(postpaid, 0, use)
        unbilled += np.where(postpaid, use, 0)
        # --- alerts after settlement: a crossing of either level
        cross0 = ~postpaid & armed[0] & (bal < ALERT_LEVELS_FEN[0])
        cross1 = ~postpaid & armed[1] & (bal < ALERT_LEVELS_FEN[1])
        armed[0] &= ~cross0
        armed[1] &= ~cross1
        # --- postpaid: the bill of the reading day (issued the next morning, counted here), reminders, due dates
        billed = postpaid & (dom[d] == reading_day) & (unbilled > 0)
        new_due = d + 1 + DUE_DAYS
        large = unbilled > base_fen * 30 * 1.3
        late = u[2] < np.clip(late_chance + np.where(large, 0.15, 0) + np.where(
            (postpaid_habit == SEASONAL) & np.isin(month[min(new_due, t_days - 1)], BUSY_MONTHS), 0.5, 0), 0, 1)
        prompt_day = d + 1 + np.minimum(rng.integers(1, DUE_DAYS, size=n), DUE_DAYS)
        late_day = new_due + rng.integers(1, 25, size=n)
        plan = np.where(postpaid_habit == WITHHOLDING, np.where(late, late_day, d + 2), np.where(late, late_day,
                                                                                                 prompt_day))
        plan = np.where(away, np.maximum(plan, away_end), plan)
        pay_at = np.where(billed & (pay_at < 0), plan, pay_at)
        due_at = np.where(billed & (due_at < 0), new_due, due_at)
        open_fen += np.where(billed, unbilled, 0)
        unbilled = np.where(billed, 0, unbilled)
        reminder = postpaid & (open_fen > 0) & (due_at - d == 3)
        alerted[:, d] = ((cross0 | cross1) & has_phone) | reminder
        waiting |= cross0 | cross1
        now_overdue = postpaid & (open_fen > 0) & (due_at >= 0) & (d > due_at)
        fell[:, d] = np.where(postpaid, now_overdue & ~overdue, (bal < 0) & (before >= 0))
        overdue |= now_overdue
        in_arrears[:, d] = np.where(postpaid, overdue, bal < 0)
        balance[:, d] = np.where(postpaid, -open_fen, bal)
        not_due = postpaid & (open_fen > 0) & ~overdue
        owed[:, d] = np.where(not_due, open_fen, 0)
        days_to_due[:, d] = np.where(not_due, np.clip(due_at - d, 0, NO_DUE), NO_DUE)

    series = DailySeries(
        first_day=first_day, postpaid=postpaid, balance_fen=balance, charge_fen=charge, paid_fen=paid,
        channel=channel, alerted=alerted, disconnected=disconnected, fell_into_arrears=fell,
        in_arrears=in_arrears, owed_fen=owed, days_to_due=days_to_due,
    )
    return SimulatedTown(series=series, prepaid_habit=prepaid_habit, postpaid_habit=postpaid_habit)
