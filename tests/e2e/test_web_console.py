"""The staff console over HTTP: sign-in, every page for every role, the counter payment and its receipt."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import AuditRecord, LedgerAccount, Payment, Village
from gridpay.domain.staff_roles import Role
from tests.support.accounts import enrol
from tests.support.clock import FakeClock, current_instant

pytestmark = [pytest.mark.django_db, pytest.mark.dates]
PASSWORD = "Gridpay-2026!"
PAGES = ["/", "/customers/?q=3301", "/customers/3301000001/"]


def signed_in(role: Role) -> Client:
    add_staff(username=role.value, name=f"{role.label}甲", role=role.value, password=PASSWORD)
    client = Client()
    assert client.login(username=role.value, password=PASSWORD)
    return client


@pytest.fixture
def town(zj_tariff: str) -> None:
    Village.objects.create(name="东村", town="测试镇")
    enrol(1, opening_balance_fen=-2_345, phone="13900000001", village="东村")
    enrol(2, opening_balance_fen=10_000)
    record_payment(account_no="3301000002", amount_fen=5_000, channel="wechat", channel_txn_id="W-1",
                   received_at=current_instant(), business_day=current_instant().date())


@pytest.mark.parametrize("path", [*PAGES, "/customers/3301000001/pay", "/receipts/GT1.pdf"])
def test_every_page_sends_a_stranger_to_sign_in(town: None, client: Client, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_dashboard_and_the_customer_file_in_chinese(town: None, role: Role) -> None:
    client = signed_in(role)
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    body = dashboard.content.decode()
    assert "余额为负" in body and "电费回收率" in body and "echarts.common.min.js" in body
    assert "微信支付" in body  # this month's payments by channel
    found = client.get("/customers/?q=测试用户")
    assert found.status_code == 200 and "3301000002" in found.content.decode()
    assert client.get("/customers/?q=3301000001").status_code == 302  # one hit: straight to the file
    page = client.get("/customers/3301000001/").content.decode()
    assert "可用余额" in page and "-23.45" in page and "测试用户1" in page
    assert ("收费并入账" in page) is (role in (Role.CASHIER, Role.SUPERVISOR, Role.STATION_HEAD, Role.ADMIN))


def test_a_user_without_a_role_is_refused_every_page(town: None) -> None:
    get_user_model().objects.create_user(username="nobody", password=PASSWORD)
    client = Client()
    client.login(username="nobody", password=PASSWORD)
    for path in PAGES:
        answer = client.get(path)
        assert answer.status_code == 403 and "无权访问" in answer.content.decode()


def test_a_cashier_takes_a_payment_once_and_prints_its_receipt(town: None) -> None:
    client = signed_in(Role.CASHIER)
    page = client.get("/customers/3301000001/").content.decode()
    receipt_no = page.split('name="receipt_no" value="')[1].split('"')[0]
    form = {"amount_yuan": "100.00", "receipt_no": receipt_no}
    answer = client.post("/customers/3301000001/pay", form)
    assert answer.status_code == 302 and f"paid={receipt_no}" in answer["Location"]
    again = client.post("/customers/3301000001/pay", form)  # pressed twice
    assert again.status_code == 302
    assert Payment.objects.filter(channel="counter").count() == 1
    assert LedgerAccount.objects.get(code="customer:3301000001").balance_fen == 10_000 - 2_345
    audit = AuditRecord.objects.get(action="payment.counter")
    assert audit.actor == "cashier" and audit.new["amount_fen"] == 10_000
    shown = client.get(answer["Location"]).content.decode()
    assert "已入账" in shown and "76.55" in shown
    pdf = client.get(f"/receipts/{receipt_no}.pdf", follow=True)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert pdf.redirect_chain == [(f"/receipts/{receipt_no}.pdf?copy=1", 302)]  # the first print: the original


@pytest.mark.parametrize(("amount", "message"), [("abc", "请输入金额"), ("0", "必须大于 0"), ("1.234", "最多两位小数")])
def test_a_bad_amount_is_explained_and_nothing_is_written(town: None, amount: str, message: str) -> None:
    client = signed_in(Role.CASHIER)
    answer = client.post("/customers/3301000001/pay", {"amount_yuan": amount, "receipt_no": "GT-X"})
    assert answer.status_code == 422 and message in answer.content.decode()
    assert not Payment.objects.filter(channel="counter").exists()


def test_grid_staff_may_not_take_payments_and_csrf_is_enforced(town: None) -> None:
    grid = signed_in(Role.GRID_STAFF)
    refused = grid.post("/customers/3301000001/pay", {"amount_yuan": "10", "receipt_no": "GT-Y"})
    assert refused.status_code == 403
    strict = Client(enforce_csrf_checks=True)
    add_staff(username="c2", name="营业员乙", role="cashier", password=PASSWORD)
    strict.login(username="c2", password=PASSWORD)
    assert strict.post("/customers/3301000001/pay", {"amount_yuan": "10", "receipt_no": "GT-Z"}).status_code == 403
    assert not Payment.objects.filter(channel="counter").exists()


def test_sign_in_with_a_wrong_password_says_so_in_chinese(town: None, client: Client) -> None:
    add_staff(username="zhang", name="张敏", role="cashier", password=PASSWORD)
    answer = client.post("/login/", {"username": "zhang", "password": "wrong"})
    assert answer.status_code == 200 and "登录名或密码不正确" in answer.content.decode()
    assert client.post("/login/", {"username": "zhang", "password": PASSWORD}).status_code == 302


def test_sign_in_is_throttled_after_five_failures_of_a_name_even_with_the_right_password(
    town: None, client: Client, clock: FakeClock
) -> None:
    # Issue 20 point 7: a password is not to be guessed at the console.
    add_staff(username="zhang", name="张敏", role="cashier", password=PASSWORD)
    for _ in range(5):
        assert client.post("/login/", {"username": "zhang", "password": "guess"}).status_code == 200
    held = client.post("/login/", {"username": "zhang", "password": PASSWORD})
    assert held.status_code == 429 and "登录失败次数过多，请 15 分钟后再试" in held.content.decode()
    assert client.get("/").status_code == 302  # not signed in
    add_staff(username="li", name="李丽", role="cashier", password=PASSWORD)
    assert Client().post("/login/", {"username": "li", "password": PASSWORD}).status_code == 302  # others sign in
    clock.advance(seconds=15 * 60)
    assert client.post("/login/", {"username": "zhang", "password": PASSWORD}).status_code == 302


def test_a_weak_password_is_refused_in_chinese_only(town: None) -> None:
    from gridpay.application.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        add_staff(username="weak", name="弱密码", role=Role.CASHIER.value, password="abc")
    # Django's own zh_Hans catalogue lacks its 5.2 "too short" text; gridpay's locale/zh_Hans supplies it.
    assert refused.value.message == "密码不合要求：密码太短，至少需要 8 个字符。这个密码太常见了。"


def test_an_unknown_account_or_receipt_is_a_chinese_404(town: None) -> None:
    client = signed_in(Role.CASHIER)
    assert "没有户号 9999" in client.get("/customers/9999/").content.decode()
    assert client.get("/receipts/NOPE.pdf").status_code == 404


def test_a_supervisor_protects_an_account_and_orders_a_reconnection_with_audit_records(town: None) -> None:
    from gridpay.data.models import Account, MeterCommand, ReconnectCase

    Account.objects.filter(account_no="3301000001").update(supply_state="disconnected")
    supervisor = signed_in(Role.SUPERVISOR)
    page = supervisor.get("/customers/3301000001/").content.decode()
    assert "设为保电" in page and "立即复电" in page
    refused = supervisor.post("/customers/3301000001/protected", {"protected": "on", "reason": ""})
    assert refused.status_code == 422 and "必须写明原因" in refused.content.decode()
    supervisor.post("/customers/3301000001/protected", {"protected": "on", "reason": "独居老人"})
    account = Account.objects.get(account_no="3301000001")
    assert account.protected and account.protected_reason == "独居老人"
    supervisor.post("/customers/3301000001/reconnect", {"reason": "困难户，先复电后交费"})
    command = MeterCommand.objects.get(account=account)
    assert (command.action, command.status) == ("reconnect", "queued") and "困难户" in command.reason
    assert ReconnectCase.objects.filter(account=account, confirmed_at__isnull=True).exists()
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"account.protected", "supply.reconnect_now"} <= actions
    assert AuditRecord.objects.get(action="account.protected").old == {"protected": False, "protected_reason": ""}
    cashier = signed_in(Role.CASHIER)
    assert "设为保电" not in cashier.get("/customers/3301000001/").content.decode()
    assert cashier.post("/customers/3301000001/reconnect", {"reason": "x"}).status_code == 403


def test_the_console_speaks_chinese_first_and_switches_to_english(town: None) -> None:
    client = signed_in(Role.CASHIER)
    chinese = client.get("/").content.decode()
    assert "余额为负" in chinese and 'lang="zh-CN"' in chinese and ">English<" in chinese
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert switched.status_code == 302
    english = client.get("/").content.decode()
    assert "Below zero" in english and "Fee recovery this month" in english and 'lang="en"' in english
    assert ">中文<" in english
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "余额为负" in client.get("/").content.decode()
    # A browser set up in English still gets Chinese until someone presses the switch.
    assert "获取验证码" in Client(headers={"Accept-Language": "en"}).get("/portal/").content.decode()
    stranger = Client()
    stranger.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
    assert "Sign in with your account number" in stranger.get("/portal/").content.decode()


def test_a_meter_is_replaced_and_the_days_energy_spans_both_meters(town: None, clock: FakeClock) -> None:
    from decimal import Decimal

    from gridpay.application.readings.import_readings import import_readings
    from gridpay.data.models import Meter, Reading

    fitter = signed_in(Role.METERING)  # 计量班: meters are the metering team's
    today = clock.today()
    day = today - timedelta(days=1)

    def reading(meter_no: str, on: date, total: str) -> Any:
        return import_readings(
            rows=[(2, {"meter_no": meter_no, "reading_date": on.isoformat(), "total_kwh": total, "sharp_kwh": "",
                       "peak_kwh": "", "flat_kwh": "", "valley_kwh": ""})],
            received_at=current_instant(), max_daily_kwh=Decimal(500),
        )

    Meter.objects.filter(account__account_no="3301000001").update(installed_on=day - timedelta(days=3))
    assert reading("M00000001", day - timedelta(days=1), "10.00").rejected == []
    url = "/customers/3301000001/meter"
    form = {"day": day.isoformat(), "final_total_kwh": "12.50", "new_meter_no": "MNEW0001",
            "new_dlt645_address": "990000000001", "start_total_kwh": "0"}
    bad = fitter.post(url, {**form, "new_dlt645_address": "12ab"})
    assert bad.status_code == 422 and "12 位数字" in bad.content.decode()
    assert fitter.post(url, {**form, "day": (today + timedelta(days=365)).isoformat()}).status_code == 422
    assert fitter.post(url, form).status_code == 302
    old, new = Meter.objects.filter(account__account_no="3301000001").order_by("id")
    assert (old.removed_on, old.final_total_kwh, new.installed_on, new.meter_no) == (
        day, Decimal("12.50"), day, "MNEW0001")
    assert AuditRecord.objects.get(action="meter.replace").old["meter_no"] == old.meter_no
    again = fitter.post(url, {**form, "new_meter_no": "MNEW0002", "new_dlt645_address": "990000000002"})
    assert again.status_code == 422  # the new meter is the one in service now, and its install day is that day
    report = reading("MNEW0001", day, "3.00")
    assert report.rejected == [], report.rejected
    assert Reading.objects.get(meter=new).energy_kwh == Decimal("5.50")  # 2.50 on the old meter, 3.00 on the new
    assert signed_in(Role.GRID_STAFF).post(url, form).status_code == 403


def test_a_time_of_use_meter_is_replaced_register_by_register_and_its_usage_chart_splits_by_period(
    town: None, clock: FakeClock
) -> None:
    import json
    from decimal import Decimal

    from gridpay.application.readings.import_readings import import_readings
    from gridpay.application.settlement.settle_day import settle_day
    from gridpay.data.models import Meter, Reading

    fitter = signed_in(Role.METERING)  # 计量班: meters are the metering team's
    today = clock.today()
    day = today - timedelta(days=1)
    enrol(7, time_of_use=True, installed_on=day - timedelta(days=3), prepaid_since=day - timedelta(days=2))

    def reading(meter_no: str, on: date, total: str, peak: str, valley: str) -> Any:
        return import_readings(
            rows=[(2, {"meter_no": meter_no, "reading_date": on.isoformat(), "total_kwh": total, "sharp_kwh": "",
                       "peak_kwh": peak, "flat_kwh": "", "valley_kwh": valley})],
            received_at=current_instant(), max_daily_kwh=Decimal(500),
        )

    assert reading("M00000007", day - timedelta(days=3), "0.00", "0.00", "0.00").rejected == []
    assert reading("M00000007", day - timedelta(days=2), "10.00", "6.00", "3.00").rejected == []
    assert reading("M00000007", day - timedelta(days=1), "20.00", "12.00", "5.00").rejected == []
    for settled_day in (day - timedelta(days=2), day - timedelta(days=1)):
        settle_day(day=settled_day, at=current_instant())
    page = fitter.get("/customers/3301000007/").content.decode()
    assert 'name="final_peak_kwh"' in page and 'name="final_valley_kwh"' in page
    assert 'name="final_sharp_kwh"' not in page  # this meter has no sharp register
    usage = json.loads(page.split('id="usage-data" type="application/json">')[1].split("</script>")[0])
    by_name = {series["name"]: series["kwh"] for series in usage["tou"]}
    assert by_name == {"峰段": ["6.00", "6.00"], "平段": ["1.00", "2.00"], "谷段": ["3.00", "2.00"]}

    url = "/customers/3301000007/meter"
    form = {"day": day.isoformat(), "final_total_kwh": "24.00", "final_peak_kwh": "14.00", "final_valley_kwh": "6.00",
            "new_meter_no": "MTOU0002", "new_dlt645_address": "990000000007", "start_total_kwh": "0",
            "start_peak_kwh": "0", "start_valley_kwh": "0"}
    for wrong, says in [({"final_peak_kwh": ""}, "读数应为数字"), ({"final_valley_kwh": "4.99"}, "拆表分时读数 4.99"),
                        ({"final_peak_kwh": "20.00"}, "超过总读数增加的 4.00 千瓦时")]:
        refused = fitter.post(url, {**form, **wrong})
        assert refused.status_code == 422 and says in refused.content.decode(), says
    assert Meter.objects.filter(account__account_no="3301000007").count() == 1  # nothing half-written
    assert fitter.post(url, form).status_code == 302
    old, new = Meter.objects.filter(account__account_no="3301000007").order_by("id")
    assert (old.final_total_kwh, old.final_peak_kwh, old.final_valley_kwh, old.final_flat_kwh) == (
        Decimal("24.00"), Decimal("14.00"), Decimal("6.00"), None)
    assert (new.registers, new.start_peak_kwh, new.start_valley_kwh) == ("tou", Decimal("0.00"), Decimal("0.00"))
    assert reading("MTOU0002", day, "3.00", "1.00", "2.00").rejected == []
    energy = Reading.objects.get(meter=new)
    # The day spans both meters: 4 kWh on the old one (2 peak, 1 valley), 3 on the new (1 peak, 2 valley).
    assert (energy.energy_kwh, energy.energy_peak_kwh, energy.energy_valley_kwh) == (
        Decimal("7.00"), Decimal("3.00"), Decimal("3.00"))


def test_the_account_file_and_work_lists_switch_to_english_too(town: None) -> None:
    client = signed_in(Role.SUPERVISOR)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/customers/3301000001/").content.decode()
    assert "Take payment" in page and "Usage, last 30 days" in page and "Meter commands" in page
    assert "Arrears" in client.get("/arrears/").content.decode()
    assert "Arrears ageing" in client.get("/reports/monthly/").content.decode()


def test_the_browsers_favicon_request_finds_the_icon(client: Client) -> None:
    asked = client.get("/favicon.ico")
    assert asked.status_code == 301 and asked["Location"] == "/static/gridpay/favicon.ico"
    icon = client.get(asked["Location"])
    assert icon.status_code == 200 and b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
