"""The demo town's sign-ins, printed by `gridpay demo --serve`: one member of staff per role, and a household."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import Account
from gridpay.domain.staff_roles import Role

DEMO_PASSWORD = "Matou-2024!"  # the demo town's only: printed on screen, never for real data
STAFF = (
    ("cashier", "营业员小林", Role.CASHIER),
    ("grid", "陈嘉涵", Role.GRID_STAFF),  # the schedule's grid staff member: her call list is real
    ("supervisor", "班长老黄", Role.SUPERVISOR),
    ("head", "所长王明", Role.STATION_HEAD),
)


@dataclass(frozen=True)
class DemoSignIns:
    staff: list[tuple[str, str, str]]  # username, name, role label
    password: str
    household_account_no: str
    household_phone: str


def demo_sign_ins() -> DemoSignIns:
    users = get_user_model().objects
    for username, name, role in STAFF:
        if not users.filter(username=username).exists():
            add_staff(username=username, name=name, role=role.value, password=DEMO_PASSWORD)
    household = (
        Account.objects.filter(ledger_account__balance_fen__lt=0).exclude(customer__phone="")
        .order_by("account_no").select_related("customer").first()
        or Account.objects.exclude(customer__phone="").order_by("account_no").select_related("customer").first()
    )
    return DemoSignIns(
        staff=[(u, n, r.label) for u, n, r in STAFF], password=DEMO_PASSWORD,
        household_account_no=household.account_no if household else "",
        household_phone=household.customer.phone if household else "",
    )
