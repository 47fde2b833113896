"""Files before commits: a command that writes a file as part of a change checks the destination first, and either
writes the file whole before the change commits or changes nothing (bank batches, card PINs, counter receipts,
downloaded statements)."""

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridpay.application.payments.withholding.queue_withholdings import queue_withholdings
from gridpay.data.models import CardBatch, CounterReceipt, Payment, RechargeCard, WithholdingBatch, WithholdingRequest
from gridpay.integrations.files.output_file import OutputFileRefused, output_file
from tests.integration.test_bank_withholding import agree
from tests.support.accounts import enrol
from tests.support.clock import FakeClock
from tests.support.staff import an_accountant

pytestmark = pytest.mark.django_db


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """The disk fills up while a file is being written (the last step before its rename)."""

    def fill() -> None:
        def no_space(fd: int) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(os, "fsync", no_space)

    return fill


def only(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_a_bank_batch_that_cannot_be_written_exports_nothing(
    zj_tariff: str, tmp_path: Path, clock: FakeClock, disk_full: Callable[[], None]
) -> None:
    enrol(1, opening_balance_fen=500, phone="13900000001")
    agree(1)
    assert queue_withholdings(at=clock.now(), business_day=clock.today()) == 1
    export = ["withholding", "export", "--bank", "PSBC", "--by", "营业厅"]

    with pytest.raises(CommandError, match="不存在"):
        call_command(*export, "--out", str(tmp_path / "missing" / "batch.txt"))
    with pytest.raises(CommandError, match="是一个目录"):
        call_command(*export, "--out", str(tmp_path))
    disk_full()
    with pytest.raises(CommandError, match="无法写入"):
        call_command(*export, "--out", str(tmp_path / "batch.txt"))
    assert WithholdingRequest.objects.get().status == "queued" and not WithholdingBatch.objects.exists()
    assert only(tmp_path) == [], "no file, not even a temporary one"


def test_a_bank_batch_is_exported_once_then_written_again_exactly(
    zj_tariff: str, tmp_path: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    enrol(1, opening_balance_fen=500, phone="13900000001")
    agree(1)
    queue_withholdings(at=clock.now(), business_day=clock.today())
    call_command("withholding", "export", "--bank", "PSBC", "--by", "营业厅", "--out", str(tmp_path / "batch.txt"))
    batch = WithholdingBatch.objects.get()
    assert WithholdingRequest.objects.get().status == "exported"
    first = (tmp_path / "batch.txt").read_bytes()
    assert first.startswith(f"H|{batch.batch_no}|PSBC|".encode())

    with pytest.raises(CommandError, match="已存在"):
        call_command("withholding", "export", "--batch", batch.batch_no, "--by", "营业厅",
                     "--out", str(tmp_path / "batch.txt"))
    call_command("withholding", "export", "--batch", batch.batch_no, "--by", "营业厅",
                 "--out", str(tmp_path / "again.txt"))
    assert (tmp_path / "again.txt").read_bytes() == first
    assert "重新导出" in capsys.readouterr().out
    with pytest.raises(CommandError, match="没有代扣批次"):
        call_command("withholding", "export", "--batch", "WH0", "--by", "营业厅", "--out", str(tmp_path / "x.txt"))
    assert not (tmp_path / "x.txt").exists()
    assert WithholdingBatch.objects.count() == 1


def test_cards_whose_pins_cannot_be_written_are_not_issued(
    tmp_path: Path, disk_full: Callable[[], None]
) -> None:
    issue = ["cards", "issue", "--batch", "2026A", "--count", "3", "--face-value-fen", "5000", "--expires",
             "2099-12-31", "--by", "制卡员"]
    disk_full()
    with pytest.raises(CommandError, match="无法写入"):
        call_command(*issue, "--out", str(tmp_path / "cards.csv"))
    assert not CardBatch.objects.exists() and not RechargeCard.objects.exists()
    assert only(tmp_path) == []


def test_cards_issued_have_their_pins_in_the_file_readable_by_its_owner_only(tmp_path: Path) -> None:
    call_command("cards", "issue", "--batch", "2026A", "--count", "3", "--face-value-fen", "5000", "--expires",
                 "2099-12-31", "--by", "制卡员", "--out", str(tmp_path / "cards.csv"))
    lines = (tmp_path / "cards.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 and RechargeCard.objects.count() == 3
    assert (tmp_path / "cards.csv").stat().st_mode & 0o077 == 0


def test_a_counter_payment_whose_receipt_cannot_be_written_is_not_credited(
    zj_tariff: str, tmp_path: Path, disk_full: Callable[[], None], capsys: pytest.CaptureFixture[str]
) -> None:
    enrol(1, opening_balance_fen=0)
    counter = ["payments", "counter", "--account", "3301000001", "--amount-fen", "5000", "--receipt-no", "GT-1",
               "--cashier", "营业员小王"]
    with pytest.raises(CommandError, match="不存在"):
        call_command(*counter, "--pdf", str(tmp_path / "nowhere" / "r.pdf"))
    disk_full()
    with pytest.raises(CommandError, match="无法写入"):
        call_command(*counter, "--pdf", str(tmp_path / "r.pdf"))
    assert not Payment.objects.exists() and only(tmp_path) == []


def test_the_first_receipt_printed_is_the_original_and_a_reprint_that_fails_is_not_counted(
    zj_tariff: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, disk_full: Callable[[], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    enrol(1, opening_balance_fen=0)
    call_command("payments", "counter", "--account", "3301000001", "--amount-fen", "5000", "--receipt-no", "GT-1",
                 "--cashier", "营业员小王", "--pdf", str(tmp_path / "r.pdf"))
    assert CounterReceipt.objects.get().prints == 1, "the receipt printed with the payment is the original"
    disk_full()
    with pytest.raises(CommandError, match="无法写入"):
        call_command("payments", "receipt", "--receipt-no", "GT-1", "--pdf", str(tmp_path / "copy.pdf"))
    assert CounterReceipt.objects.get().prints == 1, "a copy nobody holds is not counted"
    monkeypatch.undo()
    call_command("payments", "receipt", "--receipt-no", "GT-1", "--pdf", str(tmp_path / "copy.pdf"))
    assert "补打第 2 次" in capsys.readouterr().out


def test_a_counter_payment_without_a_pdf_leaves_the_first_print_to_come(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=0)
    call_command("payments", "counter", "--account", "3301000001", "--amount-fen", "5000", "--receipt-no", "GT-1",
                 "--cashier", "营业员小王")
    assert CounterReceipt.objects.get().prints == 0


def test_a_statement_is_not_downloaded_when_it_could_not_be_kept(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="不存在"):  # refused before the channel is asked (none is configured)
        call_command("reconcile", "--channel", "wechat", "--date", "2026-01-05", "--download",
                     "--save", str(tmp_path / "nowhere" / "bill.csv"), "--as", an_accountant())
    assert only(tmp_path) == []


@pytest.mark.django_db(transaction=True)
def test_a_file_stays_once_its_change_committed_whatever_fails_after(tmp_path: Path) -> None:
    from django.db import transaction

    target = tmp_path / "batch.txt"
    with pytest.raises(RuntimeError), output_file(target) as out:
        with transaction.atomic():
            out.write("批次")
        raise RuntimeError("the lock could not be let go after the commit")
    assert target.read_text(encoding="utf-8") == "批次"


@pytest.mark.django_db
def test_a_file_written_before_a_change_that_then_fails_is_removed(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), output_file(target) as out:
        out.write("内容")
        assert target.read_text(encoding="utf-8") == "内容"
        raise RuntimeError("the commit failed")
    assert only(tmp_path) == []
    target.write_text("someone else's", encoding="utf-8")
    with pytest.raises(OutputFileRefused), output_file(target):
        pass
    assert target.read_text(encoding="utf-8") == "someone else's"
