"""gridpay's settings read from the environment once: typed, in range, each bad value one line naming its variable,
the demo's defaults told apart from what production set, and the record frozen."""

import dataclasses
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridpay.data.settings import (
    GridpaySettings,
    SettingInvalid,
    environment_value,
    from_environment,
    integer,
    on_off,
    switch,
)
from gridpay.domain.late_fees import LateFeeRates

FIX = "：请改正，或删去这个环境变量以用默认值。"


def refusal(environment: dict[str, str]) -> str:
    with pytest.raises(SettingInvalid) as refused:
        from_environment(environment)
    return str(refused.value)


def test_the_environment_gives_typed_values_and_unset_or_empty_ones_take_the_defaults() -> None:
    read = from_environment({"GRIDPAY_AVERAGE_DAYS": " 14 ", "GRIDPAY_MAX_DAILY_KWH": "317.25",
                             "GRIDPAY_TIME_ZONE": "Asia/Urumqi", "GRIDPAY_GATEWAY_NAME": "", "OTHER": "x"})

    assert read.average_days == 14
    assert read.max_daily_kwh == Decimal("317.25")
    assert read.zone == ZoneInfo("Asia/Urumqi")
    assert read.gateway_name == ""
    assert read.settlement_workers == 2 and read.utility_name == "供电公司" and read.meter_operator == "00000001"
    assert read.set_in_environment == {"GRIDPAY_AVERAGE_DAYS", "GRIDPAY_MAX_DAILY_KWH", "GRIDPAY_TIME_ZONE"}


@pytest.mark.parametrize(("variable", "value", "line"), [
    ("GRIDPAY_AVERAGE_DAYS", "seven", "GRIDPAY_AVERAGE_DAYS 应为 1 到 366 之间的整数，而不是 'seven'"),
    ("GRIDPAY_AVERAGE_DAYS", "7.5", "GRIDPAY_AVERAGE_DAYS 应为 1 到 366 之间的整数，而不是 '7.5'"),
    ("GRIDPAY_SETTLEMENT_WORKERS", "0", "GRIDPAY_SETTLEMENT_WORKERS 应为 1 到 64 之间的整数，而不是 '0'"),
    ("GRIDPAY_SETTLEMENT_BATCH_SIZE", "-5", "GRIDPAY_SETTLEMENT_BATCH_SIZE 应为 1 到 10000000 之间的整数，而不是 '-5'"),
    ("GRIDPAY_GATEWAY_WAKE_PORT", "70000", "GRIDPAY_GATEWAY_WAKE_PORT 应为 1 到 65535 之间的整数，而不是 '70000'"),
    ("GRIDPAY_MAX_DAILY_KWH", "1.234",
     "GRIDPAY_MAX_DAILY_KWH 应为大于 0、不超过 100000 的千瓦时数（至多两位小数），而不是 '1.234'"),
    ("GRIDPAY_MAX_DAILY_KWH", "0",
     "GRIDPAY_MAX_DAILY_KWH 应为大于 0、不超过 100000 的千瓦时数（至多两位小数），而不是 '0'"),
    ("GRIDPAY_MAX_DAILY_KWH", "NaN",
     "GRIDPAY_MAX_DAILY_KWH 应为大于 0、不超过 100000 的千瓦时数（至多两位小数），而不是 'NaN'"),
    ("GRIDPAY_TIME_ZONE", "Beijing", "GRIDPAY_TIME_ZONE 应为时区名称，如 Asia/Shanghai，而不是 'Beijing'"),
    ("GRIDPAY_METER_OPERATOR", "0000001", "GRIDPAY_METER_OPERATOR 应为 8 位数字，而不是 '0000001'"),
    ("GRIDPAY_POSTPAID_DUE_DAYS", "61", "GRIDPAY_POSTPAID_DUE_DAYS 应为 1 到 60 之间的整数，而不是 '61'"),
    ("GRIDPAY_RED_NOTICE_DAYS_RESIDENTIAL", "0",
     "GRIDPAY_RED_NOTICE_DAYS_RESIDENTIAL 应为 1 到 30 之间的整数，而不是 '0'"),
    ("GRIDPAY_RED_NOTICE_DAYS_OTHER", "31", "GRIDPAY_RED_NOTICE_DAYS_OTHER 应为 1 到 30 之间的整数，而不是 '31'"),
    ("GRIDPAY_PHONE_NOTICE_MINUTES_RESIDENTIAL", "1441",
     "GRIDPAY_PHONE_NOTICE_MINUTES_RESIDENTIAL 应为 1 到 1440 之间的整数，而不是 '1441'"),
    ("GRIDPAY_PHONE_NOTICE_MINUTES_OTHER", "half an hour",
     "GRIDPAY_PHONE_NOTICE_MINUTES_OTHER 应为 1 到 1440 之间的整数，而不是 'half an hour'"),
    ("GRIDPAY_RECONNECT_TICKET_HOURS", "73", "GRIDPAY_RECONNECT_TICKET_HOURS 应为 1 到 72 之间的整数，而不是 '73'"),
    *[(variable, value, f"{variable} 应为 1 到 3 之间的千分比日费率（至多两位小数，如 2 或 1.5），而不是 {value!r}")
      for variable, value in [("GRIDPAY_LATE_FEE_RESIDENTIAL_PER_MILLE", "0.5"),
                              ("GRIDPAY_LATE_FEE_OTHER_PER_MILLE", "3.5"),
                              ("GRIDPAY_LATE_FEE_OTHER_PER_MILLE", "2‰"),
                              ("GRIDPAY_LATE_FEE_OTHER_LATER_YEAR_PER_MILLE", "2.125"),
                              ("GRIDPAY_LATE_FEE_OTHER_LATER_YEAR_PER_MILLE", "Infinity")]],
    ("GRIDPAY_LATE_FEE_MINIMUM_ONE_YUAN", "maybe", "GRIDPAY_LATE_FEE_MINIMUM_ONE_YUAN 应为 1、true、yes、on（开）"
                                                   "或 0、false、no、off（关），而不是 'maybe'"),
])
def test_a_value_of_the_wrong_type_or_out_of_range_is_one_line_naming_its_variable(
    variable: str, value: str, line: str
) -> None:
    assert refusal({variable: value}) == line + FIX


