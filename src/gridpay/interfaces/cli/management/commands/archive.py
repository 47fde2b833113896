"""`gridpay archive --before YYYY-MM`: closed months of readings, settlements, transfers and meter commands to Parquet
(ADR 0033, ADR 0044)."""

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from gridpay.application.history.archive_months import archive_months
from gridpay.data.settings import gridpay_settings
from gridpay.domain.history_months import BadMonth, parse_month
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors


class Command(GridpayCommand):
    help = ("历史归档：把某月之前各月的读数、日结算、转账和远程费控命令写成 Parquet 文件（GRIDPAY_ARCHIVE_DIR），"
            "核对后移出 PostgreSQL；账户历史与报表照常读到。"
            "有命令仍在途或其复电、工单未结的月份，该月及以后各月的命令留在库中")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--before", required=True,
            help="归档此月之前的各月，YYYY-MM；当月与上月尚未结清，不能归档（今天 12 月时最晚为 11 月）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            before = parse_month(options["before"])
        except BadMonth as error:
            raise CommandError(f"--before：{error.message}") from None
        directory = Path(gridpay_settings().archive_dir).resolve()
        started = time.perf_counter()
        with domain_errors_as_command_errors():
            report = archive_months(before=before, today=clock.today(), at=clock.now(), directory=directory,
                                    progress=console.print)
        for line in report.already:
            console.print(f"{line} 此前已归档")
        if (held := report.commands_held) is not None:
            console.print(f"远程费控命令 {held.month.label} 及以后各月暂不归档：该月有 {held.commands} 条命令仍在途，"
                          "或其复电、现场工单未结")
        rows = sum(done.rows for done in report.archived)
        console.print(f"归档完成：{len(report.archived)} 个月分区，{rows} 行，写入 {directory}；"
                      f"用时 {time.perf_counter() - started:.1f} 秒")
