"""Simulated DL/T 645-2007 meters, as the standard has them: they only answer requests, keep their last 62 daily
freezes, and close their relay on 1B only when the customer presses the button; run as a fleet on MQTT.

A meter can be told to be slow, silent, to refuse, to lose its link for a while, or to miss a freeze (no power
at midnight), to exercise the head-end as real meters do.
"""

import asyncio
import contextlib
import random
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

import aiomqtt

from gridpay.integrations.headend import dlt645_frames as frames
from gridpay.integrations.headend import dlt645_reads as reads
from gridpay.integrations.headend.mqtt import DOWN_WILDCARD, BrokerAddress, address_of, connect, up_topic

CENT = Decimal("0.01")
# How the day's use splits over the four rates (尖, 峰, 平, 谷) on a time-of-use meter.
RATE_SHARES = (Decimal("0.05"), Decimal("0.35"), Decimal("0.25"))  # the rest is 谷


class MeterBehaviour(StrEnum):
    NORMAL = "normal"
    SLOW = "slow"  # answers, but only after a delay
    SILENT = "silent"  # never answers (a meter off the network)
    DENY = "deny"  # refuses every command (a meter with another password)


@dataclass(frozen=True)
class Freeze:
    frozen_at: datetime  # the meter's wall clock, at the midnight that ended the day
    registers: reads.Registers


