"""The counter's guard rails on a real database (ADR 0025): large amounts typed twice, the limit authorised by a
supervisor's password, a cashier's void the same business day as a reversal linked to the payment, and the first
print of a receipt as its original."""

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridpay.application.payments.record_payment import record_payment
from gridpay.application.payments.take_counter_payment import print_receipt, take_counter_payment
from gridpay.application.payments.void_counter_payment import void_counter_payment
from gridpay.application.staff.acting_staff import acting_staff
from gridpay.application.staff.add_staff import add_staff
from gridpay.application.staff.counter_authorisation import Authoriser
from gridpay.application.supply.enforce_supply import enforce_supply
from gridpay.application.supply.evaluate_alerts import evaluate_alerts
from gridpay.application.supply.head_end import HeadEnd
from gridpay.data.models import (
    Account,
    AuditRecord,
    CounterReceipt,
    LedgerAccount,
    Meter,
    MeterCommand,
    Notification,
    Payment,
    PaymentRefund,
    Transfer,
)
from gridpay.data.settings import SettingInvalid, from_environment
from gridpay.domain.counter_desk import AuthorisationRefused, CounterRefused, VoidRefused
from tests.integration.test_record_payment import cached_balances_match_transfers
from tests.support import dlt645_peer as peer
from tests.support.accounts import enrol
from tests.support.arrears import overdue_account
from tests.support.clock import SHANGHAI

pytestmark = pytest.mark.django_db
PASSWORD = "Gridpay-2026!"
# Monday 2025-03-10, 15:00 in Shanghai: the counter is open; Tuesday and Wednesday are working days.
AT = datetime(2025, 3, 10, 15, 0, tzinfo=SHANGHAI)
DAY = date(2025, 3, 10)


@pytest.fixture
def desk(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=0)
    add_staff(username="zhang", name="张敏", role="cashier", password=PASSWORD)
    add_staff(username="wang", name="王芳", role="cashier", password=PASSWORD)
    add_staff(username="lin", name="林班长", role="supervisor", password=PASSWORD)


def balance(account_no: str = "3301000001") -> int:
    return int(LedgerAccount.objects.get(code=f"customer:{account_no}").balance_fen)


def take(amount_fen: int, receipt_no: str = "GT-1", *, cashier: str = "zhang", at: datetime = AT,
         **extra: Any) -> Any:
    names = {"zhang": "张敏", "wang": "王芳", "lin": "林班长"}
    return take_counter_payment(account_no="3301000001", amount_fen=amount_fen, receipt_no=receipt_no,
                                cashier=names[cashier], actor=cashier, at=at,
                                business_day=at.astimezone(SHANGHAI).date(), **extra)


def void(receipt_no: str = "GT-1", *, cashier: str = "zhang", by: str = "lin", password: str | None = PASSWORD,
         at: datetime = AT + timedelta(minutes=5), reason: str = "金额输错") -> Any:
    return void_counter_payment(receipt_no=receipt_no, reason=reason, cashier=acting_staff(cashier),
                                authoriser=Authoriser(by, password), at=at,
                                business_day=at.astimezone(SHANGHAI).date())


def test_an_amount_above_the_threshold_is_taken_only_when_typed_twice_alike(desk: None) -> None:
    take(100_000, "GT-1")  # 1 000.00: typed once
    with pytest.raises(CounterRefused, match="再输入一遍"):
        take(150_000, "GT-2")
    with pytest.raises(CounterRefused, match=r"两次输入的金额不一致（1500\.00 元与 15000\.00 元）"):
        take(150_000, "GT-2", confirmed_fen=1_500_000)
    assert balance() == 100_000 and Payment.objects.count() == 1
    take(150_000, "GT-2", confirmed_fen=150_000)
    assert balance() == 250_000


def test_above_the_limit_a_supervisor_authorises_with_their_password_and_the_audit_names_them(desk: None) -> None:
    with pytest.raises(CounterRefused, match=r"超过柜台单笔限额 5000\.00 元：须由班长或所长输入登录名和密码授权"):
        take(600_000, confirmed_fen=600_000)
    with pytest.raises(AuthorisationRefused, match="登录名或密码不正确"):
        take(600_000, confirmed_fen=600_000, authoriser=Authoriser("lin", "guess"))
    with pytest.raises(AuthorisationRefused, match="不是班长或所长"):
        take(600_000, confirmed_fen=600_000, authoriser=Authoriser("wang", PASSWORD))
    with pytest.raises(AuthorisationRefused, match="不能为自己授权"):
        take(600_000, confirmed_fen=600_000, cashier="lin", authoriser=Authoriser("lin", PASSWORD))
    assert not Payment.objects.exists() and balance() == 0  # nothing credited
    # The wrong password stays on record, under the cashier who sent it.
    guessed = AuditRecord.objects.get(action="counter.authorisation_refused")
    assert (guessed.actor, guessed.target) == ("zhang", "staff:lin") and "6000.00" in guessed.note

    receipt = take(600_000, confirmed_fen=600_000, authoriser=Authoriser("lin", PASSWORD))
    assert receipt.amount_fen == 600_000 and balance() == 600_000
    audit = AuditRecord.objects.get(action="payment.counter")
    assert audit.actor == "zhang" and audit.new["authorised_by"] == "林班长（lin）"
    assert CounterReceipt.objects.get().taken_by == "zhang"
    # Pressed twice: the same payment, answered as the first, whatever the second form carried.
    assert take(600_000, confirmed_fen=600_000).replayed


