"""gridpay's own settings (GRIDPAY_* variables), read once into a frozen record whose every value has been checked."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from gridpay.domain.chronic_payers import ChronicCriteria
from gridpay.domain.counter_desk import CounterLimits
from gridpay.domain.late_fees import HIGHEST_PER_MILLE, LOWEST_PER_MILLE, LateFeeRates, is_allowed_rate
from gridpay.domain.money import FEN_PER_YUAN
from gridpay.domain.portal_sign_in import PortalLimits

T = TypeVar("T")
DEFAULT_MAX_DAILY_KWH = Decimal(500)
# Turns what the environment (a string) or a test (the value itself) gives into the value, or raises ValueError
# with what was expected, in words that follow "应为".
Parse = Callable[[object], Any]


class SettingInvalid(ImproperlyConfigured):
    """Values gridpay cannot use: one Chinese line for each, naming its environment variable and what it expects."""


def integer(*, minimum: int, maximum: int) -> Parse:
    def parse(value: object) -> int:
        if isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            raise ValueError(f" {minimum} 到 {maximum} 之间的整数")
        return value

    return parse


def energy_kwh(*, maximum: int) -> Parse:
    """A positive number of kWh with at most 2 decimals, as energy is kept."""

    def parse(value: object) -> Decimal:
        if isinstance(value, str):
            try:
                value = Decimal(value.strip())
            except InvalidOperation:
                value = None
        if isinstance(value, int) and not isinstance(value, bool):
            value = Decimal(value)
        # Bounded before it is rounded: quantize refuses numbers too long for the context.
        if (not isinstance(value, Decimal) or not value.is_finite() or not 0 < value <= maximum
                or value.quantize(Decimal("0.01")) != value):
            raise ValueError(f"大于 0、不超过 {maximum} 的千瓦时数（至多两位小数）")
        return value

    return parse


def per_mille_rate(value: object) -> Decimal:
    """A late fee's daily rate in per mille, as 供电营业规则 art. 98 lets a utility choose it."""
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            value = None
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not is_allowed_rate(value):
        raise ValueError(f" {LOWEST_PER_MILLE} 到 {HIGHEST_PER_MILLE} 之间的千分比日费率（至多两位小数，如 2 或 1.5）")
    return value


def header_name(value: object) -> str:
    """An HTTP header's name (X-Real-IP), or empty."""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9-]*", value.strip()):
        raise ValueError("HTTP 头的名称，如 X-Real-IP")
    return value.strip()


def text(*, blank: bool) -> Parse:
    def parse(value: object) -> str:
        if not isinstance(value, str) or not (blank or value.strip()):
            raise ValueError("非空文字" if not blank else "文字")
        return value.strip()

    return parse


def digits(count: int) -> Parse:
    def parse(value: object) -> str:
        if not isinstance(value, str) or not re.fullmatch(rf"[0-9]{{{count}}}", value.strip()):
            raise ValueError(f" {count} 位数字")
        return value.strip()

    return parse


def time_zone(value: object) -> str:
    try:
        if isinstance(value, str) and value.strip():
            ZoneInfo(value.strip())
            return value.strip()
    except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown, malformed, or not a zone file
        pass
    raise ValueError("时区名称，如 Asia/Shanghai")


def switch(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("0", "1"):
        return value == "1"
    raise ValueError(" 0（关）或 1（开）")


ON = ("1", "true", "yes", "on")
OFF = ("0", "false", "no", "off")


def on_off(value: object) -> bool:
    """A business switch, in any of the words people write one with (GRIDPAY_TLS and the like stay 0 or 1)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ON + OFF:
        return value.strip().lower() in ON
    raise ValueError(f" {'、'.join(ON)}（开）或 {'、'.join(OFF)}（关）")


def setting(default: T, variable: str, parse: Parse, *, secret: bool = False, production: bool = False) -> T:
    """A field of GridpaySettings: its environment variable and how it is read. `secret`: its value is never shown
    in a message, nor in the record's repr (Django's debug page and diffsettings show settings by their repr, and
    only hide the keys of dicts); `production`: `gridpay check --deploy` wants it set, the default being only the
    demo's."""
    return field(default=default, repr=not secret,
                 metadata={"variable": variable, "parse": parse, "secret": secret, "production": production})


