"""The Flows screen: list, create, edit the tree, invalid input, the simulator, delete, queries.

The editor is driven as a browser would: the test reads the form the page rendered (every input,
textarea and select of #flow-form, as a browser submits them), changes a few values and presses
one of the page's buttons (its name and value are posted along).
"""

import re
from html.parser import HTMLParser

import pytest
from pytest_django.asserts import assertInHTML

from tests.flows.samples import area_option, demo_flow, menu_node
from ventanilla.conversations.models import Conversation, Message
from ventanilla.flows import services
from ventanilla.flows.models import Flow, Node


@pytest.fixture
def demo(soporte, ventas):
    """The demo menu flow (every node type), saved through the service."""
    return services.flow_create(data=demo_flow(soporte.pk, ventas.pk))


# --- Reading and submitting the page's form ------------------------------------------------------


class _FormReader(HTMLParser):
    """The fields of <form id="flow-form"> as a browser would submit them, plus its buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.fields: list[list[str]] = []  # [name, value], in document order
        self.buttons: list[tuple[str, str]] = []
        self.select: str | None = None
        self.select_first: list[str] | None = None
        self.textarea: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "flow-form":
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind == "checkbox":
                if "checked" in attrs:
                    self.fields.append([name, attrs.get("value", "on")])
            elif kind not in ("submit", "button"):
                self.fields.append([name, attrs.get("value") or ""])
        elif tag == "textarea" and name:
            self.textarea = [name, ""]
            self.fields.append(self.textarea)
        elif tag == "select" and name:
            self.select, self.select_first = name, None
        elif tag == "option" and self.select:
            value = attrs.get("value", "")
            if self.select_first is None:
                self.select_first = [self.select, value]
                self.fields.append(self.select_first)
            if "selected" in attrs:
                self.select_first[1] = value
        elif tag == "button" and name and "disabled" not in attrs:
            self.buttons.append((name, attrs.get("value", "")))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            if self.textarea is not None and self.textarea[1].startswith("\n"):
                self.textarea[1] = self.textarea[1][1:]  # the newline after <textarea>
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.inside = False


class Page:
    def __init__(self, client, url, response):
        assert response.status_code in (200, 422), response.status_code
        self.client, self.url, self.response = client, url, response
        self.html = response.content.decode()
        reader = _FormReader()
        reader.feed(self.html)
        self.fields, self.buttons = reader.fields, reader.buttons

    @classmethod
    def open(cls, client, url):
        return cls(client, url, client.get(url))

    def node_keys(self) -> list[str]:
        return [value for name, value in self.fields if name == "nodes"]

    def get(self, name: str) -> str:
        return next(value for field, value in self.fields if field == name)

    def set(self, name: str, value: str) -> "Page":
        matches = [pair for pair in self.fields if pair[0] == name]
        if matches:
            matches[0][1] = value
        else:
            self.fields.append([name, value])  # a checkbox being ticked
        return self

    def untick(self, name: str) -> "Page":
        self.fields = [pair for pair in self.fields if pair[0] != name]
        return self

    def press(self, name: str, value: str, *, htmx: bool = False):
        assert (name, value) in self.buttons, f"no button {name}={value}"
        data: dict[str, list[str]] = {}
        for field, field_value in self.fields:
            data.setdefault(field, []).append(field_value)
        data.setdefault(name, []).append(value)
        extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        return self.client.post(self.url, data, **extra)

    def then(self, name: str, value: str) -> "Page":
        """Presses a button that re-renders the editor, and reads the new page."""
        return Page(self.client, self.url, self.press(name, value))

    def node_html(self, key: str) -> str:
        """The node's own box (without its children)."""
        start = self.html.index(f'id="node-{key}"')
        end = self.html.find("</fieldset>", start)
        return self.html[start:end]


def _key_of(flow: Flow, **fields) -> str:
    return Node.objects.get(flow=flow, **fields).key


def _texts(flow: Flow, parent_key: str) -> list[str]:
    return list(
        Node.objects.filter(flow=flow, parent__key=parent_key).values_list("text", flat=True)
    )


