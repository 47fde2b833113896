"""The gateway's heartbeat: one row per gateway instance, rewritten every few seconds, for a monitor to read."""

from django.db import models


class GatewayHeartbeat(models.Model):
    instance = models.CharField("实例", max_length=200, unique=True)  # its MQTT client id
    host = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    broker = models.CharField(max_length=200)  # mqtt://host:port
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()  # the last heartbeat: a monitor compares it with beat_every_s
    beat_every_s = models.FloatField()
    stopped_at = models.DateTimeField(null=True, blank=True)  # a clean stop; a crash leaves it empty
    connected = models.BooleanField(default=False)
    connected_since = models.DateTimeField(null=True, blank=True)
    last_lost_at = models.DateTimeField(null=True, blank=True)
    last_publish_at = models.DateTimeField(null=True, blank=True)  # the last frame the broker acknowledged
    losses = models.PositiveIntegerField(default=0)  # connections lost
    reconnects = models.PositiveIntegerField(default=0)
    connect_failures = models.PositiveIntegerField(default=0)  # attempts the broker did not answer
    published = models.PositiveIntegerField(default=0)  # command frames acknowledged (PUBACK)
    unsent = models.PositiveIntegerField(default=0)  # command frames put back without a PUBACK
    received = models.PositiveIntegerField(default=0)
    confirmed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "采集网关心跳"
        indexes = [models.Index(fields=["beat_at"], name="gateway_heartbeat_beat_at")]
