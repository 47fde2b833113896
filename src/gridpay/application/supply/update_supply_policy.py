"""Changes the utility's supply policy (staff): any of its fields, checked by the domain's rules before it is kept."""

from datetime import datetime
from typing import Any

from django.db import transaction

from gridpay.data.models import SupplyPolicySettings
from gridpay.data.supply_policy_store import policy_of
from gridpay.domain.errors import DomainError
from gridpay.domain.supply_policy import SupplyPolicy
from gridpay.domain.texts import gettext_noop


class UnknownPolicyField(DomainError):
    code = "unknown_policy_field"


def update_supply_policy(*, changes: dict[str, Any], at: datetime) -> SupplyPolicy:
    """Applies ``changes`` (column name → value); a combination that breaks a rule is refused whole."""
    fields = {f.name for f in SupplyPolicySettings._meta.get_fields()} - {"id", "updated_at"}
    unknown = set(changes) - fields
    if unknown:
        raise UnknownPolicyField(gettext_noop("没有这项供电策略：{fields}"), field=sorted(unknown)[0],
                                 params={"fields": "、".join(sorted(unknown))})
    with transaction.atomic():
        # The single row, created with the domain's defaults if it is not there yet (and undone with the change).
        row, _ = SupplyPolicySettings.objects.select_for_update().get_or_create(id=1, defaults={"updated_at": at})
        for name, value in changes.items():
            setattr(row, name, value)
        row.updated_at = at
        policy = policy_of(row)  # the domain's rules first: a value they refuse is never written
        row.save()
        return policy
