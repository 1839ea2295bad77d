"""Auto-close: idle bot chats and answered chats close once; waiting customers never."""

from datetime import timedelta
from decimal import Decimal

import pytest

from ventanilla.accounts.models import Role
from ventanilla.conversations.models import Conversation, Message
from ventanilla.conversations.outbound import message_queue_outbound
from ventanilla.conversations.services import conversation_reopen
from ventanilla.core import clock
from ventanilla.schedules import services
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


# --- What an admin saved on the Settings screen ----------------------------------------------


def test_saved_minutes_and_message_apply_on_the_next_run(chats, admin):
    # given an admin saved 90 minutes and their own message
    services.auto_close_update(by=admin, minutes=90, message="Cerramos por hoy, ¡gracias!")
    # when the job runs 31 minutes later, then nothing closes (the environment said 30)
    assert close_idle_conversations(now=clock.now() + LATER) == 0
    # and 91 minutes later the idle chats close with the saved message
    assert close_idle_conversations(now=clock.now() + timedelta(minutes=91)) == 2
    bot = Conversation.objects.get(pk=chats["bot"].pk)
    assert bot.closed_reason == "auto_inactivity"
    assert list(
        Message.objects.filter(conversation=bot, direction="out").values_list("text", flat=True)
    ) == ["Cerramos por hoy, ¡gracias!"]


def test_saved_decimal_minutes(chats, admin):
    services.auto_close_update(by=admin, minutes=Decimal("0.5"))

    assert close_idle_conversations(now=clock.now() + timedelta(seconds=40)) == 2


def test_saved_zero_turns_it_off_whatever_the_environment_says(chats, admin, settings):
    settings.AUTO_CLOSE_MINUTES = 30
    services.auto_close_update(by=admin, minutes=0)

    assert close_idle_conversations(now=clock.now() + timedelta(days=3)) == 0


def test_saved_minutes_keep_the_environment_message(chats, admin, settings):
    # given only the minutes are saved, and the environment's message
    services.auto_close_update(by=admin, minutes=5)
    settings.AUTO_CLOSE_MESSAGE = "Texto del entorno"
    # when the job runs, then it closes after 5 minutes with the environment's message
    assert close_idle_conversations(now=clock.now() + timedelta(minutes=6)) == 2
    assert Message.objects.filter(direction="out", text="Texto del entorno").count() == 2


def test_back_to_the_environment_after_a_reset(chats, admin):
    services.auto_close_update(by=admin, minutes=0)
    services.auto_close_update(by=admin, minutes=None, message=None)

    assert close_idle_conversations(now=clock.now() + LATER) == 2


def test_a_reopened_conversation_is_not_closed_again_by_the_next_tick(
    chats, make_user, monkeypatch
):
    # given an answered chat that auto-close closed half an hour after its last message
    supervisor = make_user(Role.SUPERVISOR, areas=[chats["answered"].area])
    later = clock.now() + LATER
    close_idle_conversations(now=later)
    # when a supervisor reopens it then
    monkeypatch.setattr(clock, "now", lambda: later)
    reopened = Conversation.objects.get(pk=chats["answered"].pk)
    conversation_reopen(conversation=reopened, by=supervisor)
    # then the next tick leaves it open: reopening is activity
    assert close_idle_conversations(now=later + timedelta(minutes=1)) == 0
    assert _status(reopened) == "active"