def _thread(html: str) -> list[str]:
    """The simulator's lines as "in: …", "out: …", "note: …"."""
    lines = re.findall(
        r'<li class="sim__line sim__line--(\w+)">.*?<span class="sim__bubble">(.*?)</span>',
        html,
        flags=re.S,
    )
    return [f"{kind}: {text.replace('<br>', ' / ')}" for kind, text in lines]


# --- List ------------------------------------------------------------------------------------


def test_list_shows_flows_with_state_triggers_and_steps(admin_client, demo):
    # given the demo flow (default) and an inactive one
    services.flow_create(
        data={"name": "Fuera de servicio", "is_active": False, "root": {"type": "end"}}
    )
    # when the admin opens the list
    response = admin_client.get("/flows/")
    # then both are listed with their state, triggers and number of steps
    body = response.content.decode()
    assert response.status_code == 200
    assertInHTML(f'<a class="strong" href="/flows/{demo.pk}/">Bienvenida</a>', body)
    assertInHTML('<span class="chip chip--default">Por defecto</span>', body)
    assertInHTML('<span class="chip">hola</span><span class="chip">menú</span>', body)
    assertInHTML('<td class="num">8</td>', body)
    assertInHTML('<span class="state state--off">Inactivo</span>', body)
    assertInHTML('<a href="/flows/" aria-current="page">Flujos</a>', body)
    # and only the flow that is not the default may be deleted from the list
    assert f'href="/flows/{demo.pk}/delete/"' not in body


# --- Create ----------------------------------------------------------------------------------


def test_create_a_flow(admin_client, soporte):
    # given the empty editor
    page = Page.open(admin_client, "/flows/new/")
    root = page.node_keys()[0]
    # when the admin names it, makes its one step an end that greets and closes, and saves
    page.set("name", "  Bienvenida  ").set("triggers", "hola, menú")
    page.set(f"node-{root}-type", "end").set(f"node-{root}-close", "on")
    page.set(f"node-{root}-text", "¡Hola!")
    response = page.press("op", "save")
    # then the flow is stored with its one step and the editor of the new flow opens
    flow = Flow.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/flows/{flow.pk}/"
    assert (flow.name, flow.triggers, flow.is_active, flow.is_default) == (
        "Bienvenida",
        ["hola", "menú"],
        True,
        False,
    )
    assert list(flow.nodes.values_list("type", "text", "close")) == [("end", "¡Hola!", True)]
    assert "Flujo «Bienvenida» guardado." in admin_client.get(response["Location"]).content.decode()


def test_create_with_htmx_redirects_the_browser(admin_client):
    # given the empty editor filled in
    page = Page.open(admin_client, "/flows/new/")
    root = page.node_keys()[0]
    page.set("name", "Corto").set(f"node-{root}-type", "end").set(f"node-{root}-close", "on")
    # when it is saved through htmx
    response = page.press("op", "save", htmx=True)
    # then htmx is told where to go
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/flows/{Flow.objects.get().pk}/"


def test_a_new_flow_with_problems_shows_them_and_writes_nothing(admin_client):
    # given the empty editor
    page = Page.open(admin_client, "/flows/new/")
    root = page.node_keys()[0]
    # when the admin saves it without a name nor a greeting (nor a step after it)
    response = page.press("op", "save")
    # then the problems are shown next to their fields and nothing is stored
    body = response.content.decode()
    assert response.status_code == 422
    assert "No se guardó: hay 3 problemas." in body
    assert re.search(r'id="flow-name".*?Este campo no puede quedar vacío\.', body, flags=re.S)
    node = Page(admin_client, "/flows/new/", response).node_html(root)
    assert "Este campo no puede quedar vacío." in node
    assert Flow.objects.count() == 0


# --- Edit the tree ---------------------------------------------------------------------------


