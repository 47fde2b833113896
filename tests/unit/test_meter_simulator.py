"""The simulated meter behaves as DL/T 645-2007 has a meter behave, spoken to by an independent codec
(tests/support/dlt645_peer.py): it only answers; 1A trips; 1B only permits the close, which the customer makes;
1C closes where the model takes it; password, expiry and 保电; 62 daily freezes; answers in pieces; a lost link."""

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from gridpay.integrations.headend.meter_simulator import MeterBehaviour, SimulatedMeter
from tests.support import dlt645_peer as peer

NOW = datetime(2025, 3, 11, 10, 0)  # noqa: DTZ001 - the meter's wall clock
ADDRESS = "000000000777"
TRIP, CLOSE_PERMITTED, CLOSE_DIRECTLY, PROTECT, RELEASE = 0x1A, 0x1B, 0x1C, 0x3A, 0x3B
STATUS_WORD_3 = peer.identifier(0x04, 0x00, 0x05, 0x03)
CURRENT_TOTAL = peer.identifier(0x00, 0x01, 0x00, 0x00)


def command(meter: SimulatedMeter, action: int, *, password: str = "000000", at: datetime = NOW,
            expires: datetime | None = None) -> bool:
    """Sends a remote control; True if the meter accepted it (0x9C), False if it refused (0xDC)."""
    answer = meter.handle(peer.control_request(ADDRESS, action=action, password=password,
                                               expires_at=expires or at + timedelta(minutes=5)), now_local=at)
    assert answer is not None
    frame = peer.decode(answer)
    assert frame.address == ADDRESS and frame.control in (0x9C, 0xDC)
    return frame.control == 0x9C


def read(meter: SimulatedMeter, di: bytes, *, at: datetime = NOW) -> bytes | None:
    """The value a read returns, or None when the meter refuses it (0xD1)."""
    answer = meter.handle(peer.read_request(ADDRESS, di), now_local=at)
    assert answer is not None
    frame = peer.decode(answer)
    if frame.control == 0xD1:
        return None
    assert frame.control == 0x91 and frame.data[:4] == di
    return frame.data[4:]


def status(meter: SimulatedMeter, *, at: datetime = NOW) -> tuple[bool, bool]:
    """(relay open, command trip), from status word 3's bits 4 and 6."""
    value = read(meter, STATUS_WORD_3, at=at)
    assert value is not None and len(value) == 2
    return bool(value[0] & 0x10), bool(value[0] & 0x40)


def test_a_trip_opens_the_relay_and_1b_only_permits_the_close_that_the_customer_makes() -> None:
    meter = SimulatedMeter(address=ADDRESS, direct_close=False, press_after=None)
    assert command(meter, TRIP) and status(meter) == (True, True)
    assert command(meter, CLOSE_PERMITTED)
    assert status(meter) == (True, False), "1B: the command state is close, the relay still open"
    assert status(meter, at=NOW + timedelta(days=3)) == (True, False), "nobody pressed"
    assert meter.press_button() and status(meter) == (False, False)


def test_the_simulated_customer_presses_the_button_after_a_while() -> None:
    meter = SimulatedMeter(address=ADDRESS, press_after=timedelta(minutes=30))
    command(meter, TRIP)
    command(meter, CLOSE_PERMITTED)
    assert status(meter, at=NOW + timedelta(minutes=29)) == (True, False)
    assert status(meter, at=NOW + timedelta(minutes=30)) == (False, False)


def test_a_button_pressed_without_a_permitted_close_does_nothing() -> None:
    meter = SimulatedMeter(address=ADDRESS)
    command(meter, TRIP)
    assert not meter.press_button() and status(meter) == (True, True)


def test_1c_closes_at_once_where_the_model_takes_it_and_is_refused_where_not() -> None:
    direct = SimulatedMeter(address=ADDRESS, direct_close=True)
    command(direct, TRIP)
    assert command(direct, CLOSE_DIRECTLY) and status(direct) == (False, False)
    permit_only = SimulatedMeter(address=ADDRESS, direct_close=False)
    command(permit_only, TRIP)
    assert not command(permit_only, CLOSE_DIRECTLY) and status(permit_only) == (True, True)


def test_a_wrong_password_an_expired_command_and_a_protected_meter_refuse_to_trip() -> None:
    meter = SimulatedMeter(address=ADDRESS)
    assert not command(meter, TRIP, password="123456")
    assert not command(meter, TRIP, expires=NOW - timedelta(seconds=1))
    assert command(meter, PROTECT) and not command(meter, TRIP)
    assert command(meter, RELEASE) and command(meter, TRIP)


def test_it_only_answers_requests_for_itself() -> None:
    meter = SimulatedMeter(address="000000000001")
    assert meter.handle(peer.control_request(ADDRESS, action=TRIP, expires_at=NOW), now_local=NOW) is None
    assert meter.handle(b"\x68 not a frame", now_local=NOW) is None
    mine = SimulatedMeter(address=ADDRESS)
    assert mine.handle(peer.control_accepted(ADDRESS), now_local=NOW) is None, "another meter's answer"
    assert SimulatedMeter(address=ADDRESS, behaviour=MeterBehaviour.SILENT).handle(
        peer.read_request(ADDRESS, STATUS_WORD_3), now_local=NOW) is None
    assert not command(SimulatedMeter(address=ADDRESS, behaviour=MeterBehaviour.DENY), TRIP)


