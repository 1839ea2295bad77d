"""The agent's desk tools in the browser: "/" opens the quick replies and the keyboard picks
one (its file pending in the composer, sent with the text as caption); a note's @mention reaches
a colleague's open console live; a transfer with a note arrives unread with the note on top.
Shoots docs/screenshots' picker, note and labels on rows."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.console import Console
from tests.e2e.files import png
from tests.e2e.server import ADMIN_PASSWORD, ADMIN_USERNAME, Server
from tests.e2e.test_console import AGENT_PASSWORD, desk_through_the_api
from tests.e2e.test_screenshots import shoot

pytestmark = pytest.mark.e2e


def shot(person: Console, name: str) -> None:
    """`shoot`, then the page as it was: hiding the caret leaves `style=""` on every field,
    which htmx would copy onto the fields of a later swap (and the CSP refuse) — the test goes
    on after the picture, the screenshots test does not."""
    shoot(person.page, name)
    person.page.evaluate(
        "document.querySelectorAll('[style=\"\"]').forEach((e) => e.removeAttribute('style'))"
    )


def a_desk(serve, console) -> tuple[Console, Console, Console]:
    """The admin, Sofía (Soporte) and Lucía (Soporte's supervisor), Sofía's console open."""
    server: Server = serve()
    admin = console(server)
    admin.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)
    desk_through_the_api(admin)
    soporte = admin.api("GET", "/api/areas")["items"][0]["id"]
    admin.api(
        "POST",
        "/api/users",
        {
            "username": "lucia",
            "name": "Lucía Supervisora",
            "password": AGENT_PASSWORD,
            "role": "SUPERVISOR",
            "area_ids": [soporte],
        },
    )
    sofia = console(server)
    sofia.sign_in("sofia", AGENT_PASSWORD)
    lucia = console(server)
    lucia.sign_in("lucia", AGENT_PASSWORD)
    for person in (sofia, lucia):
        expect(person.page.get_by_role("heading", name="Chats")).to_be_visible()
        person.mark_page()
    return admin, sofia, lucia


def customer_reaches_soporte(admin: Console, phone: str, name: str) -> int:
    for text in ("hola", "soporte"):
        written = admin.api(
            "POST", "/api/sandbox/messages", {"from": phone, "name": name, "text": text}
        )
    return written["conversation_id"]


def open_chat(person: Console, name: str) -> None:
    row = person.page.locator(".chat-item", has_text=name)
    expect(row).to_be_visible()
    row.click()
    expect(person.page.locator("#chat-head")).to_contain_text(name)


def test_slash_then_arrows_then_enter_inserts_a_quick_reply(serve, console) -> None:
    admin, sofia, _ = a_desk(serve, console)
    admin.api(
        "POST",
        "/api/quick-replies",
        {
            "code": "saludo",
            "title": "Saludo",
            "text": "Hola {nombre}, soy {agente} de {area}.",
            "scope": "desk",
        },
    )
    admin.api(
        "POST",
        "/api/quick-replies",
        {
            "code": "despedida",
            "title": "Despedida",
            "text": "¡Que tengas un buen día!",
            "scope": "desk",
        },
    )
    sofia.api(
        "POST",
        "/api/quick-replies",
        {
            "code": "módem",
            "title": "Reiniciar el módem",
            "text": "Probá reiniciar el módem.",
            "scope": "personal",
        },
    )
    customer_reaches_soporte(admin, "+5493515550201", "María González")
    open_chat(sofia, "María González")
    page = sofia.page
    composer = page.locator("#composer textarea")
    picker = page.locator("#quick-picker")
    bot_said = page.locator("#chat-thread .entry--out").count()

    # accents and case ignored: "/MODEM" finds "/módem"
    composer.press_sequentially("/MODEM")
    expect(picker.get_by_role("option")).to_have_count(1)
    expect(picker.get_by_role("option")).to_contain_text("Reiniciar el módem")
    composer.press("Escape")
    expect(picker).to_be_hidden()
    composer.fill("")

    # "/" lists every reply; ↓ moves to the second, ↑ and ↓ again, Enter inserts it
    composer.press_sequentially("/")
    options = picker.get_by_role("option")
    expect(options).to_have_count(3)
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    shot(sofia, "quick-reply-picker")
    composer.press("ArrowDown")
    composer.press("ArrowDown")
    composer.press("ArrowUp")
    composer.press("ArrowDown")
    expect(options.nth(2)).to_have_attribute("aria-selected", "true")
    expect(options.nth(2)).to_have_attribute("data-code", "saludo")
    composer.press("Enter")

    # the variables filled, nothing sent yet, and the text still hers to edit
    expect(picker).to_be_hidden()
    expect(composer).to_have_value("Hola María González, soy Sofía Soporte de Soporte.")
    expect(page.locator("#chat-thread .entry--out")).to_have_count(bot_said)
    composer.press_sequentially(" ¿En qué te ayudo?")
    composer.press("Enter")
    expect(page.locator("#chat-thread .entry--out").last).to_contain_text(
        "Hola María González, soy Sofía Soporte de Soporte. ¿En qué te ayudo?"
    )
    expect(composer).to_have_value("")
    assert sofia.same_page()
    assert sofia.errors == []


def attach_to_reply(person: Console, reply_id: int, name: str, content: bytes, mime: str) -> None:
    request = person.page.request
    token = request.get("/api/auth/csrf").json()["csrf_token"]
    answer = request.post(
        f"/api/quick-replies/{reply_id}/file",
        multipart={"file": {"name": name, "mimeType": mime, "buffer": content}},
        headers={"X-CSRFToken": token},
    )
    assert answer.ok, answer.text()


def test_a_quick_reply_with_a_file_puts_both_in_the_composer_and_sends_them(serve, console) -> None:
    admin, sofia, _ = a_desk(serve, console)
    reply = admin.api(
        "POST",
        "/api/quick-replies",
        {
            "code": "comprobante",
            "title": "Comprobante de pago",
            "text": "{nombre}, te mando el comprobante.",
            "scope": "desk",
        },
    )
    attach_to_reply(admin, reply["id"], "comprobante.png", png(), "image/png")
    customer_reaches_soporte(admin, "+5493515550204", "Rosa Díaz")
    open_chat(sofia, "Rosa Díaz")
    page = sofia.page
    composer = page.locator("#composer textarea")
    attach = page.locator("#attach")

    # "/" lists it with its file; Enter puts the text in the composer and the file beside it
    composer.press_sequentially("/compro")
    option = page.locator("#quick-picker").get_by_role("option")
    expect(option).to_have_count(1)
    expect(option).to_contain_text("comprobante.png")
    composer.press("Enter")
    expect(composer).to_have_value("Rosa Díaz, te mando el comprobante.")
    expect(attach).to_have_attribute("data-state", "ready")
    expect(attach).to_have_attribute("data-source", "quick-reply")
    expect(attach.locator(".attach__name")).to_have_text("comprobante.png")
    thumb = attach.locator(".attach__thumb")
    expect(thumb).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 96", arg=thumb.element_handle()
    )
    expect(attach.locator(".attach__caption")).to_be_hidden()  # the composer's text is it
    shot(sofia, "quick-reply-file")

    # removable before sending, as an attached file; picked again, it waits again
    attach.get_by_role("button", name="Quitar el archivo").click()
    expect(attach).to_be_hidden()
    expect(composer).to_have_value("Rosa Díaz, te mando el comprobante.")
    composer.fill("")
    composer.press_sequentially("/compro")
    composer.press("Enter")
    expect(attach).to_have_attribute("data-state", "ready")
    composer.press_sequentially(" Saludos")

    # Enter sends the picture with the text as its caption, as an agent's attachment
    composer.press("Enter")
    expect(attach).to_be_hidden()
    expect(composer).to_have_value("")
    bubble = page.locator("#chat-thread .bubble--image")
    expect(bubble).to_contain_text("te mando el comprobante. Saludos")
    expect(bubble.locator("img")).to_be_visible()

    # and the customer's sandbox phone got the picture with its caption
    def phone_has_it() -> bool:
        said = admin.api("GET", "/api/sandbox/messages?phone=%2B5493515550204")
        return "te mando el comprobante. Saludos" in json.dumps(said, ensure_ascii=False)

    admin.wait_until(phone_has_it)
    sent = admin.api("GET", "/api/conversations?status=active")["items"][0]["last_message"]
    assert (sent["type"], sent["status"]) == ("image", "sent")
    assert sent["media"]["filename"] == "comprobante.png"
    assert sofia.errors == []


def test_a_note_with_a_mention_reaches_the_colleagues_console_live(serve, console) -> None:
    admin, sofia, lucia = a_desk(serve, console)
    vip = admin.api("POST", "/api/labels", {"name": "VIP", "color": "purple"})
    admin.api("POST", "/api/labels", {"name": "Reclamo", "color": "red"})
    valentin = console(sofia.server)
    valentin.sign_in("valentin", AGENT_PASSWORD)
    conversation = customer_reaches_soporte(admin, "+5493515550202", "Juan Pérez")
    open_chat(sofia, "Juan Pérez")
    page = sofia.page

    # when Sofía writes a private note that mentions Lucía
    page.get_by_label("Nota privada").check()
    composer = page.locator("#composer textarea")
    composer.fill("@lucia el cliente pide un descuento, ¿lo autorizás?")
    composer.press("Enter")

    # then it shows in her thread as a note, never as a message to the customer
    note = page.locator("#chat-thread .entry--private")
    expect(note).to_contain_text("el cliente pide un descuento")
    expect(page.locator("#chat-thread .entry--out", has_text="descuento")).to_have_count(0)
    shot(sofia, "private-note")

    # and Lucía, her console open on the list, hears of it at once
    mention = lucia.page.locator("#chat-mention")
    expect(mention).to_be_visible()
    expect(mention).to_contain_text("Sofía Soporte te mencionó en una nota")
    expect(mention).to_contain_text("¿lo autorizás?")
    expect(lucia.page.locator("#chat")).to_have_attribute("data-mentions", "1")

    # and opening it shows the note in the thread
    mention.click()
    expect(lucia.page.locator("#chat-thread .entry--private")).to_contain_text("descuento")

    # Sofía labels the chat from the header: the rows show it, and the filter finds it
    page.locator("#chat-head summary", has_text="Etiquetas").click()
    page.get_by_role("checkbox", name="VIP").check()
    page.get_by_role("button", name="Guardar etiquetas").click()
    expect(page.locator("#chat-head .tag--label")).to_have_text("VIP")
    expect(page.locator(f"#conv-{conversation} .tag--label-purple")).to_have_text("VIP")
    expect(lucia.page.locator(f"#conv-{conversation} .tag--label-purple")).to_have_text("VIP")
    page.goto("/?tab=mine")  # the filter lists the labels defined when the list was drawn
    page.locator("#chat-label").select_option(label="Reclamo")
    expect(page.locator(".chat-item")).to_have_count(0)
    page.locator("#chat-label").select_option(str(vip["id"]))
    expect(page.locator(".chat-item")).to_have_count(1)
    shot(sofia, "labels-on-rows")

    # Valentín, of Ventas, heard nothing of it
    assert [f for f in valentin.frames if f["event"] == "note:new"] == []
    assert not any(
        f["event"] == "message:new" and "descuento" in f["data"]["text"] for f in sofia.frames
    )
    for person in (sofia, lucia, valentin):
        assert person.errors == []


def test_at_in_a_note_lists_the_colleagues_who_may_see_the_chat(serve, console) -> None:
    admin, sofia, lucia = a_desk(serve, console)
    customer_reaches_soporte(admin, "+5493515550205", "Hugo Paz")
    open_chat(sofia, "Hugo Paz")
    page = sofia.page
    composer = page.locator("#composer textarea")
    mentions = page.locator("#mention-picker")

    # in a message to the customer "@" is only a character
    composer.press_sequentially("Escribime a @")
    page.wait_for_timeout(300)
    expect(mentions).to_have_count(0)
    composer.fill("")

    # in a note, "@" lists who may see the chat (Valentín, of Ventas, may not), by name
    page.get_by_label("Nota privada").check()
    composer.press_sequentially("Consulto con @")
    options = mentions.get_by_role("option")
    expect(options.first).to_be_visible()
    usernames = options.evaluate_all("items => items.map((item) => item.dataset.username)")
    assert "lucia" in usernames and "admin" in usernames
    assert "valentin" not in usernames and "sofia" not in usernames
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(composer).to_have_attribute("aria-expanded", "true")

    # filtered as she types, accents and case ignored; Esc closes, typing opens it again
    composer.press_sequentially("LUCÍ")
    expect(options).to_have_count(1)
    expect(options).to_contain_text("Lucía Supervisora")
    shot(sofia, "mention-picker")
    composer.press("Escape")
    expect(mentions).to_be_hidden()
    expect(composer).to_have_value("Consulto con @LUCÍ")
    composer.press("Backspace")
    expect(options).to_have_count(1)

    # the arrows wrap; Tab inserts @username; the note goes out and reaches Lucía
    composer.press("ArrowDown")
    expect(options).to_have_attribute("aria-selected", "true")
    composer.press("Tab")
    expect(mentions).to_be_hidden()
    expect(composer).to_have_value("Consulto con @lucia ")
    composer.press_sequentially("¿le hacemos la devolución?")
    composer.press("Enter")
    expect(page.locator("#chat-thread .entry--private")).to_contain_text("@lucia ¿le hacemos")
    expect(lucia.page.locator("#chat-mention")).to_contain_text("¿le hacemos la devolución?")

    # Enter picks too, the first one by name when nothing is typed after "@"
    composer.press_sequentially("@")
    expect(options.first).to_be_visible()
    first = options.first.get_attribute("data-username")
    composer.press("Enter")
    expect(composer).to_have_value(f"@{first} ")
    for person in (sofia, lucia):
        assert person.errors == []


def test_a_transfer_with_a_note_arrives_unread_with_the_note_on_top(serve, console) -> None:
    admin, sofia, lucia = a_desk(serve, console)
    conversation = customer_reaches_soporte(admin, "+5493515550203", "Carla Ruiz")
    sofia_id = next(
        user["id"]
        for user in admin.api("GET", "/api/users")["items"]
        if user["username"] == "sofia"
    )
    lucia_id = next(
        user["id"]
        for user in admin.api("GET", "/api/users")["items"]
        if user["username"] == "lucia"
    )
    admin.api("POST", f"/api/conversations/{conversation}/transfer", {"user_id": lucia_id})

    # Lucía opens it (read) and hands it to Sofía with a note
    open_chat(lucia, "Carla Ruiz")
    expect(lucia.page.locator(f"#conv-{conversation}")).to_have_attribute("data-unread", "0")
    lucia.page.locator("#chat-head summary", has_text="Transferir").click()
    lucia.page.get_by_label("Agente").select_option(str(sofia_id))
    lucia.page.locator("#transfer-user-note").fill(
        "Ya le expliqué el plan; falta la factura de marzo."
    )
    lucia.page.get_by_role("button", name="Transferir al agente").click()

    # Sofía's list shows it unread, and opening it shows the note first
    row = sofia.page.locator(f"#conv-{conversation}")
    expect(row).to_have_attribute("data-unread", re.compile(r"^[1-9]"))
    expect(row).to_have_class(re.compile(r"\bchat-item--unread\b"))
    row.click()
    pinned = sofia.page.locator("#pinned-note")
    expect(pinned).to_contain_text("falta la factura de marzo")
    expect(pinned).to_contain_text("Lucía Supervisora")
    on_top = sofia.page.evaluate(
        "document.getElementById('pinned-note').getBoundingClientRect().bottom"
        " <= document.getElementById('chat-thread').getBoundingClientRect().top + 1"
    )
    assert on_top
    expect(sofia.page.locator("#chat-thread .private-note--transfer")).to_contain_text("marzo")
    shot(sofia, "transfer-note")
    for person in (sofia, lucia):
        assert person.errors == []