def test_every_bad_variable_is_named_at_once_and_a_secret_is_never_shown() -> None:
    lines = refusal({"GRIDPAY_AVERAGE_DAYS": "x", "GRIDPAY_METER_PASSWORD": "12345a", "GRIDPAY_UTILITY_NAME": "ok"})

    assert lines.splitlines() == [
        f"GRIDPAY_AVERAGE_DAYS 应为 1 到 366 之间的整数，而不是 'x'{FIX}",
        f"GRIDPAY_METER_PASSWORD 应为 6 位数字（它的值不在此显示）{FIX}",
    ]
    assert "12345a" not in lines


def test_the_record_never_shows_a_secret_where_settings_are_shown() -> None:
    """Django's debug page and diffsettings show a setting by its repr."""
    read = from_environment({"GRIDPAY_CARD_PIN_KEY": "card-key-9f8e7d", "GRIDPAY_METER_PASSWORD": "271828"})

    assert read.card_pin_key == "card-key-9f8e7d" and read.meter_password == "271828"
    assert "card-key-9f8e7d" not in repr(read) and "271828" not in repr(read)
    assert "average_days=7" in repr(read)


def test_the_postpaid_settings_default_to_the_rules_and_read_the_environment() -> None:
    default = from_environment({})
    assert (default.postpaid_due_days, default.red_notice_days_residential, default.red_notice_days_other,
            default.phone_notice_minutes_residential, default.phone_notice_minutes_other,
            default.reconnect_ticket_hours) == (15, 7, 3, 30, 60, 24)
    assert default.late_fee_rates == LateFeeRates(residential_per_mille=Decimal(1), other_per_mille=Decimal(2),
                                                  other_later_year_per_mille=Decimal(3), minimum_fen=100)

    read = from_environment({
        "GRIDPAY_POSTPAID_DUE_DAYS": "20", "GRIDPAY_RED_NOTICE_DAYS_OTHER": "5",
        "GRIDPAY_PHONE_NOTICE_MINUTES_OTHER": "90", "GRIDPAY_RECONNECT_TICKET_HOURS": "12",
        "GRIDPAY_LATE_FEE_RESIDENTIAL_PER_MILLE": " 1.5 ", "GRIDPAY_LATE_FEE_OTHER_PER_MILLE": "2.25",
        "GRIDPAY_LATE_FEE_OTHER_LATER_YEAR_PER_MILLE": "3.00", "GRIDPAY_LATE_FEE_MINIMUM_ONE_YUAN": "off",
    })
    assert (read.postpaid_due_days, read.red_notice_days_other, read.phone_notice_minutes_other,
            read.reconnect_ticket_hours) == (20, 5, 90, 12)
    assert read.late_fee_rates == LateFeeRates(residential_per_mille=Decimal("1.5"),
                                               other_per_mille=Decimal("2.25"),
                                               other_later_year_per_mille=Decimal(3), minimum_fen=0)


