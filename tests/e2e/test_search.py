"""Searching a word the customer wrote finds the conversation and opens it at that message,
scrolled to and highlighted, even when it is further back than the thread's first page."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.server import ADMIN_PASSWORD, ADMIN_USERNAME

pytestmark = pytest.mark.e2e

ROCIO = "+54 9 351 555-0202"


def test_searching_a_word_from_a_message_opens_the_conversation_at_that_message(serve, console):
    server = serve()
    admin = console(server)
    admin.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)

    def writes(phone: str, name: str, text: str) -> dict:
        return admin.api(
            "POST", "/api/sandbox/messages", {"from": phone, "name": name, "text": text}
        )

    # given a customer who mentioned her delivery note long ago, then wrote 60 more messages
    writes(ROCIO, "Rocío Paz", "Hola, buen día")
    found = writes(ROCIO, "Rocío Paz", "El número de REMITO es 4471, ¿llegó el pedido?")
    for number in range(60):
        writes(ROCIO, "Rocío Paz", f"sigo esperando, mensaje {number}")
    writes("+54 9 351 555-0303", "Otro Cliente", "Quiero cambiar mi plan")

    # when the admin searches a word of that message, without its accent or its case
    page = admin.page
    page.goto("/")
    page.locator("#chat-q").fill("remíto")

    # then only her conversation is listed, with the line that matched under the row
    rows = page.locator("#chat-items .chat-item")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".chat-item__match")).to_have_text(
        "El número de REMITO es 4471, ¿llegó el pedido?"
    )

    # and opening it shows that message, scrolled into view and highlighted
    rows.first.click()
    message = page.locator(f"#m-{found['message_id']}")
    expect(message).to_have_class(re.compile(r"\bentry--found\b"))
    expect(message).to_be_in_viewport()
    expect(page.locator("#chat-thread")).to_contain_text("sigo esperando, mensaje 59")
    assert admin.errors == []
