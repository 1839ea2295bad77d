"""Fewer indexes on the rows every customer message rewrites (ADR 0016).

Only the indexes go: the foreign keys stay as they are (Django would drop and re-add them,
checking every row of the messages table again while it holds a lock). MariaDB keeps its own
indexes for foreign keys, so there is nothing to drop there.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (table, column) whose single-column index a composite index already starts with, or that is
# only read when a user or a message is deleted
INDEXES_DROPPED = [
    ("conversations_conversation", "area_id"),
    ("conversations_conversation", "assigned_to_id"),
    ("conversations_conversation", "closed_by_id"),
    ("conversations_conversation", "contact_id"),
    ("conversations_conversation", "last_message_id"),
    ("conversations_message", "conversation_id"),
    ("conversations_message", "line_id"),
]


def _single_column_indexes(schema_editor, table, column):
    with schema_editor.connection.cursor() as cursor:
        found = schema_editor.connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, about in found.items()
        if about["index"]
        and about["columns"] == [column]
        and not (about["unique"] or about["primary_key"])
    ]


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor not in ("postgresql", "sqlite"):
        return
    for table, column in INDEXES_DROPPED:
        for name in _single_column_indexes(schema_editor, table, column):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor not in ("postgresql", "sqlite"):
        return
    for table, column in INDEXES_DROPPED:
        if _single_column_indexes(schema_editor, table, column):
            continue
        name = schema_editor._create_index_name(table, [column])
        quote = schema_editor.quote_name
        schema_editor.execute(f"CREATE INDEX {quote(name)} ON {quote(table)} ({quote(column)})")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_language"),
        ("contacts", "0001_initial"),
        ("conversations", "0004_analytics_indexes"),
        ("providers", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="conversation",
                    name="area",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="conversations",
                        to="accounts.area",
                    ),
                ),
                migrations.AlterField(
                    model_name="conversation",
                    name="assigned_to",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="assigned_conversations",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="conversation",
                    name="closed_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="conversation",
                    name="contact",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="conversations",
                        to="contacts.contact",
                    ),
                ),
                migrations.AlterField(
                    model_name="conversation",
                    name="last_message",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="conversations.message",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="conversation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="conversations.conversation",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="line",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="providers.line",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
        migrations.AlterField(
            model_name="conversation",
            name="open_key",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AddConstraint(
            model_name="conversation",
            constraint=models.UniqueConstraint(fields=("open_key",), name="one_open_conversation"),
        ),
    ]
