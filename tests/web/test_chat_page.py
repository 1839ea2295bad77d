"""The Chat screen: the list by tab and search, the pane, the composer and the pane's actions."""

import datetime
import json
import re

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format
from pytest_django.asserts import assertInHTML

from ventanilla.accounts.models import Role
from ventanilla.contacts.models import Contact
from ventanilla.conversations import outbound, statuses
from ventanilla.conversations import services as conversations
from ventanilla.conversations.models import Conversation, EventKind, Message
from ventanilla.core import clock
from ventanilla.core.cache import forget_every_process_cache
from ventanilla.inbound import sandbox
from ventanilla.providers.models import Line

HTMX = {"HTTP_HX_REQUEST": "true"}


def _pane_request(target="chat-pane"):
    return {**HTMX, "HTTP_HX_TARGET": target}


def _listed_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<a class="chat-item[^"]*" id="conv-(\d+)"', html)]


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agent(make_user, soporte):
    return make_user(Role.SUPPORT, username="sofia", name="Sofía", areas=[soporte])


@pytest.fixture
def supervisor(make_user, soporte):
    return make_user(Role.SUPERVISOR, username="sara", name="Sara", areas=[soporte])


# --- Access ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/chats/list/", "/chats/1/", "/chats/item/1/", "/chats/1/messages/1/"]
)
def test_anonymous_visitor_is_sent_to_login(client, db, path):
    # given nobody is signed in
    # when they ask for a part of the chat screen
    response = client.get(path)
    # then they are sent to sign in and brought back afterwards
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


def test_anonymous_post_writes_nothing(client, make_conversation):
    # given a conversation and nobody signed in
    conversation = make_conversation("bot")
    # when someone posts into it
    response = client.post(f"/chats/{conversation.pk}/send/", {"text": "hola"})
    # then they are sent to sign in and no message is written
    assert response.status_code == 302
    assert Message.objects.filter(direction="out").count() == 0


# --- The list --------------------------------------------------------------------------------


def test_agent_lists_only_what_they_may_see(make_user, make_conversation, agent, soporte, ventas):
    # given an agent of Soporte, a colleague, and conversations all around the desk
    colleague = make_user(Role.SUPPORT, areas=[soporte])
    mine = make_conversation("active", area=soporte, assigned_to=agent, name="Ana")
    waiting = make_conversation("queued", area=soporte, name="Beto")
    make_conversation("queued", area=ventas, name="Ceci")
    make_conversation("active", area=soporte, assigned_to=colleague, name="Dani")
    make_conversation("bot", name="Eli")
    closed_mine = make_conversation("closed", area=soporte, assigned_to=agent, name="Fede")
    client = _signed_in(agent)
    # when they open each tab
    mine_tab = client.get("/").content.decode()
    queue_tab = client.get("/?tab=queue").content.decode()
    closed_tab = client.get("/?tab=closed").content.decode()
    all_tab = client.get("/?tab=all").content.decode()
    # then "Míos" holds their open chat, "En cola" the one waiting in their area, "Cerradas"
    # their closed one; "Todos" is not theirs to use and falls back to "Míos"
    assert _listed_ids(mine_tab) == [mine.pk]
    assert _listed_ids(queue_tab) == [waiting.pk]
    assert _listed_ids(closed_tab) == [closed_mine.pk]
    assert _listed_ids(all_tab) == [mine.pk]
    assert 'data-tab="all"' not in mine_tab
    assert 'data-tab="mine"' in mine_tab and 'data-tab="queue"' in mine_tab


def test_supervisor_all_tab_lists_open_conversations_of_their_areas(
    make_conversation, supervisor, agent, soporte, ventas
):
    # given conversations in Soporte (the supervisor's), in Ventas and with the bot
    first = make_conversation("active", area=soporte, assigned_to=agent)
    second = make_conversation("queued", area=soporte)
    make_conversation("queued", area=ventas)
    with_bot = make_conversation("bot")
    make_conversation("closed", area=soporte, assigned_to=agent)
    # when the supervisor opens the chat screen (its default tab is "Todos")
    html = _signed_in(supervisor).get("/").content.decode()
    # then every open conversation they may see is listed, the latest first
    assert _listed_ids(html) == [with_bot.pk, second.pk, first.pk]
    assert 'data-tab="all"' in html and 'aria-current="page">Todos' in html


def test_list_item_shows_badges_preview_and_unread(make_conversation, agent, soporte):
    # given a conversation of the agent whose customer has a DNI and wrote twice
    conversation = make_conversation("active", area=soporte, assigned_to=agent, name="Ana")
    Contact.objects.filter(pk=conversation.contact_id).update(dni="30123456")
    sandbox.customer_writes(
        phone=conversation.contact.phone, name="Ana", text="¿Siguen ahí?", message_id="x2"
    )
    # when the agent reads the list
    html = _signed_in(agent).get("/").content.decode()
    # then the row shows the name, DNI and area badges, the status, the last message and the
    # unread count
    assertInHTML('<span class="chat-item__name">Ana</span>', html)
    assertInHTML('<span class="tag tag--dni">DNI 30123456</span>', html)
    assertInHTML('<span class="tag tag--area">Soporte</span>', html)
    assertInHTML('<span class="tag tag--active">Con un agente</span>', html)
    assertInHTML('<span class="chat-item__preview">¿Siguen ahí?</span>', html)
    assertInHTML('<span aria-hidden="true">2</span>', html)
    assert "2 mensajes sin leer" in html


