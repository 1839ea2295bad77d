"""The Chat screen's list: search inside messages (the line found, the pane opened at it) and who
is waiting (for how long, longest first, and after a transfer)."""

import datetime
import re

import pytest
from django.test import Client

from ventanilla.accounts.models import Role, User
from ventanilla.conversations import outbound
from ventanilla.conversations import services as conversations
from ventanilla.conversations.models import Conversation
from ventanilla.core import clock
from ventanilla.inbound import sandbox
from ventanilla.routing import services as routing

HTMX = {"HTTP_HX_REQUEST": "true"}


def _listed_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<a class="chat-item[^"]*" id="conv-(\d+)"', html)]


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _writes(conversation, text, key):
    contact = conversation.contact
    return sandbox.customer_writes(
        phone=contact.phone, name=contact.name, text=text, message_id=key
    )


@pytest.fixture
def agent(make_user, soporte):
    return make_user(Role.SUPPORT, username="sofia", name="Sofía", areas=[soporte])


@pytest.fixture
def supervisor(make_user, soporte):
    return make_user(Role.SUPERVISOR, username="sara", name="Sara", areas=[soporte])


# --- Search inside messages ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_word_of_a_message_lists_the_row_with_the_line_and_a_link_to_it(
    make_conversation, agent, soporte, ventas
):
    mine = make_conversation("active", area=soporte, assigned_to=agent, text="hola")
    found = _writes(mine, "Necesito la constancia de inscripción", "s1")
    conversations.agent_reply(conversation=mine, by=agent, text="Ya te la mando")
    make_conversation("queued", area=ventas, text="constancia también")  # not her area

    html = _signed_in(agent).get("/chats/list/?tab=mine&q=INSCRIPCION&part=items").content
    html = html.decode()

    assert _listed_ids(html) == [mine.pk]
    assert "Necesito la constancia de inscripción" in html
    assert f'href="/chats/{mine.pk}/?tab=mine&amp;m={found.pk}"' in html


@pytest.mark.django_db(transaction=True)
def test_the_pane_opened_at_a_message_reaches_back_to_it_and_marks_it(
    make_conversation, agent, soporte
):
    chat = make_conversation("active", area=soporte, assigned_to=agent, text="la patente ABC123")
    first = chat.last_message_id
    for n in range(80):
        conversations.agent_reply(conversation=chat, by=agent, text=f"respuesta {n}")
    client = _signed_in(agent)

    plain = client.get(f"/chats/{chat.pk}/", **HTMX, HTTP_HX_TARGET="chat-pane").content
    opened = client.get(f"/chats/{chat.pk}/?m={first}", **HTMX, HTTP_HX_TARGET="chat-pane")

    assert f'id="m-{first}"' not in plain.decode()  # past the first page of 50
    html = opened.content.decode()
    assert f'id="m-{first}"' in html
    assert f'data-focus="m-{first}"' in html


@pytest.mark.django_db(transaction=True)
def test_a_search_costs_the_same_few_queries_however_many_rows_match(
    make_user, make_conversation, soporte, supervisor, django_assert_max_num_queries
):
    client = _signed_in(supervisor)

    def queries() -> int:
        with django_assert_max_num_queries(40) as captured:
            assert client.get("/chats/list/?tab=all&q=reclamo&part=items").status_code == 200
        return len(captured.captured_queries)

    for n in range(3):
        make_conversation("queued", area=soporte, text=f"reclamo número {n}")
    few = queries()
    for n in range(30):
        make_conversation("queued", area=soporte, text=f"otro reclamo {n}")
    many = queries()

    html = client.get("/chats/list/?tab=all&q=reclamo&part=items").content.decode()
    assert len(_listed_ids(html)) == 33
    # the labels defined read once for the filter; the candidates by contact, then by message
    # in all the open conversations at once: a list of open ones is small (docs/adr/0038); the
    # page with each row's matching line (docs/adr/0042)
    assert many == few <= 7


# --- Who is waiting --------------------------------------------------------------------------


def test_a_customer_waiting_shows_for_how_long_until_an_agent_answers(
    monkeypatch, make_conversation, agent, soporte
):
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start)
    chat = make_conversation("active", area=soporte, assigned_to=agent)
    _writes(chat, "¿hola?", "w1")  # a second message: still waiting since the first
    monkeypatch.setattr(clock, "now", lambda: start + datetime.timedelta(minutes=75))
    client = _signed_in(agent)

    waiting = client.get(f"/chats/item/{chat.pk}/?tab=mine").content.decode()
    conversations.agent_reply(
        conversation=Conversation.objects.get(pk=chat.pk), by=agent, text="Sí"
    )
    answered = client.get(f"/chats/item/{chat.pk}/?tab=mine").content.decode()

    assert "data-waiting-since=" in waiting
    assert re.search(r'class="chat-item__waited" datetime="[^"]+">1 h 15 min<', waiting)
    assert "data-waiting-since" not in answered
    assert "chat-item__waited" not in answered


def test_the_bot_answering_does_not_end_the_wait_for_a_person(make_conversation, soporte):
    chat = make_conversation("queued", area=soporte)
    outbound.message_queue_outbound(
        conversation=chat, sender_type="bot", text="Ya te atiende alguien"
    )
    chat.refresh_from_db()
    assert chat.waiting_since is not None