def test_editor_shows_the_tree(admin_client, demo):
    # given the demo flow
    # when the admin opens it
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    # then every node is there in pre-order, with its fields, and the options are numbered
    in_order = [
        {"parent": None},
        {"type": "menu"},
        {"label": "Soporte"},
        {"label": "Ventas"},
        {"text": "Gracias, te atiende Ventas."},
        {"label": "Mi nombre"},
        {"text": "¡Gracias, {name}!"},
        {"label": "Nada más"},
    ]
    assert page.node_keys() == [_key_of(demo, **fields) for fields in in_order]
    soporte_key = _key_of(demo, label="Soporte")
    assert page.get(f"node-{soporte_key}-label") == "Soporte"
    assert page.get(f"node-{soporte_key}-trigger") == "soporte, ayuda técnica"
    assert "Opción 1 «Soporte» · Derivar a un área" in page.node_html(soporte_key)
    assert page.get("name") == "Bienvenida"
    assert page.get("triggers") == "hola, menú"


def test_edit_a_node_keeps_its_key(admin_client, demo):
    # given the demo flow in the editor
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    menu = _key_of(demo, type="menu")
    # when the admin changes the menu's text and saves
    response = page.set(f"node-{menu}-text", "¿Qué necesitás?").press("op", "save")
    # then it is saved on the same node
    assert response.status_code == 302
    assert Node.objects.get(flow=demo, key=menu).text == "¿Qué necesitás?"
    assert Node.objects.filter(flow=demo).count() == 8


def test_add_an_option_then_save(admin_client, demo):
    # given the demo flow in the editor
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    menu = _key_of(demo, type="menu")
    # when the admin adds an option to the menu (nothing is saved yet)
    page = page.then("op", f"add:{menu}")
    new = page.node_keys()[-1]
    assert Node.objects.filter(flow=demo).count() == 8
    assert "Opción 5 · Fin" in page.node_html(new)
    # and fills it in and saves
    page.set(f"node-{new}-label", "Horarios").set(f"node-{new}-text", "De 8 a 18.")
    response = page.press("op", "save")
    # then the menu has a fifth option, last
    assert response.status_code == 302
    assert _texts(demo, menu)[-1] == "De 8 a 18."
    added = Node.objects.get(flow=demo, label="Horarios")
    assert (added.type, added.order) == ("end", 4)


def test_reorder_options(admin_client, demo):
    # given the demo flow in the editor
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    menu, first = _key_of(demo, type="menu"), _key_of(demo, label="Soporte")
    # when the admin moves the first option down, then saves
    page = page.then("op", f"down:{first}")
    assert "Opción 2 «Soporte»" in page.node_html(first)
    response = page.press("op", "save")
    # then Ventas comes first and Soporte second, with their keys
    assert response.status_code == 302
    labels = Node.objects.filter(flow=demo, parent__key=menu).values_list("label", flat=True)
    assert list(labels) == ["Ventas", "Soporte", "Mi nombre", "Nada más"]
    assert Node.objects.get(flow=demo, label="Soporte").key == first


def test_first_option_cannot_go_up(admin_client, demo):
    # given the demo flow in the editor
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    first, last = _key_of(demo, label="Soporte"), _key_of(demo, label="Nada más")
    # then the first option has no "up" and the last no "down"; the root neither
    assert ("op", f"up:{first}") not in page.buttons
    assert ("op", f"down:{first}") in page.buttons
    assert ("op", f"down:{last}") not in page.buttons
    assert ("op", f"delete:{page.node_keys()[0]}") not in page.buttons


def test_delete_an_option_with_its_steps(admin_client, demo):
    # given the demo flow in the editor
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    ventas = _key_of(demo, label="Ventas")
    # when the admin removes the Ventas option (a question and its redirect) and saves
    page = page.then("op", f"delete:{ventas}")
    assert ventas not in page.node_keys()
    response = page.press("op", "save")
    # then both nodes are gone
    assert response.status_code == 302
    assert Node.objects.filter(flow=demo).count() == 6
    assert not Node.objects.filter(flow=demo, key=ventas).exists()


