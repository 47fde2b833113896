"""Cheaper daily settlement writes: no foreign-key check on the tariff version, and half-empty
ledger-account pages on PostgreSQL.

A settlement run rewrites every balance row of a page in one transaction, and the row versions it
replaces become free only after the commit: an update stays on its page (a HOT update, no index
entries) only while the page has room for a second copy of all its rows, hence fillfactor 50.
The setting shapes pages written from now on; ``VACUUM FULL gridpay_ledgeraccount`` rewrites the
existing ones.
"""

from collections.abc import Callable

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def _fillfactor(value: int) -> Callable[[StateApps, BaseDatabaseSchemaEditor], None]:
    def run(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE gridpay_ledgeraccount SET (fillfactor = {value})")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("gridpay", "0004_settlement_lean_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="settlement",
            name="tariff_version",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                to="gridpay.tariffversion",
            ),
        ),
        migrations.RunPython(_fillfactor(50), _fillfactor(70)),
    ]
