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
    assert users.count() == 8 and first == again
    assert {next(iter(roles_of(u))) for u in users.all()} == set(Role)  # every role, the administrator's too
    assert [u for u, _, role in first.staff if role == Role.GRID_STAFF.label] == ["grid", "collector"]
    assert users.get(username="grid").check_password(DEMO_PASSWORD)
    assert (first.household_account_no, first.household_phone) == ("3301000001", "15412345678")
