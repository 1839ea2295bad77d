"""Private notes: in the thread for the desk's people, never sent to WhatsApp; mentions only of
colleagues who may see the conversation; a transfer's note arrives on top, the chat unread."""

import json

import pytest
from django.test import Client

from tests.inbound.cloud_posts import customer_writes
from tests.inbound.test_wppconnect_webhook import fixture, post
from ventanilla.accounts.models import Role
from ventanilla.conversations import selectors, tasks
from ventanilla.conversations.models import Conversation, Message, Note
from ventanilla.conversations.notes import mention_names
from ventanilla.conversations.services import conversation_assign
from ventanilla.core.models import LiveEvent


def _note_events() -> list[LiveEvent]:
    return list(LiveEvent.objects.filter(name="note:new").order_by("pk"))


def _write(api, user, conversation, text):
    return api(user).post(f"/api/conversations/{conversation.pk}/notes", {"text": text})


@pytest.mark.django_db(transaction=True)
def test_a_note_never_reaches_the_outbox_nor_the_cloud_api(
    cloud_line, fake_cloud_api, admin, api, make_user, soporte
):
    agent = make_user(Role.SUPPORT, areas=[soporte], name="Sofía")
    chat = customer_writes(cloud_line)
    Conversation.objects.filter(pk=chat.pk).update(area=soporte)
    conversation_assign(conversation=chat, user=agent)
    messages_before = Message.objects.count()

    answer = _write(api, agent, chat, "El cliente ya pagó, @boss revisá la factura")
    transfer = api(admin).post(
        f"/api/conversations/{chat.pk}/transfer",
        {"user_id": agent.pk, "note": "Nota de la transferencia"},
    )
    tasks.sweep_outbox()

    assert answer.status_code == 201, answer.content
    assert transfer.status_code == 200, transfer.content
    assert Message.objects.count() == messages_before  # nothing queued, nothing to send
    assert fake_cloud_api.sent_messages() == []
    assert Note.objects.count() == 2
    chat.refresh_from_db()
    assert chat.last_message.direction == "in"  # the row still shows the customer's message


@pytest.mark.django_db(transaction=True)
def test_a_note_never_reaches_wppconnect(wppconnect_line, fake_wppconnect, admin, api):
    fake_wppconnect.connect()
    assert post(fixture("onmessage_text.json")).status_code == 200
    chat = Conversation.objects.get()
    conversation_assign(conversation=chat, user=admin)

    answer = _write(api, admin, chat, "Nota interna: no responder todavía")
    tasks.sweep_outbox()
    fake_wppconnect.wait_idle()

    assert answer.status_code == 201
    assert not Message.objects.filter(direction="out").exists()
    assert fake_wppconnect.sent_messages() == []


def test_mentions_reach_only_colleagues_who_may_see_the_conversation(
    api, make_user, make_conversation, soporte, ventas
):
    mine = make_user(Role.SUPPORT, username="ana", areas=[soporte], name="Ana")
    lead = make_user(Role.SUPERVISOR, username="sofia", areas=[soporte], name="Sofía")
    elsewhere = make_user(Role.SALES, username="pedro", areas=[ventas])
    chat = make_conversation("active", area=soporte, assigned_to=mine)

    told = _write(api, mine, chat, "@sofia, ¿lo ves? Mandale a ana@example.com y @nadie.")
    refused = _write(api, mine, chat, "@pedro mirá esto")

    assert told.status_code == 201, told.content
    assert told.json()["mentions"] == [{"id": lead.pk, "name": "Sofía"}]
    assert refused.status_code == 422
    assert "@pedro" in refused.json()["errors"]["text"][0]
    assert Note.objects.count() == 1  # the refused one stored nothing
    (event,) = _note_events()
    assert event.data["mentions"] == [{"id": lead.pk, "name": "Sofía"}]
    assert event.audience["area_id"] == soporte.pk  # delivered by the visibility rule
    assert elsewhere.pk not in [m["id"] for m in event.data["mentions"]]


def test_the_socket_gives_the_note_to_viewers_only():
    from ventanilla.conversations.visibility import Viewer, can_see

    audience = {"conversation_id": 1, "status": "active", "area_id": 2, "assigned_to_id": 5}
    assert can_see(Viewer(id=5, role=Role.SUPPORT, area_ids=frozenset({2})), audience)
    assert can_see(Viewer(id=6, role=Role.SUPERVISOR, area_ids=frozenset({2})), audience)
    assert not can_see(Viewer(id=7, role=Role.SUPPORT, area_ids=frozenset({2})), audience)


def test_mention_names():
    assert mention_names("@Sofia. @ana.perez, mail a x@y.com; @sofia otra vez") == [
        "sofia",
        "ana.perez",
    ]


def test_notes_are_seen_by_whoever_sees_the_conversation(
    api, make_user, make_conversation, soporte, ventas
):
    mine = make_user(Role.SUPPORT, areas=[soporte])
    other = make_user(Role.SALES, areas=[ventas])
    chat = make_conversation("active", area=soporte, assigned_to=mine)
    _write(api, mine, chat, "solo para el equipo")

    url = f"/api/conversations/{chat.pk}/notes"
    assert [n["text"] for n in api(mine).get(url).json()["items"]] == ["solo para el equipo"]
    assert api(other).get(url).status_code == 404
    assert _write(api, other, chat, "hola").status_code == 404


