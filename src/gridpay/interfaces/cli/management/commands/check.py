"""`gridpay check`: Django's system checks (gridpay's own among them), with gridpay's options only."""

from typing import Any

from django.core.management.base import CommandParser
from django.core.management.commands.check import Command as DjangoCheck

from gridpay.interfaces.command import GridpayCommand

LEVELS = ["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"]


class Command(GridpayCommand, DjangoCheck):
    help = "检查配置；--deploy 按生产环境检查安全设置（所需环境变量见 README 的 Production 一节）"

    def add_arguments(self, parser: CommandParser) -> None:
        if not self.on_command_line:
            super().add_arguments(parser)  # call_command("check", …) as Django documents it
            return
        parser.add_argument("--deploy", action="store_true",
                            help="同时按生产环境检查安全设置（所需环境变量见 README 的 Production 一节）")
        parser.add_argument("--fail-level", default="ERROR", choices=LEVELS,
                            help="有这一级别（默认 ERROR）或更严重的问题时以非零状态退出")
        parser.set_defaults(tags=None, list_tags=False, databases=None)  # every check, of every app

    def handle(self, *app_labels: Any, **options: Any) -> None:
        super().handle(*app_labels, **options)
