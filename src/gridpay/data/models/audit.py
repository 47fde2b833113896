"""The audit trail: who did what to which record, with the values before and after."""

from django.db import models


class AuditRecord(models.Model):
    at = models.DateTimeField()
    actor = models.CharField("操作人", max_length=100)
    action = models.CharField("操作", max_length=60)  # e.g. "reconciliation.resolve"
    target = models.CharField("对象", max_length=100)  # "<table>:<id>"
    old = models.JSONField(default=dict)
    new = models.JSONField(default=dict)
    note = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "操作记录"
        indexes = [
            models.Index(fields=["target", "at"], name="audit_target"),
            models.Index(fields=["actor", "at"], name="audit_actor"),
        ]
