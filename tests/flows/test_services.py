import copy

import pytest

from tests.flows.samples import end_option, menu_node
from ventanilla.core.errors import Conflict, InvalidInput
from ventanilla.flows import selectors, services
from ventanilla.flows.engine import BotState, step
from ventanilla.flows.models import Flow, Node


def _nothing_written():
    return Flow.objects.count() == 0 and Node.objects.count() == 0


def _shape(node: dict) -> dict:
    """A node as read back, without the ids and keys the server gives."""
    return {
        **{k: v for k, v in node.items() if k not in ("id", "key", "children")},
        "children": [_shape(child) for child in node["children"]],
    }


def test_create_saves_the_whole_tree(flow_data, soporte, ventas):
    flow = services.flow_create(data=flow_data())

    root = selectors.node_tree(selectors.flow_get(flow_id=flow.pk))
    assert (flow.name, flow.is_default, flow.default_key, flow.triggers) == (
        "Bienvenida",
        True,
        "default",
        ["hola", "menú"],
    )
    assert Node.objects.filter(flow=flow).count() == 8
    menu = root["children"][0]
    assert [option["label"] for option in menu["children"]] == [
        "Soporte",
        "Ventas",
        "Mi nombre",
        "Nada más",
    ]
    assert menu["children"][0] == {
        "id": menu["children"][0]["id"],
        "key": menu["children"][0]["key"],
        "type": "redirect",
        "text": "Te paso con Soporte.",
        "trigger": "soporte, ayuda técnica",
        "label": "Soporte",
        "area_id": soporte.pk,
        "field": "",
        "close": False,
        "ask_only_when_unknown": True,
        "children": [],
    }
    assert menu["children"][1]["trigger"] == "ventas, comprar"  # alternatives tidied
    assert len({node.key for node in Node.objects.all()}) == 8


def test_fields_that_do_not_apply_to_a_node_type_are_not_kept(flow_data, soporte):
    data = flow_data()
    data["root"]["area_id"] = soporte.pk
    data["root"]["field"] = "dni"
    data["root"]["close"] = True

    flow = services.flow_create(data=data)

    root = selectors.node_tree(selectors.flow_get(flow_id=flow.pk))
    assert (root["area_id"], root["field"], root["close"]) == (None, "", False)


def _set(data: dict, path: str, value):
    target = data
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is DELETE:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return data


DELETE = object()
OPTIONS = "root.children.0.children"


