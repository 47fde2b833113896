"""The arrears procedure (停电催费) in the console: an account's timeline and the next step's form, taken as the
signed-in person; refusals shown with nothing written; the role queues; the station head's late-fee waiver."""

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.postpaid.accrue_late_fees import accrue_late_fees
from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import (
    Account,
    ArrearsCase,
    AuditRecord,
    GridStaff,
    LateFeeWaiver,
    MeterCommand,
    PostpaidBill,
    Village,
)
from gridpay.domain.arrears_procedure import Execute, ServeYellowNotice, Stage
from gridpay.domain.staff_roles import Role
from tests.e2e.test_web_english import chinese_left, data_texts, in_english
from tests.support.arrears import (
    BILLED,
    COLLECTOR,
    OPENED,
    PAY_BY,
    PLANNED,
    PLANNED_DAY,
    overdue_account,
    take,
    through_approval,
    through_phone_notice,
    through_red_notice,
)
from tests.support.clock import FakeClock, local

pytestmark = pytest.mark.django_db
PASSWORD = "Gridpay-2026!"
NAMES = {Role.GRID_STAFF: "陈嘉涵", Role.SUPERVISOR: "林班长", Role.STATION_HEAD: "王所长", Role.CASHIER: "张敏",
         Role.METERING: "计量李工", Role.COMPANY: "公司刘科", Role.ADMIN: "管理员", Role.ACCOUNTANT: "核算周会计"}
ACCOUNT = "3301000001"
CASE_PAGE = f"/customers/{ACCOUNT}/arrears/"
STEP = f"/customers/{ACCOUNT}/arrears/step"


def signed_in(role: Role) -> Client:
    """Signed in at the clock's instant (a session lasts a working day, and the tests move the clock by days)."""
    if not get_user_model().objects.filter(username=role.value).exists():
        add_staff(username=role.value, name=NAMES[role], role=role.value, password=PASSWORD)
    client = Client()
    assert client.login(username=role.value, password=PASSWORD)
    return client


def actor(role: Role) -> str:
    return f"{NAMES[role]}（{role.value}）"


def case() -> ArrearsCase:
    return ArrearsCase.objects.get(account__account_no=ACCOUNT)


def text_of(html: str) -> str:
    """What the page says, as one line of text (tags out, spaces folded)."""
    main = html[html.index("<main>"):]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


@pytest.fixture
def overdue(zj_tariff: str, clock: FakeClock) -> Account:
    """Billed 134.50 yuan on 25 January 2025, due 9 February, unpaid: its case opened on 10 February, where the
    clock stands."""
    staff = GridStaff.objects.create(name="陈嘉涵", phone="0595-1")
    Village.objects.create(name="东村", town="测试镇", grid_staff=staff)
    account = overdue_account(village="东村")
    clock.instant = local(OPENED, 10)
    return account


def test_a_collector_serves_the_yellow_notice_through_the_page(overdue: Account) -> None:
    client = signed_in(Role.GRID_STAFF)
    page = client.get(CASE_PAGE).content.decode()
    assert 'id="step-serve_yellow_notice"' in page and 'name="pay_by"' in page and 'name="planned"' in page
    assert f'name="amount_fen" value="{BILLED}"' in page  # the notice states what is owed now

    answer = client.post(STEP, {"step": "serve_yellow_notice", "amount_fen": BILLED, "pay_by": "2025-02-17",
                                "planned": "2025-02-26T10:00"})

    assert answer.status_code == 302 and answer["Location"] == f"{CASE_PAGE}?done=serve_yellow_notice"
    row = case()
    assert row.stage == Stage.YELLOW_NOTICE and row.yellow_by == actor(Role.GRID_STAFF)
    assert row.yellow_amount_fen == BILLED and row.yellow_pay_by == date(2025, 2, 17)
    assert row.yellow_planned_at == local(PLANNED_DAY, 10)  # typed on the utility's clock
    audit = AuditRecord.objects.get(action="arrears.serve_yellow_notice")
    assert audit.actor == actor(Role.GRID_STAFF) and audit.new["roles"] == ["grid_staff"]
    shown = text_of(client.get(answer["Location"]).content.decode())
    assert "已记录「送催费通知单」" in shown and "已送催费通知单" in shown  # the new stage
    assert "送达催费通知单 陈嘉涵（grid_staff） 金额 134.50 元，交费期限 2025-02-17，计划停电 2025-02-26 10:00" in shown
    # The red notice's form restates what the yellow one promised.
    red = client.get(CASE_PAGE).content.decode()
    assert 'value="2025-02-17"' in red and 'value="2025-02-26T10:00"' in red


