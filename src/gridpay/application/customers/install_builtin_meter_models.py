"""Installs the meter models gridpay knows out of the box (domain.meter_models.BUILT_IN); a model there is kept."""

from gridpay.data.models import MeterModel
from gridpay.domain.meter_models import BUILT_IN


def install_builtin_meter_models() -> int:
    """Returns how many were added (0 when every one is there already, as after the migration)."""
    added = 0
    for model in BUILT_IN:
        _, created = MeterModel.objects.get_or_create(code=model.code, defaults={
            "name": model.name, "relay": model.relay.value, "direct_close": model.direct_close,
            "password_level": model.password_level, "rates": model.rates, "freeze_depth": model.freeze_depth,
        })
        added += created
    return added