@pytest.mark.parametrize(
    "changes,errors",
    [
        ({"name": "  "}, {"name": ["Este campo no puede quedar vacío."]}),
        ({"name": "x" * 81}, {"name": ["Usá como máximo 80 caracteres."]}),
        (
            {"root.type": "gif"},
            {
                "root.type": [
                    "Tipo de nodo desconocido «gif»: usá uno de "
                    "message, menu, question, redirect, end."
                ]
            },
        ),
        ({"root.text": ""}, {"root.text": ["Este campo no puede quedar vacío."]}),
        (
            {"root.children.0.children": []},
            {"root.children.0.children": ["Un menú necesita al menos una opción."]},
        ),
        (
            {"root.children.0.text": "m" * 1025},
            {"root.children.0.text": ["Usá como máximo 1024 caracteres."]},
        ),
        (
            {f"{OPTIONS}.0.area_id": None},
            {f"{OPTIONS}.0.area_id": ["Una derivación necesita un área."]},
        ),
        (
            {f"{OPTIONS}.0.area_id": 999},
            {f"{OPTIONS}.0.area_id": ["No existe el área con id 999."]},
        ),
        (
            {f"{OPTIONS}.1.field": "email"},
            {f"{OPTIONS}.1.field": ["Una pregunta guarda «name» o «dni»."]},
        ),
        (
            {f"{OPTIONS}.1.trigger": "Sóporte!"},
            {f"{OPTIONS}.1.trigger": ["La opción 1 ya responde a «soporte»."]},
        ),
        (
            {f"{OPTIONS}.3.label": "Ventas"},
            {f"{OPTIONS}.3.label": ["La opción 2 ya responde a «ventas»."]},
        ),
        (
            {f"{OPTIONS}.3.label": "", f"{OPTIONS}.3.trigger": ""},
            {f"{OPTIONS}.3.label": ["Una opción de menú necesita una etiqueta o un disparador."]},
        ),
        (
            {f"{OPTIONS}.3.label": "Una etiqueta demasiado larga"},
            {f"{OPTIONS}.3.label": ["Usá como máximo 24 caracteres."]},
        ),
        (
            {f"{OPTIONS}.2.trigger": "nombre, 👍"},
            {
                f"{OPTIONS}.2.trigger": [
                    "El disparador «👍» no tiene letras ni dígitos que comparar."
                ]
            },
        ),
        (
            {f"{OPTIONS}.3.children": [{"type": "end"}]},
            {f"{OPTIONS}.3.children": ["Un final termina el flujo: no tiene hijos."]},
        ),
        (
            {f"{OPTIONS}.0.children": [{"type": "end"}]},
            {f"{OPTIONS}.0.children": ["Una derivación termina el flujo: no tiene hijos."]},
        ),
        (
            {"root.children": [{"type": "end"}, {"type": "end"}]},
            {"root.children": ["Un mensaje sigue a un solo nodo: anidá los demás debajo."]},
        ),
        (
            {"triggers": ["hola", "🙂"]},
            {"triggers.1": ["El disparador «🙂» no tiene letras ni dígitos que comparar."]},
        ),
        (
            {"triggers": ["x" * 101]},
            {"triggers.0": ["Usá como máximo 100 caracteres."]},
        ),
        ({"is_active": False}, {"is_active": ["El flujo por defecto tiene que estar activo."]}),
        ({"fallback_area_id": 999}, {"fallback_area_id": ["No existe el área con id 999."]}),
        ({"fallback_area_id": 2**63}, {"fallback_area_id": [f"No existe el área con id {2**63}."]}),
        (
            {f"{OPTIONS}.0.area_id": "7"},
            {f"{OPTIONS}.0.area_id": ["Tiene que ser un número entero."]},
        ),
        ({"triggers": "hola"}, {"triggers": ["Tiene que ser una lista."]}),
        (
            {"root.children.0.children": "x"},
            {"root.children.0.children": ["Tiene que ser una lista."]},
        ),
        (
            {"root.children.0.children.2": "x"},
            {f"{OPTIONS}.2": ["Tiene que ser un nodo (un objeto)."]},
        ),
        (
            {"invalid_option_text": " "},
            {"invalid_option_text": ["Este campo no puede quedar vacío."]},
        ),
        ({"root": None}, {"root": ["Un flujo necesita un nodo raíz."]}),
        (
            {f"{OPTIONS}.3.close": "yes"},
            {f"{OPTIONS}.3.close": ["Tiene que ser verdadero o falso."]},
        ),
    ],
)
def test_invalid_flows_name_every_field_and_write_nothing(changes, errors, flow_data):
    data = flow_data()
    for path, value in changes.items():
        _set(data, path, value)

    with pytest.raises(InvalidInput) as raised:
        services.flow_create(data=data)

    assert raised.value.errors == errors
    first_field, messages = next(iter(errors.items()))
    assert raised.value.detail == f"{first_field}: {messages[0]}"
    assert _nothing_written()


def test_all_problems_are_reported_at_once(flow_data):
    data = flow_data(name="", fallback_area_id=999)
    data["root"]["children"][0]["children"][0]["area_id"] = None
    data["root"]["children"][0]["children"][1]["field"] = None

    with pytest.raises(InvalidInput) as raised:
        services.flow_create(data=data)

    assert raised.value.errors == {
        "name": ["Este campo no puede quedar vacío."],
        f"{OPTIONS}.0.area_id": ["Una derivación necesita un área."],
        f"{OPTIONS}.1.field": ["Una pregunta guarda «name» o «dni»."],
        "fallback_area_id": ["No existe el área con id 999."],
    }
    assert _nothing_written()


def test_a_redirect_to_an_inactive_area_is_refused(flow_data, make_area):
    closed = make_area("Cerrada", is_active=False)
    data = flow_data()
    data["root"]["children"][0]["children"][0]["area_id"] = closed.pk

    with pytest.raises(InvalidInput) as raised:
        services.flow_create(data=data)

    assert raised.value.errors == {f"{OPTIONS}.0.area_id": ["El área «Cerrada» no está activa."]}
    assert _nothing_written()


