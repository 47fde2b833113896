"""`gridpay risk score|list|backtest`: the fee-risk early warning (电费风险预警, ADR 0023)."""

import time
from argparse import ArgumentParser
from datetime import date, timedelta
from typing import Any

from rich.table import Table

from gridpay.application.risk.backtest import backtest
from gridpay.application.risk.risk_list import reason_texts, risk_list
from gridpay.application.risk.score_accounts import score_accounts
from gridpay.demo.risk_town import simulate_town
from gridpay.domain.money import format_yuan
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, print_json


class Command(GridpayCommand):
    help = "电费风险预警：score 夜间评分，list 按网格员的风险清单，backtest 模拟一个镇的历史做回测"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        score = sub.add_parser("score", help="为某业务日（结算之后）的每个在用户评分：未来 14 天内欠费的可能")
        score.add_argument("--date", type=date.fromisoformat, help="业务日 YYYY-MM-DD，默认昨天")
        listing = sub.add_parser("list", help="风险清单：风险高的在前，附原因")
        listing.add_argument("--staff", default="", help="网格员姓名：只列其负责的村")
        listing.add_argument("--collector", default="", help="收费员姓名：只列其片区（或其负责的村）的户")
        listing.add_argument("--date", type=date.fromisoformat, help="业务日，默认最近一次评分")
        listing.add_argument("--limit", type=int, default=30, help="列出条数，默认 30")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")
        test = sub.add_parser("backtest", help="模拟一个镇的交费历史，前段训练、后段评分，与简单规则比较")
        test.add_argument("--households", type=int, default=30_000, help="户数，默认 30000")
        test.add_argument("--days", type=int, default=365, help="天数，默认 365")
        test.add_argument("--seed", type=int, default=1, help="随机种子，默认 1")

    def handle(self, *args: Any, **options: Any) -> None:
        with domain_errors_as_command_errors():
            getattr(self, f"_{options['action']}")(options)

    def _score(self, options: dict[str, Any]) -> None:
        day = options["date"] or clock.today() - timedelta(days=1)
        started = time.perf_counter()
        report = score_accounts(day=day, at=clock.now())
        how = (f"模型（{report.training_rows} 个训练样本，其中 {report.training_positive} 个欠费）" if report.by_model
               else "历史尚短，按简单规则排序")
        console.print(f"{day} 评分 {report.scored} 户，已欠费 {report.in_arrears} 户不评；{how}；"
                      f"用时 {time.perf_counter() - started:.1f} 秒")

    def _list(self, options: dict[str, Any]) -> None:
        page = risk_list(on=options["date"] or clock.today(), grid_staff=options["staff"],
                         collector=options["collector"], limit=options["limit"])
        if options["json"]:
            print_json({"day": page.day, "total": page.total, "lines": [
                {**line.__dict__, "reason_texts": reason_texts(line)} for line in page.lines]})
            return
        if page.day is None:
            console.print("尚无风险评分（gridpay risk score）")
            return
        staff = f"{options['staff']} 负责的村，" if options["staff"] else ""
        staff += f"收费员 {options['collector']} 负责的户，" if options["collector"] else ""
        table = Table(title=f"{page.day} 电费风险清单（{staff}{page.total} 户）")
        columns = ("排名", "风险", "户号", "户名", "电话", "村/社区", "余额 元", "原因")
        for column in columns:
            table.add_column(column, justify="right" if column in ("排名", "风险", "余额 元") else "left",
                             no_wrap=column in ("户号", "电话"), min_width=20 if column == "原因" else None,
                             overflow="fold")
        for line in page.lines:
            balance = "后付费" if line.mode == "postpaid" else format_yuan(line.balance_fen)
            table.add_row(str(line.rank), f"{line.score:.0%}", line.account_no, line.customer_name, line.phone,
                          line.village, balance, "；".join(reason_texts(line)) or "—")
        console.print(table)

    def _backtest(self, options: dict[str, Any]) -> None:
        started = time.perf_counter()
        town = simulate_town(households=options["households"], days=options["days"], seed=options["seed"])
        simulated = time.perf_counter()
        result = backtest(series=town.series, seed=options["seed"])
        done = time.perf_counter()
        console.print(f"模拟 {options['households']} 户 × {options['days']} 天（种子 {options['seed']}）："
                      f"{simulated - started:.1f} 秒；训练与评分 {done - simulated:.1f} 秒")
        console.print(f"训练样本 {result.training_rows}（欠费 {result.training_positive}），"
                      f"检验样本 {result.testing_rows}（欠费 {result.testing_positive}）")
        console.print(f"模型  ROC AUC {result.model.auc:.4f}  前 10% 精确率 {result.model.precision_top:.1%}")
        console.print(f"规则  ROC AUC {result.rule.auc:.4f}  前 10% 精确率 {result.rule.precision_top:.1%}"
                      "（可用天数 ≤ 3 或近 12 个月已逾期）")
        console.out(f"auc: {result.model.auc:.4f} baseline_auc: {result.rule.auc:.4f}")
