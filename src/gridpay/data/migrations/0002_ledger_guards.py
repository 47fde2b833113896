"""Database-side guards of the ledger: transfers can be neither changed nor deleted."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

POSTGRESQL = [
    """
    CREATE FUNCTION gridpay_transfer_immutable() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'ledger transfers are immutable: post a correcting transfer instead';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER gridpay_transfer_immutable BEFORE UPDATE OR DELETE ON gridpay_transfer
    FOR EACH ROW EXECUTE FUNCTION gridpay_transfer_immutable()
    """,
    # Balances are rewritten on every settlement; room on the page lets PostgreSQL update in place.
    "ALTER TABLE gridpay_ledgeraccount SET (fillfactor = 70)",
]

SQLITE = [
    """
    CREATE TRIGGER gridpay_transfer_no_update BEFORE UPDATE ON gridpay_transfer
    BEGIN SELECT RAISE(ABORT, 'ledger transfers are immutable: post a correcting transfer instead'); END
    """,
    """
    CREATE TRIGGER gridpay_transfer_no_delete BEFORE DELETE ON gridpay_transfer
    BEGIN SELECT RAISE(ABORT, 'ledger transfers are immutable: post a correcting transfer instead'); END
    """,
]


def add_guards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    statements = POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement)


def remove_guards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER gridpay_transfer_immutable ON gridpay_transfer")
        schema_editor.execute("DROP FUNCTION gridpay_transfer_immutable()")
    else:
        schema_editor.execute("DROP TRIGGER gridpay_transfer_no_update")
        schema_editor.execute("DROP TRIGGER gridpay_transfer_no_delete")


class Migration(migrations.Migration):
    dependencies = [("gridpay", "0001_initial")]
    operations = [migrations.RunPython(add_guards, remove_guards)]
