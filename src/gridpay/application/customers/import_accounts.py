"""Imports accounts with their first meter and opening balance from CSV rows, one savepoint per row."""

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path

from django.db import DatabaseError, models, transaction

from gridpay.application.customers.enrol_account import Enrolment, enrol_account
from gridpay.application.imports import (
    ImportReport,
    Progress,
    RejectedRow,
    Row,
    RowProblems,
    RowRejected,
    check_fields,
    chunked,
    limited,
    open_csv,
    parse_day,
    parse_energy,
    rejected_row,
    required,
)
from gridpay.data.models import Account, AccountMode, Customer, Meter, Village
from gridpay.domain.errors import DomainError
from gridpay.domain.late_fees import CustomerCategory, parse_category
from gridpay.domain.phone_numbers import InvalidPhone, normalised_phone
from gridpay.domain.readings import register_limit_kwh
from gridpay.domain.texts import gettext_noop

COLUMNS = (
    "account_no",
    "customer_name",
    "phone",
    "village",
    "transformer_area",
    "address",
    "mode",
    "prepaid_since",
    "tariff",
    "time_of_use",
    "protected_reason",
    "meter_no",
    "dlt645_address",
    "meter_registers",
    "installed_on",
    "start_total_kwh",
    "opening_balance_fen",
)
# Tier usage already billed postpaid in the current period (kWh), for accounts enrolled mid-period.
# category: residential (居民, the default) or other (非居民); important: 1/是 for 重要用户 (RULES §10).
OPTIONAL_COLUMNS = ("period_used_kwh", "latitude", "longitude", "meter_model", "category", "important")
MAX_PERIOD_USED_KWH = 10**10  # the column's 12 digits, 2 of them decimals
CHUNK_ROWS = 500
YES_NO = {"1": True, "0": False, "是": True, "否": False}
_DLT645_ADDRESS = re.compile(r"\d{12}")
_FEN = re.compile(r"-?\d+")
# Far above any household's balance, and far inside the 64-bit columns money is kept in.
MAX_OPENING_FEN = 10**15


def import_accounts_file(
    *, path: Path, at: datetime, business_day: date, on_progress: Progress | None = None
) -> ImportReport:
    """Imports a CSV file; a file that cannot be used as a whole raises ``UnusableFile`` before any write."""
    csv_file = open_csv(path=path, columns=COLUMNS, optional=OPTIONAL_COLUMNS)
    return import_accounts(
        rows=csv_file.rows(),
        at=at,
        business_day=business_day,
        on_progress=on_progress,
        total_rows=csv_file.row_count,
    )


def import_accounts(
    *,
    rows: Iterable[Row],
    at: datetime,
    business_day: date,
    on_progress: Progress | None = None,
    total_rows: int | None = None,
) -> ImportReport:
    """Enrols each row; a bad row is reported with its reason and writes nothing.

    A row whose account already exists with the same meter counts as unchanged, so importing a
    file again changes nothing.
    """
    stored = unchanged = done = 0
    rejected: list[RejectedRow] = []
    if on_progress and total_rows is not None:
        on_progress(0, total_rows)
    for chunk in chunked(rows, CHUNK_ROWS):
        with transaction.atomic():
            enrolled = _enrolled_meters({raw.get("account_no", "") for _, raw in chunk})
            for number, raw in chunk:
                try:
                    enrolment = _parse(raw)
                    if enrolment.meter_no in enrolled.get(enrolment.account_no, set()):
                        unchanged += 1
                        continue
                    _enrol(enrolment, at=at, business_day=business_day)
                except DomainError as error:
                    rejected.append(rejected_row(number, error))
                    continue
                enrolled.setdefault(enrolment.account_no, set()).add(enrolment.meter_no)
                stored += 1
        done += len(chunk)
        if on_progress:
            on_progress(done, max(total_rows or 0, done))
    return ImportReport(stored=stored, unchanged=unchanged, rejected=sorted(rejected, key=lambda r: r.row_number))


