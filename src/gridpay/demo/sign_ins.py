"""The demo town's sign-ins, printed by `gridpay demo --serve`: its staff, one per role, the administrator too (and
the collector of the postpaid villages), who also take the arrears procedure's steps in the simulation, and a
household."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from gridpay.application.staff.acting_staff import ActingStaff, acting_staff
from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import Account, AccountMode
from gridpay.data.models.accounts import AccountStatus
from gridpay.domain.staff_roles import Role
from gridpay.domain.supply_policy import SupplyState

DEMO_PASSWORD = "Matou-2024!"  # the demo town's only: printed on screen, never for real data
STAFF = (
    ("cashier", "营业员小林", Role.CASHIER),
    ("grid", "陈嘉涵", Role.GRID_STAFF),  # the schedule's grid staff member: her call list is real
    ("supervisor", "班长老黄", Role.SUPERVISOR),
    ("head", "所长王明", Role.STATION_HEAD),
    # The grid staff of the schedule's last villages, where the households are still postpaid: she serves their
    # arrears notices (seed 002's 抄表员), passes the work tickets and telephones before a disconnection.
    ("collector", "刘国珍", Role.GRID_STAFF),
    ("metering", "计量班老李", Role.METERING),  # carries out disconnections
    ("company", "营销部张科长", Role.COMPANY),  # approves disconnecting an important user
    ("accountant", "核算员小周", Role.ACCOUNTANT),  # reconciles the channels' statements
    ("admin", "系统管理员老陈", Role.ADMIN),  # staff, settings and the Django admin; not the station's money
)


@dataclass(frozen=True)
class DemoSignIns:
    staff: list[tuple[str, str, str]]  # username, name, role label
    password: str
    household_account_no: str
    household_phone: str


def demo_staff(username: str) -> ActingStaff:
    """One of STAFF, made the first time it is needed."""
    username, name, role = next(member for member in STAFF if member[0] == username)
    if not get_user_model().objects.filter(username=username).exists():
        add_staff(username=username, name=name, role=role.value, password=DEMO_PASSWORD)
    return acting_staff(username)


def demo_sign_ins() -> DemoSignIns:
    for username, _, _ in STAFF:
        demo_staff(username)
    household = portal_household()
    return DemoSignIns(
        staff=[(u, n, r.label) for u, n, r in STAFF], password=DEMO_PASSWORD,
        household_account_no=household.account_no if household else "",
        household_phone=household.customer.phone if household else "",
    )


ONLINE = ("wechat", "alipay")


def portal_household() -> Account | None:
    """The household the demo offers for the portal: a prepaid one, supplied, that pays online and has done so most
    often, so its page has the whole demo's daily usage (a household left disconnected uses nothing), its payments
    and a reason to pay; in a town too small for one, the first with a phone."""
    with_phone = Account.objects.filter(status=AccountStatus.ACTIVE).exclude(customer__phone="").select_related(
        "customer")
    supplied = with_phone.filter(mode=AccountMode.PREPAID, supply_state=SupplyState.CONNECTED.value, protected=False)
    online = supplied.annotate(paid=Count("payments", filter=Q(payments__channel__in=ONLINE))).filter(paid__gt=0)
    return online.order_by("-paid", "account_no").first() or with_phone.order_by("account_no").first()
