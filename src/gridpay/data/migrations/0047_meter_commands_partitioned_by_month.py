"""Meter commands and their events partitioned by month on PostgreSQL (ADR 0042); nothing changes on SQLite.

``gridpay_metercommand`` is rebuilt as ``PARTITION BY RANGE (created_at)`` and ``gridpay_metercommandevent`` as
``PARTITION BY RANGE (at)``, a partition for every month their rows cover (months of the business time zone, bounds
at its midnight) and a DEFAULT partition, the rows copied in the migration's transaction, as migration 0040 did for
the daily history. The primary keys become (id, created_at) and (id, at); ids still come from one sequence a table.

"One live command per meter" and "one held command per meter" were partial unique indexes on ``meter_id`` alone,
which a partitioned table cannot have (its unique indexes must hold the partition key). On PostgreSQL they are now
the primary key of ``gridpay_metercommand_slot`` (meter, slot → command), a row for each command under way, kept by
statement triggers on the partitioned table from the rows each INSERT, UPDATE and DELETE changed (and emptied by
TRUNCATE). A second live or held command for a meter is refused by that key in the statement that makes it, as the
index refused it, and a transaction that waits on another's command waits on its slot row as it waited on the
index's entry. The six foreign keys to commands (arrears cases, reconnection cases, temporary supplies, work orders)
are no longer checked by PostgreSQL, as migration 0040 has it for transfers: a command is written before the row
that names it and is never deleted. SQLite keeps them. The statuses each slot holds are written here as the model's constraints have them: a change of
those constraints changes ``gridpay_meter_command_slot`` in the same migration.
"""

import importlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# Migration 0040's own steps, as it ran them: the statements that put a table's constraints and indexes back, and
# a partitioned table made plain again.
_0040 = importlib.import_module("gridpay.data.migrations.0040_history_partitioned_by_month")
_definitions, _unpartition = _0040._definitions, _0040._unpartition

# table → the instant it is partitioned by
TABLES = {
    "gridpay_metercommand": "created_at",
    "gridpay_metercommandevent": "at",
}
# Django's names for the foreign keys to commands, the same on every PostgreSQL database: (table, name, column)
TO_COMMANDS = [
    ("gridpay_arrearscase", "gridpay_arrearscase_disconnect_command_i_c0b067e9_fk_gridpay_m", "disconnect_command_id"),
    ("gridpay_arrearscase", "gridpay_arrearscase_reconnect_command_id_ca88bc6c_fk_gridpay_m", "reconnect_command_id"),
    ("gridpay_reconnectcase", "gridpay_reconnectcas_command_id_8e292e29_fk_gridpay_m", "command_id"),
    ("gridpay_temporarysupply", "gridpay_temporarysup_connect_command_id_a355aa1b_fk_gridpay_m", "connect_command_id"),
    ("gridpay_temporarysupply", "gridpay_temporarysup_disconnect_command_i_a8dce2ac_fk_gridpay_m",
     "disconnect_command_id"),
    ("gridpay_workorder", "gridpay_workorder_command_id_7ed34cb5_fk_gridpay_m", "command_id"),
]
ONE_LIVE = ("CREATE UNIQUE INDEX meter_command_one_live ON gridpay_metercommand (meter_id)"
            " WHERE status IN ('acknowledged', 'queued', 'sending', 'sent')")
ONE_HELD = "CREATE UNIQUE INDEX meter_command_one_held ON gridpay_metercommand (meter_id) WHERE status = 'held'"

