"""Supply policy: the disconnection window, the delay after arrears, and who may be disconnected."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.domain.calendar import Calendar, DayKind
from gridpay.domain.supply_policy import (
    AlertLevels,
    DisconnectDelay,
    Disconnection,
    DisconnectionWindow,
    PolicyInvalid,
    SupplyPolicy,
    SupplyStanding,
    SupplyState,
    WindowClosed,
    decide_disconnection,
    disconnect_due_at,
    disconnect_due_by,
    next_window_opening,
    reconnect_due,
    window_closed_because,
)

BEIJING = ZoneInfo("Asia/Shanghai")
POLICY = SupplyPolicy()
# National Day 2025: 1–8 October off; Sunday 28 September and Saturday 11 October worked (调休).
NATIONAL_DAY_2025 = Calendar(
    exceptions={
        **{date(2025, 10, d): DayKind.HOLIDAY for d in range(1, 9)},
        date(2025, 9, 28): DayKind.WORKING,
        date(2025, 10, 11): DayKind.WORKING,
    },
    known_years=frozenset({2025}),
)


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)  # type: ignore[misc]


def closed_at(at: datetime, policy: SupplyPolicy = POLICY) -> WindowClosed | None:
    return window_closed_because(policy=policy, calendar=NATIONAL_DAY_2025, at=at)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (beijing(2025, 9, 26, 10), None),  # a Friday inside the hours
        (beijing(2025, 9, 26, 8, 59), WindowClosed.OUTSIDE_HOURS),
        (beijing(2025, 9, 26, 16), WindowClosed.OUTSIDE_HOURS),  # the window is [09:00, 16:00)
        (beijing(2025, 9, 27, 10), WindowClosed.REST_DAY),  # Saturday
        (beijing(2025, 9, 28, 10), None),  # a Sunday made a working day
        (beijing(2025, 9, 30, 10), WindowClosed.HOLIDAY_EVE),
        (beijing(2025, 10, 3, 10), WindowClosed.HOLIDAY),
        (beijing(2025, 10, 9, 10), None),
        (beijing(2031, 3, 8, 10), WindowClosed.REST_DAY),  # a year the table lacks: weekends only
        (beijing(2031, 3, 10, 10), None),
    ],
)
def test_the_disconnection_window(at: datetime, expected: WindowClosed | None) -> None:
    assert closed_at(at) == expected


def test_a_weather_block_closes_every_window() -> None:
    blocked = replace(POLICY, weather_block=True)
    assert closed_at(beijing(2025, 9, 26, 10), blocked) == WindowClosed.WEATHER_BLOCK
    assert next_window_opening(policy=blocked, calendar=NATIONAL_DAY_2025, at=beijing(2025, 9, 26, 10)) is None


def test_next_day_means_the_next_days_window() -> None:
    arrears = beijing(2025, 9, 29, 2, 30)  # Monday night's settlement
    due = disconnect_due_at(policy=POLICY, arrears_at=arrears)
    assert due == beijing(2025, 9, 30)
    # Tuesday is National Day's eve and then the holiday runs to the 8th: Thursday 9 October, 09:00.
    opening = next_window_opening(policy=POLICY, calendar=NATIONAL_DAY_2025, at=due)
    assert opening == beijing(2025, 10, 9, 9)


def test_a_thirty_minute_delay() -> None:
    policy = replace(POLICY, disconnect_delay=DisconnectDelay(days=0, minutes=30))
    assert disconnect_due_at(policy=policy, arrears_at=beijing(2025, 9, 26, 10)) == beijing(2025, 9, 26, 10, 30)


@pytest.mark.parametrize(
    "build",
    [
        lambda: DisconnectDelay(days=8),
        lambda: DisconnectDelay(days=1, minutes=30),
        lambda: DisconnectionWindow(opens=time(16), closes=time(9)),
    ],
)
def test_impossible_settings_are_refused(build: object) -> None:
    with pytest.raises(PolicyInvalid):
        build()  # type: ignore[operator]


# Hypothesis bounds are naive; ``timezones`` makes the drawn instants aware.
instants = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001
    max_value=datetime(2026, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
calendars = st.dictionaries(
    st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)), st.sampled_from(list(DayKind)), max_size=40
).map(lambda exceptions: Calendar(exceptions=exceptions, known_years=frozenset({2025, 2026})))


@given(at=instants, calendar=calendars)
def test_the_next_opening_is_open_and_nothing_before_it_is(at: datetime, calendar: Calendar) -> None:
    opening = next_window_opening(policy=POLICY, calendar=calendar, at=at)
    if opening is None:
        return
    assert opening >= at
    assert window_closed_because(policy=POLICY, calendar=calendar, at=opening) is None
    probe = at
    while probe < opening:
        assert window_closed_because(policy=POLICY, calendar=calendar, at=probe) is not None
        probe += timedelta(minutes=20)


standings = st.builds(
    SupplyStanding,
    available_balance_fen=st.integers(min_value=-50_000, max_value=50_000),
    supply_state=st.sampled_from(list(SupplyState)),
    protected=st.booleans(),
    arrears_since=st.none() | instants,
    live_command=st.booleans(),
)
policies = st.builds(
    SupplyPolicy,
    disconnect_delay=st.sampled_from([DisconnectDelay(days=0, minutes=30), DisconnectDelay(), DisconnectDelay(days=3)]),
    weather_block=st.booleans(),
)


@given(policy=policies, calendar=calendars, at=instants, standing=standings)
def test_a_disconnection_is_only_ever_of_an_unprotected_account_in_arrears_inside_the_window(
    policy: SupplyPolicy, calendar: Calendar, at: datetime, standing: SupplyStanding
) -> None:
    decision = decide_disconnection(policy=policy, calendar=calendar, at=at, standing=standing)
    if decision.outcome != Disconnection.DISCONNECT:
        return
    assert not standing.protected
    assert standing.available_balance_fen < 0, "a payment that cleared the arrears cancels it"
    assert standing.supply_state == SupplyState.CONNECTED
    assert not standing.live_command, "at most one live command per meter"
    assert window_closed_because(policy=policy, calendar=calendar, at=at) is None
    assert standing.arrears_since is not None
    assert at >= disconnect_due_at(policy=policy, arrears_at=standing.arrears_since)


# Zones whose clocks change at midnight (Havana, Santiago; São Paulo until 2019) or at night (London), and Beijing's.
zones = st.sampled_from(["Asia/Shanghai", "America/Havana", "America/Santiago", "America/Sao_Paulo", "Europe/London"])
delays = st.builds(DisconnectDelay, days=st.integers(min_value=1, max_value=7)) | st.builds(
    DisconnectDelay, days=st.just(0), minutes=st.integers(min_value=0, max_value=3 * 24 * 60))
history = st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2026, 12, 31),  # noqa: DTZ001
                       timezones=st.just(UTC))


@given(zone=zones, delay=delays, at=history, offset_s=st.integers(min_value=-3 * 86_400, max_value=3 * 86_400),
       at_zone=st.booleans())
def test_the_runs_bound_says_due_exactly_when_the_accounts_due_instant_has_come(
        zone: str, delay: DisconnectDelay, at: datetime, offset_s: int, at_zone: bool) -> None:
    policy = SupplyPolicy(zone=zone, disconnect_delay=delay)
    # Arrears near the bound, where an off-by-one or an hour of a clock change would show.
    arrears_at = at - timedelta(days=delay.days, minutes=delay.minutes, seconds=offset_s)
    if at_zone:  # the run's instant in the business zone (the schedule's); the arrears' stay in UTC (the database's)
        at = at.astimezone(ZoneInfo(zone))
    due = disconnect_due_by(policy=policy, at=at)
    assert due(arrears_at) == (disconnect_due_at(policy=policy, arrears_at=arrears_at) <= at)


TWO_HOURS = DisconnectDelay(days=0, minutes=120)
LONDON_03_30 = datetime(2025, 3, 30, 3, 30, tzinfo=ZoneInfo("Europe/London"))


@pytest.mark.parametrize(("zone", "delay", "at", "arrears_at", "due"), [
    # Arrears at the first instant of a day are due from the first instant of the day after the delay, not before.
    ("Asia/Shanghai", DisconnectDelay(days=1), datetime(2025, 3, 11, 10, tzinfo=BEIJING),
     datetime(2025, 3, 10, 16, tzinfo=UTC), False),  # 00:00 on the 11th in Beijing
    ("Asia/Shanghai", DisconnectDelay(days=1), datetime(2025, 3, 11, 10, tzinfo=BEIJING),
     datetime(2025, 3, 10, 15, 59, 59, 999_999, tzinfo=UTC), True),  # the last instant of the 10th
    # Minutes are instants: two hours before 03:30 on the morning London's clocks went forward are 00:30 UTC, and
    # arrears at 01:00 UTC are not due yet (on the wall clock, 01:30 would have passed them).
    ("Europe/London", TWO_HOURS, LONDON_03_30, datetime(2025, 3, 30, 1, 0, tzinfo=UTC), False),
    ("Europe/London", TWO_HOURS, LONDON_03_30, datetime(2025, 3, 30, 0, 30, tzinfo=UTC), True),
])
def test_the_runs_bound_at_the_edges(zone: str, delay: DisconnectDelay, at: datetime, arrears_at: datetime,
                                     due: bool) -> None:
    policy = SupplyPolicy(zone=zone, disconnect_delay=delay)
    assert (disconnect_due_at(policy=policy, arrears_at=arrears_at) <= at) is due
    assert disconnect_due_by(policy=policy, at=at)(arrears_at) is due


def test_the_decision_for_each_kind_of_account() -> None:
    arrears = SupplyStanding(
        available_balance_fen=-120,
        supply_state=SupplyState.CONNECTED,
        protected=False,
        arrears_since=beijing(2025, 9, 24, 2),
        live_command=False,
    )
    friday = beijing(2025, 9, 26, 10)

    def decide(standing: SupplyStanding, at: datetime = friday) -> Disconnection:
        return decide_disconnection(policy=POLICY, calendar=NATIONAL_DAY_2025, at=at, standing=standing).outcome

    assert decide(arrears) == Disconnection.DISCONNECT
    assert decide(replace(arrears, available_balance_fen=0)) == Disconnection.NOT_IN_ARREARS
    assert decide(replace(arrears, protected=True)) == Disconnection.PROTECTED
    assert decide(replace(arrears, live_command=True)) == Disconnection.COMMAND_PENDING
    assert decide(replace(arrears, supply_state=SupplyState.DISCONNECTED)) == Disconnection.NOT_CONNECTED
    assert decide(replace(arrears, arrears_since=beijing(2025, 9, 26, 2))) == Disconnection.NOT_DUE
    assert decide(arrears, at=beijing(2025, 9, 26, 17)) == Disconnection.WINDOW_CLOSED


def test_reconnection_at_the_reconnect_level() -> None:
    assert reconnect_due(policy=POLICY, available_balance_fen=0, supply_state=SupplyState.DISCONNECTED)
    assert not reconnect_due(policy=POLICY, available_balance_fen=-1, supply_state=SupplyState.DISCONNECTED)
    assert not reconnect_due(policy=POLICY, available_balance_fen=500, supply_state=SupplyState.CONNECTED)
    higher = replace(POLICY, reconnect_level_fen=1_000)
    assert not reconnect_due(policy=higher, available_balance_fen=999, supply_state=SupplyState.DISCONNECTED)


def test_a_customers_own_first_level_replaces_the_stations_within_bounds() -> None:
    station = AlertLevels()
    assert station.with_own_first_level(None) is station
    assert station.with_own_first_level(10_000) == AlertLevels(first_fen=10_000, second_fen=2_000, days_left=3)
    station.check_own_first_level(2_001)
    station.check_own_first_level(100_000)
    for refused in (2_000, 500, 100_001):
        with pytest.raises(PolicyInvalid) as error:
            station.check_own_first_level(refused)
        assert error.value.message == "提醒金额应高于 20.00 元、不超过 1000.00 元"
