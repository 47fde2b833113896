"""The counter's guard rails over HTTP (ADR 0025): the second amount and the supervisor's authorisation checked by
the server whatever the page's script did, the void page, and receipts whose first print is the original."""

import pytest
from django.test import Client

from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import AuditRecord, CounterReceipt, LedgerAccount, Payment, PaymentRefund
from tests.support.accounts import enrol

pytestmark = [pytest.mark.django_db, pytest.mark.dates]
PASSWORD = "Gridpay-2026!"
PAY = "/customers/3301000001/pay"


@pytest.fixture
def counter(zj_tariff: str) -> Client:
    enrol(1, opening_balance_fen=0)
    add_staff(username="zhang", name="张敏", role="cashier", password=PASSWORD)
    add_staff(username="wang", name="王芳", role="cashier", password=PASSWORD)
    add_staff(username="lin", name="林班长", role="supervisor", password=PASSWORD)
    client = Client()
    assert client.login(username="zhang", password=PASSWORD)
    return client


def balance() -> int:
    return int(LedgerAccount.objects.get(code="customer:3301000001").balance_fen)


def receipt_no(client: Client) -> str:
    page = client.get("/customers/3301000001/").content.decode()
    return page.split('name="receipt_no" value="')[1].split('"')[0]


def test_the_form_says_the_limits_and_hides_the_extra_fields_until_they_are_needed(counter: Client) -> None:
    page = counter.get("/customers/3301000001/").content.decode()
    assert 'data-twice-above-fen="100000"' in page and 'data-limit-fen="500000"' in page
    assert '<p id="confirm-row" hidden>' in page and 'id="authorise" hidden' in page
    assert "超过 1000.00 元的金额须输入两遍，超过 5000.00 元须班长或所长当场输入登录名和密码授权" in page
    assert 'autocomplete="new-password" name="supervisor_password"' in page  # never the cashier's saved password


def test_the_server_refuses_a_large_amount_typed_once_or_typed_differently(counter: Client) -> None:
    number = receipt_no(counter)
    once = counter.post(PAY, {"amount_yuan": "1500", "receipt_no": number})
    body = once.content.decode()
    assert once.status_code == 422 and "金额超过 1000.00 元，请在“再次输入金额”中再输入一遍" in body
    assert '<p id="confirm-row">' in body  # shown now, without the script
    differ = counter.post(PAY, {"amount_yuan": "1500", "amount_confirm_yuan": "150", "receipt_no": number})
    assert differ.status_code == 422 and "两次输入的金额不一致（1500.00 元与 150.00 元）" in differ.content.decode()
    bad = counter.post(PAY, {"amount_yuan": "1500", "amount_confirm_yuan": "1,500", "receipt_no": number})
    assert bad.status_code == 422 and "再次输入金额（元）：请输入金额" in bad.content.decode()
    assert not Payment.objects.exists()
    done = counter.post(PAY, {"amount_yuan": "1500", "amount_confirm_yuan": "1500.00", "receipt_no": number})
    assert done.status_code == 302 and balance() == 150_000


def test_above_the_limit_the_supervisor_signs_on_the_same_form(counter: Client) -> None:
    number = receipt_no(counter)
    form = {"amount_yuan": "6000", "amount_confirm_yuan": "6000", "receipt_no": number}
    refused = counter.post(PAY, form)
    body = refused.content.decode()
    assert refused.status_code == 422 and "超过柜台单笔限额 5000.00 元" in body and 'id="authorise" hidden' not in body
    wrong = counter.post(PAY, {**form, "supervisor_username": "lin", "supervisor_password": "guess"})
    assert wrong.status_code == 422 and "授权人的登录名或密码不正确" in wrong.content.decode()
    assert "guess" not in wrong.content.decode()  # the password is never sent back
    cashier = counter.post(PAY, {**form, "supervisor_username": "wang", "supervisor_password": PASSWORD})
    assert cashier.status_code == 422 and "王芳（wang） 不是班长或所长" in cashier.content.decode()
    assert not Payment.objects.exists()
    done = counter.post(PAY, {**form, "supervisor_username": "lin", "supervisor_password": PASSWORD})
    assert done.status_code == 302 and balance() == 600_000
    assert AuditRecord.objects.get(action="payment.counter").new["authorised_by"] == "林班长（lin）"


