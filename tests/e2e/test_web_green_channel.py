"""The green channel in the console: the collector's phone page (credited once, refusals in Chinese, a photo), the
flag and its badge on the account file, the counter's hand-in and discrepancy list, and who may open what."""

import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import Account, AuditRecord, CashHandIn, HardshipFlag, HomeCollection, Payment
from gridpay.data.settings import gridpay_settings
from gridpay.domain.staff_roles import Role
from tests.e2e.test_web_english import chinese_left, data_texts, in_english
from tests.support.accounts import enrol
from tests.support.clock import FakeClock

pytestmark = pytest.mark.django_db
PASSWORD = "Gridpay-2026!"
NAMES = {Role.GRID_STAFF: "陈嘉涵", Role.SUPERVISOR: "林班长", Role.STATION_HEAD: "王所长", Role.CASHIER: "张敏",
         Role.METERING: "计量李工", Role.ADMIN: "管理员"}
COLLECT = "/green/collect/"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8


def signed_in(role: Role) -> Client:
    if not get_user_model().objects.filter(username=role.value).exists():
        add_staff(username=role.value, name=NAMES[role], role=role.value, password=PASSWORD)
    client = Client()
    assert client.login(username=role.value, password=PASSWORD)
    return client


def text_of(html: str) -> str:
    main = html[html.index("<main>"):]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


@pytest.fixture
def photos(tmp_path: Path, settings: Any) -> Path:
    settings.GRIDPAY = replace(gridpay_settings(), green_photo_dir=str(tmp_path / "photos"), green_photo_max_kb=64)
    return tmp_path / "photos"


@pytest.fixture
def household(zj_tariff: str) -> Account:
    """An account the supervisor flagged through its account file."""
    account = enrol(1, opening_balance_fen=1_000)
    answer = signed_in(Role.SUPERVISOR).post(f"/customers/{account.account_no}/green",
                                             {"kind": "elderly_alone", "reason": "独居，子女在外地"})
    assert answer.status_code == 302
    return account


def test_the_supervisor_flags_a_household_and_its_file_shows_the_badge(household: Account) -> None:
    page = signed_in(Role.CASHIER).get(f"/customers/{household.account_no}/").content.decode()
    assert 'id="green-badge"' in page and "绿色通道：独居老人" in text_of(page)
    assert "林班长（supervisor）" in text_of(page)
    assert 'action="/customers/3301000001/green"' not in page  # a cashier may not unflag
    assert AuditRecord.objects.get(action="green.flag").actor == "林班长（supervisor）"

    head = signed_in(Role.STATION_HEAD)
    ended = head.post(f"/customers/{household.account_no}/green", {"unflag": "1", "reason": "已搬去养老院"})
    assert ended.status_code == 302
    page = head.get(f"/customers/{household.account_no}/").content.decode()
    assert 'id="green-badge"' not in page
    assert "曾为绿色通道户（独居老人）" in text_of(page) and "已搬去养老院" in text_of(page)
    assert HardshipFlag.objects.get().unflagged_by == "王所长（station_head）"


def test_a_flag_refused_is_shown_on_the_file_in_chinese_and_writes_nothing(zj_tariff: str) -> None:
    account = enrol(2)
    answer = signed_in(Role.SUPERVISOR).post(f"/customers/{account.account_no}/green", {"kind": "other", "reason": ""})
    assert answer.status_code == 422 and "类别为“其他困难”时必须写明原因" in answer.content.decode()
    for role in (Role.GRID_STAFF, Role.CASHIER, Role.ADMIN):
        refused = signed_in(role).post(f"/customers/{account.account_no}/green", {"kind": "disabled"})
        assert refused.status_code == 403, role
    assert not HardshipFlag.objects.exists()


def test_the_phone_page_is_made_for_a_phone(household: Account) -> None:
    page = signed_in(Role.GRID_STAFF).get(f"{COLLECT}?account={household.account_no}").content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert 'class="phone"' in page and 'enctype="multipart/form-data"' in page
    assert 'inputmode="decimal"' in page and 'name="receipt_no"' in page and 'accept="image/jpeg,image/png"' in page
    assert f'value="{household.account_no}"' in page  # opened from the account file, the number filled in
    css = Path(__file__).resolve().parents[2] / "src/gridpay/interfaces/web/static/gridpay/app.css"
    assert re.search(r"\.phone input\[type=text\].*width: 100%.*min-height: 3rem", css.read_text())


def test_a_collector_records_a_collection_on_the_phone_and_pressing_twice_credits_once(
    household: Account, photos: Path,
) -> None:
    client = signed_in(Role.GRID_STAFF)
    form = {"account_no": household.account_no, "amount_yuan": "12.3", "receipt_no": "0001"}
    first = client.post(COLLECT, {**form, "photo": SimpleUploadedFile("r.jpg", JPEG, content_type="image/jpeg")})
    again = client.post(COLLECT, form)

    assert first.status_code == 302 and again.status_code == 302
    payment = Payment.objects.get()
    assert (payment.channel, payment.channel_txn_id, payment.amount_fen) == ("home_collection", "grid_staff/0001",
                                                                            1_230)
    collection = HomeCollection.objects.get()
    assert (photos / collection.photo).read_bytes() == JPEG
    shown = text_of(client.get(first["Location"]).content.decode())
    assert "已入账：3301000001 测试用户1 12.30 元，收据号 0001。" in shown and "1 笔，合计 12.30 元" in shown

    conflict = client.post(COLLECT, {**form, "amount_yuan": "12.31"})
    assert conflict.status_code == 422 and "渠道流水号 grid_staff/0001 已用于另一笔交费" in conflict.content.decode()
    assert Payment.objects.count() == 1


