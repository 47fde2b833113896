# Each ledger account's transfers in posting order: (debit, id) and (credit, id) replace the one-column indexes of
# the two keys, which they serve as well. The old indexes are dropped by name rather than by altering the fields:
# on SQLite an altered field rebuilds the table, and a rebuilt table loses the ledger's guard triggers (0002, 0026).

import django.db.models.deletion
from django.db import migrations, models

# Django's names for the foreign keys' own indexes, the same on SQLite and PostgreSQL.
OLD_INDEXES = {"debit": "gridpay_transfer_debit_id_4d0bd0d9", "credit": "gridpay_transfer_credit_id_120453a5"}


def without_own_index(side: str) -> migrations.SeparateDatabaseAndState:
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(
            model_name="transfer", name=side,
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="gridpay.ledgeraccount"),
        )],
        database_operations=[migrations.RunSQL(
            f"DROP INDEX IF EXISTS {OLD_INDEXES[side]}",
            f"CREATE INDEX {OLD_INDEXES[side]} ON gridpay_transfer ({side}_id)",
        )],
    )


class Migration(migrations.Migration):

    dependencies = [
        ("gridpay", "0036_counter_receipt_void"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="transfer",
            index=models.Index(fields=["debit", "id"], name="transfer_debit_in_order"),
        ),
        migrations.AddIndex(
            model_name="transfer",
            index=models.Index(fields=["credit", "id"], name="transfer_credit_in_order"),
        ),
        without_own_index("debit"),
        without_own_index("credit"),
    ]
