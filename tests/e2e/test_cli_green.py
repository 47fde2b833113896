"""`gridpay green …` as staff type it: flag a household, collect at its door (once), count the cash in at the
counter, read the discrepancy list, unflag it."""

import json
import os
import subprocess
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gridpay.application.staff.add_staff import add_staff
from gridpay.data.models import AuditRecord, HomeCollection, Payment
from gridpay.data.settings import gridpay_settings
from tests.support.accounts import enrol
from tests.support.cli import GRIDPAY, run_in_process
from tests.support.clock import FakeClock

PASSWORD = "Gr1dpay-test-pass"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 2


@pytest.fixture
def station(zj_tariff: str, tmp_path: Path, settings: Any) -> str:
    settings.GRIDPAY = replace(gridpay_settings(), green_photo_dir=str(tmp_path / "photos"))
    for username, name, role in (("lin", "林班长", "supervisor"), ("chen", "陈嘉涵", "grid_staff"),
                                 ("zhang", "张敏", "cashier")):
        add_staff(username=username, name=name, role=role, password=PASSWORD)
    enrol(2, opening_balance_fen=0)
    return enrol(1, opening_balance_fen=0).account_no


@pytest.mark.django_db
def test_a_green_channel_month_at_the_command_line(
    station: str, tmp_path: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str],
) -> None:
    def gridpay(*args: str) -> Any:
        return run_in_process(capsys, "green", *args)

    refused = gridpay("flag", "--account", station, "--kind", "elderly_alone", "--as", "chen")
    assert refused.returncode == 1 and "只有班长或所长可以批准绿色通道户" in refused.stderr
    flagged = gridpay("flag", "--account", station, "--kind", "elderly_alone", "--reason", "独居，子女在外地",
                      "--as", "lin")
    assert flagged.returncode == 0, flagged.stderr
    assert f"{station} 测试用户1 已登记为绿色通道户（独居老人：独居，子女在外地）" in flagged.stdout

    photo = tmp_path / "receipt.jpg"
    photo.write_bytes(JPEG)
    collected = gridpay("collect", "--account", station, "--yuan", "88.8", "--receipt-no", "0001", "--photo",
                        str(photo), "--as", "chen")
    assert collected.returncode == 0, collected.stderr
    assert "已入账：3301000001 测试用户1 上门收费 88.80 元，收据号 0001，可用余额 88.80 元" in collected.stdout
    again = gridpay("collect", "--account", station, "--amount-fen", "8880", "--receipt-no", "0001", "--as", "chen")
    assert "重复提交，未重复入账" in again.stdout
    conflict = gridpay("collect", "--account", station, "--yuan", "88.9", "--receipt-no", "0001", "--as", "chen")
    assert conflict.returncode == 1 and "已用于另一笔交费" in conflict.stderr
    not_flagged = gridpay("collect", "--account", "3301000002", "--yuan", "10", "--receipt-no", "0002", "--as",
                          "chen")
    assert not_flagged.returncode == 1 and "户号 3301000002 不在绿色通道，不能上门收费" in not_flagged.stderr
    bad_yuan = gridpay("collect", "--account", station, "--yuan", "1.234", "--receipt-no", "0003", "--as", "chen")
    assert bad_yuan.returncode == 1 and "--yuan" in bad_yuan.stderr
    assert Payment.objects.count() == 1
    assert (tmp_path / "photos" / HomeCollection.objects.get().photo).read_bytes() == JPEG

    cash = json.loads(gridpay("cash", "--json").stdout)
    assert [(c["collector"], c["collected_fen"], c["outstanding_fen"]) for c in cash] == [("chen", 8_880, 8_880)]
    settled = gridpay("settle", "--collector", "chen", "--amount-fen", "8800", "--slip", "JK1", "--as", "zhang")
    assert settled.returncode == 0, settled.stderr
    assert ("已登记缴存：缴款单 JK1，收费员 陈嘉涵，核销 1 笔，应缴 88.80 元，实缴 88.00 元，短款 0.80 元"
            in settled.stdout)
    self_count = gridpay("settle", "--collector", "chen", "--amount-fen", "1", "--as", "chen")
    assert self_count.returncode == 1 and "只有营业员或所长可以登记收费员缴存" in self_count.stderr
    (after,) = json.loads(gridpay("cash", "--json").stdout)
    assert after["settled_fen"] + after["outstanding_fen"] == after["collected_fen"] == 8_880
    found = gridpay("discrepancies")
    assert "金额不符  缴款单 JK1" in found.stdout and "短款 0.80 元" in found.stdout

    gridpay("collect", "--account", station, "--yuan", "5", "--receipt-no", "0004", "--as", "chen")
    clock.instant += timedelta(days=20)  # beyond the next working day, even after a Spring Festival week
    late = json.loads(gridpay("discrepancies", "--json").stdout)
    assert [(x["receipt_no"], x["settled_on"]) for x in late["late"]] == [("0004", None)]

    ended = gridpay("unflag", "--account", station, "--reason", "已搬去养老院", "--as", "lin")
    assert ended.returncode == 0 and "已取消绿色通道（登记记录保留）" in ended.stdout
    assert "没有绿色通道户" in gridpay("list").stdout
    history = gridpay("list", "--all").stdout
    assert "独居老人：独居，子女在外地" in history and "林班长（lin） 取消：已搬去养老院" in history
    assert list(AuditRecord.objects.filter(action__startswith="green.").order_by("id")
                .values_list("action", flat=True)) == ["green.flag", "green.collect", "green.hand_in",
                                                       "green.collect", "green.unflag"]


def test_the_real_script_lists_and_refuses(tmp_path: Path, migrated_here: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GRIDPAY_DATABASE_URL"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*GRIDPAY, "green", *args], cwd=tmp_path, env=env, capture_output=True, text=True,
                              check=False)

    listed = run("list")
    assert listed.returncode == 0, listed.stderr
    assert "没有绿色通道户" in listed.stdout
    refused = run("collect", "--account", "3301000001", "--yuan", "10", "--receipt-no", "1", "--as", "nobody")
    assert refused.returncode == 1 and "没有在职的工作人员 nobody" in refused.stderr