def test_a_step_refused_to_the_wrong_role_is_shown_in_chinese_and_changes_nothing(overdue: Account) -> None:
    cashier = signed_in(Role.CASHIER)
    page = cashier.get(CASE_PAGE).content.decode()
    assert "可办：网格员、班长" in text_of(page) and "<form class=\"inline step\"" not in page  # no form offered

    answer = cashier.post(STEP, {"step": "serve_yellow_notice", "amount_fen": BILLED, "pay_by": "2025-02-17",
                                 "planned": "2025-02-26T10:00"})

    assert answer.status_code == 403
    assert "「送催费通知单」须由网格员、班长办理" in answer.content.decode()
    head = signed_in(Role.STATION_HEAD)
    skipped = head.post(STEP, {"step": "approve"})
    assert skipped.status_code == 409
    assert "当前为「逾期欠费，待送催费通知单」，不能办理「停电审批」" in skipped.content.decode()
    row = case()
    assert row.stage == Stage.OVERDUE and row.yellow_at is None and row.approved_at is None
    assert not AuditRecord.objects.filter(action__startswith="arrears.").exists()


def test_a_notice_the_rules_refuse_keeps_what_was_typed_and_writes_nothing(overdue: Account) -> None:
    client = signed_in(Role.GRID_STAFF)
    answer = client.post(STEP, {"step": "serve_yellow_notice", "amount_fen": BILLED, "pay_by": "2025-02-17",
                                "planned": "2025-02-16 10:00"})
    body = answer.content.decode()
    assert answer.status_code == 422 and "计划停电时间 2025-02-16 10:00 应在交费期限 2025-02-17 之后" in body
    assert 'value="2025-02-16 10:00"' in body  # typed again by nobody
    bad = client.post(STEP, {"step": "serve_yellow_notice", "amount_fen": BILLED, "pay_by": "", "planned": "明天"})
    assert bad.status_code == 422 and "请输入时间，例如 2026-12-23 10:00" in bad.content.decode()
    assert case().yellow_at is None


def test_the_station_heads_queue_lists_an_approval_and_the_collectors_do_not(
    overdue: Account, clock: FakeClock
) -> None:
    through_red_notice(overdue)
    clock.instant = local(date(2025, 2, 19), 9)

    head = signed_in(Role.STATION_HEAD).get("/arrears/queue/").content.decode()

    assert "催费待办" in head and "待审批停电（1）" in head
    assert f'href="{CASE_PAGE}#step-approve"' in head and "东村" in head and "02-26 10:00" in head
    collector = signed_in(Role.GRID_STAFF).get("/arrears/queue/").content.decode()
    assert "待审批停电" not in collector and "#step-approve" not in collector
    assert "待传停电工作票（0）" in collector
    company = signed_in(Role.COMPANY).get("/arrears/queue/").content.decode()
    assert "待审批停电（0）" in company  # a residential account is the station head's
    approved = signed_in(Role.STATION_HEAD).post(STEP, {"step": "approve"})
    assert approved.status_code == 302 and case().approved_by == actor(Role.STATION_HEAD)


