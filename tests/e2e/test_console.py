"""The console end to end: a real server, real HTTP and WebSocket, Debian's Chromium.

An admin sets up the desk through the screens, a customer writes from the sandbox phone, the
agent of the right area sees it arrive in a console that was already open, answers and closes;
the agent of another area, console open all along, never hears of it; and a console whose socket
the server dropped catches up with what was said meanwhile, without a reload.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.console import Console
from tests.e2e.server import ADMIN_PASSWORD, ADMIN_USERNAME, Server
from tests.flows.samples import area_option, menu_flow

pytestmark = pytest.mark.e2e

AGENT_PASSWORD = "Clave-de-agente-2026"
CLOSING_TEXT = "✅ Chat finalizado por el operador"


# --- What the admin does -----------------------------------------------------------------------


def admin_creates_area(admin: Console, *, name: str, description: str) -> int:
    page = admin.page
    page.goto("/areas/")
    page.get_by_role("link", name="Nueva área").click()
    page.get_by_label("Nombre").fill(name)
    page.get_by_label("Descripción").fill(description)
    page.get_by_role("button", name="Crear área").click()
    expect(page.get_by_role("heading", name=f"Área {name}")).to_be_visible()
    return int(re.search(r"/areas/(\d+)/", page.url).group(1))


def admin_creates_agent(admin: Console, *, username: str, name: str, role: str, area: str) -> None:
    page = admin.page
    page.goto("/users/")
    page.get_by_role("link", name="Nuevo usuario").click()
    page.get_by_label("Usuario", exact=True).fill(username)
    page.get_by_label("Nombre").fill(name)
    page.get_by_label("Contraseña").fill(AGENT_PASSWORD)
    page.get_by_label("Rol").select_option(label=role)
    page.get_by_role("checkbox", name=area).check()
    page.get_by_label("Área por defecto").select_option(label=area)
    page.get_by_role("button", name="Crear usuario").click()
    expect(page).to_have_url(f"{admin.server.url}/users/")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=username, exact=True))
    expect(row).to_contain_text(name)
    expect(row).to_contain_text(area)


def open_flows_screen(page) -> None:
    """Through the top bar, as an admin does: Flujos is in its Configuración menu."""
    navigation = page.get_by_role("navigation", name="Navegación principal")
    navigation.get_by_text("Configuración").click()
    navigation.get_by_role("link", name="Flujos").click()


WELCOME_MENU = "¡Hola! ¿Con qué área querés hablar?"
NODE_DEFAULTS = {  # what /api/flows gives for the node fields a flow leaves out
    "text": "",
    "trigger": "",
    "label": "",
    "area_id": None,
    "field": "",
    "close": False,
    "ask_only_when_unknown": True,
}


def default_flow(*, soporte_id: int, ventas_id: int) -> dict:
    """The default flow as /api/flows takes it: a menu that hands the customer to Soporte or
    Ventas."""
    options = [
        area_option(area, area_id, f"Te comunicamos con {area}.", trigger=area.lower())
        for area, area_id in (("Soporte", soporte_id), ("Ventas", ventas_id))
    ]
    return menu_flow(
        *options,
        text=WELCOME_MENU,
        name="Bienvenida",
        triggers=["hola", "menu"],
        invalid_option_text="No entendí. Elegí una opción del menú.",
    )


def flow_shape(flow: dict) -> dict:
    """A flow as /api/flows takes or gives it, every field present, without what the server
    assigns (ids, node keys, times)."""

    def node(data: dict) -> dict:
        fields = {k: v for k, v in data.items() if k not in ("id", "key", "children")}
        return {**NODE_DEFAULTS, **fields, "children": [node(c) for c in data.get("children", [])]}

    fields = {k: v for k, v in flow.items() if k not in ("id", "created_at", "updated_at")}
    return {"fallback_area_id": None, **fields, "root": node(flow["root"])}


def admin_creates_flow(admin: Console, *, soporte_id: int, ventas_id: int) -> None:
    """The default flow, made on the flows screen and tried in its simulator before saving; it
    comes out exactly as `default_flow` (what `desk_through_the_api` creates)."""
    page = admin.page
    open_flows_screen(page)
    page.get_by_role("link", name="Nuevo flujo").click()
    expect(page.get_by_role("heading", name="Nuevo flujo")).to_be_visible()

    settings = page.get_by_role("region", name="Datos del flujo")
    settings.get_by_label("Nombre", exact=True).fill("Bienvenida")
    settings.get_by_label("Palabras que lo reinician").fill("hola, menu")
    settings.get_by_label("Texto ante una opción inválida").fill(
        "No entendí. Elegí una opción del menú."
    )
    settings.get_by_label("Flujo por defecto").check()
    settings.get_by_label("Activo", exact=True).check()

    # a new type or a new option re-renders the steps: wait for it before typing on
    root = page.get_by_role("group", name=re.compile(r"^Inicio\b"))
    root.get_by_label("Tipo").select_option(label="Menú")
    expect(root).to_have_accessible_name("Inicio · Menú")
    root.get_by_label("Texto", exact=True).fill(WELCOME_MENU)
    for number, area in enumerate(("Soporte", "Ventas"), start=1):
        root.get_by_role("button", name=re.compile("Agregar opción")).click()
        option = page.get_by_role("group", name=re.compile(rf"^Opción {number}\b"))
        expect(option).to_have_accessible_name(f"Opción {number} · Fin")
        option.get_by_label("Tipo").select_option(label="Derivar a un área")
        expect(option).to_have_accessible_name(f"Opción {number} · Derivar a un área")
        option.get_by_label("Título de la opción").fill(area)
        option.get_by_label("Palabras que la eligen").fill(area.lower())
        option.get_by_label("Área", exact=True).select_option(label=area)
        option.get_by_label("Texto", exact=True).fill(f"Te comunicamos con {area}.")

    # the simulator tries the draft as a customer would, nothing saved yet
    simulator = page.get_by_role("complementary", name="Simulador")
    thread = simulator.get_by_role("list", name="Conversación de prueba").get_by_role("listitem")
    typed = simulator.get_by_label("Mensaje del cliente")
    typed.fill("hola")
    typed.press("Enter")
    menu = re.compile(rf"^\s*Bot:\s+{re.escape(WELCOME_MENU)}\s*1\. Soporte\s*2\. Ventas\s*$")
    expect(thread).to_have_text([menu, "Cliente: hola", menu])  # the opening, then "hola"'s
    options = simulator.get_by_role("group", name="Opciones del menú")
    expect(options.get_by_role("button")).to_have_text(["Soporte", "Ventas"])
    options.get_by_role("button", name="Soporte").click()
    expect(thread).to_have_text(
        [
            menu,
            "Cliente: hola",
            menu,
            "Cliente: Soporte",
            "Bot: Te comunicamos con Soporte.",
            "Nota: Pasa al área «Soporte»: la atiende una persona (o espera en la cola).",
        ]
    )

    page.get_by_role("button", name="Crear flujo").click()
    expect(page.get_by_role("heading", name="Flujo «Bienvenida»")).to_be_visible()
    flow_id = int(re.search(r"/flows/(\d+)/", page.url).group(1))
    open_flows_screen(page)
    row = page.get_by_role("row").filter(
        has=page.get_by_role("link", name="Bienvenida", exact=True)
    )
    expect(row.get_by_role("cell").nth(1)).to_have_text("Activo Por defecto")
    assert admin.errors == []
    assert flow_shape(admin.api("GET", f"/api/flows/{flow_id}")) == flow_shape(
        default_flow(soporte_id=soporte_id, ventas_id=ventas_id)
    )


def desk_through_the_api(admin: Console) -> None:
    """Soporte with Sofía, Ventas with Valentín, and the flow, for tests about something else."""
    soporte = admin.api("POST", "/api/areas", {"name": "Soporte"})["id"]
    ventas = admin.api("POST", "/api/areas", {"name": "Ventas"})["id"]
    for username, name, role, area in (
        ("sofia", "Sofía Soporte", "SUPPORT", soporte),
        ("valentin", "Valentín Ventas", "SALES", ventas),
    ):
        admin.api(
            "POST",
            "/api/users",
            {
                "username": username,
                "name": name,
                "password": AGENT_PASSWORD,
                "role": role,
                "area_ids": [area],
                "default_area_id": area,
            },
        )
    admin.api("POST", "/api/flows", default_flow(soporte_id=soporte, ventas_id=ventas))


# --- What the customer does, on the sandbox phone ----------------------------------------------


def open_phone(admin: Console, *, phone: str, name: str):
    """The sandbox phone (Teléfono de prueba) in a tab of its own."""
    page = admin.context.new_page()
    page.goto("/sandbox/")
    page.get_by_label("Tu número").fill(phone)
    page.get_by_label("Tu nombre").fill(name)
    return page


def customer_says(phone_page, text: str) -> None:
    box = phone_page.get_by_label("Mensaje", exact=True)
    box.fill(text)
    box.press("Enter")
    expect(phone_page.locator("#sandbox-thread .msg--mine").last).to_contain_text(text)


def customer_taps(phone_page, option: str) -> None:
    phone_page.locator("#sandbox-thread .menu").last.get_by_role("button", name=option).click()
    expect(phone_page.locator("#sandbox-thread .msg--mine").last).to_contain_text(option)


# --- The tests ---------------------------------------------------------------------------------


def test_agent_answers_live_and_an_agent_of_another_area_never_hears_of_it(serve, console) -> None:
    server: Server = serve()

    # given an admin who sets the desk up through the screens
    admin = console(server)
    admin.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)
    soporte = admin_creates_area(admin, name="Soporte", description="Consultas técnicas")
    ventas = admin_creates_area(admin, name="Ventas", description="Presupuestos y pedidos")
    admin_creates_agent(
        admin, username="sofia", name="Sofía Soporte", role="Soporte", area="Soporte"
    )
    admin_creates_agent(
        admin, username="valentin", name="Valentín Ventas", role="Ventas", area="Ventas"
    )
    admin_creates_flow(admin, soporte_id=soporte, ventas_id=ventas)

    # and both agents with their consoles open on the chat screen before anyone writes
    sofia = console(server)
    sofia.sign_in("sofia", AGENT_PASSWORD)
    valentin = console(server)
    valentin.sign_in("valentin", AGENT_PASSWORD)
    for agent in (sofia, valentin):
        expect(agent.page.get_by_role("heading", name="Chats")).to_be_visible()
        agent.mark_page()

    # when a customer writes from the sandbox phone and picks Soporte in the bot's menu
    maria = open_phone(admin, phone="+54 9 351 555-0101", name="María González")
    customer_says(maria, "Hola, no me anda internet desde ayer")
    expect(maria.locator("#sandbox-thread")).to_contain_text("¿Con qué área querés hablar?")
    customer_taps(maria, "Soporte")
    expect(maria.locator("#sandbox-thread")).to_contain_text("Te comunicamos con Soporte.")

    # then Sofía's open console lists the conversation, and it opens with the message in it
    row = sofia.page.locator(".chat-item", has_text="María González")
    expect(row).to_be_visible()
    conversation = int(row.get_attribute("data-id"))
    row.click()
    thread = sofia.page.locator("#chat-thread")
    expect(thread).to_contain_text("Hola, no me anda internet desde ayer")
    expect(sofia.page.locator("#chat-head")).to_contain_text("María González")

    # when she answers with Enter
    composer = sofia.page.locator("#composer textarea")
    composer.fill("¡Hola María! ¿Probaste reiniciar el módem?")
    composer.press("Enter")

    # then her bubble shows, the phone gets it, and its tick moves on with the status events:
    # sent, then read once the phone (its chat open) shows it
    reply = thread.locator(".entry--out", has_text="¿Probaste reiniciar el módem?")
    expect(reply).to_be_visible()
    expect(composer).to_have_value("")
    expect(maria.locator("#sandbox-thread")).to_contain_text("¿Probaste reiniciar el módem?")
    expect(reply.locator(".tick")).to_have_attribute("aria-label", "Leído")
    expect(reply.locator(".tick")).to_have_class(re.compile(r"\btick--read\b"))
    reply_id = int(reply.get_attribute("id").removeprefix("m-"))

    def statuses() -> list[str]:
        return [
            frame["data"]["status"]
            for frame in sofia.frames
            if frame["event"] in ("message:new", "message:status")
            and frame["data"]["id"] == reply_id
        ]

    sofia.wait_until(lambda: "read" in statuses())
    assert statuses() == ["queued", "sent", "read"]  # delivered and read came in one batch

    # and what the customer writes next lands in the open pane by itself
    customer_says(maria, "Sí, dos veces, y nada")
    expect(thread.locator(".entry--in", has_text="Sí, dos veces, y nada")).to_be_visible()

    # when she opens the close menu, types a reason, and the customer writes meanwhile
    sofia.page.locator("#chat-head summary", has_text="Cerrar").click()
    reason = sofia.page.get_by_label("Motivo (opcional)")
    reason.fill("Se reinició el servicio")
    customer_says(maria, "¿Me escuchan?")
    expect(thread.locator(".entry--in", has_text="¿Me escuchan?")).to_be_visible()

    # then the menu stays open with her reason while the list, the read mark and the header's
    # refresh go by (the header waits for her), and she closes the conversation
    menu = sofia.page.locator("#chat-head details.dropdown", has=reason)
    for _ in range(20):
        expect(menu).to_have_attribute("open", "")
        expect(reason).to_have_value("Se reinició el servicio")
        sofia.page.wait_for_timeout(100)
    sofia.page.get_by_role("button", name="Cerrar conversación").click()

    # then the composer says it is closed (writing would reopen it: she closed it, within the
    # follow-up window) and the customer reads the closing text
    expect(sofia.page.locator("#composer")).to_contain_text(
        "La conversación está cerrada: al escribir, se reabre y queda a tu cargo."
    )
    expect(maria.locator("#sandbox-thread")).to_contain_text(CLOSING_TEXT)

    # when another customer asks for Ventas
    juan = open_phone(admin, phone="+54 9 351 555-0102", name="Juan Pérez")
    customer_says(juan, "Hola, quiero un presupuesto")
    customer_taps(juan, "Ventas")

    # then Valentín's console, open all along, shows Juan's conversation: it was listening ...
    expect(valentin.page.locator(".chat-item", has_text="Juan Pérez")).to_be_visible()
    juans = int(valentin.page.locator(".chat-item", has_text="Juan Pérez").get_attribute("data-id"))
    # ... and it heard nothing of María's, which came and went before Juan's: not a frame, not
    # a row, not a word
    assert valentin.frames_about(juans)
    assert valentin.frames_about(conversation) == []
    expect(valentin.page.locator(f"#conv-{conversation}")).to_have_count(0)
    expect(valentin.page.locator("body")).not_to_contain_text("María")
    expect(valentin.page.locator("body")).not_to_contain_text("internet")
    # nor Sofía of Juan's
    assert sofia.frames_about(juans) == []

    # and nobody's console reloaded or broke on the way
    for person in (sofia, valentin):
        assert person.same_page()
        assert person.sockets == 1
        assert person.errors == []


CUSTOMER_WRITES_MEANWHILE = """
from ventanilla.inbound import sandbox
sandbox.customer_writes(phone={phone!r}, name="", text={text!r}, message_id="e2e-meanwhile")
"""


def test_a_socket_dropped_by_the_server_reconnects_and_shows_what_was_said_meanwhile(
    serve, console
) -> None:
    server: Server = serve()
    admin = console(server)
    admin.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)
    desk_through_the_api(admin)
    sofia = console(server)
    sofia.sign_in("sofia", AGENT_PASSWORD)
    sofia.mark_page()

    # given a conversation Sofía has open
    phone = "+5493515550201"
    written = admin.api(
        "POST", "/api/sandbox/messages", {"from": phone, "name": "Jorge Ruiz", "text": "Hola"}
    )
    admin.api("POST", "/api/sandbox/messages", {"from": phone, "text": "Soporte"})
    row = sofia.page.locator(f"#conv-{written['conversation_id']}")
    expect(row).to_contain_text("Jorge Ruiz")
    row.click()
    thread = sofia.page.locator("#chat-thread")
    expect(thread).to_contain_text("Te comunicamos con Soporte.")
    banner = sofia.page.locator("#chat-banner")
    expect(banner).to_be_hidden()

    # when the server goes away (every socket dropped) and the customer writes while it is down
    server.stop()
    expect(banner).to_be_visible()
    expect(banner).to_have_text(re.compile("Reconectando"))
    server.manage("shell", "-c", CUSTOMER_WRITES_MEANWHILE.format(phone=phone, text="¿Siguen ahí?"))
    server.start()

    # then the console reconnects by itself, catches up from its last event, and shows it
    meanwhile = thread.locator(".entry--in", has_text="¿Siguen ahí?")
    expect(meanwhile).to_be_visible(timeout=30_000)  # reconnection backs off up to 10 s
    expect(banner).to_be_hidden()
    assert sofia.same_page()
    sofia.wait_until(lambda: [f["event"] for f in sofia.frames].count("resume:done") == 2)
    # it came with the replay the console asked for (resume_from), before "resume:done"
    events = [frame["event"] for frame in sofia.frames]
    resumed = len(events) - 1 - events[::-1].index("resume:done")
    said = int(meanwhile.get_attribute("id").removeprefix("m-"))
    new = [
        i
        for i, frame in enumerate(sofia.frames)
        if frame["event"] == "message:new" and frame["data"]["id"] == said
    ]
    assert len(new) == 1
    assert new[0] < resumed
    assert sofia.errors == []


def test_the_dashboard_follows_the_line_live_on_the_shared_socket(serve, console) -> None:
    server: Server = serve()
    admin = console(server)
    admin.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)
    # given an admin watching the Tablero
    admin.page.goto("/dashboard/")
    expect(admin.page.get_by_role("button", name="Pausar bot")).to_be_visible()
    admin.mark_page()
    sockets = admin.sockets
    watcher = console(server)
    watcher.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)

    # when someone else pauses the bot
    watcher.api("POST", "/api/bot/pause", {"paused": True})

    # then the open Tablero shows it without a reload, on one socket, without script errors
    expect(admin.page.get_by_role("button", name="Reanudar bot")).to_be_visible()
    assert admin.same_page()
    assert admin.sockets == sockets  # the Tablero's one socket, never reopened
    assert admin.errors == []
