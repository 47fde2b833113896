"""Sending the SMS outbox in chunks: each attempt counted, retried with backoff or failed, nothing sent twice by
concurrent senders, what was sent before an error kept; queuing once by key, in batches."""

import threading
import time
from datetime import date, datetime, timedelta
from functools import partial

import pytest
from pytest_django import DjangoAssertNumQueries

from gridpay.application.supply.send_notifications import (
    CHUNK,
    SendReport,
    send_notification,
    send_notifications,
)
from gridpay.application.supply.sms_outbox import Sms, queue_sms, queue_sms_batch
from gridpay.data.models import Account, Contact, Notification
from gridpay.data.queries.supply import account_contacts
from gridpay.data.supply_policy_store import load_policy
from gridpay.integrations.sms.provider import SmsFailed, SmsMessage
from tests.integration.test_control_loop import run_together
from tests.support.accounts import enrol
from tests.support.clock import local

AT = local(date(2025, 3, 11), 10)  # a Tuesday morning: SMS may go out
PHONES = [f"138{n:08d}" for n in range(2 * CHUNK + 5)]  # three chunks


class Provider:
    """Records what it sends; fails for the phones it is told to; may pause a little in each send (a vendor's
    HTTP call) so that concurrent senders overlap."""

    def __init__(self, failures: dict[str, BaseException] | None = None, pause_s: float = 0.0) -> None:
        self.failures = failures or {}
        self.pause_s = pause_s
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def send(self, message: SmsMessage) -> str:
        if message.phone in self.failures:
            raise self.failures[message.phone]
        if self.pause_s:
            time.sleep(self.pause_s)
        with self._lock:
            self.sent.append(message.phone)
        return f"id-{message.phone}"


def queue(phones: list[str], *, at: datetime = AT) -> None:
    for phone in phones:
        queue_sms(key=f"code:{phone}", phones=[phone], kind="sign_in_code", params={"code": "123456"},
                  account_id=None, policy=load_policy(), at=at, urgent=True)


def row(phone: str) -> Notification:
    return Notification.objects.get(phone=phone)


@pytest.mark.django_db
def test_a_batch_counts_each_attempt_backs_off_a_retryable_failure_and_fails_after_the_last() -> None:
    queue(PHONES)
    throttled = SmsFailed(code="isv.BUSINESS_LIMIT_CONTROL", message="触发流控", retryable=True)
    refused = SmsFailed(code="isv.MOBILE_NUMBER_ILLEGAL", message="号码格式错误", retryable=False)
    first_retry, third_retry, last_try, refused_phone = PHONES[5], PHONES[CHUNK + 2], PHONES[CHUNK + 3], PHONES[-1]
    Notification.objects.filter(phone=third_retry).update(attempts=2)
    Notification.objects.filter(phone=last_try).update(attempts=4)
    provider = Provider({first_retry: throttled, third_retry: throttled, last_try: throttled, refused_phone: refused})

    report = send_notifications(provider=provider, at=AT)

    assert (report.sent, report.retrying, report.failed) == (len(PHONES) - 4, 2, 2)
    failing = {first_retry, third_retry, last_try, refused_phone}
    assert provider.sent == [p for p in PHONES if p not in failing]  # in the outbox's order, each once
    sent = row(PHONES[0])
    assert (sent.status, sent.attempts, sent.sent_at, sent.provider_message_id) == ("sent", 1, AT, f"id-{PHONES[0]}")
    retry = row(first_retry)
    assert (retry.status, retry.attempts, retry.not_before) == ("pending", 1, AT + timedelta(seconds=60))
    assert retry.last_error == "isv.BUSINESS_LIMIT_CONTROL: 触发流控" and retry.sent_at is None
    assert (row(third_retry).attempts, row(third_retry).not_before) == (3, AT + timedelta(seconds=1800))
    assert (row(last_try).status, row(last_try).attempts) == ("failed", 5)
    refused_row = row(refused_phone)
    assert (refused_row.status, refused_row.attempts) == ("failed", 1)
    assert refused_row.last_error == "isv.MOBILE_NUMBER_ILLEGAL: 号码格式错误"

    again = send_notifications(provider=Provider(), at=AT)  # the retries are not due yet
    assert (again.sent, again.retrying, again.failed) == (0, 0, 0)
    later = Provider()
    assert send_notifications(provider=later, at=AT + timedelta(seconds=60)).sent == 1
    assert later.sent == [first_retry] and (row(first_retry).status, row(first_retry).attempts) == ("sent", 2)


