"""Auto-close: idle bot chats and answered chats close once; waiting customers never."""

from datetime import timedelta

import pytest

from ventanilla.accounts.models import Role
from ventanilla.conversations.models import Conversation, Message
from ventanilla.conversations.services import message_queue_outbound
from ventanilla.core import clock
from ventanilla.schedules.autoclose import close_idle_conversations

LATER = timedelta(minutes=31)
MESSAGE = "Cerramos esta conversación por inactividad. Escribinos cuando quieras."


@pytest.fixture
def chats(make_area, make_user, make_conversation):
    soporte = make_area("Soporte")
    agent = make_user(Role.SUPPORT, areas=[soporte])
    answered = make_conversation("active", area=soporte, assigned_to=agent)
    message_queue_outbound(conversation=answered, sender_type="agent", sender_user=agent, text="ok")
    return {
        "bot": make_conversation("bot"),
        "queued": make_conversation("queued", area=soporte),
        "waiting_on_agent": make_conversation("active", area=soporte, assigned_to=agent),
        "answered": answered,
    }


def _status(conversation):
    return Conversation.objects.get(pk=conversation.pk).status


def test_closes_idle_bot_and_answered_chats_and_leaves_waiting_customers(chats):
    closed = close_idle_conversations(now=clock.now() + LATER)

    assert closed == 2
    assert {name: _status(chat) for name, chat in chats.items()} == {
        "bot": "closed",
        "queued": "queued",
        "waiting_on_agent": "active",
        "answered": "closed",
    }
    bot = Conversation.objects.get(pk=chats["bot"].pk)
    assert (bot.closed_reason, bot.closed_by_id) == ("auto_inactivity", None)
    assert list(
        Message.objects.filter(conversation=bot, direction="out").values_list("text", flat=True)
    ) == [MESSAGE]


def test_a_second_run_closes_nothing_and_sends_nothing_more(chats):
    close_idle_conversations(now=clock.now() + LATER)
    before = Message.objects.count()

    assert close_idle_conversations(now=clock.now() + LATER) == 0
    assert Message.objects.count() == before


def test_recent_activity_keeps_a_chat_open(chats):
    assert close_idle_conversations(now=clock.now() + timedelta(minutes=29)) == 0


def test_zero_minutes_disables_it(chats, settings):
    settings.AUTO_CLOSE_MINUTES = 0

    assert close_idle_conversations(now=clock.now() + timedelta(days=3)) == 0


def test_decimal_minutes(chats, settings):
    settings.AUTO_CLOSE_MINUTES = 0.5

    assert close_idle_conversations(now=clock.now() + timedelta(seconds=40)) == 2
