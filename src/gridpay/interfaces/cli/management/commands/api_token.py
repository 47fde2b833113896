"""`gridpay api-token create|list|revoke`: staff API tokens; a token is printed once, at creation."""

from argparse import ArgumentParser
from typing import Any

from gridpay.application.staff.issue_api_token import issue_api_token
from gridpay.application.staff.revoke_api_token import revoke_api_token
from gridpay.data.queries.api_tokens import api_tokens
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, errors, print_json


class Command(GridpayCommand):
    help = "接口令牌：create 新建（只显示一次）、list 列出、revoke 吊销"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="新建令牌；令牌只显示这一次，系统只保存其哈希")
        create.add_argument("--name", required=True, help="令牌名称，例如使用它的人或系统")
        create.add_argument("--staff",
                            help="令牌代表的工作人员（用户名），带其角色")
        create.add_argument("--channels", default="",
                            help="可记录的交费渠道，逗号分隔：counter、bank、app、kiosk；不给则不能记录交费")
        create.add_argument("--json", action="store_true", help="以 JSON 输出")
        listing = sub.add_parser("list", help="列出令牌（不含令牌本身）")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")
        revoke = sub.add_parser("revoke", help="吊销一个有效令牌")
        revoke.add_argument("--name", required=True, help="令牌名称")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        with domain_errors_as_command_errors():
            if action == "create":
                issued = issue_api_token(name=options["name"], at=clock.now(), staff=options["staff"],
                                         channels=options["channels"].split(","))
                if options["json"]:
                    print_json(issued)
                    return
                errors.print(f"已新建令牌 {issued.name}。令牌只显示这一次，请妥善保存：")
                # The token alone on stdout, so that scripts can capture it.
                console.out(issued.token)
            elif action == "list":
                rows = api_tokens()
                if options["json"]:
                    print_json(rows)
                    return
                if not rows:
                    console.print("没有令牌。")
                for row in rows:
                    state = f"已吊销 {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "有效"
                    channels = row.channels or "不记录交费"
                    console.print(f"{row.name}\t新建于 {row.created_at:%Y-%m-%d %H:%M}\t{channels}\t{state}")
            else:
                revoke_api_token(name=options["name"], at=clock.now())
                console.print(f"已吊销令牌 {options['name']}。")