def test_preview_prefixes_the_viewers_own_reply(make_conversation, agent, soporte):
    # given a conversation where the agent answered last
    conversation = make_conversation("active", area=soporte, assigned_to=agent)
    conversations.agent_reply(conversation=conversation, by=agent, text="Ya lo miro")
    # when they read the list
    html = _signed_in(agent).get("/").content.decode()
    # then the preview starts with "Tú:"
    expected = (
        '<span class="chat-item__preview"><span class="chat-item__prefix">Tú: </span>'
        "Ya lo miro</span>"
    )
    assertInHTML(expected, html)


def test_preview_prefixes_the_bot_and_a_colleague(
    make_user, make_conversation, supervisor, soporte
):
    # given a conversation where the bot spoke last and one where an agent answered last
    with_bot = make_conversation("bot", name="Ana")
    outbound.message_queue_outbound(
        conversation=with_bot, sender_type="bot", text="¿Cuál es tu DNI?"
    )
    agent = make_user(Role.SUPPORT, name="Sofía", areas=[soporte])
    answered = make_conversation("active", area=soporte, assigned_to=agent, name="Beto")
    conversations.agent_reply(conversation=answered, by=agent, text="Ya lo miro")
    # when the supervisor reads the list
    html = _signed_in(supervisor).get("/").content.decode()
    # then the bot's line starts with "Bot:" and the agent's with their name and who has it
    assertInHTML(
        '<span class="chat-item__preview"><span class="chat-item__prefix">Bot: </span>'
        "¿Cuál es tu DNI?</span>",
        html,
    )
    assertInHTML(
        '<span class="chat-item__preview"><span class="chat-item__prefix">Sofía: </span>'
        "Ya lo miro</span>",
        html,
    )
    assertInHTML('<span class="tag tag--who">Sofía</span>', html)


@pytest.mark.parametrize(
    ("days_ago", "label"),
    [(0, "09:30"), (1, "Ayer"), (3, "jueves"), (9, "20/11/2026")],
)
def test_row_time_is_relative(monkeypatch, make_conversation, supervisor, soporte, days_ago, label):
    # given a conversation whose last activity was at 09:30 local time, some days ago
    # (today is Sunday 2026-11-29 at noon in Buenos Aires, UTC-3)
    now = datetime.datetime(2026, 11, 29, 15, 0, tzinfo=datetime.UTC)
    conversation = make_conversation("queued", area=soporte)
    at = datetime.datetime(2026, 11, 29, 12, 30, tzinfo=datetime.UTC)
    at -= datetime.timedelta(days=days_ago)
    Conversation.objects.filter(pk=conversation.pk).update(last_activity_at=at)
    # when the list is rendered
    monkeypatch.setattr(clock, "now", lambda: now)
    html = _signed_in(supervisor).get("/?tab=queue").content.decode()
    # then the row says when as WhatsApp does, with the exact moment for machines and on hover
    local = at.astimezone(datetime.timezone(datetime.timedelta(hours=-3)))
    assert f'<time class="chat-item__time" datetime="{local.isoformat()}" title="' in html
    assert f">{label}</time>" in html


def test_search_finds_by_dni_and_by_name(make_conversation, supervisor, soporte):
    # given two waiting customers, one with a DNI
    ana = make_conversation("queued", area=soporte, name="Ana Pérez")
    beto = make_conversation("queued", area=soporte, name="Beto Gómez")
    Contact.objects.filter(pk=ana.contact_id).update(dni="30123456")
    client = _signed_in(supervisor)
    # when the supervisor searches the DNI with dots, then a piece of a name
    by_dni = client.get("/chats/list/", {"tab": "all", "q": "30.123", "part": "items"})
    by_name = client.get("/chats/list/", {"tab": "all", "q": "gómez", "part": "items"})
    nothing = client.get("/chats/list/", {"tab": "all", "q": "zzz", "part": "items"})
    # then each search lists only its match, and an empty one says so
    assert _listed_ids(by_dni.content.decode()) == [ana.pk]
    assert _listed_ids(by_name.content.decode()) == [beto.pk]
    assert "Ninguna conversación coincide con «zzz»." in nothing.content.decode()


@pytest.mark.parametrize("typed", ["0351 15 555-0101", "+54 9 351 555 0101", "555-0101"])
def test_search_finds_by_phone_as_people_type_it(make_conversation, supervisor, soporte, typed):
    # given two waiting customers
    ana = make_conversation("queued", area=soporte, phone="+5493515550101", name="Ana")
    make_conversation("queued", area=soporte, phone="+5493515550202", name="Beto")
    # when the supervisor searches a phone written the way people write it
    found = _signed_in(supervisor).get("/chats/list/", {"tab": "all", "q": typed, "part": "items"})
    # then Ana's conversation is the one listed
    assert _listed_ids(found.content.decode()) == [ana.pk]


def test_item_partial_is_404_outside_the_tab_or_the_view(
    make_user, make_conversation, agent, soporte
):
    # given the agent's own chat and a colleague's
    colleague = make_user(Role.SUPPORT, areas=[soporte])
    mine = make_conversation("active", area=soporte, assigned_to=agent)
    theirs = make_conversation("active", area=soporte, assigned_to=colleague)
    client = _signed_in(agent)
    # when the chat screen's script asks for the rows
    own = client.get(f"/chats/item/{mine.pk}/?tab=mine")
    other_tab = client.get(f"/chats/item/{mine.pk}/?tab=queue")
    foreign = client.get(f"/chats/item/{theirs.pk}/?tab=mine")
    # then only the row that belongs to the tab comes back
    assert own.status_code == 200
    assert _listed_ids(own.content.decode()) == [mine.pk]
    assert other_tab.status_code == 404
    assert foreign.status_code == 404


