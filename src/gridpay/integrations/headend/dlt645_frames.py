"""DL/T 645-2007 frames for remote control (0x1C) and the reads the head-end needs, both ways.

Framing (preamble, 0x68, address, checksum, the +0x33 data offset) is the `dlt645` package's
`DLT645Protocol`; it has no remote-control command, no frozen-data items and no status words,
which are here. Every multi-byte field goes low byte first, numbers in BCD, as the standard has it.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import IntEnum

from dlt645 import DLT645Protocol

REMOTE_CONTROL = 0x1C
READ_DATA = 0x11
REPLY = 0x80  # set in the control code of every answer from a meter
ABNORMAL = 0x40  # set as well when the meter refuses

# Data identifiers (DI3 DI2 DI1 DI0).
DAILY_FROZEN_ACTIVE_ENERGY = 0x05060101  # (上1次)日冻结正向有功电能数据: total, 尖, 峰, 平, 谷
STATUS_WORD_3 = 0x04000503  # 电表运行状态字3: bit 4 is the relay (0 closed, 1 open)
RELAY_OPEN_BIT = 0x10

# The error byte of an abnormal answer.
ERROR_UNAUTHORISED = 0x04  # 密码错/未授权
ERROR_NO_DATA = 0x02  # 无请求数据


class FrameInvalid(ValueError):
    """Bytes that are not the frame expected (bad checksum, wrong command, wrong length)."""


class RelayAction(IntEnum):
    DISCONNECT = 0x1A  # 跳闸
    RECONNECT = 0x1B  # 合闸允许: the customer closes the switch, or the meter does
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
class DailyFrozenEnergy:
    address: str
    total_kwh: Decimal
    sharp_kwh: Decimal
    peak_kwh: Decimal
    flat_kwh: Decimal
    valley_kwh: Decimal


# --- sent by the head-end -------------------------------------------------------------------


def remote_control_frame(command: RemoteControl) -> bytes:
    if not 0 <= command.password_level <= 0xFF:
        raise ValueError("password level is one byte")
    if not 2000 <= command.expires_at.year <= 2099:
        raise ValueError("meters count years 2000 to 2099")
    expiry = command.expires_at.strftime("%y%m%d%H%M%S")  # YY MM DD hh mm ss, sent ss first
    data = (
        bytes([command.password_level])
        + _bcd(command.password, digits=6)
        + _bcd(command.operator, digits=8)
        + bytes([command.action, 0x00])
        + _bcd(expiry, digits=12)
    )
    return _frame(command.address, REMOTE_CONTROL, data)


def read_frame(address: str, data_identifier: int) -> bytes:
    return _frame(address, READ_DATA, data_identifier.to_bytes(4, "little"))


# --- sent by a meter (the fleet simulator), read by the head-end ----------------------------


def parse_remote_control(raw: bytes) -> RemoteControl:
    address, control, data = _parse(raw)
    if control != REMOTE_CONTROL or len(data) != 16:
        raise FrameInvalid(f"not a remote-control command: control 0x{control:02X}, {len(data)} data bytes")
    expiry = _digits(data[10:16])
    return RemoteControl(
        address=address,
        action=RelayAction(data[8]),
        password_level=data[0],
        password=_digits(data[1:4]),
        operator=_digits(data[4:8]),
        expires_at=_meter_time(expiry),
    )


def parse_read(raw: bytes) -> tuple[str, int]:
    """The address and data identifier of a read request."""
    address, control, data = _parse(raw)
    if control != READ_DATA or len(data) != 4:
        raise FrameInvalid(f"not a read request: control 0x{control:02X}")
    return address, int.from_bytes(data, "little")


def answer_frame(address: str, command: int, *, error: int = 0, data: bytes = b"") -> bytes:
    """A meter's answer to ``command``: normal with ``data``, or abnormal with the ``error`` byte."""
    if error:
        return _frame(address, command | REPLY | ABNORMAL, bytes([error]))
    return _frame(address, command | REPLY, data)


def daily_frozen_answer(energy: DailyFrozenEnergy) -> bytes:
    values = (energy.total_kwh, energy.sharp_kwh, energy.peak_kwh, energy.flat_kwh, energy.valley_kwh)
    data = DAILY_FROZEN_ACTIVE_ENERGY.to_bytes(4, "little") + b"".join(_energy_bcd(v) for v in values)
    return answer_frame(energy.address, READ_DATA, data=data)


def status_word_3_answer(address: str, *, relay_open: bool) -> bytes:
    word = RELAY_OPEN_BIT if relay_open else 0
    return answer_frame(address, READ_DATA, data=STATUS_WORD_3.to_bytes(4, "little") + word.to_bytes(2, "little"))


