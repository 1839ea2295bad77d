"""A customer writes through the sandbox line and an agent answers: stored once, sent once."""

from datetime import timedelta

import pytest

from ventanilla.accounts.models import Role
from ventanilla.contacts.models import Contact
from ventanilla.conversations.models import Conversation, ConversationEvent, Message
from ventanilla.core import clock
from ventanilla.core.models import LiveEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_first_message_creates_contact_conversation_message_and_events(api, admin, sandbox_line):
    client = api(admin)

    response = client.post(
        "/api/sandbox/messages", {"from": "+54 9 351 555-1111", "name": "Ana", "text": "hola"}
    )

    assert response.status_code == 201
    contact = Contact.objects.get()
    assert (contact.name, contact.phone) == ("Ana", "+5493515551111")
    conversation = Conversation.objects.get()
    assert response.json() == {
        "message_id": Message.objects.get().pk,
        "conversation_id": conversation.pk,
    }
    assert (conversation.status, conversation.unread_count) == ("bot", 1)
    assert conversation.last_message.text == "hola"
    kinds = list(ConversationEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["created", "contact_created"]
    names = list(LiveEvent.objects.order_by("id").values_list("name", flat=True))
    assert names == ["conversation:incoming", "message:new"]


def test_same_number_in_other_forms_reaches_the_same_conversation(api, admin, sandbox_line):
    client = api(admin)
    for phone in ["+54 9 351 555-1111", "0351 15 555 1111", "5493515551111"]:
        assert client.post("/api/sandbox/messages", {"from": phone, "text": "x"}).status_code == 201

    assert Contact.objects.count() == 1
    assert Conversation.objects.count() == 1
    assert Conversation.objects.get().unread_count == 3
    assert Message.objects.count() == 3


def test_agent_reply_is_queued_then_sent_once_and_reaches_the_customer(
    api, make_user, make_area, sandbox_line
):
    # given a customer waiting in Soporte's queue and an agent of Soporte
    soporte = make_area("Soporte")
    agent = make_user(Role.SUPPORT, areas=[soporte], name="Sofía")
    writes = api(agent).post("/api/sandbox/messages", {"from": "+5493515551111", "text": "ayuda"})
    conversation = Conversation.objects.get(pk=writes.json()["conversation_id"])
    from ventanilla.conversations.services import conversation_queue

    conversation_queue(conversation=conversation, area=soporte)
    client = api(agent)

    # when the agent answers
    response = client.post(f"/api/conversations/{conversation.pk}/messages", {"text": " Hola Ana "})

    # then the message is stored as queued, the job sends it once, and the agent now owns the chat
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "queued"
    assert body["text"] == "Hola Ana"
    assert body["sender"] == {"id": agent.pk, "name": "Sofía"}
    sent = Message.objects.get(pk=body["id"])
    assert sent.status == "sent"
    assert sent.provider_id.startswith("sandbox.")
    assert [step["status"] for step in sent.status_history] == ["queued", "sent"]
    assert sent.attempts == 1
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assigned_to_id) == ("active", agent.pk)
    received = client.get("/api/sandbox/messages?phone=%2B5493515551111").json()["items"]
    assert [(m["text"], m["status"]) for m in received] == [("Hola Ana", "sent")]


def test_empty_reply_is_refused_and_nothing_written(api, admin, make_conversation):
    conversation = make_conversation("bot")
    before = Message.objects.count()

    response = api(admin).post(f"/api/conversations/{conversation.pk}/messages", {"text": "   "})

    assert response.status_code == 422
    assert response.json()["errors"] == {"text": ["Escribí un mensaje."]}
    assert Message.objects.count() == before


def test_close_sends_the_closing_text_and_a_new_message_opens_a_new_conversation(
    api, admin, make_conversation
):
    conversation = make_conversation("active", assigned_to=admin, phone="+5493515552222")
    client = api(admin)

    closed = client.post(f"/api/conversations/{conversation.pk}/close", {"reason": "resuelto"})
    again = client.post("/api/sandbox/messages", {"from": "+5493515552222", "text": "otra"})

    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_reason"] == "resuelto"
    texts = list(conversation.messages.filter(direction="out").values_list("text", "status"))
    assert texts == [("✅ Chat finalizado por el operador", "sent")]
    assert again.json()["conversation_id"] != conversation.pk
    assert Conversation.objects.filter(contact=conversation.contact).count() == 2
    assert client.post(f"/api/conversations/{conversation.pk}/close", {}).status_code == 409


