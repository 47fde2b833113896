"""`gridpay worker`: runs the schedule (nightly settlement, disconnection runs, SMS, command retries)."""

from typing import Any

from django.core.management import call_command

from gridpay.interfaces.command import GridpayCommand, SystemChecks
from gridpay.interfaces.jobs.schedules import install_default_schedules
from gridpay.interfaces.output import console


class Command(GridpayCommand):
    requires_system_checks: SystemChecks = "__all__"  # it serves: the configuration is checked before it starts
    help = "运行定时任务：每日结算与提醒、后付费电费与违约金、电费风险评分、欠费停电、短信发送、命令重试（Ctrl-C 停止）"

    def handle(self, *args: Any, **options: Any) -> None:
        for name in install_default_schedules():
            console.print(f"已添加定时任务：{name}")
        call_command("qcluster")
