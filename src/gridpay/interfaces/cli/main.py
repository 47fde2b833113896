"""The `gridpay` console script: Django's command line with gridpay's settings and an up-to-date schema."""

import difflib
import os
import re
import sys

import dj_database_url
from dj_database_url import UnknownSchemeError
from django.conf import settings
from django.db.utils import OperationalError

from gridpay.application.secret_key import SecretKeyRefused, require_secret_key
from gridpay.data.embedded_secret_key import create_key_file, embedded_key_file
from gridpay.data.settings import SettingInvalid
from gridpay.domain.errors import DomainError
from gridpay.interfaces.cli.crash_report import write_crash_report

# Run without bringing the schema up to date first: they manage it themselves, or (check, the late fee calculator)
# need none.
COMMANDS_WITHOUT_THE_SCHEMA = {
    "check",
    "late_fee",
    "migrate",
    "makemigrations",
    "sqlmigrate",
    "showmigrations",
    "help",
    "--help",
    "-h",
    "version",
    "--version",
}
# They bring the schema up to date themselves, as a stage they show: the demo's first, with its progress bar.
COMMANDS_THAT_MIGRATE_AS_A_STAGE = {"demo"}
# Nor do these open the database: no key is made beside it for them (makemessages runs in the source tree).
COMMANDS_WITHOUT_THE_DATABASE = COMMANDS_WITHOUT_THE_SCHEMA - {"migrate"} | {"makemessages", "compilemessages"}
# They serve requests or run jobs, signing sessions and keying digests: without a usable secret key they refuse at
# once, before touching the database (ADR 0007). `demo --serve` refuses before building the town.
COMMANDS_THAT_NEED_THE_SECRET_KEY = {"serve", "worker", "qcluster", "runserver"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridpay.config.settings")
    try:
        _run(sys.argv[1:])
    except (OperationalError, UnknownSchemeError) as error:
        # A database that cannot be reached or opened: one line for staff, not a traceback.
        sys.stderr.write(f"数据库出错（GRIDPAY_DATABASE_URL={_database_url()}）：{_first_line(error)}\n")
        raise SystemExit(2) from None
    except (SecretKeyRefused, SettingInvalid) as error:  # one line saying which variable to set, and how
        sys.stderr.write(f"{error}\n")
        raise SystemExit(2) from None
    except DomainError as error:  # a rule a command did not turn into its own refusal
        sys.stderr.write(f"{error.message} [{error.code}]\n")
        raise SystemExit(1) from None
    except BrokenPipeError:
        # `gridpay … | head`: the reader has gone and nothing more can be said to it. Exit 1 without a word, as the
        # Python documentation advises and as rich's console does when it meets the closed pipe first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        sys.stderr.write("已中断。\n")
        raise SystemExit(130) from None
    except Exception as error:
        # Anything else: one line for staff; the traceback for whoever looks into it, in a file.
        report = write_crash_report(error, argv=sys.argv[1:])
        where = f"详情已写入 {report}" if report else "详情未能写入日志文件"
        sys.stderr.write(f"出错了（{type(error).__name__}）：{_first_line(error)}。{where}\n")
        raise SystemExit(1) from None


def _run(argv: list[str]) -> None:
    import django
    from django.core.management import ManagementUtility

    if len(argv) == 2 and argv[0] == "help" and not argv[1].startswith("-"):
        argv = [argv[1], "--help"]  # `gridpay help serve` is `gridpay serve --help`
    lists_commands = argv in ([], ["-h"], ["--help"], ["help"])
    asks_for_help = any(arg in ("-h", "--help") for arg in argv)
    command = argv[0].replace("-", "_") if argv else ""
    if command and command not in COMMANDS_WITHOUT_THE_DATABASE and not asks_for_help:
        _keep_a_key_beside_the_embedded_database()  # before the settings read it
    if lists_commands:
        from gridpay.interfaces.cli.overview import overview

        print(overview())  # no settings, no database: the list is read from the commands' source
        return
    if argv in (["--version"], ["version"]):
        from importlib.metadata import version

        print(f"gridpay {version('gridpay')}")  # gridpay's, not the Django release underneath
        return
    django.setup()
    if argv and not argv[0].startswith("-"):
        # Django command names are module names; `gridpay api-token` runs the command api_token.
        argv[0] = argv[0].replace("-", "_")
    if argv and argv[0] != "help":
        _refuse_an_unknown_command(argv[0])  # before the schema is brought up to date for it
    if argv and argv[0] in COMMANDS_THAT_NEED_THE_SECRET_KEY and not asks_for_help:
        require_secret_key()
    if argv and argv[0] not in COMMANDS_WITHOUT_THE_SCHEMA | COMMANDS_THAT_MIGRATE_AS_A_STAGE and not asks_for_help:
        from gridpay.interfaces.cli.schema import ensure_schema

        ensure_schema()
    utility = ManagementUtility(["gridpay", *argv])
    if argv and argv[0] != "help":
        # The command itself, without Django's dispatcher: that would act on --settings and --pythonpath before the
        # command refuses them (gridpay's commands know neither).
        utility.fetch_command(argv[0]).run_from_argv(utility.argv)
        return
    utility.execute()  # `gridpay help --commands`: Django's list of every command


def _refuse_an_unknown_command(name: str) -> None:
    """`gridpay nosuchcmd` or `gridpay --bogus`: one Chinese line, as a command line that does not parse (exit 2)."""
    from django.core.management import get_commands

    if name in get_commands():
        return
    if name.startswith("-"):
        sys.stderr.write(f"gridpay：不认识的参数：{name}（gridpay --help 查看用法）\n")
        raise SystemExit(2)
    from gridpay.interfaces.cli.overview import COMMANDS

    typed = name.replace("_", "-")
    close = difflib.get_close_matches(typed, COMMANDS, n=1)
    guess = f"，是不是 {close[0]}？" if close else ""
    sys.stderr.write(f"gridpay：没有 {typed} 这个命令{guess}（gridpay --help 列出所有命令）\n")
    raise SystemExit(2)


def _keep_a_key_beside_the_embedded_database() -> None:
    """The embedded default needs no configuration: its key is generated on first use and kept beside the
    database, so sessions, recharge cards and sign-in codes outlive the command (ADR 0007)."""
    if os.environ.get("GRIDPAY_SECRET_KEY") or settings.configured:
        # Configured, or main() called from Python whose settings are read already: a file now would not be theirs.
        return
    path = embedded_key_file(dj_database_url.parse(_raw_database_url()))
    if path is None:
        return
    try:
        create_key_file(path)
    except OSError as error:
        # The settings then have no key and say so where one is needed; other commands may still run.
        sys.stderr.write(f"无法生成密钥文件 {path}：{error.strerror or error}\n")


def _raw_database_url() -> str:
    return os.environ.get("GRIDPAY_DATABASE_URL", "sqlite:///gridpay.sqlite3")


def _database_url() -> str:
    """The configured URL with any password masked, fit to print."""
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", _raw_database_url())


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


if __name__ == "__main__":
    main()
