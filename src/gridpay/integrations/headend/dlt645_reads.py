"""DL/T 645-2007 reads (0x11, and 0x12 for what follows) and the values the head-end reads: status word 3,
daily freezes (time and energy, the last 62 days), the energy registers now.

A data identifier is DI3 DI2 DI1 DI0, sent DI0 first. An answer carries the identifier, then the value;
an answer to 0x12 ends with the frame's sequence number (SEQ). A value longer than one frame comes in
pieces: the first answer has D5 of its control code set, and each 0x12 asks for the next piece.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from gridpay.integrations.headend.dlt645_frames import (
    READ_DATA,
    READ_FOLLOWING,
    Answer,
    FrameInvalid,
    answer_frame,
    bcd,
    build,
    digits,
    energy,
    energy_bcd,
    meter_time,
    parse,
)

STATUS_WORD_3 = 0x04000503  # 电表运行状态字3
RELAY_OPEN_BIT = 1 << 4  # bit 4, 继电器状态: 0 closed (通), 1 open (断)
RELAY_COMMAND_OPEN_BIT = 1 << 6  # bit 6, 继电器命令状态: 0 close (permitted or done), 1 trip
CURRENT_ACTIVE_TOTAL = 0x00010000  # (当前)正向有功总电能
CURRENT_ACTIVE_BLOCK = 0x0001FF00  # (当前)正向有功电能数据块: total, then rate 1 … rate n
FREEZE_DEPTH = 62  # a meter keeps its last 62 daily freezes: (上1次) … (上62次)
_DAILY_FREEZE_TIME = 0x05060000  # (上n次)日冻结时间, YYMMDDhhmm
_DAILY_FREEZE_ENERGY = 0x05060100  # (上n次)日冻结正向有功电能数据: total, then rate 1 … rate n


def daily_freeze_time(nth: int) -> int:
    """The identifier of the time of the ``nth`` last daily freeze (1: the last)."""
    return _DAILY_FREEZE_TIME | _nth(nth)


def daily_freeze_energy(nth: int) -> int:
    """The identifier of the forward active energy of the ``nth`` last daily freeze."""
    return _DAILY_FREEZE_ENERGY | _nth(nth)


def freeze_of(identifier: int) -> tuple[str, int] | None:
    """("time" or "energy", n) for a daily-freeze identifier, else None."""
    nth = identifier & 0xFF
    if not 1 <= nth <= FREEZE_DEPTH:
        return None
    if identifier & ~0xFF == _DAILY_FREEZE_TIME:
        return "time", nth
    if identifier & ~0xFF == _DAILY_FREEZE_ENERGY:
        return "energy", nth
    return None


@dataclass(frozen=True)
class RelayStatus:
    """Bits 4 and 6 of status word 3: the relay itself, and the last command it was given."""

    relay_open: bool
    command_open: bool  # after 1B the command is "close" while the relay waits for the button


@dataclass(frozen=True)
class Registers:
    """Energy registers, XXXXXX.XX kWh: the total and, on a time-of-use meter, rate 1 … n (尖, 峰, 平, 谷)."""

    total_kwh: Decimal
    rates_kwh: tuple[Decimal, ...] = ()


@dataclass(frozen=True)
class ReadReply:
    """A normal answer to a read: what it is, its value (or this piece of it), and whether more follows."""

    address: str
    identifier: int
    value: bytes
    more_follows: bool
    seq: int | None  # the frame's number in an answer to 0x12; None in the first answer


# --- requests (head-end → meter) -----------------------------------------------------------


def read_frame(address: str, identifier: int) -> bytes:
    return build(address, READ_DATA, identifier.to_bytes(4, "little"))


def read_following_frame(address: str, identifier: int, seq: int) -> bytes:
    """读后续数据: the ``seq``-th further piece of an answer (1 for the first after the initial answer)."""
    if not 0 <= seq <= 0xFF:
        raise ValueError("a frame sequence number is one byte")
    return build(address, READ_FOLLOWING, identifier.to_bytes(4, "little") + bytes([seq]))


def parse_read_request(raw: bytes) -> tuple[str, int, int | None]:
    """The address, data identifier and (for 0x12) sequence number of a read request."""
    frame = parse(raw)
    if frame.control == READ_DATA and len(frame.data) == 4:
        return frame.address, int.from_bytes(frame.data, "little"), None
    if frame.control == READ_FOLLOWING and len(frame.data) == 5:
        return frame.address, int.from_bytes(frame.data[:4], "little"), frame.data[4]
    raise FrameInvalid(f"not a read request: control 0x{frame.control:02X}, {len(frame.data)} bytes")


# --- answers (meter → head-end) ------------------------------------------------------------


def read_reply_frame(address: str, identifier: int, value: bytes, *, more: bool = False,
                     seq: int | None = None) -> bytes:
    """A meter's answer to a read (``seq`` None) or to a read of what follows (its ``seq``)."""
    data = identifier.to_bytes(4, "little") + value
    if seq is None:
        return answer_frame(address, READ_DATA, data=data, follows=more)
    return answer_frame(address, READ_FOLLOWING, data=data + bytes([seq]), follows=more)