def test_delete_a_step_of_a_sequence_keeps_what_follows(admin_client):
    # given a greeting, then a question, then an end
    flow = services.flow_create(
        data={
            "name": "Corto",
            "root": {
                "type": "message",
                "text": "Hola",
                "children": [
                    {
                        "type": "question",
                        "field": "name",
                        "text": "¿Nombre?",
                        "children": [{"type": "end", "text": "Chau"}],
                    }
                ],
            },
        }
    )
    page = Page.open(admin_client, f"/flows/{flow.pk}/")
    question, end = _key_of(flow, type="question"), _key_of(flow, type="end")
    # when the admin removes the question and saves
    response = page.then("op", f"delete:{question}").press("op", "save")
    # then the end follows the greeting
    assert response.status_code == 302
    assert list(flow.nodes.values_list("type", "parent__type")) == [
        ("message", None),
        ("end", "message"),
    ]
    assert Node.objects.get(flow=flow, type="end").key == end


def test_changing_a_type_shows_its_fields(admin_client, demo):
    # given the demo flow in the editor
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    end = _key_of(demo, label="Nada más")
    # when the admin turns the last option into a redirect (the page re-renders)
    page = page.set(f"node-{end}-type", "redirect").then("op", "refresh")
    # then its area field is shown and the "close" box is hidden
    node = page.node_html(end)
    assert '<div class="node__field node__field--area_id">' in node
    assert '<div class="node__field node__field--close" hidden>' in node


def test_invalid_edit_shows_the_message_next_to_the_node_and_writes_nothing(admin_client, demo):
    # given the demo flow in the editor
    before = list(Node.objects.filter(flow=demo).values_list("key", "text", "label", "area_id"))
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    soporte, ventas = _key_of(demo, label="Soporte"), _key_of(demo, label="Ventas")
    # when the admin empties an option's label and trigger, gives another the same label,
    # removes the redirect's area, and saves
    page.set(f"node-{soporte}-label", "").set(f"node-{soporte}-trigger", "")
    page.set(f"node-{soporte}-area_id", "")
    page.set(f"node-{ventas}-label", "Mi nombre")
    response = page.press("op", "save")
    # then each message is in the box of the node it is about, the typed values are kept
    after = Page(admin_client, page.url, response)
    assert response.status_code == 422
    soporte_box = after.node_html(soporte)
    assert "Una opción de menú necesita una etiqueta o un disparador." in soporte_box
    assert "Una derivación necesita un área." in soporte_box
    third_box = after.node_html(_key_of(demo, label="Mi nombre"))
    assert "La opción 2 ya responde a «mi nombre»." in third_box
    assert after.get(f"node-{ventas}-label") == "Mi nombre"
    assert "node--invalid" in after.html
    # and nothing was written
    assert (
        list(Node.objects.filter(flow=demo).values_list("key", "text", "label", "area_id"))
        == before
    )


def test_menu_without_options_is_shown_on_the_menu(admin_client, soporte):
    # given a flow whose root is an end
    flow = services.flow_create(data={"name": "Corto", "root": {"type": "end", "text": "Hola"}})
    page = Page.open(admin_client, f"/flows/{flow.pk}/")
    root = page.node_keys()[0]
    # when the admin turns it into a menu and saves
    response = page.set(f"node-{root}-type", "menu").press("op", "save")
    # then the menu says it needs an option, and it is still an end
    assert response.status_code == 422
    assert "Un menú necesita al menos una opción." in Page(
        admin_client, page.url, response
    ).node_html(root)
    assert Node.objects.get(flow=flow).type == "end"


def test_finding_14_the_editor_refuses_a_step_after_which_nobody_answers(admin_client):
    # given the empty editor: one greeting, with no step after it
    page = Page.open(admin_client, "/flows/new/")
    root = page.node_keys()[0]
    # when the admin names the flow, writes the greeting and saves
    response = page.set("name", "Corto").set(f"node-{root}-text", "Hola").press("op", "save")
    # then the greeting's box says the customer would be left alone, and nothing is stored
    assert response.status_code == 422
    assert (
        "Después de este paso nadie le responde al cliente: agregá un paso siguiente (un final "
        "que cierre la conversación o una derivación a un área)."
    ) in Page(admin_client, page.url, response).node_html(root)
    assert (Flow.objects.count(), Node.objects.count()) == (0, 0)


