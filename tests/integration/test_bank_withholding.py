"""Bank withholding and auto-recharge: queued once below the threshold, exported, answered by the bank's file."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridpay.application.errors import InvalidInput
from gridpay.application.payments.withholding.export_batch import export_batch
from gridpay.application.payments.withholding.import_results import import_results
from gridpay.application.payments.withholding.queue_withholdings import queue_withholdings
from gridpay.application.payments.withholding.sign_agreement import sign_agreement
from gridpay.data.models import LedgerAccount, Notification, Payment, WithholdingRequest
from tests.integration.test_record_payment import cached_balances_match_transfers
from tests.support.accounts import enrol

pytestmark = pytest.mark.django_db
AT = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
DAY = date(2025, 3, 10)


def agree(number: int, threshold: int = 2_000, amount: int = 10_000) -> None:
    sign_agreement(account_no=f"33010{number:05d}", bank_code="PSBC", account_token=f"tok-{number}",
                   holder_name=f"测试用户{number}", threshold_fen=threshold, amount_fen=amount, by="营业员", at=AT)


def balance(number: int) -> int:
    return int(LedgerAccount.objects.get(code=f"customer:33010{number:05d}").balance_fen)


def result_file(batch: str, lines: list[tuple[int, int, str, str]]) -> bytes:
    succeeded = sum(amount for _, amount, code, _ in lines if code == "0000")
    body = [f"H|{batch}|PSBC|20250311090000|{len(lines)}|{succeeded}"]
    body += [f"R|{rid}|{amount}|{code}|{txn}|{'成功' if code == '0000' else '余额不足'}"
             for rid, amount, code, txn in lines]
    body.append(f"T|{len(lines)}|{succeeded}")
    return ("\n".join(body) + "\n").encode()


def test_low_balances_are_withheld_once_and_the_bank_file_credits_or_tells_the_customer(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=1_500, phone="13900000001")
    enrol(2, opening_balance_fen=500, phone="13900000002")
    enrol(3, opening_balance_fen=50_000)
    for number in (1, 2, 3):
        agree(number)
    assert queue_withholdings(at=AT, business_day=DAY) == 2  # account 3 is above its threshold
    assert queue_withholdings(at=AT, business_day=DAY) == 0  # still open: queued once
    delivered: list[str] = []
    batch = export_batch(bank_code="PSBC", by="营业厅", at=AT, zone="Asia/Shanghai", deliver=delivered.append)
    assert delivered == [batch.content]
    lines = batch.content.splitlines()
    assert lines[0].startswith(f"H|{batch.batch_no}|PSBC|20250310100000|2|20000")
    assert lines[1].split("|")[2:] == ["tok-1", "测***1", "10000", "3301000001"]  # a token, never a card number
    assert lines[-1] == "T|2|20000"
    ids = sorted(WithholdingRequest.objects.values_list("id", flat=True))
    results = result_file(batch.batch_no, [(ids[0], 10_000, "0000", "PSBC-778899"), (ids[1], 10_000, "3001", "")])
    done = import_results(content=results, at=AT, business_day=DAY)
    assert (done.succeeded, done.failed, done.credited_fen, done.sms_queued) == (1, 1, 10_000, 1)
    assert balance(1) == 11_500 and balance(2) == 500
    assert Payment.objects.get().channel_txn_id == "PSBC-778899"
    sms = Notification.objects.get(kind="withholding_failed")
    assert sms.phone == "13900000002" and "银行代扣电费100.00元未成功（余额不足）" in sms.text
    again = import_results(content=results, at=AT, business_day=DAY)  # the same file again
    assert again.unchanged == 2 and Payment.objects.count() == 1 and Notification.objects.count() == 1
    # Answered, the failed account queues again at the next settlement; the credited one is above its threshold.
    assert queue_withholdings(at=AT, business_day=DAY) == 1
    assert cached_balances_match_transfers()


def test_a_result_file_that_does_not_match_the_batch_changes_nothing(zj_tariff: str, tmp_path: Path) -> None:
    enrol(1, opening_balance_fen=0)
    agree(1)
    queue_withholdings(at=AT, business_day=DAY)
    call_command("withholding", "export", "--bank", "PSBC", "--out", str(tmp_path / "batch.txt"), "--by", "营业厅")
    batch_no = (tmp_path / "batch.txt").read_text().split("|")[1]
    request_id = WithholdingRequest.objects.get().id
    bad = [
        (result_file(batch_no, [(request_id, 9_999, "0000", "T1")]), "金额"),
        (result_file(batch_no, [(request_id + 7, 10_000, "0000", "T1")]), "不在这个批次"),
        (result_file("WH000", [(request_id, 10_000, "0000", "T1")]), "没有银行"),
        (result_file(batch_no, [(request_id, 10_000, "0000", "")]), "银行流水号"),
        (b"hello", "文件头"),
    ]
    for content, message in bad:
        with pytest.raises(InvalidInput, match=message):
            import_results(content=content, at=AT, business_day=DAY)
    assert Payment.objects.count() == 0 and WithholdingRequest.objects.get().status == "exported"
    (tmp_path / "result.txt").write_bytes(result_file(batch_no, [(request_id, 10_000, "0000", "T1")]))
    call_command("withholding", "import", str(tmp_path / "result.txt"))
    assert balance(1) == 10_000
    with pytest.raises(CommandError, match="没有待代扣"):
        call_command("withholding", "export", "--bank", "PSBC", "--out", str(tmp_path / "b2.txt"), "--by", "营业厅")
