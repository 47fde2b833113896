"""A postpaid account's meter reads closed again after its reconnection ticket: the case's reconnection is done."""

from datetime import datetime

from django.db import transaction

from gridpay.application.postpaid.take_arrears_step import open_case, take_on_locked
from gridpay.data.models import ArrearsCase
from gridpay.domain.arrears_procedure import SYSTEM, CompleteReconnection, ProcedureRefused, Stage
from gridpay.domain.staff_roles import Role


def complete_remote_reconnection(*, account_id: int, at: datetime) -> bool:
    """In the transaction that confirmed the meter's relay closed."""
    if not ArrearsCase.objects.filter(account_id=account_id, stage=Stage.RECONNECTION_PENDING.value).exists():
        return False
    row = open_case(account_id)
    if row is None:
        return False
    try:
        with transaction.atomic():  # a savepoint: the meter's confirmation stands whatever the case says
            take_on_locked(row.account, row, CompleteReconnection(remote=True), by=SYSTEM, roles=frozenset[Role](),
                           at=at)
    except ProcedureRefused:
        # Past its 24 hours the reconnection needs its explanations, which a person gives: it stays on the list.
        return False
    return True
