"""The batch runs' rows written without a foreign-key check per row, on PostgreSQL: the meter command outbox,
settlements and transfers (ADR 0032).

Each check is a lookup at the commit, and the batch runs write a row per account:
- a disconnection run writes a hundred thousand commands and their first events, three checks each (meter, account;
  the event's command): 1.2 s of the server's 3.6 s for 100,000 commands, measured;
- a settlement run writes a settlement (its account) and a transfer (its debit and credit ledger accounts) per
  account: 2.4 s of the server's 5.7 s for 200,000 accounts, measured.

None of the checks could fail. The outbox's one writer (data.meter_command_store) takes every meter and account id
from the rows it has locked in the same transaction, and every event's command from the commands it has just written
or locked. The ledger's one writer (data.ledger.post) moves both accounts' balances by id before it inserts a
transfer, in the same transaction, and refuses the posting if an account is missing. A settlement's account comes
from the batch's read of the accounts in its transaction. Nothing is ever deleted from what they point to (PROTECT,
which Django still applies; an event goes with its command, CASCADE, the same). The settlement's tariff version has
had no constraint since 0005, for the same reason. The models keep their relations for the ORM.

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
    ("gridpay_metercommand", "gridpay_metercommand_meter_id_3bb08020_fk_gridpay_meter_id", "meter_id",
     "gridpay_meter"),
    ("gridpay_metercommand", "gridpay_metercommand_account_id_e50c3166_fk_gridpay_account_id", "account_id",
     "gridpay_account"),
    ("gridpay_metercommandevent", "gridpay_metercommand_command_id_043491ee_fk_gridpay_m", "command_id",
     "gridpay_metercommand"),
    ("gridpay_settlement", "gridpay_settlement_account_id_d7fad8f0_fk_gridpay_account_id", "account_id",
     "gridpay_account"),
    ("gridpay_transfer", "gridpay_transfer_debit_id_4d0bd0d9_fk_gridpay_ledgeraccount_id", "debit_id",
     "gridpay_ledgeraccount"),
    ("gridpay_transfer", "gridpay_transfer_credit_id_120453a5_fk_gridpay_ledgeraccount_id", "credit_id",
     "gridpay_ledgeraccount"),
]
PROTECT, CASCADE = django.db.models.deletion.PROTECT, django.db.models.deletion.CASCADE


def _on_postgresql(statement: str) -> Callable[[StateApps, BaseDatabaseSchemaEditor], None]:
    def run(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for table, name, column, referenced in CONSTRAINTS:
                schema_editor.execute(statement.format(table=table, name=name, column=column, referenced=referenced))

    return run


def _unchecked(model: str, name: str, to: str, on_delete: Callable[..., None], **options: object) -> migrations.AlterField:
    return migrations.AlterField(
        model_name=model, name=name,
        field=models.ForeignKey(db_constraint=False, on_delete=on_delete, to=to, **options),  # type: ignore[arg-type]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("gridpay", "0038_meter_relay_updates_stay_on_their_page"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                _unchecked("metercommand", "meter", "gridpay.meter", PROTECT, related_name="commands"),
                _unchecked("metercommand", "account", "gridpay.account", PROTECT, related_name="meter_commands"),
                _unchecked("metercommandevent", "command", "gridpay.metercommand", CASCADE, related_name="events"),
                _unchecked("settlement", "account", "gridpay.account", PROTECT, related_name="settlements",
                           db_index=False),
                _unchecked("transfer", "debit", "gridpay.ledgeraccount", PROTECT, related_name="+", db_index=False),
                _unchecked("transfer", "credit", "gridpay.ledgeraccount", PROTECT, related_name="+", db_index=False),
            ],
            database_operations=[migrations.RunPython(
                _on_postgresql("ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}"),
                _on_postgresql("ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column})"
                               " REFERENCES {referenced} (id) DEFERRABLE INITIALLY DEFERRED"),
            )],
        ),
    ]
