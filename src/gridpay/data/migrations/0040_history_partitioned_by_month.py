"""Readings, settlements and transfers partitioned by month on PostgreSQL (ADR 0033); nothing changes on SQLite.

Each table is rebuilt as ``PARTITION BY RANGE`` on its day (readings ``reading_date``, settlements ``day``, transfers
``business_day``), with a partition for every month its rows cover and a DEFAULT partition for any row of a month
not created yet (the schedule creates each month three months ahead: data.history_partitions). The rows are copied
over in the migration's transaction, and the reverse rebuilds the plain tables the same way.

A partitioned table's unique indexes must hold the partition key, so on PostgreSQL the primary key is (id, day)
while Django keeps ``id`` as the model's primary key: ids still come from one sequence per table, which is what keeps
them unique. The unique keys (meter, reading_date) and (account, day) already hold the day. The id column's default
is a sequence owned by the column (PostgreSQL 15 has no identity columns on partitioned tables), which Django's
flush and ``pg_get_serial_sequence`` treat as they treat an identity.

A foreign key may only point at a unique key of a partitioned table, and (id) no longer is one: the nine foreign keys
to transfers (payments, refunds, bills, late fees, temporary supplies' refunds) are no longer checked by PostgreSQL,
as ADR 0032 has it for the ledger: their rows are written by the ledger's one writer in the transaction that posted
the transfer, and transfers are never deleted (a trigger refuses it). SQLite keeps them.

The ledger's immutability trigger is put on the partitioned transfer table, which gives it to every partition.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# table → the day it is partitioned by
TABLES = {
    "gridpay_reading": "reading_date",
    "gridpay_settlement": "day",
    "gridpay_transfer": "business_day",
}
# Django's names for the foreign keys to transfers, the same on every PostgreSQL database: (table, name, column)
TO_TRANSFERS = [
    ("gridpay_payment", "gridpay_payment_transfer_id_f592b069_fk_gridpay_transfer_id", "transfer_id"),
    ("gridpay_monthlybill", "gridpay_monthlybill_adjustment_id_9716bc35_fk_gridpay_t", "adjustment_id"),
    ("gridpay_paymentrefund", "gridpay_paymentrefun_transfer_id_67521632_fk_gridpay_t", "transfer_id"),
    ("gridpay_paymentrefund", "gridpay_paymentrefun_closed_transfer_id_70f8c4cb_fk_gridpay_t", "closed_transfer_id"),
    ("gridpay_billpayment", "gridpay_billpayment_transfer_id_34339cd9_fk_gridpay_transfer_id", "transfer_id"),
    ("gridpay_latefeecharge", "gridpay_latefeecharg_transfer_id_b6fd1773_fk_gridpay_t", "transfer_id"),
    ("gridpay_latefeewaiver", "gridpay_latefeewaive_transfer_id_676f5f39_fk_gridpay_t", "transfer_id"),
    ("gridpay_postpaidbill", "gridpay_postpaidbill_posting_id_05da096b_fk_gridpay_transfer_id", "posting_id"),
    ("gridpay_temporarysupply", "gridpay_temporarysup_refund_transfer_id_9e139265_fk_gridpay_t", "refund_transfer_id"),
]
IMMUTABLE = ("CREATE TRIGGER gridpay_transfer_immutable BEFORE UPDATE OR DELETE ON gridpay_transfer"
             " FOR EACH ROW EXECUTE FUNCTION gridpay_transfer_immutable()")


def _definitions(cursor: object, table: str) -> list[str]:
    """The statements that put back a table's unique and foreign-key constraints and its other indexes."""
    cursor.execute(  # type: ignore[attr-defined]
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY conname", [table])
    constraints = cursor.fetchall()  # type: ignore[attr-defined]
    cursor.execute(  # type: ignore[attr-defined]
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s"
        " ORDER BY indexname", [table])
    owned = {name for name, _ in constraints} | {f"{table}_pkey"}
    return ([f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}" for name, definition in constraints]
            + [definition for name, definition in cursor.fetchall() if name not in owned]  # type: ignore[attr-defined]
            )


def _partition(schema_editor: BaseDatabaseSchemaEditor, table: str, column: str) -> None:
    with schema_editor.connection.cursor() as cursor:
        put_back = _definitions(cursor, table)
        cursor.execute(f"SELECT DISTINCT date_trunc('month', {column})::date FROM {table} ORDER BY 1")
        months = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"CREATE TABLE {table}__new (LIKE {table} INCLUDING CONSTRAINTS) PARTITION BY RANGE ({column})")
        for start in months:
            end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
            cursor.execute(f"CREATE TABLE {table}_p{start:%Y_%m} PARTITION OF {table}__new"
                           f" FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')")
        cursor.execute(f"CREATE TABLE {table}_default PARTITION OF {table}__new DEFAULT")
        cursor.execute(f"INSERT INTO {table}__new SELECT * FROM {table}")
        cursor.execute(f"DROP TABLE {table}")
        cursor.execute(f"ALTER TABLE {table}__new RENAME TO {table}")
        cursor.execute(f"CREATE SEQUENCE {table}_id_seq OWNED BY {table}.id")
        cursor.execute(f"SELECT setval('{table}_id_seq', COALESCE(MAX(id), 0) + 1, false) FROM {table}")
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{table}_id_seq')")
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, {column})")
        for statement in put_back:
            cursor.execute(statement)
        cursor.execute(f"ANALYZE {table}")


