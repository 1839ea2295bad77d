"""Writes for flows. A flow and its whole node tree are validated first, then saved in one go.

The tree comes nested, as in the API: {type, text, trigger, label, area_id, field, close, children}.
A node that carries the `key` of one of the flow's nodes keeps that node's id (conversations waiting
there stay put); nodes without a surviving key are created, nodes left out are deleted.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ventanilla.accounts.models import Area
from ventanilla.core import audit
from ventanilla.core.errors import (
    Conflict,
    unknown_area_text,
)
from ventanilla.core.fields import MAX_ID, FieldErrors, checked_text
from ventanilla.flows import selectors
from ventanilla.flows.matching import alternatives, match_keys, normalise
from ventanilla.flows.models import (
    DEFAULT_INVALID_OPTION_TEXT,
    ContactField,
    Flow,
    Node,
    NodeType,
    new_node_key,
)

MAX_NODES = 200
MAX_DEPTH = 20
NAME_MAX = 80
TEXT_MAX = 4096  # a WhatsApp text message
MENU_TEXT_MAX = 1024  # the body of an interactive message
TRIGGER_MAX = Node._meta.get_field("trigger").max_length
LABEL_MAX = Node._meta.get_field("label").max_length  # a list row title
INVALID_TEXT_MAX = Flow._meta.get_field("invalid_option_text").max_length
FLOW_TRIGGERS_MAX = 20
FLOW_TRIGGER_MAX = 100

NODE_FIELDS = (
    "parent",
    "order",
    "type",
    "text",
    "trigger",
    "label",
    "area",
    "field",
    "close",
    "ask_only_when_unknown",
)
CHILDLESS = {
    NodeType.REDIRECT: gettext_lazy("Una derivación termina el flujo: no tiene hijos."),
    NodeType.END: gettext_lazy("Un final termina el flujo: no tiene hijos."),
}
ONE_CHILD = {
    NodeType.MESSAGE: gettext_lazy("Un mensaje sigue a un solo nodo: anidá los demás debajo."),
    NodeType.QUESTION: gettext_lazy("Una pregunta sigue a un solo nodo: anidá los demás debajo."),
}
ALONE_AFTER = gettext_lazy(
    "Después de este paso nadie le responde al cliente: agregá un paso siguiente "
    "(un final que cierre la conversación o una derivación a un área)."
)
OPEN_END = gettext_lazy(
    "Un final tiene que cerrar la conversación: si no, el cliente queda sin bot y sin nadie que "
    "lo atienda. Para que siga una persona, usá una derivación a un área."
)


@dataclass
class _Planned:
    """One node as it will be saved; `parent` is the index of its parent in the plan."""

    key: str
    parent: int | None
    order: int
    type: str
    text: str
    trigger: str
    label: str
    area_id: int | None
    field: str
    close: bool
    ask_only_when_unknown: bool


# --- Field checks ----------------------------------------------------------------------------


def no_letters_text(trigger: str) -> str:
    return _("El disparador «%(trigger)s» no tiene letras ni dígitos que comparar.") % {
        "trigger": trigger
    }


def _check_text(
    errors: FieldErrors,
    path: str,
    value,
    *,
    limit: int,
    required: bool = False,
    collapse: bool = False,
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(path, _("Tiene que ser texto."))
        return ""
    if not required and not value.strip():
        return ""
    return checked_text(errors, value, limit, path, one_line=collapse)


def _check_bool(errors: FieldErrors, path: str, value, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        errors.add(path, _("Tiene que ser verdadero o falso."))
        return default
    return value


def _check_area_id(errors: FieldErrors, path: str, area_id, wanted: list) -> int | None:
    """Notes an area id to look up once for the whole flow (see _check_areas)."""
    if area_id is None:
        return None
    if isinstance(area_id, bool) or not isinstance(area_id, int):
        errors.add(path, _("Tiene que ser un número entero."))
        return None
    if not 0 < area_id <= MAX_ID:
        errors.add(path, unknown_area_text(area_id))
        return None
    wanted.append((path, area_id))
    return area_id


def _check_areas(errors: FieldErrors, wanted: list[tuple[str, int]]) -> None:
    areas = Area.objects.in_bulk({area_id for _path, area_id in wanted})
    for path, area_id in wanted:
        area = areas.get(area_id)
        if area is None:
            errors.add(path, unknown_area_text(area_id))
        elif not area.is_active:
            errors.add(path, _("El área «%(name)s» no está activa.") % {"name": area.name})


def _check_flow_triggers(
    errors: FieldErrors, triggers, *, is_active: bool, flow_id: int | None
) -> list[str]:
    if triggers is None:
        return []
    if not isinstance(triggers, list):
        errors.add("triggers", _("Tiene que ser una lista."))
        return []
    if len(triggers) > FLOW_TRIGGERS_MAX:
        errors.add(
            "triggers",
            _("Un flujo tiene como máximo %(max)d disparadores.") % {"max": FLOW_TRIGGERS_MAX},
        )
        return []
    taken: dict[str, str] = {}
    if is_active:
        others = Flow.objects.filter(is_active=True).exclude(pk=flow_id)
        for name, their_triggers in others.values_list("name", "triggers"):
            for trigger in their_triggers or ():
                taken.setdefault(normalise(str(trigger)), name)
    kept: dict[str, str] = {}
    for index, trigger in enumerate(triggers):
        path = f"triggers.{index}"
        trigger = _check_text(errors, path, trigger, limit=FLOW_TRIGGER_MAX, collapse=True)
        answer = normalise(trigger)
        if not answer:
            errors.add(path, no_letters_text(trigger))
        elif answer in taken:
            errors.add(
                path,
                _("El disparador «%(trigger)s» ya reinicia el flujo «%(flow)s».")
                % {"trigger": trigger, "flow": taken[answer]},
            )
        else:
            kept.setdefault(answer, trigger)  # the same trigger twice is kept once
    return list(kept.values())


# --- The node tree ---------------------------------------------------------------------------


def _check_children(errors: FieldErrors, path: str, node_type: str, children) -> list:
    if children is None:
        children = []
    if not isinstance(children, list):
        errors.add(f"{path}.children", _("Tiene que ser una lista."))
        return []
    if node_type == NodeType.MENU and not children:
        errors.add(f"{path}.children", _("Un menú necesita al menos una opción."))
    elif node_type in ONE_CHILD and len(children) > 1:
        errors.add(f"{path}.children", str(ONE_CHILD[node_type]))
    elif node_type in ONE_CHILD and not children:
        errors.add(f"{path}.children", str(ALONE_AFTER))  # ADR 0019: nobody is left alone
    elif node_type in CHILDLESS and children:
        errors.add(f"{path}.children", str(CHILDLESS[node_type]))
    seen: dict[str, int] = {}
    for index, child in enumerate(children):
        if not isinstance(child, dict):
            continue
        trigger, label = child.get("trigger"), child.get("label")
        if not isinstance(trigger, str) or not isinstance(label, str | None):
            continue
        if node_type == NodeType.MENU and not (trigger.strip() or (label or "").strip()):
            errors.add(
                f"{path}.children.{index}.label",
                _("Una opción de menú necesita una etiqueta o un disparador."),
            )
        by_trigger = match_keys(trigger)
        for answer in sorted(match_keys(trigger, label or "")):
            if answer in seen:
                where = "trigger" if answer in by_trigger else "label"
                errors.add(
                    f"{path}.children.{index}.{where}",
                    _("La opción %(option)d ya responde a «%(answer)s».")
                    % {"option": seen[answer] + 1, "answer": answer},
                )
            else:
                seen[answer] = index
    return children


def _check_node_trigger(errors: FieldErrors, path: str, value) -> str:
    trigger = _check_text(errors, path, value, limit=TRIGGER_MAX)
    for part in alternatives(trigger):
        if not normalise(part):
            errors.add(path, no_letters_text(part))
    return ", ".join(alternatives(trigger))


def _check_node(errors: FieldErrors, path: str, data: dict, areas: list) -> tuple[dict, list]:
    node_type = data.get("type")
    if node_type not in NodeType.values:
        known = ", ".join(NodeType.values)
        errors.add(
            f"{path}.type",
            _("Tipo de nodo desconocido «%(type)s»: usá uno de %(known)s.")
            % {"type": node_type, "known": known},
        )
        node_type = ""
    needs_text = node_type in (NodeType.MESSAGE, NodeType.MENU, NodeType.QUESTION)
    limit = MENU_TEXT_MAX if node_type == NodeType.MENU else TEXT_MAX
    fields = {
        "type": node_type,
        "text": _check_text(
            errors, f"{path}.text", data.get("text"), limit=limit, required=needs_text
        ),
        "trigger": _check_node_trigger(errors, f"{path}.trigger", data.get("trigger")),
        "label": _check_text(
            errors, f"{path}.label", data.get("label"), limit=LABEL_MAX, collapse=True
        ),
        "area_id": None,
        "field": "",
        "close": False,
        "ask_only_when_unknown": True,
    }
    if node_type == NodeType.REDIRECT:
        fields["area_id"] = _check_area_id(errors, f"{path}.area_id", data.get("area_id"), areas)
        if data.get("area_id") is None:
            errors.add(f"{path}.area_id", _("Una derivación necesita un área."))
    if node_type == NodeType.QUESTION:
        fields["field"] = data.get("field")
        if fields["field"] not in ContactField.values:
            errors.add(f"{path}.field", _("Una pregunta guarda «name» o «dni»."))
        fields["ask_only_when_unknown"] = _check_bool(
            errors,
            f"{path}.ask_only_when_unknown",
            data.get("ask_only_when_unknown"),
            True,
        )
    if node_type == NodeType.END:
        fields["close"] = _check_bool(errors, f"{path}.close", data.get("close"), True)
        if not fields["close"]:
            errors.add(f"{path}.close", str(OPEN_END))
    children = _check_children(errors, path, node_type, data.get("children"))
    return fields, children


def _check_tree(
    errors: FieldErrors, root, *, existing_keys: set[str], areas: list
) -> list[_Planned]:
    """The tree in pre-order (parents before children), every node checked."""
    if not isinstance(root, dict):
        errors.add("root", _("Un flujo necesita un nodo raíz."))
        return []
    planned: list[_Planned] = []
    kept_keys: set[str] = set()
    stack: list[tuple[dict, str, int, int | None, int]] = [(root, "root", 1, None, 0)]
    while stack:
        data, path, depth, parent, order = stack.pop()
        if not isinstance(data, dict):
            errors.add(path, _("Tiene que ser un nodo (un objeto)."))
            continue
        if len(planned) == MAX_NODES:
            errors.add("root", _("Un flujo tiene como máximo %(max)d nodos.") % {"max": MAX_NODES})
            break
        fields, children = _check_node(errors, path, data, areas)
        key = data.get("key")
        if key is not None and not isinstance(key, str):
            errors.add(f"{path}.key", _("Tiene que ser texto."))
        elif key in kept_keys:
            errors.add(f"{path}.key", _("Otro nodo de este flujo tiene esta clave."))
        if isinstance(key, str) and key in existing_keys and key not in kept_keys:
            kept_keys.add(key)
        else:
            key = new_node_key()
        planned.append(_Planned(key=key, parent=parent, order=order, **fields))
        if children and depth == MAX_DEPTH:
            errors.add(
                f"{path}.children",
                _("Los nodos se anidan hasta %(max)d niveles.") % {"max": MAX_DEPTH},
            )
            continue
        index = len(planned) - 1
        for position in reversed(range(len(children))):
            stack.append(
                (children[position], f"{path}.children.{position}", depth + 1, index, position)
            )
    return planned


# --- Flows -----------------------------------------------------------------------------------


def _check_flow(data: dict, *, flow_id: int | None, existing_keys: set[str]):
    if not isinstance(data, dict):
        raise TypeError("data must be a dict")
    errors = FieldErrors()
    areas: list[tuple[str, int]] = []
    is_active = _check_bool(errors, "is_active", data.get("is_active"), True)
    values = {
        "name": _check_text(
            errors, "name", data.get("name"), limit=NAME_MAX, required=True, collapse=True
        ),
        "is_default": _check_bool(errors, "is_default", data.get("is_default"), False),
        "is_active": is_active,
        "triggers": _check_flow_triggers(
            errors, data.get("triggers"), is_active=is_active, flow_id=flow_id
        ),
        "invalid_option_text": _check_text(
            errors,
            "invalid_option_text",
            data.get("invalid_option_text", DEFAULT_INVALID_OPTION_TEXT),
            limit=INVALID_TEXT_MAX,
            required=True,
        ),
        "fallback_area_id": _check_area_id(
            errors, "fallback_area_id", data.get("fallback_area_id"), areas
        ),
    }
    if values["is_default"] and not is_active:
        errors.add("is_active", _("El flujo por defecto tiene que estar activo."))
    planned = _check_tree(errors, data.get("root"), existing_keys=existing_keys, areas=areas)
    if areas:
        _check_areas(errors, areas)
    errors.raise_if_any()
    return values, planned


def _save_nodes(flow: Flow, planned: list[_Planned]) -> None:
    """New nodes are inserted first, then every node gets its parent, place and fields."""
    existing = set(Node.objects.filter(flow=flow).values_list("key", flat=True))
    Node.objects.bulk_create(
        [Node(flow=flow, key=p.key, type=p.type) for p in planned if p.key not in existing]
    )
    ids = dict(Node.objects.filter(flow=flow).values_list("key", "pk"))
    rows = [
        Node(
            pk=ids[p.key],
            flow=flow,
            key=p.key,
            parent_id=ids[planned[p.parent].key] if p.parent is not None else None,
            order=p.order,
            type=p.type,
            text=p.text,
            trigger=p.trigger,
            label=p.label,
            area_id=p.area_id,
            field=p.field,
            close=p.close,
            ask_only_when_unknown=p.ask_only_when_unknown,
        )
        for p in planned
    ]
    Node.objects.bulk_update(rows, NODE_FIELDS, batch_size=100)
    Node.objects.filter(flow=flow).exclude(key__in=[p.key for p in planned]).delete()


def _save(flow: Flow, values: dict, planned: list[_Planned]) -> Flow:
    for name, value in values.items():
        setattr(flow, name, value)
    if flow.is_default:  # at most one default: the others stop being it, in this transaction
        others = Flow.objects.filter(is_default=True)
        if flow.pk is not None:
            others = others.exclude(pk=flow.pk)
        for other in others.select_for_update():
            other.is_default = False
            other.save(update_fields=["is_default", "default_key", "updated_at"])
    try:
        with transaction.atomic():
            flow.save()
    except IntegrityError as error:  # another request made its flow the default meanwhile
        raise Conflict(
            _("Otro flujo pasó a ser el de por defecto al mismo tiempo; probá de nuevo.")
        ) from error
    _save_nodes(flow, planned)
    _forget_cached_trees()
    return flow


FLOW_AUDITED = ("name", "is_default", "is_active", "triggers", "invalid_option_text")


def _flow_values(flow: Flow, nodes: int) -> dict:
    values = {field: getattr(flow, field) for field in FLOW_AUDITED}
    return {**values, "fallback_area_id": flow.fallback_area_id, "nodes": nodes}


@transaction.atomic
def flow_create(*, data: dict) -> Flow:
    values, planned = _check_flow(data, flow_id=None, existing_keys=set())
    flow = _save(Flow(), values, planned)
    audit.record_object(
        "flow.created", flow, changes=audit.diff({}, _flow_values(flow, len(planned)))
    )
    return flow


@transaction.atomic
def flow_replace(*, flow: Flow, data: dict) -> Flow:
    flow = Flow.objects.select_for_update().get(pk=flow.pk)
    existing_keys = set(Node.objects.filter(flow=flow).values_list("key", flat=True))
    before = _flow_values(flow, len(existing_keys))
    values, planned = _check_flow(data, flow_id=flow.pk, existing_keys=existing_keys)
    flow = _save(flow, values, planned)
    changes = audit.diff(before, _flow_values(flow, len(planned)))
    audit.record_object("flow.updated", flow, changes=changes or {"nodes": ["…", "…"]})
    return flow


@transaction.atomic
def flow_delete(*, flow: Flow) -> None:
    flow = Flow.objects.select_for_update().get(pk=flow.pk)
    if flow.is_default:
        raise Conflict(
            _("El flujo por defecto no se puede borrar: elegí antes otro flujo por defecto.")
        )
    audit.record_object("flow.deleted", flow)
    flow.delete()
    _forget_cached_trees()


def _forget_cached_trees() -> None:
    """Now for this transaction's own reads, and again at commit for everyone's next ones."""
    selectors.forget_cached_flows()
    transaction.on_commit(selectors.forget_cached_flows)
