"""Screenshots of every console screen at 1366x768, in Spanish, into var/screenshots/ (untracked:
a test run leaves the repository as it was). `make screenshots` runs this test alone and copies
the images into docs/screenshots/, for the README and the docs.

The demo desk (`serve --demo`) with a morning's worth of customers written through the sandbox
line and answered by the demo agents, so the screens show what a desk in use looks like. Every
link of the admin's navigation is shot, so a screen added to the navigation is shot too.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.console import Console
from tests.e2e.files import png
from tests.e2e.server import ADMIN_PASSWORD, ADMIN_USERNAME, Server
from tests.fakes.webhook_receiver import FakeReceiver

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"  # the Makefile's SCREENSHOTS
DEMO_PASSWORD = "demo-ventanilla-2026"  # the demo agents' (ventanilla.runtime.demo)
EXPECTED_SCREENS = {
    "login",
    "chats",
    "dashboard",
    "users",
    "areas",
    "flows",
    "contacts",
    "hours",
    "settings",
    "sandbox",
    "audit",
    "account",
}

# (phone, name, what the customer says in order, after the demo flow's DNI question and menu)
MARIA = "+5493515550101"
CUSTOMERS = [
    (MARIA, "María González", ["Hola, no me anda internet desde ayer", "30.123.456", "1"]),
    ("+5493515550102", "Juan Pérez", ["Buenas, quiero un presupuesto", "28456789", "Ventas"]),
    ("+5493515550103", "Lucía Fernández", ["hola"]),
    ("+5493515550104", "Carlos Gómez", ["Hola, tengo un problema con la factura", "33987654", "1"]),
    ("+5493515550105", "Ana Martínez", ["Hola", "27.654.321", "Soporte técnico"]),
    ("+5493515550106", "Roberto Díaz", ["hola", "31222333", "4"]),
]


def a_morning_at_the_desk(admin: Console, sofia: Console, valentin: Console) -> None:
    conversations = {}
    for phone, name, lines in CUSTOMERS:
        for text in lines:
            written = admin.api(
                "POST", "/api/sandbox/messages", {"from": phone, "name": name, "text": text}
            )
        conversations[name] = written["conversation_id"]

    def agent_says(agent: Console, who: str, text: str) -> None:
        agent.api("POST", f"/api/conversations/{conversations[who]}/messages", {"text": text})

    def customer_says(who: str, text: str) -> None:
        phone = next(phone for phone, name, _ in CUSTOMERS if name == who)
        admin.api("POST", "/api/sandbox/messages", {"from": phone, "text": text})

    agent_says(
        sofia, "María González", "¡Hola María! Soy Sofía, de Soporte. ¿Probaste reiniciar el módem?"
    )
    customer_says("María González", "Sí, dos veces, y sigue sin conexión 😕")
    agent_says(
        sofia,
        "María González",
        "Gracias. Te genero un reclamo: mañana te visita un técnico entre las 9 y las 13 h.",
    )
    customer_says("María González", "Perfecto, muchas gracias 🙌")
    agent_says(valentin, "Juan Pérez", "¡Hola Juan! ¿Para cuántos equipos sería el presupuesto?")
    customer_says("Juan Pérez", "Para 3 notebooks, con envío a Córdoba")
    agent_says(sofia, "Ana Martínez", "¡Hola Ana! Ya quedó reactivada tu línea.")
    customer_says("Ana Martínez", "¡Genial, gracias!")
    sofia.api(
        "POST", f"/api/conversations/{conversations['Ana Martínez']}/close", {"reason": "Resuelto"}
    )


def composer_with_an_attachment(agent: Console) -> None:
    """The composer with a picture chosen and its caption, before it is sent (issue 16)."""
    page = agent.page
    page.goto("/")
    page.locator(".chat-item", has_text="María González").click()
    expect(page.locator("#chat-thread")).to_contain_text("Perfecto, muchas gracias")
    picture = {"name": "comprobante-reclamo.png", "mimeType": "image/png", "buffer": png(480, 320)}
    page.locator("#attach-input").set_input_files(files=[picture])
    expect(page.locator("#attach")).to_have_attribute("data-state", "ready")
    page.get_by_label("Comentario del archivo").fill("Te paso el comprobante del reclamo")
    shoot(page, "chat-attachment")


def a_crm_listening(admin: Console, receiver: FakeReceiver) -> int:
    """A CRM subscribed to every event (its first delivery answered 500, then retried), and an
    ERP's subscription switched off: the Webhooks screen and a log with each outcome."""
    receiver.fail_next(500, body=b"CRM en mantenimiento")
    events = ["conversation.created", "conversation.assigned", "conversation.transferred"]
    events += ["conversation.closed", "message.received", "message.sent", "contact.created"]
    crm = admin.api(
        "POST",
        "/api/webhooks",
        {"url": f"{receiver.url}/ventanilla/eventos", "events": events, "description": "CRM"},
    )
    admin.api(
        "POST",
        "/api/webhooks",
        {
            "url": "https://erp.example.com/hooks/ventanilla",
            "events": ["contact.created", "contact.updated"],
            "description": "ERP (en pruebas)",
            "is_active": False,
        },
    )
    return crm["id"]