def test_the_timeline_shows_the_steps_and_who_takes_the_next_one(overdue: Account, clock: FakeClock) -> None:
    through_approval(overdue)
    clock.instant = local(date(2025, 2, 24), 11)

    page = signed_in(Role.CASHIER).get(CASE_PAGE).content.decode()
    shown = text_of(page)

    assert "停电已批准" in shown  # the stage
    events = ["立案（逾期欠费） 系统", "送达催费通知单 张三（zhang）", "送达中止供电通知书 张三（zhang）",
              "批准停电 王所长（wang） 所长"]
    positions = [shown.index(event) for event in events]
    assert positions == sorted(positions)
    assert "2025-02-18 10:00" in shown and "客户已签收" in shown  # times on the utility's clock
    assert "停电工作票传计量班 · 可办：网格员、班长" in shown and "须在 2025-02-26 00:00 前" in shown
    assert "您的角色不能办理这一步" in shown and 'id="id_for_day"' not in page
    # The bill, what it owes and its late fee.
    assert "2025013301000001" in shown and "2025-02-09" in shown and "134.50" in shown
    collector = signed_in(Role.GRID_STAFF).get(CASE_PAGE).content.decode()
    assert 'id="id_for_day" value="2025-02-26"' in collector  # the ticket's day is the planned one


def test_a_step_not_allowed_yet_says_why_and_offers_no_form(overdue: Account, clock: FakeClock) -> None:
    through_approval(overdue)
    clock.instant = local(date(2025, 2, 26), 8)  # the day itself: too late for the ticket
    page = signed_in(Role.GRID_STAFF).get(CASE_PAGE).content.decode()
    assert "暂不能办：停电工作票最迟应在计划停电前一日（2025-02-25）传计量班" in page
    assert 'id="id_for_day"' not in page


def test_a_refusal_to_sign_goes_to_the_supervisor_through_the_queue(overdue: Account, clock: FakeClock) -> None:
    take(overdue, ServeYellowNotice(amount_fen=BILLED, pay_by=PAY_BY, planned_disconnection_at=PLANNED), COLLECTOR,
         local(OPENED, 10))
    clock.instant = local(date(2025, 2, 18), 10)
    collector = signed_in(Role.GRID_STAFF)
    short = collector.post(STEP, {"step": "deliver_red_notice", "amount_fen": BILLED, "pay_by": "2025-02-25",
                                  "planned": "2025-02-26T10:00", "signed": "refused", "refusal_note": "拒签"})
    assert short.status_code == 422 and "客户拒签，须详细记录当时情况（至少 10 个字）" in short.content.decode()
    refused = collector.post(STEP, {"step": "deliver_red_notice", "amount_fen": BILLED, "pay_by": "2025-02-25",
                                    "planned": "2025-02-26T10:00", "signed": "refused",
                                    "refusal_note": "客户拒绝签字，称电费有误，已当面解释并拍照留存"})
    assert refused.status_code == 302 and case().stage == Stage.REFUSAL_PENDING

    supervisor = signed_in(Role.SUPERVISOR)
    queue = supervisor.get("/arrears/queue/").content.decode()
    assert "待知悉的拒签（1）" in queue and "#step-acknowledge_refusal" in queue
    assert "#step-acknowledge_refusal" not in signed_in(Role.STATION_HEAD).get("/arrears/queue/").content.decode()
    page = supervisor.get(CASE_PAGE).content.decode()
    assert "以班长身份知悉拒签" in page and "客户拒绝签字" in page
    assert supervisor.post(STEP, {"step": "acknowledge_refusal"}).status_code == 302
    row = case()
    assert row.stage == Stage.RED_NOTICE and row.supervisor_ack_by == actor(Role.SUPERVISOR)


