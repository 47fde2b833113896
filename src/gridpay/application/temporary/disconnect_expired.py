"""Disconnects the temporary supplies whose term ran out without being ended (期满停电; 供电营业规则 art. 12: a
temporary supply not extended is terminated): each stays disconnected, whatever is paid, until it is ended."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from gridpay.application.temporary.end_temporary_supply import disconnect_supply
from gridpay.data.models import Account, AuditRecord, TemporarySupply
from gridpay.domain.temporary_supply import TemporaryStage

EXPIRY_REASON = "临时用电期满"
SYSTEM = "系统（临时用电期满）"


@dataclass(frozen=True)
class ExpiryReport:
    day: date
    disconnected: list[str]  # account numbers


def disconnect_expired_supplies(*, today: date, at: datetime) -> ExpiryReport:
    """Every connected temporary supply whose planned end is before ``today``, once (each in its own transaction)."""
    due = list(TemporarySupply.objects.filter(
        stage=TemporaryStage.CONNECTED.value, expired_at__isnull=True, planned_end__lt=today,
    ).order_by("account_id").values_list("account_id", flat=True))
    done = []
    for account_id in due:
        with transaction.atomic():
            account = Account.objects.select_for_update().get(id=account_id)
            row = TemporarySupply.objects.select_for_update().get(account_id=account_id)
            if row.stage != TemporaryStage.CONNECTED or row.expired_at is not None:
                continue  # ended or disconnected meanwhile
            disconnect_supply(account, row, reason=EXPIRY_REASON, at=at)
            row.expired_at = at
            row.save(update_fields=["expired_at", "disconnect_command", "disconnect_work_order"])
            AuditRecord.objects.create(
                at=at, actor=SYSTEM, action="temporary.expire", target=f"account:{account.account_no}",
                new={"planned_end": str(row.planned_end), "command": row.disconnect_command_id,
                     "work_order": row.disconnect_work_order_id},
            )
            done.append(account.account_no)
    return ExpiryReport(day=today, disconnected=done)
