"""The Flows screen's draft: a flow and its node tree as one form, edited, then saved at once.

Every node is a small NodeForm prefixed `node-<key>-`; a hidden `nodes` list holds the keys in
pre-order and each node names its parent, so the tree travels whole in every POST and nothing is
kept on the server until "Guardar" (flows.services then checks the whole flow, as for the API).
The draft also becomes an engine FlowTree, so the simulator tries what is on screen, saved or not.

`Draft.service_data()` builds the nested dict the services take and remembers which node sits at
which error path ("root.children.1.label"), so `Draft.add_service_errors` puts every message next to
the node and field that caused it.
"""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext_lazy as _

from ventanilla.accounts.models import Area
from ventanilla.core.errors import InvalidInput
from ventanilla.core.fields import id_from_text
from ventanilla.flows import engine
from ventanilla.flows.models import DEFAULT_INVALID_OPTION_TEXT, ContactField, Flow, NodeType
from ventanilla.flows.services import MAX_NODES
from ventanilla.web.forms import ConsoleForm

KEY = re.compile(r"^[0-9a-f]{32}$")
NODE_FIELDS = (  # as shown
    "type",
    "area_id",
    "field",
    "ask_only_when_unknown",
    "close",
    "label",
    "trigger",
    "text",
)
# which node fields matter for which type; label and trigger matter on a menu's options
TYPE_FIELDS = {
    NodeType.MESSAGE: {"text"},
    NodeType.MENU: {"text"},
    NodeType.QUESTION: {"text", "field", "ask_only_when_unknown"},
    NodeType.REDIRECT: {"text", "area_id"},
    NodeType.END: {"text", "close"},
}
CHILDLESS = (NodeType.REDIRECT, NodeType.END)
ONE_CHILD = (NodeType.MESSAGE, NodeType.QUESTION)
TEXT_HELP = {
    NodeType.MESSAGE: _("Se envía y el flujo sigue con el paso siguiente."),
    NodeType.MENU: _("Va antes de las opciones, que se numeran solas."),
    NodeType.QUESTION: _("La respuesta se guarda en el contacto."),
    NodeType.REDIRECT: _("Opcional: se envía antes de pasar la conversación al área."),
    NodeType.END: _("Opcional: se envía y la conversación se cierra."),
}


class BadDraft(Exception):
    """The posted tree is not one the page could have sent (tampered or truncated)."""


def _area_choices(areas: list[Area], empty: str) -> list[tuple]:
    choices = [("", empty)]
    for area in areas:
        label = area.name if area.is_active else _("%(name)s (inactiva)") % {"name": area.name}
        choices.append((area.pk, label))
    return choices


