"""The head-end's work, apart from its transport: commands out as frames, frames in as answers and readings.

The gateway process carries these frames over MQTT; a scenario test carries them to simulated
meters directly. Either way the same code claims, encodes, decodes and records.
"""

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from gridpay.application.readings.claim_daily_reads import FreezeAsk, claim_daily_reads
from gridpay.application.readings.outstanding_reads import OutstandingReads
from gridpay.application.readings.plan_daily_reads import plan_daily_reads
from gridpay.application.readings.record_daily_reads import record_daily_reads
from gridpay.application.supply import claim_outcomes
from gridpay.application.supply.claim_meter_commands import Outgoing, claim_meter_commands
from gridpay.application.supply.record_meter_answers import record_meter_answers
from gridpay.application.supply.sweep_meter_commands import Due, SweepReport, next_due, sweep_meter_commands
from gridpay.data.settings import gridpay_settings
from gridpay.domain.business_time import business_day, minute_of_day
from gridpay.domain.daily_reads import POLL_FROM_MINUTE, FrozenRegisters
from gridpay.domain.meter_commands import CommandPolicy, ControlAnswer, RelayReadBack
from gridpay.integrations.headend.dlt645_frames import ERROR_NO_DATA
from gridpay.integrations.headend.meter_link import (
    Credentials,
    FreezeTime,
    Pieces,
    ReadRefused,
    control_frame,
    decode_uplinks,
    freeze_read_frame,
    relay_read_frame,
)

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
    queued: int = 0  # held commands queued, due now, in place of claimed ones that ended instead of going out


@dataclass
class InboundReport:
    to_send: list[Frame] = field(default_factory=list)  # read-backs to ask for now
    confirmed: int = 0
    failed: int = 0
    drift: int = 0
    readings_stored: int = 0
    readings_rejected: int = 0
    ignored: int = 0
    restored: int = 0  # relays closed by their customer after a close permitted
    queued: int = 0  # commands queued by these answers: a held one's turn, a drift's reconnect


def answers_held_back(*, unrecorded: int, wave_meters: int) -> bool:
    """Whether a gateway holds a wave's answers (a time stamp and a freeze a meter) not yet recorded.

    Meters answer faster than their answers are recorded: asked at the waves' pace regardless, the answers queued in
    the gateway without bound (300,000 meters, one gateway: 111,598 after four minutes, growing by 450 a second), and
    with more meters a day not recorded within ten minutes is asked again (daily_reads.BACKOFF), its second answers
    queued behind (ADR 0040).
    """
    return unrecorded >= 2 * wave_meters


def asks_held_back(*, in_flight: int, wave_meters: int) -> bool:
    """Whether the meters of the gateway's recent waves that have not answered yet are two waves' worth.

    The meters may answer slower than the waves ask: through a busy network, or, in the benchmark, simulated meters
    sharing two cores with three gateways. Asked at the waves' pace regardless, the requests queued for the meters
    (1 M meters, three gateways: 525,905 asked once and unanswered after 480 s, 49,095 read), and the gateways spent
    the cores claiming and asking what would not be answered for minutes (ADR 0043). A wave's meters stop counting
    ANSWER_WAIT after it (outstanding_reads), so silent meters do not hold the waves back.
    """
    return in_flight >= 2 * wave_meters


