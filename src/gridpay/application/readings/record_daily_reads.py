"""Takes the meters' answers to the daily reads: a time stamp says which day a freeze holds (and what to ask next),
its registers are recorded as any reading is (record_readings); a day the meter does not have is a gap."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction

from gridpay.application.readings.claim_daily_reads import FreezeAsk
from gridpay.application.readings.freeze_stamps import record_stamps, stamps_seen
from gridpay.application.readings.record_readings import NumberedReading, record_readings
from gridpay.data.models import DailyRead, Meter
from gridpay.domain.daily_reads import (
    NO_FREEZE,
    Found,
    FrozenRegisters,
    GapReason,
    Missing,
    ReadStatus,
    locate,
    reading_day,
)
from gridpay.domain.gateway_shares import share_key
from gridpay.domain.meter_models import UNKNOWN
from gridpay.domain.readings import MeterReading, Registers
from gridpay.integrations.headend.meter_link import FreezeTime


@dataclass
class FreezesReport:
    to_ask: list[FreezeAsk] = field(default_factory=list)
    stored: int = 0
    refused: int = 0
    gaps: int = 0
    ignored: int = 0  # answers of no meter in service, or energy of a freeze whose stamp was not read today


@dataclass(frozen=True)
class _Meter:
    id: int
    meter_no: str
    address: str
    time_of_use: bool
    depth: int


def record_daily_reads(
    *, stamps: list[FreezeTime], freezes: list[FrozenRegisters], today: date, at: datetime, max_daily_kwh: Decimal,
    absent: Sequence[FreezeAsk] = (),
) -> FreezesReport:
    """``absent``: time stamps asked for that the meter said it has no data of (it keeps fewer freezes)."""
    report = FreezesReport()
    with transaction.atomic():
        meters = _meters({s.address for s in stamps} | {f.address for f in freezes} | {a.address for a in absent})
        days = [(s.address, s.nth, reading_day(s.frozen_at)) for s in stamps]
        days += [(a.address, a.nth, NO_FREEZE) for a in absent if not a.energy]
        report.ignored += sum(1 for address, _, _ in days if address not in meters)
        record_stamps(today=today, stamps=[(meters[a].id, nth, day) for a, nth, day in days if a in meters])
        seen = stamps_seen(meter_ids=[m.id for m in meters.values()], today=today)
        _next_asks({meters[a] for a, _, _ in days if a in meters}, seen=seen, today=today, at=at, report=report)
        readings: list[NumberedReading] = []
        for number, freeze in enumerate(freezes, start=1):
            meter = meters.get(freeze.address)
            held = seen.get(meter.id, {}).get(freeze.nth) if meter else None
            if meter is None or held is None or held == NO_FREEZE:
                report.ignored += 1
                continue
            reading = MeterReading(meter_no=meter.meter_no, day=held, registers=_registers(freeze, meter))
            readings.append((number, reading))
    if readings:
        # Recorded in its own transaction per chunk, as a file's readings are; what is refused is a gap with its reason.
        outcome = record_readings(readings=readings, received_at=at, max_daily_kwh=max_daily_kwh)
        refused = {r.row_number for r in outcome.rejected}
        report.stored, report.refused = outcome.stored, len(refused)
        _settle(readings, refused=refused, meters=meters, at=at)
    return report


def _meters(addresses: set[str]) -> dict[str, _Meter]:
    return {
        address: _Meter(meter_id, meter_no, address, registers == Meter.Registers.TOU, depth or UNKNOWN.freeze_depth)
        for meter_id, meter_no, address, registers, depth in Meter.objects.filter(
            dlt645_address__in=addresses, removed_on__isnull=True
        ).values_list("id", "meter_no", "dlt645_address", "registers", "model__freeze_depth")
    }


def _next_asks(
    meters: set[_Meter], *, seen: dict[int, dict[int, date]], today: date, at: datetime, report: FreezesReport
) -> None:
    """After a stamp: the energy of a wanted day now found, the stamp nearer to one still looked for, or a gap."""
    if not meters:
        return
    by_id = {m.id: m for m in meters}
    wanted = DailyRead.objects.filter(meter_id__in=list(by_id), status=ReadStatus.WANTED)
    gaps: dict[int, GapReason] = {}
    asks = set()
    for read_id, meter_id, day in wanted.values_list("id", "meter_id", "reading_date"):
        meter = by_id[meter_id]
        where = locate(day, today=today, depth=meter.depth, stamps=seen.get(meter_id, {}))
        if isinstance(where, Missing):
            gaps[read_id] = where.reason
        else:
            asks.add(FreezeAsk(address=meter.address, nth=where.nth, energy=isinstance(where, Found)))
    report.to_ask.extend(sorted(asks, key=lambda a: (a.address, a.nth, a.energy)))
    report.gaps += len(gaps)
    for reason in set(gaps.values()):
        DailyRead.objects.filter(id__in=[i for i, r in gaps.items() if r == reason]).update(
            status=ReadStatus.GAP, gap_reason=reason, next_attempt_at=None, updated_at=at
        )


def _registers(freeze: FrozenRegisters, meter: _Meter) -> Registers:
    """A meter registered as total-only counts its total alone, whatever rates it keeps."""
    return freeze.registers if meter.time_of_use else Registers(total_kwh=freeze.registers.total_kwh)


def _settle(readings: list[NumberedReading], *, refused: set[int], meters: dict[str, _Meter], at: datetime) -> None:
    """Each day answered is read (or a gap the import refused), whether it was wanted or came unasked."""
    by_no = {m.meter_no: m for m in meters.values()}
    # An answer that came twice is one day: the import stored the first, and the day is read if any was stored.
    outcome: dict[tuple[_Meter, date], bool] = {}
    for number, reading in readings:
        key = (by_no[reading.meter_no], reading.day)
        outcome[key] = outcome.get(key, False) or number not in refused
    DailyRead.objects.bulk_create(
        [
            DailyRead(meter_id=meter.id, reading_date=day, updated_at=at, next_attempt_at=None,
                      share_key=share_key(meter.address), status=ReadStatus.READ if read else ReadStatus.GAP,
                      gap_reason="" if read else GapReason.REFUSED)
            for (meter, day), read in outcome.items()
        ],
        update_conflicts=True, unique_fields=["meter", "reading_date"],
        update_fields=["status", "gap_reason", "next_attempt_at", "updated_at"],
    )
