"""The business calendar: the days that differ from the plain week, per year, as staff keep them."""

from django.db import models

from gridpay.domain.calendar import DayKind


class CalendarYear(models.Model):
    """A year whose holidays are in the table; a year without a row falls back to the plain week."""

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    source = models.CharField("来源", max_length=100)  # the package and version that seeded it, or staff
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = "日历年份"


class CalendarDay(models.Model):
    """A public holiday, a weekday given as rest, or a weekend day made a working day (调休)."""

    day = models.DateField("日期", primary_key=True)
    kind = models.CharField("类型", max_length=10, choices=[(k.value, k.value) for k in DayKind])
    name = models.CharField("名称", max_length=100, blank=True)

    class Meta:
        verbose_name = "节假日与调休"
