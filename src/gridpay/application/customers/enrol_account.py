"""Enrols one electricity account: its customer, ledger account, first meter and opening balance."""

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction

from gridpay.application.supply.call_tasks import open_call_task
from gridpay.data import ledger as ledger_store
from gridpay.data.models import (
    Account,
    AccountMode,
    Contact,
    Customer,
    LedgerAccount,
    Meter,
    MeterModel,
    Tariff,
    Village,
)
from gridpay.data.models.field_work import CallReason
from gridpay.domain.errors import DomainError
from gridpay.domain.late_fees import CustomerCategory, parse_category
from gridpay.domain.ledger import LedgerAccountKind, TransferKind, transfer_toward
from gridpay.domain.phone_numbers import normalised_phone
from gridpay.domain.texts import gettext_noop


class EnrolmentRefused(DomainError):
    code = "enrolment_refused"


@dataclass(frozen=True)
class Enrolment:
    account_no: str
    customer_name: str
    tariff_code: str
    meter_no: str
    dlt645_address: str
    installed_on: date
    mode: str = AccountMode.PREPAID
    prepaid_since: date | None = None
    phone: str = ""
    village: str = ""
    town: str = ""
    transformer_area: str = ""
    address: str = ""
    time_of_use: bool = False
    protected_reason: str = ""
    meter_registers: str = Meter.Registers.TOTAL
    meter_model: str = ""  # its code (表计型号); none: not known, reconnected by 1B as every meter allows
    start_total_kwh: Decimal = Decimal(0)
    start_tou_kwh: dict[str, Decimal] = field(default_factory=dict)
    opening_balance_fen: int = 0
    opening_period_used_kwh: Decimal = Decimal(0)
    latitude: Decimal | None = None  # where the household is (WGS-84), for the 10-minute payment circle
    longitude: Decimal | None = None
    category: str = CustomerCategory.RESIDENTIAL.value  # 居民 or 非居民: late fee rates and notice periods
    important: bool = False  # 重要用户: a disconnection for arrears is approved by the company


def enrol_account(*, enrolment: Enrolment, at: datetime, business_day: date) -> Account:
    e = enrolment
    if e.phone.strip():  # the SMS and the calls go to it: a number that is neither a mobile nor a landline is refused
        e = replace(e, phone=normalised_phone(e.phone))
    with transaction.atomic():
        if Account.objects.filter(account_no=e.account_no).exists():
            raise EnrolmentRefused(gettext_noop("户号 {account_no} 已存在"), field="account_no",
                                   params={"account_no": e.account_no})
        if Meter.objects.filter(meter_no=e.meter_no).exists():
            raise EnrolmentRefused(gettext_noop("表号 {meter_no} 已在使用"), field="meter_no",
                                   params={"meter_no": e.meter_no})
        if Meter.objects.filter(dlt645_address=e.dlt645_address).exists():
            raise EnrolmentRefused(gettext_noop("通信地址 {dlt645_address} 已在使用"), field="dlt645_address",
                                   params={"dlt645_address": e.dlt645_address})
        try:
            tariff = Tariff.objects.get(code=e.tariff_code)
        except Tariff.DoesNotExist:
            raise EnrolmentRefused(gettext_noop("没有电价 {tariff_code}"), field="tariff",
                                   params={"tariff_code": e.tariff_code}) from None
        village = None
        if e.village:
            try:
                village = Village.objects.get(name=e.village, **({"town": e.town} if e.town else {}))
            except (Village.DoesNotExist, Village.MultipleObjectsReturned):
                raise EnrolmentRefused(gettext_noop("没有唯一的村/社区 {village}"), field="village",
                                       params={"village": e.village}) from None
        model = None
        if e.meter_model:
            model = MeterModel.objects.filter(code=e.meter_model).first()
            if model is None:
                raise EnrolmentRefused(gettext_noop("没有表计型号 {meter_model}"), field="meter_model",
                                       params={"meter_model": e.meter_model})
        if e.mode == AccountMode.PREPAID and e.prepaid_since is None:
            raise EnrolmentRefused(gettext_noop("智能交费户必须有起始日"), field="prepaid_since")
        customer = Customer.objects.create(name=e.customer_name, phone=e.phone)
        wallet = LedgerAccount.objects.create(
            code=ledger_store.customer_code(e.account_no), kind=LedgerAccountKind.CUSTOMER.value
        )
        account = Account.objects.create(
            account_no=e.account_no,
            customer=customer,
            mode=e.mode,
            protected=bool(e.protected_reason),
            protected_reason=e.protected_reason,
            village=village,
            transformer_area=e.transformer_area,
            address=e.address,
            latitude=e.latitude,
            longitude=e.longitude,
            tariff=tariff,
            time_of_use=e.time_of_use,
            prepaid_since=e.prepaid_since,
            opening_period_used_kwh=e.opening_period_used_kwh,
            ledger_account=wallet,
            category=parse_category(text=e.category).value,
            important=e.important,
        )
        if e.phone:
            Contact.objects.create(account=account, name=e.customer_name, phone=e.phone)
        Meter.objects.create(
            meter_no=e.meter_no,
            dlt645_address=e.dlt645_address,
            registers=e.meter_registers,
            model=model,
            account=account,
            installed_on=e.installed_on,
            start_total_kwh=e.start_total_kwh,
            **{f"start_{period}_kwh": value for period, value in e.start_tou_kwh.items()},
        )
        opening = transfer_toward(
            to=wallet.id,
            counterpart=ledger_store.system_account(ledger_store.OPENING, LedgerAccountKind.OPENING).id,
            amount_fen=e.opening_balance_fen,
            kind=TransferKind.OPENING_BALANCE,
        )
        if opening is not None:
            ledger_store.post([opening], business_day=business_day, at=at)
        if e.prepaid_since is not None and e.prepaid_since >= business_day:
            # 三通电话, the first: the grid staff call before smart payment starts for the account.
            open_call_task(
                account_id=account.id, grid_staff_id=village.grid_staff_id if village else None,
                reason=CallReason.BEFORE_ENABLING, due_on=business_day, at=at,
            )
        return account