def test_the_metering_team_sees_tomorrows_ticket_and_executes_today_through_the_page(
    overdue: Account, clock: FakeClock
) -> None:
    through_phone_notice(overdue)
    clock.instant = local(date(2025, 2, 25), 16)
    tomorrow = signed_in(Role.METERING).get("/arrears/queue/").content.decode()
    assert "明日停电工作票（1）" in tomorrow and "今日停电（0）" in tomorrow and ACCOUNT in tomorrow

    clock.instant = local(PLANNED_DAY, 10, 5)
    metering = signed_in(Role.METERING)
    today = metering.get("/arrears/queue/").content.decode()
    assert "今日停电（1）" in today and f'href="{CASE_PAGE}#step-execute"' in today
    page = metering.get(CASE_PAGE).content.decode()
    assert 'value="field"' in page  # the metering team may work in the field; a supervisor may not
    assert 'value="field"' not in signed_in(Role.SUPERVISOR).get(CASE_PAGE).content.decode()
    unverified = metering.post(STEP, {"step": "execute", "how": "field"})
    assert unverified.status_code == 422 and "现场停电须先核实需停电的表计" in unverified.content.decode()

    answer = metering.post(STEP, {"step": "execute", "how": "remote"})

    assert answer.status_code == 302
    row = case()
    assert row.stage == Stage.EXECUTED and row.executed_remote and row.executed_by == actor(Role.METERING)
    command = MeterCommand.objects.get(id=row.disconnect_command_id)
    shown = text_of(metering.get(answer["Location"]).content.decode())
    assert f"已下发远程命令 #{command.id}" in shown and "已停电" in shown
    assert "起复电工作票 · 可办：所有工作人员；交费后系统自动办理" in shown
    assert "暂不能办：尚欠电费 134.50 元，不能办理「起复电工作票」" in shown


def test_everyone_sees_the_reconnections_against_their_24_hours_and_the_late_ones_marked(
    overdue: Account, clock: FakeClock
) -> None:
    through_phone_notice(overdue)
    take(overdue, Execute(remote=False, meter_verified=True), frozenset({Role.METERING}), local(PLANNED_DAY, 10),
         by="计量李工（metering）")
    paid_at = local(PLANNED_DAY, 15)
    record_payment(account_no=ACCOUNT, amount_fen=20_000, channel="counter", channel_txn_id="R-1",
                   received_at=paid_at, business_day=PLANNED_DAY)
    assert case().stage == Stage.RECONNECTION_PENDING

    clock.instant = paid_at + timedelta(hours=2)
    cashier = signed_in(Role.CASHIER).get("/arrears/queue/").content.decode()
    assert "复电（24 小时时限）（1）" in cashier and "已超时" not in cashier
    assert "#step-complete_reconnection" not in cashier  # the cashier cannot complete it: no link

    clock.instant = paid_at + timedelta(hours=25)
    late = signed_in(Role.STATION_HEAD).get("/arrears/queue/").content.decode()
    assert 'class="late"' in late and "已超时" in late
    metering = signed_in(Role.METERING)
    queue = metering.get("/arrears/queue/").content.decode()
    assert "待现场复电（1）" in queue and "#step-complete_reconnection" in queue
    page = metering.get(CASE_PAGE).content.decode()
    assert "已超过时限：向客户说明的原因" in page
    unexplained = metering.post(STEP, {"step": "complete_reconnection"})
    assert unexplained.status_code == 422 and "须记录向客户和主管领导说明的情况" in unexplained.content.decode()
    done = metering.post(STEP, {"step": "complete_reconnection", "explain_customer": "暴雨道路中断，次日上午恢复供电",
                                "explain_supervisor": "暴雨道路中断，已电话报告所长同意"})
    assert done.status_code == 302 and case().stage == Stage.RECONNECTED
    assert "暴雨道路中断" in metering.get(CASE_PAGE).content.decode()


def test_the_waiver_form_is_the_station_heads_alone(overdue: Account, clock: FakeClock) -> None:
    accrue_late_fees(through=date(2025, 2, 20), at=local(date(2025, 2, 20), 2))
    bill = PostpaidBill.objects.get(account__account_no=ACCOUNT)
    assert bill.late_fee_fen > 0
    clock.instant = local(date(2025, 2, 20), 10)
    waive = f"/customers/{ACCOUNT}/arrears/waive"

    collector = signed_in(Role.GRID_STAFF)
    assert "减免违约金" not in collector.get(CASE_PAGE).content.decode()
    refused = collector.post(waive, {"bill_no": bill.bill_no, "reason": "低保户，所务会同意"})
    assert refused.status_code == 403
    admin = signed_in(Role.ADMIN)
    assert admin.post(waive, {"bill_no": bill.bill_no, "reason": "低保户，所务会同意"}).status_code == 403

    head = signed_in(Role.STATION_HEAD)
    assert 'action="/customers/3301000001/arrears/waive"' in head.get(CASE_PAGE).content.decode()
    no_reason = head.post(waive, {"bill_no": bill.bill_no, "reason": ""})
    assert no_reason.status_code == 422
    assert not LateFeeWaiver.objects.exists()

    answer = head.post(waive, {"bill_no": bill.bill_no, "reason": "低保户，所务会同意"})

    assert answer.status_code == 302
    waiver = LateFeeWaiver.objects.get()
    assert waiver.amount_fen == bill.late_fee_fen and waiver.by == actor(Role.STATION_HEAD)
    assert waiver.reason == "低保户，所务会同意"
    page = head.get(answer["Location"]).content.decode()
    assert f"电费单 {bill.bill_no} 的违约金已减免" in page and 'name="reason"' not in page  # nothing left to waive


