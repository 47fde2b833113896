"""Settles one business day for every prepaid account with a reading of that day (每日自动结算).

Accounts are taken in batches; each batch is one transaction, so a crash leaves every account
either settled for the day or untouched, and a re-run settles the rest. The unique
(account, day) key makes a second settlement of the same day impossible.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial

import numpy as np
from django.db import IntegrityError, transaction

from gridpay.data import ledger as ledger_store
from gridpay.data import settlement_store as store
from gridpay.data.batches_side_by_side import each_batch
from gridpay.data.bulk import day_number, on_postgresql
from gridpay.data.run_lock import exclusive_run
from gridpay.data.settings import gridpay_settings
from gridpay.data.tariff_store import load_tariffs_by_id, version_ids
from gridpay.domain.energy import TouPeriod, from_ckwh
from gridpay.domain.ledger import LedgerAccountKind
from gridpay.domain.settlement_batch import Ints, settle_batch
from gridpay.domain.tariffs import Tariff, TariffNotInForce, TariffVersion, period_start

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SettlementRunReport:
    day: date
    settled: int
    failed: int
    energy_kwh: Decimal
    charged_fen: int
    # Why accounts could not be settled: code → (accounts, an example of the message).
    failure_reasons: dict[str, tuple[int, str]] = field(default_factory=dict)
    # Prepaid accounts with no reading of the day yet: they settle when it arrives (settle --through).
    without_reading: int = 0
    # The run settled nothing because the day had been settled before (said only when it settled and failed none).
    settled_before: bool = False
    readings: int = 0  # the day's readings of the accounts the run settles, settled before or not


@dataclass(frozen=True)
class _BatchOutcome:
    settled: store.Settled
    failures: list[tuple[int, str, str]]
    readings: int = 0  # of the batch's accounts, settled before or not
    without_reading: int = 0  # accounts of the batch not settled yet whose reading of the day has not arrived
    settled_before: int = 0  # accounts of the batch whose day was settled before


def settle_day(
    *,
    day: date,
    at: datetime,
    batch_size: int | None = None,
    workers: int | None = None,
    on_progress: Progress | None = None,
) -> SettlementRunReport:
    """Settles ``day`` while no other settlement runs (the schedule and an operator's catch-up do not overlap)."""
    with exclusive_run("settlement", what="结算", at=at):
        return _settle_day(day=day, at=at, batch_size=batch_size, workers=workers, on_progress=on_progress)


def _settle_day(
    *,
    day: date,
    at: datetime,
    batch_size: int | None = None,
    workers: int | None = None,
    on_progress: Progress | None = None,
) -> SettlementRunReport:
    """Settle ``day``; ``workers`` batches run at once, each on its own database connection."""
    size = batch_size or gridpay_settings().settlement_batch_size
    workers = workers or (gridpay_settings().settlement_workers if on_postgresql() else 1)
    tariffs = load_tariffs_by_id()
    versions = {t.code: version_ids(t.code) for t in tariffs.values()}
    revenue = ledger_store.system_account(ledger_store.REVENUE, LedgerAccountKind.REVENUE).id
    ranges = store.batch_ranges(limit=size)
    # Progress counts the accounts looked at, of every kind (each batch's are known from its range).
    total = sum(accounts for _, _, accounts in ranges)
    done = 0
    if on_progress:
        on_progress(done, total)  # the whole from the start; a town with no account is done at once
    settle_range = partial(_settle_range, day=day, at=at, tariffs=tariffs, versions=versions, revenue=revenue)
    settled = failed = charged = energy_ckwh = readings = without_reading = settled_before = 0
    reasons: dict[str, tuple[int, str]] = {}
    # One worker settles in the caller's thread and transaction context (and on its connection). The outcomes come in
    # the ranges' order.
    outcomes = each_batch(settle_range, [(after, last) for after, last, _ in ranges], workers=workers)
    for (_, _, accounts), outcome in zip(ranges, outcomes, strict=True):
        done += accounts
        settled += len(outcome.settled)
        failed += len(outcome.failures)
        charged += int(outcome.settled.charge_fen.sum())
        energy_ckwh += int(outcome.settled.energy_ckwh.sum())
        readings += outcome.readings
        without_reading += outcome.without_reading
        settled_before += outcome.settled_before
        for _, code, message in outcome.failures:
            count, example = reasons.get(code, (0, message))
            reasons[code] = (count + 1, example)
        if on_progress:
            on_progress(done, total)
    return SettlementRunReport(
        day=day,
        settled=settled,
        failed=failed,
        energy_kwh=from_ckwh(energy_ckwh),
        charged_fen=charged,
        failure_reasons=reasons,
        without_reading=without_reading,
        settled_before=settled == 0 and failed == 0 and settled_before > 0,
        readings=readings,
    )


def _settle_range(
    account_ids: tuple[int, int],
    *,
    day: date,
    at: datetime,
    tariffs: dict[int, Tariff],
    versions: dict[str, dict[object, int]],
    revenue: int,
) -> _BatchOutcome:
    """Settle the accounts with ids in ``(after, last]`` in one transaction."""
    after, last = account_ids
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                candidates = store.fetch_candidates(day, after_account_id=after, last_account_id=last)
                outcome = price_candidates(candidates, day=day, tariffs=tariffs, versions=versions)
                # The failures first: the settlements' posting locks the revenue balance to the commit.
                store.record_failures(
                    outcome.failures, day=day, first_account_id=after + 1, last_account_id=last, at=at
                )
                store.write_settled(outcome.settled, day=day, revenue_ledger_id=revenue, at=at)
                return outcome
        except IntegrityError:
            # A concurrent run of the same day settled part of the range first: the unique
            # key refused our copy, the transaction rolled back whole, and the re-read skips it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def price_candidates(
    candidates: store.Candidates,
    *,
    day: date,
    tariffs: dict[int, Tariff],
    versions: dict[str, dict[object, int]],
) -> _BatchOutcome:
    """Leave out the accounts whose day is settled already or whose reading has not arrived, sort out those that
    cannot be settled, and price the rest in groups of one tariff version."""
    looked_at = candidates
    candidates = looked_at.take(looked_at.has_reading & ~looked_at.settled)
    failures: list[tuple[int, str, str]] = []
    no_energy = ~candidates.has_energy
    unsettled_before = candidates.has_energy & ~candidates.previous_settled & ~candidates.first_day
    failures += _failed(
        candidates.account_id[no_energy], "missing_previous_reading", f"缺少 {day} 前一日的读数，无法计算当日电量"
    )
    failures += _failed(
        candidates.account_id[unsettled_before], "previous_day_unsettled", "前一日尚未结算：请按日期顺序补结算"
    )
    ready = candidates.take(~no_energy & ~unsettled_before)
    group_keys = ready.tariff_id * 2 + ready.time_of_use
    settled: list[store.Settled] = []
    for key in np.unique(group_keys).tolist():
        tariff_id, time_of_use = divmod(key, 2)
        members = ready.take(group_keys == key)
        tariff = tariffs[tariff_id]
        try:
            version = tariff.version_on(day)
        except TariffNotInForce as error:
            failures += _failed(members.account_id, error.code, error.message)
            continue
        settled.append(
            _price_group(
                members,
                day=day,
                version=version,
                version_id=versions[tariff.code][version.effective_from],
                time_of_use=bool(time_of_use),
            )
        )
    return _BatchOutcome(
        settled=store.Settled.concatenate(settled),
        failures=failures,
        readings=int(looked_at.has_reading.sum()),
        without_reading=int((~looked_at.has_reading & ~looked_at.settled).sum()),
        settled_before=int(looked_at.settled.sum()),
    )


