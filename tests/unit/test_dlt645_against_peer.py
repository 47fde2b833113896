"""Every frame the head-end sends, read by an independent codec written from the standard's layout
(tests/support/dlt645_peer.py); every frame it accepts, built by that codec and read by the head-end's seam."""

import itertools
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.daily_reads import FrozenRegisters
from gridpay.domain.energy import TouPeriod
from gridpay.domain.meter_commands import CommandAction, ControlAnswer, RelayReadBack
from gridpay.domain.readings import Registers
from gridpay.integrations.headend import dlt645_reads as reads
from gridpay.integrations.headend.dlt645_frames import FrameInvalid, parse
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
from tests.support import dlt645_peer as peer

ADDRESS = "330100000123"
AT = datetime(2026, 3, 10, 2, 0, 5, tzinfo=UTC)  # 10:00:05 in Beijing
CREDENTIALS = Credentials(password="123456", operator="00000042")
STATUS_WORD_3 = peer.identifier(0x04, 0x00, 0x05, 0x03)
TOU = (TouPeriod.SHARP, TouPeriod.PEAK, TouPeriod.FLAT, TouPeriod.VALLEY)


def freeze_time_di(nth: int) -> bytes:
    return peer.identifier(0x05, 0x06, 0x00, nth)


def freeze_energy_di(nth: int) -> bytes:
    return peer.identifier(0x05, 0x06, 0x01, nth)


def one(raw: bytes) -> object:
    decoded = decode_uplinks([raw], Pieces())
    assert decoded.ignored == 0 and len(decoded.uplinks) == 1, decoded
    return decoded.uplinks[0]


# --- sent by the head-end ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "direct_close", "n1"),
    [
        (CommandAction.DISCONNECT, True, 0x1A),
        (CommandAction.RECONNECT, True, 0x1C),  # 直接合闸 where the meter takes it
        (CommandAction.RECONNECT, False, 0x1B),  # 合闸允许 where it does not
        (CommandAction.PROTECT, False, 0x3A),
        (CommandAction.RELEASE, False, 0x3B),
    ],
)
def test_each_remote_control_reads_as_the_standard_lays_it_out(
    action: CommandAction, direct_close: bool, n1: int
) -> None:
    raw = control_frame(address=ADDRESS, action=action, expires_at=AT, credentials=CREDENTIALS,
                        direct_close=direct_close, password_level=0x04)
    frame = peer.decode(raw)
    assert (frame.address, frame.control) == (ADDRESS, 0x1C)
    command = peer.remote_control(frame.data)
    assert command == peer.PeerControl(password_level=0x04, password="123456", operator="00000042", action=n1,
                                       expires_at=datetime(2026, 3, 10, 10, 0, 5))  # noqa: DTZ001 - meter clock


def test_the_reads_the_head_end_sends() -> None:
    frame = peer.decode(relay_read_frame(ADDRESS))
    assert (frame.address, frame.control, frame.data) == (ADDRESS, 0x11, STATUS_WORD_3)
    for nth in (1, 2, 62):
        time_read, energy_read = (peer.decode(freeze_read_frame(ADDRESS, nth, energy=e)) for e in (False, True))
        assert (time_read.control, time_read.data) == (0x11, freeze_time_di(nth))
        assert (energy_read.control, energy_read.data) == (0x11, freeze_energy_di(nth))
    with pytest.raises(ValueError):
        freeze_read_frame(ADDRESS, 63, energy=False)  # a meter keeps 62
    following = peer.decode(reads.read_following_frame(ADDRESS, 0x05060101, 2))
    assert (following.control, following.data) == (0x12, freeze_energy_di(1) + bytes([2]))


# --- accepted by the head-end -------------------------------------------------------------------


def test_answers_to_remote_control() -> None:
    assert one(peer.control_accepted(ADDRESS)) == ControlAnswer(ADDRESS, accepted=True, error=0)
    assert one(peer.control_refused(ADDRESS, 0x04)) == ControlAnswer(ADDRESS, accepted=False, error=0x04)


@pytest.mark.parametrize("relay_open", [True, False])
@pytest.mark.parametrize("command_open", [True, False])
def test_status_word_3_the_relay_and_its_command(relay_open: bool, command_open: bool) -> None:
    raw = peer.read_answer(ADDRESS, STATUS_WORD_3, peer.status_word_3(relay_open=relay_open,
                                                                      command_open=command_open))
    assert one(raw) == RelayReadBack(ADDRESS, relay_open=relay_open, command_open=command_open)


