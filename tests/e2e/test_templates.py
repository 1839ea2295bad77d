"""Browser tests of writing to a customer outside the 24-hour window and of writing first: a Cloud
API conversation whose window closed offers only templates (pre-filled, previewed) and sends one
through the fake Graph API; a supervisor starts a conversation from a contact's page."""

import json
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.server import ADMIN_PASSWORD, ADMIN_USERNAME, Server
from tests.fakes.cloud_api import (
    CLOUD_APP_SECRET,
    DEFAULT_PHONE_NUMBER_ID,
    DEFAULT_WABA_ID,
    FakeCloudApi,
    sign,
)
from tests.inbound.cloud_posts import cloud_webhook

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PASSWORD = "Kiosco-Azul-e2e-2026"
SEGUIMIENTO = "Hola {{1}}, tu pedido {{2}} está listo para retirar en la sucursal."


@pytest.fixture
def fake_graph(monkeypatch):
    with FakeCloudApi() as fake:
        monkeypatch.setenv("WHATSAPP_CLOUD_API_URL", fake.url)  # the served desk's Graph API
        yield fake


def _cloud_line(admin) -> int:
    line = admin.api(
        "POST",
        "/api/lines",
        {
            "provider": "cloud",
            "display_name": "Cloud API",
            "cloud_phone_number_id": DEFAULT_PHONE_NUMBER_ID,
            "cloud_access_token": "fake-cloud-api-token",
            "cloud_app_secret": CLOUD_APP_SECRET,
            "cloud_waba_id": DEFAULT_WABA_ID,
        },
    )
    assert admin.api("POST", f"/api/lines/{line['id']}/templates/sync") == {"templates": 2}
    return line["id"]


def _customer_writes_on_cloud(server: Server, text: str) -> None:
    body = cloud_webhook({"id": "wamid.E2E1", "type": "text", "text": {"body": text}})
    raw = json.dumps(body).encode()
    answer = httpx.post(
        f"{server.url}/webhooks/whatsapp/cloud",
        content=raw,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(raw, CLOUD_APP_SECRET),
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def _window_closed_yesterday(server: Server, conversation_id: int) -> None:
    """The customer wrote 26 hours ago (the desk's clock cannot be moved, its data can)."""
    server.manage(
        "shell",
        "-c",
        "from datetime import timedelta; from ventanilla.core import clock; "
        "from ventanilla.conversations.models import Conversation; "
        f"Conversation.objects.filter(pk={conversation_id})"
        ".update(last_inbound_at=clock.now() - timedelta(hours=26))",
    )


def _ana_wrote_yesterday(serve, console, fake_graph, *, closed: bool = False):
    """The admin's console and Ana's conversation on a Cloud API line with two templates: she
    wrote more than 24 hours ago (`closed`: and the conversation was closed since)."""
    fake_graph.add_template("seguimiento", SEGUIMIENTO)
    fake_graph.add_template("bienvenida", "¡Hola! Gracias por escribirnos.", language="es")
    server: Server = serve()
    admin = console(server)
    admin.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)
    _cloud_line(admin)
    _customer_writes_on_cloud(server, "Hola, ¿ya llegó mi pedido?")
    [item] = admin.api("GET", "/api/conversations")["items"]
    if closed:
        admin.api("POST", f"/api/conversations/{item['id']}/close", {"message": ""})
    _window_closed_yesterday(server, item["id"])
    return admin, item


def test_a_closed_window_offers_only_templates_and_sends_one(serve, console, fake_graph):
    # given Ana, who wrote on the Cloud API line more than 24 hours ago
    admin, item = _ana_wrote_yesterday(serve, console, fake_graph)

    # when the admin opens her conversation
    page = admin.page
    page.goto(f"/chats/{item['id']}/")
    expect(page.locator("#chat-thread")).to_contain_text("Hola, ¿ya llegó mi pedido?")

    # then the composer says the window closed and since when, free text is not offered, and
    # the template picker is open with {{1}} already Ana's name and the preview showing it
    expect(page.locator("#composer")).to_contain_text("La ventana de 24 h cerró el")
    expect(page.locator("#composer")).to_contain_text("hace 2")
    expect(page.locator("#composer textarea")).to_have_count(0)
    picker = page.locator("#composer-templates")
    expect(picker.locator("details")).to_have_attribute("open", "")
    choose = picker.get_by_label("Plantilla", exact=True)
    expect(choose.locator("option")).to_have_count(2)
    choose.select_option(label="seguimiento · es_AR")
    expect(picker.get_by_label("{{1}}")).to_have_value("Ana")
    preview = picker.locator("[data-template-preview]")
    expect(preview).to_have_text(
        "Hola Ana, tu pedido {{2}} está listo para retirar en la sucursal."
    )

    # when she fills {{2}}: the preview follows as she types
    picker.get_by_label("{{2}}").fill("A-1234")
    expect(preview).to_have_text(
        "Hola Ana, tu pedido A-1234 está listo para retirar en la sucursal."
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#pane").screenshot(path=str(SHOTS / "composer-templates.png"))

    # and sends it: the thread shows what Ana reads, and the Graph API got the template
    picker.get_by_role("button", name="Enviar plantilla").click()
    bubble = page.locator("#chat-thread .entry--out").last
    expect(bubble).to_contain_text("Hola Ana, tu pedido A-1234 está listo para retirar")
    admin.wait_until(lambda: len(fake_graph.sent_messages()) == 1)
    [sent] = fake_graph.sent_messages()
    assert sent["type"] == "template"
    assert sent["template"] == {
        "name": "seguimiento",
        "language": {"code": "es_AR"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "A-1234"}],
            }
        ],
    }
    expect(page.locator("#composer textarea")).to_have_count(0)  # still templates only
    assert admin.errors == []


