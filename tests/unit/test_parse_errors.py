"""argparse's complaints about a command line, in Chinese (each message as Python 3.11's argparse words it)."""

import pytest

from gridpay.interfaces.parse_errors import in_chinese


@pytest.mark.parametrize(("english", "chinese"), [
    ("the following arguments are required: --reason", "缺少必填参数：--reason"),
    ("argument --kind: invalid choice: '低保' (choose from 'elderly_alone', 'disabled')",
     "--kind 不能取 低保，可选：elderly_alone, disabled"),
    ("argument action: invalid choice: 'nosuch' (choose from 'areas', 'report')",
     "子命令 不能取 nosuch，可选：areas, report"),
    ("argument --amount-fen: invalid int value: '80.5'", "--amount-fen 的值「80.5」不对：应为整数"),
    ("argument --date: invalid calendar_day value: '2026/12/06'",
     "--date 的值「2026/12/06」不对：应为日期 YYYY-MM-DD"),
    ("argument --date: invalid calendar_day value: ''", "--date 不能为空：应为日期 YYYY-MM-DD"),
    ("one of the arguments --date --through is required", "须给出 --date 或 --through 其中之一"),
    ("argument --as: expected one argument", "--as 后面缺少取值"),
    ("argument --area: not allowed with argument --village", "--area 不能与 --village 同时使用"),
    ("unrecognized arguments: --bogus 1", "不认识的参数：--bogus 1"),
    ("argument --month: 月份应为 YYYY-MM，而不是 '2026-13'", "--month：月份应为 YYYY-MM，而不是 '2026-13'"),
])
def test_each_complaint_is_said_in_chinese(english: str, chinese: str) -> None:
    assert in_chinese(english) == chinese


def test_a_complaint_not_foreseen_is_passed_on_as_it_is() -> None:
    assert in_chinese("something new") == "something new"
