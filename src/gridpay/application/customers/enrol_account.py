"""Enrols one electricity account: its customer, ledger account, first meter and opening balance."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction

from gridpay.application.supply.call_tasks import CallToOpen, open_call_tasks
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
    (account,) = enrol_accounts(enrolments=[enrolment], at=at, business_day=business_day)
    return account


def enrol_accounts(*, enrolments: Sequence[Enrolment], at: datetime, business_day: date) -> list[Account]:
    """Enrols each account as the one before it left things, in one transaction: checked in a few reads for all of
    them, written in one insert per table (the demo town's thousands, a migration's). The first refused refuses
    them all, with its own reason, and nothing is written."""
    with transaction.atomic():
        known = _Known.of(enrolments)
        batch = [known.check(_phone_normalised(e)) for e in enrolments]  # in order: the first refused is said
        customers = Customer.objects.bulk_create([Customer(name=e.customer_name, phone=e.phone) for e in batch])
        wallets = LedgerAccount.objects.bulk_create([
            LedgerAccount(code=ledger_store.customer_code(e.account_no), kind=LedgerAccountKind.CUSTOMER.value)
            for e in batch
        ])
        accounts = Account.objects.bulk_create([
            Account(
                account_no=e.account_no,
                customer=customer,
                mode=e.mode,
                protected=bool(e.protected_reason),
                protected_reason=e.protected_reason,
                village=known.village(e),
                transformer_area=e.transformer_area,
                address=e.address,
                latitude=e.latitude,
                longitude=e.longitude,
                tariff=known.tariffs[e.tariff_code],
                time_of_use=e.time_of_use,
                prepaid_since=e.prepaid_since,
                opening_period_used_kwh=e.opening_period_used_kwh,
                ledger_account=wallet,
                category=parse_category(text=e.category).value,
                important=e.important,
            )
            for e, customer, wallet in zip(batch, customers, wallets, strict=True)
        ])
        Contact.objects.bulk_create([
            Contact(account=account, name=e.customer_name, phone=e.phone)
            for e, account in zip(batch, accounts, strict=True) if e.phone
        ])
        Meter.objects.bulk_create([
            Meter(
                meter_no=e.meter_no,
                dlt645_address=e.dlt645_address,
                registers=e.meter_registers,
                model=known.models.get(e.meter_model),
                account=account,
                installed_on=e.installed_on,
                start_total_kwh=e.start_total_kwh,
                **{f"start_{period}_kwh": value for period, value in e.start_tou_kwh.items()},
            )
            for e, account in zip(batch, accounts, strict=True)
        ])
        opening_id = ledger_store.system_account(ledger_store.OPENING, LedgerAccountKind.OPENING).id
        openings = [
            opening
            for e, wallet in zip(batch, wallets, strict=True)
            if (opening := transfer_toward(to=wallet.id, counterpart=opening_id, amount_fen=e.opening_balance_fen,
                                           kind=TransferKind.OPENING_BALANCE)) is not None
        ]
        if openings:
            ledger_store.post(openings, business_day=business_day, at=at)
        # 三通电话, the first: the grid staff call before smart payment starts for the account.
        open_call_tasks([
            CallToOpen(account.id, village.grid_staff_id if (village := known.village(e)) else None,
                       CallReason.BEFORE_ENABLING, business_day)
            for e, account in zip(batch, accounts, strict=True)
            if e.prepaid_since is not None and e.prepaid_since >= business_day
        ], at=at)
        return accounts


@dataclass
class _Known:
    """What the enrolments name, read at once: the numbers in use (growing as each enrolment is checked, so that a
    batch cannot hold one twice), the tariffs, villages and meter models."""

    account_nos: set[str]
    meter_nos: set[str]
    addresses: set[str]
    tariffs: dict[str, Tariff]
    villages: dict[str, list[Village]]  # by name
    models: dict[str, MeterModel]

    @classmethod
    def of(cls, batch: Sequence[Enrolment]) -> "_Known":
        return cls(
            account_nos=set(Account.objects.filter(account_no__in={e.account_no for e in batch})
                            .values_list("account_no", flat=True)),
            meter_nos=set(Meter.objects.filter(meter_no__in={e.meter_no for e in batch})
                          .values_list("meter_no", flat=True)),
            addresses=set(Meter.objects.filter(dlt645_address__in={e.dlt645_address for e in batch})
                          .values_list("dlt645_address", flat=True)),
            tariffs={t.code: t for t in Tariff.objects.filter(code__in={e.tariff_code for e in batch})},
            villages=_by_name(Village.objects.filter(name__in={e.village for e in batch if e.village})),
            models={m.code: m for m in MeterModel.objects.filter(code__in={e.meter_model for e in batch
                                                                          if e.meter_model})},
        )

    def check(self, e: Enrolment) -> Enrolment:
        if e.account_no in self.account_nos:
            raise EnrolmentRefused(gettext_noop("户号 {account_no} 已存在"), field="account_no",
                                   params={"account_no": e.account_no})
        if e.meter_no in self.meter_nos:
            raise EnrolmentRefused(gettext_noop("表号 {meter_no} 已在使用"), field="meter_no",
                                   params={"meter_no": e.meter_no})
        if e.dlt645_address in self.addresses:
            raise EnrolmentRefused(gettext_noop("通信地址 {dlt645_address} 已在使用"), field="dlt645_address",
                                   params={"dlt645_address": e.dlt645_address})
        if e.tariff_code not in self.tariffs:
            raise EnrolmentRefused(gettext_noop("没有电价 {tariff_code}"), field="tariff",
                                   params={"tariff_code": e.tariff_code})
        if e.village and len(self._villages(e)) != 1:
            raise EnrolmentRefused(gettext_noop("没有唯一的村/社区 {village}"), field="village",
                                   params={"village": e.village})
        if e.meter_model and e.meter_model not in self.models:
            raise EnrolmentRefused(gettext_noop("没有表计型号 {meter_model}"), field="meter_model",
                                   params={"meter_model": e.meter_model})
        if e.mode == AccountMode.PREPAID and e.prepaid_since is None:
            raise EnrolmentRefused(gettext_noop("智能交费户必须有起始日"), field="prepaid_since")
        self.account_nos.add(e.account_no)
        self.meter_nos.add(e.meter_no)
        self.addresses.add(e.dlt645_address)
        return e

    def village(self, e: Enrolment) -> Village | None:
        return self._villages(e)[0] if e.village else None

    def _villages(self, e: Enrolment) -> list[Village]:
        return [v for v in self.villages.get(e.village, []) if not e.town or v.town == e.town]


def _phone_normalised(e: Enrolment) -> Enrolment:
    # The SMS and the calls go to it: a number that is neither a mobile nor a landline is refused.
    return replace(e, phone=normalised_phone(e.phone)) if e.phone.strip() else e


def _by_name(villages: Iterable[Village]) -> dict[str, list[Village]]:
    found: dict[str, list[Village]] = {}
    for village in villages:
        found.setdefault(village.name, []).append(village)
    return found
