"""`gridpay calendar seed|show`: the business calendar of holidays and swapped working days."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from gridpay.application.calendar.seed_calendar import seed_calendar
from gridpay.data.models import CalendarDay, CalendarYear
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console

KIND_NAMES = {"holiday": "节假日", "working": "调休上班", "rest": "休息"}


class Command(GridpayCommand):
    help = "节假日日历：seed 从 holidays 包导入国家法定节假日与调休（已有年份不覆盖），show 查看一年"

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        seed = actions.add_parser("seed", help="导入年份（默认今年和明年）")
        seed.add_argument("--years", type=int, nargs="+", help="年份，例如 --years 2025 2026")
        show = actions.add_parser("show", help="列出一年的节假日与调休")
        show.add_argument("--year", type=int, required=True, help="年份，例如 2026")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "seed":
            this_year = clock.today().year
            self._seed(options["years"] or [this_year, this_year + 1])
        else:
            self._show(options["year"])

    def _seed(self, years: list[int]) -> None:
        if any(not 2000 <= year <= 2100 for year in years):
            raise CommandError("年份应在 2000 到 2100 之间")
        report = seed_calendar(years=years, at=clock.now())
        for year in report.seeded:
            note = "" if year.has_swaps else "（holidays 包未含该年调休安排，请核对后在日历中补充）"
            console.print(f"{year.year} 年：导入 {year.days} 天{note}")
        for kept in report.kept:
            console.print(f"{kept} 年：日历中已有，保持不变")

    def _show(self, year: int) -> None:
        source = CalendarYear.objects.filter(year=year).values_list("source", flat=True).first()
        if source is None:
            console.print(
                f"{year} 年不在日历中：按周一至周五工作日、周末休息处理（导入：gridpay calendar seed --years {year}）"
            )
            return
        console.print(f"{year} 年（来源：{source}）")
        for day in CalendarDay.objects.filter(day__year=year).order_by("day"):
            console.print(f"  {day.day}  {KIND_NAMES.get(day.kind, day.kind)}  {day.name}")
