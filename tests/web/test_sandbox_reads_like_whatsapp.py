"""The sandbox phone reads like WhatsApp too: formatting and links (escaped first), the desk's
reaction on the customer's bubble, and the quote over an answer that quotes."""

import re

import pytest

from ventanilla.conversations.models import Message
from ventanilla.conversations.services import agent_reply, message_react
from ventanilla.inbound.sandbox import customer_writes
from ventanilla.providers.models import Line

PHONE = "+54 9 351 555-0001"

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(db):
    return Line.objects.create(provider="sandbox", is_default=True, display_name="Mesa de ayuda")


@pytest.fixture
def phone(client, admin, line):
    client.force_login(admin)
    return client


def _thread(client) -> str:
    return client.get("/sandbox/thread/", {"phone": PHONE}).content.decode()


def test_formatting_links_reactions_and_quotes_on_the_phone(phone, admin):
    written = customer_writes(
        phone=PHONE, name="Ana", text="*Hola* mirá https://x.com/a_b <b>", message_id="1"
    )
    conversation = written.conversation

    message_react(message=written, by=admin, emoji="👍")
    agent_reply(conversation=conversation, by=admin, text="_Claro_", reply_to=written.pk)

    html = _thread(phone)
    mine = html[html.index(f'id="sandbox-msg-{written.pk}"') :]
    mine = mine[: mine.index('<div class="entry ', 10)]
    assert "<strong>Hola</strong>" in mine and "&lt;b&gt;" in mine and "<b>" not in mine
    link = '<a href="https://x.com/a_b" target="_blank" rel="noopener noreferrer">'
    assert link in mine
    assert re.search(r'data-side="desk">👍<', mine)
    answer = Message.objects.get(direction="out", type="text")
    theirs = html[html.index(f'id="sandbox-msg-{answer.pk}"') :]
    assert "<em>Claro</em>" in theirs
    quote = re.search(r'<span class="bubble__quote">.*?</span></span>', theirs, flags=re.S)
    assert quote and "Tú" in quote.group(0) and "Hola mirá https://x.com/a_b" in quote.group(0)
    reaction = Message.objects.get(type="reaction")
    assert f'id="sandbox-msg-{reaction.pk}"' not in html  # shown on the bubble, not as one
