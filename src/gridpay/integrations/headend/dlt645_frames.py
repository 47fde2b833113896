"""DL/T 645-2007 frames: the control code, BCD fields, answers, and remote control (0x1C) both ways.

Framing (preamble, 0x68, address, checksum, the +0x33 data offset) is the `dlt645` package's
`DLT645Protocol`; it has no remote-control command, which is here, and reads are in `dlt645_reads`.
Every multi-byte field goes low byte first, numbers in BCD, as the standard has it.

The control code (§4.3): D7 direction (1: from the meter), D6 the meter refuses, D5 more frames follow,
D4–D0 the function: 0x11 read, 0x12 read what follows, 0x1C remote control.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import IntEnum
from functools import cache
from typing import Any

READ_DATA = 0x11
READ_FOLLOWING = 0x12  # 读后续数据: the rest of an answer that came with D5 set
REMOTE_CONTROL = 0x1C
REPLY = 0x80  # D7: an answer from a meter
ABNORMAL = 0x40  # D6: the meter refuses
FOLLOWS = 0x20  # D5: more frames of this answer follow
FUNCTION = 0x1F

# The error byte of an abnormal answer (§A.3).
ERROR_OTHER = 0x01
ERROR_NO_DATA = 0x02  # 无请求数据
ERROR_UNAUTHORISED = 0x04  # 密码错/未授权


class FrameInvalid(ValueError):
    """Bytes that are not the frame expected (bad checksum, wrong command, wrong length)."""


class RelayAction(IntEnum):
    """N1 of a remote-control frame (DL/T 645-2007 §7.4, with 1C from its 2013 amendment)."""

    DISCONNECT = 0x1A  # 跳闸
    CLOSE_PERMITTED = 0x1B  # 合闸允许: the relay closes when the customer presses the meter's button
    CLOSE_DIRECTLY = 0x1C  # 直接合闸 (2013 备案): the relay closes at once
    ALARM = 0x2A  # 报警
    ALARM_RELEASE = 0x2B  # 报警解除
    PROTECT = 0x3A  # 保电: the meter will not disconnect
    RELEASE_PROTECT = 0x3B  # 保电解除


@dataclass(frozen=True)
class RemoteControl:
    address: str  # 12 digits, as printed on the meter
    action: RelayAction
    password_level: int  # PA, 0x02 or 0x04 for remote control
    password: str  # P0P1P2, 6 digits
    operator: str  # C0C1C2C3, 8 digits (操作者代码)
    # 命令有效截止时间 on the meter's wall clock (local time, no zone: the frame carries none).
    expires_at: datetime


@dataclass(frozen=True)
class Answer:
    address: str
    accepted: bool
    error: int  # the error byte of a refusal; 0 when accepted


@dataclass(frozen=True)
class Frame:
    """A frame taken apart: its address, control code and data (the 0x33 offset removed)."""

    address: str
    control: int
    data: bytes

    @property
    def function(self) -> int:
        return self.control & FUNCTION

    @property
    def from_meter(self) -> bool:
        return bool(self.control & REPLY)

    @property
    def refused(self) -> bool:
        return bool(self.control & ABNORMAL)

    @property
    def more_follows(self) -> bool:
        return bool(self.control & FOLLOWS)


# --- remote control -------------------------------------------------------------------------


def remote_control_frame(command: RemoteControl) -> bytes:
    if not 0 <= command.password_level <= 0xFF:
        raise ValueError("password level is one byte")
    if not 2000 <= command.expires_at.year <= 2099:
        raise ValueError("meters count years 2000 to 2099")
    expiry = command.expires_at.strftime("%y%m%d%H%M%S")  # YY MM DD hh mm ss, sent ss first
    data = (
        bytes([command.password_level])
        + bcd(command.password, digits=6)
        + bcd(command.operator, digits=8)
        + bytes([command.action, 0x00])
        + bcd(expiry, digits=12)
    )
    return build(command.address, REMOTE_CONTROL, data)


def parse_remote_control(raw: bytes) -> RemoteControl:
    frame = parse(raw)
    if frame.control != REMOTE_CONTROL or len(frame.data) != 16:
        raise FrameInvalid(f"not a remote-control command: control 0x{frame.control:02X}, {len(frame.data)} bytes")
    try:
        action = RelayAction(frame.data[8])
    except ValueError:
        raise FrameInvalid(f"not a remote-control action: 0x{frame.data[8]:02X}") from None
    return RemoteControl(
        address=frame.address,
        action=action,
        password_level=frame.data[0],
        password=digits(frame.data[1:4]),
        operator=digits(frame.data[4:8]),
        expires_at=meter_time(digits(frame.data[10:16])),
    )


# --- answers --------------------------------------------------------------------------------


def answer_frame(address: str, command: int, *, error: int = 0, data: bytes = b"", follows: bool = False) -> bytes:
    """A meter's answer to ``command``: normal with ``data`` (``follows``: more frames to come), or abnormal."""
    if error:
        return build(address, command | REPLY | ABNORMAL, bytes([error]))
    return build(address, command | REPLY | (FOLLOWS if follows else 0), data)


