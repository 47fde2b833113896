"""The demo's sign-ins: one member of staff per role (two grid staff: the postpaid villages' collector), made once,
and a household with a phone."""

import pytest
from django.contrib.auth import get_user_model

from gridpay.data.staff import roles_of
from gridpay.demo.sign_ins import DEMO_PASSWORD, demo_sign_ins
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol

pytestmark = pytest.mark.django_db


def test_the_demo_signs_in_one_person_per_role_and_a_household(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=-100, phone="15412345678")
    first = demo_sign_ins()
    again = demo_sign_ins()
    users = get_user_model().objects
    assert users.count() == 9 and first == again
    assert {next(iter(roles_of(u))) for u in users.all()} == set(Role)  # every role, the administrator's too
    assert [u for u, _, role in first.staff if role == Role.GRID_STAFF.label] == ["grid", "collector"]
    assert users.get(username="grid").check_password(DEMO_PASSWORD)
    assert (first.household_account_no, first.household_phone) == ("3301000001", "15412345678")


def test_the_portal_household_is_the_supplied_one_that_pays_online_most_often(zj_tariff: str) -> None:
    from gridpay.application.payments.record_payment import record_payment
    from gridpay.data.models import Account
    from tests.support.clock import current_instant

    def paid(number: int, channel: str, times: int) -> None:
        for n in range(times):
            record_payment(account_no=f"330100000{number}", amount_fen=5_000, channel=channel,
                           channel_txn_id=f"{number}-{n}", received_at=current_instant(),
                           business_day=current_instant().date())

    enrol(1, opening_balance_fen=-100, phone="15412345671")  # never pays: left disconnected, its usage stops
    Account.objects.filter(account_no="3301000001").update(supply_state="disconnected")
    for number in (2, 3, 4, 5):
        enrol(number, phone=f"1541234567{number}")
    paid(2, "counter", 3)  # pays, but not online
    paid(3, "wechat", 2)
    paid(4, "alipay", 3)
    Account.objects.filter(account_no="3301000004").update(supply_state="disconnected")
    paid(5, "alipay", 1)
    paid(5, "wechat", 1)
    paid(5, "counter", 2)
    assert demo_sign_ins().household_account_no == "3301000003"
    Account.objects.filter(account_no="3301000003").update(status="closed")
    assert demo_sign_ins().household_account_no == "3301000005"