def test_list_pages_past_fifty(make_conversation, supervisor, soporte):
    # given 52 waiting conversations
    made = [make_conversation("queued", area=soporte) for _ in range(52)]
    client = _signed_in(supervisor)
    # when the supervisor opens the list and then asks for more
    html = client.get("/?tab=queue").content.decode()
    more = re.search(r'<div class="chat-list__more">\s*<button [^>]*hx-get="([^"]+)"', html)
    more_url = more.group(1).replace("&amp;", "&")
    rest = client.get(more_url).content.decode()
    # then the first page has the newest 50 and the second the other two
    newest_first = [c.pk for c in reversed(made)]
    assert _listed_ids(html) == newest_first[:50]
    assert _listed_ids(rest) == newest_first[50:]


# --- The pane --------------------------------------------------------------------------------


def test_foreign_pane_and_its_parts_are_404(make_user, make_conversation, agent, ventas):
    # given a conversation waiting in an area the agent does not belong to
    foreign = make_conversation("queued", area=ventas)
    message_id = foreign.last_message_id
    client = _signed_in(agent)
    # when the agent tries to open it, read its parts or act on it
    paths = [
        f"/chats/{foreign.pk}/",
        f"/chats/{foreign.pk}/head/",
        f"/chats/{foreign.pk}/after/?m=0",
        f"/chats/{foreign.pk}/messages/{message_id}/",
    ]
    answers = [client.get(path).status_code for path in paths]
    sent = client.post(f"/chats/{foreign.pk}/send/", {"text": "hola"})
    closed = client.post(f"/chats/{foreign.pk}/close/", {"reason": ""})
    # then it does not exist for them and nothing is written
    assert answers == [404, 404, 404, 404]
    assert sent.status_code == 404
    assert closed.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "queued"
    assert Message.objects.filter(direction="out").count() == 0


def test_pane_shows_contact_card_and_bubbles(make_conversation, agent, soporte):
    # given the agent's conversation where they answered once
    conversation = make_conversation("active", area=soporte, assigned_to=agent, name="Ana")
    Contact.objects.filter(pk=conversation.contact_id).update(dni="30123456")
    reply = conversations.agent_reply(conversation=conversation, by=agent, text="Hola Ana")
    # when they open it through htmx
    response = _signed_in(agent).get(f"/chats/{conversation.pk}/", **_pane_request())
    html = response.content.decode()
    # then the pane (not the whole page) shows the card, the customer's bubble on the left,
    # the reply on the right with the agent's name and its queued tick, and the day
    assert response.status_code == 200
    assert "<html" not in html
    assertInHTML('<h2 class="card__name">Ana</h2>', html)
    assertInHTML('<li><span class="card__label">DNI</span> 30123456</li>', html)
    assertInHTML('<span class="tag tag--bot-off">Bot apagado</span>', html)
    assert f'id="m-{conversation.last_message_id}" data-day' in html
    assert re.search(r'class="entry entry--in entry--tail" id="m-\d+"', html)
    assert f'class="entry entry--out entry--tail" id="m-{reply.pk}"' in html
    assertInHTML('<span class="bubble__author">Sofía</span>', html)
    assert 'class="tick tick--queued" role="img" aria-label="En cola"' in html
    assert re.search(r"<div class=\"entry__day\"><span data-date=\"[^\"]+\">Hoy</span>", html)
    assert "Sofía asignó la conversación" not in html
    assert "Conversación asignada a Sofía" in html


def test_full_page_of_a_conversation_has_list_and_pane(make_conversation, agent, soporte):
    # given the agent's conversation
    conversation = make_conversation("active", area=soporte, assigned_to=agent)
    # when they load its address directly
    html = _signed_in(agent).get(f"/chats/{conversation.pk}/").content.decode()
    # then the page has the list, the pane, the socket client and its styles
    assert _listed_ids(html) == [conversation.pk]
    assert f'data-conversation-id="{conversation.pk}"' in html
    assert '<script type="module" src="/static/web/chat/main.js"></script>' in html
    assert "/static/web/chat.css" in html


def test_failed_tick_carries_the_reason(make_conversation, agent, soporte):
    # given a reply the provider refused
    conversation = make_conversation("active", area=soporte, assigned_to=agent)
    reply = conversations.agent_reply(conversation=conversation, by=agent, text="hola")
    statuses.status_advance(reply, "failed", error="Número inexistente")
    # when the bubble is rendered again
    html = _signed_in(agent).get(f"/chats/{conversation.pk}/messages/{reply.pk}/").content.decode()
    # then its tick is the failed one, and the bubble says why
    assert 'class="tick tick--failed" role="img" aria-label="Falló: Número inexistente"' in html
    assertInHTML('<p class="bubble__failed">No se envió: Número inexistente</p>', html)


def _stored(conversation, type, **fields) -> Message:
    return Message.objects.create(
        conversation=conversation,
        line_id=conversation.line_id,
        direction="in",
        sender_type="contact",
        type=type,
        status="received",
        created_at=clock.now(),
        **fields,
    )


