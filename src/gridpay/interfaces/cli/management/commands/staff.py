"""`gridpay staff add`: a member of staff who signs in to the console, with one role."""

import getpass
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from gridpay.application.staff.add_staff import add_staff
from gridpay.domain.staff_roles import Role
from gridpay.interfaces.command import GridpayCommand
from gridpay.interfaces.output import console, domain_errors_as_command_errors


class Command(GridpayCommand):
    help = "工作人员：add 新增可登录网页工作台的工作人员，每人一个角色"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="新增工作人员")
        add.add_argument("--username", required=True, help="登录名")
        add.add_argument("--name", required=True, help="姓名")
        add.add_argument("--role", required=True, choices=[r.value for r in Role],
                         help="角色：" + "，".join(f"{r.value} {r.label}" for r in Role))
        add.add_argument("--password", help="密码（不给则提示输入两次；经管道给出时读第一行）")

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        if password is None:
            password = _password_from_stdin() if not sys.stdin.isatty() else _password_typed_twice()
        with domain_errors_as_command_errors():
            member = add_staff(username=options["username"], name=options["name"], role=options["role"],
                               password=password)
        console.print(f"已新增工作人员 {member.name}（登录名 {member.username}，{Role(member.role).label}）。")


def _password_typed_twice() -> str:
    password = getpass.getpass("密码：")
    if password != getpass.getpass("再输一次："):
        raise CommandError("两次输入的密码不一致")
    return password


def _password_from_stdin() -> str:
    """`echo … | gridpay staff add …`: the first line piped in (a script has no second chance to mistype)."""
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise CommandError("没有读到密码：经管道给出时，第一行应为密码（或用 --password，或在终端中输入）")
    return line