def parse_answer(raw: bytes, *, command: int) -> tuple[Answer, bytes]:
    """A meter's answer to ``command`` and its data (without the data identifier of a read)."""
    address, control, data = _parse(raw)
    if control & ~ABNORMAL != command | REPLY:
        raise FrameInvalid(f"not an answer to 0x{command:02X}: control 0x{control:02X}")
    if control & ABNORMAL:
        return Answer(address=address, accepted=False, error=data[0] if data else 0), b""
    return Answer(address=address, accepted=True, error=0), data


def parse_daily_frozen(raw: bytes) -> DailyFrozenEnergy | Answer:
    """The energy of the last daily freeze, or the meter's refusal."""
    answer, value = _read_answer(raw, data_identifier=DAILY_FROZEN_ACTIVE_ENERGY, length=20)
    if not answer.accepted:
        return answer
    total, sharp, peak, flat, valley = (Decimal(_digits(value[i : i + 4])).scaleb(-2) for i in range(0, 20, 4))
    return DailyFrozenEnergy(answer.address, total, sharp, peak, flat, valley)


def parse_relay_open(raw: bytes) -> bool | Answer:
    """Whether the meter reports its relay open (supply off), or its refusal."""
    answer, value = _read_answer(raw, data_identifier=STATUS_WORD_3, length=2)
    if not answer.accepted:
        return answer
    return bool(int.from_bytes(value, "little") & RELAY_OPEN_BIT)


def peek(raw: bytes) -> tuple[str, int]:
    """The address and control code of any frame, to tell what it is before parsing it."""
    address, control, _ = _parse(raw)
    return address, control


def read_identifier(raw: bytes) -> int:
    """The data identifier a normal read answer carries."""
    _, data = parse_answer(raw, command=READ_DATA)
    if len(data) < 4:
        raise FrameInvalid("a read answer without its data identifier")
    return int.from_bytes(data[:4], "little")


def _read_answer(raw: bytes, *, data_identifier: int, length: int) -> tuple[Answer, bytes]:
    """A meter's answer to a read of ``data_identifier``, and its ``length`` bytes of value."""
    answer, data = parse_answer(raw, command=READ_DATA)
    if answer.accepted and (len(data) != 4 + length or int.from_bytes(data[:4], "little") != data_identifier):
        raise FrameInvalid(f"not an answer to a read of {data_identifier:08X}")
    return answer, data[4:]


# --- bytes ----------------------------------------------------------------------------------


def _frame(address: str, control: int, data: bytes) -> bytes:
    return bytes(DLT645Protocol.build_frame(_bcd(address, digits=12), control, data))


def _parse(raw: bytes) -> tuple[str, int, bytes]:
    try:
        frame = DLT645Protocol.deserialize(raw)
    except ValueError as error:
        raise FrameInvalid(f"no valid DL/T 645 frame: {error}") from None
    if frame is None:  # deserialize raises instead, but says it may return None
        raise FrameInvalid("no valid DL/T 645 frame")
    return _digits(bytes(frame.addr)), frame.ctrl_code, bytes(frame.data)


def _bcd(text: str, *, digits: int) -> bytes:
    """``digits`` decimal digits as BCD bytes, the last two digits first."""
    if len(text) != digits or not text.isdigit() or not text.isascii():
        raise ValueError(f"expected {digits} digits: {text!r}")
    return bytes.fromhex(text)[::-1]


def _digits(data: bytes) -> str:
    text = data[::-1].hex()
    if not text.isdigit():
        raise FrameInvalid(f"not BCD: {data.hex()}")
    return text


def _meter_time(digits: str) -> datetime:
    """YYMMDDhhmmss on the meter's wall clock; meters count years from 2000."""
    year, month, day, hour, minute, second = (int(digits[i : i + 2]) for i in range(0, 12, 2))
    try:
        return datetime(2000 + year, month, day, hour, minute, second)  # noqa: DTZ001 - the meter has no zone
    except ValueError:
        raise FrameInvalid(f"not a time: {digits}") from None


def _energy_bcd(kwh: Decimal) -> bytes:
    """An energy register, XXXXXX.XX kWh."""
    hundredths = kwh.scaleb(2)
    if hundredths != hundredths.to_integral_value() or not 0 <= hundredths < 10**8:
        raise ValueError(f"not a register value of XXXXXX.XX kWh: {kwh}")
    return _bcd(f"{int(hundredths):08d}", digits=8)
