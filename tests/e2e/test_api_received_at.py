"""POST /api/payments refuses a received_at before the window (GRIDPAY_PAYMENT_BACKDATE_DAYS, 7 days by default)
unless the token acts for a supervisor or the station head (issue 19 point 3); nothing is credited when refused."""

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from gridpay.application.staff.add_staff import add_staff
from gridpay.application.staff.issue_api_token import ApiTokenRefused, issue_api_token
from gridpay.data.models import Payment
from gridpay.data.settings import gridpay_settings
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.clock import current_instant

pytestmark = pytest.mark.django_db
ACCOUNT = "3301000001"


@pytest.fixture
def account(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=10_000)


def token_of(role: Role | None) -> str:
    if role is None:
        return issue_api_token(name="银行接口", at=current_instant(), channels=["counter"]).token
    add_staff(username=role.value, name=f"{role.label}甲", role=role.value, password="Gridpay-2026!")
    return issue_api_token(name=f"{role.label}的令牌", at=current_instant(), staff=role.value,
                           channels=["counter"]).token


def pay(token: str, received_at: Any, txn: str = "R-1") -> Any:
    body = {"account_no": ACCOUNT, "amount_fen": 5_000, "channel": "counter", "channel_txn_id": txn,
            "received_at": received_at.isoformat()}
    return Client().post("/api/payments", body, content_type="application/json",
                         headers={"Authorization": f"Bearer {token}", "Idempotency-Key": txn})


@pytest.mark.parametrize("role", [None, Role.CASHIER, Role.GRID_STAFF, Role.ADMIN])
def test_a_payment_received_before_the_window_is_refused_naming_the_field(account: None, role: Role | None) -> None:
    token = token_of(role)

    inside = pay(token, current_instant() - timedelta(days=7) + timedelta(minutes=1), txn="R-1")
    before = pay(token, current_instant() - timedelta(days=7, minutes=1), txn="R-2")
    decades = pay(token, current_instant() - timedelta(days=365 * 30), txn="R-3")

    assert inside.status_code == 201
    for refused in (before, decades):
        assert refused.status_code == 422
        assert refused.json()["field"] == "received_at"
        assert "早于 7 天前" in refused.json()["message"]
    assert list(Payment.objects.values_list("channel_txn_id", flat=True)) == ["R-1"]


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.STATION_HEAD])
def test_a_supervisors_or_the_heads_token_records_a_payment_found_late(account: None, role: Role) -> None:
    at = current_instant() - timedelta(days=40)

    answer = pay(token_of(role), at)

    assert answer.status_code == 201
    assert Payment.objects.get().received_at == at


def test_the_window_is_configured_and_a_token_loses_the_power_with_the_role(account: None, settings: Any) -> None:
    settings.GRIDPAY = replace(gridpay_settings(), payment_backdate_days=30)
    system = token_of(None)
    supervisor = token_of(Role.SUPERVISOR)

    assert pay(system, current_instant() - timedelta(days=29), txn="R-1").status_code == 201
    assert pay(system, current_instant() - timedelta(days=31), txn="R-2").status_code == 422
    get_user_model().objects.filter(username="supervisor").update(is_active=False)  # left the station
    assert pay(supervisor, current_instant() - timedelta(days=31), txn="R-3").status_code == 422


def test_a_token_is_issued_only_for_someone_on_the_staff(db: None) -> None:
    with pytest.raises(ApiTokenRefused) as refused:
        issue_api_token(name="谁的令牌", at=current_instant(), staff="nobody")

    assert refused.value.field == "staff" and "没有在职的工作人员 nobody" in refused.value.message