@pytest.mark.django_db
def test_a_batch_takes_a_few_statements_a_chunk_not_a_few_an_sms(
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    queue(PHONES)
    chunks = -(-len(PHONES) // CHUNK)
    with django_assert_max_num_queries(2 + 4 * chunks):
        assert send_notifications(provider=Provider(), at=AT).sent == len(PHONES)


@pytest.mark.django_db
def test_an_unexpected_error_keeps_the_attempts_made_before_it_and_propagates() -> None:
    queue(PHONES[:10])
    with pytest.raises(ConnectionResetError):
        send_notifications(provider=Provider({PHONES[3]: ConnectionResetError("reset")}), at=AT)
    statuses = [(r.status, r.attempts) for r in Notification.objects.order_by("id")]
    assert statuses == [("sent", 1)] * 3 + [("pending", 0)] * 7
    rest = Provider()
    assert send_notifications(provider=rest, at=AT).sent == 7
    assert rest.sent == PHONES[3:10]  # the three sent before the error are not sent again


@pytest.mark.django_db
def test_one_row_goes_now_whatever_the_hour_and_once() -> None:
    night = local(date(2025, 3, 11), 23)
    queue(PHONES[:1], at=night)
    provider = Provider()
    (notification_id,) = Notification.objects.values_list("id", flat=True)
    assert send_notifications(provider=provider, at=night).held_for_quiet_hours == 1
    assert send_notification(notification_id=notification_id, provider=provider, at=night) == "sent"
    assert send_notification(notification_id=notification_id, provider=provider, at=night) == "skipped"
    assert provider.sent == PHONES[:1]
    with pytest.raises(Notification.DoesNotExist):
        send_notification(notification_id=notification_id + 1, provider=provider, at=night)


@pytest.mark.django_db
def test_a_batch_queues_each_key_once_across_its_inserts_in_the_messages_order() -> None:
    def messages(n: int) -> list[Sms]:
        return [Sms(f"alert:{i}", [f"139{i:08d}"], "sign_in_code", {"code": f"{i:06d}"}, None) for i in range(n)]

    policy = load_policy()
    assert queue_sms_batch(messages(150), policy=policy, at=AT) == 150
    assert queue_sms_batch(messages(700), policy=policy, at=AT) == 550  # more rows than one insert takes
    assert queue_sms_batch(messages(700), policy=policy, at=AT) == 0
    keys = list(Notification.objects.order_by("id").values_list("key", flat=True))
    assert keys == [f"alert:{i}:139{i:08d}" for i in range(700)]


@pytest.mark.django_db
def test_an_accounts_sms_go_to_its_sms_contacts_in_the_order_they_were_added(zj_tariff: str) -> None:
    account = enrol(1, phone="13800000001", opening_balance_fen=1_234)
    assert account_contacts(account_id=account.id).phones == ["13800000001"]
    for phone, receives in (("13900000003", True), ("13900000001", False), ("13900000002", True)):
        Contact.objects.create(account=account, name="家人", phone=phone, receives_sms=receives)
    contacts = account_contacts(account_id=account.id)
    assert contacts.phones == ["13800000001", "13900000003", "13900000002"]  # the owner's, enrolled first
    assert (contacts.account_no, contacts.customer_name, contacts.balance_fen) == ("3301000001", "测试用户1", 1_234)
    assert (contacts.grid_staff_id, contacts.grid_staff_phone) == (None, "")
    with pytest.raises(Account.DoesNotExist):
        account_contacts(account_id=account.id + 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_never_send_a_row_twice() -> None:
    """Two scheduled runs and sign-in sends at the same time, over the same due rows: each row goes out once."""
    for attempt in range(3):
        phones = [f"137{attempt}{n:07d}" for n in range(3 * CHUNK)]
        queue(phones)
        provider = Provider(pause_s=0.002)
        reports: list[SendReport] = []
        outcomes: list[str] = []
        ids = list(Notification.objects.filter(phone__in=phones).order_by("-id").values_list("id", flat=True))
        batch = partial(send_into, reports, provider)
        run_together(batch, batch, partial(send_one_by_one, outcomes, provider, ids[:10]))
        assert sorted(provider.sent) == sorted(phones)
        assert sum(r.sent for r in reports) + outcomes.count("sent") == len(phones)
        rows = Notification.objects.filter(phone__in=phones)
        assert set(rows.values_list("status", "attempts")) == {("sent", 1)}


def send_into(reports: list[SendReport], provider: Provider) -> None:
    reports.append(send_notifications(provider=provider, at=AT))


def send_one_by_one(outcomes: list[str], provider: Provider, ids: list[int]) -> None:
    outcomes.extend(send_notification(notification_id=i, provider=provider, at=AT) for i in ids)
