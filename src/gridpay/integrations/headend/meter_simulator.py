"""A fleet of simulated DL/T 645 meters on MQTT: they obey relay commands, answer reads, freeze daily energy,
and can be told to be slow, silent or to refuse, to exercise the head-end as real meters do."""

import asyncio
import contextlib
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import aiomqtt

from gridpay.integrations.headend import dlt645_frames as frames
from gridpay.integrations.headend.mqtt import DOWN_WILDCARD, BrokerAddress, address_of, connect, up_topic

# The error byte a meter answers a command past its 命令截止时间 with (DL/T 645 has no dedicated
# code for it; meters in the field use "other error", bit 0).
ERROR_OTHER = 0x01
CENT = Decimal("0.01")


class MeterBehaviour(StrEnum):
    NORMAL = "normal"
    SLOW = "slow"  # answers, but only after a delay
    SILENT = "silent"  # never answers (a meter off the network)
    DENY = "deny"  # refuses every command (a meter with another password)


@dataclass
class SimulatedMeter:
    address: str
    password: str = "000000"
    relay_open: bool = False
    protected: bool = False  # meter-side 保电: refuses to trip while on
    total_kwh: Decimal = Decimal(0)
    peak_kwh: Decimal = Decimal(0)
    flat_kwh: Decimal = Decimal(0)
    valley_kwh: Decimal = Decimal(0)
    daily_kwh: Decimal = Decimal(8)
    behaviour: MeterBehaviour = MeterBehaviour.NORMAL
    last_frozen: frames.DailyFrozenEnergy | None = None
    commands_obeyed: int = field(default=0, compare=False)

    def handle(self, frame: bytes, *, now_local: datetime) -> bytes | None:
        """The answer to ``frame`` (None: no answer, or a frame for another meter or not understood)."""
        if self.behaviour == MeterBehaviour.SILENT:
            return None
        try:
            address, control = frames.peek(frame)
        except frames.FrameInvalid:
            return None
        if address != self.address:
            return None
        if control == frames.REMOTE_CONTROL:
            return self._remote_control(frame, now_local)
        if control == frames.READ_DATA:
            return self._read(frame)
        return None

    def _remote_control(self, frame: bytes, now_local: datetime) -> bytes:
        def refuse(error: int) -> bytes:
            return frames.answer_frame(self.address, frames.REMOTE_CONTROL, error=error)

        try:
            command = frames.parse_remote_control(frame)
        except (frames.FrameInvalid, ValueError):
            return refuse(ERROR_OTHER)
        if self.behaviour == MeterBehaviour.DENY or command.password != self.password:
            return refuse(frames.ERROR_UNAUTHORISED)
        if command.password_level not in (0x02, 0x04):
            return refuse(frames.ERROR_UNAUTHORISED)
        if command.expires_at < now_local.replace(tzinfo=None):
            return refuse(ERROR_OTHER)
        action = command.action
        if action == frames.RelayAction.DISCONNECT:
            if self.protected:
                return refuse(ERROR_OTHER)
            self.relay_open = True
        elif action == frames.RelayAction.RECONNECT:
            self.relay_open = False
        elif action == frames.RelayAction.PROTECT:
            self.protected = True
        elif action == frames.RelayAction.RELEASE_PROTECT:
            self.protected = False
        self.commands_obeyed += 1
        return frames.answer_frame(self.address, frames.REMOTE_CONTROL)

    def _read(self, frame: bytes) -> bytes | None:
        try:
            _, identifier = frames.parse_read(frame)
        except frames.FrameInvalid:
            return None
        if identifier == frames.STATUS_WORD_3:
            return frames.status_word_3_answer(self.address, relay_open=self.relay_open)
        if identifier == frames.DAILY_FROZEN_ACTIVE_ENERGY and self.last_frozen is not None:
            return frames.daily_frozen_answer(self.last_frozen)
        return frames.answer_frame(self.address, frames.READ_DATA, error=frames.ERROR_NO_DATA)

    def freeze_day(self, *, kwh: Decimal | None = None) -> bytes:
        """Midnight: add the day's use (none while the relay is open) and freeze the registers."""
        used = Decimal(0) if self.relay_open else (self.daily_kwh if kwh is None else kwh).quantize(CENT)
        peak = (used * Decimal("0.4")).quantize(CENT)
        valley = (used * Decimal("0.35")).quantize(CENT)
        self.peak_kwh += peak
        self.valley_kwh += valley
        self.flat_kwh += used - peak - valley
        self.total_kwh += used
        self.last_frozen = frames.DailyFrozenEnergy(
            address=self.address, total_kwh=self.total_kwh, sharp_kwh=Decimal(0), peak_kwh=self.peak_kwh,
            flat_kwh=self.flat_kwh, valley_kwh=self.valley_kwh,
        )
        return frames.daily_frozen_answer(self.last_frozen)


def fleet(
    *, addresses: Sequence[str], behaviours: Mapping[str, MeterBehaviour] | None = None, seed: int = 1,
    start_kwh: Mapping[str, Decimal] | None = None,
) -> list[SimulatedMeter]:
    """Meters with a household's varied daily use (3–15 kWh), the same for the same seed."""
    rng = random.Random(seed)
    behaviours = behaviours or {}
    start_kwh = start_kwh or {}
    return [
        SimulatedMeter(
            address=address,
            daily_kwh=Decimal(rng.randint(300, 1500)) / 100,
            total_kwh=start_kwh.get(address, Decimal(0)),
            flat_kwh=start_kwh.get(address, Decimal(0)),
            behaviour=behaviours.get(address, MeterBehaviour.NORMAL),
        )
        for address in addresses
    ]


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


async def push_daily_frozen(*, client: aiomqtt.Client, meters: Sequence[SimulatedMeter]) -> int:
    """Every answering meter freezes its day and publishes it; returns how many were published."""
    published = 0
    for meter in meters:
        frame = meter.freeze_day()
        if meter.behaviour != MeterBehaviour.SILENT:
            await client.publish(up_topic(meter.address), frame, qos=1)
            published += 1
    return published
