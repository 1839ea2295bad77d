"""The sandbox phone page: staff write as a WhatsApp customer and read the desk's replies."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.asserts import assertInHTML

from ventanilla.accounts.services import user_create
from ventanilla.contacts.models import Contact
from ventanilla.conversations.models import Conversation, Message
from ventanilla.conversations.outbound import message_queue_outbound
from ventanilla.inbound.sandbox import customer_writes
from ventanilla.providers.models import Line

PASSWORD = "Corr3ct-Horse-Battery"
PHONE = "+54 9 351 555-0001"
E164 = "+5493515550001"
HTMX = {"HTTP_HX_REQUEST": "true"}


# --- Local fixtures --------------------------------------------------------------------------


@pytest.fixture
def line(db):
    return Line.objects.create(provider="sandbox", is_default=True, display_name="Mesa de ayuda")


@pytest.fixture
def operator(db):
    return user_create(username="olga", password=PASSWORD, role="OPERATOR")


@pytest.fixture
def signed_in(client, operator, line):
    client.force_login(operator)
    return client


def _bubbles(html: str) -> list[tuple[str, str]]:
    """(side, text) of every bubble in a rendered thread, in order."""
    found = re.findall(
        r'<div class="entry entry--(out|in) msg--(?:mine|theirs)[^"]*" id="sandbox-msg-\d+" '
        r'data-side="(mine|theirs)">'
        r'\s*<div class="bubble">\s*'
        r'<p class="bubble__text[^"]*">(.*?)</p>',
        html,
        flags=re.S,
    )
    # the customer's own bubbles are the outgoing ones on their phone (right, green)
    assert all((way == "out") == (side == "mine") for way, side, _ in found)
    return [(side, text) for _, side, text in found]


def _conversation_with(text="hola", phone=PHONE) -> Conversation:
    message = customer_writes(phone=phone, name="Ana", text=text, message_id=f"seed-{text}")
    return message.conversation


# --- Access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/sandbox/", "/sandbox/thread/?phone=%2B5493515550001"])
def test_anonymous_visitor_is_sent_to_login(client, db, path):
    # given nobody is signed in
    # when they open the sandbox page or its thread
    response = client.get(path)
    # then they are sent to the login page, which brings them back
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/sandbox/")


def test_any_signed_in_user_sees_the_phone_with_the_default_number(signed_in):
    # given an operator (not an admin) is signed in
    # when they open the sandbox page
    response = signed_in.get("/sandbox/")
    # then the phone shows the line, the default number, the polling thread and the nav link
    assert response.status_code == 200
    html = response.content.decode()
    assertInHTML('<span class="phone__name">Mesa de ayuda</span>', html)
    assert f'name="phone" value="{PHONE}"' in html
    assert 'hx-post="/sandbox/thread/" hx-trigger="every 2s, refresh-thread"' in html
    assert 'hx-include="#sandbox-phone"' in html
    assertInHTML('<a href="/sandbox/" aria-current="page">Teléfono de prueba</a>', html)
    assert "/static/web/sandbox.css" in html
    assert "/static/web/sandbox.js" in html
    assert "Todavía no hay mensajes con este número." in html


def test_the_page_opens_on_the_phone_given_in_the_address(signed_in):
    # given a customer who already wrote from another number
    _conversation_with("soy otro", phone="+54 9 351 555-0777")
    # when the page is opened for that number
    response = signed_in.get("/sandbox/?phone=%2B5493515550777")
    # then the field holds it and the thread is theirs
    html = response.content.decode()
    assert 'name="phone" value="+5493515550777"' in html
    assert _bubbles(html) == [("mine", "soy otro")]


# --- Sending ---------------------------------------------------------------------------------


def test_posting_a_message_stores_it_and_the_thread_shows_it(signed_in, line):
    # given a signed-in operator on the sandbox page
    # when they send a message as the customer through htmx
    response = signed_in.post(
        "/sandbox/", {"phone": PHONE, "name": "Ana", "text": "Hola, ¿atienden hoy?"}, **HTMX
    )
    # then the message went through the pipeline: contact, conversation and one inbound message
    assert response.status_code == 200
    message = Message.objects.get()
    assert (message.direction, message.text, message.line_id) == (
        "in",
        "Hola, ¿atienden hoy?",
        line.pk,
    )
    conversation = Conversation.objects.get()
    assert message.conversation_id == conversation.pk
    assert (conversation.contact.phone, conversation.contact.name) == (E164, "Ana")
    # and the answer is the phone again, with the bubble and an empty composer
    html = response.content.decode()
    assert html.startswith('<form id="sandbox-form"')
    assert _bubbles(html) == [("mine", "Hola, ¿atienden hoy?")]
    assert re.search(r'<textarea name="text"[^>]*>\s*</textarea>', html)
    # and the polled thread shows it as well
    thread = signed_in.get("/sandbox/thread/", {"phone": PHONE}).content.decode()
    assert _bubbles(thread) == [("mine", "Hola, ¿atienden hoy?")]


def test_plain_form_post_redirects_back_to_the_phone(signed_in):
    # given a browser without JavaScript
    # when the customer's message is posted as a plain form
    response = signed_in.post("/sandbox/", {"phone": PHONE, "name": "", "text": "hola"})
    # then it is stored and the browser goes back to the page for that number
    assert response.status_code == 302
    assert response["Location"] == "/sandbox/?phone=%2B54+9+351+555-0001"
    assert list(Message.objects.values_list("text", flat=True)) == ["hola"]


def test_multiline_text_keeps_its_lines(signed_in):
    # given a message written with Shift+Enter
    # when it is sent
    signed_in.post("/sandbox/", {"phone": PHONE, "text": "línea uno\nlínea dos"}, **HTMX)
    # then it is stored as written and shown with a line break
    assert Message.objects.get().text == "línea uno\nlínea dos"
    thread = signed_in.get("/sandbox/thread/", {"phone": PHONE}).content.decode()
    assert _bubbles(thread) == [("mine", "línea uno<br>línea dos")]


def test_bad_phone_shows_the_error_inline_and_writes_nothing(signed_in):
    # given a signed-in operator
    # when they send from something that is not a phone
    response = signed_in.post("/sandbox/", {"phone": "abc", "text": "hola"}, **HTMX)
    # then the phone comes back with the error under the number field, and the text kept
    assert response.status_code == 422
    html = response.content.decode()
    assertInHTML(
        '<ul class="errorlist" id="sandbox-phone_error">'
        "<li>No es un número de teléfono. "
        "Probá con +54\u00a09\u00a0351\u00a0555\u00a00001.</li></ul>",
        html,
    )
    assert 'aria-invalid="true"' in html
    assert re.search(r'<textarea name="text"[^>]*>\s*hola</textarea>', html)
    # and nothing was written
    assert Message.objects.count() == 0
    assert Contact.objects.count() == 0
    assert Conversation.objects.count() == 0


def test_bad_phone_without_htmx_renders_the_whole_page_with_the_error(signed_in):
    # given a browser without JavaScript
    # when it posts a bad phone
    response = signed_in.post("/sandbox/", {"phone": "12", "text": "hola"})
    # then the full page comes back with the error
    assert response.status_code == 422
    html = response.content.decode()
    assertInHTML("<title>Teléfono de prueba · Ventanilla</title>", html)
    assert "No es un número de teléfono." in html
    assert Message.objects.count() == 0


def test_empty_message_is_refused(signed_in):
    # given a signed-in operator
    # when they send only spaces
    response = signed_in.post("/sandbox/", {"phone": PHONE, "text": "   "}, **HTMX)
    # then they are asked to write something and nothing is written
    assert response.status_code == 422
    assertInHTML("<li>Escribí un mensaje.</li>", response.content.decode())
    assert Message.objects.count() == 0


# --- Reading the thread ----------------------------------------------------------------------


def test_a_reply_from_the_desk_shows_on_the_thread(signed_in, operator):
    # given a customer who wrote and an agent's reply
    conversation = _conversation_with("Necesito ayuda")
    reply = message_queue_outbound(
        conversation=conversation, sender_type="agent", sender_user=operator, text="Hola"
    )
    # when the phone polls its thread
    response = signed_in.get("/sandbox/thread/", {"phone": PHONE})
    # then both sides show, oldest first: the customer's on the right, the reply on the left
    assert response.status_code == 200
    html = response.content.decode()
    assert _bubbles(html) == [("mine", "Necesito ayuda"), ("theirs", "Hola")]
    # and the reply carries its delivery status
    assert f'id="sandbox-msg-{reply.pk}"' in html
    assert 'class="tick tick--queued" role="img" aria-label="En cola"' in html


def test_the_phone_reads_what_it_shows_and_the_agent_sees_the_ticks_move(signed_in, operator):
    from ventanilla.conversations import outbox
    from ventanilla.core.models import LiveEvent

    # given an agent's reply the sandbox line has sent
    conversation = _conversation_with("Necesito ayuda")
    reply = message_queue_outbound(
        conversation=conversation, sender_type="agent", sender_user=operator, text="Hola"
    )
    outbox.deliver(reply.pk)
    reply.refresh_from_db()
    assert reply.status == "sent"
    # when the phone, its chat open, polls its thread (a POST: it reads)
    html = signed_in.post("/sandbox/thread/", {"phone": PHONE}).content.decode()
    # then the reply was delivered and read, as a real phone's receipts say, and consoles hear it
    reply.refresh_from_db()
    assert [step["status"] for step in reply.status_history] == [
        "queued",
        "sent",
        "delivered",
        "read",
    ]
    assert 'class="tick tick--read"' in html
    event = LiveEvent.objects.filter(name="message:status").latest("pk")
    assert (event.data["id"], event.data["status"]) == (reply.pk, "read")
    # and polling again changes nothing
    signed_in.post("/sandbox/thread/", {"phone": PHONE})
    reply.refresh_from_db()
    assert len(reply.status_history) == 4


def test_the_thread_is_the_same_for_every_way_of_typing_the_number(signed_in):
    # given a customer who wrote from +54 9 351 555-0001
    _conversation_with("hola")
    # when the thread is asked with the number typed nationally
    html = signed_in.get("/sandbox/thread/", {"phone": "0351 15 555 0001"}).content.decode()
    # then it is the same customer's thread
    assert _bubbles(html) == [("mine", "hola")]


def test_the_thread_shows_only_this_customer(signed_in):
    # given two customers who wrote
    _conversation_with("soy Ana")
    _conversation_with("soy Beto", phone="+54 9 351 555-0002")
    # when Ana's thread is read
    html = signed_in.get("/sandbox/thread/", {"phone": PHONE}).content.decode()
    # then Beto's message is not in it
    assert _bubbles(html) == [("mine", "soy Ana")]


def test_a_phone_that_is_not_a_phone_has_an_empty_thread(signed_in):
    # given a customer who wrote
    _conversation_with("hola")
    # when the thread is polled with garbage
    response = signed_in.get("/sandbox/thread/", {"phone": "no soy un número"})
    # then it answers an empty thread, not an error
    assert response.status_code == 200
    assert _bubbles(response.content.decode()) == []
    assert "Todavía no hay mensajes con este número." in response.content.decode()


def _replies(conversation: Conversation, count: int, start: int = 1) -> None:
    now = timezone.now()
    Message.objects.bulk_create(
        Message(
            conversation=conversation,
            line=conversation.line,
            direction="out",
            sender_type="bot",
            text=f"respuesta {number}",
            status="sent",
            created_at=now + datetime.timedelta(seconds=number),
        )
        for number in range(start, start + count)
    )


def test_the_thread_shows_the_last_200_messages_oldest_first(signed_in):
    # given a customer's message followed by 205 replies
    conversation = _conversation_with("hola")
    _replies(conversation, 205)
    # when the thread is read
    html = signed_in.get("/sandbox/thread/", {"phone": PHONE}).content.decode()
    # then it holds the newest 200, oldest first
    bubbles = _bubbles(html)
    assert len(bubbles) == 200
    assert bubbles[0] == ("theirs", "respuesta 6")
    assert bubbles[-1] == ("theirs", "respuesta 205")


def test_the_thread_partial_does_the_same_queries_for_5_and_50_messages(
    signed_in, django_assert_max_num_queries
):
    # given a thread of 5 messages, read once
    conversation = _conversation_with("hola")
    _replies(conversation, 4)
    with CaptureQueriesContext(connection) as five:
        assert len(_bubbles(signed_in.get(f"/sandbox/thread/?phone={E164}").content.decode())) == 5
    # when it grows to 50 messages
    _replies(conversation, 45, start=5)
    # then reading it takes the same number of queries as before
    with django_assert_max_num_queries(len(five.captured_queries)) as fifty:
        html = signed_in.get(f"/sandbox/thread/?phone={E164}").content.decode()
    assert len(_bubbles(html)) == 50
    assert len(fifty.captured_queries) == len(five.captured_queries)


# --- Bot menus -------------------------------------------------------------------------------


def test_a_bot_menu_shows_its_options_as_buttons_that_answer_with_the_title(signed_in):
    # given the bot sent a menu of buttons to the customer
    conversation = _conversation_with("hola")
    message_queue_outbound(
        conversation=conversation,
        sender_type="bot",
        text="¿Con qué área querés hablar?",
        type="interactive",
        payload={
            "kind": "buttons",
            "options": [{"id": "soporte", "title": "Soporte"}, {"id": "ventas", "title": "Ventas"}],
        },
    )
    # when the phone shows the thread
    html = signed_in.get("/sandbox/thread/", {"phone": PHONE}).content.decode()
    # then each option is a button of the phone's form
    assert re.findall(
        r'<button type="submit" class="menu__option" name="option" value="([^"]*)">', html
    ) == [
        "Soporte",
        "Ventas",
    ]
    # and when the customer taps "Ventas", its title is sent as their reply
    response = signed_in.post(
        "/sandbox/", {"phone": PHONE, "name": "", "text": "", "option": "Ventas"}, **HTMX
    )
    assert response.status_code == 200
    assert list(Message.objects.order_by("id").values_list("direction", "text")) == [
        ("in", "hola"),
        ("out", "¿Con qué área querés hablar?"),
        ("in", "Ventas"),
    ]


def test_tapping_an_option_keeps_the_draft_in_the_composer(signed_in):
    # given a customer with a half-written message
    _conversation_with("hola")
    # when they tap a menu option instead of sending it
    response = signed_in.post(
        "/sandbox/", {"phone": PHONE, "text": "a medio escribir", "option": "Soporte"}, **HTMX
    )
    # then the option is sent and the draft stays in the composer
    assert Message.objects.order_by("-id").first().text == "Soporte"
    assert re.search(
        r'<textarea name="text"[^>]*>\s*a medio escribir</textarea>', response.content.decode()
    )