def test_a_freeze_time_stamp() -> None:
    raw = peer.read_answer(ADDRESS, freeze_time_di(3), peer.stamp(datetime(2026, 3, 8, 0, 0)))  # noqa: DTZ001
    assert one(raw) == FreezeTime(ADDRESS, nth=3, frozen_at=datetime(2026, 3, 8, 0, 0))  # noqa: DTZ001


kwh = st.decimals(min_value=0, max_value=D("999999.99"), places=2)


@given(total=kwh, rates=st.lists(kwh, max_size=4), nth=st.integers(min_value=1, max_value=62))
def test_frozen_energy_of_the_total_alone_or_one_to_four_rates(total: D, rates: list[D], nth: int) -> None:
    value = b"".join(peer.energy(v) for v in (total, *rates))
    uplink = one(peer.read_answer(ADDRESS, freeze_energy_di(nth), value))
    # Four rates are 尖, 峰, 平, 谷; a meter keeping other rates is read for its total alone.
    tou = dict(zip(TOU, rates, strict=True)) if len(rates) == len(TOU) else {}
    assert uplink == FrozenRegisters(ADDRESS, nth=nth, registers=Registers(total, tou))


def test_a_refused_read() -> None:
    assert one(peer.read_refused(ADDRESS, 0x02)) == ReadRefused(ADDRESS, error=0x02)


@given(split=st.lists(st.integers(min_value=1, max_value=8), min_size=1, max_size=4))
def test_an_answer_in_pieces_is_asked_for_piece_by_piece_and_read_whole(split: list[int]) -> None:
    values = (D("1234.56"), D("100.01"), D("400.20"), D("500.30"), D("234.05"))
    whole = b"".join(peer.energy(v) for v in values)
    cuts = [0]
    for size in split:
        cuts.append(min(cuts[-1] + size, len(whole) - 1))
    cuts = [*sorted(set(cuts)), len(whole)]
    chunks = [whole[a:b] for a, b in itertools.pairwise(cuts)]
    pieces = Pieces()
    decoded = decode_uplinks([peer.read_answer(ADDRESS, freeze_energy_di(1), chunks[0],
                                               follows=len(chunks) > 1)], pieces)
    for seq, chunk in enumerate(chunks[1:], start=1):
        assert decoded.uplinks == [] and len(decoded.to_send) == 1
        asked = peer.decode(decoded.to_send[0][1])
        assert (asked.control, asked.data) == (0x12, freeze_energy_di(1) + bytes([seq]))
        last = seq == len(chunks) - 1
        decoded = decode_uplinks([peer.read_following_answer(ADDRESS, freeze_energy_di(1), chunk, seq,
                                                             follows=not last)], pieces)
    assert decoded.to_send == []
    tou = dict(zip(TOU, values[1:], strict=True))
    assert decoded.uplinks == [FrozenRegisters(ADDRESS, nth=1, registers=Registers(values[0], tou))]


def test_a_piece_out_of_turn_or_unasked_is_dropped() -> None:
    pieces = Pieces()
    value = peer.energy(D("1.00"))
    decode_uplinks([peer.read_answer(ADDRESS, freeze_energy_di(1), value, follows=True)], pieces)
    out_of_turn = decode_uplinks([peer.read_following_answer(ADDRESS, freeze_energy_di(1), value, 2)], pieces)
    assert out_of_turn.uplinks == [] and out_of_turn.ignored == 1
    unasked = decode_uplinks([peer.read_following_answer(ADDRESS, freeze_energy_di(2), value, 1)], pieces)
    assert unasked.uplinks == [] and unasked.ignored == 1


def test_damaged_frames_and_requests_echoed_back_are_ignored() -> None:
    good = bytearray(peer.control_accepted(ADDRESS))
    good[-2] ^= 0x01
    decoded = decode_uplinks([bytes(good), peer.read_request(ADDRESS, STATUS_WORD_3), b"\x68\x00"], Pieces())
    assert decoded.uplinks == [] and decoded.ignored == 3
    with pytest.raises(FrameInvalid):
        parse(bytes(good))


def test_frames_without_a_preamble_are_read_too() -> None:
    raw = peer.encode(ADDRESS, 0x9C, b"", preamble=0)
    assert one(raw) == ControlAnswer(ADDRESS, accepted=True, error=0)