def test_media_render_as_players_downloads_and_links(
    settings, tmp_path, make_conversation, agent, soporte
):
    # given a conversation where the customer sent a picture, a voice note, a video, a PDF and a
    # location, and a second picture whose file has not arrived yet
    settings.MEDIA_ROOT = tmp_path
    conversation = make_conversation("active", area=soporte, assigned_to=agent)
    files = {}
    for type, name in (("image", "foto.jpg"), ("voice", "nota.ogg"), ("video", "clip.mp4")):
        message = _stored(conversation, type, text="mirá" if type == "image" else "")
        message.media_file.save(name, ContentFile(b"data"))
        files[type] = message.pk
    pdf = _stored(conversation, "document", media_filename="factura.pdf", media_size=48213)
    pdf.media_file.save("factura.pdf", ContentFile(b"%PDF"))
    place = {"latitude": -31.4, "longitude": -64.18, "name": "Sucursal Centro"}
    _stored(conversation, "location", payload=place)
    pending = _stored(conversation, "image")
    # when the agent opens it
    html = _signed_in(agent).get(f"/chats/{conversation.pk}/", **_pane_request()).content.decode()
    # then the picture opens in the full-screen viewer, the voice note and the video play in
    # place, the PDF downloads under its name and size, the location links to a map, and the
    # missing picture says it is on its way
    image_url = f"/api/messages/{files['image']}/media"
    assertInHTML(
        f'<button type="button" class="bubble__image" data-viewer="{image_url}" '
        'aria-label="Ver la imagen en pantalla completa">'
        f'<img src="{image_url}" alt="mirá" loading="lazy"></button>',
        html,
    )
    assertInHTML(
        '<audio class="bubble__audio" controls preload="none" '
        f'src="/api/messages/{files["voice"]}/media" aria-label="Nota de voz"></audio>',
        html,
    )
    video_url = f"/api/messages/{files['video']}/media"
    assertInHTML(
        f'<video class="bubble__video" controls preload="metadata" src="{video_url}" '
        'aria-label="Video"></video>',
        html,
    )
    assert (
        f'<a class="bubble__doc" href="/api/messages/{pdf.pk}/media" download="factura.pdf">'
        in html
    )
    assertInHTML(
        '<span class="bubble__doc-name">factura.pdf'
        '<span class="bubble__doc-size">47,1\xa0KB · Descargar</span></span>',
        html,
    )
    assertInHTML(
        '<a class="bubble__map" href="https://www.openstreetmap.org/?mlat=-31.4&amp;mlon=-64.18'
        '#map=17/-31.4/-64.18" target="_blank" rel="noopener noreferrer">📍 Sucursal Centro</a>',
        html,
    )
    assert f'id="m-{pending.pk}"' in html
    assert "📷 Imagen · descargando…" in html
    # and the page carries the viewer it opens in, closed
    page = _signed_in(agent).get(f"/chats/{conversation.pk}/").content.decode()
    assert 'class="viewer" id="chat-viewer" role="dialog" aria-modal="true"' in page
    assert re.search(r'id="chat-viewer"[^>]*hidden>', page)


def test_day_chips_and_notes_for_assignment_and_close(
    monkeypatch, make_conversation, supervisor, agent, soporte
):
    # given a conversation the customer opened yesterday, an agent took and closed today
    yesterday = clock.now() - datetime.timedelta(days=1)
    monkeypatch.setattr(clock, "now", lambda: yesterday)
    conversation = make_conversation("queued", area=soporte, text="ayer")
    monkeypatch.undo()
    conversations.conversation_assign(conversation=conversation, user=agent, by=supervisor)
    conversations.agent_reply(conversation=conversation, by=agent, text="hoy")
    conversations.conversation_close(conversation=conversation, by=agent, reason="Resuelto")
    # when the supervisor opens it
    html = (
        _signed_in(supervisor).get(f"/chats/{conversation.pk}/", **_pane_request()).content.decode()
    )
    # then a chip heads each day, the notes say who assigned and who closed, and the customer's
    # bubble, the agent's (with their name) and the closing text come in order
    days = re.findall(r'<div class="entry__day"(?: hidden)?><span data-date="[^"]+">', html)
    shown = re.findall(r'<div class="entry__day"><span data-date="([^"]+)">([^<]+)</span>', html)
    today, yesterday = clock.now(), clock.now() - datetime.timedelta(days=1)
    assert shown == [
        (date_format(timezone.localdate(yesterday), "DATE_FORMAT"), "Ayer"),
        (date_format(timezone.localdate(today), "DATE_FORMAT"), "Hoy"),
    ]
    assert len(days) > len(shown)
    assert html.index("ayer") < html.index("Sara asignó la conversación a Sofía")
    assert html.index("Sara asignó") < html.index('<span class="bubble__author">Sofía</span>')
    assert html.index("Sofía cerró la conversación · Resuelto") > html.index(">hoy<")


def test_earlier_conversation_is_readable_above(make_conversation, agent, soporte):
    # given a customer whose first conversation was closed and who wrote again
    first = make_conversation("closed", area=soporte, assigned_to=agent, text="primera vez")
    again = sandbox.customer_writes(
        phone=first.contact.phone, name="Cliente", text="volví", message_id="again"
    )
    second = Conversation.objects.get(pk=again.conversation_id)
    conversations.conversation_assign(conversation=second, user=agent)
    # when the agent opens the new conversation
    html = _signed_in(agent).get(f"/chats/{second.pk}/", **_pane_request()).content.decode()
    # then the earlier messages come first, under their separator, then the current ones
    assert '<div class="entry__sep"><span>Conversación anterior · ' in html
    assert '<div class="entry__sep"><span>Conversación actual · ' in html
    assert html.index("primera vez") < html.index("Conversación actual") < html.index("volví")
    assert "Conversación cerrada" in html


