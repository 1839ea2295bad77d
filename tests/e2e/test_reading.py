"""Reading like WhatsApp, in Debian's Chromium against a real `ventanilla serve`: a customer's
link and *bold* render as a link and bold (and their HTML as text), the agent reacts to the
message (another console sees it live, the customer's phone too), answers quoting it, and picks an
emoji from the composer's picker, all under the page's Content-Security-Policy.

Also shoots the thread (formatting, a reaction and a quote) into var/screenshots/chat-reading.png
and the composer's emoji picker into chat-emoji.png (docs/screenshots/ keeps copies)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.server import ADMIN_PASSWORD, ADMIN_USERNAME, Server
from tests.e2e.test_screenshots import shoot

pytestmark = pytest.mark.e2e

PHONE = "+5493515550301"
HOSTILE = "<img src=x onerror=window.__pwned=1>"


def test_formatting_reactions_quotes_and_emoji(serve, console) -> None:
    server: Server = serve()
    admin = console(server)
    admin.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)
    watcher = console(server)
    watcher.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)
    written = admin.api(
        "POST",
        "/api/sandbox/messages",
        {
            "from": PHONE,
            "name": "Ana Ruiz",
            "text": f"Hola, *urgente*: no abre https://example.com/a_b?x=1&y=2 {HOSTILE}",
        },
    )
    conversation, message = written["conversation_id"], written["message_id"]

    # the link and the bold, and the customer's HTML as text
    page = admin.page
    page.goto(f"/chats/{conversation}/")
    watcher.page.goto(f"/chats/{conversation}/")
    bubble = page.locator(f"#m-{message}")
    expect(bubble.locator(".bubble__text strong")).to_have_text("urgente")
    link = bubble.locator(".bubble__text a")
    expect(link).to_have_attribute("href", "https://example.com/a_b?x=1&y=2")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(bubble.locator(".bubble__text")).to_contain_text(HOSTILE)
    assert bubble.locator("img").count() == 0
    assert page.evaluate("window.__pwned") is None

    # a reaction from the bubble's menu: on the bubble here, live in the other console
    bubble.locator(".bubble").hover()
    bubble.locator("summary[aria-label=Reaccionar]").click()
    bubble.get_by_role("button", name="Reaccionar con 👍").click()
    expect(page.locator(f"#m-{message} .bubble__reaction[data-side=desk]")).to_have_text("👍")
    expect(watcher.page.locator(f"#m-{message} .bubble__reaction[data-side=desk]")).to_have_text(
        "👍"
    )

    # an answer quoting it, with an emoji from the picker
    page.locator(f"#m-{message} .bubble").hover()
    page.locator(f"#m-{message}").get_by_role("button", name="Responder").click()
    quote = page.locator("#composer-quote")
    expect(quote).to_be_visible()
    expect(quote).to_contain_text("Hola, urgente: no abre")
    textarea = page.locator("#composer-text")
    textarea.fill("Ya lo vemos, *hoy mismo* ")
    page.get_by_role("button", name="Emojis").click()
    first_emoji = page.locator("emoji-picker").locator("button.emoji[role=menuitem]").first
    expect(first_emoji).to_be_visible()
    chosen = first_emoji.get_attribute("aria-label") or ""
    shoot(page, "chat-emoji")
    first_emoji.click()
    expect(textarea).to_have_value(re.compile(r"^Ya lo vemos, \*hoy mismo\* \S+$"))
    assert chosen.split(",")[0].strip() in textarea.input_value(), chosen
    textarea.press("Enter")
    answer = page.locator("#chat-thread .entry--out").last
    expect(answer.locator(".bubble__quote")).to_contain_text("Hola, urgente: no abre")
    expect(answer.locator(".bubble__text strong")).to_have_text("hoy mismo")
    expect(quote).to_be_hidden()
    shoot(page, "chat-reading")

    # the customer's phone shows the reaction and the quote
    phone = console(server)
    phone.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)
    phone.page.goto(f"/sandbox/?phone={PHONE.replace('+', '%2B')}")
    thread = phone.page.locator("#sandbox-thread")
    expect(thread.locator(f"#sandbox-msg-{message} .bubble__reaction")).to_have_text("👍")
    expect(thread.locator(".bubble__quote")).to_contain_text("Hola, urgente: no abre")
    expect(thread.locator(f"#sandbox-msg-{message} strong")).to_have_text("urgente")

    for person in (admin, watcher, phone):
        assert person.errors == [], person.errors
    assert re.search(r"message:reaction", str(watcher.frames))