def _enrolled_meters(account_nos: set[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for account_no, meter_no in Meter.objects.filter(account__account_no__in=account_nos).values_list(
        "account__account_no", "meter_no"
    ):
        found.setdefault(account_no, set()).add(meter_no)
    return found


def _enrol(enrolment: Enrolment, *, at: datetime, business_day: date) -> None:
    """One savepoint per row: a refused row leaves nothing behind and the chunk goes on."""
    try:
        with transaction.atomic():
            enrol_account(enrolment=enrolment, at=at, business_day=business_day)
    except DatabaseError as error:
        # The checks above should have caught it; a concurrent enrolment of the same account can still.
        raise RowRejected(
            "rejected_by_database", gettext_noop("数据库拒绝了这一行：{error}"), params={"error": error},
        ) from None


# Where each free-text column is stored, so its longest value comes from the model.
_STORED_IN: dict[str, tuple[type[models.Model], str]] = {
    "account_no": (Account, "account_no"),
    "customer_name": (Customer, "name"),
    "phone": (Customer, "phone"),
    "village": (Village, "name"),
    "transformer_area": (Account, "transformer_area"),
    "address": (Account, "address"),
    "protected_reason": (Account, "protected_reason"),
    "meter_no": (Meter, "meter_no"),
}


def _text(raw: dict[str, str], column: str, *, needed: bool = False) -> str:
    if needed:
        required(raw, column)
    model, name = _STORED_IN[column]
    field = model._meta.get_field(name)
    return limited(raw, column, max_length=field.max_length if isinstance(field, models.Field) else None)


def _parse(raw: dict[str, str]) -> Enrolment:
    """The row's enrolment; a row with problems is refused naming every one of them."""
    check_fields(raw, columns=COLUMNS, optional=OPTIONAL_COLUMNS)
    problems = RowProblems()
    mode = problems.check(lambda: _mode(raw))
    time_of_use = problems.check(lambda: _time_of_use(raw))
    registers = problems.check(lambda: _registers(raw))
    address = problems.check(lambda: _dlt645_address(raw))
    start_total = problems.check(lambda: _start_total(raw))
    opening = problems.check(lambda: _opening_fen(raw))
    period_used = problems.check(lambda: _period_used(raw))
    category = problems.check(lambda: _category(raw))
    important = problems.check(lambda: _yes_no(raw, "important", default=False))
    location = problems.check(lambda: _location(raw))
    prepaid_since = problems.check(
        lambda: parse_day(raw["prepaid_since"], column="prepaid_since") if raw["prepaid_since"] else None
    )
    installed_on = problems.check(lambda: parse_day(required(raw, "installed_on"), column="installed_on"))
    texts = {column: problems.check(partial(_text, raw, column, needed=column in _NEEDED)) for column in _STORED_IN}
    phone = problems.check(lambda: _phone(texts["phone"] or ""))
    tariff = problems.check(lambda: required(raw, "tariff"))
    problems.refuse_if_any()
    assert mode is not None and time_of_use is not None and registers is not None and address is not None
    assert start_total is not None and opening is not None and period_used is not None and location is not None
    assert installed_on is not None and tariff is not None and phone is not None
    assert category is not None and important is not None
    return Enrolment(
        latitude=location[0],
        longitude=location[1],
        account_no=texts["account_no"] or "",
        customer_name=texts["customer_name"] or "",
        tariff_code=tariff,
        meter_no=texts["meter_no"] or "",
        dlt645_address=address,
        installed_on=installed_on,
        mode=mode,
        prepaid_since=prepaid_since,
        phone=phone,
        village=texts["village"] or "",
        transformer_area=texts["transformer_area"] or "",
        address=texts["address"] or "",
        time_of_use=time_of_use,
        protected_reason=texts["protected_reason"] or "",
        meter_registers=registers,
        start_total_kwh=start_total,
        opening_balance_fen=opening,
        opening_period_used_kwh=period_used,
        meter_model=(raw.get("meter_model") or "").strip(),
        category=category,
        important=important,
    )


_NEEDED = {"account_no", "customer_name", "meter_no"}


def _mode(raw: dict[str, str]) -> str:
    mode = required(raw, "mode")
    if mode not in AccountMode.values:
        raise RowRejected("invalid_value", gettext_noop("mode 应为 prepaid 或 postpaid：{mode!r}"), field="mode",
                          params={"mode": mode})
    return mode


def _category(raw: dict[str, str]) -> str:
    text = (raw.get("category") or "").strip()
    if not text:
        return CustomerCategory.RESIDENTIAL.value
    try:
        return parse_category(text=text).value
    except DomainError as error:
        raise RowRejected(error.code, error.template, field="category", params=error.params) from None


def _yes_no(raw: dict[str, str], column: str, *, default: bool) -> bool:
    text = (raw.get(column) or "").strip()
    if not text:
        return default
    if text not in YES_NO:
        raise RowRejected("invalid_value", gettext_noop("{column} 应为 0/1 或 是/否：{text!r}"), field=column,
                          params={"column": column, "text": text})
    return YES_NO[text]


def _time_of_use(raw: dict[str, str]) -> bool:
    time_of_use = YES_NO.get(raw["time_of_use"])
    if time_of_use is None:
        raise RowRejected(
            "invalid_value", gettext_noop("time_of_use 应为 0/1 或 是/否：{time_of_use!r}"), field="time_of_use",
            params={"time_of_use": raw["time_of_use"]},
        )
    return time_of_use


def _registers(raw: dict[str, str]) -> str:
    registers = required(raw, "meter_registers")
    if registers not in Meter.Registers.values:
        raise RowRejected("invalid_value", gettext_noop("meter_registers 应为 total 或 tou：{registers!r}"),
                          field="meter_registers", params={"registers": registers})
    return registers


def _dlt645_address(raw: dict[str, str]) -> str:
    address = required(raw, "dlt645_address")
    if not _DLT645_ADDRESS.fullmatch(address):
        raise RowRejected(
            "invalid_value", gettext_noop("dlt645_address 应为 12 位数字：{address!r}"), field="dlt645_address",
            params={"address": address},
        )
    return address


def _start_total(raw: dict[str, str]) -> Decimal:
    start_total = parse_energy(required(raw, "start_total_kwh"), column="start_total_kwh")
    # Meters enrolled here have the default register size.
    limit = register_limit_kwh(integer_digits=Meter._meta.get_field("register_digits").get_default())
    if start_total >= limit:
        raise RowRejected(
            "register_out_of_range",
            gettext_noop("start_total_kwh 超出计度器量程（小于 {limit}）：{start_total}"),
            field="start_total_kwh", params={"limit": limit, "start_total": start_total},
        )
    return start_total


def _opening_fen(raw: dict[str, str]) -> int:
    opening = required(raw, "opening_balance_fen")
    if not _FEN.fullmatch(opening):
        raise RowRejected(
            "invalid_number", gettext_noop("opening_balance_fen 应为整数（分）：{opening!r}"),
            field="opening_balance_fen", params={"opening": opening},
        )
    if len(opening.lstrip("-")) > len(str(MAX_OPENING_FEN)) or abs(int(opening)) >= MAX_OPENING_FEN:
        raise RowRejected("invalid_number", gettext_noop("opening_balance_fen 金额过大：{opening}"),
                          field="opening_balance_fen", params={"opening": opening})
    return int(opening)


def _period_used(raw: dict[str, str]) -> Decimal:
    period_used = parse_energy(raw.get("period_used_kwh") or "0", column="period_used_kwh")
    if period_used >= MAX_PERIOD_USED_KWH:
        raise RowRejected(
            "invalid_number", gettext_noop("period_used_kwh 应小于 {most}：{period_used}"),
            field="period_used_kwh", params={"most": MAX_PERIOD_USED_KWH, "period_used": period_used},
        )
    return period_used


def _phone(text: str) -> str:
    try:
        return normalised_phone(text) if text else ""
    except InvalidPhone as error:
        raise RowRejected(error.code, error.template, field="phone", params=error.params) from None


def _location(raw: dict[str, str]) -> tuple[Decimal | None, Decimal | None]:
    """Both coordinates or neither, in range, to six decimals (about 0.1 m)."""
    latitude, longitude = (raw.get("latitude") or "").strip(), (raw.get("longitude") or "").strip()
    if not latitude and not longitude:
        return None, None
    try:
        lat, lon = Decimal(latitude), Decimal(longitude)
    except InvalidOperation:
        raise RowRejected(
            "invalid_number", gettext_noop("经纬度应为数字：{latitude!r}, {longitude!r}"), field="latitude",
            params={"latitude": latitude, "longitude": longitude},
        ) from None
    if not (lat.is_finite() and lon.is_finite() and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise RowRejected("invalid_value", gettext_noop("经纬度超出范围：{latitude}, {longitude}"), field="latitude",
                          params={"latitude": latitude, "longitude": longitude})
    return lat.quantize(Decimal("0.000001")), lon.quantize(Decimal("0.000001"))
