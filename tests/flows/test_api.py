import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.flows.samples import MENU_TEXT
from ventanilla.accounts.models import Role
from ventanilla.flows import services
from ventanilla.flows.models import DEFAULT_INVALID_OPTION_TEXT, Flow, Node

ALL_ROLES = [Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR, Role.SUPPORT, Role.SALES]
EDITORS = {Role.ADMIN, Role.SUPERVISOR}
OPENING = ["¡Hola! Soy el asistente de Ventanilla.", MENU_TEXT]


def _strip_ids(node: dict) -> dict:
    node = {k: v for k, v in node.items() if k not in ("id", "key")}
    node["children"] = [_strip_ids(child) for child in node["children"]]
    return node


def _filled(node: dict) -> dict:
    """A node as the API answers it: every field present."""
    defaults = {
        "text": "",
        "trigger": "",
        "label": "",
        "area_id": None,
        "field": "",
        "close": False,
        "ask_only_when_unknown": True,
    }
    filled = {**defaults, **node}
    filled["children"] = [_filled(child) for child in node.get("children", [])]
    return filled


def test_an_editor_creates_and_reads_a_flow(api, admin, flow_data):
    client = api(admin)
    data = flow_data()

    created = client.post("/api/flows", data)

    assert created.status_code == 201, created.content
    body = created.json()
    assert {k: v for k, v in body.items() if k != "root"} == {
        "id": body["id"],
        "name": "Bienvenida",
        "is_default": True,
        "is_active": True,
        "triggers": ["hola", "menú"],
        "invalid_option_text": DEFAULT_INVALID_OPTION_TEXT,
        "fallback_area_id": None,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    expected_root = _filled(data["root"])
    expected_root["children"][0]["children"][1]["trigger"] = "ventas, comprar"
    assert _strip_ids(body["root"]) == expected_root
    assert len(body["root"]["key"]) == 32
    assert client.get(f"/api/flows/{body['id']}").json() == body


def test_put_replaces_and_keeps_nodes_by_key(api, admin, flow_data):
    client = api(admin)
    body = client.post("/api/flows", flow_data()).json()
    menu = body["root"]["children"][0]
    menu["text"] = "¿Qué necesitás?"
    del menu["children"][2]

    response = client.put(f"/api/flows/{body['id']}", {**flow_data(), "root": body["root"]})

    assert response.status_code == 200, response.content
    after = response.json()["root"]
    assert after["children"][0]["id"] == menu["id"]
    assert after["children"][0]["text"] == "¿Qué necesitás?"
    assert [o["id"] for o in after["children"][0]["children"]] == [
        o["id"] for o in menu["children"]
    ]
    assert Node.objects.count() == 6


def test_type_errors_and_rule_errors_name_the_same_paths(api, admin, flow_data):
    client = api(admin)
    data = flow_data()
    data["root"]["children"][0]["children"][1]["area_id"] = "abc"
    typed = client.post("/api/flows", data)
    data = flow_data()
    data["root"]["children"][0]["children"][0]["area_id"] = None

    ruled = client.post("/api/flows", data)

    assert typed.status_code == 422
    assert list(typed.json()["errors"]) == ["root.children.0.children.1.area_id"]
    assert ruled.status_code == 422
    assert ruled.json() == {
        "detail": "root.children.0.children.0.area_id: Una derivación necesita un área.",
        "errors": {"root.children.0.children.0.area_id": ["Una derivación necesita un área."]},
    }
    assert Flow.objects.count() == 0


def test_deleting_the_default_flow_is_409_and_others_204(api, admin, flow_data):
    client = api(admin)
    default = client.post("/api/flows", flow_data()).json()
    other = client.post("/api/flows", flow_data(name="Otro", is_default=False, triggers=[])).json()

    refused = client.delete(f"/api/flows/{default['id']}")
    deleted = client.delete(f"/api/flows/{other['id']}")

    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "El flujo por defecto no se puede borrar: elegí antes otro flujo por defecto.",
        "errors": {},
    }
    assert deleted.status_code == 204
    assert list(Flow.objects.values_list("pk", flat=True)) == [default["id"]]
    assert client.get(f"/api/flows/{other['id']}").status_code == 404


def test_unknown_flow_is_404(api, admin):
    client = api(admin)

    assert client.get("/api/flows/999").json() == {"detail": "Flujo inexistente.", "errors": {}}
    assert client.delete("/api/flows/999").status_code == 404
    assert client.get("/api/flows/100000000000000000000").status_code == 404
    assert client.post("/api/flows/999/simulate", {"inputs": []}).status_code == 404


def _calls(flow_id: int, data: dict, other_id: int):
    return {
        "list": ("GET", "/api/flows", None, 200),
        "get": ("GET", f"/api/flows/{flow_id}", None, 200),
        "create": (
            "POST",
            "/api/flows",
            {**data, "name": "Nuevo", "is_default": False, "triggers": []},
            201,
        ),
        "replace": ("PUT", f"/api/flows/{flow_id}", data, 200),
        "delete": ("DELETE", f"/api/flows/{other_id}", None, 204),
        "simulate": ("POST", f"/api/flows/{flow_id}/simulate", {"inputs": ["1"]}, 200),
    }


