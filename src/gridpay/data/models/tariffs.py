"""Tariffs with versions by effective date and, per version, tiers with a price per time-of-use period."""

from django.db import models

from gridpay.domain.tariffs import TierPeriod


class Tariff(models.Model):
    code = models.CharField("电价代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)

    class Meta:
        verbose_name = "电价"

    def __str__(self) -> str:
        return self.code


class TariffVersion(models.Model):
    tariff = models.ForeignKey(Tariff, on_delete=models.CASCADE, related_name="versions")
    effective_from = models.DateField("生效日期")
    tier_period = models.CharField(max_length=8, choices=[(p.value, p.value) for p in TierPeriod])
    # Local wall-clock ranges per period, e.g. {"peak": ["08:00-22:00"]}: shown, not computed with.
    tou_windows = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tariff", "effective_from"], name="tariff_version_unique")
        ]


class TariffTier(models.Model):
    version = models.ForeignKey(TariffVersion, on_delete=models.CASCADE, related_name="tiers")
    number = models.PositiveSmallIntegerField()
    up_to_kwh = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    price_flat = models.DecimalField(max_digits=10, decimal_places=4)
    price_sharp = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    price_peak = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    price_valley = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["version", "number"], name="tariff_tier_unique")]
