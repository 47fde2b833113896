"""What `gridpay` with no command (or `gridpay --help`) prints: gridpay's own commands, in Chinese.

The list is read from the commands' source rather than by importing them: importing every command would load the
whole application (polars, matplotlib, the DL/T 645 tables) to print two dozen lines.
"""

import ast
from importlib import import_module
from importlib.util import find_spec

COMMANDS = (
    "demo",
    "tariff",
    "late-fee",
    "accounts",
    "readings",
    "settle",
    "bill",
    "postpaid",
    "arrears",
    "collection",
    "temporary",
    "payments",
    "green",
    "reconcile",
    "agents",
    "outlets",
    "cards",
    "withholding",
    "calendar",
    "supply",
    "sms",
    "calls",
    "risk",
    "archive",
    "gateway",
    "simulate-meters",
    "worker",
    "api-token",
    "staff",
    "serve",
    "migrate",
    "check",
)
# Each entry point keeps its own commands: the head-end's and the schedule's are theirs, not the command line's.
HOMES = {"gateway": "gridpay.interfaces.gateway", "worker": "gridpay.interfaces.jobs"}


def overview() -> str:
    lines = [
        "gridpay：电力智能交费与电费回收平台",
        "",
        "用法：gridpay <命令> [选项]    某个命令的详细用法：gridpay <命令> --help",
        "",
    ]
    width = max(len(name) for name in COMMANDS)
    for name in COMMANDS:
        lines.append(f"  {name.ljust(width)}  {_help_of(name)}")
    lines += [
        "",
        "数据库由环境变量 GRIDPAY_DATABASE_URL 指定（默认当前目录的 sqlite:///gridpay.sqlite3）。",
        "Django 自带的其他管理命令：gridpay help --commands",
    ]
    return "\n".join(lines)


def _help_of(name: str) -> str:
    home = HOMES.get(name, "gridpay.interfaces.cli")
    module_name = f"{home}.management.commands.{name.replace('-', '_')}"
    spec = find_spec(module_name)
    if spec is not None and spec.origin is not None:
        with open(spec.origin, encoding="utf-8") as source:
            text = _help_in_source(source.read())
        if text is not None:
            return text
    return str(import_module(module_name).Command.help)  # a help that is not a plain string: as Django sees it


def _help_in_source(source: str) -> str | None:
    """The string assigned to ``help`` in the module's ``Command`` class, if it is a plain literal."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef) and node.name == "Command":
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "help" for t in statement.targets)
                    and isinstance(statement.value, ast.Constant)
                    and isinstance(statement.value.value, str)
                ):
                    return statement.value.value
    return None
