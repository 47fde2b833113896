"""Each transfer records its two accounts' balances right after it; the database knows the kinds of transfer.

Transfers already posted get the running sums of their accounts' transfers in id order: the balances their
receipts and statements showed until now. The ledger's immutability guards are lifted for that filling only.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# The guards of 0002_ledger_guards. SQLite drops a table's triggers when Django rebuilds the table to make the
# new columns NOT NULL, so there they are dropped and created again; PostgreSQL only switches its trigger off.
SQLITE_GUARDS = [
    """
    CREATE TRIGGER gridpay_transfer_no_update BEFORE UPDATE ON gridpay_transfer
    BEGIN SELECT RAISE(ABORT, 'ledger transfers are immutable: post a correcting transfer instead'); END
    """,
    """
    CREATE TRIGGER gridpay_transfer_no_delete BEFORE DELETE ON gridpay_transfer
    BEGIN SELECT RAISE(ABORT, 'ledger transfers are immutable: post a correcting transfer instead'); END
    """,
]

FILL = """
WITH entries AS (
    SELECT id, debit_id AS account_id, -amount_fen AS change_fen, 0 AS credit_side FROM gridpay_transfer
    UNION ALL
    SELECT id, credit_id, amount_fen, 1 FROM gridpay_transfer
), running AS (
    SELECT id, credit_side,
           SUM(change_fen) OVER (PARTITION BY account_id ORDER BY id ROWS UNBOUNDED PRECEDING) AS after_fen
    FROM entries
), paired AS (
    SELECT id,
           SUM(CASE WHEN credit_side = 0 THEN after_fen ELSE 0 END) AS debit_after_fen,
           SUM(CASE WHEN credit_side = 1 THEN after_fen ELSE 0 END) AS credit_after_fen
    FROM running GROUP BY id
)
UPDATE gridpay_transfer
SET debit_balance_after_fen = paired.debit_after_fen, credit_balance_after_fen = paired.credit_after_fen
FROM paired WHERE paired.id = gridpay_transfer.id
"""


def lift_guards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE gridpay_transfer DISABLE TRIGGER gridpay_transfer_immutable")
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS gridpay_transfer_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS gridpay_transfer_no_delete")


def restore_guards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE gridpay_transfer ENABLE TRIGGER gridpay_transfer_immutable")
    else:
        for statement in SQLITE_GUARDS:
            schema_editor.execute(statement)


def fill_balances_after(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FILL)


class Migration(migrations.Migration):
    dependencies = [("gridpay", "0025_gateway_heartbeat")]

    operations = [
        migrations.RunPython(lift_guards, restore_guards),
        migrations.AddField(
            model_name="transfer", name="debit_balance_after_fen", field=models.BigIntegerField(null=True)
        ),
        migrations.AddField(
            model_name="transfer", name="credit_balance_after_fen", field=models.BigIntegerField(null=True)
        ),
        migrations.RunPython(fill_balances_after, migrations.RunPython.noop),
        migrations.AlterField(model_name="transfer", name="debit_balance_after_fen", field=models.BigIntegerField()),
        migrations.AlterField(
            model_name="transfer", name="credit_balance_after_fen", field=models.BigIntegerField()
        ),
        migrations.AddConstraint(
            model_name="transfer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    kind__in=["settlement", "payment", "bill_adjustment", "opening_balance", "refund", "refund_closed"]
                ),
                name="transfer_kind_known",
            ),
        ),
        migrations.RunPython(restore_guards, lift_guards),
    ]
