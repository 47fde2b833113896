"""Reads tariff definitions from TOML (the format of the built-in examples) into domain tariffs."""

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from gridpay.domain.energy import TouPeriod
from gridpay.domain.tariffs import InvalidTariff, Tariff, TariffVersion, Tier, TierPeriod
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class TariffDefinition:
    tariff: Tariff
    tou_windows: dict[str, list[str]]


def builtin_tariffs() -> list[TariffDefinition]:
    folder = resources.files("gridpay.integrations.tariffs")
    return [
        parse_tariff(tomllib.loads(entry.read_text(encoding="utf-8")))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]


def read_tariff_file(path: Path) -> TariffDefinition:
    with path.open("rb") as handle:
        return parse_tariff(tomllib.load(handle))


def parse_tariff(document: dict[str, Any]) -> TariffDefinition:
    """One version per file: ``code``, ``name``, ``tier_period``, ``effective_from`` and ``[[tiers]]``."""
    try:
        code = str(document["code"])
        tiers = tuple(_tier(t) for t in document["tiers"])
        effective_from = document.get("effective_from", date(2000, 1, 1))
        if not isinstance(effective_from, date):
            raise InvalidTariff(gettext_noop("effective_from 不是日期：{effective_from!r}"),
                                params={"effective_from": effective_from})
        version = TariffVersion(
            effective_from=effective_from,
            tier_period=TierPeriod(document.get("tier_period", "year")),
            tiers=tiers,
        )
        windows = {str(k): [str(r) for r in v] for k, v in document.get("time_of_use", {}).items()}
        return TariffDefinition(
            tariff=Tariff(code=code, name=str(document.get("name", code)), versions=(version,)),
            tou_windows=windows,
        )
    except (KeyError, ValueError, TypeError) as error:
        raise InvalidTariff(gettext_noop("电价文件格式错误：{error}"), params={"error": error}) from None


def _tier(table: dict[str, Any]) -> Tier:
    bound = table.get("up_to_kwh")
    prices = {TouPeriod(name): Decimal(str(table[name])) for name in TouPeriod if name in table}
    return Tier(up_to_kwh=None if bound is None else Decimal(str(bound)), prices=prices)