def test_the_phone_page_refuses_in_chinese_and_keeps_what_was_typed(household: Account, photos: Path) -> None:
    client = signed_in(Role.GRID_STAFF)
    plain = enrol(2)
    answer = client.post(COLLECT, {"account_no": plain.account_no, "amount_yuan": "50", "receipt_no": "0002"})
    body = answer.content.decode()
    assert answer.status_code == 422 and "户号 3301000002 不在绿色通道，不能上门收费" in body
    assert 'value="3301000002"' in body and 'value="50"' in body
    bad_amount = client.post(COLLECT, {"account_no": household.account_no, "amount_yuan": "12.345",
                                       "receipt_no": "0003"})
    assert bad_amount.status_code == 422 and "最多两位小数" in bad_amount.content.decode()
    not_a_photo = client.post(COLLECT, {"account_no": household.account_no, "amount_yuan": "5", "receipt_no": "0004",
                                        "photo": SimpleUploadedFile("r.jpg", b"MZ\x90\x00" * 10,
                                                                    content_type="image/jpeg")})
    assert not_a_photo.status_code == 422 and "照片只能是 JPEG 或 PNG 图片" in not_a_photo.content.decode()
    too_big = client.post(COLLECT, {"account_no": household.account_no, "amount_yuan": "5", "receipt_no": "0005",
                                    "photo": SimpleUploadedFile("r.jpg", JPEG * 40, content_type="image/jpeg")})
    assert too_big.status_code == 422 and "照片不能超过 64 KB" in too_big.content.decode()
    assert not Payment.objects.exists() and not HomeCollection.objects.exists()


def test_only_collectors_open_the_phone_page_and_only_the_counter_counts_cash_in(household: Account) -> None:
    assert Client().get(COLLECT).status_code == 302  # to the sign-in page
    for role in (Role.CASHIER, Role.STATION_HEAD, Role.METERING, Role.ADMIN):
        assert signed_in(role).get(COLLECT).status_code == 403, role
        refused = signed_in(role).post(COLLECT, {"account_no": household.account_no, "amount_yuan": "1",
                                                 "receipt_no": "X"})
        assert refused.status_code == 403, role
    assert signed_in(Role.SUPERVISOR).get(COLLECT).status_code == 200
    for role in (Role.GRID_STAFF, Role.SUPERVISOR, Role.METERING):
        refused = signed_in(role).post("/green/hand-in", {"collector": "grid_staff", "amount_yuan": "1",
                                                          "slip_no": "JK1"})
        assert refused.status_code == 403, role
    assert not Payment.objects.exists() and not CashHandIn.objects.exists()


def test_the_counter_counts_the_cash_in_and_sees_the_discrepancies(household: Account, clock: FakeClock) -> None:
    collector = signed_in(Role.GRID_STAFF)
    for receipt, yuan in (("0001", "100"), ("0002", "25.50")):
        collector.post(COLLECT, {"account_no": household.account_no, "amount_yuan": yuan, "receipt_no": receipt})
    cashier = signed_in(Role.CASHIER)
    page = cashier.get("/green/").content.decode()
    assert '<option value="grid_staff"' in page and "125.50" in text_of(page)
    slip = re.search(r'name="slip_no" value="([^"]+)"', page)
    assert slip is not None

    done = cashier.post("/green/hand-in", {"collector": "grid_staff", "amount_yuan": "125", "slip_no": slip[1]})
    again = cashier.post("/green/hand-in", {"collector": "grid_staff", "amount_yuan": "125", "slip_no": slip[1]})

    assert done.status_code == 302 and again.status_code == 302 and CashHandIn.objects.count() == 1
    shown = text_of(cashier.get(done["Location"]).content.decode())
    assert f"已登记缴存，缴款单号 {slip[1]}。" in shown
    assert "125.50 125.00 -0.50 短款" in shown  # expected, handed in, difference
    nothing = cashier.post("/green/hand-in", {"collector": "grid_staff", "amount_yuan": "1", "slip_no": "JK-2"})
    assert nothing.status_code == 422 and "该收费员没有待缴存的上门收费" in nothing.content.decode()

    collector.post(COLLECT, {"account_no": household.account_no, "amount_yuan": "8", "receipt_no": "0003"})
    clock.instant += timedelta(days=20)  # past the next working day, even after a Spring Festival week
    late = text_of(signed_in(Role.CASHIER).get("/green/").content.decode())  # a session lasts a working day
    assert "次一工作日结束前未缴存" in late and "0003" in late and "仍未缴存" in late


def test_the_green_channel_pages_speak_english(household: Account) -> None:
    collector = in_english(signed_in(Role.GRID_STAFF))
    collector.post(COLLECT, {"account_no": household.account_no, "amount_yuan": "3", "receipt_no": "0001"})
    collector.post(COLLECT, {"account_no": "3301000009", "amount_yuan": "3", "receipt_no": "0002"})
    cashier = in_english(signed_in(Role.CASHIER))
    cashier.post("/green/hand-in", {"collector": "grid_staff", "amount_yuan": "2", "slip_no": "JK-1"})
    supervisor = in_english(signed_in(Role.SUPERVISOR))
    data = data_texts()
    pages = {
        "phone": collector.get(COLLECT).content.decode(),
        "phone refusal": collector.post(COLLECT, {"account_no": "3301000009", "amount_yuan": "3",
                                                  "receipt_no": "0002"}).content.decode(),
        "counter": cashier.get("/green/?all=1").content.decode(),
        "file": supervisor.get(f"/customers/{household.account_no}/").content.decode(),
        "flag refusal": supervisor.post("/customers/3301000001/green", {"kind": "other"}).content.decode(),
    }
    assert {name: chinese_left(html, data) for name, html in pages.items() if chinese_left(html, data)} == {}
    assert "Home collection" in pages["phone"] and "Elderly living alone" in pages["file"]
