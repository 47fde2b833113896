"""The customer portal: SMS-code sign-in through the outbox, a landlord's accounts, nobody else's data."""

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from gridpay.data.models import Account, Contact, Customer, Notification, SignInCode
from tests.support.accounts import enrol
from tests.support.clock import FakeClock, current_instant

pytestmark = [pytest.mark.django_db, pytest.mark.dates]
LANDLORD = "13900000001"


@pytest.fixture
def homes(zj_tariff: str, settings: Any, tmp_path: Path) -> Path:
    settings.SMS_CONFIG = {"GRIDPAY_SMS_PROVIDER": "file", "GRIDPAY_SMS_FILE": str(tmp_path / "sms.jsonl")}
    enrol(1, opening_balance_fen=12_345, phone=LANDLORD)
    enrol(2, opening_balance_fen=-500, phone="13900000002")  # a tenant's flat, the landlord gets its SMS too
    Contact.objects.create(account=Account.objects.get(account_no="3301000002"), name="房东", phone=LANDLORD,
                           receives_sms=True)
    enrol(3, opening_balance_fen=9_999, phone="13900000003")  # a stranger
    return tmp_path / "sms.jsonl"


def sign_in(client: Client, account_no: str) -> Any:
    client.post("/portal/", {"account_no": account_no})
    code = Notification.objects.filter(kind="sign_in_code").latest("id").params["code"]
    return client.post("/portal/code/", {"code": code})


def test_a_landlord_signs_in_with_an_sms_code_and_sees_both_accounts_but_no_other(homes: Path) -> None:
    client = Client()
    asked = client.post("/portal/", {"account_no": "3301000001"})
    assert asked.status_code == 302
    assert "139****0001" in client.get("/portal/code/").content.decode()
    assert Notification.objects.get(kind="sign_in_code").status == "sent"  # sent at once, whatever the hour
    assert "您的登录验证码为" in homes.read_text()
    code = Notification.objects.get(kind="sign_in_code").params["code"]
    assert len(code) == 6 and code not in SignInCode.objects.get().digest
    assert client.post("/portal/code/", {"code": code}).status_code == 302
    listing = client.get("/portal/accounts/").content.decode()
    assert "3301000001" in listing and "3301000002" in listing and "3301000003" not in listing
    own = client.get("/portal/accounts/3301000002/").content.decode()
    assert "已欠费 5.00 元" in own and "近 30 天每日用电" in own
    assert client.get("/portal/accounts/3301000003/").status_code == 404  # not theirs: as if it did not exist
    assert client.get("/portal/accounts/9999/").status_code == 404
    assert client.post("/portal/code/", {"code": code}).status_code == 422  # a code is used once
    client.post("/portal/sign-out/")
    assert client.get("/portal/accounts/").status_code == 302


def test_codes_are_rate_limited_and_wrong_codes_run_out(homes: Path, clock: FakeClock) -> None:
    client = Client()
    client.post("/portal/", {"account_no": "3301000003"})
    again = client.post("/portal/", {"account_no": "3301000003"})
    assert again.status_code == 429 and "秒后再获取" in again.content.decode()
    for attempt in range(5):
        wrong = client.post("/portal/code/", {"code": "000000" if attempt % 2 else "999999"})
        assert wrong.status_code == 422
    code = Notification.objects.get(kind="sign_in_code").params["code"]
    assert "输错次数过多" in client.post("/portal/code/", {"code": code}).content.decode()
    start = clock.now()
    for minutes in range(2, 6):  # four more, a couple of minutes apart: five in the hour
        clock.instant = start + timedelta(minutes=minutes * 2)
        assert client.post("/portal/", {"account_no": "3301000003"}).status_code == 302
    clock.instant = start + timedelta(minutes=20)
    refused = client.post("/portal/", {"account_no": "3301000003"})
    assert "次数过多" in refused.content.decode()
    assert SignInCode.objects.count() == 5


def test_unknown_accounts_and_accounts_without_a_phone_are_explained(homes: Path) -> None:
    client = Client()
    assert "请核对电费单上的户号" in client.post("/portal/", {"account_no": "123"}).content.decode()
    Customer.objects.filter(accounts__account_no="3301000003").update(phone="")
    Contact.objects.filter(account__account_no="3301000003").delete()
    assert "没有登记手机号" in client.post("/portal/", {"account_no": "3301000003"}).content.decode()
    assert client.get("/portal/accounts/").status_code == 302  # not signed in
    assert client.get("/").status_code == 302  # the portal is not the staff console


