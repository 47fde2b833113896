"""The station head's approvals page: drafts of public arrears notices and credit report lists with their figures,
approved with a button as the signed-in head (audit record); closed to everyone else; in English after the switch."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from gridpay.application.collection.draft_arrears_notice import draft_arrears_notice
from gridpay.application.collection.draft_credit_report import draft_credit_report
from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import ArrearsNotice, AuditRecord, CreditReport, GridStaff, PostpaidBill, Village
from gridpay.domain.staff_roles import Role
from tests.e2e.test_web_english import chinese_left, data_texts, in_english
from tests.support.accounts import enrol
from tests.support.clock import FakeClock, local

pytestmark = pytest.mark.django_db
PASSWORD = "Gridpay-2026!"
DAY = date(2026, 1, 15)
PAGE = "/collection/approvals/"


@pytest.fixture
def drafts(zj_tariff: str, clock: FakeClock) -> None:
    staff = GridStaff.objects.create(name="陈嘉涵", phone="13911112222")
    Village.objects.create(name="铺前村", town="测试镇", grid_staff=staff)
    account = enrol(1, mode="postpaid", opening_balance_fen=0, village="铺前村")
    PostpaidBill.objects.create(
        account=account, bill_no=f"202508{account.account_no}", month=date(2025, 8, 1), period_from=date(2025, 8, 1),
        reading_date=date(2025, 8, 25), energy_kwh=Decimal("300.00"), tariff_code=zj_tariff, amount_fen=15_000,
        issued_on=date(2025, 8, 25), issued_at=local(date(2025, 8, 25), 2), due_on=date(2025, 9, 9),
    )
    clock.instant = local(DAY, 10)
    draft_arrears_notice(village="铺前村", day=DAY, actor="陈嘉涵（chen）", roles={Role.GRID_STAFF}, at=clock.now())
    draft_credit_report(day=DAY, actor="陈嘉涵（chen）", roles={Role.GRID_STAFF}, at=clock.now())


def signed_in(username: str, name: str, role: Role) -> Client:
    add_staff(username=username, name=name, role=role.value, password=PASSWORD)
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_the_head_approves_the_drafts_with_their_figures_shown(drafts: None) -> None:
    head = signed_in("wang", "王所长", Role.STATION_HEAD)
    page = head.get(PAGE).content.decode()
    assert "铺前村" in page and "测***1" in page and "33******01" in page and "150.00" in page
    assert "3301000001" in page  # the credit list names the account in full: it is not posted anywhere

    notice = ArrearsNotice.objects.get()
    answer = head.post(PAGE, {"kind": "notice", "id": str(notice.id)})
    assert answer.status_code == 302
    notice.refresh_from_db()
    assert notice.status == "approved" and notice.approved_by == "王所长（wang）"
    report = CreditReport.objects.get()
    assert head.post(PAGE, {"kind": "credit", "id": str(report.id)}).status_code == 302
    assert AuditRecord.objects.get(action="collection.credit_report_approve").actor == "王所长（wang）"
    after = head.get(PAGE).content.decode()
    assert "没有待批准的欠费公示" in after and "没有待批准的征信报送名单" in after
    again = head.post(PAGE, {"kind": "notice", "id": str(notice.id)})
    assert again.status_code == 422 and "已于" in again.content.decode()


def test_the_page_is_the_station_heads_alone(drafts: None) -> None:
    for username, name, role in (("chen", "陈嘉涵", Role.GRID_STAFF), ("lin", "林班长", Role.SUPERVISOR),
                                 ("root", "管理员", Role.ADMIN)):
        client = signed_in(username, name, role)
        assert client.get(PAGE).status_code == 403
        assert client.post(PAGE, {"kind": "notice", "id": str(ArrearsNotice.objects.get().id)}).status_code == 403
    assert ArrearsNotice.objects.get().status == "draft"


def test_the_page_speaks_english_after_the_switch(drafts: None) -> None:
    head = in_english(signed_in("wang", "王所长", Role.STATION_HEAD))
    page = head.get(PAGE).content.decode()
    assert "Approve" in page
    assert chinese_left(page, [*data_texts(), "测***1"]) == []
