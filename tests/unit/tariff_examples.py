"""Domain tariffs used by the unit tests: the Zhejiang residential table, and a monthly two-tier one."""

from datetime import date
from decimal import Decimal as D

from gridpay.domain.energy import TouPeriod
from gridpay.domain.tariffs import Tariff, TariffVersion, Tier, TierPeriod

FLAT, PEAK, VALLEY = TouPeriod.FLAT, TouPeriod.PEAK, TouPeriod.VALLEY

ZJ_TIERS = (
    Tier(D(2760), {FLAT: D("0.538"), PEAK: D("0.568"), VALLEY: D("0.288")}),
    Tier(D(4800), {FLAT: D("0.588"), PEAK: D("0.618"), VALLEY: D("0.338")}),
    Tier(None, {FLAT: D("0.838"), PEAK: D("0.868"), VALLEY: D("0.588")}),
)
ZJ_2024 = TariffVersion(effective_from=date(2024, 1, 1), tier_period=TierPeriod.YEAR, tiers=ZJ_TIERS)
ZJ = Tariff(code="zj-resident-2024", name="浙江居民", versions=(ZJ_2024,))

# The same table with every price 0.0123 yuan higher from 1 July 2025: a price change mid-period.
ZJ_RAISED = Tariff(
    code="zj-raised",
    name="浙江居民（调价）",
    versions=(
        ZJ_2024,
        TariffVersion(
            effective_from=date(2025, 7, 1),
            tier_period=TierPeriod.YEAR,
            tiers=tuple(
                Tier(t.up_to_kwh, {p: v + D("0.0123") for p, v in t.prices.items()}) for t in ZJ_TIERS
            ),
        ),
    ),
)

MONTHLY = Tariff(
    code="monthly",
    name="月阶梯",
    versions=(
        TariffVersion(
            effective_from=date(2020, 1, 1),
            tier_period=TierPeriod.MONTH,
            tiers=(Tier(D(200), {FLAT: D("0.5283")}), Tier(None, {FLAT: D("0.5783")})),
        ),
    ),
)