@dataclass(frozen=True)
class HeadEnd:
    credentials: Credentials = field(default_factory=Credentials)
    policy: CommandPolicy = field(default_factory=CommandPolicy)
    pieces: Pieces = field(default_factory=Pieces)  # answers arriving in several frames, until whole
    rounds: dict[str, date] = field(default_factory=dict)  # the business day whose reads are planned
    reads: OutstandingReads = field(default_factory=OutstandingReads)  # freeze reads sent, not yet answered

    def outbound(self, *, at: datetime, limit: int = 5_000) -> list[Frame]:
        """The frames of the commands due now, each claimed as sent: for a transport that cannot lose them."""
        return [
            (o.address, self._frame(o)) for o in claim_meter_commands(at=at, limit=limit, policy=self.policy).outgoing
        ]

    def claim(self, *, at: datetime, limit: int = 5_000, keys: Collection[str] | None = None) -> Claim:
        """The frames of the commands due now, claimed as *sending* until the broker acknowledges them; ``keys``: the
        share keys of the meters this gateway serves (None: all)."""
        claimed = claim_meter_commands(at=at, limit=limit, policy=self.policy, lease=True, keys=keys)
        assert claimed.lease_until is not None
        return Claim(
            frames=[ClaimedFrame(o.command_id, o.address, self._frame(o)) for o in claimed.outgoing],
            lease_until=claimed.lease_until, queued=claimed.queued,
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
                             credentials=self.credentials, direct_close=outgoing.direct_close,
                             password_level=outgoing.password_level)

    def inbound(self, *, frames: list[bytes], at: datetime) -> InboundReport:
        """Record what meters sent; returns the read-back requests that follow accepted commands."""
        decoded = decode_uplinks(frames, self.pieces)
        report = InboundReport(to_send=decoded.to_send, ignored=decoded.ignored)
        answers = [u for u in decoded.uplinks if isinstance(u, ControlAnswer | RelayReadBack)]
        freezes = [u for u in decoded.uplinks if isinstance(u, FrozenRegisters)]
        stamps = [u for u in decoded.uplinks if isinstance(u, FreezeTime)]
        for freeze in freezes:
            self.reads.answered(freeze.address, freeze.nth, energy=True)
        for stamp in stamps:
            self.reads.answered(stamp.address, stamp.nth, energy=False)
        absent = [ask for u in decoded.uplinks if isinstance(u, ReadRefused) and u.error == ERROR_NO_DATA
                  if (ask := self.reads.refused(u.address)) is not None]
        report.ignored += len(decoded.uplinks) - len(answers) - len(freezes) - len(stamps) - len(absent)
        if answers:
            recorded = record_meter_answers(answers=answers, at=at, policy=self.policy)
            report.to_send += [(address, relay_read_frame(address)) for address in recorded.read_back]
            report.confirmed, report.failed, report.drift = recorded.confirmed, recorded.failed, recorded.drift
            report.restored, report.queued = recorded.restored, recorded.queued
            report.ignored += recorded.unmatched
        if freezes or stamps or absent:
            collected = record_daily_reads(stamps=stamps, freezes=freezes, absent=absent, today=self._today(at),
                                           at=at, max_daily_kwh=gridpay_settings().max_daily_kwh)
            report.to_send += self._ask(collected.to_ask)
            report.readings_stored += collected.stored
            report.readings_rejected += collected.refused
            report.ignored += collected.ignored
        return report

    def poll(
        self,
        *,
        at: datetime,
        meters: int = 500,
        per_area: int = 32,
        keys: Collection[str] | None = None,
        unrecorded: int = 0,
    ) -> list[Frame]:
        """A wave of daily reads: once the meters have frozen (after 00:10), each day's round is planned at its first
        wave; each wave asks up to ``meters`` meters, ``per_area`` of one transformer area at most; ``keys``: the share
        keys of the meters this gateway serves (None: all). Every gateway plans the whole round (the plan is
        idempotent), so a meter that moves to it later in the day has its reads planned already.

        No wave is asked while ``unrecorded`` (answers received and not yet recorded) holds a wave's answers
        (``answers_held_back``), or while the meters of the recent waves have not answered (``asks_held_back``)."""
        today = self._today(at)
        if minute_of_day(instant=at, zone=gridpay_settings().business_time_zone) < POLL_FROM_MINUTE:
            return []
        if self.rounds.get("planned") != today:
            plan = plan_daily_reads(today=today, at=at)
            log.info("daily reads of %s planned: %s", today, plan)
            self.rounds["planned"] = today
        if self.held_back(at=at, unrecorded=unrecorded, meters=meters):
            return []
        wave = claim_daily_reads(today=today, at=at, meters=meters, per_area=per_area, keys=keys)
        return self._ask(wave.asks, new_wave=True, at=at)

    def held_back(self, *, at: datetime, unrecorded: int, meters: int) -> bool:
        """Whether a wave of ``meters`` waits: for the answers this gateway holds to be recorded, or for the meters of
        its recent waves to answer."""
        return (answers_held_back(unrecorded=unrecorded, wave_meters=meters)
                or asks_held_back(in_flight=self.reads.in_flight(at=at), wave_meters=meters))

    def _ask(self, asks: list[FreezeAsk], *, new_wave: bool = False, at: datetime | None = None) -> list[Frame]:
        self.reads.sent(asks, new_wave=new_wave, at=at)
        return [(a.address, freeze_read_frame(a.address, a.nth, energy=a.energy)) for a in asks]

    @staticmethod
    def _today(at: datetime) -> date:
        return business_day(instant=at, zone=gridpay_settings().business_time_zone)

    def next_due(self) -> Due:
        """When the sweep, and when a claim, next find anything, as the rows stand: until then both can be skipped,
        while no command is queued and no reconnection tracked (meter_command_store.changes)."""
        return next_due(policy=self.policy)

    def sweep(self, *, at: datetime, due: Due | None = None) -> SweepReport:
        """Timeouts, expiries and alarms; and the relay reads of meters whose close waits for the customer. ``due``:
        what next_due read, if nothing was queued or tracked since: the parts not due are skipped unread."""
        report = sweep_meter_commands(at=at, policy=self.policy, due=due)
        report.to_send = [(address, relay_read_frame(address)) for address in report.relay_reads]
        return report
