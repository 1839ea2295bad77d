"""Flows for the tests: the demo menu (every node type) as API data and as an in-memory tree."""

import itertools

from ventanilla.flows.engine import FlowTree, TreeNode
from ventanilla.flows.models import DEFAULT_INVALID_OPTION_TEXT


def demo_root(soporte_id: int, ventas_id: int) -> dict:
    return {
        "type": "message",
        "text": "¡Hola {name}! Soy el asistente de Ventanilla.",
        "children": [
            {
                "type": "menu",
                "text": "¿En qué te ayudamos?",
                "children": [
                    {
                        "type": "redirect",
                        "label": "Soporte",
                        "trigger": "soporte, ayuda técnica",
                        "text": "Te paso con Soporte.",
                        "area_id": soporte_id,
                    },
                    {
                        "type": "question",
                        "label": "Ventas",
                        "trigger": "ventas,comprar",
                        "text": "¿Cuál es tu DNI?",
                        "field": "dni",
                        "children": [
                            {
                                "type": "redirect",
                                "text": "Gracias, te atiende Ventas.",
                                "area_id": ventas_id,
                            }
                        ],
                    },
                    {
                        "type": "question",
                        "label": "Mi nombre",
                        "trigger": "nombre",
                        "text": "¿Cómo te llamás?",
                        "field": "name",
                        "children": [{"type": "end", "text": "¡Gracias, {name}!", "close": True}],
                    },
                    {
                        "type": "end",
                        "label": "Nada más",
                        "trigger": "salir, chau",
                        "text": "¡Hasta luego!",
                        "close": True,
                    },
                ],
            }
        ],
    }


def demo_flow(soporte_id: int, ventas_id: int, **fields) -> dict:
    return {
        "name": "Bienvenida",
        "is_default": True,
        "is_active": True,
        "triggers": ["hola", "menú"],
        "invalid_option_text": DEFAULT_INVALID_OPTION_TEXT,
        "fallback_area_id": None,
        "root": demo_root(soporte_id, ventas_id),
        **fields,
    }


def build_tree(root: dict, **flow) -> FlowTree:
    """A FlowTree straight from nested node dicts (ids 1, 2, ... in pre-order; keys "k1", ...)."""
    ids = itertools.count(1)
    nodes: dict[int, TreeNode] = {}
    children: dict[int, tuple[int, ...]] = {}

    def add(data: dict, parent_id: int | None, order: int) -> int:
        node_id = next(ids)
        nodes[node_id] = TreeNode(
            id=node_id,
            key=data.get("key", f"k{node_id}"),
            parent_id=parent_id,
            order=order,
            type=data["type"],
            text=data.get("text", ""),
            trigger=data.get("trigger", ""),
            label=data.get("label", ""),
            area_id=data.get("area_id"),
            field=data.get("field", ""),
            close=data.get("close", False),
            ask_only_when_unknown=data.get("ask_only_when_unknown", True),
        )
        kids = [add(child, node_id, n) for n, child in enumerate(data.get("children", []))]
        if kids:
            children[node_id] = tuple(kids)
        return node_id

    root_id = add(root, None, 0)
    return FlowTree(
        id=flow.get("id", 1),
        name=flow.get("name", "Bienvenida"),
        is_default=flow.get("is_default", True),
        is_active=flow.get("is_active", True),
        triggers=tuple(flow.get("triggers", ("hola", "menú"))),
        invalid_option_text=flow.get("invalid_option_text", DEFAULT_INVALID_OPTION_TEXT),
        fallback_area_id=flow.get("fallback_area_id"),
        root_id=root_id,
        nodes=nodes,
        children=children,
    )


SOPORTE, VENTAS, FALLBACK = 10, 20, 30
# ids of the demo tree built by build_tree(demo_root(SOPORTE, VENTAS))
GREETING, MENU, OPT_SOPORTE, OPT_VENTAS, VENTAS_REDIRECT, OPT_NOMBRE, NOMBRE_END, OPT_SALIR = range(
    1, 9
)
MENU_TEXT = "¿En qué te ayudamos?\n\n1. Soporte\n2. Ventas\n3. Mi nombre\n4. Nada más"
MENU_OPTIONS = [("k3", "Soporte"), ("k4", "Ventas"), ("k6", "Mi nombre"), ("k8", "Nada más")]


# --- Menu flows ------------------------------------------------------------------------------


def menu_node(*options: dict, text: str = "¿En qué te ayudamos?") -> dict:
    """A menu node offering `options`: nodes with a label (`end_option`, `area_option`, ...)."""
    return {"type": "menu", "text": text, "children": list(options)}


def end_option(label: str = "Listo", text: str = "Gracias.") -> dict:
    """An option that ends the conversation (an end closes unless told otherwise)."""
    return {"type": "end", "label": label, "text": text}


def area_option(label: str, area_id: int, text: str = "", **fields) -> dict:
    """An option that hands the customer to an area (`fields`: trigger, ...)."""
    return {"type": "redirect", "label": label, "area_id": area_id, "text": text, **fields}


def menu_flow(*options: dict, text: str = "¿En qué te ayudamos?", **fields) -> dict:
    """A flow as flow_create and /api/flows take it: the default, active, answering every new
    customer with a menu of `options`; `fields` set any other flow field (name, triggers, ...)."""
    return {
        "name": "Menú",
        "is_default": True,
        "is_active": True,
        "triggers": [],
        "invalid_option_text": "Elegí una opción.",
        "fallback_area_id": None,
        "root": menu_node(*options, text=text),
        **fields,
    }


def one_question_flow() -> dict:
    """A default flow whose menu answers every new customer (one option, which closes)."""
    return menu_flow(end_option())


def areas_menu_flow(soporte_id: int, ventas_id: int) -> dict:
    """A default flow, restarted by "hola", whose menu hands the customer to Soporte or Ventas:
    "¿Con quién querés hablar?\n\n1. Soporte\n2. Ventas"."""
    return menu_flow(
        area_option("Soporte", soporte_id, "Soporte."),
        area_option("Ventas", ventas_id, "Ventas."),
        text="¿Con quién querés hablar?",
        triggers=["hola"],
        invalid_option_text="Opción inválida.",
    )
