"""After settlement: an account whose balance fell below its agreement's threshold gets one withholding request."""

from datetime import date, datetime

from django.db import IntegrityError, transaction

from gridpay.data.models import WithholdingAgreement, WithholdingRequest
from gridpay.data.models.withholding import OPEN_REQUEST


def queue_withholdings(*, at: datetime, business_day: date) -> int:
    """Returns how many requests were queued; an agreement with a request still open queues nothing more."""
    due = (
        WithholdingAgreement.objects.filter(active=True, account__status="active")
        .exclude(requests__status__in=OPEN_REQUEST)
        .values_list("id", "amount_fen", "threshold_fen", "account__ledger_account__balance_fen")
        .order_by("id")  # requests in agreement order: a bank file lists them the same way on every database
    )
    queued = 0
    for agreement_id, amount, threshold, balance in due.iterator(chunk_size=5_000):
        if balance >= threshold:
            continue
        try:
            with transaction.atomic():
                WithholdingRequest.objects.create(
                    agreement_id=agreement_id, amount_fen=amount, queued_at=at, business_day=business_day
                )
            queued += 1
        except IntegrityError:
            pass  # queued by a concurrent run: once is what the partial unique index allows
    return queued