def test_pages_need_sign_in_and_the_menu_links_the_queue_for_who_has_work(overdue: Account, client: Client) -> None:
    for path in (CASE_PAGE, "/arrears/queue/"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer["Location"].startswith("/login/")
    assert client.post(STEP, {"step": "approve"}).status_code == 302
    assert case().approved_at is None
    for role in Role:
        menu = signed_in(role).get("/").content.decode()
        # The counter and the accountant take no step of the procedure.
        assert ('href="/arrears/queue/"' in menu) is (role not in {Role.CASHIER, Role.ACCOUNTANT}), role
    assert "停电催费进度" in signed_in(Role.GRID_STAFF).get(f"/customers/{ACCOUNT}/").content.decode()


def test_the_timeline_and_the_queue_speak_english_after_the_switch(overdue: Account, clock: FakeClock) -> None:
    through_red_notice(overdue)  # the first account waits for the head's approval
    second = overdue_account(2, village="东村")  # the second is disconnected in the field, paid, and late
    through_phone_notice(second)
    take(second, Execute(remote=False, meter_verified=True), frozenset({Role.METERING}), local(PLANNED_DAY, 10),
         by="计量李工（metering）")
    record_payment(account_no=second.account_no, amount_fen=20_000, channel="counter", channel_txn_id="R-2",
                   received_at=local(PLANNED_DAY, 11), business_day=PLANNED_DAY)
    accrue_late_fees(through=PLANNED_DAY, at=local(PLANNED_DAY, 2))
    clock.instant = local(date(2025, 2, 27), 12)
    pages = {}
    for role in (Role.STATION_HEAD, Role.METERING, Role.GRID_STAFF):
        client = in_english(signed_in(role))
        for path in (CASE_PAGE, f"/customers/{second.account_no}/arrears/", "/arrears/queue/"):
            pages[f"{role} {path}"] = client.get(path).content.decode()
    head = in_english(signed_in(Role.STATION_HEAD))
    pages["refusal"] = head.post(STEP, {"step": "issue_ticket", "for_day": "2025-02-26"}).content.decode()
    pages["bad form"] = head.post(STEP, {"step": "serve_yellow_notice", "planned": "x"}).content.decode()
    pages["done"] = head.get(f"{CASE_PAGE}?done=approve&command=7").content.decode()
    third = overdue_account(3)
    cashier = in_english(signed_in(Role.CASHIER))
    cashier_refused = cashier.post(f"/customers/{third.account_no}/arrears/step", {
        "step": "serve_yellow_notice", "amount_fen": BILLED, "pay_by": "2025-03-01", "planned": "2025-03-12 10:00",
    }).content.decode()
    pages["role refusal"] = cashier_refused

    data = data_texts()  # the staff's names among them
    left = {path: chinese_left(html, data) for path, html in pages.items()}

    assert {path: texts for path, texts in left.items() if texts} == {}
    assert "Approve the disconnection" in pages["station_head /arrears/queue/"]
    assert ("The case stands at “Disconnection notice delivered”: “Pass the work ticket to the metering team” cannot "
            "be taken") in pages["refusal"]
    assert "“Serve the reminder notice” is taken by Grid staff, Supervisor" in cashier_refused
    assert "Field reconnections (1)" in pages["metering /arrears/queue/"]
    assert "Disconnection carried out" in pages[f"metering /customers/{second.account_no}/arrears/"]
