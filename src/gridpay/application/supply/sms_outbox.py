"""Puts an SMS in the notification outbox: rendered in Chinese, keyed once, held back until the quiet hours end."""

from datetime import date, datetime

from gridpay.data.models import Notification
from gridpay.domain.sms_texts import render
from gridpay.domain.supply_policy import SupplyPolicy, sms_allowed_at


def queue_sms(
    *, key: str, phones: list[str], kind: str, params: dict[str, str], account_id: int | None,
    policy: SupplyPolicy, at: datetime, urgent: bool = False,
) -> int:
    """One outbox row per phone; a key already queued is left alone (a job run twice sends once).

    An ``urgent`` message (a sign-in code) is due at once: it cannot wait for the quiet hours to end."""
    text = render(kind=kind, params=params)
    not_before = at if urgent else sms_allowed_at(policy=policy, at=at)
    queued = 0
    for phone in dict.fromkeys(phones):  # a phone listed twice gets one SMS
        _, created = Notification.objects.get_or_create(
            key=f"{key}:{phone}"[:120],
            defaults={
                "account_id": account_id, "phone": phone, "kind": kind, "params": params, "text": text,
                "created_at": at, "not_before": not_before,
            },
        )
        queued += created
    return queued


def month_day(day: date) -> str:
    return f"{day.month}月{day.day}日"
