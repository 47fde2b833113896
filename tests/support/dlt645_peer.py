"""An independent DL/T 645-2007 codec, written from the standard's frame layout alone (it imports neither gridpay's
framing nor the `dlt645` package), to test ours and the simulator against.

    [FE FE FE FE] 68 A0 A1 A2 A3 A4 A5 68 C L DATA… CS 16

A0…A5: the address, 12 BCD digits, lowest byte first. C: the control code (D7 from the slave, D6 abnormal
answer, D5 follow-up frames, D4–D0 function: 11 read, 12 read follow-up, 1C remote control). L: the data
length. DATA: every byte sent plus 0x33. CS: the sum modulo 256 of every byte from the first 68 to the last
data byte. Multi-byte fields go lowest byte first; numbers in BCD.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class PeerFrame:
    address: str
    control: int
    data: bytes  # 0x33 taken off


def encode(address: str, control: int, data: bytes, *, preamble: int = 4) -> bytes:
    assert len(address) == 12 and address.isdigit()
    address_bytes = bytes(int(address[i : i + 2], 16) for i in range(10, -1, -2))
    body = bytes([0x68]) + address_bytes + bytes([0x68, control, len(data)]) + bytes((b + 0x33) % 256 for b in data)
    return b"\xfe" * preamble + body + bytes([sum(body) % 256, 0x16])


def decode(raw: bytes) -> PeerFrame:
    start = 0
    while start < len(raw) and raw[start] == 0xFE:
        start += 1
    frame = raw[start:]
    if len(frame) < 12 or frame[0] != 0x68 or frame[7] != 0x68:
        raise ValueError("no frame start")
    length = frame[9]
    end = 10 + length
    if len(frame) < end + 2 or frame[end + 1] != 0x16:
        raise ValueError("bad length or end")
    if sum(frame[:end]) % 256 != frame[end]:
        raise ValueError("bad checksum")
    address = "".join(f"{b:02x}" for b in reversed(frame[1:7]))
    return PeerFrame(address=address, control=frame[8], data=bytes((b - 0x33) % 256 for b in frame[10:end]))


def bcd(number: int, size: int) -> bytes:
    """``number`` in ``size`` BCD bytes, lowest first."""
    text = f"{number:0{size * 2}d}"
    assert len(text) == size * 2
    return bytes(int(text[i : i + 2], 16) for i in range(len(text) - 2, -1, -2))


def from_bcd(data: bytes) -> int:
    return int("".join(f"{b:02x}" for b in reversed(data)))


def identifier(di3: int, di2: int, di1: int, di0: int) -> bytes:
    """A data identifier as it travels: DI0 first."""
    return bytes([di0, di1, di2, di3])


# --- what a meter sends -------------------------------------------------------------------


def control_accepted(address: str) -> bytes:
    return encode(address, 0x9C, b"")


def control_refused(address: str, error: int) -> bytes:
    return encode(address, 0xDC, bytes([error]))


def read_answer(address: str, di: bytes, value: bytes, *, follows: bool = False) -> bytes:
    return encode(address, 0xB1 if follows else 0x91, di + value)


def read_following_answer(address: str, di: bytes, value: bytes, seq: int, *, follows: bool = False) -> bytes:
    return encode(address, 0xB2 if follows else 0x92, di + value + bytes([seq]))


def read_refused(address: str, error: int) -> bytes:
    return encode(address, 0xD1, bytes([error]))


def status_word_3(*, relay_open: bool, command_open: bool) -> bytes:
    """电表运行状态字3: bit 4 the relay (1 open), bit 6 the relay command (1 trip)."""
    word = (0x10 if relay_open else 0) | (0x40 if command_open else 0)
    return bytes([word & 0xFF, word >> 8])


def energy(kwh: Decimal) -> bytes:
    """XXXXXX.XX kWh: four BCD bytes."""
    return bcd(int(kwh * 100), 4)


def stamp(moment: datetime) -> bytes:
    """YYMMDDhhmm, sent mm first."""
    return bytes(int(f"{v:02d}", 16) for v in (moment.minute, moment.hour, moment.day, moment.month,
                                                   moment.year % 100))


# --- what a head-end sends, taken apart ---------------------------------------------------


@dataclass(frozen=True)
class PeerControl:
    password_level: int
    password: str
    operator: str
    action: int  # N1
    expires_at: datetime


def remote_control(data: bytes) -> PeerControl:
    assert len(data) == 16, len(data)
    n3_n8 = data[10:16]  # ss mm hh DD MM YY
    second, minute, hour, day, month, year = (from_bcd(bytes([b])) for b in n3_n8)
    return PeerControl(
        password_level=data[0],
        password=f"{from_bcd(data[1:4]):06d}",
        operator=f"{from_bcd(data[4:8]):08d}",
        action=data[8],
        expires_at=datetime(2000 + year, month, day, hour, minute, second),  # noqa: DTZ001 - the meter's clock
    )


def control_request(address: str, *, action: int, password: str = "000000", level: int = 0x02,
                    expires_at: datetime) -> bytes:
    """A head-end's remote-control frame, as this peer would send it."""
    expiry = bytes(int(f"{v:02d}", 16) for v in (expires_at.second, expires_at.minute, expires_at.hour,
                                                     expires_at.day, expires_at.month, expires_at.year % 100))
    data = bytes([level]) + bcd(int(password), 3) + bcd(1, 4) + bytes([action, 0]) + expiry
    return encode(address, 0x1C, data)


def read_request(address: str, di: bytes) -> bytes:
    return encode(address, 0x11, di)


def read_following_request(address: str, di: bytes, seq: int) -> bytes:
    return encode(address, 0x12, di + bytes([seq]))
