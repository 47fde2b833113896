"""The disconnection run's relay flag written without touching the meters' indexes, on PostgreSQL.

A disconnection run sets ``relay_open_desired`` on every meter of a batch in one transaction (a hundred thousand in a
province's morning). An update stays on its page, with no new index entries (a HOT update), only while the page has
room for a second copy of its rows, since the copies it replaces are freed only after the commit: hence fillfactor 50,
as the ledger accounts have had since 0005. It shapes pages written from now on; ``VACUUM FULL gridpay_meter``
rewrites the existing ones.

The two ``varchar_pattern_ops`` indexes Django adds beside a unique text column serve only ``LIKE 'x%'``; meters are
found by number and address by equality (the unique indexes), and every update that does not stay on its page pays
for both. They are dropped by name, as 0037 does, so that the fields are not altered (on SQLite an altered field
rebuilds the table).
"""

from collections.abc import Callable

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

PATTERN_INDEXES = {  # Django's names, the same on every PostgreSQL database
    "gridpay_meter_meter_no_0692d97d_like": "meter_no",
    "gridpay_meter_dlt645_address_07390e80_like": "dlt645_address",
}


def _on_postgresql(*statements: str) -> Callable[[StateApps, BaseDatabaseSchemaEditor], None]:
    def run(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("gridpay", "0037_transfers_by_account_in_order"),
    ]

    operations = [
        migrations.RunPython(
            _on_postgresql(
                "ALTER TABLE gridpay_meter SET (fillfactor = 50)",
                *(f"DROP INDEX IF EXISTS {name}" for name in PATTERN_INDEXES),
            ),
            _on_postgresql(
                "ALTER TABLE gridpay_meter RESET (fillfactor)",
                *(f"CREATE INDEX {name} ON gridpay_meter ({column} varchar_pattern_ops)"
                  for name, column in PATTERN_INDEXES.items()),
            ),
        ),
    ]
