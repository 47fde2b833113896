"""Registers a temporary supply (临时用电登记): an ordinary prepaid account, not connected, with its term and the
estimate it must prepay, priced by its tariff through the tariff calculator."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction

from gridpay.application.customers.enrol_account import Enrolment, enrol_account
from gridpay.application.tariffs.quote_tariff import quote_tariff
from gridpay.application.temporary.access import check_may_manage
from gridpay.application.temporary.show_temporary_supply import TemporaryView, view_of
from gridpay.data.models import Account, AuditRecord, Meter, TemporarySupply
from gridpay.domain.late_fees import CustomerCategory
from gridpay.domain.staff_roles import Role
from gridpay.domain.supply_policy import SupplyState
from gridpay.domain.temporary_supply import (
    TemporaryStage,
    check_estimate,
    check_term,
    parse_purpose,
)


@dataclass(frozen=True)
class TemporaryRegistration:
    account_no: str
    customer_name: str
    tariff_code: str
    meter_no: str
    dlt645_address: str
    purpose: str  # a TemporaryPurpose code or label
    planned_start: date
    planned_end: date
    estimate_kwh: Decimal
    description: str = ""
    phone: str = ""
    address: str = ""
    village: str = ""
    town: str = ""
    meter_model: str = ""
    start_total_kwh: Decimal = Decimal(0)
    remote_control: bool = True  # False: the relay is switched in the field (work orders), not by the head-end


def register_temporary_supply(
    *, registration: TemporaryRegistration, actor: str, roles: set[Role], at: datetime, business_day: date
) -> TemporaryView:
    """The meter is installed today with its relay open (装表不送电): supply starts only once the estimate is prepaid
    (connect_temporary_supply). Settled daily from today like any prepaid account; non-residential (非居民)."""
    check_may_manage(roles)
    r = registration
    purpose = parse_purpose(text=r.purpose)
    check_term(planned_start=r.planned_start, planned_end=r.planned_end, today=business_day)
    estimate_kwh = check_estimate(estimate_kwh=r.estimate_kwh)
    with transaction.atomic():
        account = enrol_account(
            enrolment=Enrolment(
                account_no=r.account_no.strip(), customer_name=r.customer_name.strip(), tariff_code=r.tariff_code,
                meter_no=r.meter_no.strip(), dlt645_address=r.dlt645_address.strip(), installed_on=business_day,
                prepaid_since=business_day, phone=r.phone, village=r.village, town=r.town, address=r.address,
                meter_model=r.meter_model, start_total_kwh=r.start_total_kwh,
                category=CustomerCategory.OTHER.value,
            ),
            at=at, business_day=business_day,
        )
        # The tariff calculator's price of the whole estimate on the planned start, as if the term were one period.
        estimate_fen = quote_tariff(tariff_code=r.tariff_code, on=r.planned_start, used_kwh=Decimal(0),
                                    energy_kwh=estimate_kwh, tou_kwh={}).charge_fen
        Account.objects.filter(id=account.id).update(supply_state=SupplyState.DISCONNECTED.value)
        Meter.objects.filter(account=account).update(relay_open_desired=True)
        row = TemporarySupply.objects.create(
            account=account, purpose=purpose.value, description=r.description.strip()[:200],
            planned_start=r.planned_start, planned_end=r.planned_end, estimate_kwh=estimate_kwh,
            estimate_fen=estimate_fen, remote_control=r.remote_control, stage=TemporaryStage.REGISTERED.value,
            registered_at=at, registered_by=actor[:100],
        )
        AuditRecord.objects.create(
            at=at, actor=actor[:100], action="temporary.register", target=f"account:{account.account_no}",
            new={"purpose": purpose.value, "planned_start": str(r.planned_start), "planned_end": str(r.planned_end),
                 "estimate_kwh": str(estimate_kwh), "estimate_fen": estimate_fen, "remote_control": r.remote_control},
        )
        row = TemporarySupply.objects.select_related(
            "account__customer", "account__ledger_account", "account__tariff").get(id=row.id)
        return view_of(row, today=business_day)
