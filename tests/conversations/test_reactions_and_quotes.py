"""Reactions and quoted replies, both ways, on the fake Cloud API and the fake WPPConnect
Server: a customer's reaction is shown on the bubble it reacts to (live), the desk's reaction and
quoted answer go out as each provider expects them, and quotes are shown over the bubble."""

import re

import pytest
from django.test import Client

from tests.fakes.wppconnect import DEFAULT_SESSION, WEBHOOK_TOKEN
from tests.inbound.cloud_posts import cloud_webhook, customer_writes, post_signed
from ventanilla.conversations.models import Message
from ventanilla.conversations.services import agent_reply, message_react
from ventanilla.core.models import LiveEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def chat(cloud_line, admin):
    return customer_writes(cloud_line)


def _bubble(html: str, message_id: int) -> str:
    """The HTML of one entry of a thread page."""
    start = html.index(f'id="m-{message_id}"')
    following = html.find('<div class="entry ', start)
    return html[start : following if following != -1 else len(html)]


def _react(emoji: str, target: str, reaction_id: str = "wamid.R1"):
    body = cloud_webhook(
        {"id": reaction_id, "type": "reaction", "reaction": {"message_id": target, "emoji": emoji}}
    )
    assert post_signed(body).status_code == 200


def test_a_customer_reaction_is_shown_on_the_bubble_it_reacts_to(chat, admin, admin_client):
    reply = agent_reply(conversation=chat, by=admin, text="¿Le sirve el *martes*?")
    reply.refresh_from_db()
    assert reply.provider_id == "wamid.FAKE000001"

    _react("👍", reply.provider_id)

    reply.refresh_from_db()
    assert reply.reactions == {"contact": "👍"}
    event = LiveEvent.objects.filter(name="message:reaction").get()
    assert event.data == {
        "id": reply.pk,
        "conversation_id": chat.pk,
        "reactions": {"contact": "👍"},
    }
    reaction = Message.objects.get(provider_id="wamid.R1")
    page = admin_client.get(f"/chats/{chat.pk}/").content.decode()
    assert f'id="m-{reaction.pk}"' not in page  # no bubble of its own
    bubble = _bubble(page, reply.pk)
    assert re.search(r'class="bubble__reaction" data-side="contact"[^>]*>👍<', bubble)
    assert "<strong>martes</strong>" in bubble
    assert "Reaccionó con 👍" in admin_client.get(f"/chats/item/{chat.pk}/").content.decode()
    # the live path: the one bubble the event makes the screen ask for
    part = admin_client.get(f"/chats/{chat.pk}/messages/{reply.pk}/").content.decode()
    assert "👍" in part


def test_a_new_reaction_replaces_the_last_and_an_empty_one_takes_it_away(chat, admin):
    first = chat.messages.get(provider_id="wamid.IN1")
    agent_reply(conversation=chat, by=admin, text="ok")

    _react("😮", "wamid.IN1", "wamid.R1")  # customers react to their own messages too
    _react("❤️", "wamid.IN1", "wamid.R2")
    first.refresh_from_db()
    assert first.reactions == {"contact": "❤️"}

    _react("", "wamid.IN1", "wamid.R3")
    first.refresh_from_db()
    assert first.reactions == {}


def test_a_reaction_to_an_unknown_message_changes_nothing(chat):
    _react("👍", "wamid.NOT-OURS")

    reactions = {message.provider_id: message.reactions for message in chat.messages.all()}
    assert reactions == {"wamid.IN1": {}, "wamid.R1": {}}
    assert not LiveEvent.objects.filter(name="message:reaction").exists()


def test_the_desk_reacts_with_the_exact_graph_body(chat, admin, api, fake_cloud_api):
    target = chat.messages.get(provider_id="wamid.IN1")

    response = api(admin).post(f"/api/messages/{target.pk}/reaction", {"emoji": "❤️"})

    assert response.status_code == 201, response.content
    reaction = Message.objects.get(pk=response.json()["id"])
    assert fake_cloud_api.sent_messages() == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "biz_opaque_callback_data": f"ventanilla-message:{reaction.pk}",
            "to": "5493515551111",
            "type": "reaction",
            "reaction": {"message_id": "wamid.IN1", "emoji": "❤️"},
        }
    ]
    target.refresh_from_db()
    assert target.reactions == {"desk": "❤️"}
    assert reaction.type == "reaction" and reaction.status == "sent"
    event = LiveEvent.objects.filter(name="message:reaction").get()
    assert event.data["reactions"] == {"desk": "❤️"}


@pytest.mark.parametrize("emoji", ["hola", "👍 👍", "a👍", "x" * 17])
def test_a_reaction_is_one_emoji(chat, admin, api, fake_cloud_api, emoji):
    target = chat.messages.get(provider_id="wamid.IN1")

    response = api(admin).post(f"/api/messages/{target.pk}/reaction", {"emoji": emoji})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["emoji"]
    assert fake_cloud_api.sent_messages() == []
    assert not Message.objects.filter(type="reaction").exists()


def test_the_desk_reacts_only_to_the_customer(chat, admin, api, fake_cloud_api):
    ours = agent_reply(conversation=chat, by=admin, text="hola")

    response = api(admin).post(f"/api/messages/{ours.pk}/reaction", {"emoji": "👍"})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["message_id"]
    assert len(fake_cloud_api.sent_messages()) == 1  # the answer, no reaction


