"""`gridpay readings import FILE.csv`: imports daily frozen readings (exit 0 all good, 1 rows rejected, 2 bad file)."""

from argparse import ArgumentParser
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

from gridpay.application.import_readings import COLUMNS, import_readings_file
from gridpay.interfaces.cli import clock
from gridpay.interfaces.cli.command import GridpayCommand
from gridpay.interfaces.cli.import_output import import_progress, show_import_report, unusable_file_exits


class Command(GridpayCommand):
    help = "日冻结读数：import 从 CSV 导入"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        command = sub.add_parser("import", help=f"从 CSV 导入日冻结读数，列：{','.join(COLUMNS)}")
        command.add_argument("file", type=Path, help="CSV 文件（UTF-8）")
        command.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        max_daily_kwh = Decimal(str(settings.GRIDPAY["MAX_DAILY_KWH"]))
        with unusable_file_exits(), import_progress("导入读数", path=path) as advance:
            report = import_readings_file(
                path=path, received_at=clock.now(), max_daily_kwh=max_daily_kwh, on_progress=advance
            )
        show_import_report(report, as_json=options["json"], what="读数")
