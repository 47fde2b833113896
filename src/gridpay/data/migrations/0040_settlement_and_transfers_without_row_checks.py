"""Daily settlement's rows written without a foreign-key check per row, on PostgreSQL.

Each settled account wrote a settlement (its account checked) and a transfer (its debit and credit ledger accounts
checked): three lookups per account at the commit, 2.4 s of the server's 5.7 s for 200,000 accounts, measured. The
ledger's one writer (data.ledger.post) moves both accounts' balances by id before it inserts a transfer, in the same
transaction, and refuses the posting if an account is missing; a settlement's account comes from the batch's read of
the accounts in its transaction; none of them is ever deleted (PROTECT, which Django still applies). So the checks
could never fail: the same reasoning as the settlement's tariff version (0005) and the meter commands (0039). ADR 0032.

On SQLite the tables keep their constraints: dropping one there rebuilds the table, and a rebuilt transfer table
loses the ledger's guard triggers (0002, 0026).
"""

from collections.abc import Callable

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# Django's names for the constraints, the same on every PostgreSQL database: (table, name, column, referenced table)
CONSTRAINTS = [
    ("gridpay_settlement", "gridpay_settlement_account_id_d7fad8f0_fk_gridpay_account_id", "account_id",
     "gridpay_account"),
    ("gridpay_transfer", "gridpay_transfer_debit_id_4d0bd0d9_fk_gridpay_ledgeraccount_id", "debit_id",
     "gridpay_ledgeraccount"),
    ("gridpay_transfer", "gridpay_transfer_credit_id_120453a5_fk_gridpay_ledgeraccount_id", "credit_id",
     "gridpay_ledgeraccount"),
]


def _on_postgresql(statement: str) -> Callable[[StateApps, BaseDatabaseSchemaEditor], None]:
    def run(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for table, name, column, referenced in CONSTRAINTS:
                schema_editor.execute(statement.format(table=table, name=name, column=column, referenced=referenced))

    return run


def _unchecked(model: str, name: str, to: str, related_name: str) -> migrations.AlterField:
    return migrations.AlterField(
        model_name=model, name=name,
        field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                related_name=related_name, to=to),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("gridpay", "0039_outbox_without_row_checks"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                _unchecked("settlement", "account", "gridpay.account", "settlements"),
                _unchecked("transfer", "debit", "gridpay.ledgeraccount", "+"),
                _unchecked("transfer", "credit", "gridpay.ledgeraccount", "+"),
            ],
            database_operations=[migrations.RunPython(
                _on_postgresql("ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}"),
                _on_postgresql("ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column})"
                               " REFERENCES {referenced} (id) DEFERRABLE INITIALLY DEFERRED"),
            )],
        ),
    ]
