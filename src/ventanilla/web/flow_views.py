"""The Flows screen (ADMIN and SUPERVISOR): the list, the tree editor and its simulator.

The editor is one form holding the whole draft (see flow_forms.py). Its buttons say what to do
with it: add a node under another, move one up or down among its siblings, delete one, try the
draft in the simulator, or save it. Only "save" writes, through flows.services.flow_create or
flow_replace, so the checks are the API's and their messages land next to the node and field they
name. The simulator runs flows.engine over the draft in memory: nothing is sent and no conversation
is created; the answers typed so far travel back as hidden fields and are replayed on each turn.
With htmx every button swaps the form in place; without it the page posts and re-renders.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from ventanilla.accounts import selectors as account_selectors
from ventanilla.core.errors import Conflict, InvalidInput
from ventanilla.flows import engine, selectors, services
from ventanilla.flows.models import Flow, NodeType
from ventanilla.flows.permissions import EDIT_FLOWS
from ventanilla.web.access import requires
from ventanilla.web.flow_forms import (
    SIM_MAX_INPUTS,
    BadDraft,
    Draft,
    SimulatorForm,
    version_of,
)
from ventanilla.web.views import _found, _keyset_page

SECTION = "flows"


def _areas() -> list:
    return list(account_selectors.area_list())


# --- List ------------------------------------------------------------------------------------


@requires(EDIT_FLOWS)
@require_GET
def flow_list(request):
    flows, next_cursor = _keyset_page(
        selectors.flow_list(), ("name", "id"), request.GET.get("cursor")
    )
    context = {
        "section": SECTION,
        "rows": [{"flow": flow, "steps": len(flow.nodes.all())} for flow in flows],
        "next_cursor": next_cursor,
        "paged": bool(request.GET.get("cursor")),
    }
    return render(request, "web/flows/list.html", context)


# --- The simulator ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SimLine:
    kind: str  # "in" (the customer), "out" (the bot), "note" (what the desk would do)
    text: str


@dataclass
class Simulation:
    inputs: list[str]
    lines: list[SimLine]
    options: list[str]  # the titles of the menu the bot waits on, as reply buttons
    waiting_key: str  # the node the bot waits on, "" when it does not
    state: str


def _simulate(draft: Draft, inputs: list[str], name: str) -> Simulation:
    tree, by_id = draft.tree()
    fields = {"name": name.strip()} if name.strip() else {}
    turns = engine.simulate(tree, inputs, contact_fields=fields)
    areas = {area.pk: area.name for area in draft.areas}
    lines: list[SimLine] = []
    for turn in turns:
        if turn.input is not None:
            lines.append(SimLine("in", turn.input))
        if not turn.result.actions and not turn.result.bot_active:
            lines.append(SimLine("note", _("El bot no responde: la conversación ya no es suya.")))
        lines.extend(_action_line(action, areas) for action in turn.result.actions)
    last = turns[-1].result
    waiting = by_id.get(last.state.node_id) if last.bot_active else None
    options: list[str] = []
    if waiting is not None and waiting.type == NodeType.MENU:
        menus = [a for a in last.actions if a.kind == engine.SEND_MENU]
        options = [title for _key, title in menus[-1].options] if menus else []
    if waiting is None:
        state = _("El bot terminó. Escribí una palabra que reinicie el flujo o tocá «Reiniciar».")
    elif waiting.type == NodeType.MENU:
        state = _("El bot espera que el cliente elija una opción.")
    else:
        state = _("El bot espera una respuesta.")
    if last.state.misses:
        state += " " + _("Respuestas inválidas seguidas: %(count)s de %(limit)s.") % {
            "count": last.state.misses,
            "limit": engine.MISS_LIMIT,
        }
    waiting_key = waiting.key if waiting is not None else ""
    return Simulation(inputs, lines, options, waiting_key, state)


def _action_line(action: engine.Action, areas: dict[int, str]) -> SimLine:
    if action.kind in (engine.SEND_TEXT, engine.SEND_MENU):
        return SimLine("out", action.text)
    if action.kind == engine.STORE_FIELD:
        if action.field == "dni":
            text = _("Se guarda el DNI del contacto: %(value)s.")
        else:
            text = _("Se guarda el nombre del contacto: %(value)s.")
        return SimLine("note", text % {"value": action.value})
    if action.kind == engine.REDIRECT:
        area = areas.get(action.area_id, f"#{action.area_id}")
        text = _("Pasa al área «%(area)s»: la atiende una persona (o espera en la cola).")
        return SimLine("note", text % {"area": area})
    return SimLine("note", _("Fin del flujo: el bot deja de responder y cierra la conversación."))


# --- The editor ------------------------------------------------------------------------------


def _render(request, flow: Flow | None, draft: Draft, sim_form, inputs, *, status=200):
    context = {
        "section": SECTION,
        "flow": flow,
        "draft": draft,
        "sim_form": sim_form,
        "sim": _simulate(draft, inputs, sim_form["sim_name"].value() or ""),
        "action": reverse("flow_edit", args=[flow.pk]) if flow else reverse("flow_create"),
    }
    template = "web/flows/_editor.html" if request.htmx else "web/flows/editor.html"
    return render(request, template, context, status=status)


def _save(request, flow: Flow | None, draft: Draft, data) -> Flow | None:
    """The flow saved, or None with the problems on the draft."""
    if flow is not None and data.get("version") != version_of(flow):
        draft.errors.append(
            _(
                "Alguien guardó este flujo mientras lo editabas. Guardá de nuevo para reemplazar "
                "sus cambios por los tuyos, o descartá los tuyos para ver los suyos."
            )
        )
        data["version"] = version_of(flow)  # the next save is on purpose
        return None
    try:
        if flow is None:
            return services.flow_create(data=draft.service_data())
        return services.flow_replace(flow=flow, data=draft.service_data())
    except InvalidInput as error:
        draft.add_service_errors(error)
    except Conflict as error:
        draft.errors.append(error.detail)
    return None


def _editor(request, flow: Flow | None):
    areas = _areas()
    if request.method == "GET":
        if flow is None:
            draft = Draft.new(areas=areas)
        else:
            draft = Draft.from_flow(flow, selectors.node_tree(flow), areas=areas)
        return _render(request, flow, draft, SimulatorForm(), [])

    data = request.POST.copy()
    try:
        draft = Draft.from_post(data, areas=areas)
    except BadDraft:
        return HttpResponseBadRequest(_("El formulario llegó incompleto. Recargá la página."))
    sim_form = SimulatorForm(data)
    inputs = data.getlist("sim_input")[:SIM_MAX_INPUTS]
    op, _colon, key = data.get("op", "").partition(":")
    typed = sim_form["sim_text"].value() or ""
    if "sim_pick" in data:
        op, typed = "sim-send", data["sim_pick"]
    elif op == "enter":  # Enter in a one-line field: send what the customer typed, if anything
        op = "sim-send" if typed.strip() else "refresh"

    if op == "save":
        saved = _save(request, flow, draft, data)
        if saved is not None:
            messages.success(request, _("Flujo «%(name)s» guardado.") % {"name": saved.name})
            url = reverse("flow_edit", args=[saved.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        return _render(request, flow, draft, sim_form, inputs, status=422)
    if op == "sim-send":
        if not typed.strip():
            sim_form.add_error("sim_text", _("Escribí un mensaje."))
            return _render(request, flow, draft, sim_form, inputs, status=422)
        if len(inputs) >= SIM_MAX_INPUTS or len(typed) > sim_form.fields["sim_text"].max_length:
            sim_form.add_error("sim_text", _("La prueba llegó a su límite: reiniciala."))
            return _render(request, flow, draft, sim_form, inputs, status=422)
        inputs.append(typed)
        sim_form = SimulatorForm(initial={"sim_name": sim_form["sim_name"].value()})
    elif op == "sim-restart":
        inputs = []
    elif op == "add":
        draft.add_child(key)
    elif op in ("up", "down"):
        draft.move(key, -1 if op == "up" else 1)
    elif op == "delete":
        draft.delete(key)
    return _render(request, flow, draft, sim_form, inputs)


@requires(EDIT_FLOWS)
@require_http_methods(["GET", "POST"])
def flow_create(request):
    return _editor(request, None)


@requires(EDIT_FLOWS)
@require_http_methods(["GET", "POST"])
def flow_edit(request, flow_id: int):
    return _editor(request, _found(selectors.flow_get, flow_id=flow_id))


@requires(EDIT_FLOWS)
@require_http_methods(["GET", "POST"])
def flow_delete(request, flow_id: int):
    """GET asks for confirmation; POST deletes. The default flow stays (409)."""
    flow = _found(selectors.flow_get, flow_id=flow_id)
    status = 200
    if request.method == "POST":
        try:
            services.flow_delete(flow=flow)
        except Conflict:
            status = 409
        else:
            messages.success(request, _("Flujo «%(name)s» borrado.") % {"name": flow.name})
            return redirect("flows")
    context = {"section": SECTION, "flow": flow, "steps": len(flow.nodes.all())}
    return render(request, "web/flows/delete.html", context, status=status)
