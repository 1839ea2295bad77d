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
from tests.e2e.server import ADMIN_PASSWORD, ADMIN_USERNAME, Server

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


def shoot(page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", animations="disabled", caret="hide")


def screen_of(path: str) -> str:
    """`/` is chats; any other screen is named by the first part of its path."""
    return path.strip("/").split("/")[0] or "chats"


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

    assert shot >= EXPECTED_SCREENS
    assert len(shot) == len(screens) + 1  # no two links share a name

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
    for person in (visitor, sofia, valentin, admin):
        assert person.errors == []