@dataclass(frozen=True, kw_only=True)
class GridpaySettings:
    """The business settings of one utility (RULES.md marks them "default": provinces differ) and of its processes.

    Built from the environment once, when Django reads its settings (gridpay.config.settings); a test changes one
    with dataclasses.replace, which checks again. An unusable value stops the process at start-up."""

    # Business days and local times are in this zone (GRIDPAY_TIME_ZONE is also Django's TIME_ZONE).
    business_time_zone: str = setting("Asia/Shanghai", "GRIDPAY_TIME_ZONE", time_zone)
    # Printed on receipts, statements and reports: the demo's generic name will not do on a utility's receipts.
    utility_name: str = setting("供电公司", "GRIDPAY_UTILITY_NAME", text(blank=False), production=True)
    # Keys the digests of recharge-card PINs: a stolen database alone does not give the PINs away. Empty: derived
    # from the secret key (ADR 0007).
    card_pin_key: str = setting("", "GRIDPAY_CARD_PIN_KEY", text(blank=True), secret=True)
    # The portal's 演示支付, which credits a payment nobody made: for a demo town only, never with a real channel
    # configured, and `gridpay check --deploy` refuses it (ADR 0026). `gridpay demo --serve` turns it on.
    demo_payments: bool = setting(False, "GRIDPAY_DEMO_PAYMENTS", switch)
    # The header in which the reverse proxy puts the client's address, overwriting any the client sent (nginx:
    # proxy_set_header X-Real-IP $remote_addr). Unset, the address is the connection's: the proxy's own in
    # production, where the portal's limits per client address would then count every customer as one.
    client_address_header: str = setting("", "GRIDPAY_CLIENT_ADDRESS_HEADER", header_name, production=True)
    # The portal's code requests a minute: from one client address (whatever the account numbers: a carrier's NAT
    # puts many households behind one), and the codes sent by the whole portal (the SMS bill, and people's phones).
    portal_requests_per_address: int = setting(5, "GRIDPAY_PORTAL_REQUESTS_PER_ADDRESS",
                                               integer(minimum=1, maximum=10_000))
    portal_codes_per_minute: int = setting(60, "GRIDPAY_PORTAL_CODES_PER_MINUTE", integer(minimum=1, maximum=100_000))
    # A reading implying more than this in one day is rejected (60 A × 220 V × 24 h ≈ 317 kWh).
    # (setting() gives a dataclass field; the Decimal in it is immutable, whatever ruff cannot tell.)
    max_daily_kwh: Decimal = setting(DEFAULT_MAX_DAILY_KWH, "GRIDPAY_MAX_DAILY_KWH", energy_kwh(maximum=100_000))  # noqa: RUF009
    # Days of recent daily charges behind the average and the days-left forecast.
    average_days: int = setting(7, "GRIDPAY_AVERAGE_DAYS", integer(minimum=1, maximum=366))
    settlement_batch_size: int = setting(20_000, "GRIDPAY_SETTLEMENT_BATCH_SIZE",
                                         integer(minimum=1, maximum=10_000_000))
    # Batches settled at once on PostgreSQL, each on its own connection (SQLite has one writer).
    settlement_workers: int = setting(2, "GRIDPAY_SETTLEMENT_WORKERS", integer(minimum=1, maximum=64))
    # Batches of the disconnection run in flight at once on PostgreSQL, each on its own connection.
    supply_run_workers: int = setting(2, "GRIDPAY_SUPPLY_RUN_WORKERS", integer(minimum=1, maximum=64))
    # The MQTT broker between the gateway and the meters; empty: the gateway runs one in-process (amqtt) on
    # 127.0.0.1 at embedded_mqtt_port, and the meter simulator connects there. (The gateway checks the URL itself:
    # `--broker` takes one too.)
    mqtt_url: str = setting("", "GRIDPAY_MQTT_URL", text(blank=True))
    embedded_mqtt_port: int = setting(18830, "GRIDPAY_EMBEDDED_MQTT_PORT", integer(minimum=1, maximum=65535))
    # The gateway's MQTT client id, kept across its reconnects and restarts, so the broker keeps its session
    # (and what meters said while it was away). Empty: one is made up at each start (host, pid, random).
    # One name per gateway: two gateways of one name would take the connection from each other.
    gateway_name: str = setting("", "GRIDPAY_GATEWAY_NAME", text(blank=True))
    # The longest wait between the gateway's attempts to reach its broker (the backoff doubles from half a second up
    # to this, with jitter): shorter brings a gateway back sooner after a broker restart, longer spares a broker
    # that many gateways lost at once.
    gateway_reconnect_max_s: int = setting(30, "GRIDPAY_GATEWAY_RECONNECT_MAX_S", integer(minimum=1, maximum=600))
    # How often each gateway writes its heartbeat. Gateways that run side by side divide the meters among those that
    # beat (ADR 0031): one silent for three beats is taken for gone and its meters are served by the others.
    gateway_heartbeat_s: int = setting(5, "GRIDPAY_GATEWAY_HEARTBEAT_S", integer(minimum=1, maximum=60))
    # On SQLite a queued command wakes the gateway with a datagram to this loopback port.
    gateway_wake_port: int = setting(18831, "GRIDPAY_GATEWAY_WAKE_PORT", integer(minimum=1, maximum=65535))
    # What a remote-control frame carries for the meters to obey it (DL/T 645 password level 02, in BCD).
    meter_password: str = setting("000000", "GRIDPAY_METER_PASSWORD", digits(6), secret=True)
    meter_operator: str = setting("00000001", "GRIDPAY_METER_OPERATOR", digits(8))
    # Postpaid bills and their arrears procedure (RULES §10). Days from a bill's issue to its due date.
    postpaid_due_days: int = setting(15, "GRIDPAY_POSTPAID_DUE_DAYS", integer(minimum=1, maximum=60))
    # Late fees per mille of the unpaid principal per day (供电营业规则 art. 98, within 1‰–3‰): residential; other
    # customers on the days in the bill's calendar year, and on the days of later years.
    late_fee_residential_per_mille: Decimal = setting(  # noqa: RUF009
        Decimal(1), "GRIDPAY_LATE_FEE_RESIDENTIAL_PER_MILLE", per_mille_rate)
    late_fee_other_per_mille: Decimal = setting(Decimal(2), "GRIDPAY_LATE_FEE_OTHER_PER_MILLE", per_mille_rate)  # noqa: RUF009
    late_fee_other_later_year_per_mille: Decimal = setting(  # noqa: RUF009
        Decimal(3), "GRIDPAY_LATE_FEE_OTHER_LATER_YEAR_PER_MILLE", per_mille_rate)
    # A late fee above zero and under 1 yuan is charged as 1 yuan.
    late_fee_minimum_one_yuan: bool = setting(True, "GRIDPAY_LATE_FEE_MINIMUM_ONE_YUAN", on_off)
    # The red disconnection notice (中止供电通知书) is delivered at least this many days before the disconnection.
    red_notice_days_residential: int = setting(7, "GRIDPAY_RED_NOTICE_DAYS_RESIDENTIAL", integer(minimum=1, maximum=30))
    red_notice_days_other: int = setting(3, "GRIDPAY_RED_NOTICE_DAYS_OTHER", integer(minimum=1, maximum=30))
    # The customer is telephoned this many minutes before the disconnection is carried out.
    phone_notice_minutes_residential: int = setting(30, "GRIDPAY_PHONE_NOTICE_MINUTES_RESIDENTIAL",
                                                    integer(minimum=1, maximum=1440))
    phone_notice_minutes_other: int = setting(60, "GRIDPAY_PHONE_NOTICE_MINUTES_OTHER",
                                              integer(minimum=1, maximum=1440))
    # A reconnection ticket after payment is done within this many hours.
    reconnect_ticket_hours: int = setting(24, "GRIDPAY_RECONNECT_TICKET_HOURS", integer(minimum=1, maximum=72))
    # The green channel: where the photos of home collections' paper receipts are kept (relative: to the working
    # directory), and the largest photo accepted.
    green_photo_dir: str = setting("gridpay-green-photos", "GRIDPAY_GREEN_PHOTO_DIR", text(blank=False))
    green_photo_max_kb: int = setting(4096, "GRIDPAY_GREEN_PHOTO_MAX_KB", integer(minimum=16, maximum=65536))
    # The monthly reminder campaign (seed 003: loudspeaker rounds through every village on the 12th–18th), and the
    # day after it when the collectors get their printed bills and follow-up lists. Days of the month, 1–28.
    campaign_first_day: int = setting(12, "GRIDPAY_CAMPAIGN_FIRST_DAY", integer(minimum=1, maximum=28))
    campaign_last_day: int = setting(18, "GRIDPAY_CAMPAIGN_LAST_DAY", integer(minimum=1, maximum=28))
    follow_up_day: int = setting(19, "GRIDPAY_FOLLOW_UP_DAY", integer(minimum=1, maximum=28))
    # The chronic late payers' file (长期延时交费档案, seed 003): late in this many of the last months, or disconnected
    # this many times in them; reminders go out this many days before each due date, and a prepaid household's due
    # date is this day of the month unless its entry gives its own (ADR 0020).
    chronic_late_months: int = setting(3, "GRIDPAY_CHRONIC_LATE_MONTHS", integer(minimum=1, maximum=36))
    chronic_window_months: int = setting(12, "GRIDPAY_CHRONIC_WINDOW_MONTHS", integer(minimum=1, maximum=36))
    chronic_disconnections: int = setting(2, "GRIDPAY_CHRONIC_DISCONNECTIONS", integer(minimum=1, maximum=50))
    chronic_reminder_days: int = setting(3, "GRIDPAY_CHRONIC_REMINDER_DAYS", integer(minimum=0, maximum=20))
    chronic_prepaid_due_day: int = setting(10, "GRIDPAY_CHRONIC_PREPAID_DUE_DAY", integer(minimum=1, maximum=28))
    # Persistent arrears (seed 000, 征信): in arrears this many days at least, and owing this many yuan at least.
    credit_report_min_days: int = setting(90, "GRIDPAY_CREDIT_REPORT_MIN_DAYS", integer(minimum=1, maximum=3650))
    credit_report_min_yuan: int = setting(100, "GRIDPAY_CREDIT_REPORT_MIN_YUAN", integer(minimum=0, maximum=1_000_000))
    # The public arrears notice (欠费公示) shows only arrears at least this many days old.
    notice_min_days: int = setting(30, "GRIDPAY_NOTICE_MIN_DAYS", integer(minimum=0, maximum=3650))
    # The counter's guard rails (ADR 0025): an amount above this many yuan is typed twice; one above the limit is taken
    # only with a supervisor's or the station head's authorisation (0: no limit). Only the counter: the other
    # channels are told of money already taken (online, banks, outlets, a collector at the door) or of a fixed face
    # value (cards), which no limit can send back.
    counter_typed_twice_above_yuan: int = setting(1_000, "GRIDPAY_COUNTER_TYPED_TWICE_ABOVE_YUAN",
                                                  integer(minimum=0, maximum=10_000_000))
    counter_limit_yuan: int = setting(5_000, "GRIDPAY_COUNTER_LIMIT_YUAN", integer(minimum=0, maximum=10_000_000))
    # POST /api/payments: a received_at more than this many days back is refused, unless the token is a supervisor's or
    # the station head's (a payment found late); the other channels say themselves when they were paid.
    payment_backdate_days: int = setting(7, "GRIDPAY_PAYMENT_BACKDATE_DAYS", integer(minimum=0, maximum=366))
    # Where `gridpay archive` writes the months it takes out of PostgreSQL (Parquet, ADR 0033), and where the account
    # history and the reports read them back: a directory kept and backed up as the database is.
    archive_dir: str = setting("gridpay-archive", "GRIDPAY_ARCHIVE_DIR", text(blank=False))
    # The variables the environment set (the others took their defaults): what the deploy check looks at.
    set_in_environment: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        problems = []
        for each in fields(self):
            if "parse" not in each.metadata:
                continue
            value = getattr(self, each.name)
            try:
                object.__setattr__(self, each.name, each.metadata["parse"](value))
            except ValueError as error:
                problems.append(problem(each.metadata["variable"], value, str(error),
                                        secret=each.metadata["secret"]))
        if not problems:
            problems = self._campaign_problems()
        if not problems and self.chronic_late_months > self.chronic_window_months:
            problems.append(problem("GRIDPAY_CHRONIC_LATE_MONTHS", self.chronic_late_months,
                                    f"不超过 GRIDPAY_CHRONIC_WINDOW_MONTHS（{self.chronic_window_months}）的月数"))
        if not problems and 0 < self.counter_limit_yuan < self.counter_typed_twice_above_yuan:
            problems.append(problem("GRIDPAY_COUNTER_TYPED_TWICE_ABOVE_YUAN", self.counter_typed_twice_above_yuan,
                                    f"不超过 GRIDPAY_COUNTER_LIMIT_YUAN（{self.counter_limit_yuan}）的元数"))
        if problems:
            raise SettingInvalid("\n".join(problems))

    def _campaign_problems(self) -> list[str]:
        """The campaign's days in their order: first ≤ last < follow-up day."""
        if self.campaign_first_day > self.campaign_last_day:
            return [problem("GRIDPAY_CAMPAIGN_LAST_DAY", self.campaign_last_day,
                            f"不早于 GRIDPAY_CAMPAIGN_FIRST_DAY（{self.campaign_first_day}）的日子")]
        if self.follow_up_day <= self.campaign_last_day:
            return [problem("GRIDPAY_FOLLOW_UP_DAY", self.follow_up_day,
                            f"晚于 GRIDPAY_CAMPAIGN_LAST_DAY（{self.campaign_last_day}）的日子")]
        return []

    @property
    def zone(self) -> ZoneInfo:
        """The utility's zone, for turning instants into business days and local times."""
        return ZoneInfo(self.business_time_zone)

    @property
    def late_fee_rates(self) -> LateFeeRates:
        """The late fee rates of this utility, for domain.late_fees."""
        return LateFeeRates(
            residential_per_mille=self.late_fee_residential_per_mille,
            other_per_mille=self.late_fee_other_per_mille,
            other_later_year_per_mille=self.late_fee_other_later_year_per_mille,
            minimum_fen=FEN_PER_YUAN if self.late_fee_minimum_one_yuan else 0,
        )

    @property
    def chronic_criteria(self) -> ChronicCriteria:
        """Who belongs in the chronic late payers' file, for domain.chronic_payers."""
        return ChronicCriteria(late_months=self.chronic_late_months, window_months=self.chronic_window_months,
                               disconnections=self.chronic_disconnections)

    @property
    def counter_limits(self) -> CounterLimits:
        """The counter's guard rails in fen, for domain.counter_desk."""
        return CounterLimits(
            typed_twice_above_fen=self.counter_typed_twice_above_yuan * FEN_PER_YUAN,
            authorise_above_fen=self.counter_limit_yuan * FEN_PER_YUAN if self.counter_limit_yuan else None,
        )

    @property
    def portal_limits(self) -> PortalLimits:
        """The portal's limits on code requests, for domain.portal_sign_in."""
        return PortalLimits(per_address_per_minute=self.portal_requests_per_address,
                            codes_per_minute=self.portal_codes_per_minute)

    def missing_in_production(self) -> list[str]:
        """The variables production must set whose demo default is in use."""
        return [each.metadata["variable"] for each in fields(self)
                if each.metadata.get("production") and each.metadata["variable"] not in self.set_in_environment]


