"""`gridpay risk backtest|score|list` as a user types them."""

import json
import os
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from gridpay.application.settlement.settle_day import settle_day
from gridpay.data.models import GridStaff, RiskScore, Village
from gridpay.interfaces.jobs.schedules import DEFAULTS
from gridpay.interfaces.jobs.tasks import score_risk
from tests.support.accounts import enrol
from tests.support.cli import GRIDPAY, run_in_process
from tests.support.clock import FakeClock, current_instant, local
from tests.support.readings import add_readings

FINAL = re.compile(r"^auc: (\d\.\d{4}) baseline_auc: (\d\.\d{4})$")


def test_the_backtest_prints_both_figures_and_the_model_beats_the_rule(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GRIDPAY_DATABASE_URL"}
    # The one fixed seed of the suite: a small town whose figures are known to be stable.
    done = subprocess.run([*GRIDPAY, "risk", "backtest", "--households", "1200", "--days", "200", "--seed", "5"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert "模型  ROC AUC" in done.stdout and "规则  ROC AUC" in done.stdout and "前 10% 精确率" in done.stdout
    final = FINAL.match(lines[-1])
    assert final, lines[-1]
    model, rule = float(final.group(1)), float(final.group(2))
    assert model > rule and 0.5 < rule < 1


@pytest.mark.django_db
def test_a_too_short_history_is_refused_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    ran = run_in_process(capsys, "risk", "backtest", "--households", "200", "--days", "40", "--seed", "1")
    assert ran.returncode != 0 and "40 天的历史太短，无法回测" in ran.stderr + ran.stdout
    few = run_in_process(capsys, "risk", "backtest", "--households", "0", "--days", "365", "--seed", "1")
    assert few.returncode != 0 and "0 户太少，无法回测（至少 100 户）" in few.stderr + few.stdout


@pytest.mark.django_db
def test_score_then_list_per_grid_staff(zj_tariff: str, capsys: pytest.CaptureFixture[str]) -> None:
    staff = GridStaff.objects.create(name="陈嘉涵", phone="0595-1")
    Village.objects.create(name="东村", town="测试镇", grid_staff=staff)
    GridStaff.objects.create(name="周木顺", phone="0595-2")
    first, days = date(2025, 1, 1), 10
    for number, opening in ((1, 6_000), (2, 90_000)):
        add_readings(enrol(number, opening_balance_fen=opening, village="东村"), first_day=first,
                     daily_kwh=["10.00"] * days)
    last = first + timedelta(days=days - 1)
    for offset in range(days):
        settle_day(day=first + timedelta(days=offset), at=local(last + timedelta(days=1), 2))
    scored = run_in_process(capsys, "risk", "score", "--date", last.isoformat())
    assert scored.returncode == 0, scored.stderr
    assert f"{last} 评分 2 户" in scored.stdout and "按简单规则排序" in scored.stdout
    assert RiskScore.objects.filter(day=last).count() == 2
    listed = run_in_process(capsys, "risk", "list", "--staff", "陈嘉涵", "--date", last.isoformat())
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.index("3301000001") < listed.stdout.index("3301000002")
    as_json = run_in_process(capsys, "risk", "list", "--staff", "陈嘉涵", "--date", last.isoformat(), "--json")
    assert json.loads(as_json.stdout)["lines"][0]["reason_texts"] == ["余额约可用1天"]  # 6.20 yuan, 5.38 a day
    nobody = run_in_process(capsys, "risk", "list", "--staff", "周木顺", "--date", last.isoformat())
    assert nobody.returncode == 0 and "（周木顺 负责的村，0 户）" in nobody.stdout
    unknown = run_in_process(capsys, "risk", "list", "--staff", "无此人")
    assert unknown.returncode != 0 and "没有名为 无此人 的网格员" in unknown.stderr + unknown.stdout


@pytest.mark.django_db
def test_the_schedule_scores_yesterday_after_settlement_and_the_postpaid_morning_job(
    zj_tariff: str, clock: FakeClock
) -> None:
    func, _kind, at, _minutes = DEFAULTS["电费风险评分"]
    assert func == "gridpay.interfaces.jobs.tasks.score_risk"
    assert at is not None and at > DEFAULTS["每日结算与提醒"][2] and at > DEFAULTS["后付费电费发行与违约金"][2]
    yesterday = clock.today() - timedelta(days=1)
    add_readings(enrol(1, opening_balance_fen=6_000, installed_on=yesterday - timedelta(days=1),
                       prepaid_since=yesterday), first_day=yesterday, daily_kwh=["10.00"])
    settle_day(day=yesterday, at=current_instant())
    assert "risk scores of" in score_risk()
    assert list(RiskScore.objects.values_list("day", "rank")) == [(yesterday, 1)]
