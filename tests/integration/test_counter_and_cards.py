"""Counter payments with a printable receipt, and recharge cards redeemable once with their PINs kept hashed."""

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridpay.application.payments.cards.issue_card_batch import issue_card_batch
from gridpay.application.payments.cards.redeem_card import redeem_card
from gridpay.application.payments.cards.void_cards import void_cards
from gridpay.data.models import AuditRecord, ChannelRefusal, LedgerAccount, Payment, RechargeCard
from gridpay.domain.recharge_cards import CardRefused
from tests.integration.test_record_payment import cached_balances_match_transfers
from tests.support.accounts import enrol

pytestmark = pytest.mark.django_db
AT = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
DAY = date(2025, 3, 10)


def balance() -> int:
    return int(LedgerAccount.objects.get(code="customer:3301000001").balance_fen)


def test_a_counter_payment_prints_a_receipt_once_and_reprints_are_marked(
    zj_tariff: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    enrol(1, opening_balance_fen=-2_345)
    arguments = ["payments", "counter", "--account", "3301000001", "--amount-fen", "12345", "--receipt-no", "GT-0001",
                 "--cashier", "营业员小王", "--pdf", str(tmp_path / "r.pdf")]
    call_command(*arguments)
    out = capsys.readouterr().out
    assert "已入账" in out and "壹佰贰拾叁元肆角伍分" in out and "可用余额 100.00 元" in out
    pdf = (tmp_path / "r.pdf").read_bytes()
    # A Chinese font: embedded when one is installed here, else the STSong-Light every Adobe reader supplies.
    assert pdf.startswith(b"%PDF") and (b"/FontFile2" in pdf or b"STSong-Light" in pdf)
    with pytest.raises(CommandError, match="已存在"):
        call_command(*arguments)  # the cashier pressed twice: the receipt printed is never overwritten
    call_command(*arguments[:-1], str(tmp_path / "r2.pdf"))
    assert "重复提交，未重复入账" in capsys.readouterr().out
    assert Payment.objects.count() == 1 and balance() == 10_000
    call_command("payments", "receipt", "--receipt-no", "GT-0001", "--pdf", str(tmp_path / "copy.pdf"))
    assert "补打第 3 次" in capsys.readouterr().out
    with pytest.raises(CommandError, match="收费员"):
        call_command(*arguments[:6], "--receipt-no", "GT-0002", "--cashier", " ")


def test_a_card_is_redeemed_once_with_its_pin_which_is_never_stored(zj_tariff: str, tmp_path: Path) -> None:
    enrol(1, opening_balance_fen=0)
    call_command("cards", "issue", "--batch", "2025a", "--count", "3", "--face-value-fen", "5000",
                 "--expires", "2099-12-31", "--out", str(tmp_path / "cards.csv"), "--by", "制卡员")
    with (tmp_path / "cards.csv").open() as handle:
        printed = list(csv.DictReader(handle))
    assert [c["serial"] for c in printed] == ["2025A000001", "2025A000002", "2025A000003"]
    pin = printed[0]["pin"]
    assert len(pin.replace(" ", "")) == 16
    stored = RechargeCard.objects.get(serial="2025A000001")
    assert pin.replace(" ", "") not in stored.pin_digest and len(stored.pin_digest) == 64
    paid = redeem_card(account_no="3301000001", serial="2025a000001", pin=pin, at=AT, business_day=DAY)
    assert paid.amount_fen == 5_000 and balance() == 5_000
    assert Payment.objects.get().channel == "card"
    with pytest.raises(CardRefused, match="只能使用一次"):
        redeem_card(account_no="3301000001", serial="2025A000001", pin=pin, at=AT, business_day=DAY)
    with pytest.raises(CommandError, match="不覆盖"):
        call_command("cards", "issue", "--batch", "2025B", "--count", "1", "--face-value-fen", "5000",
                     "--expires", "2099-12-31", "--out", str(tmp_path / "cards.csv"), "--by", "制卡员")
    assert cached_balances_match_transfers()


def test_wrong_pins_lock_a_card_and_void_or_expired_cards_credit_nothing(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=0)
    cards = issue_card_batch(batch_code="B1", count=3, face_value_fen=10_000, expires_on=date(2025, 6, 30),
                             by="制卡员", at=AT, today=DAY, deliver=lambda printed: None)
    for attempt in range(5):
        with pytest.raises(CardRefused, match="密码错误"):
            redeem_card(account_no="3301000001", serial=cards[0].serial, pin="0000 0000 0000 0000", at=AT,
                        business_day=DAY)
        assert RechargeCard.objects.get(serial=cards[0].serial).failed_attempts == attempt + 1
    with pytest.raises(CardRefused, match="锁定"):  # even the right PIN, now
        redeem_card(account_no="3301000001", serial=cards[0].serial, pin=cards[0].pin, at=AT, business_day=DAY)
    assert ChannelRefusal.objects.filter(channel="card").count() == 5
    with pytest.raises(CardRefused, match="过期"):
        redeem_card(account_no="3301000001", serial=cards[1].serial, pin=cards[1].pin, at=AT,
                    business_day=date(2025, 7, 1))
    assert void_cards(batch_code="B1", by="班长", reason="批次印刷错误", at=AT) == 3
    with pytest.raises(CardRefused, match="作废"):
        redeem_card(account_no="3301000001", serial=cards[2].serial, pin=cards[2].pin, at=AT, business_day=DAY)
    assert AuditRecord.objects.get(action="cards.void").note == "批次印刷错误"
    assert Payment.objects.count() == 0 and balance() == 0
