"""`gridpay readings import FILE.csv` (exit 0 all good, 1 rows rejected, 2 bad file); `gridpay readings gaps`: what
the gateway's daily reads could not collect, per meter and day."""

from argparse import ArgumentParser
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from rich.table import Table

from gridpay.application.readings.import_readings import COLUMNS, import_readings_file
from gridpay.application.readings.read_gaps import read_gaps
from gridpay.application.readings.recall_daily_reads import recall_daily_reads
from gridpay.data.settings import gridpay_settings
from gridpay.interfaces import clock
from gridpay.interfaces.cli.import_output import import_progress, show_import_report, unusable_file_exits
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, print_json


class Command(GridpayCommand):
    help = "日冻结读数：import 从 CSV 导入；gaps 查看网关召测的缺数；recall 补召"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        command = sub.add_parser("import", help=f"从 CSV 导入日冻结读数，列：{','.join(COLUMNS)}")
        command.add_argument("file", type=Path, help="CSV 文件（UTF-8）")
        command.add_argument("--json", action="store_true", help="以 JSON 输出")
        gaps = sub.add_parser("gaps", help="网关召测日冻结的结果：已读、待召测与缺数（按表计和日期）")
        gaps.add_argument("--days", type=int, default=7, help="最近多少天（默认 7）")
        gaps.add_argument("--json", action="store_true", help="以 JSON 输出")
        recall = sub.add_parser("recall", help="补召：待召测与无应答的日冻结立即重新召测（网关在下一轮发出）")
        recall.add_argument("--meter", help="只补召这只表计（表号）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "gaps":
            self._gaps(days=options["days"], as_json=options["json"])
            return
        if options["action"] == "recall":
            with domain_errors_as_command_errors():
                count = recall_daily_reads(at=clock.now(), meter_no=options["meter"])
            console.print(f"补召 {count} 个表计日（由运行中的采集网关发出）")
            return
        path: Path = options["file"]
        max_daily_kwh = gridpay_settings().max_daily_kwh
        with unusable_file_exits(), import_progress("导入读数", path=path) as advance:
            report = import_readings_file(
                path=path, received_at=clock.now(), max_daily_kwh=max_daily_kwh, on_progress=advance
            )
        show_import_report(report, as_json=options["json"], what="读数")

    def _gaps(self, *, days: int, as_json: bool) -> None:
        if not 1 <= days <= 366:
            raise CommandError("--days 应为 1 到 366")
        report = read_gaps(since=clock.today() - timedelta(days=days))
        if as_json:
            print_json(report)
            return
        reasons = "，".join(f"{reason} {n}" for reason, n in report.gaps_by_reason.items()) or "无"
        console.print(f"{report.since} 起：已读 {report.read}，待召测 {report.wanted}，缺数 "
                      f"{sum(report.gaps_by_reason.values())}（{reasons}）")
        if report.gaps:
            table = Table("日期", "表号", "户号", "原因")
            for gap in report.gaps:
                table.add_row(str(gap.reading_date), gap.meter_no, gap.account_no, gap.reason)
            console.print(table)