def test_finding_14_the_editor_refuses_an_end_that_does_not_close(admin_client, demo):
    # given the demo flow, whose "Nada más" option ends and closes the conversation
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    end = _key_of(demo, label="Nada más")
    # when the admin unticks "close" on it and saves
    response = page.untick(f"node-{end}-close").press("op", "save")
    # then the box says why an end must close, and the stored end still closes
    assert response.status_code == 422
    assert (
        "Un final tiene que cerrar la conversación: si no, el cliente queda sin bot y sin nadie "
        "que lo atienda. Para que siga una persona, usá una derivación a un área."
    ) in Page(admin_client, page.url, response).node_html(end)
    assert Node.objects.get(flow=demo, key=end).close is True


def test_flow_field_problems_land_next_to_the_field(admin_client, demo, soporte, ventas):
    # given another active flow restarted by "ayuda"
    services.flow_create(
        data={"name": "Otro", "triggers": ["ayuda"], "root": {"type": "end", "text": "Chau"}}
    )
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    # when the admin gives the demo flow the same trigger and empties its name
    response = page.set("triggers", "hola, ayuda").set("name", " ").press("op", "save")
    # then both problems are next to their fields, and nothing changed
    body = response.content.decode()
    assert response.status_code == 422
    assert re.search(
        r'id="flow-triggers".*?<ul class="errorlist" id="flow-triggers_error"><li>El disparador '
        r"«ayuda» ya reinicia el flujo «Otro».</li>",
        body,
        re.S,
    )
    assert re.search(r'id="flow-name".*?Este campo no puede quedar vacío\.', body, re.S)
    # and when they make the default flow inactive instead
    page = Page(admin_client, page.url, response).set("triggers", "hola").set("name", "B")
    response = page.untick("is_active").press("op", "save")
    # then that is refused next to the box
    assert response.status_code == 422
    assert re.search(
        r'id="flow-is_active".*?El flujo por defecto tiene que estar activo\.',
        response.content.decode(),
        re.S,
    )
    demo.refresh_from_db()
    assert (demo.name, demo.triggers, demo.is_active) == ("Bienvenida", ["hola", "menú"], True)


def test_a_save_over_someone_elses_asks_again(admin_client, demo, soporte, ventas):
    # given the editor open, then someone else saves the flow
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    services.flow_replace(flow=demo, data={**demo_flow(soporte.pk, ventas.pk), "name": "Suya"})
    # when the admin saves their change
    page.set("name", "Mía")
    first = page.press("op", "save")
    # then the editor warns and keeps theirs; a second save goes through
    assert first.status_code == 422
    assert "Alguien guardó este flujo mientras lo editabas." in first.content.decode()
    demo.refresh_from_db()
    assert demo.name == "Suya"
    second = Page(admin_client, page.url, first).press("op", "save")
    assert second.status_code == 302
    demo.refresh_from_db()
    assert demo.name == "Mía"


def test_a_tampered_tree_is_refused(admin_client, demo):
    # given the editor
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    menu = _key_of(demo, type="menu")
    # when the posted tree names a parent that is not in it
    page.set(f"node-{menu}-parent", "f" * 32)
    response = page.press("op", "save")
    # then the request is refused and nothing changes
    assert response.status_code == 400
    assert Node.objects.get(flow=demo, key=menu).parent.parent_id is None


def test_unknown_flow_is_404(admin_client):
    assert admin_client.get("/flows/999/").status_code == 404


# --- Simulator -------------------------------------------------------------------------------