def test_the_list_sorts_by_longest_waiting_and_leaves_out_who_is_answered(
    monkeypatch, make_conversation, supervisor, agent, soporte, api
):
    start = clock.now()
    moments = iter(range(10))
    monkeypatch.setattr(clock, "now", lambda: start + datetime.timedelta(minutes=next(moments, 10)))
    newest = make_conversation("queued", area=soporte)  # waits since minute 0...
    oldest = make_conversation("active", area=soporte, assigned_to=agent)
    answered = make_conversation("active", area=soporte, assigned_to=agent)
    conversations.agent_reply(conversation=answered, by=agent, text="hola")
    Conversation.objects.filter(pk=oldest.pk).update(
        waiting_since=start - datetime.timedelta(hours=2)
    )
    Conversation.objects.filter(pk=newest.pk).update(
        waiting_since=start - datetime.timedelta(minutes=5)
    )

    html = _signed_in(supervisor).get("/chats/list/?tab=all&sort=waiting&part=items")
    items = api(supervisor).get("/api/conversations?sort=waiting").json()["items"]
    refused = api(supervisor).get("/api/conversations?sort=oldest")

    assert _listed_ids(html.content.decode()) == [oldest.pk, newest.pk]
    assert [item["id"] for item in items] == [oldest.pk, newest.pk]
    assert items[0]["waiting_since"] is not None
    assert refused.status_code == 422
    assert "sort" in refused.json()["errors"]


def test_a_transfer_hands_the_unanswered_messages_on_unread(
    make_user, make_conversation, supervisor, agent, soporte
):
    chat = make_conversation("active", area=soporte, assigned_to=agent, text="hola")
    _writes(chat, "¿me atienden?", "t1")
    colleague = make_user(Role.SUPPORT, username="marta", name="Marta", areas=[soporte])
    chat.refresh_from_db()
    conversations.conversation_mark_read(conversation=chat, by=agent)  # she read, did not answer

    routing.transfer(conversation=chat, by=supervisor, user_id=colleague.pk)
    chat.refresh_from_db()
    row = _signed_in(colleague).get(f"/chats/item/{chat.pk}/?tab=mine").content.decode()

    assert chat.assigned_to_id == colleague.pk
    assert chat.unread_count == 2
    assert 'data-unread="2"' in row
    assert "data-waiting-since" in row


def test_a_transfer_after_an_answer_arrives_unread_once_and_nobody_waits(
    make_user, make_conversation, agent, soporte
):
    chat = make_conversation("active", area=soporte, assigned_to=agent, text="hola")
    conversations.conversation_mark_read(conversation=chat, by=agent)
    conversations.agent_reply(conversation=chat, by=agent, text="te paso con ventas")
    ventas = make_user(Role.SUPPORT, areas=[soporte])
    sup = make_user(Role.SUPERVISOR, areas=[soporte])

    routing.transfer(conversation=chat, by=sup, user_id=ventas.pk)
    chat.refresh_from_db()

    # a hand-over is news for whoever gets it (one unread); no customer message is unanswered
    assert (chat.unread_count, chat.waiting_since) == (1, None)


def test_supervisors_see_the_assignee_and_the_dni_gives_way_first(
    make_conversation, supervisor, agent, soporte
):
    chat = make_conversation("active", area=soporte, assigned_to=agent)
    chat.contact.dni = "30111222"
    chat.contact.save()

    html = _signed_in(supervisor).get(f"/chats/item/{chat.pk}/?tab=all").content.decode()

    tags = re.search(r'<span class="chat-item__tags">(.*?)</span>\s*</span>\s*</a>', html, re.S)
    order = re.findall(r'class="tag tag--(\w+)"', tags.group(1))
    assert order == ["active", "who", "area", "dni"]  # how long she waits: beside the preview
    assert 'class="tag tag--waiting"' in html
    assert '<span class="chat-item__more"><span class="tag tag--dni">' in html


# --- The supervisor's transfer to a person ------------------------------------------------------


def test_transfer_candidates_show_presence_and_open_conversations(
    make_user, make_conversation, supervisor, agent, soporte
):
    now = clock.now()
    away = make_user(Role.SUPPORT, username="marta", name="Marta", areas=[soporte])
    User.objects.filter(pk=agent.pk).update(console_seen_until=now + datetime.timedelta(minutes=5))
    User.objects.filter(pk=away.pk).update(
        console_seen_until=now + datetime.timedelta(minutes=5), availability="away"
    )
    for _ in range(2):
        make_conversation("active", area=soporte, assigned_to=agent)
    closed = make_conversation("closed", area=soporte, assigned_to=agent)  # not counted
    waiting = make_conversation("queued", area=soporte)

    pane = (
        _signed_in(supervisor)
        .get(f"/chats/{waiting.pk}/", **HTMX, HTTP_HX_TARGET="chat-pane")
        .content.decode()
    )

    assert closed.status == "closed"
    assert re.search(r"Sofía · [^·<]+ · Disponible · 2 abiertas", pane)
    assert re.search(r"Marta · [^·<]+ · Ausente · 0 abiertas", pane)
    assert re.search(r"Sara · [^·<]+ · Desconectado · 0 abiertas", pane)