def test_staff_never_see_a_customers_sign_in_code(homes: Path) -> None:
    from gridpay.application.staff.add_staff import add_staff

    Client().post("/portal/", {"account_no": "3301000001"})
    code = Notification.objects.get(kind="sign_in_code").params["code"]
    add_staff(username="c", name="营业员", role="cashier", password="Gridpay-2026!")
    staff = Client()
    staff.login(username="c", password="Gridpay-2026!")
    page = staff.get("/customers/3301000001/").content.decode()
    assert "可用余额" in page and code not in page and "验证码" not in page


def test_a_tenant_takes_a_move_out_statement_between_two_days(homes: Path, clock: FakeClock) -> None:
    from gridpay.application.payments.record_payment import record_payment
    from gridpay.application.portal.move_out_statement import move_out_statement

    today = clock.today()
    record_payment(account_no="3301000001", amount_fen=5_000, channel="wechat", channel_txn_id="W-9",
                   received_at=current_instant() - timedelta(days=2), business_day=today - timedelta(days=2))
    account = Account.objects.get(account_no="3301000001")
    statement = move_out_statement(account=account, first_day=today - timedelta(days=3),
                                   last_day=today - timedelta(days=1), today=today)
    assert (statement.opening_fen, statement.paid_fen, statement.closing_fen) == (12_345, 5_000, 17_345)
    client = Client()
    sign_in(client, "3301000001")
    url = "/portal/accounts/3301000001/move-out.pdf"
    period = {"from": (today - timedelta(days=3)).isoformat(), "to": (today - timedelta(days=1)).isoformat()}
    pdf = client.get(url, period)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "户号 3301000001" in text and "\u00b7" not in text  # no "·" in the subtitle: STSong-Light has none
    bad = client.get(url, {"from": today.isoformat(), "to": (today - timedelta(days=5)).isoformat()})
    assert bad.status_code == 422 and "结束日期不能早于开始日期" in bad.content.decode()
    assert client.get("/portal/accounts/3301000003/move-out.pdf", {"from": "2025-01-01", "to": "2025-01-02"}
                      ).status_code == 404


def test_paying_from_the_portal_shows_the_channels_qr_code_and_the_notification_credits_it(
    homes: Path, settings: Any, tmp_path: Path
) -> None:
    from tests.support.channel_servers import WeChatPayServer

    client = Client()
    sign_in(client, "3301000002")
    assert "扫码交费" not in client.get("/portal/accounts/3301000002/").content.decode()  # no channel configured
    server = WeChatPayServer()
    with server.running():
        settings.PAYMENT_CHANNELS_CONFIG = server.settings(tmp_path)
        page = client.get("/portal/accounts/3301000002/").content.decode()
        assert "微信支付扫码交费" in page
        shown = client.post("/portal/accounts/3301000002/pay", {"amount_yuan": "20", "channel": "wechat"})
        assert shown.status_code == 200 and "<svg" in shown.content.decode() and "20.00" in shown.content.decode()
        (order_no,) = server.orders
        assert server.orders[order_no].amount_fen == 2_000 and server.orders[order_no].attach == "3301000002"
        server.pay(order_no, at=current_instant())
        headers, body = server.notification(order_no, sent_at=current_instant())
        Client().post("/api/channels/wechat/notify", data=body, content_type="application/json", headers=headers)
        assert "15.00" in client.get("/portal/accounts/3301000002/").content.decode()  # -5.00 + 20.00
        bad = client.post("/portal/accounts/3301000002/pay", {"amount_yuan": "二十", "channel": "wechat"})
        assert bad.status_code == 422 and "请输入金额" in bad.content.decode()
        assert client.post("/portal/accounts/3301000002/pay", {"amount_yuan": "20", "channel": "paypal"}
                           ).status_code == 422
        assert client.post("/portal/accounts/3301000003/pay", {"amount_yuan": "20", "channel": "wechat"}
                           ).status_code == 302  # not theirs: nothing ordered
        assert len(server.orders) == 1