def read_refusal_frame(address: str, *, error: int, following: bool = False) -> bytes:
    return answer_frame(address, READ_FOLLOWING if following else READ_DATA, error=error)


def parse_read_reply(raw: bytes) -> ReadReply | Answer:
    """A meter's answer to a read or to a read of what follows, or its refusal."""
    frame = parse(raw)
    if not frame.from_meter or frame.function not in (READ_DATA, READ_FOLLOWING):
        raise FrameInvalid(f"not an answer to a read: control 0x{frame.control:02X}")
    if frame.refused:
        return Answer(address=frame.address, accepted=False, error=frame.data[0] if frame.data else 0)
    following = frame.function == READ_FOLLOWING
    if len(frame.data) < (5 if following else 4):
        raise FrameInvalid("a read answer without its data identifier")
    identifier = int.from_bytes(frame.data[:4], "little")
    value, seq = (frame.data[4:-1], frame.data[-1]) if following else (frame.data[4:], None)
    return ReadReply(frame.address, identifier, value, frame.more_follows, seq)


# --- values ---------------------------------------------------------------------------------


def status_word_3(status: RelayStatus) -> bytes:
    word = (RELAY_OPEN_BIT if status.relay_open else 0) | (RELAY_COMMAND_OPEN_BIT if status.command_open else 0)
    return word.to_bytes(2, "little")


def parse_status_word_3(value: bytes) -> RelayStatus:
    if len(value) != 2:
        raise FrameInvalid(f"status word 3 is 2 bytes, not {len(value)}")
    word = int.from_bytes(value, "little")
    return RelayStatus(relay_open=bool(word & RELAY_OPEN_BIT), command_open=bool(word & RELAY_COMMAND_OPEN_BIT))


def freeze_time(moment: datetime) -> bytes:
    return bcd(moment.strftime("%y%m%d%H%M"), digits=10)


def parse_freeze_time(value: bytes) -> datetime:
    if len(value) != 5:
        raise FrameInvalid(f"a freeze time is 5 bytes (YYMMDDhhmm), not {len(value)}")
    return meter_time(digits(value))


def registers(values: Registers) -> bytes:
    return b"".join(energy_bcd(kwh) for kwh in (values.total_kwh, *values.rates_kwh))


def parse_registers(value: bytes) -> Registers:
    """The total alone, or the total and 1 … 63 rates (four bytes each)."""
    if not value or len(value) % 4 or len(value) > 64 * 4:
        raise FrameInvalid(f"energy registers come in 4 bytes each, not {len(value)}")
    total, *rates = (energy(value[i : i + 4]) for i in range(0, len(value), 4))
    return Registers(total_kwh=total, rates_kwh=tuple(rates))


def _nth(nth: int) -> int:
    if not 1 <= nth <= FREEZE_DEPTH:
        raise ValueError(f"a meter keeps daily freezes 1 to {FREEZE_DEPTH} back, not {nth}")
    return nth

