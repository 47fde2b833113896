"""The base of gridpay's commands: a refusal ends the command with its one Chinese line, not Django's English label."""

import sys
from argparse import ArgumentParser, _SubParsersAction
from typing import Any, Literal, NoReturn

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
    SystemCheckError,
)

from gridpay.interfaces.parse_errors import in_chinese

SystemChecks = list[str] | tuple[str, ...] | Literal["__all__"]  # Django's type of requires_system_checks


class GridpayParser(CommandParser):
    """A command line that does not parse is told in Chinese, in one line and a pointer to --help (exit 2)."""

    def error(self, message: str) -> NoReturn:
        if not self.called_from_command_line:
            super().error(message)  # call_command's callers get Django's CommandError
        sys.stderr.write(f"{self.prog}：{in_chinese(message)}（{self.prog} --help 查看用法）\n")
        sys.exit(2)


class ChineseHelpFormatter(DjangoHelpFormatter):
    """argparse's own words in --help ("usage:", "options:") in Chinese, like the rest of the page."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


def _speak_chinese(parser: ArgumentParser) -> None:
    """Django builds CommandParsers (its subcommands' too, before we see them): each becomes a GridpayParser."""
    parser.__class__ = GridpayParser
    parser.formatter_class = ChineseHelpFormatter
    parser._positionals.title = "参数"
    parser._optionals.title = "选项"
    for action in parser._actions:
        if action.dest == "help":
            action.help = "显示本帮助并退出"
    for action in parser._actions:
        if isinstance(action, _SubParsersAction):
            for subparser in action.choices.values():
                _speak_chinese(subparser)


class GridpayCommand(BaseCommand):
    # Django's own options stay accepted but are not listed: staff read gridpay's.
    suppressed_base_arguments = {"--version", "-v", "--verbosity", "--settings", "--pythonpath", "--traceback",
                                 "--no-color", "--force-color", "--skip-checks"}
    # Django's system checks import every URL configuration, and with them every view and use case: a second of a
    # one-line command's start. They guard what serves requests: `serve`, `worker` and `gridpay check` run them.
    requires_system_checks: SystemChecks = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        _speak_chinese(parser)
        return parser

    def execute(self, *args: object, **options: object) -> str | None:
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            from_command_line = getattr(self, "_called_from_command_line", False)
            if not from_command_line or options.get("traceback") or isinstance(error, SystemCheckError):
                raise  # call_command's callers, --traceback and Django's own checks get it as Django gives it
            # Django would print "CommandError: …"; staff read the sentence alone.
            self.stderr.write(str(error))
            sys.exit(error.returncode)
