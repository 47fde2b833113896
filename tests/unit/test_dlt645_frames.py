"""DL/T 645-2007 frames: ours against the standard's layout and the `dlt645` package's codec, both ways."""

from datetime import datetime
from decimal import Decimal as D

import pytest
from dlt645 import DLT645Protocol
from hypothesis import given
from hypothesis import strategies as st

from gridpay.integrations.headend.dlt645_frames import (
    ERROR_UNAUTHORISED,
    REMOTE_CONTROL,
    Answer,
    FrameInvalid,
    RelayAction,
    RemoteControl,
    answer_frame,
    parse_answer,
    parse_remote_control,
    remote_control_frame,
)
from gridpay.integrations.headend.dlt645_reads import (
    STATUS_WORD_3,
    ReadReply,
    Registers,
    RelayStatus,
    daily_freeze_energy,
    parse_read_reply,
    parse_read_request,
    parse_registers,
    parse_status_word_3,
    read_frame,
    read_reply_frame,
    registers,
    status_word_3,
)

TRIP = RemoteControl(
    address="000000000001",
    action=RelayAction.DISCONNECT,
    password_level=0x02,
    password="123456",
    operator="00000001",
    expires_at=datetime(2025, 9, 26, 16, 0, 0),  # noqa: DTZ001 - the meter's wall clock
)


def by_the_standard(address: bytes, control: int, data: bytes) -> bytes:
    """A frame laid out as DL/T 645-2007 §4 says, written out without any library."""
    body = bytes([0x68, *address, 0x68, control, len(data), *((b + 0x33) & 0xFF for b in data)])
    return bytes([0xFE] * 4) + body + bytes([sum(body) & 0xFF, 0x16])


def test_a_trip_command_is_laid_out_as_the_standard_says() -> None:
    expected = by_the_standard(
        bytes([0x01, 0, 0, 0, 0, 0]),  # address 000000000001, low byte first
        0x1C,
        bytes([0x02, 0x56, 0x34, 0x12])  # PA, then the password low byte first
        + bytes([0x01, 0x00, 0x00, 0x00])  # operator code C0..C3
        + bytes([0x1A, 0x00])  # N1 trip, N2 reserved
        + bytes([0x00, 0x00, 0x16, 0x26, 0x09, 0x25]),  # expiry ss mm hh DD MM YY
    )
    assert remote_control_frame(TRIP) == expected


def test_our_command_reads_back_with_the_packages_codec() -> None:
    frame = DLT645Protocol.deserialize(remote_control_frame(TRIP))
    assert frame is not None
    assert (bytes(frame.addr), frame.ctrl_code, frame.data[8]) == (bytes([1, 0, 0, 0, 0, 0]), 0x1C, 0x1A)


def test_a_command_built_by_the_package_parses_with_ours() -> None:
    data = bytes.fromhex("02563412" "01000000" "3b00" "000016260925")
    raw = bytes(DLT645Protocol.build_frame(bytes([0x01, 0, 0, 0, 0, 0]), REMOTE_CONTROL, data))
    assert parse_remote_control(raw) == RemoteControl(
        address="000000000001",
        action=RelayAction.RELEASE_PROTECT,
        password_level=2,
        password="123456",
        operator="00000001",
        expires_at=TRIP.expires_at,
    )


commands = st.builds(
    RemoteControl,
    address=st.from_regex(r"\A[0-9]{12}\Z"),
    action=st.sampled_from(list(RelayAction)),
    password_level=st.sampled_from([0x02, 0x04]),
    password=st.from_regex(r"\A[0-9]{6}\Z"),
    operator=st.from_regex(r"\A[0-9]{8}\Z"),
    expires_at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(  # noqa: DTZ001
        lambda moment: moment.replace(microsecond=0)
    ),
)


@given(command=commands)
def test_any_command_reads_back_whole(command: RemoteControl) -> None:
    assert parse_remote_control(remote_control_frame(command)) == command


register = st.decimals(min_value=0, max_value=D("999999.99"), places=2)


@given(values=st.builds(Registers, total_kwh=register, rates_kwh=st.lists(register, max_size=4).map(tuple)),
       address=st.from_regex(r"\A[0-9]{12}\Z"), nth=st.integers(min_value=1, max_value=62))
def test_any_daily_frozen_answer_reads_back_whole(values: Registers, address: str, nth: int) -> None:
    reply = parse_read_reply(read_reply_frame(address, daily_freeze_energy(nth), registers(values)))
    assert isinstance(reply, ReadReply) and reply.identifier == daily_freeze_energy(nth)
    assert parse_registers(reply.value) == values


def test_a_daily_frozen_read_request() -> None:
    raw = read_frame("123456789012", daily_freeze_energy(1))
    assert raw == by_the_standard(bytes.fromhex("123456789012")[::-1], 0x11, bytes([0x01, 0x01, 0x06, 0x05]))
    assert parse_read_request(raw) == ("123456789012", 0x05060101, None)


def test_a_meter_that_refuses_says_why() -> None:
    raw = answer_frame("000000000001", REMOTE_CONTROL, error=ERROR_UNAUTHORISED)
    assert raw[4 + 8] == 0xDC, "abnormal answer to 0x1C"
    assert parse_answer(raw, command=REMOTE_CONTROL) == (
        Answer(address="000000000001", accepted=False, error=ERROR_UNAUTHORISED),
        b"",
    )
    accepted, data = parse_answer(answer_frame("000000000001", REMOTE_CONTROL), command=REMOTE_CONTROL)
    assert accepted.accepted and data == b""


def test_the_relay_state_as_the_meter_reports_it() -> None:
    for relay_open in (True, False):
        for command_open in (True, False):
            status = RelayStatus(relay_open=relay_open, command_open=command_open)
            reply = parse_read_reply(read_reply_frame("000000000001", STATUS_WORD_3, status_word_3(status)))
            assert isinstance(reply, ReadReply) and parse_status_word_3(reply.value) == status


def test_damaged_or_foreign_bytes_are_refused() -> None:
    raw = bytearray(remote_control_frame(TRIP))
    raw[-2] ^= 0xFF  # checksum
    with pytest.raises(FrameInvalid):
        parse_remote_control(bytes(raw))
    with pytest.raises(FrameInvalid):
        parse_remote_control(read_frame("000000000001", daily_freeze_energy(1)))
    with pytest.raises(FrameInvalid):
        parse_answer(remote_control_frame(TRIP), command=REMOTE_CONTROL)
    with pytest.raises(ValueError):
        remote_control_frame(TRIP.__class__(**{**TRIP.__dict__, "address": "12345"}))