def test_opening_clears_unread_for_the_assignee_only(make_user, make_conversation, agent, soporte):
    # given the agent's conversation with one unread message, and an admin
    boss = make_user(Role.ADMIN)
    conversation = make_conversation("active", area=soporte, assigned_to=agent)
    assert conversation.unread_count == 1
    # when the admin glances at it, it stays unread for the agent
    _signed_in(boss).get(f"/chats/{conversation.pk}/", **_pane_request())
    conversation.refresh_from_db()
    assert conversation.unread_count == 1
    # and when the agent opens it
    response = _signed_in(agent).get(f"/chats/{conversation.pk}/", **_pane_request())
    # then it is read, and the read is recorded
    assert response.status_code == 200
    conversation.refresh_from_db()
    assert conversation.unread_count == 0
    assert conversation.events.filter(kind=EventKind.READ, actor=agent).count() == 1


def test_after_returns_only_newer_entries(make_conversation, agent, soporte):
    # given a conversation and a reply written after the pane was opened
    conversation = make_conversation("active", area=soporte, assigned_to=agent)
    first = conversation.last_message_id
    reply = conversations.agent_reply(conversation=conversation, by=agent, text="nuevo")
    # when the chat screen's script asks for what came after the last bubble it shows
    html = _signed_in(agent).get(f"/chats/{conversation.pk}/after/?m={first}").content.decode()
    # then the new bubble comes, the known one does not
    assert f'id="m-{reply.pk}"' in html
    assert f'id="m-{first}"' not in html


def test_after_brings_the_notes_of_a_transfer_and_a_close(
    make_conversation, supervisor, agent, soporte
):
    # given a conversation the agent's pane shows up to its last message
    conversation = make_conversation("queued", area=soporte)
    last = conversation.last_message_id
    # when the supervisor hands it to the agent and the agent closes it
    conversations.conversation_transfer(conversation=conversation, by=supervisor, user=agent)
    conversation.refresh_from_db()
    conversations.conversation_close(conversation=conversation, by=agent, reason="Listo")
    # then what the script asks for after the last bubble has the notes (the transfer once, not
    # again as an assignment) and the closing text
    html = _signed_in(agent).get(f"/chats/{conversation.pk}/after/?m={last}").content.decode()
    notes = re.findall(r'<p class="note"><span>([^<]*) · <time', html)
    assert notes == [
        "En cola en Soporte",
        "Sara transfirió la conversación a Sofía",
        "Sofía cerró la conversación · Listo",
    ]
    assert "✅ Chat finalizado por el operador" in html
    assert f'id="m-{last}"' not in html


# --- The composer ----------------------------------------------------------------------------


def test_sending_stores_a_queued_outbound_message(make_conversation, agent, soporte):
    # given the agent's conversation
    conversation = make_conversation("active", area=soporte, assigned_to=agent)
    client = _signed_in(agent)
    # when they send from the composer, with htmx and without it
    with_htmx = client.post(f"/chats/{conversation.pk}/send/", {"text": " Hola "}, **HTMX)
    plain = client.post(f"/chats/{conversation.pk}/send/", {"text": "¿Algo más?"})
    # then both replies are stored as queued, theirs, and the answers say so
    sent = list(
        Message.objects.filter(conversation=conversation, direction="out")
        .order_by("id")
        .values_list("text", "status", "sender_type", "sender_user_id")
    )
    assert sent == [
        ("Hola", "queued", "agent", agent.pk),
        ("¿Algo más?", "queued", "agent", agent.pk),
    ]
    first_id = Message.objects.get(direction="out", text="Hola").pk
    assert with_htmx.status_code == 204
    assert with_htmx["HX-Trigger"] == f'{{"chat:sent": {{"id": {first_id}}}}}'
    assert plain.status_code == 302
    assert plain["Location"] == f"/chats/{conversation.pk}/"


def test_replying_to_a_queued_conversation_takes_it(make_conversation, agent, soporte):
    # given a conversation waiting in the agent's area
    conversation = make_conversation("queued", area=soporte)
    # when the agent answers it
    response = _signed_in(agent).post(f"/chats/{conversation.pk}/send/", {"text": "Hola"}, **HTMX)
    # then it becomes theirs
    assert response.status_code == 204
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assigned_to_id) == ("active", agent.pk)


@pytest.mark.parametrize("text", ["", "   \n "])
def test_empty_text_shows_an_error_and_writes_nothing(make_conversation, agent, soporte, text):
    # given the agent's conversation
    conversation = make_conversation("active", area=soporte, assigned_to=agent)
    # when they send nothing
    response = _signed_in(agent).post(f"/chats/{conversation.pk}/send/", {"text": text}, **HTMX)
    # then the composer comes back with the error and no message is written
    html = response.content.decode()
    assert response.status_code == 422
    assertInHTML(
        '<p class="composer__error" id="composer-error" role="alert">Escribí un mensaje.</p>', html
    )
    assert 'aria-invalid="true"' in html
    assert Message.objects.filter(direction="out").count() == 0


