"""A holiday set up through the Working hours screen: the customer who reaches an area that day
gets the day's own text and waits in the queue (docs/routing.md#closed-days)."""

from datetime import UTC, datetime

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.server import ADMIN_PASSWORD, ADMIN_USERNAME, Server
from tests.e2e.test_console import desk_through_the_api
from tests.e2e.test_desk_tools import customer_reaches_soporte
from tests.e2e.test_screenshots import shoot
from ventanilla.schedules.hours import wall_clock

pytestmark = pytest.mark.e2e

HOLIDAY_TEXT = "Hoy es feriado: te respondemos mañana a primera hora."


def test_an_admin_closes_today_and_the_customer_gets_the_days_text(serve, console) -> None:
    server: Server = serve()
    admin = console(server)
    page = admin.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)
    desk_through_the_api(admin)
    today = wall_clock(datetime.now(UTC), settings.TIME_ZONE).date()

    page.goto("/hours/")
    page.get_by_role("link", name="Agregar día sin atención").click()
    page.get_by_label("Fecha").fill(today.isoformat())
    page.get_by_label("Área").select_option(label="Todas las áreas")
    page.get_by_label("Motivo").fill("Feriado nacional")
    page.get_by_label("Texto de cortesía").fill(HOLIDAY_TEXT)
    page.get_by_role("button", name="Agregar día sin atención").click()

    row = page.locator("#closed-days tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Feriado nacional")
    expect(row).to_contain_text("Todas las áreas")
    expect(row).to_contain_text(HOLIDAY_TEXT)
    shoot(page, "hours-closed-days")

    conversation_id = customer_reaches_soporte(admin, "+5493515550777", "Rocío Díaz")

    conversation = admin.api("GET", f"/api/conversations/{conversation_id}")
    assert conversation["status"] == "queued"
    messages = admin.api("GET", f"/api/conversations/{conversation_id}/messages")["items"]
    assert HOLIDAY_TEXT in [message["text"] for message in messages]
    assert admin.errors == []