def _unpartition(schema_editor: BaseDatabaseSchemaEditor, table: str, column: str) -> None:
    with schema_editor.connection.cursor() as cursor:
        put_back = _definitions(cursor, table)
        cursor.execute(f"CREATE TABLE {table}__new (LIKE {table} INCLUDING CONSTRAINTS)")
        cursor.execute(f"INSERT INTO {table}__new SELECT * FROM {table}")
        cursor.execute(f"DROP TABLE {table}")  # its partitions and its sequence with it
        cursor.execute(f"ALTER TABLE {table}__new RENAME TO {table}")
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY")
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false)"
                       f" FROM {table}")
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id)")
        for statement in put_back:
            cursor.execute(statement)
        cursor.execute(f"ANALYZE {table}")


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, _ in TO_TRANSFERS:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
    for table, column in TABLES.items():
        _partition(schema_editor, table, column)
    schema_editor.execute(IMMUTABLE)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in TABLES.items():
        _unpartition(schema_editor, table, column)
    schema_editor.execute(IMMUTABLE)
    for table, name, column in TO_TRANSFERS:
        schema_editor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column})"
                              " REFERENCES gridpay_transfer (id) DEFERRABLE INITIALLY DEFERRED")


def _unchecked(model: str, name: str, **options: object) -> migrations.AlterField:
    field = models.OneToOneField(db_constraint=False, on_delete=models.PROTECT, to="gridpay.transfer",
                                 **options)  # type: ignore[call-overload]
    return migrations.AlterField(model_name=model, name=name, field=field)


class Migration(migrations.Migration):
    atomic = True

    dependencies = [
        ("gridpay", "0039_batch_rows_without_key_checks"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                _unchecked("payment", "transfer"),
                _unchecked("paymentrefund", "transfer"),
                _unchecked("paymentrefund", "closed_transfer", null=True, blank=True, related_name="closed_refund"),
                _unchecked("postpaidbill", "posting", null=True, related_name="+"),
                _unchecked("billpayment", "transfer", related_name="+"),
                _unchecked("latefeecharge", "transfer", related_name="+"),
                _unchecked("latefeewaiver", "transfer", related_name="+"),
                _unchecked("monthlybill", "adjustment", null=True, related_name="+"),
                _unchecked("temporarysupply", "refund_transfer", null=True, blank=True, related_name="+"),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        ),
    ]
