"""Work lists in the console: arrears by village and grid staff with exports, and the grid staff's call list."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from openpyxl import load_workbook

from gridpay.application.staff.add_staff import add_staff
from gridpay.application.supply.call_tasks import open_call_task_for
from gridpay.data.models import Account, AuditRecord, CallTask, GridStaff, Village
from gridpay.data.models.field_work import CallReason
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.clock import FakeClock, current_instant

pytestmark = [pytest.mark.django_db, pytest.mark.dates]
PASSWORD = "Gridpay-2026!"


@pytest.fixture
def villages(zj_tariff: str, clock: FakeClock) -> None:
    chen = GridStaff.objects.create(name="陈嘉涵", phone="0595-1")
    zhou = GridStaff.objects.create(name="周木顺", phone="0595-2")
    Village.objects.create(name="东村", town="测试镇", grid_staff=chen)
    Village.objects.create(name="西村", town="测试镇", grid_staff=zhou)
    enrol(1, opening_balance_fen=-1_000, village="东村")
    enrol(2, opening_balance_fen=-2_500, village="西村")
    enrol(3, opening_balance_fen=5_000, village="东村")
    today = clock.today()
    for number in (1, 2):
        account_id = Account.objects.get(account_no=f"33010{number:05d}").id
        open_call_task_for(account_id=account_id, reason=CallReason.ARREARS_SMS, due_on=today, at=current_instant())


def signed_in(role: Role, name: str = "") -> Client:
    add_staff(username=role.value, name=name or role.label, role=role.value, password=PASSWORD)
    client = Client()
    client.login(username=role.value, password=PASSWORD)
    return client


def test_arrears_are_listed_filtered_and_exported(villages: None) -> None:
    client = signed_in(Role.SUPERVISOR)
    page = client.get("/arrears/").content.decode()
    assert "2 户，欠费合计 35.00 元" in page and "3301000001" in page and "3301000003" not in page
    west = client.get("/arrears/?staff=周木顺").content.decode()
    assert "3301000002" in west and "3301000001" not in west
    exported = client.get("/arrears/?village=东村&export=csv")
    assert exported["Content-Type"] == "text/csv"
    text = exported.content.decode("utf-8-sig").splitlines()
    assert text[0].startswith("村/社区,网格员,户号") and len(text) == 2 and "-10.00" in text[1]
    workbook = load_workbook(io.BytesIO(client.get("/arrears/?export=xlsx").content))
    rows = list(workbook.active.values)  # type: ignore[union-attr]
    assert rows[0][2] == "户号" and len(rows) == 3 and sum(float(r[6]) for r in rows[1:]) == -35.0


def test_cashiers_have_no_work_lists(villages: None) -> None:
    client = signed_in(Role.CASHIER)
    assert client.get("/arrears/").status_code == 403 and client.get("/calls/").status_code == 403


def test_a_grid_staff_member_works_their_own_call_list(villages: None, clock: FakeClock) -> None:
    client = signed_in(Role.GRID_STAFF, name="陈嘉涵")
    page = client.get("/calls/?staff=周木顺").content.decode()  # their own, whatever they ask
    mine = CallTask.objects.filter(grid_staff__name="陈嘉涵", outcome="pending", due_on__lte=clock.today())
    assert "3301000001" in page and "3301000002" not in page and f"待拨打 {mine.count()} 个" in page
    task = CallTask.objects.get(account__account_no="3301000001", reason="arrears_sms")
    answer = client.post("/calls/", {"task_id": task.id, "outcome": "reached", "note": "答应明天交"})
    assert answer.status_code == 302
    task.refresh_from_db()
    assert (task.outcome, task.note, task.done_by) == ("reached", "答应明天交", "陈嘉涵")
    assert f"待拨打 {mine.count()} 个" in client.get("/calls/").content.decode()
    bad = client.post("/calls/", {"task_id": task.id + 99, "outcome": "reached"})
    assert bad.status_code == 422
    # Another's call (西村's, 周木顺's) is not theirs to record (issue 20 point 6): refused, nothing written.
    theirs = CallTask.objects.get(account__account_no="3301000002", reason="arrears_sms")
    refused = client.post("/calls/", {"task_id": theirs.id, "outcome": "reached"})
    assert refused.status_code == 422 and "网格员只能记录自己的电话任务" in refused.content.decode()
    theirs.refresh_from_db()
    assert theirs.outcome == "pending"
    assert AuditRecord.objects.filter(target=f"call_task:{task.id}", actor__contains="陈嘉涵").count() == 1


def test_the_queues_show_commands_under_way_failed_and_the_protected_accounts(villages: None) -> None:
    from gridpay.data.models import Meter, MeterCommand, WorkOrder

    account = Account.objects.get(account_no="3301000001")
    meter = Meter.objects.get(account=account)
    now = current_instant()
    MeterCommand.objects.create(meter=meter, account=account, action="disconnect", status="queued", reason="欠费",
                                created_at=now, next_attempt_at=now)
    MeterCommand.objects.create(meter=meter, account=account, action="disconnect", status="escalated",
                                reason="欠费", created_at=now, next_attempt_at=now, last_error="表计无应答")
    WorkOrder.objects.create(key="p-1", kind="protected_review", account=Account.objects.get(account_no="3301000002"),
                             opened_at=now, detail="保电户欠费 25.00 元")
    page = signed_in(Role.SUPERVISOR).get("/queues/").content.decode()
    assert "保电户欠费待处理（1）" in page and "保电户欠费 25.00 元" in page
    assert "进行中的停复电命令（1）" in page and "失败或转工单的命令（1）" in page and "表计无应答" in page
    assert signed_in(Role.CASHIER, name="营业员").get("/queues/").status_code == 403


def test_the_call_list_pages_through_every_call_and_wants_an_outcome_chosen(villages: None, clock: FakeClock) -> None:
    from gridpay.application.supply.call_tasks import PAGE_SIZE

    east = Account.objects.get(account_no="3301000003")  # 东村, 陈嘉涵's
    today = clock.today()
    for days in range(1, PAGE_SIZE + 5):  # older calls before enabling, more than a page of them
        open_call_task_for(account_id=east.id, reason=CallReason.BEFORE_ENABLING, due_on=today - timedelta(days=days),
                           at=current_instant())
    open_call_task_for(account_id=east.id, reason=CallReason.AFTER_DISCONNECTION, due_on=today, at=current_instant())
    client = signed_in(Role.GRID_STAFF, name="陈嘉涵")
    mine = CallTask.objects.filter(grid_staff__name="陈嘉涵", outcome="pending", due_on__lte=today).count()

    page = client.get("/calls/").content.decode()

    assert f"待拨打 {mine} 个" in page and "今日必打 2 个" in page
    assert "停电当日</span> 1" in page and f"开通智能交费前</span> {mine - 2}" in page
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]
    assert len(rows) == PAGE_SIZE and all("今日必打" in row for row in rows[:2])
    assert "停电当日" in rows[0] and "第 1 / 2 页" in page and 'href="?page=2"' in page
    assert '<select name="outcome" aria-label="通话结果" required><option value="">选择结果</option>' in page
    second = client.get("/calls/?page=2").content.decode()
    assert second.count('name="task_id"') == mine - PAGE_SIZE and "第 2 / 2 页" in second
    assert 'href="?page=1"' in second and "今日必打 2 个" in second  # the counts are the whole list's
    supervisor = signed_in(Role.SUPERVISOR, name="班长")
    assert 'href="?staff=%E9%99%88%E5%98%89%E6%B6%B5&amp;page=2"' in supervisor.get(
        "/calls/?staff=陈嘉涵").content.decode()

    task = CallTask.objects.get(account=east, reason="after_disconnection")
    refused = client.post("/calls/", {"task_id": task.id, "outcome": "", "note": "没选结果"})
    assert refused.status_code == 422 and "请选择通话结果" in refused.content.decode()
    task.refresh_from_db()
    assert task.outcome == "pending" and task.note == ""