def test_simulator_opens_with_the_greeting_and_menu(admin_client, demo):
    # given the demo flow
    # when the admin opens it
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    # then the simulator shows the opening and the menu's options as buttons
    assert _thread(page.html) == [
        "out: ¡Hola! Soy el asistente de Ventanilla.",
        "out: ¿En qué te ayudamos? /  / 1. Soporte / 2. Ventas / 3. Mi nombre / 4. Nada más",
    ]
    assert ("sim_pick", "Soporte") in page.buttons
    menu = _key_of(demo, type="menu")
    assert "El simulador espera acá" in page.node_html(menu)


def test_simulator_walks_a_menu_to_a_hand_off(admin_client, demo):
    # given the demo flow in the editor, the customer called Ana
    page = Page.open(admin_client, f"/flows/{demo.pk}/").set("sim_name", "Ana")
    # when the customer types a wrong answer, then "2", then a DNI
    page = page.set("sim_text", "nada").then("op", "sim-send")
    page = page.set("sim_text", "2").then("op", "sim-send")
    page = page.set("sim_text", "12.345.678").then("op", "sim-send")
    # then the simulator shows every reply, the stored DNI and the hand-off to Ventas
    assert _thread(page.html) == [
        "out: ¡Hola Ana! Soy el asistente de Ventanilla.",
        "out: ¿En qué te ayudamos? /  / 1. Soporte / 2. Ventas / 3. Mi nombre / 4. Nada más",
        "in: nada",
        "out: Opción inválida. Respondé con el número de una opción.",
        "out: ¿En qué te ayudamos? /  / 1. Soporte / 2. Ventas / 3. Mi nombre / 4. Nada más",
        "in: 2",
        "out: ¿Cuál es tu DNI?",
        "in: 12.345.678",
        "note: Se guarda el DNI del contacto: 12345678.",
        "out: Gracias, te atiende Ventas.",
        "note: Pasa al área «Ventas»: la atiende una persona (o espera en la cola).",
    ]
    assert "El bot terminó." in page.html
    # and nothing was stored or sent: no conversation, no message, the flow unchanged
    assert Conversation.objects.count() == 0
    assert Message.objects.count() == 0
    assert Node.objects.filter(flow=demo).count() == 8


def test_simulator_option_buttons_and_restart(admin_client, demo):
    # given the demo flow in the editor
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    # when the customer taps "Soporte"
    page = page.then("sim_pick", "Soporte")
    # then they are handed to Soporte
    assert _thread(page.html)[-3:] == [
        "in: Soporte",
        "out: Te paso con Soporte.",
        "note: Pasa al área «Soporte»: la atiende una persona (o espera en la cola).",
    ]
    # and after a restart the conversation starts over
    page = page.then("op", "sim-restart")
    assert len(_thread(page.html)) == 2


def test_enter_in_the_simulator_sends(admin_client, demo):
    # given the demo flow in the editor and "4" typed in the simulator
    page = Page.open(admin_client, f"/flows/{demo.pk}/").set("sim_text", "4")
    # when Enter submits the form (its first button)
    page = page.then("op", "enter")
    # then the message is sent, the flow ends and closes
    assert _thread(page.html)[-3:] == [
        "in: 4",
        "out: ¡Hasta luego!",
        "note: Fin del flujo: el bot deja de responder y cierra la conversación.",
    ]
    assert page.get("sim_text") == ""


def test_simulator_tries_unsaved_changes(admin_client, demo):
    # given the demo flow in the editor
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    root = page.node_keys()[0]
    # when the admin edits the greeting without saving, and the customer writes
    page = page.set(f"node-{root}-text", "¡Buenas!").set("sim_text", "hola").then("op", "sim-send")
    # then the simulator uses the new greeting, and the flow is unchanged
    assert _thread(page.html)[0] == "out: ¡Buenas!"
    assert (
        Node.objects.get(flow=demo, key=root).text
        == "¡Hola {name}! Soy el asistente de Ventanilla."
    )


def test_simulator_refuses_an_empty_message(admin_client, demo):
    # given the demo flow in the editor
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    # when "Enviar" is pressed with nothing typed
    response = page.press("op", "sim-send")
    # then the field says so
    assert response.status_code == 422
    assert re.search(r'id="sim_text".*?Escribí un mensaje\.', response.content.decode(), re.S)