def test_the_console_reacts_and_shows_it_on_the_bubble(chat, admin_client, fake_cloud_api):
    target = chat.messages.get(provider_id="wamid.IN1")

    response = admin_client.post(
        f"/chats/{chat.pk}/messages/{target.pk}/react/", {"emoji": "🙏"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert re.search(r'data-side="desk"[^>]*>🙏<', response.content.decode())
    assert fake_cloud_api.sent_messages()[-1]["reaction"] == {
        "message_id": "wamid.IN1",
        "emoji": "🙏",
    }


def test_an_answer_quoting_a_message_carries_its_context(chat, admin, api, fake_cloud_api):
    quoted = chat.messages.get(provider_id="wamid.IN1")

    response = api(admin).post(
        f"/api/conversations/{chat.pk}/messages", {"text": "Sí, *hoy*", "reply_to": quoted.pk}
    )

    assert response.status_code == 201, response.content
    answer = Message.objects.get(pk=response.json()["id"])
    assert answer.reply_to_provider_id == "wamid.IN1"
    assert response.json()["reply_to_provider_id"] == "wamid.IN1"
    assert fake_cloud_api.sent_messages() == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "biz_opaque_callback_data": f"ventanilla-message:{answer.pk}",
            "to": "5493515551111",
            "type": "text",
            "text": {"body": "Sí, *hoy*", "preview_url": False},
            "context": {"message_id": "wamid.IN1"},
        }
    ]


@pytest.mark.parametrize("reply_to", [0, 2**63, 10**30, -1])
def test_a_quote_must_be_a_message_of_the_conversation(chat, admin, api, reply_to, fake_cloud_api):
    response = api(admin).post(
        f"/api/conversations/{chat.pk}/messages", {"text": "hola", "reply_to": reply_to}
    )

    assert response.status_code == 422
    assert "reply_to" in response.json()["errors"]
    assert fake_cloud_api.sent_messages() == []


def test_the_console_quotes_from_the_composer(chat, admin_client, fake_cloud_api):
    quoted = chat.messages.get(provider_id="wamid.IN1")

    response = admin_client.post(
        f"/chats/{chat.pk}/send/",
        {"text": "Respondo", "reply_to": quoted.pk},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 204
    assert fake_cloud_api.sent_messages()[-1]["context"] == {"message_id": "wamid.IN1"}


def test_a_customer_reply_shows_the_quoted_message_over_the_bubble(chat, admin, admin_client):
    ours = agent_reply(conversation=chat, by=admin, text="¿Mañana a las _10_?")
    ours.refresh_from_db()
    body = cloud_webhook(
        {
            "id": "wamid.IN2",
            "type": "text",
            "text": {"body": "Perfecto"},
            "context": {"from": "15550783881", "id": ours.provider_id},
        }
    )
    assert post_signed(body).status_code == 200
    answer = chat.messages.get(provider_id="wamid.IN2")

    bubble = _bubble(admin_client.get(f"/chats/{chat.pk}/").content.decode(), answer.pk)

    quote = re.search(r'<a class="bubble__quote" href="#m-(\d+)".*?</a>', bubble)
    assert quote and int(quote.group(1)) == ours.pk
    assert "La Jefa" in quote.group(0) and "¿Mañana a las 10?" in quote.group(0)


# --- WPPConnect -----------------------------------------------------------------------------


@pytest.fixture
def wpp_chat(wppconnect_line, fake_wppconnect):
    fake_wppconnect.connect()
    return customer_writes(wppconnect_line, message_id="false_5493515551111@c.us_3EB0CUSTOMER")


def test_wppconnect_reactions_and_quotes(wpp_chat, admin, fake_wppconnect):
    target = wpp_chat.messages.get()

    reaction = message_react(message=target, by=admin, emoji="👍")
    answer = agent_reply(conversation=wpp_chat, by=admin, text="Claro", reply_to=target.pk)

    sent = fake_wppconnect.sent_messages()
    assert sent[0]["endpoint"] == "react-message"
    assert {k: sent[0][k] for k in ("msgId", "reaction")} == {
        "msgId": "false_5493515551111@c.us_3EB0CUSTOMER",
        "reaction": "👍",
    }
    assert sent[1]["endpoint"] == "send-message"
    assert sent[1]["options"] == {"quotedMsg": "false_5493515551111@c.us_3EB0CUSTOMER"}
    reaction.refresh_from_db()
    answer.refresh_from_db()
    assert reaction.status == "sent" and reaction.provider_id.startswith("reaction.")
    assert answer.status == "sent"


def test_a_wppconnect_customer_reaction_is_shown_on_our_message(wpp_chat, admin):
    ours = agent_reply(conversation=wpp_chat, by=admin, text="¿Le sirve?")
    ours.refresh_from_db()
    event = {
        "event": "onreactionmessage",
        "session": DEFAULT_SESSION,
        "id": {"_serialized": "false_5493515551111@c.us_3EB0REACTION"},
        "msgId": {"_serialized": ours.provider_id},
        "reactionText": "🙏",
        "timestamp": 1750030500,
    }

    answer = Client().post(
        f"/webhooks/whatsapp/wppconnect/{WEBHOOK_TOKEN}", event, content_type="application/json"
    )

    assert answer.status_code == 200
    ours.refresh_from_db()
    assert ours.reactions == {"contact": "🙏"}
