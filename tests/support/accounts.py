"""Builders of enrolled accounts for tests."""

from datetime import UTC, date, datetime
from decimal import Decimal

from gridpay.application.customers.enrol_account import Enrolment, enrol_account
from gridpay.application.customers.install_builtin_meter_models import install_builtin_meter_models
from gridpay.data.models import Account

AT = datetime(2025, 1, 1, tzinfo=UTC)


def enrol(
    number: int,
    *,
    tariff: str = "zj-resident-2024",
    prepaid_since: date = date(2025, 1, 1),
    installed_on: date = date(2024, 12, 31),
    opening_balance_fen: int = 10_000,
    start_total_kwh: Decimal = Decimal(0),
    time_of_use: bool = False,
    opening_period_used_kwh: Decimal = Decimal(0),
    phone: str = "",
    village: str = "",
    protected_reason: str = "",
    meter_model: str = "DDZY-2013",
    mode: str = "prepaid",
) -> Account:
    if meter_model:
        install_builtin_meter_models()  # a database flushed between tests has lost what the migration put there
    return enrol_account(
        enrolment=Enrolment(
            account_no=f"33010{number:05d}",
            customer_name=f"测试用户{number}",
            tariff_code=tariff,
            meter_no=f"M{number:08d}",
            dlt645_address=f"{number:012d}",
            installed_on=installed_on,
            mode=mode,
            prepaid_since=prepaid_since if mode == "prepaid" else None,
            opening_balance_fen=opening_balance_fen,
            start_total_kwh=start_total_kwh,
            time_of_use=time_of_use,
            opening_period_used_kwh=opening_period_used_kwh,
            meter_registers="tou" if time_of_use else "total",
            phone=phone,
            village=village,
            meter_model=meter_model,
            town="测试镇" if village else "",
            protected_reason=protected_reason,
        ),
        at=AT,
        business_day=installed_on,
    )
