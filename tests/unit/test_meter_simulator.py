"""The simulated meter obeys DL/T 645 as a real one: password, expiry, 保电, read-back, frozen energy."""

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from gridpay.integrations.headend import dlt645_frames as frames
from gridpay.integrations.headend.meter_simulator import MeterBehaviour, SimulatedMeter

NOW = datetime(2025, 3, 11, 10, 0)  # noqa: DTZ001 - the meter's wall clock
ADDRESS = "000000000777"


def command(
    action: frames.RelayAction, *, password: str = "000000", expires: datetime = NOW + timedelta(minutes=5)
) -> bytes:
    return frames.remote_control_frame(
        frames.RemoteControl(address=ADDRESS, action=action, password_level=0x02, password=password,
                             operator="00000001", expires_at=expires)
    )


def accepted(answer: bytes | None) -> bool:
    assert answer is not None
    return frames.parse_answer(answer, command=frames.REMOTE_CONTROL)[0].accepted


def relay_open(meter: SimulatedMeter) -> bool:
    answer = meter.handle(frames.read_frame(ADDRESS, frames.STATUS_WORD_3), now_local=NOW)
    assert answer is not None
    result = frames.parse_relay_open(answer)
    assert isinstance(result, bool)
    return result


def test_trip_and_close_are_obeyed_and_read_back() -> None:
    meter = SimulatedMeter(address=ADDRESS)
    assert accepted(meter.handle(command(frames.RelayAction.DISCONNECT), now_local=NOW)) and relay_open(meter)
    assert accepted(meter.handle(command(frames.RelayAction.RECONNECT), now_local=NOW)) and not relay_open(meter)


def test_a_wrong_password_an_expired_command_and_a_protected_meter_refuse_to_trip() -> None:
    meter = SimulatedMeter(address=ADDRESS)
    assert not accepted(meter.handle(command(frames.RelayAction.DISCONNECT, password="123456"), now_local=NOW))
    assert not accepted(meter.handle(command(frames.RelayAction.DISCONNECT, expires=NOW - timedelta(seconds=1)),
                                     now_local=NOW))
    assert accepted(meter.handle(command(frames.RelayAction.PROTECT), now_local=NOW))
    assert not accepted(meter.handle(command(frames.RelayAction.DISCONNECT), now_local=NOW))
    assert accepted(meter.handle(command(frames.RelayAction.RELEASE_PROTECT), now_local=NOW))
    assert accepted(meter.handle(command(frames.RelayAction.DISCONNECT), now_local=NOW))


def test_behaviours_silent_deny_and_frames_for_others_or_garbage() -> None:
    assert SimulatedMeter(address=ADDRESS, behaviour=MeterBehaviour.SILENT).handle(
        command(frames.RelayAction.DISCONNECT), now_local=NOW) is None
    assert not accepted(SimulatedMeter(address=ADDRESS, behaviour=MeterBehaviour.DENY).handle(
        command(frames.RelayAction.DISCONNECT), now_local=NOW))
    meter = SimulatedMeter(address="000000000001")
    assert meter.handle(command(frames.RelayAction.DISCONNECT), now_local=NOW) is None
    assert meter.handle(b"\x68 not a frame", now_local=NOW) is None


def test_a_frozen_day_adds_its_use_only_while_supplied() -> None:
    meter = SimulatedMeter(address=ADDRESS, daily_kwh=Decimal("9.99"))
    frozen = frames.parse_daily_frozen(meter.freeze_day())
    assert isinstance(frozen, frames.DailyFrozenEnergy) and frozen.total_kwh == Decimal("9.99")
    assert frozen.peak_kwh + frozen.flat_kwh + frozen.valley_kwh == frozen.total_kwh
    meter.relay_open = True
    again = frames.parse_daily_frozen(meter.freeze_day())
    assert isinstance(again, frames.DailyFrozenEnergy) and again.total_kwh == Decimal("9.99")
    read = meter.handle(frames.read_frame(ADDRESS, frames.DAILY_FROZEN_ACTIVE_ENERGY), now_local=NOW)
    assert read is not None and frames.parse_daily_frozen(read) == again


actions = st.lists(st.sampled_from(list(frames.RelayAction)), max_size=20)


@given(actions=actions, days=st.lists(st.decimals(min_value=0, max_value=50, places=2), max_size=10))
def test_the_read_back_always_tells_the_relay_and_registers_never_go_back(
    actions: list[frames.RelayAction], days: list[Decimal]
) -> None:
    meter = SimulatedMeter(address=ADDRESS)
    total = Decimal(0)
    for n, action in enumerate(actions):
        meter.handle(command(action), now_local=NOW)
        assert relay_open(meter) == meter.relay_open
        if n < len(days):
            frozen = frames.parse_daily_frozen(meter.freeze_day(kwh=days[n]))
            assert isinstance(frozen, frames.DailyFrozenEnergy) and frozen.total_kwh >= total
            total = frozen.total_kwh