@dataclass
class SimulatedMeter:
    address: str
    password: str = "000000"
    direct_close: bool = True  # takes 1C (2013 amendment); without it 1C is refused and 1B waits for the button
    rates: int = 4  # 0: the total only; 1–4 of 尖 峰 平 谷
    freeze_depth: int = reads.FREEZE_DEPTH
    relay_open: bool = False
    command_open: bool = False  # status word 3 bit 6: the last relay command was a trip
    protected: bool = False  # meter-side 保电: refuses to trip while on
    total_kwh: Decimal = Decimal(0)
    rate_kwh: list[Decimal] = field(default_factory=lambda: [Decimal(0)] * 4)
    daily_kwh: Decimal = Decimal(8)
    behaviour: MeterBehaviour = MeterBehaviour.NORMAL
    # The simulated customer presses the button this long after a close is permitted (None: never).
    press_after: timedelta | None = timedelta(minutes=20)
    piece_size: int = 200  # the most data bytes of one answer; a longer value comes in pieces (0x12)
    freezes: deque[Freeze] = field(default_factory=deque)
    offline_until: datetime | None = None  # its link is lost until then (the meter's clock)
    commands_obeyed: int = field(default=0, compare=False)
    _permitted_at: datetime | None = field(default=None, repr=False)
    _pieces: dict[int, list[bytes]] = field(default_factory=dict, repr=False)

    def handle(self, frame: bytes, *, now_local: datetime) -> bytes | None:
        """The answer to ``frame`` (None: no answer, or a frame for another meter or not understood)."""
        now = now_local.replace(tzinfo=None)
        if self.behaviour == MeterBehaviour.SILENT or (self.offline_until is not None and now < self.offline_until):
            return None
        try:
            request = frames.parse(frame)
        except frames.FrameInvalid:
            return None
        if request.address != self.address or request.from_meter:
            return None
        self._customer_acts(now)
        if request.control == frames.REMOTE_CONTROL:
            return self._remote_control(frame, now)
        if request.control in (frames.READ_DATA, frames.READ_FOLLOWING):
            return self._read(frame)
        return None

    def press_button(self) -> bool:
        """The customer presses the button (or closes the breaker): the relay closes if a close is permitted."""
        if self.relay_open and not self.command_open:
            self.relay_open = False
            self._permitted_at = None
            return True
        return False

    def permit_close(self, *, at: datetime) -> None:
        """A close is permitted (1B) at ``at`` (the meter's clock): the relay waits for the customer's press."""
        self.command_open = False
        self._permitted_at = at.replace(tzinfo=None) if self.relay_open else None

    def freeze_day(self, *, at: datetime, kwh: Decimal | None = None, lost: bool = False) -> None:
        """Midnight ``at``: add the day's use (none while the relay is open) and freeze the registers.

        ``lost``: the meter had no power at midnight, so the day is used but not frozen (a gap to backfill
        from the next freeze, or to list)."""
        self._customer_acts(at.replace(tzinfo=None))
        used = Decimal(0) if self.relay_open else (self.daily_kwh if kwh is None else kwh).quantize(CENT)
        shares = [(used * share).quantize(CENT) for share in RATE_SHARES]
        for rate, kwh_of_rate in enumerate([*shares, used - sum(shares)]):
            self.rate_kwh[rate] += kwh_of_rate
        self.total_kwh += used
        if lost:
            return
        self.freezes.appendleft(Freeze(at.replace(tzinfo=None, second=0, microsecond=0), self.registers()))
        while len(self.freezes) > self.freeze_depth:
            self.freezes.pop()

    def registers(self) -> reads.Registers:
        """What the registers hold now, as many rates as the meter has."""
        if not self.rates:
            return reads.Registers(total_kwh=self.total_kwh)
        # A meter of fewer rates counts what the others would have in its last one.
        last = self.rates - 1
        rates = (*self.rate_kwh[:last], sum(self.rate_kwh[last:], Decimal(0)))
        return reads.Registers(total_kwh=self.total_kwh, rates_kwh=rates)

    def _customer_acts(self, now: datetime) -> None:
        permitted, delay = self._permitted_at, self.press_after
        if permitted is not None and delay is not None and now >= permitted + delay:
            self.press_button()

    def _remote_control(self, frame: bytes, now: datetime) -> bytes:
        def refuse(error: int) -> bytes:
            return frames.answer_frame(self.address, frames.REMOTE_CONTROL, error=error)

        try:
            command = frames.parse_remote_control(frame)
        except (frames.FrameInvalid, ValueError):
            return refuse(frames.ERROR_OTHER)
        if self.behaviour == MeterBehaviour.DENY or command.password != self.password:
            return refuse(frames.ERROR_UNAUTHORISED)
        if command.password_level not in (0x02, 0x04):
            return refuse(frames.ERROR_UNAUTHORISED)
        if command.expires_at < now:
            return refuse(frames.ERROR_OTHER)  # DL/T 645 has no code of its own for a command past its time
        action = command.action
        if action == frames.RelayAction.DISCONNECT:
            if self.protected:
                return refuse(frames.ERROR_OTHER)
            self.relay_open, self.command_open, self._permitted_at = True, True, None
        elif action == frames.RelayAction.CLOSE_PERMITTED:
            self.permit_close(at=now)
        elif action == frames.RelayAction.CLOSE_DIRECTLY:
            if not self.direct_close:
                return refuse(frames.ERROR_OTHER)
            self.relay_open, self.command_open, self._permitted_at = False, False, None
        elif action == frames.RelayAction.PROTECT:
            self.protected = True
        elif action == frames.RelayAction.RELEASE_PROTECT:
            self.protected = False
        self.commands_obeyed += 1
        return frames.answer_frame(self.address, frames.REMOTE_CONTROL)

    def _read(self, frame: bytes) -> bytes | None:
        try:
            _, identifier, seq = reads.parse_read_request(frame)
        except frames.FrameInvalid:
            return None
        if seq is not None:
            return self._next_piece(identifier, seq)
        value = self._value(identifier)
        if value is None:
            return reads.read_refusal_frame(self.address, error=frames.ERROR_NO_DATA)
        pieces = [value[i : i + self.piece_size] for i in range(0, len(value), self.piece_size)] or [b""]
        if len(pieces) > 1:
            self._pieces[identifier] = pieces
        return reads.read_reply_frame(self.address, identifier, pieces[0], more=len(pieces) > 1)

    def _next_piece(self, identifier: int, seq: int) -> bytes:
        pieces = self._pieces.get(identifier, [])
        if not 1 <= seq < len(pieces):
            return reads.read_refusal_frame(self.address, error=frames.ERROR_NO_DATA, following=True)
        last = seq == len(pieces) - 1
        if last:
            del self._pieces[identifier]
        return reads.read_reply_frame(self.address, identifier, pieces[seq], more=not last, seq=seq)

    def _value(self, identifier: int) -> bytes | None:
        if identifier == reads.STATUS_WORD_3:
            return reads.status_word_3(reads.RelayStatus(relay_open=self.relay_open, command_open=self.command_open))
        if identifier == reads.CURRENT_ACTIVE_TOTAL:
            return reads.registers(reads.Registers(total_kwh=self.total_kwh))
        if identifier == reads.CURRENT_ACTIVE_BLOCK:
            return reads.registers(self.registers())
        freeze = reads.freeze_of(identifier)
        if freeze is None or freeze[1] > len(self.freezes):
            return None
        kind, nth = freeze
        stored = self.freezes[nth - 1]
        return reads.freeze_time(stored.frozen_at) if kind == "time" else reads.registers(stored.registers)


