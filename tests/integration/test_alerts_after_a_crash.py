"""Alerts survive a crash (issue 20 point 2): each day's alerts are marked evaluated; a settlement run killed between
its commit and its alerts leaves the day unmarked, and the next `gridpay settle --through D`, or the nightly schedule,
evaluates it; a day evaluated already is not evaluated again."""

from datetime import date, datetime, timedelta
from unittest import mock

import pytest
from django.core.management import call_command

from gridpay.application.settlement.catch_up_settlement import settle_through
from gridpay.application.supply import evaluate_alerts as alerts_module
from gridpay.application.supply.evaluate_alerts import evaluate_alerts, evaluate_pending_alerts
from gridpay.data.models import AlertDay, Notification
from gridpay.interfaces.jobs import tasks
from tests.support.accounts import enrol
from tests.support.clock import SHANGHAI, FakeClock
from tests.support.readings import add_readings

pytestmark = pytest.mark.django_db
JAN1 = date(2025, 1, 1)
NIGHT = datetime(2025, 1, 4, 1, 30, tzinfo=SHANGHAI)


def low_balance_account() -> int:
    """An account that crosses the first alert level (50 yuan) on 2 January: 60 yuan, about 5.38 yuan a day."""
    account = enrol(1, opening_balance_fen=6_000, phone="13900000001")
    add_readings(account, first_day=JAN1, daily_kwh=["10.00"] * 3)
    return account.id


def test_a_run_killed_after_settling_leaves_its_alerts_to_the_next_settle_run(
    zj_tariff: str, capsys: pytest.CaptureFixture[str]
) -> None:
    account_id = low_balance_account()
    settle_through(through=date(2025, 1, 2), at=NIGHT)  # committed; killed before its alerts
    assert not Notification.objects.filter(account_id=account_id).exists()
    assert not AlertDay.objects.exists()

    call_command("settle", "--through", "2025-01-02")
    out = capsys.readouterr().out
    assert "没有待结算的读数" in out and "2025-01-02 提醒：" in out
    assert Notification.objects.filter(account_id=account_id, kind="low_balance_first").count() == 1
    assert list(AlertDay.objects.values_list("day", flat=True)) == [date(2025, 1, 2)]

    call_command("settle", "--through", "2025-01-02")  # evaluated: not again
    assert "提醒" not in capsys.readouterr().out
    call_command("settle", "--through", "2025-01-03")  # the next day: its settlement, then its alerts
    out = capsys.readouterr().out
    assert "2025-01-03：结算 1 户" in out and "提醒：" in out
    assert sorted(AlertDay.objects.values_list("day", flat=True)) == [date(2025, 1, 2), date(2025, 1, 3)]
    assert Notification.objects.filter(account_id=account_id, kind="low_balance_first").count() == 1


def test_alerts_killed_halfway_leave_the_day_unmarked_and_the_next_run_queues_nothing_twice(zj_tariff: str) -> None:
    account_id = low_balance_account()
    settle_through(through=date(2025, 1, 2), at=NIGHT)
    with mock.patch.object(alerts_module, "set_alert_states", side_effect=RuntimeError("killed")), \
            pytest.raises(RuntimeError):
        evaluate_alerts(day=date(2025, 1, 2), at=NIGHT)
    assert not AlertDay.objects.exists()  # the batch rolled back whole, and the day is not marked
    reports = evaluate_pending_alerts(through=date(2025, 1, 2), at=NIGHT)
    assert [(r.day, r.sent) for r in reports] == [(date(2025, 1, 2), {"low_balance_first": 1})]
    assert Notification.objects.filter(account_id=account_id).count() == 1
    assert evaluate_pending_alerts(through=date(2025, 1, 2), at=NIGHT) == []


def test_the_schedule_evaluates_every_day_left_unevaluated_in_date_order(zj_tariff: str, clock: FakeClock) -> None:
    account_id = low_balance_account()
    evaluate_alerts(day=JAN1, at=NIGHT)  # the first night went well
    settle_through(through=date(2025, 1, 2), at=NIGHT)  # the second: killed after settling
    clock.instant = datetime(2025, 1, 4, 1, 30, tzinfo=SHANGHAI)  # the third night: settles 3 January
    summary = tasks.settle_and_alert()
    assert "'2025-01-02': {'low_balance_first': 1}" in summary and "'2025-01-03'" in summary
    assert sorted(AlertDay.objects.values_list("day", flat=True)) == [JAN1 + timedelta(days=n) for n in range(3)]
    assert Notification.objects.filter(account_id=account_id, kind="low_balance_first").count() == 1