def test_a_closed_conversation_past_the_window_is_followed_up_with_a_template(
    serve, console, fake_graph
):
    # given Ana's Cloud API conversation, closed, her last message 26 hours ago
    admin, item = _ana_wrote_yesterday(serve, console, fake_graph, closed=True)

    # when the admin opens it: free text is not offered, the template picker is, open
    page = admin.page
    page.goto(f"/chats/{item['id']}/")
    composer = page.locator("#composer")
    expect(composer).to_contain_text("para escribirle hace falta una plantilla")
    expect(composer.locator("textarea")).to_have_count(0)
    picker = page.locator("#composer-templates")
    expect(picker.locator("details")).to_have_attribute("open", "")
    picker.get_by_label("Plantilla", exact=True).select_option(label="seguimiento · es_AR")
    expect(picker.get_by_label("{{1}}")).to_have_value("Ana")
    picker.get_by_label("{{2}}").fill("A-77")

    # and sends it: the conversation reopens with the template in it, and Graph got it
    picker.get_by_role("button", name="Enviar plantilla").click()
    expect(page.locator("#chat-thread .entry--out").last).to_contain_text(
        "Hola Ana, tu pedido A-77 está listo para retirar"
    )
    expect(page.locator("#chat-head")).to_have_attribute("data-state", re.compile(r"^active\|"))
    expect(composer).to_contain_text("La ventana de 24 h cerró el")  # open, still templates only
    expect(composer.get_by_role("button", name="Reabrir")).to_have_count(0)
    admin.wait_until(lambda: len(fake_graph.sent_messages()) == 1)
    [sent] = fake_graph.sent_messages()
    assert (sent["type"], sent["template"]["name"]) == ("template", "seguimiento")
    assert admin.api("GET", f"/api/conversations/{item['id']}")["status"] == "active"
    assert admin.errors == []


def test_a_supervisor_starts_a_chat_from_a_contacts_page(serve, console):
    server: Server = serve()
    admin = console(server)
    admin.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)
    soporte = admin.api("POST", "/api/areas", {"name": "Soporte"})
    admin.api(
        "POST",
        "/api/users",
        {
            "username": "marta",
            "password": PASSWORD,
            "role": "SUPERVISOR",
            "name": "Marta Supervisora",
            "area_ids": [soporte["id"]],
        },
    )
    # given a customer of the sandbox line whose earlier conversation was closed
    written = admin.api(
        "POST", "/api/sandbox/messages", {"from": "+5493515550177", "name": "Lucas", "text": "hola"}
    )
    admin.api("POST", f"/api/conversations/{written['conversation_id']}/close", {"message": ""})
    contact_id = admin.api("GET", f"/api/conversations/{written['conversation_id']}")["contact"][
        "id"
    ]

    # when the supervisor opens Lucas's page and writes to him
    marta = console(server)
    page = marta.sign_in("marta", PASSWORD)
    page.goto(f"/contacts/{contact_id}/")
    page.get_by_role("link", name="Escribir").click()
    expect(page.get_by_role("heading", name="Nuevo chat")).to_be_visible()
    expect(page.locator("#start-contact")).to_contain_text("Lucas")
    # the sandbox line takes free text: no template is asked for
    expect(page.locator("[data-way=template]")).to_be_hidden()
    page.get_by_label("Área").select_option(label="Soporte")
    page.get_by_label("Mensaje").fill("Hola Lucas, te escribimos por tu consulta de ayer.")
    page.get_by_role("button", name="Iniciar conversación").click()

    # then the new conversation opens, hers, with the message in it, and Lucas's phone has it
    expect(page.locator("#chat-thread")).to_contain_text("te escribimos por tu consulta de ayer")
    expect(page.locator("#chat-head")).to_contain_text("Lucas")
    conversations = marta.api("GET", "/api/conversations?status=active")["items"]
    [started] = [c for c in conversations if c["contact"]["id"] == contact_id]
    assert started["assigned_to"]["name"] == "Marta Supervisora"
    phone = admin.api("GET", "/api/sandbox/messages?phone=%2B5493515550177")
    assert "te escribimos por tu consulta de ayer" in json.dumps(phone, ensure_ascii=False)
    assert marta.errors == []
