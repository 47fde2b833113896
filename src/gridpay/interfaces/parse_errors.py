"""argparse's English complaints about a command line, said in Chinese (argparse ships no Chinese catalogue)."""

import re
from collections.abc import Callable

_TYPES = {"int": "应为整数", "float": "应为数字", "calendar_day": "应为日期 YYYY-MM-DD", "Decimal": "应为数字"}


def _invalid_value(match: re.Match[str]) -> str:
    option, kind, value = match.groups()
    if not value.strip():
        return f"{option} 不能为空：{_TYPES.get(kind, '格式不对')}"
    return f"{option} 的值「{value}」不对：{_TYPES.get(kind, '格式不对')}"


_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"^the following arguments are required: (.+)$"), lambda m: f"缺少必填参数：{m[1]}"),
    (re.compile(r"^argument (\S+): invalid choice: '?(.*?)'? \(choose from (.+)\)$"),
     lambda m: f"{m[1]} 不能取 {m[2]}，可选：{m[3].replace(chr(39), '')}"),
    (re.compile(r"^argument (\S+): invalid (\w+) value: '(.*)'$"), _invalid_value),
    (re.compile(r"^argument (\S+): expected one argument$"), lambda m: f"{m[1]} 后面缺少取值"),
    (re.compile(r"^argument (\S+): not allowed with argument (\S+)$"), lambda m: f"{m[1]} 不能与 {m[2]} 同时使用"),
    (re.compile(r"^one of the arguments (.+) is required$"), lambda m: f"须给出 {' 或 '.join(m[1].split())} 其中之一"),
    (re.compile(r"^unrecognized arguments: (.+)$"), lambda m: f"不认识的参数：{m[1]}"),
    (re.compile(r"^argument (\S+): (.+)$"), lambda m: f"{m[1]}：{m[2]}"),  # a type's own (Chinese) complaint
)


def in_chinese(message: str) -> str:
    # A subcommand's place is named by its dest ("action"); staff know it as 子命令.
    message = re.sub(r"^argument (\w+): invalid choice", "argument 子命令: invalid choice", message)
    for pattern, say in _RULES:
        match = pattern.match(message)
        if match:
            return say(match)
    return message
