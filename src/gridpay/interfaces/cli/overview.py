"""What `gridpay` with no command (or `gridpay --help`) prints: gridpay's own commands, in Chinese."""

from importlib import import_module

COMMANDS = (
    "demo",
    "tariff",
    "accounts",
    "readings",
    "settle",
    "bill",
    "payments",
    "reconcile",
    "agents",
    "outlets",
    "cards",
    "withholding",
    "calendar",
    "supply",
    "sms",
    "calls",
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
    if name == "migrate":
        return "建立或升级 PostgreSQL 数据库结构（嵌入式 SQLite 自动完成）"
    if name == "check":
        return "检查配置；--deploy 按生产环境检查安全设置（所需环境变量见 README 的 Production 一节）"
    home = HOMES.get(name, "gridpay.interfaces.cli")
    module = import_module(f"{home}.management.commands.{name.replace('-', '_')}")
    return str(module.Command.help)
