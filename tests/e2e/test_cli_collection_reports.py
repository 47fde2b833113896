"""`gridpay collection report arrears|recovery|campaign-effect` as a supervisor types them."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from gridpay.application.collection.assign_to_area import assign_to_area
from gridpay.application.collection.set_area_collector import set_area_collector
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.settlement.settle_day import settle_day
from gridpay.data.models import Village
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.cli import run_in_process
from tests.support.clock import FakeClock, local
from tests.support.readings import add_readings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zj_tariff")]
SUPERVISOR = frozenset({Role.SUPERVISOR})
AT = datetime(2024, 12, 1, tzinfo=UTC)


def _february(clock: FakeClock) -> None:
    """东村 in 东片 (王收费): a household that ran out of money on 2 January, paid 50.00 on the 14th of February."""
    Village.objects.create(name="东村", town="测试镇")
    set_area_collector(area="东片", collector="王收费", phone="13800000001", valid_from=date(2025, 1, 1),
                       actor="班长", roles=SUPERVISOR, at=AT)
    assign_to_area(area="东片", village="东村", valid_from=date(2025, 1, 1), actor="班长", roles=SUPERVISOR, at=AT)
    account = enrol(1, village="东村", opening_balance_fen=1_000)
    add_readings(account, first_day=date(2025, 1, 1), daily_kwh=["10.00"] * 59)
    day = date(2025, 1, 1)
    while day <= date(2025, 2, 28):
        if day == date(2025, 2, 14):
            record_payment(account_no=account.account_no, amount_fen=5_000, channel="counter",
                           channel_txn_id="cli-1", received_at=local(day, 10), business_day=day)
        settle_day(day=day, at=local(day + timedelta(days=1), 1, 30))
        day += timedelta(days=1)
    clock.instant = local(date(2025, 3, 5), 9)


def test_the_three_reports_in_words_and_as_json(clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    _february(clock)

    arrears = run_in_process(capsys, "collection", "report", "arrears", "--month", "2025-02", "--months", "2")
    assert arrears.returncode == 0, arrears.stderr
    # 59 days × 5.38 − 10.00 − 50.00 = 257.42 owed at the end of February; 156.78 at the end of January.
    assert "2025-02-28 日终欠费：1 户，257.42 元" in arrears.stdout
    assert "东片  1 户  257.42 元" in arrears.stdout and "王收费  1 户  257.42 元" in arrears.stdout
    assert "东片  0.00  156.78  257.42" in arrears.stdout  # February and the two month ends before it
    as_json = json.loads(run_in_process(capsys, "collection", "report", "arrears", "--month", "2025-02",
                                        "--json").stdout)
    assert as_json["now"]["total"]["owed_fen"] == 25_742 and len(as_json["points"]) == 7

    recovery = run_in_process(capsys, "collection", "report", "recovery", "--month", "2025-02", "--months", "1")
    assert recovery.returncode == 0, recovery.stderr
    # January: its 10.00 covered 6 % of 166.78; February: 150.64 charged, none of it covered on the 28th.
    assert "全所 0.00%，应收 150.64 元，实收 0.00 元" in recovery.stdout
    assert "东村  6.00%  0.00%  月结月清：否（1 户未交清）" in recovery.stdout

    campaign = run_in_process(capsys, "collection", "report", "campaign-effect", "--month", "2025-02", "--json")
    effect = json.loads(campaign.stdout)
    assert [day["amount_fen"] for day in effect["days"] if day["in_campaign"]] == [0, 0, 5_000, 0, 0, 0, 0]
    assert effect["effect"]["inside"]["amount_fen"] == 714 and effect["effect"]["outside"]["amount_fen"] == 0
    words = run_in_process(capsys, "collection", "report", "campaign-effect", "--month", "2025-02")
    assert "★ 2025-02-14  1 笔  50.00 元" in words.stdout
    refused = run_in_process(capsys, "collection", "report", "campaign-effect", "--first-day", "18",
                             "--last-day", "12")
    assert refused.returncode == 1 and "催费活动日" in refused.stderr
    bad_month = run_in_process(capsys, "collection", "report", "recovery", "--month", "2025/02")
    assert bad_month.returncode != 0 and "YYYY-MM" in bad_month.stderr
