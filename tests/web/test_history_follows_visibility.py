"""Issue 13, finding 2: earlier conversations, their messages and media follow the one rule.

The chat pane shows the contact's earlier conversations above the current one, and
`GET /api/messages/{id}/media` serves a message's file: both only for conversations the viewer
may see in the list (conversations.visibility), never for anything of the same contact. Reading the
sandbox phone's thread is no "read" by the phone: only the phone's own poll (a POST) is.
"""

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from ventanilla.accounts.models import Role
from ventanilla.conversations import outbox
from ventanilla.conversations import services as conversations
from ventanilla.conversations.models import Message
from ventanilla.core.models import LiveEvent

PHONE = "+5493515550077"
PANE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "chat-pane"}


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(make_user, soporte, ventas):
    return {
        "sofia": make_user(Role.SUPPORT, username="sofia", name="Sofía", areas=[soporte]),
        "valentin": make_user(Role.SALES, username="valentin", name="Valentín", areas=[ventas]),
        "lead_soporte": make_user(Role.SUPERVISOR, areas=[soporte]),
        "lead_both": make_user(Role.SUPERVISOR, areas=[soporte, ventas]),
        "admin": make_user(Role.ADMIN),
    }


@pytest.fixture
def history(make_conversation, people, soporte, ventas):
    """Marta talked to Valentín of Ventas (a photo among it); now she is Sofía's in Soporte."""
    sales = make_conversation(
        "closed", area=ventas, assigned_to=people["valentin"], phone=PHONE, text="clave 4242"
    )
    photo = Message.objects.get(conversation=sales)
    photo.media_file.save("tarjeta.png", ContentFile(b"png"), save=False)
    photo.media_mime_type = "image/png"
    photo.save()
    current = make_conversation(
        "active", area=soporte, assigned_to=people["sofia"], phone=PHONE, text="no anda"
    )
    assert current.contact_id == sales.contact_id
    return {"sales": sales, "current": current, "photo": photo}


def test_finding_2_the_pane_shows_only_earlier_conversations_the_viewer_may_see(people, history):
    current, photo = history["current"], history["photo"]
    pane = f"/chats/{current.pk}/"
    # when Sofía (who sees only her own conversation) opens the pane and asks for what is new
    sofia = _signed_in(people["sofia"])
    html = sofia.get(pane, **PANE).content.decode()
    after = sofia.get(f"/chats/{current.pk}/after/", {"m": 0}).content.decode()
    bubble = sofia.get(f"/chats/{current.pk}/messages/{photo.pk}/")
    # then the Ventas conversation, its messages and its notes are nowhere
    assert "no anda" in html and "no anda" in after
    for shown in (html, after):
        assert "clave 4242" not in shown
        assert f'id="m-{photo.pk}"' not in shown
        assert "Conversación anterior" not in shown
        assert "Valentín" not in shown
    assert bubble.status_code == 404
    # and a supervisor of Soporte alone does not see it either
    lead = _signed_in(people["lead_soporte"]).get(pane, **PANE).content.decode()
    assert "no anda" in lead and "clave 4242" not in lead
    # while those who may see the Ventas conversation read it above the current one
    for who in ("lead_both", "admin"):
        shown = _signed_in(people[who]).get(pane, **PANE).content.decode()
        assert "Conversación anterior" in shown
        assert shown.index("clave 4242") < shown.index("Conversación actual")
        assert shown.index("Conversación actual") < shown.index("no anda")
        assert "Conversación asignada a Valentín" in shown


def test_finding_2_media_follows_its_conversation_not_its_contact(people, history, api):
    photo = history["photo"]
    # when each person asks for the photo of the Ventas conversation
    statuses = {
        who: api(people[who]).get(f"/api/messages/{photo.pk}/media").status_code
        for who in ("sofia", "lead_soporte", "valentin", "lead_both", "admin")
    }
    # then only those who may see that conversation get it; the others are told it does not exist
    assert statuses == {
        "sofia": 404,
        "lead_soporte": 404,
        "valentin": 200,
        "lead_both": 200,
        "admin": 200,
    }


def test_finding_2_a_later_conversation_of_the_contact_is_not_revealed(
    make_conversation, people, history, ventas, api
):
    # given Marta writes again after Sofía's conversation, and goes to Ventas
    current = history["current"]
    conversations.conversation_close(conversation=current, by=people["sofia"], message="")
    later = make_conversation(
        "active", area=ventas, assigned_to=people["valentin"], phone=PHONE, text="otra clave 9999"
    )
    later_message = Message.objects.get(conversation=later)
    later_message.media_file.save("otra.png", ContentFile(b"png"), save=False)
    later_message.media_mime_type = "image/png"
    later_message.save()
    sofia = _signed_in(people["sofia"])
    # when Sofía reads her closed conversation and asks for the later message and its file
    html = sofia.get(f"/chats/{current.pk}/", **PANE).content.decode()
    bubble = sofia.get(f"/chats/{current.pk}/messages/{later_message.pk}/")
    media = api(people["sofia"]).get(f"/api/messages/{later_message.pk}/media")
    # then none of it is hers to see
    assert "no anda" in html and "otra clave 9999" not in html
    assert (bubble.status_code, media.status_code) == (404, 404)


def test_finding_2_reading_the_sandbox_thread_never_marks_anything_read(
    make_conversation, people, soporte, api
):
    # given Sofía's reply, sent to a customer of the sandbox-only demo desk
    conversation = make_conversation("active", area=soporte, assigned_to=people["sofia"])
    phone = conversation.contact.phone
    reply = conversations.agent_reply(conversation=conversation, by=people["sofia"], text="Hola")
    outbox.deliver(reply.pk)
    reply.refresh_from_db()
    assert reply.status == "sent"
    events = LiveEvent.objects.count()
    # when someone else looks at that phone's thread, by the page, its part and the API
    valentin = _signed_in(people["valentin"])
    page = valentin.get("/sandbox/", {"phone": phone})
    part = valentin.get("/sandbox/thread/", {"phone": phone})
    received = api(people["valentin"]).get(f"/api/sandbox/messages?phone=%2B{phone[1:]}")
    # then they show it, and the reply is still only sent: nobody told the desk it was read
    assert (page.status_code, part.status_code, received.status_code) == (200, 200, 200)
    assert "Hola" in part.content.decode()
    reply.refresh_from_db()
    assert reply.status == "sent"
    assert [step["status"] for step in reply.status_history] == ["queued", "sent"]
    assert LiveEvent.objects.count() == events
    # and only the phone's own poll (a POST: the phone, chat open, reads) reports it read
    polled = valentin.post("/sandbox/thread/", {"phone": phone})
    assert polled.status_code == 200
    reply.refresh_from_db()
    assert [step["status"] for step in reply.status_history] == [
        "queued",
        "sent",
        "delivered",
        "read",
    ]
