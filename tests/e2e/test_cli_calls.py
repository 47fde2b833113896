"""`gridpay calls list` puts today's urgent calls first and counts each kind; `gridpay sms list` says when a message
was sent, and that an unsent one is not."""

from datetime import timedelta

import pytest

from gridpay.application.supply.call_tasks import open_call_task_for
from gridpay.data.models import CallTask, GridStaff, Notification, Village
from gridpay.data.models.field_work import CallReason
from tests.support.accounts import enrol
from tests.support.cli import run_in_process
from tests.support.clock import FakeClock, current_instant, local

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_the_call_list_starts_with_todays_urgent_calls(
    zj_tariff: str, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    Village.objects.create(name="东村", town="测试镇", grid_staff=GridStaff.objects.create(name="陈嘉涵", phone="1"))
    old, cut = enrol(1, village="东村"), enrol(2, village="东村")
    CallTask.objects.all().delete()
    today = clock.today()
    open_call_task_for(account_id=old.id, reason=CallReason.ARREARS_SMS, due_on=today - timedelta(days=1),
                       at=current_instant())
    open_call_task_for(account_id=cut.id, reason=CallReason.AFTER_DISCONNECTION, due_on=today, at=current_instant())

    listed = run_in_process(capsys, "calls", "list", "--staff", "陈嘉涵")

    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("待拨打 2 个，今日必打 1 个（停电当日 1；欠费停电短信当日 1）")
    assert f"{today} 【今日必打】停电当日" in lines[1] and "3301000002" in lines[1]
    assert f"{today - timedelta(days=1)} 欠费停电短信当日" in lines[2] and "陈嘉涵" not in lines[2]
    everyone = run_in_process(capsys, "calls", "list").stdout.splitlines()
    assert "陈嘉涵" in everyone[1]  # without --staff each line says whose it is


def test_the_sms_list_shows_the_sending_time(clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    morning = local(clock.today(), 8, 0)
    Notification.objects.create(key="a", phone="13900000001", kind="arrears", text="已欠费", status="sent",
                                created_at=morning - timedelta(hours=10), not_before=morning, sent_at=morning)
    Notification.objects.create(key="b", phone="13900000002", kind="arrears", text="待发的", created_at=morning,
                                not_before=morning)

    listed = run_in_process(capsys, "sms", "list").stdout.splitlines()

    assert listed[0].startswith("未发出") and "待发的" in listed[0]
    assert listed[1].startswith(f"{morning:%m-%d} 08:00") and "已欠费" in listed[1]
