"""Remote meter commands (the outbox of the head-end) and the history of each one's attempts."""

from django.db import models

from gridpay.data.models.accounts import Account
from gridpay.data.models.meters import Meter
from gridpay.domain import meter_commands as domain

LIVE = sorted(s.value for s in domain.LIVE)  # sorted: the constraint below must not change between runs
UNDER_WAY = sorted(s.value for s in domain.UNDER_WAY)


class MeterCommand(models.Model):
    # No foreign-key check in the database (ADR 0032): the one writer takes both ids from rows it holds locked, and a
    # disconnection run's hundred thousand checks cost a third of the server's work.
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="commands", db_constraint=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="meter_commands", db_constraint=False)
    # The choices are the domain's enums with their labels: one name and one label for each value.
    action = models.CharField("命令", max_length=12, choices=[(a.value, a.label) for a in domain.CommandAction])
    status = models.CharField("状态", max_length=12, choices=[(s.value, s.label) for s in domain.CommandStatus])
    reason = models.CharField("原因", max_length=100, blank=True)
    created_at = models.DateTimeField()
    # Not sent before this (the backoff of a retry); the sweep picks queued commands by it.
    next_attempt_at = models.DateTimeField()
    # Past this the command is no use (a disconnect after the window closes): it expires unsent.
    valid_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    # While *sending*: the gateway's claim lapses at this instant and the command is due again (the gateway died).
    lease_until = models.DateTimeField(null=True, blank=True)
    # A frame of it went to a broker that never acknowledged it: it may have reached the meter all the same, so a
    # payment that cancels it still sends the reconnect (attempts count only acknowledged frames).
    may_have_reached_meter = models.BooleanField(default=False)
    answer_due_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "表计命令"
        constraints = [
            # DL/T 645 answers carry no command id: one live command per meter is what lets an
            # answer be matched, and what stops two commands racing on one relay. On PostgreSQL the table is
            # partitioned by month, which cannot hold these two (their key lacks the month): there the key of
            # gridpay_metercommand_slot holds them, kept by triggers (migration 0047, ADR 0042), and a change to
            # either constraint changes that migration's gridpay_meter_command_slot too.
            models.UniqueConstraint(
                fields=["meter"], condition=models.Q(status__in=LIVE), name="meter_command_one_live"
            ),
            models.UniqueConstraint(
                fields=["meter"], condition=models.Q(status=domain.CommandStatus.HELD.value),
                name="meter_command_one_held",
            ),
        ]
        indexes = [
            models.Index(  # in the claim's order, as daily_read_due
                fields=["next_attempt_at", "id"], condition=models.Q(status=domain.CommandStatus.QUEUED.value),
                name="meter_command_due",
            ),
            models.Index(
                fields=["answer_due_at"],
                condition=models.Q(
                    status__in=[domain.CommandStatus.SENT.value, domain.CommandStatus.ACKNOWLEDGED.value]
                ),
                name="meter_command_awaiting",
            ),
            models.Index(
                fields=["lease_until"], condition=models.Q(status=domain.CommandStatus.SENDING.value),
                name="meter_command_leased",
            ),
        ]


class MeterCommandEvent(models.Model):
    """One step of a command's life: sent, acknowledged, denied, timed out, retry, confirmed, …"""

    command = models.ForeignKey(MeterCommand, on_delete=models.CASCADE, related_name="events",
                                db_constraint=False)  # written with its command by the one writer (ADR 0032)
    at = models.DateTimeField()
    event = models.CharField(max_length=24)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["command", "at"], name="meter_command_event_at")]
