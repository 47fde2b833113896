"""The base of gridpay's commands: a refusal ends the command with its one Chinese line, not Django's English label."""

import sys
from typing import Literal

from django.core.management.base import BaseCommand, CommandError, SystemCheckError

SystemChecks = list[str] | tuple[str, ...] | Literal["__all__"]  # Django's type of requires_system_checks


class GridpayCommand(BaseCommand):
    # Django's system checks import every URL configuration, and with them every view and use case: a second of a
    # one-line command's start. They guard what serves requests: `serve`, `worker` and `gridpay check` run them.
    requires_system_checks: SystemChecks = []

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
