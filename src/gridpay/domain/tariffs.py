"""Tariffs (电价): versions by effective date, tiers (阶梯) by cumulative usage, time-of-use prices.

A day's energy is priced given what was already used in the tier period: the part of the day
that crosses a tier bound is split at the bound, and each time-of-use register is shared among
the tier parts in proportion.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from gridpay.domain.energy import DayEnergy, TouPeriod, from_ckwh, to_ckwh
from gridpay.domain.errors import DomainError
from gridpay.domain.money import micro_yuan_of, round_to_fen
from gridpay.domain.texts import gettext_noop

PRICE_SCALE = Decimal("0.0001")


class InvalidTariff(DomainError):
    code = "invalid_tariff"


class TariffNotInForce(DomainError):
    code = "tariff_not_in_force"


class TierPeriod(StrEnum):
    """How long cumulative usage counts toward the tiers before it resets."""

    YEAR = "year"
    MONTH = "month"


def period_start(*, tier_period: TierPeriod, day: date) -> date:
    """First day of the tier period that ``day`` belongs to."""
    if tier_period is TierPeriod.YEAR:
        return date(day.year, 1, 1)
    return date(day.year, day.month, 1)


def price_to_e4(price: Decimal) -> int:
    """Yuan per kWh with 4 decimals → an integer of ten-thousandths of a yuan."""
    scaled = price / PRICE_SCALE
    if scaled != scaled.to_integral_value():
        raise InvalidTariff(gettext_noop("电价最多 4 位小数：{price}"), params={"price": price})
    return int(scaled)


@dataclass(frozen=True)
class Tier:
    """One tier: its inclusive upper bound of cumulative usage (None for the last) and its prices.

    The flat price is required: it is also the price of energy for customers without time-of-use.
    """

    up_to_kwh: Decimal | None
    prices: Mapping[TouPeriod, Decimal]

    def price(self, period: TouPeriod) -> Decimal:
        return self.prices.get(period, self.prices[TouPeriod.FLAT])


@dataclass(frozen=True)
class TariffVersion:
    effective_from: date
    tier_period: TierPeriod
    tiers: tuple[Tier, ...]

    def __post_init__(self) -> None:
        validate_tiers(self.tiers)


@dataclass(frozen=True)
class Tariff:
    code: str
    name: str
    versions: tuple[TariffVersion, ...]

    def __post_init__(self) -> None:
        if not self.versions:
            raise InvalidTariff(gettext_noop("电价 {code} 没有任何版本"), params={"code": self.code})
        days = [v.effective_from for v in self.versions]
        if days != sorted(days) or len(set(days)) != len(days):
            raise InvalidTariff(gettext_noop("电价 {code} 的版本生效日期必须递增且不重复"), params={"code": self.code})

    def version_on(self, day: date) -> TariffVersion:
        """The version in force on ``day``: the last one whose effective date is not after it."""
        in_force = [v for v in self.versions if v.effective_from <= day]
        if not in_force:
            raise TariffNotInForce(
                gettext_noop("电价 {code} 在 {day} 尚未生效"), params={"code": self.code, "day": day},
            )
        return in_force[-1]


def validate_tiers(tiers: Sequence[Tier]) -> None:
    if not tiers:
        raise InvalidTariff(gettext_noop("电价至少要有一个阶梯"))
    bounds = [t.up_to_kwh for t in tiers]
    if bounds[-1] is not None or any(b is None for b in bounds[:-1]):
        raise InvalidTariff(gettext_noop("只有最后一个阶梯没有上限"))
    finite = [b for b in bounds if b is not None]
    if any(b <= 0 for b in finite) or finite != sorted(set(finite)):
        raise InvalidTariff(gettext_noop("阶梯上限必须为正且递增"))
    for number, tier in enumerate(tiers, start=1):
        if TouPeriod.FLAT not in tier.prices:
            raise InvalidTariff(gettext_noop("第 {number} 阶梯缺少平段（标准）电价"), params={"number": number})
        for price in tier.prices.values():
            if price < 0:
                raise InvalidTariff(gettext_noop("第 {number} 阶梯电价不能为负"), params={"number": number})
            price_to_e4(price)


@dataclass(frozen=True)
class ChargeLine:
    """Energy of one time-of-use period inside one tier, and its exact amount."""

    tier: int
    period: TouPeriod
    energy_kwh: Decimal
    price: Decimal
    amount_micro_yuan: int


@dataclass(frozen=True)
class Quote:
    lines: tuple[ChargeLine, ...]

    @property
    def amount_micro_yuan(self) -> int:
        return sum(line.amount_micro_yuan for line in self.lines)

    @property
    def charge_fen(self) -> int:
        return round_to_fen(micro_yuan=self.amount_micro_yuan)

    @property
    def energy_kwh(self) -> Decimal:
        return sum((line.energy_kwh for line in self.lines), Decimal(0))


def split_by_tier_ckwh(*, tiers: Sequence[Tier], used_ckwh: int, energy_ckwh: int) -> list[int]:
    """How much of ``energy_ckwh``, coming after ``used_ckwh`` in the period, falls in each tier."""
    parts = []
    lower = 0
    for tier in tiers:
        upper = None if tier.up_to_kwh is None else to_ckwh(tier.up_to_kwh)
        start = max(used_ckwh, lower)
        end = used_ckwh + energy_ckwh if upper is None else min(used_ckwh + energy_ckwh, upper)
        parts.append(max(end - start, 0))
        lower = upper if upper is not None else lower
    return parts


def share_among_tiers(*, period_ckwh: int, tier_parts_ckwh: Sequence[int]) -> list[int]:
    """Share one period's energy among the tier parts in proportion; the last part takes the rest."""
    total = sum(tier_parts_ckwh)
    shares = [0] * len(tier_parts_ckwh)
    if total == 0:
        return shares
    last = max(i for i, part in enumerate(tier_parts_ckwh) if part > 0)
    for i, part in enumerate(tier_parts_ckwh):
        if i != last:
            shares[i] = period_ckwh * part // total
    shares[last] = period_ckwh - sum(shares)
    return shares


def price_energy(*, version: TariffVersion, used_kwh: Decimal, energy: DayEnergy, time_of_use: bool) -> Quote:
    """Price ``energy`` that comes after ``used_kwh`` already used in the tier period.

    Without ``time_of_use`` every kWh is priced at the tier's flat price.
    """
    used_ckwh = to_ckwh(used_kwh)
    total_ckwh = to_ckwh(energy.total_kwh)
    tier_parts = split_by_tier_ckwh(tiers=version.tiers, used_ckwh=used_ckwh, energy_ckwh=total_ckwh)
    by_period = energy.by_period_ckwh() if time_of_use else {TouPeriod.FLAT: total_ckwh}
    lines = []
    for period in TouPeriod:
        period_ckwh = by_period.get(period, 0)
        if not period_ckwh:
            continue
        shares = share_among_tiers(period_ckwh=period_ckwh, tier_parts_ckwh=tier_parts)
        for number, (tier, share) in enumerate(zip(version.tiers, shares, strict=True), start=1):
            if share:
                price = tier.price(period)
                lines.append(
                    ChargeLine(
                        tier=number,
                        period=period,
                        energy_kwh=from_ckwh(share),
                        price=price,
                        amount_micro_yuan=micro_yuan_of(energy_ckwh=share, price_e4=price_to_e4(price)),
                    )
                )
    lines.sort(key=lambda line: (line.tier, list(TouPeriod).index(line.period)))
    return Quote(lines=tuple(lines))
