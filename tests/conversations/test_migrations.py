"""Data migrations of conversations, run forwards and backwards on a real database."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("conversations", "0006_duplicate_check_by_provider_id")]
AFTER = [("conversations", "0007_contact_merged_events")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_merges_recorded_as_new_contacts_are_relabelled(make_conversation):
    conversation = make_conversation()
    apps = _migrate(BEFORE)
    try:
        events = apps.get_model("conversations", "ConversationEvent").objects
        merged = events.create(
            conversation_id=conversation.pk,
            kind="contact_created",
            data={"contact_id": 1, "merged_from": 2},
            created_at=conversation.created_at,
        )
        created = events.create(
            conversation_id=conversation.pk,
            kind="contact_created",
            data={"contact_id": 1, "profile_name": "Ana"},
            created_at=conversation.created_at,
        )

        apps = _migrate(AFTER)

        events = apps.get_model("conversations", "ConversationEvent").objects
        assert events.get(pk=merged.pk).kind == "contact_merged"
        assert events.get(pk=created.pk).kind == "contact_created"

        apps = _migrate(BEFORE)

        events = apps.get_model("conversations", "ConversationEvent").objects
        assert events.get(pk=merged.pk).kind == "contact_created"
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
