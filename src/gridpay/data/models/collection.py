"""Collection areas (催费片区): the villages and transformer areas each collector answers for, with their history."""

from django.db import models

from gridpay.data.models.places import GridStaff, Village

_ENDS_AFTER_IT_BEGINS = models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=models.F("valid_from"))


class CollectionArea(models.Model):
    name = models.CharField("片区", max_length=50, unique=True)

    class Meta:
        verbose_name = "催费片区"

    def __str__(self) -> str:
        return self.name


class AreaCollector(models.Model):
    """Who answers for an area over ``[valid_from, valid_to)``; a reassignment ends one row and opens the next."""

    area = models.ForeignKey(CollectionArea, on_delete=models.PROTECT, related_name="collectors")
    collector = models.ForeignKey(GridStaff, verbose_name="收费员", on_delete=models.PROTECT)
    valid_from = models.DateField("起始日")
    valid_to = models.DateField("截止日（不含）", null=True, blank=True)

    class Meta:
        verbose_name = "片区收费员"
        constraints = [
            models.UniqueConstraint(fields=["area"], condition=models.Q(valid_to__isnull=True),
                                    name="area_collector_one_open"),
            models.CheckConstraint(condition=_ENDS_AFTER_IT_BEGINS,
                                   name="area_collector_period"),
        ]
        indexes = [models.Index(fields=["area", "valid_from"], name="area_collector_from")]


class AreaMember(models.Model):
    """A village, or one transformer area (台区) of it, in a collection area over ``[valid_from, valid_to)``.

    A transformer area's own row wins over its village's: a village may be split between two collectors.
    """

    area = models.ForeignKey(CollectionArea, on_delete=models.PROTECT, related_name="members")
    village = models.ForeignKey(Village, on_delete=models.PROTECT)
    transformer_area = models.CharField("台区（空：整村）", max_length=50, blank=True, default="")
    valid_from = models.DateField("起始日")
    valid_to = models.DateField("截止日（不含）", null=True, blank=True)

    class Meta:
        verbose_name = "片区范围"
        constraints = [
            models.UniqueConstraint(fields=["village", "transformer_area"], condition=models.Q(valid_to__isnull=True),
                                    name="area_member_one_open"),
            models.CheckConstraint(condition=_ENDS_AFTER_IT_BEGINS,
                                   name="area_member_period"),
        ]
        indexes = [models.Index(fields=["village", "valid_from"], name="area_member_from")]
