"""The command line speaks gridpay's options only, in Chinese (issue 17 point 8): every command `gridpay --help` lists
describes its own options and none of Django's, refuses Django's as it refuses any option it does not know, and a
command or option `gridpay` itself does not know is one Chinese line."""

import os
import re
import sqlite3
import subprocess
from argparse import SUPPRESS, ArgumentParser, _SubParsersAction
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands, load_command_class

from gridpay.interfaces.cli.overview import COMMANDS
from gridpay.interfaces.command import calendar_day
from tests.support.cli import GRIDPAY, run_in_process

DJANGO_OPTIONS = ("--settings", "--pythonpath", "--traceback", "--skip-checks", "--no-color", "--force-color",
                  "--verbosity", "--version")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,} [a-z]{2,} [a-z]{2,}")  # three words of a sentence, as Django's help has


def command_line_parser(name: str) -> ArgumentParser:
    """The parser `gridpay NAME` parses its command line with."""
    module = name.replace("-", "_")
    command = load_command_class(get_commands()[module], module)
    command._called_from_command_line = True  # as run_from_argv sets it
    return command.create_parser("gridpay", module)


def pages(parser: ArgumentParser) -> Iterator[ArgumentParser]:
    """The parser and those of its subcommands, at any depth."""
    yield parser
    for action in parser._actions:
        if isinstance(action, _SubParsersAction):
            for sub in action.choices.values():
                yield from pages(sub)


def every_page() -> list[ArgumentParser]:
    return [page for name in COMMANDS for page in pages(command_line_parser(name))]


def test_every_option_of_every_listed_command_is_gridpays_own_described_in_chinese() -> None:
    undescribed = []
    for page in every_page():
        for action in page._actions:
            if action.dest == "help" or isinstance(action, _SubParsersAction):
                continue
            text = action.help
            if not isinstance(text, str) or text == SUPPRESS or not CHINESE.search(text) or ENGLISH_WORDS.search(text):
                undescribed.append(f"{page.prog} {'/'.join(action.option_strings) or action.dest}: {text!r}")
    assert undescribed == []