def test_a_customer_chooses_who_receives_the_alerts(homes: Path) -> None:
    from gridpay.data.models import AuditRecord

    client = Client()
    sign_in(client, "3301000001")
    page = client.get("/portal/accounts/3301000001/alerts/").content.decode()
    assert "139****0001" in page and "提醒设置" in page
    bad = client.post("/portal/accounts/3301000001/alerts/", {"name": "租户", "phone": "12345", "role": "tenant"})
    assert bad.status_code == 422 and "11 位手机号" in bad.content.decode()
    client.post("/portal/accounts/3301000001/alerts/", {"name": "小王", "phone": "139-0000-0009", "role": "tenant"})
    tenant = Contact.objects.get(account__account_no="3301000001", phone="13900000009")
    assert tenant.receives_sms and tenant.role == "tenant"
    own = Contact.objects.get(account__account_no="3301000001", phone=LANDLORD)
    client.post("/portal/accounts/3301000001/alerts/", {"stop": own.id})
    own.refresh_from_db()
    assert not own.receives_sms
    last = client.post("/portal/accounts/3301000001/alerts/", {"stop": tenant.id})
    assert last.status_code == 422 and "至少要有一个手机号" in last.content.decode()
    assert AuditRecord.objects.filter(action__startswith="portal.sms_contact").count() == 2
    assert client.get("/portal/accounts/3301000003/alerts/").status_code == 404


def test_a_customer_chooses_their_own_first_alert_amount(homes: Path) -> None:
    from gridpay.data.models import AuditRecord

    client = Client()
    sign_in(client, "3301000001")
    url = "/portal/accounts/3301000001/alerts/"
    page = client.get(url).content.decode()
    assert "可用余额低于 50.00 元、低于 20.00 元，以及预计可用不足 3 天时" in page  # the station's levels
    for wrong, says in [("15", "提醒金额应高于 20.00 元"), ("abc", "请输入金额"), ("5000", "不超过 1000.00 元")]:
        refused = client.post(url, {"alert_first_yuan": wrong})
        assert refused.status_code == 422 and says in refused.content.decode(), wrong
    assert Account.objects.get(account_no="3301000001").alert_first_fen is None  # nothing written
    assert client.post(url, {"alert_first_yuan": "100"}).status_code == 302
    assert Account.objects.get(account_no="3301000001").alert_first_fen == 10_000
    assert "可用余额低于 100.00 元" in client.get(url).content.decode()
    client.post(url, {"alert_first_yuan": ""})  # back to the station's level
    assert Account.objects.get(account_no="3301000001").alert_first_fen is None
    changes = AuditRecord.objects.filter(action="portal.alert_level").order_by("id")
    assert [(c.old["alert_first_fen"], c.new["alert_first_fen"]) for c in changes] == [(None, 10_000), (10_000, None)]
    assert client.post("/portal/accounts/3301000003/alerts/", {"alert_first_yuan": "100"}).status_code == 404
    assert Account.objects.get(account_no="3301000003").alert_first_fen is None


def test_a_customer_with_one_account_goes_to_it_lists_it_under_my_accounts_and_signs_out_from_any_page(
    homes: Path,
) -> None:
    client = Client()
    client.post("/portal/", {"account_no": "3301000003"})
    code = Notification.objects.filter(kind="sign_in_code").latest("id").params["code"]
    signed_in = client.post("/portal/code/", {"code": code})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/portal/accounts/3301000003/"
    listing = client.get("/portal/accounts/")
    assert listing.status_code == 200 and "3301000003" in listing.content.decode()  # listed, not skipped
    for path in ["/portal/accounts/", "/portal/accounts/3301000003/", "/portal/accounts/3301000003/alerts/",
                 "/portal/accounts/3301000001/"]:  # the not-found page too
        page = client.get(path).content.decode()
        assert "139****0003" in page and 'action="/portal/sign-out/"' in page and "退出登录" in page, path
    assert client.get("/portal/sign-out/").status_code == 302  # a link cannot sign anyone out
    assert client.get("/portal/accounts/").status_code == 200
    assert client.post("/portal/sign-out/")["Location"] == "/portal/"
    for path in ["/portal/accounts/", "/portal/accounts/3301000003/"]:
        assert client.get(path)["Location"] == "/portal/"  # the session is ended
    assert "退出登录" not in client.get("/portal/").content.decode()


def test_my_accounts_are_every_account_whose_customer_or_sms_contact_is_the_signed_in_phone(homes: Path) -> None:
    enrol(4, opening_balance_fen=100, phone=LANDLORD)  # the landlord's own second house
    enrol(5, opening_balance_fen=100, phone="13900000005")
    Account.objects.filter(account_no="3301000004").update(status="closed")  # moved out: no longer theirs to see
    enrol(6, opening_balance_fen=100, phone=LANDLORD)
    client = Client()
    sign_in(client, "3301000006")
    listing = client.get("/portal/accounts/").content.decode()
    assert [no for no in ["3301000001", "3301000002", "3301000003", "3301000004", "3301000005", "3301000006"]
            if no in listing] == ["3301000001", "3301000002", "3301000006"]