def test_closed_window_locks_the_composer_with_its_reason(make_conversation, agent, soporte):
    # given a Cloud API conversation whose customer last wrote 25 hours ago
    conversation = make_conversation("active", area=soporte, assigned_to=agent)
    Line.objects.filter(pk=conversation.line_id).update(provider="cloud")
    long_ago = clock.now() - datetime.timedelta(hours=25)
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=long_ago)
    client = _signed_in(agent)
    reason = "La ventana de 24 h cerró el"
    # when the agent opens it
    pane = client.get(f"/chats/{conversation.pk}/", **_pane_request()).content.decode()
    # then the composer is locked with the reason (and since when), the header shows the window
    # closed, and the template picker is open (the line has none approved yet: it says so)
    assert 'class="composer composer--locked" id="composer" data-locked="1"' in pane
    assert reason in pane
    assert "(hace 1\xa0hora)" in pane
    assert 'id="composer-templates"' in pane
    assert "La línea no tiene plantillas aprobadas" in pane
    assert "Ventana de 24 h cerrada" in pane
    assert 'name="text"' not in pane
    # and a send that raced the lock answers 409 with the same reason, writing nothing
    response = client.post(f"/chats/{conversation.pk}/send/", {"text": "hola"}, **HTMX)
    assert response.status_code == 409
    assert reason in response.content.decode()
    assert 'data-locked="1"' in response.content.decode()
    assert Message.objects.filter(direction="out").count() == 0


# --- Actions ---------------------------------------------------------------------------------


def test_close_with_a_reason_from_the_pane(make_conversation, agent, soporte):
    # given the agent's conversation
    conversation = make_conversation("active", area=soporte, assigned_to=agent)
    # when they close it with a reason
    response = _signed_in(agent).post(
        f"/chats/{conversation.pk}/close/", {"reason": "Resuelto"}, **_pane_request()
    )
    # then it is closed with that reason, the customer got the closing text, and the pane
    # shows it closed; she may still follow it up (reopen, or write and so reopen it)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.closed_reason) == ("closed", "Resuelto")
    assert conversation.closed_by_id == agent.pk
    assert Message.objects.get(direction="out").text == "✅ Chat finalizado por el operador"
    html = response.content.decode()
    assert response.status_code == 200
    assert "La conversación está cerrada: al escribir, se reabre y queda a tu cargo." in html
    assert "Sofía cerró la conversación · Resuelto" in html
    assert ">Reabrir</button>" in html


def test_closing_twice_says_so(make_conversation, agent, soporte):
    # given a conversation the agent has just closed
    conversation = make_conversation("closed", area=soporte, assigned_to=agent)
    # when a stale pane closes it again
    response = _signed_in(agent).post(f"/chats/{conversation.pk}/close/", {}, **_pane_request())
    # then the pane explains it
    assert response.status_code == 409
    assertInHTML(
        '<p class="pane-head__error" role="alert">La conversación ya estaba cerrada.</p>',
        response.content.decode(),
    )


def test_agent_transfers_to_another_area_and_loses_it(make_conversation, agent, soporte, ventas):
    # given the agent's conversation
    conversation = make_conversation("active", area=soporte, assigned_to=agent)
    # when they transfer it to Ventas (nobody available there)
    response = _signed_in(agent).post(
        f"/chats/{conversation.pk}/transfer/", {"area_id": ventas.pk}, **_pane_request()
    )
    # then it waits in Ventas' queue and the pane says where it went
    conversation.refresh_from_db()
    assert (conversation.status, conversation.area_id) == ("queued", ventas.pk)
    assert conversation.assigned_to_id is None
    assert response.status_code == 200
    assertInHTML(
        '<p class="pane__notice" role="status">Conversación transferida a Ventas.</p>',
        response.content.decode(),
    )


def test_agent_may_not_transfer_to_a_person(make_user, make_conversation, agent, soporte):
    # given the agent's conversation and a colleague
    colleague = make_user(Role.SUPPORT, areas=[soporte])
    conversation = make_conversation("active", area=soporte, assigned_to=agent)
    # when the agent posts a transfer to the colleague
    response = _signed_in(agent).post(
        f"/chats/{conversation.pk}/transfer/", {"user_id": colleague.pk}, **_pane_request()
    )
    # then it is refused and nothing changes
    assert response.status_code == 403
    conversation.refresh_from_db()
    assert conversation.assigned_to_id == agent.pk


def test_supervisor_transfers_to_an_agent(make_conversation, supervisor, agent, soporte):
    # given a conversation waiting in Soporte
    conversation = make_conversation("queued", area=soporte)
    # when the supervisor hands it to the agent
    response = _signed_in(supervisor).post(
        f"/chats/{conversation.pk}/transfer/", {"user_id": agent.pk}, **_pane_request()
    )
    # then the agent has it, and the pane shows one note for it
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assigned_to_id) == ("active", agent.pk)
    assert response.status_code == 200
    assert "Sara transfirió la conversación a Sofía" in response.content.decode()
    assert "Sara asignó la conversación a Sofía" not in response.content.decode()