def _chain(depth: int) -> dict:
    node = {"type": "end", "text": "fin"}
    for _ in range(depth - 1):
        node = {"type": "message", "text": "m", "children": [node]}
    return node


def test_trees_nest_at_most_20_levels(flow_data):
    services.flow_create(data=flow_data(root=_chain(20)))
    path = "root" + ".children.0" * 19

    with pytest.raises(InvalidInput) as raised:
        services.flow_create(
            data=flow_data(name="Otro", is_default=False, triggers=[], root=_chain(21))
        )

    assert raised.value.errors == {f"{path}.children": ["Los nodos se anidan hasta 20 niveles."]}
    assert Flow.objects.count() == 1


def _wide(options: int) -> dict:
    return menu_node(*(end_option(f"Opción {n}") for n in range(options)), text="Elegí")


def test_a_flow_has_at_most_200_nodes(flow_data):
    services.flow_create(data=flow_data(root=_wide(199)))

    with pytest.raises(InvalidInput) as raised:
        services.flow_create(data=flow_data(root=_wide(200), triggers=["otro"]))

    assert raised.value.errors == {"root": ["Un flujo tiene como máximo 200 nodos."]}
    assert Flow.objects.count() == 1


def test_a_restart_trigger_belongs_to_one_active_flow(flow_data):
    services.flow_create(data=flow_data())
    services.flow_create(data=flow_data(name="Inactivo", is_default=False, is_active=False))

    with pytest.raises(InvalidInput) as raised:
        services.flow_create(
            data=flow_data(name="Ventas", is_default=False, triggers=["promo", "HOLA!", "promo"])
        )
    kept = services.flow_create(
        data=flow_data(name="Promo", is_default=False, triggers=["promo", "Promo!", "PROMOS"])
    )

    assert raised.value.errors == {
        "triggers.1": ["El disparador «HOLA!» ya reinicia el flujo «Bienvenida»."]
    }
    assert kept.triggers == ["promo", "PROMOS"]
    assert Flow.objects.count() == 3


def test_one_default_at_a_time(flow_data):
    first = services.flow_create(data=flow_data(name="Primero", triggers=[]))

    second = services.flow_create(data=flow_data(name="Segundo", triggers=[]))

    first.refresh_from_db()
    assert (first.is_default, first.default_key) == (False, None)
    assert (second.is_default, second.default_key) == (True, "default")
    assert list(Flow.objects.filter(is_default=True).values_list("name", flat=True)) == ["Segundo"]


def test_the_default_flow_cannot_be_deleted(flow_data):
    flow = services.flow_create(data=flow_data())

    with pytest.raises(Conflict) as raised:
        services.flow_delete(flow=flow)

    assert raised.value.detail == (
        "El flujo por defecto no se puede borrar: elegí antes otro flujo por defecto."
    )
    assert Flow.objects.count() == 1
    assert Node.objects.count() == 8


def test_deleting_a_flow_deletes_its_nodes(flow_data):
    keep = services.flow_create(data=flow_data())
    gone = services.flow_create(data=flow_data(name="Vieja", is_default=False, triggers=[]))

    services.flow_delete(flow=gone)

    assert list(Flow.objects.values_list("pk", flat=True)) == [keep.pk]
    assert set(Node.objects.values_list("flow_id", flat=True)) == {keep.pk}


