"""What became of a gateway's claim: frames the broker acknowledged are sent, the others go back to the queue at once.

Both act only on commands still *sending* under that very claim (its lease): a command that was answered,
put back or claimed again meanwhile is left as it is, so a late report never counts an attempt twice.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q

from gridpay.data import meter_command_store
from gridpay.data.models import MeterCommand
from gridpay.data.queries.instants import Timer
from gridpay.domain.meter_commands import CommandPolicy, CommandStatus


def sent(*, command_ids: Sequence[int], lease_until: datetime, at: datetime, policy: CommandPolicy) -> int:
    """The broker acknowledged (PUBACK) these frames at ``at``: one attempt each, the answer awaited from now."""
    with transaction.atomic():
        ids = _still_claimed(command_ids, lease_until)
        MeterCommand.objects.filter(id__in=ids).update(
            status=CommandStatus.SENT.value, attempts=F("attempts") + 1, sent_at=at, lease_until=None,
            answer_due_at=at + timedelta(seconds=policy.answer_timeout_s),
        )
        meter_command_store.add_events((i, at, CommandStatus.SENT.value, "") for i in ids)
    return len(ids)


def unsent(
    *, command_ids: Sequence[int], lease_until: datetime, at: datetime, handed_over: bool, detail: str
) -> int:
    """No PUBACK came for these frames: queued again, due now, their attempt not counted.

    ``handed_over``: the frame went to the MQTT client, so the broker may have had it and lost only its
    PUBACK; the command then remembers that it may have reached the meter."""
    with transaction.atomic():
        ids = _still_claimed(command_ids, lease_until)
        changes: dict[str, object] = {
            "status": CommandStatus.QUEUED.value, "next_attempt_at": at, "lease_until": None,
            "last_error": f"未获代理确认：{detail}"[:200],
        }
        if handed_over:
            changes["may_have_reached_meter"] = True
        MeterCommand.objects.filter(id__in=ids).update(**changes)
        meter_command_store.add_events((i, at, "unsent", detail) for i in ids)
    return len(ids)


LAPSED = Timer(MeterCommand, Q(status=CommandStatus.SENDING), "lease_until")  # due: the claim lapsed


def lapsed(*, at: datetime) -> Q:
    """Commands claimed by a gateway whose lease ran out by ``at``."""
    return LAPSED.due(at)


def release_lapsed(*, at: datetime) -> int:
    """Claims whose lease ran out (their gateway died before it could tell): queued again, due now, uncounted."""
    with transaction.atomic():
        ids = list(
            MeterCommand.objects.select_for_update(skip_locked=True).filter(lapsed(at=at)).values_list("id", flat=True)
        )
        MeterCommand.objects.filter(id__in=ids).update(
            status=CommandStatus.QUEUED.value, next_attempt_at=at, lease_until=None, may_have_reached_meter=True,
            last_error="未获代理确认：网关未在租期内报告",
        )
        meter_command_store.add_events((i, at, "lease_expired", "网关未在租期内报告代理确认") for i in ids)
    return len(ids)


def _still_claimed(command_ids: Sequence[int], lease_until: datetime) -> list[int]:
    return list(
        MeterCommand.objects.select_for_update()
        .filter(id__in=list(command_ids), status=CommandStatus.SENDING, lease_until=lease_until)
        .values_list("id", flat=True)
    )
