"""`gridpay agents add | statement | settle`: agent outlets, their HMAC keys, daily statements and settlement."""

from argparse import ArgumentParser
from datetime import date
from typing import Any

from gridpay.application.payments.agents.agent_statement import AgentStatement, agent_statement
from gridpay.application.payments.agents.register_agent import register_agent
from gridpay.application.payments.agents.settle_agent_day import settle_agent_day
from gridpay.domain.money import format_yuan
from gridpay.interfaces import clock
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors, print_json


class Command(GridpayCommand):
    help = "代收网点：add 登记代收方（发放签名密钥），statement 代收日结单，settle 结算（解款）一日"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="登记代收方；签名密钥只显示这一次")
        add.add_argument("--code", required=True, help="代收方编号，例如 POST-001")
        add.add_argument("--name", required=True, help="代收方名称")
        add.add_argument("--outlet", default="", help="所在网点编号")
        add.add_argument("--float-limit-fen", type=int, required=True, help="未结算代收金额上限（分）")
        add.add_argument("--commission-fen", type=int, default=0, help="每笔手续费（分）")
        add.add_argument("--commission-bp", type=int, default=0, help="另按金额的万分之几计手续费")
        for name, text in (("statement", "代收日结单"), ("settle", "结算（解款）一日的代收")):
            command = sub.add_parser(name, help=text)
            command.add_argument("--agent", required=True, help="代收方编号")
            command.add_argument("--date", type=date.fromisoformat, help="日期，默认今天")
            command.add_argument("--json", action="store_true", help="以 JSON 输出")
            if name == "settle":
                command.add_argument("--by", required=True, help="经办人")

    def handle(self, *args: Any, **options: Any) -> None:
        with domain_errors_as_command_errors():
            if options["action"] == "add":
                issued = register_agent(
                    code=options["code"], name=options["name"], outlet_code=options["outlet"],
                    float_limit_fen=options["float_limit_fen"], commission_per_payment_fen=options["commission_fen"],
                    commission_rate_bp=options["commission_bp"],
                )
                console.print(f"已登记代收方 {issued.code} {issued.name}。")
                console.print("签名密钥（只显示这一次，请交给代收方妥善保存）：")
                console.out(issued.secret)
                return
            day = options["date"] or clock.today()
            if options["action"] == "settle":
                statement = settle_agent_day(agent_code=options["agent"], day=day, by=options["by"], at=clock.now())
            else:
                statement = agent_statement(agent_code=options["agent"], day=day)
        if options["json"]:
            print_json(statement)
            return
        console.print(describe(statement))


def describe(statement: AgentStatement) -> str:
    lines = [f"{statement.agent_name}（{statement.agent_code}）{statement.day} 代收日结单："]
    for entry in statement.entries:
        lines.append(
            f"  {entry.received_at.astimezone(clock.zone()):%H:%M:%S} {entry.agent_txn_id} 户号 {entry.account_no} "
            f"{entry.masked_name} {format_yuan(entry.amount_fen)} 元 手续费 {format_yuan(entry.commission_fen)} 元"
        )
    lines.append(
        f"  合计 {statement.payments} 笔 {format_yuan(statement.amount_fen)} 元，手续费 "
        f"{format_yuan(statement.commission_fen)} 元，应解款 {format_yuan(statement.due_fen)} 元"
    )
    if statement.settled_at:
        settled = statement.settled_at.astimezone(clock.zone())
        lines.append(f"  已结算：{settled:%Y-%m-%d %H:%M}，经办人 {statement.settled_by}")
    else:
        lines.append("  未结算")
    return "\n".join(lines)
