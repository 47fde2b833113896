"""Tariffs between the database and the domain: save a domain tariff, load one back."""

from django.db import transaction

from gridpay.data.models import Tariff as TariffRow
from gridpay.data.models import TariffTier, TariffVersion
from gridpay.domain.energy import TouPeriod
from gridpay.domain.errors import DomainError
from gridpay.domain.tariffs import Tariff, Tier, TierPeriod
from gridpay.domain.tariffs import TariffVersion as Version
from gridpay.domain.texts import gettext_noop

PRICE_COLUMNS = {
    TouPeriod.FLAT: "price_flat",
    TouPeriod.SHARP: "price_sharp",
    TouPeriod.PEAK: "price_peak",
    TouPeriod.VALLEY: "price_valley",
}


class UnknownTariff(DomainError):
    code = "unknown_tariff"


class TariffVersionConflict(DomainError):
    code = "tariff_version_conflict"


def save_tariff(tariff: Tariff, *, tou_windows: dict[str, list[str]] | None = None) -> TariffRow:
    """Store every version of ``tariff``; an existing version must be identical, never rewritten."""
    with transaction.atomic():
        row, _ = TariffRow.objects.get_or_create(code=tariff.code, defaults={"name": tariff.name})
        stored = (
            {v.effective_from: v for v in load_tariff(tariff.code).versions} if row.versions.exists() else {}
        )
        for version in tariff.versions:
            if version.effective_from in stored:
                if stored[version.effective_from] != version:
                    raise TariffVersionConflict(
                        gettext_noop("电价 {code} 在 {effective_from} 已有不同的版本；请用新的生效日期"),
                        params={"code": tariff.code, "effective_from": version.effective_from},
                    )
                continue
            version_row = TariffVersion.objects.create(
                tariff=row,
                effective_from=version.effective_from,
                tier_period=version.tier_period.value,
                tou_windows=tou_windows or {},
            )
            TariffTier.objects.bulk_create(
                TariffTier(
                    version=version_row,
                    number=number,
                    up_to_kwh=tier.up_to_kwh,
                    **{PRICE_COLUMNS[p]: price for p, price in tier.prices.items()},
                )
                for number, tier in enumerate(version.tiers, start=1)
            )
        return row


def load_tariff(code: str) -> Tariff:
    try:
        row = TariffRow.objects.get(code=code)
    except TariffRow.DoesNotExist:
        raise UnknownTariff(gettext_noop("没有电价 {code}"), field="tariff", params={"code": code}) from None
    return _domain_tariff(row)


def load_tariffs_by_id() -> dict[int, Tariff]:
    return {row.id: _domain_tariff(row) for row in TariffRow.objects.all()}


def version_ids(code: str) -> dict[object, int]:
    """Effective date → TariffVersion row id, to record which version priced a settlement."""
    return dict(TariffVersion.objects.filter(tariff__code=code).values_list("effective_from", "id"))


def _domain_tariff(row: TariffRow) -> Tariff:
    versions = []
    for version in row.versions.order_by("effective_from").prefetch_related("tiers"):
        tiers = tuple(
            Tier(
                up_to_kwh=tier.up_to_kwh,
                prices={
                    period: getattr(tier, column)
                    for period, column in PRICE_COLUMNS.items()
                    if getattr(tier, column) is not None
                },
            )
            for tier in version.tiers.all()
        )
        versions.append(
            Version(
                effective_from=version.effective_from,
                tier_period=TierPeriod(version.tier_period),
                tiers=tiers,
            )
        )
    return Tariff(code=row.code, name=row.name, versions=tuple(versions))
