"""The base of gridpay's commands: a refusal ends the command with its one Chinese line, not Django's English label."""

import re
import sys
from argparse import SUPPRESS, ArgumentParser, _SubParsersAction
from datetime import date
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


# Django's options of every command: on gridpay's command line they are not there (call_command's callers, such as
# Django's test runner, still pass them). A command that offers one to staff keeps it, described in Chinese.
DJANGO_OPTIONS = frozenset({"--version", "-v", "--verbosity", "--settings", "--pythonpath", "--traceback",
                            "--no-color", "--force-color", "--skip-checks"})


class GridpayParser(CommandParser):
    """A command line that does not parse is told in Chinese, in one line and a pointer to --help (exit 2)."""

    def error(self, message: str) -> NoReturn:
        if not self.called_from_command_line:
            super().error(message)  # call_command's callers get Django's CommandError
        sys.stderr.write(f"{self.prog}：{in_chinese(message)}（{self.prog} --help 查看用法）\n")
        sys.exit(2)


class GridpaySubcommandParser(GridpayParser):
    """A subcommand's parser refuses what it does not know itself, naming itself (`gridpay payments counter`): argparse
    would hand the leftovers up to the command's parser, which names only `gridpay payments`."""

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> tuple[Any, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


class ChineseHelpFormatter(DjangoHelpFormatter):
    """argparse's own words in --help ("usage:", "options:") in Chinese, like the rest of the page."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)

    def format_help(self) -> str:
        # argparse ends each section's heading with an ASCII colon; a Chinese heading takes the full-width one.
        return re.sub(r"^( *[^\x00-\x7f][^\n]*):$", r"\1：", super().format_help(), flags=re.MULTILINE)


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def calendar_day(text: str) -> date:
    """A day as staff write it, YYYY-MM-DD, and nothing else date.fromisoformat also takes (20261206, 2026-W49-1)."""
    if not _DAY.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)


def _speak_chinese(parser: ArgumentParser, *, parser_class: type[GridpayParser] = GridpayParser) -> None:
    """Django builds CommandParsers (its subcommands' too, before we see them): each becomes a GridpayParser. A day's
    option (typed date.fromisoformat) takes YYYY-MM-DD only, and its help shows it so."""
    parser.__class__ = parser_class
    parser.formatter_class = ChineseHelpFormatter
    parser._positionals.title = "参数"
    parser._optionals.title = "选项"
    for action in parser._actions:
        if action.dest == "help":
            action.help = "显示本帮助并退出"
        if action.type in (date.fromisoformat, calendar_day):
            action.type = calendar_day
            action.metavar = action.metavar or "YYYY-MM-DD"
    for action in parser._actions:
        if isinstance(action, _SubParsersAction):
            for subparser in action.choices.values():
                _speak_chinese(subparser, parser_class=GridpaySubcommandParser)


def _without(parser: ArgumentParser, options: frozenset[str], *, keep: set[str]) -> None:
    """The parser knows none of ``options`` but those in ``keep`` (an option given anyway is 不认识的参数); the
    command still finds each one's default among its options, as Django's code reads them."""
    for action in list(parser._actions):
        if not set(action.option_strings) & options or set(action.option_strings) & keep:
            continue
        for group in parser._action_groups:
            if action in group._group_actions:
                group._group_actions.remove(action)
        parser._remove_action(action)
        for option in action.option_strings:
            parser._option_string_actions.pop(option, None)
        if action.default is not SUPPRESS:
            parser.set_defaults(**{action.dest: action.default})


class GridpayCommand(BaseCommand):
    # Django's own options are not on gridpay's command line: staff read and type gridpay's. (Hidden as well from
    # call_command's help, which keeps them.)
    suppressed_base_arguments = set(DJANGO_OPTIONS)
    # Those of Django's options this command offers on the command line (by one of its names: -v keeps --verbosity
    # too), each with its Chinese description.
    django_options_offered: dict[str, str] = {}
    # Django's system checks import every URL configuration, and with them every view and use case: a second of a
    # one-line command's start. They guard what serves requests: `serve`, `worker` and `gridpay check` run them.
    requires_system_checks: SystemChecks = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Typed with hyphens (`gridpay api-token`), run as the module api_token: its usage line says what is typed.
        parser = super().create_parser(prog_name, subcommand.replace("_", "-"), **kwargs)
        if self.on_command_line:
            _without(parser, DJANGO_OPTIONS, keep=set(self.django_options_offered))
        for action in parser._actions:
            for option in action.option_strings:
                if option in self.django_options_offered:  # -v offers -v, --verbosity
                    action.help = self.django_options_offered[option]
        _speak_chinese(parser)
        return parser

    @property
    def on_command_line(self) -> bool:
        """Run by staff from `gridpay` (gridpay's options), rather than by call_command (Django's too)."""
        return bool(getattr(self, "_called_from_command_line", False))

    def print_help(self, prog_name: str, subcommand: str) -> None:
        self._called_from_command_line = True  # `gridpay help CMD`: the page of `gridpay CMD --help`
        super().print_help(prog_name, subcommand)

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
