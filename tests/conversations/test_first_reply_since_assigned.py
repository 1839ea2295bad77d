"""`Conversation.first_reply_since_assigned_at`, the reports' first response (ADR 0037): the
first agent message at or after `assigned_at`, written by the update an agent's message already
makes and cleared by each assignment. At every step it equals that definition read from the
messages, the way the reports computed it before the column."""

from datetime import UTC, datetime, timedelta

import pytest

from ventanilla.accounts.models import Role
from ventanilla.conversations import outbound, starting
from ventanilla.conversations import services as conversations
from ventanilla.conversations.models import Conversation, Message, SenderType
from ventanilla.core import clock
from ventanilla.routing import services as routing

NINE = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def at(monkeypatch):
    """`at(minutes)` sets `clock.now()` to 09:00 plus `minutes` and returns that instant."""
    now = {"at": NINE}
    monkeypatch.setattr(clock, "now", lambda: now["at"])

    def move(minutes: int) -> datetime:
        now["at"] = NINE + timedelta(minutes=minutes)
        return now["at"]

    return move


@pytest.fixture
def people(make_user, soporte, ventas, admin):
    return {
        "sofia": make_user(Role.SUPPORT, name="Sofía", areas=[soporte]),
        "vera": make_user(Role.SUPPORT, name="Vera", areas=[soporte]),
        "pablo": make_user(Role.SUPPORT, name="Pablo", areas=[ventas]),
        "lucia": make_user(Role.SUPERVISOR, name="Lucía", areas=[soporte]),
        "admin": admin,
    }


def _by_definition(conversation: Conversation) -> datetime | None:
    """The first agent message at or after the assignment, read from the messages."""
    if conversation.assigned_at is None:
        return None
    first = (
        Message.objects.filter(
            conversation=conversation,
            sender_type=SenderType.AGENT,
            created_at__gte=conversation.assigned_at,
        )
        .order_by("created_at")
        .first()
    )
    return first.created_at if first else None


def _first_reply(conversation: Conversation) -> datetime | None:
    conversation.refresh_from_db()
    assert conversation.first_reply_since_assigned_at == _by_definition(conversation)
    return conversation.first_reply_since_assigned_at


def test_the_first_agent_message_after_the_assignment_is_kept(
    at, make_conversation, soporte, people
):
    at(0)
    conversation = make_conversation("active", area=soporte, assigned_to=people["sofia"])
    assert _first_reply(conversation) is None

    conversations.agent_reply(conversation=conversation, by=people["sofia"], text="Hola")
    assert _first_reply(conversation) == at(0)

    at(5)
    conversations.agent_reply(conversation=conversation, by=people["sofia"], text="¿Seguís?")
    assert _first_reply(conversation) == at(0)


def test_the_bot_and_system_messages_are_no_reply(at, make_conversation, soporte, people):
    at(0)
    conversation = make_conversation("active", area=soporte, assigned_to=people["sofia"])
    at(1)
    outbound.message_queue_outbound(
        conversation=conversation, sender_type=SenderType.BOT, text="Un momento"
    )
    outbound.message_queue_outbound(
        conversation=conversation, sender_type=SenderType.SYSTEM, text="Fuera de horario"
    )
    assert _first_reply(conversation) is None


def test_writing_to_an_unassigned_conversation_takes_it_and_answers(
    at, make_conversation, soporte, people
):
    at(0)
    conversation = make_conversation("queued", area=soporte)
    at(3)
    conversations.agent_reply(conversation=conversation, by=people["sofia"], text="Hola")

    conversation.refresh_from_db()
    assert conversation.assigned_at == at(3)
    assert _first_reply(conversation) == at(3)


def test_a_message_before_the_assignment_does_not_count(at, make_conversation, soporte, people):
    """An admin starts a conversation (queued, with the admin's message); whoever takes it owes
    the first answer from then."""
    at(0)
    earlier = make_conversation("closed", area=soporte, assigned_to=people["sofia"])
    conversation = starting.conversation_start(
        by=people["admin"], contact_id=earlier.contact_id, area_id=soporte.pk, text="Te escribimos"
    )
    assert conversation.assigned_at is None
    assert _first_reply(conversation) is None

    at(10)
    conversations.conversation_assign(conversation=conversation, user=people["sofia"])
    assert _first_reply(conversation) is None

    at(12)
    conversations.agent_reply(conversation=conversation, by=people["sofia"], text="Soy Sofía")
    assert _first_reply(conversation) == at(12)


def test_a_transfer_to_a_person_starts_it_again(at, make_conversation, soporte, people):
    at(0)
    conversation = make_conversation("active", area=soporte, assigned_to=people["sofia"])
    at(2)
    conversations.agent_reply(conversation=conversation, by=people["sofia"], text="Hola")
    assert _first_reply(conversation) == at(2)

    at(10)
    routing.transfer(conversation=conversation, by=people["admin"], user_id=people["vera"].pk)
    assert _first_reply(conversation) is None
    conversation.refresh_from_db()
    assert conversation.first_responded_at == at(2)  # routing's clock goes on (ADR 0032)

    at(15)
    conversations.agent_reply(conversation=conversation, by=people["vera"], text="Soy Vera")
    assert _first_reply(conversation) == at(15)


def test_a_transfer_to_an_area_starts_it_again(at, make_conversation, soporte, ventas, people):
    at(0)
    conversation = make_conversation("active", area=soporte, assigned_to=people["sofia"])
    conversations.agent_reply(conversation=conversation, by=people["sofia"], text="Hola")
    assert _first_reply(conversation) == at(0)

    at(10)  # nobody of Ventas is available: it waits there, its last assignment's figure kept
    routing.transfer(conversation=conversation, by=people["sofia"], area_id=ventas.pk)
    assert _first_reply(conversation) == at(0)

    at(20)  # Pablo writes: it becomes his, and his message is the first reply
    conversations.agent_reply(conversation=conversation, by=people["pablo"], text="Ventas")
    conversation.refresh_from_db()
    assert conversation.assigned_at is not None
    assert _first_reply(conversation) == at(20)


def test_a_reopened_conversation_keeps_it_until_someone_else_takes_it(
    at, make_conversation, soporte, people
):
    at(0)
    conversation = make_conversation("active", area=soporte, assigned_to=people["sofia"])
    at(1)
    conversations.agent_reply(conversation=conversation, by=people["sofia"], text="Hola")
    at(30)
    conversations.conversation_close(conversation=conversation, by=people["sofia"], message="")
    assert _first_reply(conversation) == at(1)

    at(40)  # reopened by its agent: the same assignment, the same first reply
    conversations.conversation_reopen(conversation=conversation, by=people["sofia"])
    assert _first_reply(conversation) == at(1)
    at(50)
    conversations.conversation_close(conversation=conversation, by=people["sofia"], message="")

    at(60)  # Lucía, the supervisor, follows it up: it becomes hers, her message the first reply
    conversations.conversation_follow_up(
        conversation=conversation, by=people["lucia"], text="¿Pudiste resolverlo?"
    )
    conversation.refresh_from_db()
    assert conversation.assigned_to_id == people["lucia"].pk
    assert _first_reply(conversation) == at(60)
