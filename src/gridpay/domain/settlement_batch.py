"""Daily settlement of many accounts at once, as array arithmetic: the same rules as settlement.py.

Used by the batch settlement run, where a Python loop per account would be the bottleneck. A
property test holds it to the scalar ``settle_day`` for any input.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from gridpay.domain.energy import TouPeriod, to_ckwh
from gridpay.domain.money import MICRO_YUAN_PER_FEN
from gridpay.domain.tariffs import Tariff, TariffVersion, period_start, price_to_e4

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

UNBOUNDED = np.iinfo(np.int64).max // 4


@dataclass(frozen=True)
class BatchResult:
    charge_fen: Ints
    used_ckwh_after: Ints
    amount_micro_yuan_after: Ints


def round_to_fen_array(micro_yuan: Ints) -> Ints:
    """``round_to_fen`` for arrays of amounts that are never negative."""
    result: Ints = (micro_yuan + MICRO_YUAN_PER_FEN // 2) // MICRO_YUAN_PER_FEN
    return result


def settle_batch(
    *,
    version: TariffVersion,
    time_of_use: bool,
    same_period: Bools,
    used_ckwh_before: Ints,
    amount_micro_yuan_before: Ints,
    total_ckwh: Ints,
    tou_ckwh: dict[TouPeriod, Ints],
) -> BatchResult:
    """Settle one day for accounts that share a tariff version and a time-of-use choice.

    ``same_period`` says, per account, whether its state before the day is in the day's tier
    period; where it is not, the period starts afresh. ``tou_ckwh`` holds the read registers other
    than flat; flat takes what they leave of the total.
    """
    used = np.where(same_period, used_ckwh_before, 0)
    amount_before = np.where(same_period, amount_micro_yuan_before, 0)
    end = used + total_ckwh

    uppers = [UNBOUNDED if t.up_to_kwh is None else to_ckwh(t.up_to_kwh) for t in version.tiers]
    lowers = [0, *uppers[:-1]]
    parts = [
        np.maximum(np.minimum(end, upper) - np.maximum(used, lower), 0)
        for lower, upper in zip(lowers, uppers, strict=True)
    ]

    if time_of_use:
        by_period: dict[TouPeriod, Ints] = {p: v for p, v in tou_ckwh.items() if p is not TouPeriod.FLAT}
        by_period[TouPeriod.FLAT] = total_ckwh - sum(by_period.values(), np.zeros_like(total_ckwh))
    else:
        by_period = {TouPeriod.FLAT: total_ckwh}

    # The last tier with energy takes the remainder of each proportional share (see tariffs.py).
    has_energy = np.stack(parts) > 0
    last_tier = len(parts) - 1 - np.argmax(has_energy[::-1], axis=0)
    safe_total = np.where(total_ckwh > 0, total_ckwh, 1)
    amount = np.zeros_like(total_ckwh)
    for period, period_ckwh in by_period.items():
        shares = [period_ckwh * part // safe_total for part in parts]
        given = np.zeros_like(total_ckwh)
        for k, share in enumerate(shares):
            given += np.where(last_tier == k, 0, share)
        for k, tier in enumerate(version.tiers):
            share = np.where(last_tier == k, period_ckwh - given, shares[k])
            amount += share * price_to_e4(tier.price(period))

    amount_after = amount_before + amount
    charge = round_to_fen_array(amount_after) - round_to_fen_array(amount_before)
    return BatchResult(charge_fen=charge, used_ckwh_after=end, amount_micro_yuan_after=amount_after)


@dataclass(frozen=True)
class BillDays:
    """The daily energy of accounts of one tariff and one time-of-use choice, a row per account and a column per day
    from ``first_day``; where ``read`` is false the day has no reading (its energy columns are 0)."""

    first_day: date
    read: Bools
    total_ckwh: Ints
    tou_ckwh: dict[TouPeriod, Ints]  # the read registers other than flat, as in settle_batch

    def take(self, rows: Ints) -> "BillDays":
        return BillDays(first_day=self.first_day, read=self.read[rows], total_ckwh=self.total_ckwh[rows],
                        tou_ckwh={period: ckwh[rows] for period, ckwh in self.tou_ckwh.items()})


@dataclass(frozen=True)
class BillBatchResult:
    energy_ckwh: Ints
    amount_fen: Ints


def bill_batch(
    *,
    tariff: Tariff,
    time_of_use: bool,
    days: BillDays,
    since: Ints,
    opening_period_start: Ints,
    opening_used_ckwh: Ints,
    month_start: date,
    month_end: date,
) -> BillBatchResult:
    """settlement.bill_month for many accounts at once: each account's days priced afresh from its own ``since`` (a
    date ordinal) in order, from its opening position (``opening_period_start`` an ordinal), and the days of
    ``[month_start, month_end)`` added up. A property test holds it to bill_month.
    """
    used = opening_used_ckwh.copy()
    amount = np.zeros_like(used)
    state_period = opening_period_start.copy()
    energy_ckwh = np.zeros_like(used)
    amount_fen = np.zeros_like(used)
    for column in range(days.read.shape[1]):
        day = days.first_day + timedelta(days=column)
        if day >= month_end:
            break
        priced = days.read[:, column] & (since <= day.toordinal())
        if not priced.any():
            continue
        version = tariff.version_on(day)
        start = period_start(tier_period=version.tier_period, day=day).toordinal()
        result = settle_batch(
            version=version,
            time_of_use=time_of_use,
            same_period=state_period == start,
            used_ckwh_before=used,
            amount_micro_yuan_before=amount,
            total_ckwh=days.total_ckwh[:, column],
            tou_ckwh={period: ckwh[:, column] for period, ckwh in days.tou_ckwh.items()},
        )
        used = np.where(priced, result.used_ckwh_after, used)
        amount = np.where(priced, result.amount_micro_yuan_after, amount)
        state_period = np.where(priced, start, state_period)
        if day >= month_start:
            energy_ckwh += np.where(priced, days.total_ckwh[:, column], 0)
            amount_fen += np.where(priced, result.charge_fen, 0)
    return BillBatchResult(energy_ckwh=energy_ckwh, amount_fen=amount_fen)