def problem(variable: str, value: object, expected: str, *, secret: bool = False) -> str:
    given = "（它的值不在此显示）" if secret else f"，而不是 {value!r}"
    return f"{variable} 应为{expected}{given}：请改正，或删去这个环境变量以用默认值。"


def from_environment(environment: Mapping[str, str]) -> GridpaySettings:
    """The settings the GRIDPAY_* variables give; an empty variable counts as unset. SettingInvalid names every
    variable whose value cannot be used."""
    given: dict[str, Any] = {
        each.name: environment[each.metadata["variable"]]
        for each in fields(GridpaySettings)
        if environment.get(each.metadata.get("variable", ""), "").strip()
    }
    named = frozenset(each.metadata["variable"] for each in fields(GridpaySettings) if each.name in given)
    return GridpaySettings(**given, set_in_environment=named)


def environment_value(environment: Mapping[str, str], variable: str, parse: Parse, *, default: T) -> T:
    """One of Django's own settings from its GRIDPAY_* variable (unset or empty: the default), or SettingInvalid."""
    value = environment.get(variable, "").strip()
    if not value:
        return default
    try:
        parsed: T = parse(value)
    except ValueError as error:
        raise SettingInvalid(problem(variable, value, str(error))) from None
    return parsed


def gridpay_settings() -> GridpaySettings:
    """The settings of this process (Django's settings.GRIDPAY, checked when they were read)."""
    configured = settings.GRIDPAY
    if not isinstance(configured, GridpaySettings):
        raise ImproperlyConfigured(f"settings.GRIDPAY 应为 GridpaySettings，而不是 {type(configured).__name__}")
    return configured
