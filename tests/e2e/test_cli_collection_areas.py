"""`gridpay collection areas|area-collector|area-assign|arrears` as a supervisor types them."""

import json
from datetime import date

import pytest

from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import Village
from tests.support.arrears import overdue_account
from tests.support.cli import run_in_process
from tests.support.clock import FakeClock, local

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zj_tariff")]
PASSWORD = "Gr1dpay-test-pass"


def test_a_supervisor_draws_an_area_and_sees_who_answers_for_the_arrears(
    clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    Village.objects.create(name="东村", town="测试镇")
    account = overdue_account(1, village="东村")
    add_staff(username="ban", name="班长甲", role="supervisor", password=PASSWORD)
    add_staff(username="li", name="李营业员", role="cashier", password=PASSWORD)
    clock.instant = local(date(2025, 3, 2), 9)

    refused = run_in_process(capsys, "collection", "area-collector", "--area", "东片", "--collector", "王收费",
                             "--phone", "13800000001", "--as", "li")
    assert refused.returncode == 1 and "只有班长或所长可以指定片区收费员" in refused.stderr
    named = run_in_process(capsys, "collection", "area-collector", "--area", "东片", "--collector", "王收费",
                           "--phone", "13800000001", "--from", "2025-03-01", "--as", "ban")
    assert named.returncode == 0, named.stderr
    assert "片区 东片：自 2025-03-01 起由 王收费 负责（新片区）" in named.stdout
    assigned = run_in_process(capsys, "collection", "area-assign", "--area", "东片", "--village", "东村",
                              "--from", "2025-03-01", "--as", "ban")
    assert assigned.returncode == 0 and "东村：自 2025-03-01 起属片区 东片" in assigned.stdout
    replaced = run_in_process(capsys, "collection", "area-collector", "--area", "东片", "--collector", "李收费",
                              "--phone", "13800000002", "--as", "ban")
    assert replaced.returncode == 0 and "（原收费员 王收费）" in replaced.stdout

    areas = run_in_process(capsys, "collection", "areas")
    assert "片区 东片：收费员 李收费，1 户；范围：东村" in areas.stdout
    assert "王收费：2025-03-01 至 2025-03-02（不含）" in areas.stdout
    arrears = run_in_process(capsys, "collection", "arrears", "--json")
    lines = json.loads(arrears.stdout)
    assert [(line["collector"], line["area"], line["account"]["account_no"]) for line in lines] == [
        ("李收费", "东片", account.account_no)
    ]
