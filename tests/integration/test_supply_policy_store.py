"""The supply policy row: defaults while absent, staff values when stored, refused when they break a rule."""

from datetime import UTC, datetime, time

import pytest
from django.db import IntegrityError, transaction

from gridpay.data.models import SupplyPolicySettings
from gridpay.data.supply_policy_store import load_policy
from gridpay.domain.supply_policy import DisconnectDelay, PolicyInvalid, SupplyPolicy

pytestmark = pytest.mark.django_db
AT = datetime(2025, 1, 1, tzinfo=UTC)


def test_without_a_row_the_rules_defaults_apply() -> None:
    assert load_policy() == SupplyPolicy()


def test_a_stored_policy_is_read_back() -> None:
    SupplyPolicySettings.objects.create(
        id=1,
        disconnect_delay_days=0,
        disconnect_delay_minutes=30,
        window_closes=time(17),
        weather_block=True,
        updated_at=AT,
    )

    policy = load_policy()

    assert policy.disconnect_delay == DisconnectDelay(days=0, minutes=30)
    assert policy.window.closes == time(17)
    assert policy.weather_block
    assert policy.alerts.first_fen == 5_000


def test_a_stored_policy_that_breaks_a_rule_is_refused_when_read() -> None:
    SupplyPolicySettings.objects.create(id=1, disconnect_delay_days=9, updated_at=AT)
    with pytest.raises(PolicyInvalid):
        load_policy()


def test_there_is_one_policy_row() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        SupplyPolicySettings.objects.create(id=2, updated_at=AT)