@pytest.mark.parametrize(("value", "on"), [
    ("1", True), ("true", True), ("Yes", True), (" ON ", True), (True, True),
    ("0", False), ("FALSE", False), ("no", False), ("off", False), (False, False),
])
def test_the_one_yuan_minimum_is_switched_with_any_common_word(value: object, on: bool) -> None:
    assert on_off(value) is on
    minimum = GridpaySettings(late_fee_minimum_one_yuan=value).late_fee_rates.minimum_fen  # type: ignore[arg-type]
    assert minimum == (100 if on else 0)


def test_a_rate_set_by_a_test_is_checked_like_one_from_the_environment() -> None:
    assert dataclasses.replace(from_environment({}), late_fee_other_per_mille=3).late_fee_other_per_mille == 3
    with pytest.raises(SettingInvalid, match=r"^GRIDPAY_LATE_FEE_OTHER_PER_MILLE 应为 1 到 3 之间的千分比日费率"):
        dataclasses.replace(from_environment({}), late_fee_other_per_mille=2.5)  # a float is not a rate
    with pytest.raises(SettingInvalid, match=r"^GRIDPAY_LATE_FEE_MINIMUM_ONE_YUAN 应为"):
        GridpaySettings(late_fee_minimum_one_yuan=1)  # type: ignore[arg-type]


@given(st.integers(min_value=-10**6, max_value=10**6))
def test_an_integer_is_taken_exactly_when_it_is_in_range(number: int) -> None:
    parse = integer(minimum=1, maximum=366)
    if 1 <= number <= 366:
        assert parse(str(number)) == number
    else:
        with pytest.raises(ValueError):
            parse(str(number))


def test_django_settings_from_the_environment_are_checked_the_same_way() -> None:
    assert environment_value({}, "GRIDPAY_TLS", switch, default=False) is False
    assert environment_value({"GRIDPAY_TLS": "1"}, "GRIDPAY_TLS", switch, default=False) is True
    with pytest.raises(SettingInvalid, match=r"^GRIDPAY_TLS 应为 0（关）或 1（开），而不是 'yes'"):
        environment_value({"GRIDPAY_TLS": "yes"}, "GRIDPAY_TLS", switch, default=False)
    with pytest.raises(SettingInvalid, match=r"^GRIDPAY_WORKERS 应为 1 到 64 之间的整数，而不是 'two'"):
        environment_value({"GRIDPAY_WORKERS": "two"}, "GRIDPAY_WORKERS", integer(minimum=1, maximum=64), default=2)


def test_the_record_is_frozen_and_a_changed_copy_is_checked_again() -> None:
    read = from_environment({})

    with pytest.raises(dataclasses.FrozenInstanceError):
        read.average_days = 3  # type: ignore[misc]
    assert dataclasses.replace(read, average_days=3).average_days == 3
    with pytest.raises(SettingInvalid, match=r"^GRIDPAY_AVERAGE_DAYS 应为 1 到 366 之间的整数，而不是 0"):
        dataclasses.replace(read, average_days=0)
    with pytest.raises(SettingInvalid, match=r"^GRIDPAY_SETTLEMENT_WORKERS 应为"):
        GridpaySettings(settlement_workers=True)  # a bool is not a number of workers


def test_production_must_set_what_only_suits_the_demo() -> None:
    both = ["GRIDPAY_UTILITY_NAME", "GRIDPAY_CLIENT_ADDRESS_HEADER"]
    assert from_environment({}).missing_in_production() == both
    assert from_environment({"GRIDPAY_UTILITY_NAME": " "}).missing_in_production() == both
    assert from_environment({"GRIDPAY_UTILITY_NAME": "示例县供电公司"}).missing_in_production() == [
        "GRIDPAY_CLIENT_ADDRESS_HEADER"]
    assert from_environment({"GRIDPAY_UTILITY_NAME": "示例县供电公司",
                             "GRIDPAY_CLIENT_ADDRESS_HEADER": "X-Real-IP"}).missing_in_production() == []


def test_the_client_address_header_is_a_header_name() -> None:
    assert from_environment({"GRIDPAY_CLIENT_ADDRESS_HEADER": " X-Real-IP "}).client_address_header == "X-Real-IP"
    with pytest.raises(SettingInvalid) as refused:
        from_environment({"GRIDPAY_CLIENT_ADDRESS_HEADER": "X-Real-IP: 1.2.3.4"})
    assert "GRIDPAY_CLIENT_ADDRESS_HEADER 应为HTTP 头的名称" in str(refused.value)