SLOTS = """
CREATE TABLE gridpay_metercommand_slot (
    meter_id bigint NOT NULL,
    slot varchar(4) NOT NULL,
    command_id bigint NOT NULL,
    PRIMARY KEY (meter_id, slot)
);

CREATE FUNCTION gridpay_meter_command_slot(status text) RETURNS text IMMUTABLE LANGUAGE sql AS $$
    SELECT CASE WHEN status IN ('acknowledged', 'queued', 'sending', 'sent') THEN 'live'
                WHEN status = 'held' THEN 'held' END
$$;

CREATE FUNCTION gridpay_meter_command_slots_taken() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO gridpay_metercommand_slot (meter_id, slot, command_id)
    SELECT meter_id, gridpay_meter_command_slot(status), id FROM new_rows
    WHERE gridpay_meter_command_slot(status) IS NOT NULL;
    RETURN NULL;
END
$$;

-- Freed before taken: one statement may end a meter's live command and move its held one into the live slot.
CREATE FUNCTION gridpay_meter_command_slots_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM gridpay_metercommand_slot s USING old_rows o JOIN new_rows n ON n.id = o.id
    WHERE s.meter_id = o.meter_id AND s.slot = gridpay_meter_command_slot(o.status) AND s.command_id = o.id
      AND gridpay_meter_command_slot(o.status) IS DISTINCT FROM gridpay_meter_command_slot(n.status);
    INSERT INTO gridpay_metercommand_slot (meter_id, slot, command_id)
    SELECT n.meter_id, gridpay_meter_command_slot(n.status), n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE gridpay_meter_command_slot(n.status) IS NOT NULL
      AND gridpay_meter_command_slot(o.status) IS DISTINCT FROM gridpay_meter_command_slot(n.status);
    RETURN NULL;
END
$$;

CREATE FUNCTION gridpay_meter_command_slots_freed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM gridpay_metercommand_slot s USING old_rows o WHERE s.meter_id = o.meter_id AND s.command_id = o.id;
    RETURN NULL;
END
$$;

CREATE FUNCTION gridpay_meter_command_slots_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM gridpay_metercommand_slot;
    RETURN NULL;
END
$$;

CREATE TRIGGER gridpay_meter_command_slots_taken AFTER INSERT ON gridpay_metercommand
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridpay_meter_command_slots_taken();
CREATE TRIGGER gridpay_meter_command_slots_moved AFTER UPDATE ON gridpay_metercommand
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridpay_meter_command_slots_moved();
CREATE TRIGGER gridpay_meter_command_slots_freed AFTER DELETE ON gridpay_metercommand
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gridpay_meter_command_slots_freed();
CREATE TRIGGER gridpay_meter_command_slots_emptied AFTER TRUNCATE ON gridpay_metercommand
    FOR EACH STATEMENT EXECUTE FUNCTION gridpay_meter_command_slots_emptied();

INSERT INTO gridpay_metercommand_slot (meter_id, slot, command_id)
SELECT meter_id, gridpay_meter_command_slot(status), id FROM gridpay_metercommand
WHERE gridpay_meter_command_slot(status) IS NOT NULL;
"""

NO_SLOTS = """
DROP TABLE gridpay_metercommand_slot;
DROP FUNCTION gridpay_meter_command_slots_taken, gridpay_meter_command_slots_moved, gridpay_meter_command_slots_freed,
              gridpay_meter_command_slots_emptied, gridpay_meter_command_slot CASCADE;
"""


def _bound(start: date, zone: ZoneInfo) -> str:
    """The instant a month's first day begins in the business time zone, as PostgreSQL reads it."""
    return datetime(start.year, start.month, start.day, tzinfo=zone).isoformat(sep=" ")


def _partition(schema_editor: BaseDatabaseSchemaEditor, table: str, column: str) -> None:
    zone = ZoneInfo(settings.TIME_ZONE)
    with schema_editor.connection.cursor() as cursor:
        put_back = _definitions(cursor, table)
        cursor.execute(f"SELECT DISTINCT date_trunc('month', {column} AT TIME ZONE %s)::date FROM {table} ORDER BY 1",
                       [settings.TIME_ZONE])
        months = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"CREATE TABLE {table}__new (LIKE {table} INCLUDING CONSTRAINTS) PARTITION BY RANGE ({column})")
        for start in months:
            end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
            cursor.execute(f"CREATE TABLE {table}_p{start:%Y_%m} PARTITION OF {table}__new FOR VALUES"
                           f" FROM ('{_bound(start, zone)}') TO ('{_bound(end, zone)}')")
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


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, _ in TO_COMMANDS:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
    schema_editor.execute("DROP INDEX meter_command_one_live, meter_command_one_held")
    for table, column in TABLES.items():
        _partition(schema_editor, table, column)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(SLOTS)  # no parameters: the statements go as one script


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(NO_SLOTS)
    for table, column in TABLES.items():
        _unpartition(schema_editor, table, column)
    schema_editor.execute(ONE_LIVE)
    schema_editor.execute(ONE_HELD)
    for table, name, column in TO_COMMANDS:
        schema_editor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column})"
                              " REFERENCES gridpay_metercommand (id) DEFERRABLE INITIALLY DEFERRED")


def _unchecked(model: str, name: str, **options: object) -> migrations.AlterField:
    field = models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=models.PROTECT,
                              to="gridpay.metercommand", **options)  # type: ignore[call-overload]
    return migrations.AlterField(model_name=model, name=name, field=field)


class Migration(migrations.Migration):
    atomic = True

    dependencies = [
        ("gridpay", "0046_daily_reads_carry_their_share_key"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                _unchecked("arrearscase", "disconnect_command", related_name="+"),
                _unchecked("arrearscase", "reconnect_command", related_name="+"),
                _unchecked("reconnectcase", "command"),
                _unchecked("temporarysupply", "connect_command", related_name="+"),
                _unchecked("temporarysupply", "disconnect_command", related_name="+"),
                _unchecked("workorder", "command"),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        ),
    ]
