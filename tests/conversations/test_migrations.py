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


@pytest.mark.django_db(transaction=True)
def test_the_first_reply_since_the_assignment_is_filled_from_the_messages(
    make_conversation, make_user, soporte, monkeypatch
):
    """0017 fills `first_reply_since_assigned_at` with what the reports computed: the first
    agent message at or after `assigned_at`."""
    from datetime import UTC, datetime, timedelta

    from ventanilla.accounts.models import Role
    from ventanilla.conversations import outbound
    from ventanilla.conversations import services as conversations
    from ventanilla.conversations.models import Conversation, SenderType
    from ventanilla.core import clock

    start = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    now = {"at": start}
    monkeypatch.setattr(clock, "now", lambda: now["at"])

    def at(minutes: int) -> datetime:
        now["at"] = start + timedelta(minutes=minutes)
        return now["at"]

    sofia = make_user(Role.SUPPORT, areas=[soporte])
    answered = make_conversation("queued", area=soporte)
    at(1)  # written before the assignment: not a reply to it
    outbound.message_queue_outbound(
        conversation=answered, sender_type=SenderType.AGENT, sender_user=sofia, text="Ya vamos"
    )
    at(2)
    conversations.conversation_assign(conversation=answered, user=sofia)
    at(3)
    outbound.message_queue_outbound(
        conversation=answered, sender_type=SenderType.BOT, text="Un momento"
    )
    at(4)
    conversations.agent_reply(conversation=answered, by=sofia, text="Hola")
    at(5)
    conversations.agent_reply(conversation=answered, by=sofia, text="¿Seguís?")
    unanswered = make_conversation("active", area=soporte, assigned_to=sofia)
    with_the_bot = make_conversation("bot")
    stored = dict(Conversation.objects.values_list("pk", "first_reply_since_assigned_at"))
    assert stored == {answered.pk: at(4), unanswered.pk: None, with_the_bot.pk: None}

    try:
        _migrate([("conversations", "0016_search_and_report_indexes")])
        apps = _migrate([("conversations", "0017_first_reply_since_assigned")])

        rows = apps.get_model("conversations", "Conversation").objects
        assert dict(rows.values_list("pk", "first_reply_since_assigned_at")) == stored
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
