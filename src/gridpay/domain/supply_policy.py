"""A utility's supply policy as data, and the disconnection and reconnection decisions it gives (RULES §5–7).

Every figure the rules call a default is a field here, so each utility sets its own: alert levels,
quiet hours, the delay between arrears and disconnection, the disconnection window, the weather
block switch, the reconnect level and the unusual-usage rule.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from gridpay.domain.calendar import Calendar
from gridpay.domain.errors import DomainError
from gridpay.domain.money import format_yuan
from gridpay.domain.texts import gettext_noop

MAX_DISCONNECT_DELAY_DAYS = 7  # RULES §6: "up to 7 days"
MAX_OWN_FIRST_LEVEL_FEN = 100_000  # a customer may ask for the first low-balance SMS at up to 1 000 yuan
# How far ahead to look for an open window before saying there is none (a long weather block).
WINDOW_SEARCH_DAYS = 60


class PolicyInvalid(DomainError):
    code = "policy_invalid"


MAX_DAYS_LEFT_ALERT = 60


@dataclass(frozen=True)
class AlertLevels:
    """Low-balance SMS at two amounts of available balance, and at a number of days left (RULES §5)."""

    first_fen: int = 5_000
    second_fen: int = 2_000
    days_left: int = 3

    def __post_init__(self) -> None:
        if not self.first_fen > self.second_fen > 0:
            raise PolicyInvalid(gettext_noop("提醒金额应为两个正数，第一档高于第二档"), field="alert_levels")
        if not 1 <= self.days_left <= MAX_DAYS_LEFT_ALERT:
            raise PolicyInvalid(gettext_noop("可用天数提醒应为 1 到 {most} 天"), field="alert_days_left",
                                params={"most": MAX_DAYS_LEFT_ALERT})

    def with_own_first_level(self, first_fen: int | None) -> "AlertLevels":
        """The levels for one account whose customer chose their own first amount (in the portal), if they did."""
        return self if first_fen is None else replace(self, first_fen=first_fen)

    def check_own_first_level(self, first_fen: int) -> None:
        """A customer's own first amount stays above the station's second level and within reason."""
        if not self.second_fen < first_fen <= MAX_OWN_FIRST_LEVEL_FEN:
            raise PolicyInvalid(
                gettext_noop("提醒金额应高于 {second} 元、不超过 {most} 元"), field="alert_first_fen",
                params={"second": format_yuan(self.second_fen), "most": format_yuan(MAX_OWN_FIRST_LEVEL_FEN)},
            )


@dataclass(frozen=True)
class QuietHours:
    """SMS go out only from ``sms_from`` until ``sms_until`` local time (default 08:00–21:00)."""

    sms_from: time = time(8)
    sms_until: time = time(21)

    def __post_init__(self) -> None:
        if not self.sms_from < self.sms_until:
            raise PolicyInvalid(gettext_noop("短信发送时段的开始应早于结束"), field="quiet_hours")

    def allows(self, local: time) -> bool:
        return self.sms_from <= local < self.sms_until


@dataclass(frozen=True)
class DisconnectDelay:
    """How long after the arrears supply may be suspended: ``minutes`` later when ``days`` is 0
    (30 minutes in some provinces), otherwise from the start of the ``days``-th day after the day
    the arrears arose (1: the next day, the rule of seed 000)."""

    days: int = 1
    minutes: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.days <= MAX_DISCONNECT_DELAY_DAYS:
            raise PolicyInvalid(
                gettext_noop("停电延迟应为 0 到 {most} 天"), field="disconnect_delay",
                params={"most": MAX_DISCONNECT_DELAY_DAYS},
            )
        if self.minutes < 0 or (self.days and self.minutes):
            raise PolicyInvalid(
                gettext_noop("停电延迟按分钟计时天数应为 0，且分钟数不能为负"), field="disconnect_delay",
            )
        if self.minutes > MAX_DISCONNECT_DELAY_DAYS * 24 * 60:
            raise PolicyInvalid(
                gettext_noop("停电延迟不能超过 {most} 天"), field="disconnect_delay",
                params={"most": MAX_DISCONNECT_DELAY_DAYS},
            )


@dataclass(frozen=True)
class DisconnectionWindow:
    """When remote disconnection is allowed: ``[opens, closes)`` local time, on working days only,
    and never on a public holiday or the day before one (RULES §6 defaults)."""

    opens: time = time(9)
    closes: time = time(16)
    working_days_only: bool = True
    closed_on_holidays_and_eves: bool = True

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise PolicyInvalid(gettext_noop("停电时段的开始应早于结束"), field="disconnection_window")


MAX_BASELINE_DAYS = 365


@dataclass(frozen=True)
class UnusualUsageRule:
    """A day is unusual (a leak, seed 000) when it is both ``factor`` times the account's own
    baseline (median of its last ``baseline_days`` days) and ``min_excess_kwh`` above it."""

    baseline_days: int = 30
    min_history_days: int = 7
    factor: Decimal = Decimal(3)
    min_excess_kwh: Decimal = Decimal(5)

    def __post_init__(self) -> None:
        if not 1 <= self.min_history_days <= self.baseline_days <= MAX_BASELINE_DAYS:
            raise PolicyInvalid(gettext_noop("异常用电的基准天数设置不正确"), field="unusual_usage")
        if self.factor <= 1 or self.min_excess_kwh < 0:
            raise PolicyInvalid(gettext_noop("异常用电的倍数应大于 1，超出电量不能为负"), field="unusual_usage")


@dataclass(frozen=True)
class SupplyPolicy:
    zone: str = "Asia/Shanghai"
    alerts: AlertLevels = field(default_factory=AlertLevels)
    quiet_hours: QuietHours = field(default_factory=QuietHours)
    disconnect_delay: DisconnectDelay = field(default_factory=DisconnectDelay)
    window: DisconnectionWindow = field(default_factory=DisconnectionWindow)
    weather_block: bool = False  # 恶劣天气: staff switch all disconnection off
    reconnect_level_fen: int = 0  # reconnect once the available balance is back to this (arrears paid)
    unusual_usage: UnusualUsageRule = field(default_factory=UnusualUsageRule)

    def local(self, instant: datetime) -> datetime:
        if instant.tzinfo is None:
            raise ValueError("instants must be timezone-aware")
        return instant.astimezone(ZoneInfo(self.zone))


def sms_allowed_at(*, policy: SupplyPolicy, at: datetime) -> datetime:
    """The first instant at or after ``at`` outside the quiet hours, when an SMS may go out."""
    local = policy.local(at)
    hours = policy.quiet_hours
    if hours.allows(local.time()):
        return at
    day = local.date() if local.time() < hours.sms_from else local.date() + timedelta(days=1)
    return datetime.combine(day, hours.sms_from, tzinfo=local.tzinfo).astimezone(at.tzinfo)


class WindowClosed(StrEnum):
    WEATHER_BLOCK = "weather_block"
    HOLIDAY = "holiday"
    HOLIDAY_EVE = "holiday_eve"
    REST_DAY = "rest_day"
    OUTSIDE_HOURS = "outside_hours"

    @property
    def label(self) -> str:
        return WINDOW_CLOSED_LABELS[self]


WINDOW_CLOSED_LABELS = {
    WindowClosed.WEATHER_BLOCK: gettext_noop("恶劣天气暂停停电"),
    WindowClosed.HOLIDAY: gettext_noop("节假日"),
    WindowClosed.HOLIDAY_EVE: gettext_noop("节假日前一日"),
    WindowClosed.REST_DAY: gettext_noop("非工作日"),
    WindowClosed.OUTSIDE_HOURS: gettext_noop("不在停电时间段内"),
}


def window_closed_because(*, policy: SupplyPolicy, calendar: Calendar, at: datetime) -> WindowClosed | None:
    """Why disconnection is not allowed at ``at``, or None when the window is open."""
    if policy.weather_block:
        return WindowClosed.WEATHER_BLOCK
    local = policy.local(at)
    return _day_closed_because(policy, calendar, local.date()) or (
        None if policy.window.opens <= local.time() < policy.window.closes else WindowClosed.OUTSIDE_HOURS
    )


def next_window_opening(*, policy: SupplyPolicy, calendar: Calendar, at: datetime) -> datetime | None:
    """The first instant at or after ``at`` inside the window; None if none within WINDOW_SEARCH_DAYS."""
    if policy.weather_block:
        return None
    local = policy.local(at)
    for offset in range(WINDOW_SEARCH_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        if _day_closed_because(policy, calendar, day):
            continue
        opens = datetime.combine(day, policy.window.opens, tzinfo=local.tzinfo)
        closes = datetime.combine(day, policy.window.closes, tzinfo=local.tzinfo)
        if local < closes:
            return max(local, opens).astimezone(at.tzinfo)
    return None


def _day_closed_because(policy: SupplyPolicy, calendar: Calendar, day: date) -> WindowClosed | None:
    window = policy.window
    if window.closed_on_holidays_and_eves and calendar.is_holiday(day):
        return WindowClosed.HOLIDAY
    if window.closed_on_holidays_and_eves and calendar.is_holiday_eve(day):
        return WindowClosed.HOLIDAY_EVE
    if window.working_days_only and not calendar.is_working_day(day):
        return WindowClosed.REST_DAY
    return None


def disconnect_due_at(*, policy: SupplyPolicy, arrears_at: datetime) -> datetime:
    """The earliest instant supply may be suspended for arrears that arose at ``arrears_at``,
    before the window is applied."""
    delay = policy.disconnect_delay
    if delay.days == 0:
        return arrears_at + timedelta(minutes=delay.minutes)
    local = policy.local(arrears_at)
    day = local.date() + timedelta(days=delay.days)
    return datetime.combine(day, time(0), tzinfo=local.tzinfo).astimezone(arrears_at.tzinfo)


def disconnect_due_by(*, policy: SupplyPolicy, at: datetime) -> Callable[[datetime], bool]:
    """Whether arrears that arose at an instant are due for disconnection at ``at`` (their disconnect_due_at is ``at``
    or before), for any number of accounts: one bound worked out once, then a comparison of instants. A disconnection
    run asks a hundred thousand times, and the time zone conversions of disconnect_due_at were a fifth of its CPU."""
    delay = policy.disconnect_delay
    if delay.days == 0:
        latest = at.astimezone(UTC) - timedelta(minutes=delay.minutes)  # instants, not wall-clock minutes
        return lambda arrears_at: arrears_at <= latest
    # Due once the local day after the delay has begun: arising before the first instant of the day that is
    # delay.days - 1 days before at's local day.
    local = policy.local(at)
    not_yet = datetime.combine(local.date() - timedelta(days=delay.days - 1), time(0), tzinfo=local.tzinfo)
    return lambda arrears_at: arrears_at < not_yet


class SupplyState(StrEnum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"

    @property
    def label(self) -> str:
        return SUPPLY_STATE_LABELS[self]


SUPPLY_STATE_LABELS = {SupplyState.CONNECTED: gettext_noop("供电"), SupplyState.DISCONNECTED: gettext_noop("停电")}


@dataclass(frozen=True)
class SupplyStanding:
    """What the disconnection decision needs to know of one account, read at the moment of deciding."""

    available_balance_fen: int
    supply_state: SupplyState
    protected: bool
    arrears_since: datetime | None  # when the available balance last went below zero
    live_command: bool  # a meter command not yet finished (queued, sent, awaiting its answer)


class Disconnection(StrEnum):
    DISCONNECT = "disconnect"
    NOT_IN_ARREARS = "not_in_arrears"  # a payment cleared the arrears
    NOT_CONNECTED = "not_connected"
    COMMAND_PENDING = "command_pending"
    NOT_DUE = "not_due"
    PROTECTED = "protected"  # 保电: to the staff queue, never automatic
    WINDOW_CLOSED = "window_closed"

    @property
    def label(self) -> str:
        return DISCONNECTION_LABELS[self]


DISCONNECTION_LABELS = {
    Disconnection.DISCONNECT: gettext_noop("下发停电"),
    Disconnection.NOT_IN_ARREARS: gettext_noop("已不欠费"),
    Disconnection.NOT_CONNECTED: gettext_noop("已停电"),
    Disconnection.COMMAND_PENDING: gettext_noop("已有命令在途"),
    Disconnection.NOT_DUE: gettext_noop("未到停电时间"),
    Disconnection.PROTECTED: gettext_noop("保电户，转人工"),
    Disconnection.WINDOW_CLOSED: gettext_noop("不在停电时段"),
}


@dataclass(frozen=True)
class DisconnectDecision:
    outcome: Disconnection
    window_closed: WindowClosed | None = None


def decide_disconnection(
    *, policy: SupplyPolicy, calendar: Calendar, at: datetime, standing: SupplyStanding
) -> DisconnectDecision:
    """Whether to send a disconnect command for this account now (RULES §6)."""
    return disconnection_decider(policy=policy, calendar=calendar, at=at)(standing)


def disconnection_decider(
    *, policy: SupplyPolicy, calendar: Calendar, at: datetime
) -> Callable[[SupplyStanding], DisconnectDecision]:
    """decide_disconnection for any number of accounts at one instant: a disconnection run decides a hundred thousand,
    and whether the window is open is the same for them all, so it is worked out once."""
    closed = window_closed_because(policy=policy, calendar=calendar, at=at)
    due = disconnect_due_by(policy=policy, at=at)

    def decide(standing: SupplyStanding) -> DisconnectDecision:
        if standing.supply_state != SupplyState.CONNECTED:
            return DisconnectDecision(Disconnection.NOT_CONNECTED)
        if standing.available_balance_fen >= 0 or standing.arrears_since is None:
            return DisconnectDecision(Disconnection.NOT_IN_ARREARS)
        if standing.live_command:
            return DisconnectDecision(Disconnection.COMMAND_PENDING)
        if not due(standing.arrears_since):
            return DisconnectDecision(Disconnection.NOT_DUE)
        if standing.protected:
            return DisconnectDecision(Disconnection.PROTECTED)
        if closed is not None:
            return DisconnectDecision(Disconnection.WINDOW_CLOSED, window_closed=closed)
        return DisconnectDecision(Disconnection.DISCONNECT)

    return decide


def reconnect_shortfall_fen(*, policy: SupplyPolicy, available_balance_fen: int) -> int:
    """What a payment must still bring for the available balance to reach the reconnect level (0: it is there)."""
    return max(0, policy.reconnect_level_fen - available_balance_fen)


def reconnect_due(*, policy: SupplyPolicy, available_balance_fen: int, supply_state: SupplyState) -> bool:
    """A disconnected account whose available balance is back to the reconnect level (RULES §7)."""
    return supply_state == SupplyState.DISCONNECTED and not reconnect_shortfall_fen(
        policy=policy, available_balance_fen=available_balance_fen)