def shoot(page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", animations="disabled", caret="hide")


def screen_of(path: str) -> str:
    """`/` is chats; any other screen is named by the first part of its path."""
    return path.strip("/").split("/")[0] or "chats"


def shoot_the_account(page) -> None:
    """The account screen (the top bar's name): open sessions and API tokens, a new token's
    secret shown once."""
    page.locator("a.who").click()
    expect(page.get_by_role("heading", name="Mi cuenta")).to_be_visible()
    page.get_by_label("Nombre").fill("Integración CRM")
    page.get_by_label("Alcance").select_option("write")
    page.get_by_role("button", name="Crear token").click()
    expect(page.locator(".token-secret")).to_contain_text("Copialo ahora")
    shoot(page, "account")


def label_conversations(admin: Console) -> None:
    """Three labels on the morning's conversations (the Tablero's "Por etiqueta"), one unused."""
    made = {
        name: admin.api("POST", "/api/labels", {"name": name, "color": color})["id"]
        for name, color in (("Facturación", "blue"), ("Urgente", "red"), ("VIP", "yellow"))
    }
    rows = admin.api("GET", "/api/conversations?limit=50")["items"]
    for index, row in enumerate(rows):
        wanted = [made["Facturación"]] if index % 2 == 0 else []
        wanted += [made["Urgente"]] if index % 3 == 0 else []
        if wanted:
            admin.api("PUT", f"/api/conversations/{row['id']}/labels", {"label_ids": wanted})


def shoot_reports_and_routing(admin: Console, sofia: Console) -> None:
    """The Tablero with a period picked, and a thread with routing's note (issue 18): a customer
    handed to Soporte right after Sofía's console connects again (her presence fresh)."""
    opened = sofia.sockets
    sofia.page.reload()
    sofia.wait_until(lambda: sofia.sockets > opened)
    sofia.page.wait_for_timeout(1000)
    for text in ("Hola, el módem parpadea en rojo", "29.876.543", "1"):
        written = admin.api(
            "POST",
            "/api/sandbox/messages",
            {"from": "+5493515550107", "name": "Pedro Ruiz", "text": text},
        )
    label_conversations(admin)
    page = admin.page
    page.goto("/dashboard/?period=30d")
    expect(page.locator('.dash__pick:has(input[value="30d"]:checked)')).to_be_visible()
    expect(page.locator('table[data-table="agents"]')).to_contain_text("Sofía")
    page.evaluate("document.querySelector('.dash__counts').scrollIntoView()")
    shoot(page, "dashboard-period")
    expect(page.locator('table[data-table="labels"]')).to_contain_text("Facturación")
    page.evaluate("document.querySelector('.dash__areas').scrollIntoView()")
    shoot(page, "dashboard-labels")
    # Soporte may be closed at this hour (the note says so); an area without hours is always open
    guardia = admin.api("POST", "/api/areas", {"name": "Guardia"})
    me = sofia.api("GET", "/api/auth/me")["user"]
    area_ids = [area["id"] for area in me["areas"]] + [guardia["id"]]
    admin.api("PATCH", f"/api/users/{me['id']}", {"area_ids": area_ids})
    conversation_id = written["conversation_id"]
    admin.api("POST", f"/api/conversations/{conversation_id}/transfer", {"area_id": guardia["id"]})
    page.goto("/")
    page.locator(".chat-item", has_text="Pedro Ruiz").click()
    # the newest: in Soporte's hours she was given it there first, then again in Guardia
    note = page.locator("#chat-thread .note", has_text="Asignada a Sofía Soporte: ").last
    expect(note).to_contain_text("disponible")
    shoot(page, "chat-routing-note")


def test_every_screen_is_shot_at_1366x768_in_spanish(serve, console) -> None:
    server: Server = serve(demo=True)

    visitor = console(server)
    visitor.page.goto("/login/")
    expect(
        visitor.page.get_by_role("heading", name="Ingresá a la mesa de atención")
    ).to_be_visible()
    shoot(visitor.page, "login")
    shot = {"login"}

    sofia = console(server)
    sofia.sign_in("sofia", DEMO_PASSWORD)
    valentin = console(server)
    valentin.sign_in("valentin", DEMO_PASSWORD)
    admin = console(server)
    admin.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)
    receiver = FakeReceiver().start()
    crm = a_crm_listening(admin, receiver)
    a_morning_at_the_desk(admin, sofia, valentin)

    page = admin.page
    links = page.locator("nav.mainnav a")
    expect(links.first).to_be_visible()
    screens = [
        (screen_of(link.get_attribute("href")), link.get_attribute("href")) for link in links.all()
    ]
    for name, href in screens:
        if name == "sandbox":
            href = f"{href}?phone={MARIA.replace('+', '%2B')}"
        response = page.goto(href)
        assert response is not None and response.status == 200, (href, response)
        current = page.locator('nav.mainnav a[aria-current="page"]')
        expect(current).to_have_attribute("href", href.split("?")[0])
        if name == "chats":
            page.locator(".chat-item", has_text="María González").click()
            expect(page.locator("#chat-thread")).to_contain_text("Perfecto, muchas gracias")
        elif name == "sandbox":
            expect(page.locator("#sandbox-thread")).to_contain_text("Perfecto, muchas gracias")
        shoot(page, name)
        shot.add(name)

    composer_with_an_attachment(sofia)
    shoot_the_account(page)
    page.goto("/users/")
    page.get_by_role("link", name="Auditoría").click()
    expect(page.locator(".audit-table")).to_contain_text("Integración CRM")
    shoot(page, "audit")
    shot |= {"account", "audit"}

    assert shot >= EXPECTED_SCREENS
    assert len(shot) == len(screens) + 3  # no two links share a name

    # reached from Settings, not the navigation
    page.goto("/settings/")
    page.get_by_role("link", name="Webhooks", exact=True).click()
    expect(page.get_by_role("heading", name="Webhooks")).to_be_visible()
    shoot(page, "webhooks")
    page.goto(f"/webhooks/{crm}/deliveries/")
    expect(page.locator("[data-role=status]").first).to_be_visible()
    shoot(page, "webhook-deliveries")
    receiver.stop()

    # the chat list's own views: who waits longest, and a word of a message found
    page.goto("/?tab=all&sort=waiting")
    expect(page.locator("#chat-items .tag--waiting").first).to_be_visible()
    shoot(page, "chats-waiting")
    page.goto("/?tab=all")
    page.locator("#chat-q").fill("factura")
    row = page.locator(".chat-item", has_text="Carlos Gómez")
    expect(row.locator(".chat-item__match")).to_contain_text("problema con la factura")
    row.click()
    expect(page.locator("#chat-thread .entry--found")).to_be_in_viewport()
    shoot(page, "chats-search")
    shoot_reports_and_routing(admin, sofia)
    for person in (visitor, sofia, valentin, admin):
        assert person.errors == []