READERS = {"list", "get", "simulate"}


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("call", ["list", "get", "create", "replace", "delete", "simulate"])
def test_role_may_or_may_not(role, call, api, make_user, admin, flow_data):
    # given a default flow, another one, and a signed-in user of `role`
    flow = services.flow_create(data=flow_data())
    other = services.flow_create(data=flow_data(name="Otro", is_default=False, triggers=[]))
    actor = admin if role == Role.ADMIN else make_user(role)
    method, path, body, success = _calls(flow.pk, flow_data(), other.pk)[call]
    before = list(Node.objects.values_list("pk", "flow_id", "text", "parent_id"))

    # when the call is made
    response = api(actor).request(method, path, body)

    # then editors may do everything, everyone reads and simulates; refused calls write nothing
    if role in EDITORS or call in READERS:
        assert response.status_code == success, response.content
    else:
        assert response.status_code == 403
        assert response.json() == {"detail": "Tu rol no puede hacer esto.", "errors": {}}
        assert list(Node.objects.values_list("pk", "flow_id", "text", "parent_id")) == before
        assert Flow.objects.count() == 2


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/api/flows"),
        ("POST", "/api/flows"),
        ("GET", "/api/flows/1"),
        ("PUT", "/api/flows/1"),
        ("DELETE", "/api/flows/1"),
        ("POST", "/api/flows/1/simulate"),
    ],
)
def test_anonymous_is_401(method, path, api, db):
    response = api().request(method, path, {} if method in ("POST", "PUT") else None)

    assert response.status_code == 401


def test_simulate_answers_each_input_and_writes_nothing(api, make_user, flow_data, soporte):
    flow = services.flow_create(data=flow_data())
    client = api(make_user(Role.OPERATOR))
    counts = (Flow.objects.count(), Node.objects.count())

    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/api/flows/{flow.pk}/simulate", {"inputs": ["nada", "3", "Ana", "menu", "1", "otra"]}
        )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["opening"] == OPENING
    assert body["replies"] == [
        [DEFAULT_INVALID_OPTION_TEXT, MENU_TEXT],
        ["¿Cómo te llamás?"],
        ["¡Gracias, Ana!"],
        ["¡Hola Ana! Soy el asistente de Ventanilla.", MENU_TEXT],
        ["Te paso con Soporte."],
        [],
    ]
    turns = body["turns"]
    assert [turn["input"] for turn in turns] == [None, "nada", "3", "Ana", "menu", "1", "otra"]
    assert [turn["bot_active"] for turn in turns] == [True, True, True, False, True, False, False]
    assert [turn["misses"] for turn in turns] == [0, 1, 0, 0, 0, 0, 0]
    assert turns[3]["actions"] == [
        {
            "kind": "store_field",
            "text": "",
            "options": [],
            "field": "name",
            "value": "Ana",
            "area_id": None,
            "close": False,
        },
        {
            "kind": "send_text",
            "text": "¡Gracias, Ana!",
            "options": [],
            "field": "",
            "value": "",
            "area_id": None,
            "close": False,
        },
        {
            "kind": "end",
            "text": "",
            "options": [],
            "field": "",
            "value": "",
            "area_id": None,
            "close": True,
        },
    ]
    assert turns[5]["actions"][-1]["kind"] == "redirect"
    assert turns[5]["actions"][-1]["area_id"] == soporte.pk
    menu = Node.objects.get(flow=flow, type="menu")
    assert turns[0]["node_key"] == menu.key
    assert [o["title"] for o in turns[0]["actions"][1]["options"]] == [
        "Soporte",
        "Ventas",
        "Mi nombre",
        "Nada más",
    ]
    assert turns[0]["actions"][1]["options"][0]["id"] == menu.children.order_by("order")[0].key
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert [sql for sql in writes if "flows_" in sql or "conversations_" in sql] == []
    assert (Flow.objects.count(), Node.objects.count()) == counts


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "inputs"),
        ({"inputs": "hola"}, "inputs"),
        ({"inputs": ["x"] * 101}, "inputs"),
        ({"inputs": ["x" * 10_001]}, "inputs.0"),
        ({"inputs": [1]}, "inputs.0"),
    ],
)
def test_bad_simulate_input_is_422(body, field, api, admin, flow_data):
    flow = services.flow_create(data=flow_data())

    response = api(admin).post(f"/api/flows/{flow.pk}/simulate", body)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


def test_list_is_paginated_and_queries_do_not_grow(
    api, admin, flow_data, django_assert_num_queries
):
    client = api(admin)
    services.flow_create(data=flow_data(name="A"))
    with django_assert_num_queries(4) as few:
        client.get("/api/flows")
    for n in range(12):
        services.flow_create(data=flow_data(name=f"B{n:02}", is_default=False, triggers=[]))

    with django_assert_num_queries(len(few.captured_queries)):
        first = client.get("/api/flows?limit=10").json()
    second = client.get(f"/api/flows?limit=10&cursor={first['next']}").json()

    names = [flow["name"] for page in (first, second) for flow in page["items"]]
    assert names == ["A"] + [f"B{n:02}" for n in range(12)]
    assert second["next"] is None
    assert all(len(flow["root"]["children"][0]["children"]) == 4 for flow in first["items"])
