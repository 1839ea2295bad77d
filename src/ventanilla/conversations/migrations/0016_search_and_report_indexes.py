"""Indexes for search and reports at a million messages (docs/adr/0035-search-and-reports-at-scale.md).

- PostgreSQL: trigram indexes for the contact half of the chat list's search (a name, phone or
  DNI containing the words, `LIKE '%…%'`), which read every contact before. `pg_trgm` is a
  trusted extension: a database owner may create it; where it cannot be created the migration
  warns and the search works as before, reading every contact. SQLite and MariaDB are left as
  they were.
- The reports' `(created_at, direction)` index on messages carries the conversation
  (PostgreSQL's `INCLUDE`; the other databases build the index as before), so someone who sees
  part of the desk has their messages per day counted from the index alone.
"""

from django.db import migrations, models

PG_FORWARD = [
    """
    DO $$ BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
        RAISE WARNING 'pg_trgm is not available: the contact search reads every contact';
    END $$
    """,
    """
    DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
            CREATE INDEX IF NOT EXISTS contact_name_trigram
                ON contacts_contact USING GIN (UPPER(name) gin_trgm_ops);
            CREATE INDEX IF NOT EXISTS contact_phone_trigram
                ON contacts_contact USING GIN (phone gin_trgm_ops);
            CREATE INDEX IF NOT EXISTS contact_dni_trigram
                ON contacts_contact USING GIN (dni gin_trgm_ops);
        END IF;
    END $$
    """,
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS contact_name_trigram",
    "DROP INDEX IF EXISTS contact_phone_trigram",
    "DROP INDEX IF EXISTS contact_dni_trigram",
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_FORWARD:
            schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0015_response_target_deadlines"),
        ("contacts", "0002_sandbox_contacts"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
        migrations.RemoveIndex(model_name="message", name="message_created_direction_idx"),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                fields=["created_at", "direction"],
                include=["conversation"],
                name="message_created_direction_idx",
            ),
        ),
    ]