def test_supervisor_reopens_and_agent_may_not_past_the_follow_up_window(
    monkeypatch, make_conversation, supervisor, agent, soporte
):
    # given a closed conversation of Soporte, closed four days ago (the window is 72 hours)
    conversation = make_conversation("closed", area=soporte, assigned_to=agent)
    later = clock.now() + datetime.timedelta(days=4)
    monkeypatch.setattr(clock, "now", lambda: later)
    # when the agent tries to reopen it
    refused = _signed_in(agent).post(f"/chats/{conversation.pk}/reopen/", **_pane_request())
    # then it is refused, saying why
    assert refused.status_code == 403
    assert "Pasaron más de 72 horas desde el cierre" in refused.content.decode()
    # and when the supervisor reopens it from the pane
    pane = _signed_in(supervisor).get(f"/chats/{conversation.pk}/", **_pane_request())
    assert ">Reabrir</button>" in pane.content.decode()
    response = _signed_in(supervisor).post(f"/chats/{conversation.pk}/reopen/", **_pane_request())
    # then it is open again, with its agent
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assigned_to_id) == ("active", agent.pk)
    assert response.status_code == 200
    assert "Sara reabrió la conversación" in response.content.decode()


# --- The contact card ------------------------------------------------------------------------


def test_bad_dni_shows_the_error_and_writes_nothing(make_conversation, agent, soporte):
    # given the agent's conversation with "Ana"
    conversation = make_conversation("active", area=soporte, assigned_to=agent, name="Ana")
    client = _signed_in(agent)
    # when they open the card's form and save a DNI of five digits
    form = client.get(f"/chats/{conversation.pk}/head/?edit=contact", **HTMX).content.decode()
    response = client.post(
        f"/chats/{conversation.pk}/contact/", {"name": "Ana María", "dni": "12345"}, **HTMX
    )
    # then the form says what is wrong and the contact is untouched
    assertInHTML('<label for="contact-dni">DNI</label>', form)
    html = response.content.decode()
    assert response.status_code == 422
    assertInHTML(
        '<p class="card-form__error" id="contact-dni-error">'
        "El DNI tiene 7 u 8 dígitos (se aceptan puntos y espacios).</p>",
        html,
    )
    contact = Contact.objects.get(pk=conversation.contact_id)
    assert (contact.name, contact.dni) == ("Ana", "")


def test_name_and_dni_are_saved_from_the_card(make_conversation, agent, soporte):
    # given the agent's conversation with "Ana"
    conversation = make_conversation("active", area=soporte, assigned_to=agent, name="Ana")
    # when they save a new name and a DNI written with dots
    response = _signed_in(agent).post(
        f"/chats/{conversation.pk}/contact/", {"name": "Ana María", "dni": "30.123.456"}, **HTMX
    )
    # then the contact has both, and the card shows them
    contact = Contact.objects.get(pk=conversation.contact_id)
    assert (contact.name, contact.dni) == ("Ana María", "30123456")
    html = response.content.decode()
    assert response.status_code == 200
    assertInHTML('<h2 class="card__name">Ana María</h2>', html)
    assertInHTML('<li><span class="card__label">DNI</span> 30123456</li>', html)


# --- Bounded queries -------------------------------------------------------------------------


def _queries(client, url, django_assert_max_num_queries, **extra) -> int:
    forget_every_process_cache()  # each request reads them: the counts compare the same work
    with django_assert_max_num_queries(40) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_list_page_queries_do_not_grow(
    make_user, make_conversation, soporte, django_assert_max_num_queries
):
    # given an agent with 5 conversations, each with a reply of a colleague or their own
    agent = make_user(Role.SUPPORT, areas=[soporte])
    for _ in range(5):
        conversation = make_conversation("active", area=soporte, assigned_to=agent)
        conversations.agent_reply(conversation=conversation, by=agent, text="hola")
    client = _signed_in(agent)
    few = _queries(client, "/", django_assert_max_num_queries)
    # when they have 30
    for _ in range(25):
        conversation = make_conversation("active", area=soporte, assigned_to=agent)
        conversations.agent_reply(conversation=conversation, by=agent, text="hola")
    many = _queries(client, "/", django_assert_max_num_queries)
    # then the page costs the same
    assert len(_listed_ids(client.get("/").content.decode())) == 30
    assert many == few


def test_pane_queries_do_not_grow(
    make_user, make_conversation, soporte, django_assert_max_num_queries
):
    # given two conversations of the agent, unread, with 5 and 50 messages
    agent = make_user(Role.SUPPORT, areas=[soporte])
    short = make_conversation("active", area=soporte, assigned_to=agent)
    long = make_conversation("active", area=soporte, assigned_to=agent)
    for n in range(4):
        conversations.agent_reply(conversation=short, by=agent, text=f"m{n}")
    for n in range(49):
        conversations.agent_reply(conversation=long, by=agent, text=f"m{n}")
    client = _signed_in(agent)
    # when the agent opens each of them
    few = _queries(client, f"/chats/{short.pk}/", django_assert_max_num_queries, **_pane_request())
    many = _queries(client, f"/chats/{long.pk}/", django_assert_max_num_queries, **_pane_request())
    # then both cost the same
    assert Message.objects.filter(conversation=long).count() == 50
    assert many == few


def _varied_conversations(make_user, make_conversation, soporte, count: int) -> None:
    """`count` open conversations of every kind a row shows: with the bot (its last message
    the bot's), queued, an agent's (their reply last, or the customer's), a customer with a
    DNI, a picture as last message."""
    agents = [make_user(Role.SUPPORT, areas=[soporte]) for _ in range(2)]
    for n in range(count):
        kind = n % 4
        if kind == 0:
            conversation = make_conversation("bot")
            outbound.message_queue_outbound(
                conversation=conversation, sender_type="bot", text="¿Tu DNI?"
            )
        elif kind == 1:
            conversation = make_conversation("queued", area=soporte)
            Message.objects.filter(pk=conversation.last_message_id).update(type="image")
        else:
            agent = agents[n % 2]
            conversation = make_conversation("active", area=soporte, assigned_to=agent)
            if kind == 2:
                conversations.agent_reply(conversation=conversation, by=agent, text="hola")
        if n % 2:
            Contact.objects.filter(pk=conversation.contact_id).update(dni=f"{30000000 + n}")