@pytest.mark.parametrize("name", COMMANDS)
def test_the_help_of_every_listed_command_shows_none_of_djangos_options(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for page in pages(command_line_parser(name)):
        typed = page.prog.split()[1:]
        helped = run_in_process(capsys, *typed, "--help")
        assert helped.returncode == 0, helped.stderr
        # The usage line names the command as it is typed: `gridpay simulate-meters`, not the module simulate_meters.
        assert helped.stdout.startswith(f"用法：gridpay {' '.join(typed)} ["), helped.stdout[:80]
        offered = [option for option in DJANGO_OPTIONS if option in helped.stdout]
        if name == "migrate":  # its -v, described in Chinese: `gridpay migrate -v 0` is how the tests migrate
            assert "-v {0,1,2,3}, --verbosity {0,1,2,3}\n" in helped.stdout and "0 不输出" in helped.stdout
            offered.remove("--verbosity")
        assert offered == [], page.prog
        for english in ("usage:", "options:", "show this help", "positional arguments", "Skip system checks"):
            assert english not in helped.stdout, (page.prog, english)


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "refused"), [
    (("serve", "--pythonpath", "/tmp", "--port", "1"), "gridpay serve：不认识的参数：--pythonpath /tmp"),
    (("demo", "--traceback"), "gridpay demo：不认识的参数：--traceback"),
    (("settle", "--date", "2026-01-05", "--settings", "gridpay.config.settings"),
     "gridpay settle：不认识的参数：--settings"),
    (("check", "--skip-checks"), "gridpay check：不认识的参数：--skip-checks"),
    (("migrate", "--fake"), "gridpay migrate：不认识的参数：--fake"),
    (("calls", "list", "--settings", "x"), "gridpay calls list：不认识的参数：--settings x"),
    (("payments", "counter", "--account", "3301000001", "--amount-fen", "100", "--receipt-no", "R1", "--cashier",
      "zhang", "--bogus"),
     "gridpay payments counter：不认识的参数：--bogus（gridpay payments counter --help 查看用法）"),
])
def test_djangos_options_are_refused_as_any_option_the_command_does_not_know(
    typed: tuple[str, ...], refused: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = run_in_process(capsys, *typed)
    assert ran.returncode == 2
    assert ran.stdout == ""  # no server started, no town built
    assert len(ran.stderr.splitlines()) == 1 and ran.stderr.startswith(refused), ran.stderr


@pytest.mark.parametrize(("typed", "said"), [
    (("--bogus",), "gridpay：不认识的参数：--bogus（gridpay --help 查看用法）\n"),
    (("nosuchcmd",), "gridpay：没有 nosuchcmd 这个命令（gridpay --help 列出所有命令）\n"),
    (("payment", "counter"), "gridpay：没有 payment 这个命令，是不是 payments？（gridpay --help 列出所有命令）\n"),
    (("help", "nosuchcmd"), "gridpay：没有 nosuchcmd 这个命令（gridpay --help 列出所有命令）\n"),
])
def test_a_command_or_option_gridpay_does_not_know_is_one_chinese_line(
    typed: tuple[str, ...], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = run_in_process(capsys, *typed)
    assert (ran.returncode, ran.stdout, ran.stderr) == (2, "", said)


def test_every_days_option_is_shown_and_taken_as_yyyy_mm_dd_only() -> None:
    days = [(page.prog, action) for page in every_page() for action in page._actions
            if action.type is calendar_day]
    assert len(days) >= 20  # settle, readings, reconcile, postpaid, risk, … (their days, typed date.fromisoformat)
    assert [prog for prog, action in days if action.metavar != "YYYY-MM-DD"] == []
    assert not [(page.prog, action.dest) for page in every_page() for action in page._actions
                if action.type is date.fromisoformat]  # each became calendar_day


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["20261206", "2026-W49-7", "2026-12-6", "2026-12-06T00:00"])
def test_a_day_not_written_yyyy_mm_dd_is_refused(typed: str, capsys: pytest.CaptureFixture[str]) -> None:
    ran = run_in_process(capsys, "settle", "--date", typed)
    assert (ran.returncode, ran.stdout) == (2, "")
    said = f"gridpay settle：--date 的值「{typed}」不对：应为日期 YYYY-MM-DD（gridpay settle --help 查看用法）\n"
    assert ran.stderr == said


def test_an_unknown_command_touches_no_database(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDPAY_")}
    ran = subprocess.run([*GRIDPAY, "nosuchcmd"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={**env, "GRIDPAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gridpay.sqlite3'}"}, check=False)
    assert (ran.returncode, ran.stderr) == (2, "gridpay：没有 nosuchcmd 这个命令（gridpay --help 列出所有命令）\n")
    assert not (tmp_path / "gridpay.sqlite3").exists()  # not migrated for a command that is not there


def test_help_and_version_are_gridpays(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_in_process(capsys, "help", "api-token").stdout.startswith("用法：gridpay api-token [")
    version = run_in_process(capsys, "--version")
    assert version.returncode == 0 and re.fullmatch(r"gridpay \d+\.\d+\.\d+\S*\n", version.stdout)


def test_migrate_says_in_chinese_what_it_applied(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDPAY_")}
    env["GRIDPAY_DATABASE_URL"] = f"sqlite:///{tmp_path / 'gridpay.sqlite3'}"

    def gridpay(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*GRIDPAY, *args], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env,
                              check=False)

    plan = gridpay("migrate", "--plan")
    assert plan.returncode == 0, plan.stderr
    count = int(re.match(r"将应用 (\d+) 个迁移：\n  contenttypes.0001_initial\n", plan.stdout)[1])  # type: ignore[index]
    with sqlite3.connect(tmp_path / "gridpay.sqlite3") as db:
        assert db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall() == []  # a plan only
    migrated = gridpay("migrate")
    assert (migrated.returncode, migrated.stderr) == (0, "")
    assert migrated.stdout == f"应用 {count} 个迁移……\n数据库结构已是最新（应用了 {count} 个迁移）。\n"
    assert gridpay("migrate").stdout == "数据库结构已是最新，没有要应用的迁移。\n"


@pytest.mark.django_db
def test_call_command_keeps_djangos_options() -> None:
    # Django's test runner and pytest-django create a test database by call_command("migrate", run_syncdb=True, …).
    module = get_commands()["migrate"]
    parser = load_command_class(module, "migrate").create_parser("", "migrate")
    parsed = parser.parse_args(["--run-syncdb", "--database", "default", "--no-input", "-v", "0", "--skip-checks"])
    assert parsed.run_syncdb and not parsed.interactive and parsed.verbosity == 0
    call_command("check", verbosity=0, databases=["default"])
    call_command("calls", "list", "--all", verbosity=0, no_color=True)
