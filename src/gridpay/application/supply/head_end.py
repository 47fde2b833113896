"""The head-end's work, apart from its transport: commands out as frames, frames in as answers and readings.

The gateway process carries these frames over MQTT; a scenario test carries them to simulated
meters directly. Either way the same code claims, encodes, decodes and records.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings

from gridpay.application.import_readings import COLUMNS as READING_COLUMNS
from gridpay.application.import_readings import import_readings
from gridpay.application.supply import claim_outcomes
from gridpay.application.supply.claim_meter_commands import Outgoing, claim_meter_commands
from gridpay.application.supply.record_meter_answers import record_meter_answers
from gridpay.application.supply.sweep_meter_commands import SweepReport, sweep_meter_commands
from gridpay.data.models import Meter
from gridpay.domain.business_time import business_day
from gridpay.domain.meter_commands import CommandPolicy, ControlAnswer, RelayReadBack
from gridpay.integrations.headend.dlt645_frames import DailyFrozenEnergy
from gridpay.integrations.headend.meter_link import Credentials, control_frame, decode_uplink, relay_read_frame

log = logging.getLogger("gridpay.head_end")
Frame = tuple[str, bytes]  # (meter address, DL/T 645 frame)


@dataclass(frozen=True)
class ClaimedFrame:
    command_id: int
    address: str
    frame: bytes


@dataclass(frozen=True)
class Claim:
    """Frames of commands claimed as *sending* until ``lease_until``: report each as sent or unsent."""

    frames: list[ClaimedFrame]
    lease_until: datetime


@dataclass
class InboundReport:
    to_send: list[Frame] = field(default_factory=list)  # read-backs to ask for now
    confirmed: int = 0
    failed: int = 0
    drift: int = 0
    readings_stored: int = 0
    readings_rejected: int = 0
    ignored: int = 0


@dataclass(frozen=True)
class HeadEnd:
    credentials: Credentials = field(default_factory=Credentials)
    policy: CommandPolicy = field(default_factory=CommandPolicy)

    def outbound(self, *, at: datetime, limit: int = 5_000) -> list[Frame]:
        """The frames of the commands due now, each claimed as sent: for a transport that cannot lose them."""
        return [
            (o.address, self._frame(o)) for o in claim_meter_commands(at=at, limit=limit, policy=self.policy).outgoing
        ]

    def claim(self, *, at: datetime, limit: int = 5_000) -> Claim:
        """The frames of the commands due now, claimed as *sending* until the broker acknowledges them."""
        claimed = claim_meter_commands(at=at, limit=limit, policy=self.policy, lease=True)
        assert claimed.lease_until is not None
        return Claim(
            frames=[ClaimedFrame(o.command_id, o.address, self._frame(o)) for o in claimed.outgoing],
            lease_until=claimed.lease_until,
        )

    def sent(self, *, command_ids: Sequence[int], lease_until: datetime, at: datetime) -> int:
        """The broker acknowledged these frames of the claim (PUBACK): their commands are sent."""
        return claim_outcomes.sent(command_ids=command_ids, lease_until=lease_until, at=at, policy=self.policy)

    def unsent(
        self, *, command_ids: Sequence[int], lease_until: datetime, at: datetime, handed_over: bool, detail: str
    ) -> int:
        """No PUBACK came for these frames of the claim: their commands are queued again, due now."""
        return claim_outcomes.unsent(command_ids=command_ids, lease_until=lease_until, at=at,
                                     handed_over=handed_over, detail=detail)

    def _frame(self, outgoing: Outgoing) -> bytes:
        return control_frame(address=outgoing.address, action=outgoing.action, expires_at=outgoing.frame_expires_at,
                             credentials=self.credentials)

    def inbound(self, *, frames: list[bytes], at: datetime) -> InboundReport:
        """Record what meters sent; returns the read-back requests that follow accepted commands."""
        report = InboundReport()
        answers: list[ControlAnswer | RelayReadBack] = []
        freezes: list[DailyFrozenEnergy] = []
        for raw in frames:
            uplink = decode_uplink(raw)
            if uplink is None:
                report.ignored += 1
            elif isinstance(uplink, DailyFrozenEnergy):
                freezes.append(uplink)
            else:
                answers.append(uplink)
        if answers:
            recorded = record_meter_answers(answers=answers, at=at, policy=self.policy)
            report.to_send = [(address, relay_read_frame(address)) for address in recorded.read_back]
            report.confirmed, report.failed, report.drift = recorded.confirmed, recorded.failed, recorded.drift
            report.ignored += recorded.unmatched
        if freezes:
            self._store_readings(freezes, at, report)
        return report

    def sweep(self, *, at: datetime) -> SweepReport:
        return sweep_meter_commands(at=at, policy=self.policy)

    def _store_readings(self, freezes: list[DailyFrozenEnergy], at: datetime, report: InboundReport) -> None:
        # A meter freezes its registers at midnight: what arrives on a day is the day before's end.
        zone = str(settings.GRIDPAY["BUSINESS_TIME_ZONE"])
        reading_day = business_day(instant=at, zone=zone) - timedelta(days=1)
        meters = {
            address: (meter_no, registers == Meter.Registers.TOU)
            for address, meter_no, registers in Meter.objects.filter(
                dlt645_address__in=[f.address for f in freezes], removed_on__isnull=True
            ).values_list("dlt645_address", "meter_no", "registers")
        }
        rows = []
        for number, freeze in enumerate(freezes, start=1):
            if freeze.address not in meters:
                report.ignored += 1
                continue
            meter_no, time_of_use = meters[freeze.address]
            row = dict.fromkeys(READING_COLUMNS, "")
            row.update(meter_no=meter_no, reading_date=reading_day.isoformat(), total_kwh=str(freeze.total_kwh))
            if time_of_use:
                row.update(sharp_kwh=str(freeze.sharp_kwh), peak_kwh=str(freeze.peak_kwh),
                           flat_kwh=str(freeze.flat_kwh), valley_kwh=str(freeze.valley_kwh))
            rows.append((number, row))
        outcome = import_readings(
            rows=rows, received_at=at, max_daily_kwh=Decimal(str(settings.GRIDPAY["MAX_DAILY_KWH"]))
        )
        report.readings_stored += outcome.stored
        report.readings_rejected += len(outcome.rejected)
        for rejected in outcome.rejected[:5]:
            log.warning("daily frozen reading refused: %s %s", rejected.code, rejected.message)
