"""Reconciliation of a channel's day: differences kept, resolved once each with money moved and an audit record."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from gridpay.application.payments.reconciliation.reconcile_channel import InvalidStatement, reconcile_channel
from gridpay.application.payments.reconciliation.resolve_difference import resolve_difference
from gridpay.application.payments.record_payment import record_payment
from gridpay.data.models import (
    AuditRecord,
    LedgerAccount,
    Payment,
    PaymentRefund,
    Reconciliation,
    ReconciliationDifference,
)
from gridpay.domain.payments import PaymentConflict
from gridpay.domain.reconciliation import ResolutionRefused
from tests.integration.test_record_payment import cached_balances_match_transfers
from tests.support.accounts import enrol
from tests.support.channel_servers import ALIPAY_APPID, AlipayGateway, WeChatPayServer
from tests.support.clock import current_instant
from tests.support.staff import ACCOUNTANT, an_accountant

pytestmark = pytest.mark.django_db
DAY = date(2025, 3, 10)
AT = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
HEADER = "kind,channel_txn_id,refund_id,account_no,amount_fen,at\n"


def pay(txn: str, fen: int, number: int = 1, at: datetime = AT) -> None:
    record_payment(account_no=f"33010{number:05d}", amount_fen=fen, channel="agent", channel_txn_id=txn,
                   received_at=at, business_day=DAY)


def run(content: str, name: str = "agent-2025-03-10.csv") -> Any:
    return reconcile_channel(channel="agent", day=DAY, file_name=name, content=content.encode(), run_by="对账员",
                             at=AT, zone="Asia/Shanghai")


def balance(number: int) -> int:
    return int(LedgerAccount.objects.get(code=f"customer:33010{number:05d}").balance_fen)


def differences() -> dict[str, ReconciliationDifference]:
    return {d.channel_txn_id: d for d in ReconciliationDifference.objects.all()}


STATEMENT = HEADER + "\n".join([
    "payment,T1,,3301000001,1000,2025-03-10T10:00:00+08:00",
    "payment,T2,,3301000001,2500,2025-03-10T10:00:00+08:00",  # we have 2000
    "payment,T3,,3301000002,3000,2025-03-10T10:00:00+08:00",  # we credited account 1
    "payment,T6,,3301000002,600,2025-03-10T10:00:00+08:00",  # we never heard of it
    "payment,T6,,3301000002,600,2025-03-10T10:00:00+08:00",
]) + "\n"


def test_a_day_is_reconciled_and_every_difference_resolved_once_with_an_audit_record(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=0)
    enrol(2, opening_balance_fen=0)
    pay("T1", 1000)
    pay("T2", 2000)
    pay("T3", 3000)
    pay("T5", 500)  # the agent never reported it
    pay("T9", 700, at=AT + timedelta(days=1))  # another day: not part of this reconciliation
    report = run(STATEMENT)
    assert (report.lines, report.matched, len(report.difference_ids)) == (5, 1, 5)
    by_txn = differences()
    assert {t: d.kind for t, d in by_txn.items() if t != "T6"} == {
        "T2": "amount_mismatch", "T3": "account_mismatch", "T5": "missing_there"
    }
    kinds = sorted(ReconciliationDifference.objects.values_list("kind", flat=True))
    assert kinds == ["account_mismatch", "amount_mismatch", "duplicate", "missing_here", "missing_there"]
    # The same file again is the same reconciliation.
    assert run(STATEMENT).replayed and Reconciliation.objects.count() == 1

    def resolve(kind: str, action: str, account: str = "") -> Any:
        row = ReconciliationDifference.objects.get(kind=kind)
        return resolve_difference(difference_id=row.id, action=action, actor="李会计", note="已与代收点核实",
                                  account_no=account, at=AT, business_day=DAY)

    assert resolve("amount_mismatch", "credit").moved_fen == 500  # the agent collected 25.00, we credited 20.00
    assert resolve("account_mismatch", "credit").moved_fen == 3000  # moved from account 1 to account 2
    assert resolve("missing_there", "reverse").moved_fen == 500
    assert resolve("missing_here", "credit").moved_fen == 600
    assert resolve("duplicate", "write-off").moved_fen == 0
    assert balance(1) == 1000 + 2000 + 500 + 700  # T1, T2 corrected to 25.00, T9 (T3 moved, T5 reversed)
    assert balance(2) == 3000 + 600
    assert PaymentRefund.objects.filter(kind="reversal").count() == 2
    assert Payment.objects.filter(payer="对账补记").count() == 3
    assert ReconciliationDifference.objects.filter(status="open").count() == 0
    audit = AuditRecord.objects.filter(action="reconciliation.resolve")
    assert audit.count() == 5 and set(audit.values_list("actor", flat=True)) == {"李会计"}
    assert audit.get(new__resolution="reverse").old == {"status": "open"}
    # A retry of a resolution moves nothing; another resolution of a resolved difference is a conflict.
    assert resolve("missing_here", "credit").replayed and balance(2) == 3600
    with pytest.raises(PaymentConflict):
        resolve("missing_here", "write-off")
    assert cached_balances_match_transfers()


def test_a_resolution_that_does_not_fit_or_lacks_a_note_moves_nothing(zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=0)
    run(HEADER + "payment,T7,,,900,\n")  # a statement without the account
    row = ReconciliationDifference.objects.get()
    with pytest.raises(ResolutionRefused, match="--account"):
        resolve_difference(difference_id=row.id, action="credit", actor="李会计", note="核实", at=AT, business_day=DAY)
    with pytest.raises(ResolutionRefused, match="核实情况"):
        resolve_difference(difference_id=row.id, action="write-off", actor="李会计", note="", at=AT,
                           business_day=DAY)
    with pytest.raises(ResolutionRefused, match="处理方式"):
        resolve_difference(difference_id=row.id, action="ignore", actor="李会计", note="x", at=AT, business_day=DAY)
    assert Payment.objects.count() == 0 and AuditRecord.objects.count() == 0
    assert ReconciliationDifference.objects.get().status == "open"


def test_a_bad_statement_writes_nothing(zj_tariff: str) -> None:
    with pytest.raises(InvalidStatement, match="第 3 行"):
        run(HEADER + "payment,T1,,3301000001,100,\npayment,T2,,3301000001,abc,\n")
    assert Reconciliation.objects.count() == 0


def test_the_wechat_bill_is_downloaded_and_reconciled_from_the_command_line(
    zj_tariff: str, tmp_path: Path, settings: Any, client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    from gridpay.application.payments.channels.create_channel_order import create_channel_order
    from gridpay.integrations.channels.factory import build_online_channel

    enrol(1, opening_balance_fen=0)
    server = WeChatPayServer()
    with server.running():
        settings.PAYMENT_CHANNELS_CONFIG = server.settings(tmp_path)
        adapter = build_online_channel("wechat", settings.PAYMENT_CHANNELS_CONFIG)
        now = current_instant()
        for amount in (1_000, 2_000):
            order_no = create_channel_order(channel=adapter, account_no="3301000001", amount_fen=amount,
                                            kind="native", now=now).order_no
            server.pay(order_no, at=now)
            headers, body = server.notification(order_no, sent_at=now)
            client.post("/api/channels/wechat/notify", data=body, content_type="application/json", headers=headers)
        Payment.objects.filter(amount_fen=2_000).update(amount_fen=1_999)  # a bug of ours the bill will show
        today = (now + timedelta(hours=8)).date()
        call_command("reconcile", "--channel", "wechat", "--date", today.isoformat(), "--download",
                     "--save", str(tmp_path / "bill.csv"), "--as", an_accountant())
    out = capsys.readouterr().out
    assert "对账单 2 行，相符 1，差异 1" in out and "金额不符" in out and "渠道 20.00 元 / 本系统 19.99 元" in out
    assert (tmp_path / "bill.csv").read_text().startswith("交易时间,")
    call_command("reconcile", "--channel", "wechat", "--date", today.isoformat(), str(tmp_path / "bill.csv"),
                 "--as", ACCOUNTANT)
    assert "此前已对账" in capsys.readouterr().out
    row = ReconciliationDifference.objects.get()
    call_command("reconcile", "--resolve", str(row.id), "--action", "credit", "--note", "账单为准", "--as", ACCOUNTANT)
    assert "动账 0.01 元" in capsys.readouterr().out
    call_command("reconcile", "--differences")
    assert "已处理：credit（王会计（wanghj））" in capsys.readouterr().out
    with pytest.raises(CommandError, match="找不到对账单文件"):
        call_command("reconcile", "--channel", "wechat", "--date", today.isoformat(), str(tmp_path / "none.csv"),
                     "--as", ACCOUNTANT)


@pytest.mark.parametrize("names", ["gbk", "utf-8"])
@pytest.mark.parametrize("summary_first", [True, False])
def test_the_alipay_statement_downloaded_is_its_detail_file_whatever_the_names_encoding_and_order(
    *, zj_tariff: str, alipay: AlipayGateway, settings: Any, client: Client, capsys: pytest.CaptureFixture[str],
    names: str, summary_first: bool,
) -> None:
    from gridpay.application.payments.channels.create_channel_order import create_channel_order
    from gridpay.integrations.channels.factory import build_online_channel

    enrol(1, opening_balance_fen=0)
    adapter = build_online_channel("alipay", settings.PAYMENT_CHANNELS_CONFIG)
    now = current_instant()
    order_no = create_channel_order(channel=adapter, account_no="3301000001", amount_fen=4_321, kind="precreate",
                                    now=now).order_no
    alipay.pay(order_no, at=now)
    body = alipay.notification(order_no, sent_at=now)
    assert client.post("/api/channels/alipay/notify", data=body,
                       content_type="application/x-www-form-urlencoded").content == b"success"
    today = (now + timedelta(hours=8)).date()
    real_statement_zip = alipay.statement_zip
    alipay.statement_zip = lambda day: real_statement_zip(day, names=names, summary_first=summary_first)  # type: ignore[method-assign]
    call_command("reconcile", "--channel", "alipay", "--date", today.isoformat(), "--download", "--as", an_accountant())
    out = capsys.readouterr().out
    assert "对账单 1 行，相符 1，差异 0" in out and "交费：渠道 43.21 元，本系统 43.21 元" in out


def test_the_test_alipay_archive_is_written_as_alipay_writes_it() -> None:
    """The peer's zip names are GBK bytes without the UTF-8 flag (zipfile reads them as cp437), summary first."""
    import io
    import zipfile

    gateway = AlipayGateway()
    gateway.httpd.server_close()
    with zipfile.ZipFile(io.BytesIO(gateway.statement_zip(DAY))) as files:
        infos = files.infolist()
    assert [info.flag_bits & 0x800 for info in infos] == [0, 0]
    assert [info.filename.encode("cp437").decode("gbk") for info in infos] == [
        f"{ALIPAY_APPID}_20250310_业务明细(汇总).csv", f"{ALIPAY_APPID}_20250310_业务明细.csv"]


