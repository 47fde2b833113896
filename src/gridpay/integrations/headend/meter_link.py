"""The head-end's protocol seam: gridpay's commands and reads to DL/T 645-2007 frames, and meters' frames back."""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from gridpay.domain.daily_reads import FrozenRegisters
from gridpay.domain.energy import TouPeriod
from gridpay.domain.meter_commands import CommandAction, ControlAnswer, RelayReadBack
from gridpay.domain.readings import Registers
from gridpay.integrations.headend import dlt645_frames as frames
from gridpay.integrations.headend import dlt645_reads as reads

ACTIONS = {
    CommandAction.DISCONNECT: frames.RelayAction.DISCONNECT,
    CommandAction.PROTECT: frames.RelayAction.PROTECT,
    CommandAction.RELEASE: frames.RelayAction.RELEASE_PROTECT,
}
MAX_PIECES = 16  # an answer in more pieces than this is not one the head-end asked for
# DL/T 645 rates 1–4 are 尖, 峰, 平, 谷.
RATES = (TouPeriod.SHARP, TouPeriod.PEAK, TouPeriod.FLAT, TouPeriod.VALLEY)


@dataclass(frozen=True)
class Credentials:
    """What a remote-control frame must carry for the meter to obey it (set per utility)."""

    password_level: int = 0x02
    password: str = "000000"
    operator: str = "00000001"
    meter_zone: str = "Asia/Shanghai"  # the meters' wall clock, for the 命令截止时间


@dataclass(frozen=True)
class FreezeTime:
    """When the meter's ``nth`` last daily freeze was taken, on its own wall clock."""

    address: str
    nth: int
    frozen_at: datetime


@dataclass(frozen=True)
class ReadRefused:
    """A meter's refusal of a read (e.g. no freeze that far back)."""

    address: str
    error: int


Uplink = ControlAnswer | RelayReadBack | FrozenRegisters | FreezeTime | ReadRefused


def control_frame(
    *, address: str, action: CommandAction, expires_at: datetime, credentials: Credentials,
    direct_close: bool = False, password_level: int | None = None,
) -> bytes:
    """The remote-control frame of a command; a reconnect is 1C where the meter takes it, else 1B."""
    if action == CommandAction.RECONNECT:
        relay = frames.RelayAction.CLOSE_DIRECTLY if direct_close else frames.RelayAction.CLOSE_PERMITTED
    else:
        relay = ACTIONS[action]
    local = expires_at.astimezone(ZoneInfo(credentials.meter_zone)).replace(tzinfo=None, microsecond=0)
    return frames.remote_control_frame(
        frames.RemoteControl(
            address=address, action=relay, password_level=password_level or credentials.password_level,
            password=credentials.password, operator=credentials.operator, expires_at=local,
        )
    )


def relay_read_frame(address: str) -> bytes:
    return reads.read_frame(address, reads.STATUS_WORD_3)


def freeze_read_frame(address: str, nth: int, *, energy: bool) -> bytes:
    """A read of the ``nth`` last daily freeze: its energy, or its time stamp."""
    identifier = reads.daily_freeze_energy(nth) if energy else reads.daily_freeze_time(nth)
    return reads.read_frame(address, identifier)


@dataclass
class Pieces:
    """Answers that come in several frames, gathered until their last piece (D5 clear) arrives."""

    _open: dict[tuple[str, int], tuple[bytes, int]] = field(default_factory=dict)  # → value so far, pieces

    def add(self, reply: reads.ReadReply) -> bytes | None:
        """The whole value once this piece completes it, else None (and the next piece is to be asked for)."""
        key = (reply.address, reply.identifier)
        if reply.seq is None:
            so_far, count = b"", 0
        elif key in self._open:
            so_far, count = self._open.pop(key)
            if reply.seq != count % 256:
                return None  # a piece out of turn: the read is dropped, and retried as a whole
        else:
            return None  # the rest of an answer we did not start (or gave up on)
        value = so_far + reply.value
        if not reply.more_follows:
            return value
        if count + 1 > MAX_PIECES:
            return None
        self._open[key] = (value, count + 1)
        return None

    def next_request(self, reply: reads.ReadReply) -> bytes | None:
        """The 0x12 frame asking for the next piece, while a read is open."""
        open_read = self._open.get((reply.address, reply.identifier))
        return None if open_read is None else reads.read_following_frame(reply.address, reply.identifier,
                                                                           open_read[1])


@dataclass
class Decoded:
    uplinks: list[Uplink] = field(default_factory=list)
    to_send: list[tuple[str, bytes]] = field(default_factory=list)  # reads of the next piece of an answer
    ignored: int = 0


def decode_uplinks(raws: list[bytes], pieces: Pieces) -> Decoded:
    """What meters said; a frame the head-end does not use (or cannot read) is counted as ignored."""
    decoded = Decoded()
    for raw in raws:
        try:
            _decode(raw, pieces, decoded)
        except (frames.FrameInvalid, ValueError):
            decoded.ignored += 1
    return decoded


def _decode(raw: bytes, pieces: Pieces, decoded: Decoded) -> None:
    frame = frames.parse(raw)
    uplink: Uplink | None = None
    if frame.from_meter and frame.function == frames.REMOTE_CONTROL:
        answer, _ = frames.parse_answer(raw, command=frames.REMOTE_CONTROL)
        uplink = ControlAnswer(address=answer.address, accepted=answer.accepted, error=answer.error)
    elif frame.from_meter and frame.function in (frames.READ_DATA, frames.READ_FOLLOWING):
        reply = reads.parse_read_reply(raw)
        if isinstance(reply, frames.Answer):
            uplink = ReadRefused(address=reply.address, error=reply.error)
        elif (value := pieces.add(reply)) is not None:
            uplink = _value(reply.address, reply.identifier, value)
        elif (follow := pieces.next_request(reply)) is not None:
            decoded.to_send.append((reply.address, follow))  # a piece: ask for the next
            return
    if uplink is None:
        decoded.ignored += 1
    else:
        decoded.uplinks.append(uplink)


def _value(address: str, identifier: int, value: bytes) -> Uplink | None:
    if identifier == reads.STATUS_WORD_3:
        status = reads.parse_status_word_3(value)
        return RelayReadBack(address=address, relay_open=status.relay_open, command_open=status.command_open)
    freeze = reads.freeze_of(identifier)
    if freeze is None:
        return None
    kind, nth = freeze
    if kind == "time":
        return FreezeTime(address=address, nth=nth, frozen_at=reads.parse_freeze_time(value))
    return FrozenRegisters(address=address, nth=nth, registers=_registers(reads.parse_registers(value)))


def _registers(frozen: reads.Registers) -> Registers:
    """A freeze's registers in the domain's terms: the total, and 尖峰平谷 from a meter that keeps those four rates."""
    if len(frozen.rates_kwh) != len(RATES):
        return Registers(total_kwh=frozen.total_kwh)
    return Registers(total_kwh=frozen.total_kwh, tou_kwh=dict(zip(RATES, frozen.rates_kwh, strict=True)))
