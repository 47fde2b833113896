"""`gridpay sms send | list`: sends the SMS outbox through the configured provider, or shows it."""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone

from gridpay.application.supply.list_notifications import list_notifications
from gridpay.application.supply.send_notifications import send_notifications
from gridpay.integrations.sms.factory import build_provider
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console


class Command(GridpayCommand):
    help = "短信：send 发送到期的短信（免打扰时段外），list 查看短信记录"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("send", help="经配置的短信服务发送到期短信（默认写入 gridpay-sms.jsonl）")
        listing = sub.add_parser("list", help="最近的短信")
        listing.add_argument("--account", help="户号")
        listing.add_argument("--limit", type=int, default=30, help="最多列出多少条，默认 30")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for line in list_notifications(account_no=options["account"], limit=options["limit"]):
                sent = f"{timezone.localtime(line.sent_at):%m-%d %H:%M}" if line.sent_at else "未发出     "
                console.print(f"{sent}  {line.phone}  {line.status}  {line.text}")
            return
        try:
            provider = build_provider(settings.SMS_CONFIG)
        except ValueError as error:
            raise CommandError(str(error)) from None
        report = send_notifications(provider=provider, at=clock.now())
        if report.held_for_quiet_hours:
            console.print(f"现在是免打扰时段：{report.held_for_quiet_hours} 条短信留待早上发送")
        console.print(f"发送 {report.sent} 条，待重试 {report.retrying} 条，失败 {report.failed} 条")