def test_htmx_answers_the_form_alone(admin_client, demo):
    # given the demo flow in the editor
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    # when a button is pressed through htmx
    response = page.set("sim_text", "1").press("op", "sim-send", htmx=True)
    # then the answer is the form only, to swap in place
    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith('<form id="flow-form"')
    assert "<html" not in body


# --- Delete a flow -----------------------------------------------------------------------------


def test_delete_asks_then_deletes(admin_client, demo):
    # given a second flow
    other = services.flow_create(data={"name": "Otro", "root": {"type": "end", "text": "Chau"}})
    # when the admin opens the confirmation, then confirms
    confirm = admin_client.get(f"/flows/{other.pk}/delete/")
    response = admin_client.post(f"/flows/{other.pk}/delete/")
    # then it is gone
    assert confirm.status_code == 200
    assert "¿Borrar el flujo «Otro» y su paso?" in confirm.content.decode()
    assert response.status_code == 302
    assert response["Location"] == "/flows/"
    assert list(Flow.objects.values_list("pk", flat=True)) == [demo.pk]


def test_the_default_flow_cannot_be_deleted(admin_client, demo):
    # given the default flow
    # when the admin tries to delete it anyway
    confirm = admin_client.get(f"/flows/{demo.pk}/delete/")
    response = admin_client.post(f"/flows/{demo.pk}/delete/")
    # then the page explains why and the flow stays
    assert "es el flujo por defecto y no se puede borrar" in confirm.content.decode()
    assert response.status_code == 409
    assert Flow.objects.filter(pk=demo.pk).exists()


# --- Queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 10])
def test_list_query_count_does_not_grow(admin_client, django_assert_max_num_queries, count):
    # given flows of a few nodes each
    for index in range(count):
        services.flow_create(
            data={
                "name": f"Flujo {index}",
                "root": {"type": "message", "text": "Hola", "children": [{"type": "end"}]},
            }
        )
    admin_client.get("/flows/")  # warm the session
    # when the list is shown
    # then it takes the same number of queries for 2 and 10 flows
    with django_assert_max_num_queries(4):
        response = admin_client.get("/flows/")
    assert response.status_code == 200


@pytest.mark.parametrize("options", [2, 30])
def test_editor_query_count_does_not_grow(
    admin_client, soporte, django_assert_max_num_queries, options
):
    # given a menu flow with a few or many options
    choices = [area_option(f"Opción {n}", soporte.pk) for n in range(options)]
    flow = services.flow_create(data={"name": "Grande", "root": menu_node(*choices, text="¿?")})
    admin_client.get(f"/flows/{flow.pk}/")  # warm the session
    # when the editor is opened and a simulator turn is taken
    with django_assert_max_num_queries(5):
        page = Page.open(admin_client, f"/flows/{flow.pk}/")
    with django_assert_max_num_queries(5):
        response = page.set("sim_text", "1").press("op", "sim-send")
    # then both take the same few queries, whatever the size
    assert response.status_code == 200


def test_a_question_asks_only_when_unknown_unless_unticked(admin_client, demo):
    # given the demo flow's DNI question in the editor, ticked by default
    page = Page.open(admin_client, f"/flows/{demo.pk}/")
    question = _key_of(demo, type="question", field="dni")
    box = page.node_html(question)
    assert "Preguntar solo si no lo sabemos" in box
    assert page.get(f"node-{question}-ask_only_when_unknown") == "on"
    # when the admin unticks it and saves, then the question asks every time
    response = page.untick(f"node-{question}-ask_only_when_unknown").press("op", "save")
    assert response.status_code == 302
    assert Node.objects.get(flow=demo, key=question).ask_only_when_unknown is False
    # and a message node keeps the default (it is not a question's setting)
    greeting = Node.objects.get(flow=demo, parent__isnull=True)
    assert greeting.ask_only_when_unknown is True
