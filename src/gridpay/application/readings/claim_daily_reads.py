"""Hands the gateway a wave of daily reads due now, at most so many per transformer area (its concentrator)."""

from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from gridpay.application.readings.freeze_stamps import stamps_seen
from gridpay.data.models import DailyRead
from gridpay.domain.daily_reads import (
    Found,
    GapReason,
    Missing,
    ReadStatus,
    ask_again_at,
    given_up,
    locate,
)
from gridpay.domain.meter_models import UNKNOWN

# A gateway's share keys, each in turn, and within one the reads longest due first: the one order that PostgreSQL (15)
# reads off the index for a list of keys and stops at the wave (ADR 0041). Every due read is taken in time; a read
# asked again waits its backoff, so the keys after it are not held up.
_ORDER = ("share_key", "next_attempt_at", "id")
# Rows read for a wave, a meter of it: first two (a day's claim: a day or two due a meter), and eight if those fell
# short (a week of days due, or transformer areas full), so that the usual claim reads and locks a quarter as many.
_ROWS_A_METER = (2, 8)

_Day = tuple[int, date, int, str, int]  # read id, day, attempts so far, address, freeze depth


@dataclass(frozen=True)
class FreezeAsk:
    """Read the ``nth`` last freeze of a meter: its time stamp, or (the day known to be there) its energy."""

    address: str
    nth: int
    energy: bool


@dataclass
class ReadWave:
    asks: list[FreezeAsk]
    meters: int = 0
    gaps: int = 0  # days found missing or given up on while claiming


def claim_daily_reads(
    *, today: date, at: datetime, meters: int = 500, per_area: int = 32, keys: Collection[str] | None = None
) -> ReadWave:
    """The reads of up to ``meters`` meters, ``per_area`` of a transformer area at most, marked asked. ``keys``: the
    share keys of the meters this gateway serves (gateway_members); None: every meter."""
    wave = ReadWave(asks=[])
    due = DailyRead.objects.filter(status=ReadStatus.WANTED, next_attempt_at__lte=at)
    if keys is not None:
        due = due.filter(share_key__in=sorted(keys))
    with transaction.atomic():
        locked = (
            due.select_for_update(skip_locked=True, of=("self",))
            .order_by(*_ORDER)
            .values_list("id", "meter_id", "reading_date", "attempts", "meter__dlt645_address",
                         "meter__model__freeze_depth", "meter__account__transformer_area")
        )
        for rows_a_meter in _ROWS_A_METER:
            rows = list(locked[: meters * rows_a_meter])
            chosen = _choose(rows, meters=meters, per_area=per_area)
            if len(chosen) >= meters or len(rows) < meters * rows_a_meter:
                break
        stamps = stamps_seen(meter_ids=list(chosen), today=today)
        asked: dict[int, int] = {}
        gaps: dict[int, GapReason] = {}
        for meter_id, days in chosen.items():
            wanted_asks = set()
            for read_id, day, attempts, address, depth in days:
                if given_up(attempts):
                    gaps[read_id] = GapReason.SILENT
                    continue
                where = locate(day, today=today, depth=depth, stamps=stamps.get(meter_id, {}))
                if isinstance(where, Missing):
                    gaps[read_id] = where.reason
                    continue
                wanted_asks.add(FreezeAsk(address=address, nth=where.nth, energy=isinstance(where, Found)))
                asked[read_id] = attempts + 1
            wave.asks.extend(sorted(wanted_asks, key=lambda a: (a.nth, a.energy)))
        wave.meters = len({a.address for a in wave.asks})
        wave.gaps = len(gaps)
        for count in set(asked.values()):
            DailyRead.objects.filter(id__in=[i for i, c in asked.items() if c == count]).update(
                attempts=count, asked_at=at, next_attempt_at=ask_again_at(asked=count, at=at), updated_at=at
            )
        for reason in set(gaps.values()):
            DailyRead.objects.filter(id__in=[i for i, r in gaps.items() if r == reason]).update(
                status=ReadStatus.GAP, gap_reason=reason, next_attempt_at=None, updated_at=at
            )
    return wave


def _choose(rows: Sequence[tuple[int, int, date, int, str, int | None, str]], *, meters: int, per_area: int
            ) -> dict[int, list[_Day]]:
    """The days due of the first ``meters`` meters in ``rows``, ``per_area`` meters of a transformer area at most."""
    chosen: dict[int, list[_Day]] = defaultdict(list)
    per = Counter[str]()
    for read_id, meter_id, day, attempts, address, depth, area in rows:
        if meter_id not in chosen:
            # A meter of no transformer area is not behind a known concentrator: only the wave limits it.
            if len(chosen) >= meters or (area and per[area] >= per_area):
                continue
            per[area] += 1
        chosen[meter_id].append((read_id, day, attempts, address, depth or UNKNOWN.freeze_depth))
    return chosen