def fleet(
    *, addresses: Sequence[str], behaviours: Mapping[str, MeterBehaviour] | None = None, seed: int = 1,
    start_kwh: Mapping[str, Decimal] | None = None, direct_close: Mapping[str, bool] | None = None,
) -> list[SimulatedMeter]:
    """Meters with a household's varied daily use (3–15 kWh) and customers who press the button after
    5 minutes to 3 hours, the same for the same seed."""
    rng = random.Random(seed)
    behaviours = behaviours or {}
    start_kwh = start_kwh or {}
    direct_close = direct_close or {}
    meters = []
    for address in addresses:
        start = start_kwh.get(address, Decimal(0))
        meters.append(SimulatedMeter(
            address=address,
            daily_kwh=Decimal(rng.randint(300, 1500)) / 100,
            total_kwh=start,
            rate_kwh=[Decimal(0), Decimal(0), start, Decimal(0)],
            behaviour=behaviours.get(address, MeterBehaviour.NORMAL),
            direct_close=direct_close.get(address, True),
            press_after=timedelta(minutes=rng.randint(5, 180)),
        ))
    return meters


async def run_fleet(
    *,
    meters: Sequence[SimulatedMeter],
    broker: BrokerAddress,
    now_local: Callable[[], datetime],
    slow_delay_s: float = 2.0,
    ready: asyncio.Event | None = None,
    stop: asyncio.Event | None = None,
    identifier: str = "gridpay-simulator",
) -> None:
    """Serve every meter from one MQTT client (one wildcard subscription, however many meters)."""
    by_address = {meter.address: meter for meter in meters}
    stop = stop or asyncio.Event()
    pending: set[asyncio.Task[None]] = set()
    async with connect(broker, identifier=identifier) as client:
        await client.subscribe(DOWN_WILDCARD, qos=1)
        if ready is not None:
            ready.set()

        async def answer_later(meter: SimulatedMeter, frame: bytes) -> None:
            await asyncio.sleep(slow_delay_s)
            await _answer(client, meter, frame, now_local)

        async def serve() -> None:
            async for message in client.messages:
                try:
                    meter = by_address.get(address_of(message.topic.value))
                except ValueError:
                    continue
                if meter is None or not isinstance(message.payload, bytes | bytearray):
                    continue
                frame = bytes(message.payload)
                if meter.behaviour == MeterBehaviour.SLOW:
                    task = asyncio.create_task(answer_later(meter, frame))
                    pending.add(task)
                    task.add_done_callback(pending.discard)
                else:
                    await _answer(client, meter, frame, now_local)

        server = asyncio.create_task(serve())
        await stop.wait()
        server.cancel()
        for task in (server, *pending):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(server, *pending, return_exceptions=True)


async def _answer(
    client: aiomqtt.Client, meter: SimulatedMeter, frame: bytes, now_local: Callable[[], datetime]
) -> None:
    reply = meter.handle(frame, now_local=now_local())
    if reply is not None:
        await client.publish(up_topic(meter.address), reply, qos=1)


def freeze_fleet(meters: Sequence[SimulatedMeter], *, at: datetime, lost_share: float = 0.0,
                 rng: random.Random | None = None) -> int:
    """Midnight for every meter: each freezes its day (a ``lost_share`` of them miss it); returns how many froze."""
    rng = rng or random.Random(0)
    frozen = 0
    for meter in meters:
        lost = rng.random() < lost_share
        meter.freeze_day(at=at, lost=lost)
        frozen += not lost
    return frozen