def test_read_clears_unread(api, admin, make_conversation):
    conversation = make_conversation("active", assigned_to=admin)
    assert conversation.unread_count == 1

    response = api(admin).post(f"/api/conversations/{conversation.pk}/read")

    assert response.json()["unread_count"] == 0
    assert ConversationEvent.objects.filter(conversation=conversation, kind="read").count() == 1


def test_transfer_to_area_queues_and_to_user_assigns(
    api, admin, make_user, make_area, make_conversation
):
    ventas = make_area("Ventas")
    seller = make_user(Role.SALES, areas=[ventas])
    conversation = make_conversation("active", assigned_to=admin)
    client = api(admin)

    to_area = client.post(f"/api/conversations/{conversation.pk}/transfer", {"area_id": ventas.pk})
    to_user = client.post(f"/api/conversations/{conversation.pk}/transfer", {"user_id": seller.pk})
    neither = client.post(f"/api/conversations/{conversation.pk}/transfer", {})

    assert (to_area.json()["status"], to_area.json()["area"]["name"]) == ("queued", "Ventas")
    assert to_area.json()["assigned_to"] is None
    assert to_user.json()["assigned_to"]["id"] == seller.pk
    assert neither.status_code == 422


def test_agent_cannot_transfer_to_a_colleague_but_can_to_an_area(
    api, make_user, make_area, make_conversation
):
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    agent = make_user(Role.SUPPORT, areas=[soporte])
    colleague = make_user(Role.SUPPORT, areas=[soporte])
    conversation = make_conversation("active", area=soporte, assigned_to=agent)
    client = api(agent)

    to_user = client.post(
        f"/api/conversations/{conversation.pk}/transfer", {"user_id": colleague.pk}
    )
    to_area = client.post(f"/api/conversations/{conversation.pk}/transfer", {"area_id": ventas.pk})

    assert to_user.status_code == 403
    assert to_area.status_code == 200
    assert to_area.json()["area"]["id"] == ventas.pk


def test_supervisor_reopens_a_closed_conversation_agents_may_not_past_the_window(
    api, make_user, make_area, make_conversation, monkeypatch
):
    soporte = make_area("Soporte")
    agent = make_user(Role.SUPPORT, areas=[soporte])
    supervisor = make_user(Role.SUPERVISOR, areas=[soporte])
    conversation = make_conversation("closed", area=soporte, assigned_to=agent)
    later = clock.now() + timedelta(hours=73)  # the follow-up window is 72 hours
    monkeypatch.setattr(clock, "now", lambda: later)

    refused = api(agent).post(f"/api/conversations/{conversation.pk}/reopen")
    reopened = api(supervisor).post(f"/api/conversations/{conversation.pk}/reopen")
    again = api(supervisor).post(f"/api/conversations/{conversation.pk}/reopen")

    assert refused.status_code == 403
    assert reopened.status_code == 200
    assert (reopened.json()["status"], reopened.json()["assigned_to"]["id"]) == ("active", agent.pk)
    assert reopened.json()["closed_at"] is None
    assert again.status_code == 409
    kinds = list(
        ConversationEvent.objects.filter(conversation=conversation).values_list("kind", flat=True)
    )
    assert kinds[-1] == "reopened"


def test_reopen_is_refused_when_the_customer_already_wrote_again(
    api, admin, make_conversation, sandbox_line
):
    conversation = make_conversation("closed", assigned_to=admin, phone="+5493515553333")
    api(admin).post("/api/sandbox/messages", {"from": "+5493515553333", "text": "volví"})

    response = api(admin).post(f"/api/conversations/{conversation.pk}/reopen")

    assert response.status_code == 409
    assert "conversación abierta más nueva" in response.json()["detail"]


def test_a_supervisor_reading_a_colleagues_chat_leaves_it_unread_for_them(
    api, make_user, make_area, make_conversation
):
    soporte = make_area("Soporte")
    agent = make_user(Role.SUPPORT, areas=[soporte])
    supervisor = make_user(Role.SUPERVISOR, areas=[soporte])
    conversation = make_conversation("active", area=soporte, assigned_to=agent)

    glance = api(supervisor).post(f"/api/conversations/{conversation.pk}/read")
    own = api(agent).post(f"/api/conversations/{conversation.pk}/read")

    assert (glance.status_code, glance.json()["unread_count"]) == (200, 1)
    assert own.json()["unread_count"] == 0