def test_a_blank_note_is_refused(api, admin, make_conversation):
    chat = make_conversation("active", assigned_to=admin)

    answer = _write(api, admin, chat, "   ")

    assert answer.status_code == 422
    assert list(answer.json()["errors"]) == ["text"]


def test_a_transfer_with_a_note_arrives_unread_with_the_note_on_top(
    api, admin, make_user, make_conversation, soporte, client
):
    lead = make_user(Role.SUPERVISOR, areas=[soporte], name="Sofía")
    receiver = make_user(Role.SUPPORT, areas=[soporte], name="Ana")
    chat = make_conversation("active", area=soporte, assigned_to=lead)
    api(lead).post(f"/api/conversations/{chat.pk}/read")
    assert Conversation.objects.get(pk=chat.pk).unread_count == 0

    answer = api(lead).post(
        f"/api/conversations/{chat.pk}/transfer",
        {"user_id": receiver.pk, "note": "Quiere la baja; ya le ofrecí el descuento"},
    )

    assert answer.status_code == 200, answer.content
    assert answer.json()["unread_count"] == 1
    chat.refresh_from_db()
    pinned = selectors.pinned_transfer_note(conversation=chat)
    assert pinned.text == "Quiere la baja; ya le ofrecí el descuento"
    browser = Client()
    browser.force_login(receiver)
    page = browser.get("/?tab=mine").content.decode()
    assert 'data-unread="1"' in page
    pane = browser.get(f"/chats/{chat.pk}/").content.decode()
    top = pane.index('id="pinned-note"')
    assert top < pane.index('id="chat-thread"')
    assert "Quiere la baja" in pane[top : pane.index('id="chat-thread"')]


def test_a_transfer_whose_note_is_refused_does_not_happen(
    api, make_user, make_conversation, soporte, ventas
):
    lead = make_user(Role.SUPERVISOR, areas=[soporte])
    receiver = make_user(Role.SUPPORT, areas=[soporte])
    make_user(Role.SALES, username="pedro", areas=[ventas])
    chat = make_conversation("active", area=soporte, assigned_to=lead)

    answer = api(lead).post(
        f"/api/conversations/{chat.pk}/transfer", {"user_id": receiver.pk, "note": "@pedro"}
    )

    assert answer.status_code == 422
    chat.refresh_from_db()
    assert chat.assigned_to_id == lead.pk
    assert not Note.objects.exists()


def test_the_console_writes_a_note_from_the_composer(admin_client, admin, make_conversation):
    chat = make_conversation("active", assigned_to=admin)
    before = Message.objects.count()

    answer = admin_client.post(
        f"/chats/{chat.pk}/send/", {"text": "nota desde el compositor", "note": "on"}
    )

    assert answer.status_code == 302
    assert Message.objects.count() == before
    page = admin_client.get(f"/chats/{chat.pk}/").content.decode()
    assert "entry--private" in page and "nota desde el compositor" in page
    assert json.loads(json.dumps(Note.objects.get().mentioned_ids)) == []


def test_the_mentionable_list_is_whom_a_note_may_mention(
    api, admin, make_user, make_conversation, soporte, ventas
):
    agent = make_user(Role.SUPPORT, username="sofia", name="Sofía", areas=[soporte])
    make_user(Role.SUPERVISOR, username="lucia", name="Lucía", areas=[soporte])
    make_user(Role.SUPERVISOR, username="marta", name="Marta", areas=[ventas])
    make_user(Role.SUPPORT, username="pablo", name="Pablo", areas=[soporte])  # not assigned
    make_user(Role.SUPERVISOR, username="ida", name="Ida", areas=[soporte], is_active=False)
    make_user(Role.SUPERVISOR, username="ana.", areas=[soporte])  # "@ana." reads as "@ana"
    chat = make_conversation("active", area=soporte, assigned_to=agent)

    answer = api(agent).get(f"/api/conversations/{chat.pk}/mentionable")

    assert answer.status_code == 200, answer.content
    listed = [item["username"] for item in answer.json()["items"]]
    assert listed == [admin.username, "lucia"]  # by name: the admin, then Lucía; not herself
    for username in listed:
        assert _write(api, agent, chat, f"@{username} mirá esto").status_code == 201
    for username in ("marta", "pablo", "ida"):
        assert _write(api, agent, chat, f"@{username} mirá esto").status_code == 422
    outsider = make_user(Role.SALES, username="pedro", areas=[ventas])
    assert api(outsider).get(f"/api/conversations/{chat.pk}/mentionable").status_code == 404


def test_the_mentionable_list_costs_the_same_however_many_people(
    api, admin, make_user, make_conversation, soporte, django_assert_max_num_queries
):
    chat = make_conversation("active", area=soporte, assigned_to=admin)
    client = api(admin)
    make_user(Role.SUPERVISOR, username="lucia", areas=[soporte])
    with django_assert_max_num_queries(20) as few:
        client.get(f"/api/conversations/{chat.pk}/mentionable")
    for number in range(15):
        make_user(Role.SUPERVISOR, username=f"lead{number}", areas=[soporte])

    with django_assert_max_num_queries(len(few.captured_queries)):
        answer = client.get(f"/api/conversations/{chat.pk}/mentionable")

    assert len(answer.json()["items"]) == 16
