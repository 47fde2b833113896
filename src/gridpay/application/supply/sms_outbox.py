"""Puts an SMS in the notification outbox: rendered in Chinese, keyed once, held back until the quiet hours end."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from gridpay.data.models import Notification
from gridpay.data.notification_store import insert_new
from gridpay.domain.sms_texts import render
from gridpay.domain.supply_policy import SupplyPolicy, sms_allowed_at


@dataclass(frozen=True)
class Sms:
    key: str  # what makes it unique, with each phone
    phones: list[str]
    kind: str
    params: dict[str, str]
    account_id: int | None
    urgent: bool = False  # a sign-in code: due at once, it cannot wait for the quiet hours to end


def queue_sms(
    *, key: str, phones: list[str], kind: str, params: dict[str, str], account_id: int | None,
    policy: SupplyPolicy, at: datetime, urgent: bool = False,
) -> int:
    """One outbox row per phone; a key already queued is left alone (a job run twice sends once).

    An ``urgent`` message (a sign-in code) is due at once: it cannot wait for the quiet hours to end."""
    return queue_sms_batch([Sms(key, phones, kind, params, account_id, urgent)], policy=policy, at=at)


def queue_sms_batch(messages: Sequence[Sms], *, policy: SupplyPolicy, at: datetime) -> int:
    """Queues each message as queue_sms does, in one insert a few hundred rows (a batch run's thousands of alerts)
    that leaves a key already queued alone; the rows take their ids in the messages' order. How many rows were
    queued."""
    allowed_from = sms_allowed_at(policy=policy, at=at)
    rows: dict[str, Notification] = {}
    for sms in messages:
        text = render(kind=sms.kind, params=sms.params)
        for phone in dict.fromkeys(sms.phones):  # a phone listed twice gets one SMS
            key = f"{sms.key}:{phone}"[:120]
            rows.setdefault(key, Notification(
                key=key, account_id=sms.account_id, phone=phone, kind=sms.kind, params=sms.params, text=text,
                created_at=at, not_before=at if sms.urgent else allowed_from,
            ))
    return insert_new(list(rows.values()))


def month_day(day: date) -> str:
    return f"{day.month}月{day.day}日"
