"""Installs the tariffs that ship with gridpay (idempotent)."""

from gridpay.data.tariff_store import save_tariff
from gridpay.integrations.tariffs.files import builtin_tariffs


def install_builtin_tariffs() -> list[str]:
    codes = []
    for definition in builtin_tariffs():
        save_tariff(definition.tariff, tou_windows=definition.tou_windows)
        codes.append(definition.tariff.code)
    return codes