def test_list_queries_are_bounded_whatever_the_rows(
    make_user, make_conversation, soporte, supervisor, django_assert_max_num_queries
):
    # given a supervisor's desk with 4 conversations of every kind
    _varied_conversations(make_user, make_conversation, soporte, 4)
    client = _signed_in(supervisor)
    few_list = _queries(client, "/chats/list/?tab=all", django_assert_max_num_queries)
    few_page = _queries(client, "/?tab=all", django_assert_max_num_queries)
    # when there are 40 of them
    _varied_conversations(make_user, make_conversation, soporte, 36)
    many_list = _queries(client, "/chats/list/?tab=all", django_assert_max_num_queries)
    many_page = _queries(client, "/?tab=all", django_assert_max_num_queries)
    # then the list and the page cost the same few queries (no row reads anything of its own)
    assert len(_listed_ids(client.get("/chats/list/?tab=all").content.decode())) == 40
    assert many_list == few_list <= 6
    assert many_page == few_page <= 8


# --- What the chat screen's script (static/web/chat/) reads -----------------------------------


def _attention(html: str) -> list[dict]:
    found = re.search(r'<script id="chat-attention" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1))


def test_side_carries_what_is_the_viewers_to_answer(make_user, make_conversation, agent, soporte):
    # given the agent's chat with two unread messages, one waiting in their area, and a
    # colleague's
    colleague = make_user(Role.SUPPORT, areas=[soporte])
    mine = make_conversation("active", area=soporte, assigned_to=agent, name="Ana")
    sandbox.customer_writes(phone=mine.contact.phone, name="Ana", text="¿hola?", message_id="a2")
    waiting = make_conversation("queued", area=soporte, name="Beto")
    make_conversation("active", area=soporte, assigned_to=colleague)
    client = _signed_in(agent)
    # when the page, the left column of another tab, and a page of rows are rendered
    page = client.get("/").content.decode()
    side = client.get("/chats/list/", {"tab": "queue"}).content.decode()
    items = client.get("/chats/list/", {"tab": "queue", "part": "items"}).content.decode()
    # then the page and the column carry the agent's chat and the waiting one (for the tab
    # badges, the title and the alerts), the rows alone do not; the badges say what they count
    expected = [
        {"id": waiting.pk, "status": "queued", "mine": False, "unread": 1, "name": "Beto"},
        {"id": mine.pk, "status": "active", "mine": True, "unread": 2, "name": "Ana"},
    ]
    assert _attention(page) == expected
    assert _attention(side) == expected
    assert "chat-attention" not in items
    assert 'data-count="mine" data-label="{n} con mensajes sin leer" hidden' in page
    assert 'data-count="queue" data-label="{n} esperando" hidden' in side


def test_page_carries_the_hooks_of_the_live_client(make_conversation, agent, soporte):
    # given the agent's conversation
    conversation = make_conversation("active", area=soporte, assigned_to=agent)
    # when they load the chat screen
    html = _signed_in(agent).get(f"/chats/{conversation.pk}/").content.decode()
    # then the script finds its addresses, its texts and where to say how the socket is doing
    for hook in (
        'data-socket="connecting"',
        'data-alerts="0"',
        'data-list-url="/chats/list/"',
        'data-item-url="/chats/item/0/"',
        'data-t-today="Hoy"',
        'data-t-yesterday="Ayer"',
        'id="chat-banner" role="status" hidden',
        'class="pill" id="chat-pill" hidden',
        f'id="conv-{conversation.pk}"',
        'data-unread="0"',  # opened by its agent: read
        'data-window-ends=""',
        'href="/?tab=mine" id="chat-back"',
        'aria-label="Volver a la lista"',
    ):
        assert hook in html, hook


def test_header_says_when_the_24_hour_window_closes(make_conversation, agent, soporte):
    # given a Cloud API conversation whose customer wrote 20 hours ago
    conversation = make_conversation("active", area=soporte, assigned_to=agent)
    Line.objects.filter(pk=conversation.line_id).update(provider="cloud")
    wrote = clock.now() - datetime.timedelta(hours=20)
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=wrote)
    # when the agent opens it
    html = _signed_in(agent).get(f"/chats/{conversation.pk}/head/").content.decode()
    # then the header shows the time left, and when it ends for the script to lock the composer
    ends = (wrote + datetime.timedelta(hours=24)).isoformat()
    assert f'data-window-ends="{ends}"' in html
    assert re.search(r'<li class="card__window">Ventana de 24 h: quedan [34] h \d\d min</li>', html)
    assert 'data-locked="0"' in html


def test_the_contact_card_shows_the_phone_as_people_write_it(
    make_conversation, supervisor, soporte
):
    conversation = make_conversation("queued", area=soporte, phone="+5493515550101", name="Ana")

    html = _signed_in(supervisor).get(f"/chats/{conversation.pk}/").content.decode()

    assert "+54 9 351 555-0101" in html