def _id_or_raw(value):
    """An id typed as digits becomes an int; anything else goes to the service as sent."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    number = id_from_text(text)
    return text if number is None else number


# --- Forms -----------------------------------------------------------------------------------


class FlowSettingsForm(ConsoleForm):
    """The flow's own fields. Loose on purpose: flows.services decides what is acceptable."""

    name = forms.CharField(label=_("Nombre"), required=False, strip=False)
    triggers = forms.CharField(
        label=_("Palabras que lo reinician"),
        required=False,
        strip=False,
        help_text=_("Separadas por comas, por ejemplo: hola, menú. El cliente las escribe solas."),
    )
    invalid_option_text = forms.CharField(
        label=_("Texto ante una opción inválida"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    fallback_area_id = forms.TypedChoiceField(
        label=_("Área ante 3 respuestas inválidas seguidas"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    is_default = forms.BooleanField(
        label=_("Flujo por defecto (las conversaciones nuevas empiezan acá)"), required=False
    )
    is_active = forms.BooleanField(label=_("Activo"), required=False)
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, areas: list[Area] = (), **kwargs):
        kwargs.setdefault("auto_id", "flow-%s")
        super().__init__(*args, **kwargs)
        self.fields["fallback_area_id"].choices = _area_choices(areas, _("Ninguna"))

    @classmethod
    def for_flow(cls, flow: Flow | None, *, areas: list[Area], data=None) -> "FlowSettingsForm":
        if flow is None:
            initial = {"is_active": True, "invalid_option_text": DEFAULT_INVALID_OPTION_TEXT}
        else:
            initial = {
                "name": flow.name,
                "triggers": ", ".join(flow.triggers or ()),
                "invalid_option_text": flow.invalid_option_text,
                "fallback_area_id": flow.fallback_area_id,
                "is_default": flow.is_default,
                "is_active": flow.is_active,
                "version": version_of(flow),
            }
        return cls(data=data, initial=initial, areas=areas)

    def value(self, name: str):
        return self[name].value()

    def trigger_list(self) -> list[str]:
        return [part.strip() for part in (self.value("triggers") or "").split(",") if part.strip()]

    def service_data(self) -> dict:
        return {
            "name": self.value("name") or "",
            "is_default": bool(self.value("is_default")),
            "is_active": bool(self.value("is_active")),
            "triggers": self.trigger_list(),
            "invalid_option_text": self.value("invalid_option_text") or "",
            "fallback_area_id": _id_or_raw(self.value("fallback_area_id")),
        }


class NodeForm(ConsoleForm):
    type = forms.ChoiceField(label=_("Tipo"), choices=NodeType.choices)
    text = forms.CharField(
        label=_("Texto"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    label = forms.CharField(label=_("Título de la opción"), required=False, strip=False)
    trigger = forms.CharField(
        label=_("Palabras que la eligen"),
        required=False,
        strip=False,
        help_text=_("Separadas por comas. El número de la opción siempre sirve."),
    )
    area_id = forms.TypedChoiceField(label=_("Área"), required=False, coerce=int, empty_value=None)
    field = forms.ChoiceField(
        label=_("Guardar la respuesta como"),
        required=False,
        choices=[("", _("Elegí un dato")), *ContactField.choices],
    )
    ask_only_when_unknown = forms.BooleanField(
        label=_("Preguntar solo si no lo sabemos"),
        required=False,
        help_text=_("Un cliente que vuelve y ya tiene ese dato guardado pasa al paso siguiente."),
    )
    close = forms.BooleanField(label=_("Cerrar también la conversación"), required=False)

    def __init__(self, *args, areas: list[Area] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area_id"].choices = _area_choices(areas, _("Elegí un área"))
        self.fields["type"].widget.attrs["data-flow-refresh"] = ""  # flows.js re-renders on change

    def value(self, name: str):
        return self[name].value()

    def service_data(self) -> dict:
        return {
            "type": self.value("type") or "",
            "text": self.value("text") or "",
            "trigger": self.value("trigger") or "",
            "label": self.value("label") or "",
            "area_id": _id_or_raw(self.value("area_id")),
            "field": self.value("field") or "",
            "close": bool(self.value("close")),
            "ask_only_when_unknown": bool(self.value("ask_only_when_unknown")),
        }


def version_of(flow: Flow) -> str:
    """What the page remembers of the saved flow, to notice someone else's save meanwhile."""
    return flow.updated_at.isoformat() if flow.updated_at else ""


# --- The draft tree ----------------------------------------------------------------------------


@dataclass(eq=False)
class DraftNode:
    key: str
    form: NodeForm
    parent: "DraftNode | None" = None
    children: list["DraftNode"] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # about the node as a whole (its children)

    def __post_init__(self):
        self.form.fields["text"].help_text = TEXT_HELP.get(self.type, "")

    @property
    def type(self) -> str:
        return self.form.value("type") or ""

    @property
    def is_option(self) -> bool:
        return self.parent is not None and self.parent.type == NodeType.MENU

    @property
    def siblings(self) -> list["DraftNode"]:
        return self.parent.children if self.parent is not None else [self]

    @property
    def position(self) -> int:
        """1 for the first child of its parent."""
        return self.siblings.index(self) + 1

    @property
    def is_first(self) -> bool:
        return self.siblings[0] is self

    @property
    def is_last(self) -> bool:
        return self.siblings[-1] is self

    @property
    def depth(self) -> int:
        return 0 if self.parent is None else self.parent.depth + 1

    @property
    def only_child(self) -> bool:
        return len(self.siblings) == 1

    @property
    def splices(self) -> bool:
        """A message or question that is the next step of another: deleting it keeps the rest."""
        return (
            self.parent is not None
            and not self.is_option
            and self.type in ONE_CHILD
            and len(self.children) == 1
        )

    @property
    def may_add_child(self) -> bool:
        if self.type in CHILDLESS:
            return False
        return not (self.type in ONE_CHILD and self.children)

    @property
    def type_label(self) -> str:
        return str(dict(NodeType.choices).get(self.type, self.type))

    def shows(self, name: str) -> bool:
        """Whether a field is shown for this node (the others stay in the form, hidden)."""
        if self.form[name].errors:
            return True
        if name in ("label", "trigger"):
            return self.is_option
        return name in TYPE_FIELDS.get(self.type, {"text"})

    @property
    def fields(self) -> list[tuple]:
        """(bound field, shown) for the template."""
        return [(self.form[name], self.shows(name)) for name in NODE_FIELDS if name != "type"]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.form.errors)

    def walk(self) -> Iterator["DraftNode"]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Draft:
    settings: FlowSettingsForm
    root: DraftNode
    areas: list[Area]
    errors: list[str] = field(default_factory=list)  # about the flow as a whole
    _paths: dict[str, DraftNode] = field(default_factory=dict)

    # --- Building --------------------------------------------------------------------------

    @classmethod
    def new(cls, *, areas: list[Area]) -> "Draft":
        settings = FlowSettingsForm.for_flow(None, areas=areas)
        return cls(settings, _new_node(NodeType.MESSAGE, areas), areas)

    @classmethod
    def from_flow(cls, flow: Flow, tree: dict | None, *, areas: list[Area]) -> "Draft":
        """The saved flow; `tree` is selectors.node_tree(flow)."""
        settings = FlowSettingsForm.for_flow(flow, areas=areas)
        if tree is None:
            return cls(settings, _new_node(NodeType.MESSAGE, areas), areas)

        def build(data: dict, parent: DraftNode | None) -> DraftNode:
            initial = {name: data[name] for name in NODE_FIELDS}
            node = DraftNode(data["key"], _node_form(data["key"], areas, initial=initial), parent)
            node.children = [build(child, node) for child in data["children"]]
            return node

        return cls(settings, build(tree, None), areas)

    @classmethod
    def from_post(cls, data, *, areas: list[Area]) -> "Draft":
        """The draft the page sent. Raises BadDraft when the tree does not hold together."""
        keys = data.getlist("nodes")
        if not keys or len(keys) > MAX_NODES + 1 or len(set(keys)) != len(keys):
            raise BadDraft("nodes")
        nodes: dict[str, DraftNode] = {}
        root = None
        for key in keys:
            if not KEY.match(key):
                raise BadDraft(key)
            parent_key = data.get(f"node-{key}-parent", "")
            parent = nodes.get(parent_key) if parent_key else None
            if (parent_key and parent is None) or (not parent_key and root is not None):
                raise BadDraft(key)  # parents come first, and there is one root
            node = DraftNode(key, _node_form(key, areas, data=data), parent)
            if parent is None:
                root = node
            else:
                parent.children.append(node)
            nodes[key] = node
        settings = FlowSettingsForm(data, areas=areas)
        return cls(settings, root, areas)

    # --- Reading ---------------------------------------------------------------------------

    def nodes(self) -> list[DraftNode]:
        return list(self.root.walk())

    def find(self, key: str) -> DraftNode | None:
        return next((node for node in self.root.walk() if node.key == key), None)

    @property
    def error_count(self) -> int:
        count = len(self.errors) + sum(len(errors) for errors in self.settings.errors.values())
        for node in self.root.walk():
            count += len(node.errors) + sum(len(errors) for errors in node.form.errors.values())
        return count

    def first_error_anchor(self) -> str:
        if self.errors or self.settings.errors:
            return "flow-settings"
        for node in self.root.walk():
            if node.has_errors:
                return f"node-{node.key}"
        return ""

    # --- Editing (nothing is saved) --------------------------------------------------------

    def add_child(self, key: str) -> DraftNode | None:
        parent = self.find(key)
        if parent is None:
            return None
        if len(self.nodes()) >= MAX_NODES:
            self.errors.append(
                str(_("Un flujo tiene como máximo %(count)s pasos.") % {"count": MAX_NODES})
            )
            return None
        child_type = NodeType.END if parent.type == NodeType.MENU else NodeType.MESSAGE
        child = _new_node(child_type, self.areas)
        child.parent = parent
        parent.children.append(child)
        return child

    def move(self, key: str, offset: int) -> None:
        node = self.find(key)
        if node is None or node.parent is None:
            return
        siblings = node.parent.children
        index = siblings.index(node)
        target = index + offset
        if 0 <= target < len(siblings):
            siblings[index], siblings[target] = siblings[target], siblings[index]

    def delete(self, key: str) -> None:
        """Removes a node. A step of a sequence (see DraftNode.splices) hands its place to its
        next step; any other node goes with everything under it (a menu with its options)."""
        node = self.find(key)
        if node is None or node.parent is None:
            return
        siblings = node.parent.children
        index = siblings.index(node)
        kept = node.children if node.splices else []
        for child in kept:
            child.parent = node.parent
        siblings[index : index + 1] = kept

    # --- Saving ----------------------------------------------------------------------------

    def service_data(self) -> dict:
        """The flow as flows.services takes it; remembers the error path of every node."""
        self._paths = {}

        def build(node: DraftNode, path: str) -> dict:
            self._paths[path] = node
            data = {"key": node.key, **node.form.service_data()}
            data["children"] = [
                build(child, f"{path}.children.{index}")
                for index, child in enumerate(node.children)
            ]
            return data

        return {**self.settings.service_data(), "root": build(self.root, "root")}

    def add_service_errors(self, error: InvalidInput) -> None:
        """Each message next to its field: the flow's settings, a node's field, or the node."""
        if not error.errors:
            self.errors.append(error.detail)
            return
        for path, messages in error.errors.items():
            for message in messages:
                self._add_error(path, message)

    def _add_error(self, path: str, message: str) -> None:
        node_path, name = path, ""
        while node_path and node_path not in self._paths:
            node_path, _dot, last = node_path.rpartition(".")
            name = f"{last}.{name}" if name else last
        if not node_path:  # a field of the flow itself ("triggers.2" belongs to "triggers")
            target = path.split(".", 1)[0]
            if target in self.settings.fields and target != "version":
                self.settings.add_error(target, message)
            else:
                self.errors.append(message)
            return
        node = self._paths[node_path]
        if name in node.form.fields:
            node.form.add_error(name, message)
        elif not name and node_path == "root":
            self.errors.append(message)  # "A flow needs a root node", "at most 200 nodes"
        else:
            node.errors.append(message)  # its children, its key

    # --- Simulating ------------------------------------------------------------------------

    def tree(self) -> tuple[engine.FlowTree, dict[int, DraftNode]]:
        """The draft as the engine reads it (ids by position), and which node each id is."""
        by_id: dict[int, DraftNode] = {}
        ids: dict[str, int] = {}
        nodes: dict[int, engine.TreeNode] = {}
        children: dict[int, list[int]] = {}
        for number, node in enumerate(self.root.walk(), start=1):
            ids[node.key] = number
            by_id[number] = node
            data = node.form.service_data()
            area_id = data["area_id"] if isinstance(data["area_id"], int) else None
            parent_id = ids[node.parent.key] if node.parent is not None else None
            nodes[number] = engine.TreeNode(
                id=number,
                key=node.key,
                parent_id=parent_id,
                order=node.position - 1,
                type=data["type"],
                text=data["text"],
                trigger=data["trigger"],
                label=" ".join(data["label"].split()),
                area_id=area_id if data["type"] == NodeType.REDIRECT else None,
                field=data["field"] if data["type"] == NodeType.QUESTION else "",
                close=data["close"] and data["type"] == NodeType.END,
                ask_only_when_unknown=data["ask_only_when_unknown"],
            )
            if parent_id is not None:
                children.setdefault(parent_id, []).append(number)
        settings = self.settings.service_data()
        fallback = settings["fallback_area_id"]
        tree = engine.FlowTree(
            id=0,
            name=settings["name"],
            is_default=settings["is_default"],
            is_active=settings["is_active"],
            triggers=tuple(settings["triggers"]),
            invalid_option_text=settings["invalid_option_text"].strip()
            or DEFAULT_INVALID_OPTION_TEXT,
            fallback_area_id=fallback if isinstance(fallback, int) else None,
            root_id=1,
            nodes=nodes,
            children={parent: tuple(ids) for parent, ids in children.items()},
        )
        return tree, by_id


def _node_form(key: str, areas: list[Area], **kwargs) -> NodeForm:
    return NodeForm(prefix=f"node-{key}", areas=areas, **kwargs)


def _new_node(node_type: str, areas: list[Area]) -> DraftNode:
    key = uuid.uuid4().hex
    # an end closes (ADR 0019); a question asks only what is not on file
    initial = {"type": node_type, "close": node_type == NodeType.END, "ask_only_when_unknown": True}
    return DraftNode(key, _node_form(key, areas, initial=initial))


# --- The simulator's form --------------------------------------------------------------------

SIM_MAX_INPUTS = 100  # as POST /api/flows/{id}/simulate
SIM_MAX_CHARS = 4096


class SimulatorForm(ConsoleForm):
    """What the pretend customer types; the earlier answers travel as hidden `sim_input`s."""

    sim_text = forms.CharField(
        label=_("Mensaje del cliente"),
        required=False,
        strip=False,
        max_length=SIM_MAX_CHARS,
        widget=forms.TextInput(attrs={"autocomplete": "off", "enterkeyhint": "send"}),
    )
    sim_name = forms.CharField(
        label=_("Nombre del cliente en WhatsApp"),
        required=False,
        max_length=150,
        help_text=_("Opcional: reemplaza {name} en los textos."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
