"""`gridpay migrate`: brings the database schema up to date (the operator's step on PostgreSQL; the embedded SQLite
database does it by itself), saying so in Chinese."""

from typing import Any

from django.core.management.base import CommandParser
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS
from django.db.migrations.migration import Migration

from gridpay.interfaces.command import GridpayCommand, SystemChecks

UP_TO_DATE = "数据库结构已是最新，没有要应用的迁移。"


class Command(GridpayCommand, DjangoMigrate):
    help = "建立或升级 PostgreSQL 数据库结构（嵌入式 SQLite 自动完成）"
    requires_system_checks: SystemChecks = "__all__"  # as Django's migrate: a broken configuration changes nothing
    django_options_offered = {"-v": "输出多少：0 不输出，1 开始与结束各一行（默认），2、3 逐个列出应用的迁移"}

    def add_arguments(self, parser: CommandParser) -> None:
        if not self.on_command_line:
            super().add_arguments(parser)  # call_command("migrate", …), as Django's test runner calls it
            return
        parser.add_argument("--plan", action="store_true", help="只列出将要应用的迁移，不改动数据库")
        # Django's migrate reads these: all of gridpay's migrations, on its one database, with no question asked.
        parser.set_defaults(app_label=None, migration_name=None, interactive=False, database=DEFAULT_DB_ALIAS,
                            fake=False, fake_initial=False, run_syncdb=False, check_unapplied=False, prune=False)

    def handle(self, *args: Any, **options: Any) -> None:
        if not self.on_command_line:
            super().handle(*args, **options)
            return
        from django.core.management import call_command

        from gridpay.interfaces.cli.schema import MigrateTelling, pending_migrations

        verbosity = options["verbosity"]
        pending = pending_migrations()
        if options["plan"]:
            self.stdout.write(f"将应用 {len(pending)} 个迁移：" if pending else UP_TO_DATE)
            for migration, _ in pending:
                self.stdout.write(f"  {migration.app_label}.{migration.name}")
            return
        if not pending:
            if verbosity:
                self.stdout.write(UP_TO_DATE)
            return
        if verbosity:
            self.stdout.write(f"应用 {len(pending)} 个迁移……")

        def applied(migration: Migration) -> None:
            if verbosity >= 2:
                self.stdout.write(f"  已应用 {migration.app_label}.{migration.name}")

        call_command(MigrateTelling(None, total=len(pending), on_applied=applied), verbosity=0, interactive=False)
        if verbosity:
            self.stdout.write(f"数据库结构已是最新（应用了 {len(pending)} 个迁移）。")
        # PostgreSQL: the history tables' partitions of this month and the next three, so that the first rows of a new
        # installation go to their month rather than to the DEFAULT partition (then the worker's nightly job).
        from gridpay.application.history.create_partitions_ahead import create_partitions_ahead
        from gridpay.interfaces import clock

        created = create_partitions_ahead(today=clock.today())
        if created and verbosity:
            self.stdout.write(f"已建历史表的按月分区 {len(created)} 个（本月及后三个月）。")