def test_the_limits_are_settings_checked_at_start_up() -> None:
    configured = from_environment({"GRIDPAY_COUNTER_LIMIT_YUAN": "20000",
                                   "GRIDPAY_COUNTER_TYPED_TWICE_ABOVE_YUAN": "500"})
    assert (configured.counter_limits.authorise_above_fen, configured.counter_limits.typed_twice_above_fen) == (
        2_000_000, 50_000)
    assert from_environment({"GRIDPAY_COUNTER_LIMIT_YUAN": "0"}).counter_limits.authorise_above_fen is None
    with pytest.raises(SettingInvalid, match="GRIDPAY_COUNTER_LIMIT_YUAN 应为 0 到 10000000 之间的整数"):
        from_environment({"GRIDPAY_COUNTER_LIMIT_YUAN": "5千"})
    with pytest.raises(SettingInvalid, match="GRIDPAY_COUNTER_TYPED_TWICE_ABOVE_YUAN 应为不超过 GRIDPAY_COUNTER_LIMIT"):
        from_environment({"GRIDPAY_COUNTER_LIMIT_YUAN": "800"})


def test_with_no_limit_configured_any_amount_is_taken_typed_twice(desk: None, settings: Any) -> None:
    settings.GRIDPAY = replace(settings.GRIDPAY, counter_limit_yuan=0)
    take(10_000_000, confirmed_fen=10_000_000)
    assert balance() == 10_000_000


def test_a_cashier_voids_their_own_payment_as_a_reversal_linked_to_it(desk: None) -> None:
    take(5_000)
    result = void()
    assert (result.amount_fen, result.available_balance_fen, result.replayed) == (5_000, 0, False)
    assert (result.voided_by, result.authorised_by, result.reason) == ("张敏（zhang）", "林班长（lin）", "金额输错")
    refund = PaymentRefund.objects.get()
    assert (refund.kind, refund.payment.channel_txn_id, refund.amount_fen) == ("reversal", "GT-1", 5_000)
    assert refund.transfer.kind == "refund" and balance() == 0
    receipt = CounterReceipt.objects.get()
    assert receipt.void_refund == refund and receipt.voided_at == AT + timedelta(minutes=5)
    audit = AuditRecord.objects.get(action="payment.counter_void")
    assert audit.actor == "张敏（zhang）" and audit.note == "金额输错"
    assert audit.new == {"voided": True, "receipt_no": "GT-1", "amount_fen": 5_000, "authorised_by": "林班长（lin）",
                         "refund_id": refund.id}
    assert cached_balances_match_transfers()

    again = void(at=AT + timedelta(minutes=9), reason="再按一次")
    assert again.replayed and again.reason == "金额输错" and again.available_balance_fen == 0
    assert PaymentRefund.objects.count() == 1 and balance() == 0


def test_a_void_is_refused_when_it_is_not_the_cashiers_own_nor_today_nor_the_counters(desk: None) -> None:
    take(5_000)
    with pytest.raises(VoidRefused, match="只能作废本人收的交费：这笔由 张敏 收取"):
        void(cashier="wang")
    with pytest.raises(VoidRefused, match="只能作废当天"):
        void(at=AT + timedelta(days=1))
    record_payment(account_no="3301000001", amount_fen=2_000, channel="wechat", channel_txn_id="WX-1",
                   received_at=AT, business_day=DAY)
    with pytest.raises(VoidRefused, match="WX-1 是微信支付的交费，不是柜台收费"):
        void("WX-1")
    with pytest.raises(CommandError, match="没有柜台收据 GT-404"):
        call_command("payments", "void", "--receipt-no", "GT-404", "--reason", "x", "--as", "zhang",
                     "--authorised-by", "lin")
    with pytest.raises(AuthorisationRefused, match="登录名或密码不正确"):
        void(password="guess")
    with pytest.raises(AuthorisationRefused, match="不是班长或所长"):
        void(by="wang")
    with pytest.raises(AuthorisationRefused, match="须由班长或所长授权"):
        void(by=" ")
    with pytest.raises(Exception, match="必须写明作废原因"):
        void(reason="  ")
    assert not PaymentRefund.objects.exists() and balance() == 7_000


