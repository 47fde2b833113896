"""Settles one business day for every prepaid account with a reading of that day (每日自动结算).

Accounts are taken in batches; each batch is one transaction, so a crash leaves every account
either settled for the day or untouched, and a re-run settles the rest. The unique
(account, day) key makes a second settlement of the same day impossible.
"""

from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial

import numpy as np
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from gridpay.data import ledger as ledger_store
from gridpay.data import settlement_store as store
from gridpay.data.bulk import on_postgresql
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


@dataclass(frozen=True)
class _BatchOutcome:
    settled: list[store.SettledRow]
    failures: list[tuple[int, str, str]]


def settle_day(
    *,
    day: date,
    at: datetime,
    batch_size: int | None = None,
    workers: int | None = None,
    on_progress: Progress | None = None,
) -> SettlementRunReport:
    """Settle ``day``; ``workers`` batches run at once, each on its own database connection."""
    size = batch_size or int(str(settings.GRIDPAY["SETTLEMENT_BATCH_SIZE"]))
    workers = workers or (int(str(settings.GRIDPAY["SETTLEMENT_WORKERS"])) if on_postgresql() else 1)
    tariffs = load_tariffs_by_id()
    versions = {t.code: version_ids(t.code) for t in tariffs.values()}
    revenue = ledger_store.system_account(ledger_store.REVENUE, LedgerAccountKind.REVENUE).id
    total = store.count_candidates(day)
    ranges = store.batch_ranges(day, limit=size)
    settle_range = partial(
        _settle_range, day=day, at=at, tariffs=tariffs, versions=versions, revenue=revenue, own_connection=workers > 1
    )
    settled = failed = charged = energy_ckwh = 0
    reasons: dict[str, tuple[int, str]] = {}
    # One worker settles in the caller's thread and transaction context (and on its connection).
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for outcome in (pool.map if workers > 1 else map)(settle_range, ranges):
            settled += len(outcome.settled)
            failed += len(outcome.failures)
            charged += sum(row.charge_fen for row in outcome.settled)
            energy_ckwh += sum(row.energy_ckwh for row in outcome.settled)
            for _, code, message in outcome.failures:
                count, example = reasons.get(code, (0, message))
                reasons[code] = (count + 1, example)
            if on_progress:
                on_progress(min(settled + failed, total), total)
    return SettlementRunReport(
        day=day,
        settled=settled,
        failed=failed,
        energy_kwh=from_ckwh(energy_ckwh),
        charged_fen=charged,
        failure_reasons=reasons,
    )


def _settle_range(
    account_ids: tuple[int, int],
    *,
    day: date,
    at: datetime,
    tariffs: dict[int, Tariff],
    versions: dict[str, dict[object, int]],
    revenue: int,
    own_connection: bool,
) -> _BatchOutcome:
    """Settle the accounts with ids in ``(after, last]`` in one transaction."""
    after, last = account_ids
    try:
        for attempt in (1, 2):
            try:
                with transaction.atomic():
                    candidates = store.fetch_candidates(day, after_account_id=after, last_account_id=last)
                    outcome = price_candidates(candidates, day=day, tariffs=tariffs, versions=versions)
                    store.write_settled(outcome.settled, day=day, revenue_ledger_id=revenue, at=at)
                    store.record_failures(
                        outcome.failures, day=day, first_account_id=after + 1, last_account_id=last, at=at
                    )
                    return outcome
            except IntegrityError:
                # A concurrent run of the same day settled part of the range first: the unique
                # key refused our copy, the transaction rolled back whole, and the re-read skips it.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")
    finally:
        if own_connection:
            connection.close()


def price_candidates(
    candidates: list[store.Candidate],
    *,
    day: date,
    tariffs: dict[int, Tariff],
    versions: dict[str, dict[object, int]],
) -> _BatchOutcome:
    """Sort out the accounts that cannot be settled, and price the rest in groups of one tariff version."""
    failures: list[tuple[int, str, str]] = []
    groups: dict[tuple[int, bool], list[store.Candidate]] = defaultdict(list)
    for c in candidates:
        if c.energy_ckwh is None:
            failures.append((c.account_id, "missing_previous_reading", f"缺少 {day} 前一日的读数，无法计算当日电量"))
        elif c.previous_period_start is None and c.prepaid_since != day:
            failures.append((c.account_id, "previous_day_unsettled", "前一日尚未结算：请按日期顺序补结算"))
        else:
            groups[(c.tariff_id, c.time_of_use)].append(c)
    settled: list[store.SettledRow] = []
    for (tariff_id, time_of_use), members in groups.items():
        tariff = tariffs[tariff_id]
        try:
            version = tariff.version_on(day)
        except TariffNotInForce as error:
            failures.extend((c.account_id, error.code, error.message) for c in members)
            continue
        settled.extend(
            _price_group(
                members,
                day=day,
                version=version,
                version_id=versions[tariff.code][version.effective_from],
                time_of_use=time_of_use,
            )
        )
    return _BatchOutcome(settled=settled, failures=failures)


def _price_group(
    members: list[store.Candidate], *, day: date, version: TariffVersion, version_id: int, time_of_use: bool
) -> list[store.SettledRow]:
    start = period_start(tier_period=version.tier_period, day=day)

    def column(values: list[int | None]) -> Ints:
        return np.array([v or 0 for v in values], dtype=np.int64)

    result = settle_batch(
        version=version,
        time_of_use=time_of_use,
        same_period=np.array([c.previous_period_start == start for c in members], dtype=np.bool_),
        used_ckwh_before=column([c.previous_used_ckwh for c in members]),
        amount_micro_yuan_before=column([c.previous_amount_micro_yuan for c in members]),
        total_ckwh=column([c.energy_ckwh for c in members]),
        tou_ckwh={
            TouPeriod.SHARP: column([c.sharp_ckwh for c in members]),
            TouPeriod.PEAK: column([c.peak_ckwh for c in members]),
            TouPeriod.VALLEY: column([c.valley_ckwh for c in members]),
        },
    )
    return [
        store.SettledRow(
            account_id=c.account_id,
            ledger_account_id=c.ledger_account_id,
            energy_ckwh=c.energy_ckwh or 0,
            charge_fen=int(charge),
            tariff_version_id=version_id,
            period_start=start,
            period_used_ckwh=int(used),
            period_amount_micro_yuan=int(amount),
        )
        for c, charge, used, amount in zip(
            members,
            result.charge_fen.tolist(),
            result.used_ckwh_after.tolist(),
            result.amount_micro_yuan_after.tolist(),
            strict=True,
        )
    ]
