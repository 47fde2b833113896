"""The `gridpay` console script: Django's command line with gridpay's settings and an up-to-date schema."""

import os
import re
import sys

from dj_database_url import UnknownSchemeError
from django.db.utils import OperationalError

# Run without bringing the schema up to date first: they manage it themselves, or (check) need none.
COMMANDS_WITHOUT_THE_SCHEMA = {
    "check",
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


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridpay.config.settings")
    try:
        _run(sys.argv[1:])
    except (OperationalError, UnknownSchemeError) as error:
        # A database that cannot be reached or opened: one line for staff, not a traceback.
        sys.stderr.write(f"数据库出错（GRIDPAY_DATABASE_URL={_database_url()}）：{_first_line(error)}\n")
        raise SystemExit(2) from None


def _run(argv: list[str]) -> None:
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    if argv in ([], ["-h"], ["--help"], ["help"]):
        from gridpay.interfaces.cli.overview import overview

        print(overview())
        return
    if argv and not argv[0].startswith("-"):
        # Django command names are module names; `gridpay api-token` runs the command api_token.
        argv[0] = argv[0].replace("-", "_")
    asks_for_help = any(arg in ("-h", "--help") for arg in argv)
    if argv and argv[0] not in COMMANDS_WITHOUT_THE_SCHEMA and not asks_for_help:
        from gridpay.interfaces.cli.schema import ensure_schema

        ensure_schema()
    execute_from_command_line(["gridpay", *argv])


def _database_url() -> str:
    """The configured URL with any password masked, fit to print."""
    url = os.environ.get("GRIDPAY_DATABASE_URL", "sqlite:///gridpay.sqlite3")
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


if __name__ == "__main__":
    main()