def test_money_that_paid_a_postpaid_bill_is_not_the_counters_to_void(desk: None) -> None:
    overdue_account(3)  # billed 134.50 yuan, due 9 February 2025
    paid_at = datetime(2025, 2, 12, 10, 0, tzinfo=SHANGHAI)
    take_counter_payment(account_no="3301000003", amount_fen=20_000, receipt_no="GT-B", cashier="张敏", actor="zhang",
                         at=paid_at, business_day=paid_at.date())
    # The bill and its late fee (under 1 yuan: charged as 1 yuan).
    with pytest.raises(VoidRefused, match=r"已冲抵后付费电费单 135\.50 元，柜台不能作废"):
        void("GT-B", at=paid_at + timedelta(minutes=1))
    assert not PaymentRefund.objects.exists()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(opening=st.integers(min_value=-500_000, max_value=500_000), amount=st.integers(min_value=1, max_value=99_999),
       repeats=st.integers(min_value=1, max_value=3))
def test_a_payment_then_its_void_leaves_the_ledger_balanced_and_the_balance_as_before(
    desk: None, opening: int, amount: int, repeats: int
) -> None:
    with transaction.atomic():
        enrol(2, opening_balance_fen=opening)
        before = {code: fen for code, fen in LedgerAccount.objects.values_list("code", "balance_fen")}
        transfers = Transfer.objects.count()
        take_counter_payment(account_no="3301000002", amount_fen=amount, receipt_no="GT-P", cashier="张敏",
                             actor="zhang", at=AT, business_day=DAY)
        results = [void("GT-P", at=AT + timedelta(minutes=n)) for n in range(repeats)]
        assert [r.replayed for r in results] == [False] + [True] * (repeats - 1)
        after = {code: fen for code, fen in LedgerAccount.objects.values_list("code", "balance_fen")}
        assert after == {**before, "clearing:counter": before.get("clearing:counter", 0)}
        assert balance("3301000002") == opening
        assert Transfer.objects.count() == transfers + 2  # the payment and its one reversal, however often sent
        assert sum(after.values()) == 0 and cached_balances_match_transfers()
        transaction.set_rollback(True)


def test_a_void_that_puts_a_reconnected_account_back_into_arrears_is_left_to_the_next_runs(desk: None) -> None:
    """The void disconnects nobody at once: the next settlement's alerts see the arrears, and the disconnection
    run the day after carries it out, as for any arrears (the reconnection the payment set off stands)."""
    account = enrol(2, opening_balance_fen=0, phone="13900000002")
    LedgerAccount.objects.filter(id=account.ledger_account_id).update(balance_fen=-1_250)
    Account.objects.filter(id=account.id).update(supply_state="disconnected", arrears_since=AT - timedelta(days=2))
    Meter.objects.filter(account=account).update(relay_open_reported=True, relay_open_desired=True)
    take_counter_payment(account_no="3301000002", amount_fen=5_000, receipt_no="GT-R", cashier="张敏", actor="zhang",
                         at=AT, business_day=DAY)
    address = account.meters.get().dlt645_address
    head_end = HeadEnd()
    assert len(head_end.outbound(at=AT + timedelta(seconds=1))) == 1  # the reconnect goes out
    head_end.inbound(frames=[peer.control_accepted(address)], at=AT + timedelta(seconds=2))
    closed = peer.read_answer(address, peer.identifier(0x04, 0x00, 0x05, 0x03),
                              peer.status_word_3(relay_open=False, command_open=False))
    head_end.inbound(frames=[closed], at=AT + timedelta(seconds=3))
    assert Account.objects.get(id=account.id).supply_state == "connected"

    void("GT-R", at=AT + timedelta(minutes=30))
    assert balance("3301000002") == -1_250
    assert not MeterCommand.objects.filter(account=account, action="disconnect").exists()  # nothing at once
    evaluate_alerts(day=DAY, at=datetime(2025, 3, 11, 1, 30, tzinfo=SHANGHAI))  # after the night's settlement
    assert Notification.objects.filter(account=account, kind="arrears").count() == 1
    assert enforce_supply(at=datetime(2025, 3, 11, 10, 0, tzinfo=SHANGHAI)).queued == 0  # arrears of today
    assert enforce_supply(at=datetime(2025, 3, 12, 10, 0, tzinfo=SHANGHAI)).queued == 1  # the next day's run
    assert MeterCommand.objects.filter(account=account, action="disconnect").count() == 1