def parse_answer(raw: bytes, *, command: int) -> tuple[Answer, bytes]:
    """A meter's answer to ``command`` and its data (for a read, with the data identifier)."""
    frame = parse(raw)
    if not frame.from_meter or frame.function != command:
        raise FrameInvalid(f"not an answer to 0x{command:02X}: control 0x{frame.control:02X}")
    if frame.refused:
        return Answer(address=frame.address, accepted=False, error=frame.data[0] if frame.data else 0), b""
    return Answer(address=frame.address, accepted=True, error=0), frame.data


# --- bytes ----------------------------------------------------------------------------------


def build(address: str, control: int, data: bytes) -> bytes:
    if len(data) > 0xFF:
        raise ValueError("a frame carries at most 255 bytes of data")
    return bytes(_protocol().build_frame(bcd(address, digits=12), control, data))


def parse(raw: bytes) -> Frame:
    try:
        frame = _protocol().deserialize(raw)
    except ValueError as error:
        raise FrameInvalid(f"no valid DL/T 645 frame: {error}") from None
    if frame is None:  # deserialize raises instead, but says it may return None
        raise FrameInvalid("no valid DL/T 645 frame")
    return Frame(address=digits(bytes(frame.addr)), control=frame.ctrl_code, data=bytes(frame.data))


@cache
def _protocol() -> Any:  # the package has no type information
    """The package, imported when the first frame is made or read: importing it loads its data-item tables (about
    a second), which a command that only queues commands or prints help should not wait for."""
    from dlt645 import DLT645Protocol

    return DLT645Protocol


def bcd(text: str, *, digits: int) -> bytes:
    """``digits`` decimal digits as BCD bytes, the last two digits first."""
    if len(text) != digits or not text.isdigit() or not text.isascii():
        raise ValueError(f"expected {digits} digits: {text!r}")
    return bytes.fromhex(text)[::-1]


def digits(data: bytes) -> str:
    text = data[::-1].hex()
    if not text.isdigit():
        raise FrameInvalid(f"not BCD: {data.hex()}")
    return text


def meter_time(text: str) -> datetime:
    """YYMMDDhhmm[ss] on the meter's wall clock; meters count years from 2000."""
    parts = [int(text[i : i + 2]) for i in range(0, len(text), 2)]
    if len(parts) not in (5, 6):
        raise FrameInvalid(f"not a time: {text}")
    year, month, day, hour, minute, second = [*parts, 0][:6]
    try:
        return datetime(2000 + year, month, day, hour, minute, second)  # noqa: DTZ001 - the meter has no zone
    except ValueError:
        raise FrameInvalid(f"not a time: {text}") from None


def energy_bcd(kwh: Decimal) -> bytes:
    """An energy register, XXXXXX.XX kWh."""
    hundredths = kwh.scaleb(2)
    if hundredths != hundredths.to_integral_value() or not 0 <= hundredths < 10**8:
        raise ValueError(f"not a register value of XXXXXX.XX kWh: {kwh}")
    return bcd(f"{int(hundredths):08d}", digits=8)


def energy(data: bytes) -> Decimal:
    return Decimal(digits(data)).scaleb(-2)
