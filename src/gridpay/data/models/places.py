"""Villages (村/社区) of a town and the grid staff (网格员) who look after them."""

from django.db import models


class GridStaff(models.Model):
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("电话", max_length=30, blank=True)

    class Meta:
        verbose_name = "网格员"
        constraints = [models.UniqueConstraint(fields=["name", "phone"], name="grid_staff_unique")]

    def __str__(self) -> str:
        return self.name


class Village(models.Model):
    name = models.CharField("村/社区", max_length=50)
    town = models.CharField("乡镇", max_length=50)
    rollout_month = models.DateField("推广月份", null=True, blank=True)
    grid_staff = models.ForeignKey(
        GridStaff, verbose_name="网格员", null=True, blank=True, on_delete=models.PROTECT
    )
    assistant_name = models.CharField("推广协助员", max_length=50, blank=True)
    assistant_phone = models.CharField("协助员电话", max_length=30, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    # 抄表例日: the postpaid accounts of the village are billed on this day of each month (a transformer area
    # may have its own, AreaReadingDay).
    reading_day = models.PositiveSmallIntegerField("抄表例日", default=25, db_default=25)

    class Meta:
        verbose_name = "村/社区"
        constraints = [
            models.UniqueConstraint(fields=["town", "name"], name="village_unique"),
            models.CheckConstraint(condition=models.Q(reading_day__gte=1, reading_day__lte=28),
                                   name="village_reading_day_in_month"),
        ]

    def __str__(self) -> str:
        return self.name
