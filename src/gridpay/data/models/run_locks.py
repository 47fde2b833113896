"""Runs under way of the jobs that must not overlap themselves (settlement, the disconnection run, …)."""

from django.db import models


class RunLock(models.Model):
    # On SQLite the row is the lock; on PostgreSQL an advisory lock is, and the row only says who holds it.
    name = models.CharField(max_length=100, primary_key=True)  # e.g. "settlement", "reconcile:wechat:2026-03-09"
    holder = models.CharField(max_length=200)  # host:pid
    started_at = models.DateTimeField()

    class Meta:
        verbose_name = "运行锁"
