"""The `gridpay` console script: Django's command line with gridpay's settings and an up-to-date schema."""

import os
import sys

COMMANDS_THAT_MANAGE_THE_SCHEMA = {
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
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    argv = sys.argv[1:]
    if argv in ([], ["-h"], ["--help"], ["help"]):
        from gridpay.interfaces.cli.overview import overview

        print(overview())
        return
    if argv and not argv[0].startswith("-"):
        # Django command names are module names; `gridpay api-token` runs the command api_token.
        argv[0] = argv[0].replace("-", "_")
    asks_for_help = any(arg in ("-h", "--help") for arg in argv)
    if argv and argv[0] not in COMMANDS_THAT_MANAGE_THE_SCHEMA and not asks_for_help:
        from gridpay.interfaces.cli.schema import ensure_schema

        ensure_schema()
    execute_from_command_line(["gridpay", *argv])


if __name__ == "__main__":
    main()