def test_the_first_print_is_the_original_and_a_print_asked_for_again_is_counted_once(desk: None) -> None:
    take(5_000)
    pdfs: list[bytes] = []
    assert print_receipt(receipt_no="GT-1", deliver_pdf=pdfs.append).copy == 1
    assert print_receipt(receipt_no="GT-1", deliver_pdf=pdfs.append, copy=1).copy == 1  # the viewer's second fetch
    assert CounterReceipt.objects.get().prints == 1
    assert print_receipt(receipt_no="GT-1", deliver_pdf=pdfs.append).copy == 2
    assert print_receipt(receipt_no="GT-1", deliver_pdf=pdfs.append, copy=9).copy == 3  # beyond: just the next
    assert CounterReceipt.objects.get().prints == 3


def test_the_command_line_takes_voids_and_prints_as_the_console_does(
    desk: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    counter = ["payments", "counter", "--account", "3301000001", "--receipt-no", "GT-9", "--cashier", "zhang"]
    # The command line names its options, not the console's fields (“再次输入金额”, the login and password).
    with pytest.raises(CommandError) as typed_once:
        call_command(*counter, "--amount-fen", "600000")
    assert str(typed_once.value) == ("金额超过 1000.00 元，请用 --confirm-amount-fen 再输入一遍金额（分） "
                                     "[counter_refused]")
    with pytest.raises(CommandError) as unauthorised:
        call_command(*counter, "--amount-fen", "600000", "--confirm-amount-fen", "600000")
    assert str(unauthorised.value) == ("金额 6000.00 元超过柜台单笔限额 5000.00 元：须由班长或所长授权，"
                                       "请用 --authorised-by 给出授权人的登录名，否则不能收费 [counter_refused]")
    with pytest.raises(CommandError, match=r"两次输入的金额不一致（6000\.00 元与 600\.00 元）"):
        call_command(*counter, "--amount-fen", "600000", "--confirm-amount-fen", "60000")
    call_command(*counter, "--amount-fen", "600000", "--confirm-amount-fen", "600000", "--authorised-by", "lin")
    assert "已入账" in capsys.readouterr().out
    with pytest.raises(CommandError, match=r"^须由班长或所长授权：请用 --authorised-by 给出授权人的登录名 "):
        call_command("payments", "void", "--receipt-no", "GT-9", "--reason", "输错", "--as", "zhang",
                     "--authorised-by", " ")
    call_command("payments", "receipt", "--receipt-no", "GT-9", "--pdf", str(tmp_path / "first.pdf"))
    assert "已打印原件" in capsys.readouterr().out  # not 补打: nothing was printed with the payment
    call_command("payments", "receipt", "--receipt-no", "GT-9", "--pdf", str(tmp_path / "second.pdf"))
    assert "补打第 2 次" in capsys.readouterr().out
    with pytest.raises(CommandError, match="只能作废本人收的交费"):
        call_command("payments", "void", "--receipt-no", "GT-9", "--reason", "输错", "--as", "wang",
                     "--authorised-by", "lin")
    call_command("payments", "void", "--receipt-no", "GT-9", "--reason", "输错", "--as", "zhang",
                 "--approved-by", "lin", "--pdf", str(tmp_path / "void.pdf"))
    out = capsys.readouterr().out
    assert "已作废：收据号 GT-9" in out and "冲回 6000.00 元" in out and "授权人 林班长（lin）" in out
    assert (tmp_path / "void.pdf").read_bytes().startswith(b"%PDF")
    call_command("payments", "void", "--receipt-no", "GT-9", "--reason", "输错", "--as", "zhang",
                 "--approved-by", "lin")
    assert "此前已作废，未重复冲正" in capsys.readouterr().out
    call_command("payments", "receipt", "--receipt-no", "GT-9", "--pdf", str(tmp_path / "again.pdf"))
    assert "补打第 4 次（已作废）" in capsys.readouterr().out
    call_command("payments", "void", "--receipt-no", "GT-9", "--reason", "输错", "--as", "zhang",
                 "--approved-by", "lin", "--json")
    shown = json.loads(capsys.readouterr().out)
    assert (shown["replayed"], shown["amount_fen"], shown["authorised_by"]) == (True, 600_000, "林班长（lin）")
    assert balance() == 0 and PaymentRefund.objects.count() == 1


def test_a_void_into_arrears_says_what_becomes_of_supply(desk: None, capsys: pytest.CaptureFixture[str]) -> None:
    enrol(2, opening_balance_fen=-4_000)
    call_command("payments", "counter", "--account", "3301000002", "--amount-fen", "5000", "--receipt-no", "GT-A",
                 "--cashier", "zhang")  # on the test's clock, as the void is
    call_command("payments", "void", "--receipt-no", "GT-A", "--reason", "户号输错", "--as", "zhang",
                 "--authorised-by", "lin")
    out = capsys.readouterr().out
    assert "可用余额 -40.00 元" in out and "不会立即停电" in out and "次日在停电时段内" in out