def test_a_cashier_voids_their_own_payment_with_the_supervisor_on_the_void_page(counter: Client) -> None:
    number = receipt_no(counter)
    counter.post(PAY, {"amount_yuan": "50", "receipt_no": number})
    page = counter.get("/customers/3301000001/").content.decode()
    assert f'href="/receipts/{number}/void"' in page  # offered: theirs, today
    other = Client()
    other.login(username="wang", password=PASSWORD)
    assert f'href="/receipts/{number}/void"' not in other.get("/customers/3301000001/").content.decode()
    assert "不能在此作废" in other.get(f"/receipts/{number}/void").content.decode()
    theirs = other.post(f"/receipts/{number}/void", {"reason": "x", "supervisor_username": "lin",
                                                     "supervisor_password": PASSWORD})
    assert theirs.status_code == 422 and "只能作废本人收的交费" in theirs.content.decode()

    shown = counter.get(f"/receipts/{number}/void").content.decode()
    assert "作废后，50.00 元以冲正从账户冲回" in shown and "不会立即停电" in shown
    missing = counter.post(f"/receipts/{number}/void", {"reason": "金额输错"})
    assert missing.status_code == 422 and "须由班长或所长授权" in missing.content.decode()
    done = counter.post(f"/receipts/{number}/void", {"reason": "金额输错", "supervisor_username": "lin",
                                                     "supervisor_password": PASSWORD})
    assert done.status_code == 302 and done["Location"] == f"/customers/3301000001/?voided={number}"
    assert balance() == 0 and PaymentRefund.objects.get().kind == "reversal"
    after = counter.get(done["Location"]).content.decode()
    assert f"收据 {number} 已作废" in after and "已作废" in after and f'href="/receipts/{number}/void"' not in after
    assert "因作废再次欠费" not in after  # the available balance is back to 0.00, not below it
    again = counter.post(f"/receipts/{number}/void", {"reason": "再按一次", "supervisor_username": "lin",
                                                      "supervisor_password": PASSWORD})
    assert again.status_code == 302 and PaymentRefund.objects.count() == 1  # pressed twice: voided once


def test_a_receipt_fetched_twice_is_one_print_and_the_next_link_is_the_reprint(counter: Client) -> None:
    number = receipt_no(counter)
    counter.post(PAY, {"amount_yuan": "50", "receipt_no": number})
    first = counter.get(f"/receipts/{number}.pdf")
    assert first.status_code == 302 and first["Location"] == f"/receipts/{number}.pdf?copy=1"
    for _ in range(2):  # Chromium fetches the page, then its PDF viewer fetches it again
        answer = counter.get(first["Location"])
        assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    assert CounterReceipt.objects.get().prints == 1
    assert counter.get(f"/receipts/{number}.pdf")["Location"] == f"/receipts/{number}.pdf?copy=2"
    assert counter.get(f"/receipts/{number}.pdf?copy=abc")["Location"] == f"/receipts/{number}.pdf?copy=2"
    assert counter.get(f"/receipts/{number}.pdf?copy=2").status_code == 200  # the reprint
    # The original's old address, once a reprint was made, is no second unmarked original: it is the next reprint.
    old = counter.get(f"/receipts/{number}.pdf?copy=1")
    assert old.status_code == 302 and old["Location"] == f"/receipts/{number}.pdf?copy=3"
    assert counter.get(old["Location"]).status_code == 200 and CounterReceipt.objects.get().prints == 3
    assert counter.get("/receipts/GT-NONE.pdf").status_code == 404

