"""The top bar on a laptop: an admin's every screen within reach, and "Salir" on screen.

The setup screens (labels, areas, flows, hours, settings) live in the bar's "Configuración"
menu; the daily ones stay on the bar.
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.console import SCREEN
from tests.e2e.server import ADMIN_PASSWORD, ADMIN_USERNAME, Server
from ventanilla.runtime.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

SETUP_SCREENS = ["Etiquetas", "Áreas", "Flujos", "Horarios", "Ajustes"]


def test_an_admin_on_a_laptop_reaches_every_screen_and_signs_out(serve, console) -> None:
    server: Server = serve()
    admin = console(server)
    page = admin.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)

    # the whole bar fits the screen's width: nothing runs off its right edge
    leave = page.get_by_role("button", name="Salir")
    expect(leave).to_be_visible()
    box = leave.bounding_box()
    assert box is not None and box["x"] + box["width"] <= SCREEN["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN["width"]

    # the setup screens are one click away, and the menu says where one is
    menu = page.locator(".navmenu summary")
    for name in SETUP_SCREENS:
        expect(page.get_by_role("link", name=name, exact=True)).to_be_hidden()
        menu.click()
        page.get_by_role("link", name=name, exact=True).click()
        expect(page.locator(".navmenu summary.is-current")).to_have_text("Configuración")
        expect(page.locator('.navmenu a[aria-current="page"]')).to_have_text(name)

    # a click elsewhere and Escape close it, as a menu does
    menu.click()
    expect(page.get_by_role("link", name="Áreas", exact=True)).to_be_visible()
    page.locator("main").click(position={"x": 5, "y": 5})
    expect(page.get_by_role("link", name="Áreas", exact=True)).to_be_hidden()
    menu.click()
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Áreas", exact=True)).to_be_hidden()
    expect(menu).to_be_focused()

    # the daily screens are not in it
    page.get_by_role("link", name="Chats", exact=True).click()
    expect(page.locator(".navmenu summary.is-current")).to_have_count(0)
    assert admin.errors == []


def test_an_agent_has_no_setup_menu(serve, console) -> None:
    server: Server = serve(demo=True)
    agent = console(server)
    page = agent.sign_in("sofia", DEMO_PASSWORD)
    expect(page.get_by_role("link", name="Respuestas rápidas")).to_be_visible()
    expect(page.locator(".navmenu")).to_have_count(0)