def test_replace_keeps_nodes_by_key_and_moves_them(flow_data, ventas):
    # given a saved flow, read back with its keys
    flow = services.flow_create(data=flow_data())
    before = selectors.node_tree(selectors.flow_get(flow_id=flow.pk))
    menu = before["children"][0]
    soporte_opt, ventas_opt, nombre_opt, salir_opt = menu["children"]

    # when the greeting is dropped (the menu becomes the root), "Mi nombre" is removed,
    # "Nada más" moves under the DNI question's place and a new option is added
    new_root = copy.deepcopy(menu)
    new_root["children"] = [
        soporte_opt,
        {**ventas_opt, "children": [salir_opt]},
        {"type": "redirect", "label": "Cobranzas", "area_id": ventas.pk},
    ]
    services.flow_replace(flow=flow, data=flow_data(root=new_root, name="Bienvenida 2"))

    # then kept keys kept their ids, the others are new or gone
    after = selectors.node_tree(selectors.flow_get(flow_id=flow.pk))
    assert (after["id"], after["key"]) == (menu["id"], menu["key"])
    assert [(c["id"], c["key"]) for c in after["children"][:2]] == [
        (soporte_opt["id"], soporte_opt["key"]),
        (ventas_opt["id"], ventas_opt["key"]),
    ]
    moved = after["children"][1]["children"][0]
    assert (moved["id"], moved["key"], moved["label"]) == (
        salir_opt["id"],
        salir_opt["key"],
        "Nada más",
    )
    old_nodes = [before, menu, soporte_opt, ventas_opt, nombre_opt, salir_opt]
    added = after["children"][2]
    assert added["id"] not in {node["id"] for node in old_nodes}
    assert added["key"] not in {node["key"] for node in old_nodes}
    assert not Node.objects.filter(pk__in=[before["id"], nombre_opt["id"]]).exists()
    assert Node.objects.filter(flow=flow).count() == 5
    assert Node.objects.filter(flow=flow, parent=None).count() == 1


def test_a_conversation_waiting_at_a_kept_node_is_not_stranded(flow_data):
    # given a conversation waiting at the menu
    flow = services.flow_create(data=flow_data())
    waiting_at = selectors.flow_tree(flow_id=flow.pk)
    menu_id = waiting_at.children[waiting_at.root_id][0]

    # when the flow is saved again with its keys, a new option at the top
    data = flow_data()
    data["root"] = selectors.node_tree(selectors.flow_get(flow_id=flow.pk))
    data["root"]["children"][0]["children"].insert(
        0, {"type": "end", "label": "Horarios", "text": "De 8 a 18."}
    )
    services.flow_replace(flow=flow, data=data)

    # then the answer "1" is taken at the same menu, now meaning the new option
    result = step(selectors.flow_tree(flow_id=flow.pk), BotState(menu_id), "1")
    assert [action.text for action in result.actions] == ["De 8 a 18.", ""]


def test_a_key_of_another_flow_is_not_taken(flow_data):
    first = services.flow_create(data=flow_data())
    second = services.flow_create(data=flow_data(name="Otro", is_default=False, triggers=[]))
    stolen = Node.objects.get(flow=first, parent=None)
    data = flow_data(name="Otro", is_default=False, triggers=[])
    data["root"]["key"] = stolen.key

    services.flow_replace(flow=second, data=data)

    root = Node.objects.get(flow=second, parent=None)
    assert root.key != stolen.key
    assert Node.objects.get(pk=stolen.pk).flow_id == first.pk


def test_a_key_twice_in_one_flow_is_refused(flow_data):
    flow = services.flow_create(data=flow_data())
    data = flow_data()
    data["root"] = selectors.node_tree(selectors.flow_get(flow_id=flow.pk))
    options = data["root"]["children"][0]["children"]
    options[3]["key"] = options[2]["key"]
    before = list(Node.objects.values_list("pk", "key", "parent_id", "order"))

    with pytest.raises(InvalidInput) as raised:
        services.flow_replace(flow=flow, data=data)

    assert raised.value.errors == {
        f"{OPTIONS}.3.key": ["Otro nodo de este flujo tiene esta clave."]
    }
    assert list(Node.objects.values_list("pk", "key", "parent_id", "order")) == before


def test_control_characters_in_a_flow_text_are_refused_by_field(flow_data):
    from ventanilla.core.errors import InvalidInput

    data = flow_data()
    data["root"]["text"] = "Hola\x00"

    with pytest.raises(InvalidInput) as refused:
        services.flow_create(data=data)

    assert "root.text" in refused.value.errors
    assert Flow.objects.count() == 0


def test_line_breaks_and_tabs_in_a_flow_text_are_kept(flow_data):
    data = flow_data()
    data["root"]["text"] = "Hola\n\tbienvenido"

    flow = services.flow_create(data=data)

    assert flow.nodes.get(parent=None).text == "Hola\n\tbienvenido"
