"""`gridpay collection campaign|bundle|follow-up|untouched` as staff type them, through a whole campaign month:
plan on the 5th, a round done on the 12th, the bundle and the follow-up list on the 19th, the report at month end."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from gridpay.application.collection.assign_to_area import assign_to_area
from gridpay.application.collection.set_area_collector import set_area_collector
from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import AuditRecord, CampaignRound, FollowUp, Notification, Village
from gridpay.domain.collection_campaign import MONEY
from gridpay.domain.staff_roles import Role
from tests.support.arrears import overdue_account
from tests.support.cli import run_in_process
from tests.support.clock import FakeClock, local

pytestmark = pytest.mark.django_db
PASSWORD = "Gr1dpay-test-pass"
AT = datetime(2025, 1, 2, 2, tzinfo=UTC)


@pytest.fixture
def town(zj_tariff: str, clock: FakeClock) -> tuple[str, str]:
    Village.objects.create(name="东村", town="测试镇", latitude="30.000000", longitude="120.000000")
    Village.objects.create(name="西村", town="测试镇", latitude="30.000000", longitude="120.050000")
    east = overdue_account(1, village="东村", phone="13800138001", address="东村1号")
    west = overdue_account(2, village="西村", phone="13800138002", address="西村5号")
    for username, name, role in (("wang", "王收费", "grid_staff"), ("ban", "赵班长", "supervisor")):
        add_staff(username=username, name=name, role=role, password=PASSWORD)
    roles = frozenset({Role.SUPERVISOR})
    set_area_collector(area="东片", collector="王收费", phone="13900000001", valid_from=date(2025, 1, 1),
                       actor="班长", roles=roles, at=AT)
    for village in ("东村", "西村"):
        assign_to_area(area="东片", village=village, valid_from=date(2025, 1, 1), actor="班长", roles=roles, at=AT)
    return east.account_no, west.account_no


def test_a_campaign_month_from_the_command_line(town: tuple[str, str], clock: FakeClock,
                                                capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    east, west = town
    clock.instant = local(date(2025, 2, 5), 9)
    planned = run_in_process(capsys, "collection", "campaign", "plan", "--month", "2025-02", "--as", "ban")
    assert planned.returncode == 0, planned.stderr
    assert "2025-02-12 至 2025-02-18" in planned.stdout and "王收费：2 个村，2 天" in planned.stdout

    clock.instant = local(date(2025, 2, 12), 9)
    shown = run_in_process(capsys, "collection", "campaign", "show", "--collector", "王收费", "--date", "2025-02-12")
    assert shown.returncode == 0, shown.stderr
    assert "第1站 东村" in shown.stdout and "广播：东村的乡亲们" in shown.stdout and "西村" not in shown.stdout
    assert not MONEY.search(shown.stdout)
    sms = run_in_process(capsys, "collection", "campaign", "sms")
    assert sms.returncode == 0 and "新排发短信 1 条" in sms.stdout
    assert Notification.objects.get(kind="campaign_reminder").phone == "13800138001"
    round_id = CampaignRound.objects.get(village__name="东村").id
    done = run_in_process(capsys, "collection", "campaign", "done", "--round", str(round_id), "--as", "wang",
                          "--note", "村口喊话")
    assert done.returncode == 0, done.stderr
    assert "王收费（wang） 于 2025-02-12 09:00 完成" in done.stdout
    assert AuditRecord.objects.filter(action="collection.campaign_round_done").count() == 1

    clock.instant = local(date(2025, 2, 19), 9)
    pdf = tmp_path / "王收费.pdf"
    bundle = run_in_process(capsys, "collection", "bundle", "--collector", "王收费", "--out", str(pdf))
    assert bundle.returncode == 0, bundle.stderr
    assert "电费通知单 2 份，合计 269.00 元" in bundle.stdout
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert text.index(east) < text.index(west)  # 东村 was the first stop

    listed = run_in_process(capsys, "collection", "follow-up", "list", "--collector", "王收费")
    assert listed.returncode == 0 and "本月尚未联系 2 户" in listed.stdout
    recorded = run_in_process(capsys, "collection", "follow-up", "record", "--account", east, "--how", "visit",
                              "--outcome", "promised", "--promised", "2025-02-22", "--as", "wang")
    assert recorded.returncode == 0, recorded.stderr
    assert "承诺 2025-02-22 前交费" in recorded.stdout and FollowUp.objects.count() == 1
    csv = tmp_path / "follow-up.csv"
    saved = run_in_process(capsys, "collection", "follow-up", "list", "--collector", "王收费", "--csv", str(csv))
    assert saved.returncode == 0, saved.stderr
    rows = csv.read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 3 and rows[1].split(",")[3] == east and rows[1].endswith(",是")

    clock.instant = local(date(2025, 2, 28), 18)
    report = run_in_process(capsys, "collection", "untouched", "--month", "2025-02")
    assert report.returncode == 0, report.stderr
    assert "欠费 2 户，无人联系 1 户" in report.stdout and west in report.stdout and east not in report.stdout
    assert "王收费" in report.stdout

    refused = run_in_process(capsys, "collection", "campaign", "plan", "--month", "2025-03", "--as", "wang")
    assert refused.returncode != 0 and "班长或所长" in refused.stderr
    bad_month = run_in_process(capsys, "collection", "untouched", "--month", "2025-13")
    assert bad_month.returncode == 2 and "YYYY-MM" in bad_month.stderr
    again = run_in_process(capsys, "collection", "bundle", "--collector", "王收费", "--out", str(pdf))
    assert again.returncode != 0 and "已存在" in again.stderr  # never overwritten