def test_a_meter_that_lost_its_link_answers_once_it_is_back() -> None:
    meter = SimulatedMeter(address=ADDRESS, offline_until=NOW + timedelta(hours=2))
    assert meter.handle(peer.read_request(ADDRESS, STATUS_WORD_3), now_local=NOW) is None
    assert status(meter, at=NOW + timedelta(hours=2)) == (False, False)


def freeze_days(meter: SimulatedMeter, days: int, *, lost: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    for n in range(days):
        meter.freeze_day(at=NOW.replace(hour=0) + timedelta(days=n + 1), lost=n in lost)


def test_daily_freezes_are_kept_62_deep_the_last_first_with_their_time() -> None:
    meter = SimulatedMeter(address=ADDRESS, daily_kwh=Decimal("10.00"))
    freeze_days(meter, 70)
    last_time = read(meter, peer.identifier(0x05, 0x06, 0x00, 1))
    assert last_time == peer.stamp(datetime(2025, 5, 20, 0, 0))  # noqa: DTZ001 - 11 March + 70 days
    oldest = read(meter, peer.identifier(0x05, 0x06, 0x01, 62))
    assert oldest is not None and peer.from_bcd(oldest[:4]) == 90 * 100  # 9 days' 10 kWh
    assert read(meter, peer.identifier(0x05, 0x06, 0x01, 63)) is None, "beyond its depth: no such data"
    now_total = read(meter, CURRENT_TOTAL)
    assert now_total is not None and peer.from_bcd(now_total) == 700 * 100


def test_a_freeze_lost_at_midnight_leaves_a_gap_its_neighbours_time_stamps_show() -> None:
    meter = SimulatedMeter(address=ADDRESS)
    freeze_days(meter, 5, lost={2})
    stamps = [read(meter, peer.identifier(0x05, 0x06, 0x00, nth)) for nth in range(1, 5)]
    days = [peer.from_bcd(stamp[2:3]) for stamp in stamps if stamp is not None]
    assert days == [16, 15, 13, 12], "the freeze of the 14th is missing"
    assert read(meter, peer.identifier(0x05, 0x06, 0x00, 5)) is None


@given(rates=st.integers(min_value=0, max_value=4), used=st.lists(st.decimals(min_value=0, max_value=80, places=2),
                                                                  min_size=1, max_size=5))
def test_frozen_registers_carry_the_models_rates_which_add_up_to_the_total(rates: int, used: list[Decimal]) -> None:
    meter = SimulatedMeter(address=ADDRESS, rates=rates)
    for n, kwh in enumerate(used):
        meter.freeze_day(at=NOW + timedelta(days=n + 1), kwh=kwh)
    value = read(meter, peer.identifier(0x05, 0x06, 0x01, 1))
    assert value is not None and len(value) == 4 * (1 + rates)
    registers = [Decimal(peer.from_bcd(value[i : i + 4])) / 100 for i in range(0, len(value), 4)]
    assert registers[0] == sum(used)
    if rates:
        assert sum(registers[1:]) == registers[0]


def test_a_relay_open_uses_nothing() -> None:
    meter = SimulatedMeter(address=ADDRESS, daily_kwh=Decimal("9.99"))
    meter.freeze_day(at=NOW)
    command(meter, TRIP)
    meter.freeze_day(at=NOW + timedelta(days=1))
    first, second = (read(meter, peer.identifier(0x05, 0x06, 0x01, nth)) for nth in (2, 1))
    assert first is not None and second is not None and first[:4] == second[:4] == peer.energy(Decimal("9.99"))


def test_a_long_answer_comes_in_pieces_asked_for_with_0x12() -> None:
    meter = SimulatedMeter(address=ADDRESS, piece_size=7)
    meter.freeze_day(at=NOW, kwh=Decimal("12.34"))
    di = peer.identifier(0x05, 0x06, 0x01, 1)
    first = peer.decode(meter.handle(peer.read_request(ADDRESS, di), now_local=NOW) or b"")
    assert first.control == 0xB1 and first.data[:4] == di
    value, seq, frame = first.data[4:], 0, first
    while frame.control & 0x20:
        seq += 1
        frame = peer.decode(meter.handle(peer.read_following_request(ADDRESS, di, seq), now_local=NOW) or b"")
        assert frame.control in (0x92, 0xB2) and frame.data[:4] == di and frame.data[-1] == seq
        value += frame.data[4:-1]
    assert seq == 2 and len(value) == 20 and value[:4] == peer.energy(Decimal("12.34"))


actions = st.lists(st.sampled_from([TRIP, CLOSE_PERMITTED, CLOSE_DIRECTLY, PROTECT, RELEASE]), max_size=20)


@given(actions=actions, direct_close=st.booleans(), presses=st.lists(st.booleans(), max_size=20))
def test_the_status_word_always_tells_the_relay_and_only_a_trip_or_a_customer_moves_it(
    actions: list[int], direct_close: bool, presses: list[bool]
) -> None:
    meter = SimulatedMeter(address=ADDRESS, direct_close=direct_close, press_after=None)
    for n, action in enumerate(actions):
        before = meter.relay_open
        accepted = command(meter, action)
        if n < len(presses) and presses[n]:
            meter.press_button()
        relay_open, command_open = status(meter)
        assert relay_open == meter.relay_open
        if relay_open and not before:
            assert action == TRIP and accepted
        if before and not relay_open:
            assert (action == CLOSE_DIRECTLY and direct_close) or not command_open
