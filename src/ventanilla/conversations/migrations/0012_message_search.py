"""Message search: each database's own full-text index on `conversations_message.text`
(conversations/search.py, docs/adr/0030-message-search-waiting-and-follow-up.md).

- PostgreSQL: the `unaccent` extension (trusted: a database owner may create it; when it cannot
  be created the search still works, but accents then count), a text search configuration
  `ventanilla_search` ('simple' behind `unaccent`: no stemming, no stop words, one language or
  another alike) and a GIN index on `to_tsvector('ventanilla_search', text)`.
- SQLite: an FTS5 external-content table over the messages (`unicode61 remove_diacritics 2`),
  filled from the rows already there and kept by three triggers. A later migration that rebuilds
  `conversations_message` on SQLite drops the triggers with the old table: it must create them
  again (tests/conversations/test_search.py checks they are there).
- MariaDB: a FULLTEXT index (the utf8mb4_unicode_ci collation ignores accents and case).
"""

from django.db import migrations

PG_FORWARD = [
    """
    DO $$ BEGIN
        CREATE EXTENSION IF NOT EXISTS unaccent;
    EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
        RAISE WARNING 'unaccent is not available: message search will not ignore accents';
    END $$
    """,
    """
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'ventanilla_search') THEN
            CREATE TEXT SEARCH CONFIGURATION ventanilla_search (COPY = simple);
            IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'unaccent') THEN
                ALTER TEXT SEARCH CONFIGURATION ventanilla_search
                    ALTER MAPPING FOR asciihword, asciiword, hword, hword_asciipart, hword_part, word
                    WITH unaccent, simple;
            END IF;
        END IF;
    END $$
    """,
    "CREATE INDEX message_text_search ON conversations_message "
    "USING GIN (to_tsvector('ventanilla_search', text))",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS message_text_search",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS ventanilla_search",
]

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE conversations_message_fts USING fts5(text, "
    "content='conversations_message', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "INSERT INTO conversations_message_fts(conversations_message_fts) VALUES ('rebuild')",
    """
    CREATE TRIGGER conversations_message_fts_insert AFTER INSERT ON conversations_message BEGIN
        INSERT INTO conversations_message_fts(rowid, text) VALUES (new.id, new.text);
    END
    """,
    """
    CREATE TRIGGER conversations_message_fts_delete AFTER DELETE ON conversations_message BEGIN
        INSERT INTO conversations_message_fts(conversations_message_fts, rowid, text)
        VALUES ('delete', old.id, old.text);
    END
    """,
    """
    CREATE TRIGGER conversations_message_fts_update AFTER UPDATE OF text ON conversations_message
    BEGIN
        INSERT INTO conversations_message_fts(conversations_message_fts, rowid, text)
        VALUES ('delete', old.id, old.text);
        INSERT INTO conversations_message_fts(rowid, text) VALUES (new.id, new.text);
    END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS conversations_message_fts_insert",
    "DROP TRIGGER IF EXISTS conversations_message_fts_delete",
    "DROP TRIGGER IF EXISTS conversations_message_fts_update",
    "DROP TABLE IF EXISTS conversations_message_fts",
]

MYSQL_FORWARD = ["CREATE FULLTEXT INDEX message_text_search ON conversations_message (text)"]
MYSQL_BACKWARD = ["DROP INDEX message_text_search ON conversations_message"]

STATEMENTS = {
    "postgresql": (PG_FORWARD, PG_BACKWARD),
    "sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD),
    "mysql": (MYSQL_FORWARD, MYSQL_BACKWARD),
}


def _run(schema_editor, which: int) -> None:
    statements = STATEMENTS.get(schema_editor.connection.vendor)
    if statements is None:
        return
    for sql in statements[which]:
        schema_editor.execute(sql)


def create_index(apps, schema_editor):
    _run(schema_editor, 0)


def drop_index(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0011_report_indexes"),
    ]

    # MariaDB cannot run DDL inside a transaction; PostgreSQL runs the migration in one anyway
    operations = [migrations.RunPython(create_index, drop_index, atomic=False)]
