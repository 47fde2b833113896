"""`gridpay supply enforce` as the operator reads it: why nothing was disconnected now."""

from datetime import date, timedelta

import pytest

from gridpay.data.models import Account, LedgerAccount
from tests.support.accounts import enrol
from tests.support.cli import run_in_process
from tests.support.clock import FakeClock, local

TUESDAY = date(2026, 3, 10)


@pytest.mark.django_db
def test_enforce_outside_the_hours_says_disconnection_waits_and_why(
    zj_tariff: str, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    clock.instant = local(TUESDAY, 20)  # after the window (09:00-16:00 by default)
    owing = enrol(1, opening_balance_fen=0)
    LedgerAccount.objects.filter(id=owing.ledger_account_id).update(balance_fen=-500)
    Account.objects.filter(id=owing.id).update(arrears_since=clock.now() - timedelta(days=2))

    enforced = run_in_process(capsys, "supply", "enforce")

    assert enforced.returncode == 0, enforced.stderr
    assert "下发停电命令 0 户" in enforced.stdout
    assert "停电暂不执行：不在停电时间段内（停电时段见 gridpay supply policy）" in enforced.stdout