def _failed(account_ids: Ints, code: str, message: str) -> list[tuple[int, str, str]]:
    return [(account_id, code, message) for account_id in account_ids.tolist()]


def _price_group(
    members: store.Candidates, *, day: date, version: TariffVersion, version_id: int, time_of_use: bool
) -> store.Settled:
    start = period_start(tier_period=version.tier_period, day=day)
    # On its first prepaid day an account starts from its opening position (domain opening_position).
    first_day = members.first_day
    result = settle_batch(
        version=version,
        time_of_use=time_of_use,
        same_period=first_day | (members.previous_period_start == day_number(start)),
        used_ckwh_before=np.where(first_day, members.opening_used_ckwh, members.previous_used_ckwh),
        amount_micro_yuan_before=np.where(first_day, 0, members.previous_amount_micro_yuan),
        total_ckwh=members.energy_ckwh,
        tou_ckwh={
            TouPeriod.SHARP: members.sharp_ckwh,
            TouPeriod.PEAK: members.peak_ckwh,
            TouPeriod.VALLEY: members.valley_ckwh,
        },
    )
    count = len(members)
    return store.Settled(
        account_id=members.account_id,
        ledger_account_id=members.ledger_account_id,
        energy_ckwh=members.energy_ckwh,
        charge_fen=result.charge_fen,
        tariff_version_id=np.full(count, version_id, dtype=np.int64),
        period_start=np.full(count, day_number(start), dtype=np.int64),
        period_used_ckwh=result.used_ckwh_after,
        period_amount_micro_yuan=result.amount_micro_yuan_after,
    )
