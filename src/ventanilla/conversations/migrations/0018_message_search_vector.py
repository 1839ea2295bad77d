"""Message search on PostgreSQL reads a stored `tsvector` column instead of computing
`to_tsvector` of each message it filters (docs/adr/0038-message-search-third-round.md).

`search_vector` is generated from `text` (`GENERATED ALWAYS AS … STORED`: PostgreSQL computes
it on INSERT and on an UPDATE that sets `text`), and the GIN index moves onto it. The
expression index it replaces computed the same `to_tsvector` on every insert, so an inbound
message costs about the same; what changes is the search's probes (a conversation's messages
read one by one and filtered), which read the stored value instead of computing it, ~75 times
cheaper per message. Adding the column rewrites the table once (an exclusive lock for as long).
The models do not know the column: only `conversations.search` reads it, on PostgreSQL; SQLite
and MariaDB keep their indexes of 0012.
"""

from django.db import migrations

PG_FORWARD = [
    "ALTER TABLE conversations_message ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('ventanilla_search'::regconfig, text)) STORED",
    "CREATE INDEX IF NOT EXISTS message_search_vector ON conversations_message "
    "USING GIN (search_vector)",
    "DROP INDEX IF EXISTS message_text_search",
]
PG_BACKWARD = [
    "CREATE INDEX IF NOT EXISTS message_text_search ON conversations_message "
    "USING GIN (to_tsvector('ventanilla_search', text))",
    "ALTER TABLE conversations_message DROP COLUMN IF EXISTS search_vector",
]


def add_column(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_FORWARD:
            schema_editor.execute(sql)


def drop_column(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0017_first_reply_since_assigned"),
    ]

    operations = [migrations.RunPython(add_column, drop_column)]
