"""Temporary supply in the staff console: the open supplies with what each still has to do, and their statements."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from pypdf import PdfReader

from gridpay.application.customers.install_builtin_meter_models import install_builtin_meter_models
from gridpay.application.payments.record_payment import record_payment
from gridpay.application.staff.add_staff import add_staff
from gridpay.application.temporary.register_temporary_supply import (
    TemporaryRegistration,
    register_temporary_supply,
)
from gridpay.domain.staff_roles import Role
from tests.support.clock import FakeClock, local

pytestmark = pytest.mark.django_db
PASSWORD = "Gridpay-2026!"
DAY = date(2025, 3, 3)


def signed_in(role: Role) -> Client:
    add_staff(username=role.value, name=role.label, role=role.value, password=PASSWORD)
    client = Client()
    client.login(username=role.value, password=PASSWORD)
    return client


@pytest.fixture
def fair(zj_tariff: str, clock: FakeClock) -> str:
    install_builtin_meter_models()
    clock.instant = local(DAY, 9)
    for number, purpose in ((1, "fair"), (2, "construction")):
        register_temporary_supply(
            registration=TemporaryRegistration(
                account_no=f"390100000{number}", customer_name=f"临时户{number}", tariff_code=zj_tariff,
                meter_no=f"T{number}", dlt645_address=f"90000000000{number}", purpose=purpose, planned_start=DAY,
                planned_end=date(2025, 3, 10), estimate_kwh=Decimal(100), meter_model="DDZY-2013"),
            actor="li", roles={Role.CASHIER}, at=local(DAY, 9), business_day=DAY)
    record_payment(account_no="3901000002", amount_fen=5_380, channel="counter", channel_txn_id="R1",
                   received_at=local(DAY, 10), business_day=DAY)
    return "3901000001"


def test_the_counter_sees_what_each_temporary_supply_still_needs(fair: str) -> None:
    client = signed_in(Role.CASHIER)
    page = client.get("/temporary/").content.decode()
    assert "3901000001" in page and "集市" in page and "还差 53.80 元方可送电" in page
    assert "3901000002" in page and "已下达送电，待表计或现场确认" in page  # the meter has not answered yet
    statement = client.get(f"/temporary/{fair}.pdf")
    assert statement["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(statement.content)).pages[0].extract_text()
    assert "临时用电结算单" in text and "53.80" in text
    assert client.get("/temporary/3301000009.pdf").status_code == 404


def test_the_page_speaks_english_when_asked(fair: str) -> None:
    client = signed_in(Role.SUPERVISOR)
    client.post("/i18n/setlang/", {"language": "en", "next": "/temporary/"})
    page = client.get("/temporary/").content.decode()
    assert "Temporary supply" in page and "Fair or market" in page and "53.80 yuan short of connection" in page
    assert "还差" not in page


def test_a_signed_out_visitor_is_sent_to_sign_in(fair: str) -> None:
    assert Client().get("/temporary/").status_code == 302