def test_the_alipay_account_ledger_is_reconciled_like_its_trade_details(
    *, zj_tariff: str, alipay: AlipayGateway, settings: Any, client: Client, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from gridpay.application.payments.channels.create_channel_order import create_channel_order
    from gridpay.application.payments.channels.refund_through_channel import refund_through_channel
    from gridpay.integrations.channels.factory import build_online_channel

    enrol(1, opening_balance_fen=0)
    adapter = build_online_channel("alipay", settings.PAYMENT_CHANNELS_CONFIG)
    now = current_instant()
    txns = []
    for amount in (5_000, 3_000):
        order_no = create_channel_order(channel=adapter, account_no="3301000001", amount_fen=amount,
                                        kind="precreate", now=now).order_no
        txns.append(alipay.pay(order_no, at=now))
        body = alipay.notification(order_no, sent_at=now)
        client.post("/api/channels/alipay/notify", data=body, content_type="application/x-www-form-urlencoded")
    for refund_no, amount in (("RF-1", 1_000), ("RF-2", 1_000)):
        refund_through_channel(channel=adapter, channel_txn_id=txns[0], refund_no=refund_no, amount_fen=amount,
                               reason="多交", at=now, business_day=now.date())
    today = (now + timedelta(hours=8)).date()
    ledger = tmp_path / "20880000_账务明细.csv"
    ledger.write_bytes(alipay.account_ledger(today))
    call_command("reconcile", "--channel", "alipay", "--date", today.isoformat(), str(ledger), "--as", an_accountant())
    out = capsys.readouterr().out
    assert "对账单 4 行，相符 4，差异 0" in out
    assert "交费：渠道 80.00 元，本系统 80.00 元；退款：渠道 20.00 元，本系统 20.00 元" in out


def test_only_the_accountant_or_the_head_reconciles_on_the_command_line(tmp_path: Path) -> None:
    from gridpay.application.staff.add_staff import add_staff

    add_staff(username="zhang", name="张敏", role="cashier", password="a-password-of-12-chars")
    statement = tmp_path / "statement.csv"
    statement.write_text("kind,channel_txn_id,refund_id,account_no,amount_fen,at\n", encoding="utf-8")
    reconcile = ["reconcile", "--channel", "agent", "--date", DAY.isoformat(), str(statement)]
    with pytest.raises(CommandError, match="需要 --as"):
        call_command(*reconcile)
    with pytest.raises(CommandError, match="只有核算员或所长可以对账与处理差异：张敏（zhang） 不是"):
        call_command(*reconcile, "--as", "zhang")  # who takes the money does not reconcile it
    assert not Reconciliation.objects.exists()
    call_command(*reconcile, "--as", an_accountant())
    assert Reconciliation.objects.get().run_by == "王会计（wanghj）"
