"""/api/contacts: shapes, validation, who may do what, and whose contacts an agent sees."""

from datetime import datetime
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.contacts.factories import make_conversation, make_line
from ventanilla.accounts.models import Role
from ventanilla.contacts.models import Contact
from ventanilla.contacts.services import contact_create
from ventanilla.conversations.models import Status

ANA = "+5493515551111"
ALL_ROLES = [Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR, Role.SUPPORT, Role.SALES]
AGENTS = [Role.OPERATOR, Role.SUPPORT, Role.SALES]
NOT_FOUND = {"detail": "Contacto inexistente.", "errors": {}}


def _rows():
    return list(
        Contact.objects.order_by("pk").values_list(
            "pk", "name", "phone", "phone_verified", "wa_user_id", "dni", "area_id"
        )
    )


def _has_offset(value: str) -> bool:
    return datetime.fromisoformat(value).utcoffset() is not None


def test_admin_creates_and_reads_a_contact(api, admin, make_area):
    ventas = make_area("Ventas")
    client = api(admin)

    created = client.post(
        "/api/contacts",
        {
            "name": " Ana  Gómez ",
            "phone": "0351 15 555 1111",
            "dni": "30.123.456",
            "area_id": ventas.pk,
        },
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert body == {
        "id": body["id"],
        "name": "Ana Gómez",
        "phone": ANA,
        "phone_verified": True,
        "wa_user_id": None,
        "dni": "30123456",
        "area": {"id": ventas.pk, "name": "Ventas"},
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert _has_offset(body["created_at"]) and _has_offset(body["updated_at"])
    assert client.get(f"/api/contacts/{body['id']}").json() == body


def test_an_unvalidated_number_is_kept_unverified(api, admin):
    response = api(admin).post("/api/contacts", {"name": "Ana", "phone": "+549351555111"})

    assert response.status_code == 201
    assert (response.json()["phone"], response.json()["phone_verified"]) == (
        "+549351555111",
        False,
    )


@pytest.mark.parametrize(
    "payload,field,message",
    [
        ({"name": "", "phone": ANA}, "name", "Este campo no puede quedar vacío."),
        ({"phone": ANA}, "name", "Este campo es obligatorio."),
        ({"name": "Ana", "phone": "hola"}, "phone", "«hola» no es un teléfono."),
        ({"name": "Ana", "phone": 5493515551111}, "phone", "Tiene que ser texto."),
        (
            {"name": "Ana"},
            "phone",
            "Un contacto necesita un teléfono o un id de usuario de WhatsApp.",
        ),
        ({"name": "Ana", "phone": ANA, "dni": "12"}, "dni", "El DNI tiene 7 u 8 dígitos"),
        ({"name": "Ana", "phone": ANA, "area_id": 999}, "area_id", "No existe el área con id 999."),
        ({"name": "Ana", "phone": ANA, "area_id": "x"}, "area_id", "número entero"),
    ],
)
def test_bad_contact_input_is_422_naming_the_field(payload, field, message, api, admin):
    response = api(admin).post("/api/contacts", payload)

    assert response.status_code == 422
    body = response.json()
    assert list(body["errors"]) == [field]
    assert message in body["errors"][field][0]
    assert body["detail"].startswith(f"{field}: ")
    assert Contact.objects.count() == 0


@pytest.mark.parametrize("duplicate", ["5493515551111@c.us", "+54 351 555 1111", "3515551111"])
def test_a_duplicate_phone_in_another_form_names_the_existing_contact(duplicate, api, admin):
    existing = contact_create(name="Ana", phone=ANA)

    response = api(admin).post("/api/contacts", {"name": "Otra", "phone": duplicate})

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "phone": [f"El contacto {existing.pk} («Ana») ya tiene el teléfono {ANA}."]
    }
    assert Contact.objects.count() == 1


def test_patch_changes_only_given_fields_and_refuses_null_name(api, admin, make_area):
    area = make_area("Ventas")
    contact = contact_create(name="Ana", phone=ANA, dni="30123456", area_id=area.pk)
    client = api(admin)

    moved = client.patch(f"/api/contacts/{contact.pk}", {"area_id": None, "dni": "7.123.456"})
    nulled = client.patch(f"/api/contacts/{contact.pk}", {"name": None})

    assert moved.status_code == 200
    assert (moved.json()["name"], moved.json()["dni"], moved.json()["area"]) == (
        "Ana",
        "7123456",
        None,
    )
    assert nulled.status_code == 422
    assert nulled.json()["errors"] == {"name": ["Este campo no puede ser nulo."]}


def test_patch_refuses_to_leave_a_contact_unreachable(api, admin):
    contact = contact_create(name="Ana", phone=ANA)
    before = _rows()

    response = api(admin).patch(f"/api/contacts/{contact.pk}", {"phone": None, "name": "X"})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["phone"]
    assert _rows() == before


def test_delete_removes_a_contact_without_conversations(api, admin):
    contact = contact_create(name="Ana", phone=ANA)

    response = api(admin).delete(f"/api/contacts/{contact.pk}")

    assert response.status_code == 204
    assert Contact.objects.count() == 0


def test_delete_of_a_contact_with_conversations_is_409(api, admin):
    contact = contact_create(name="Ana", phone=ANA)
    make_conversation(contact)

    response = api(admin).delete(f"/api/contacts/{contact.pk}")

    assert response.status_code == 409
    assert response.json() == {
        "detail": (
            f"El contacto {contact.pk} tiene conversaciones: en vez de borrarlo, unilo con otro "
            "contacto."
        ),
        "errors": {},
    }
    assert Contact.objects.count() == 1


def test_unknown_contact_is_404(api, admin):
    client = api(admin)

    assert client.get("/api/contacts/999").json() == NOT_FOUND
    assert client.patch("/api/contacts/999", {"name": "X"}).status_code == 404
    assert client.delete("/api/contacts/999").status_code == 404


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/api/contacts"),
        ("POST", "/api/contacts"),
        ("GET", "/api/contacts/1"),
        ("PATCH", "/api/contacts/1"),
        ("DELETE", "/api/contacts/1"),
    ],
)
def test_anonymous_callers_get_401(method, path, api, db):
    response = api().request(method, path, {"name": "X"} if method in {"POST", "PATCH"} else None)

    assert response.status_code == 401


# --- Who may do what -------------------------------------------------------------------------


def _calls(contact_id: int, spare_id: int, area_id: int):
    return {
        "list": ("GET", "/api/contacts", None, 200),
        "get": ("GET", f"/api/contacts/{contact_id}", None, 200),
        "create": ("POST", "/api/contacts", {"name": "Nuevo", "phone": "+5493515559999"}, 201),
        "patch name and dni": (
            "PATCH",
            f"/api/contacts/{contact_id}",
            {"name": "Ana María", "dni": "30.123.456"},
            200,
        ),
        "patch phone": ("PATCH", f"/api/contacts/{contact_id}", {"phone": "+5493515552222"}, 200),
        "patch area": ("PATCH", f"/api/contacts/{contact_id}", {"area_id": area_id}, 200),
        "patch user id": ("PATCH", f"/api/contacts/{contact_id}", {"wa_user_id": "AR.9"}, 200),
        "delete": ("DELETE", f"/api/contacts/{spare_id}", None, 204),
    }


AGENTS_MAY = {"list", "get", "patch name and dni"}


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(
    "call",
    [
        "list",
        "get",
        "create",
        "patch name and dni",
        "patch phone",
        "patch area",
        "patch user id",
        "delete",
    ],
)
def test_role_may_or_may_not(role, call, api, admin, make_user, make_area):
    # given a contact waiting in the actor's area, a spare contact, and a signed-in actor
    area = make_area("Soporte")
    actor = admin if role == Role.ADMIN else make_user(role, areas=[area])
    contact = contact_create(name="Ana", phone=ANA)
    make_conversation(contact, status=Status.QUEUED, area=area)
    spare = contact_create(name="Sin charlas", phone="+5493515553333")
    method, path, body, success = _calls(contact.pk, spare.pk, area.pk)[call]
    before = _rows()

    # when the call is made
    response = api(actor).request(method, path, body)

    # then admins and supervisors may do everything; agents read and edit name and DNI only,
    # and a refused call writes nothing
    if role in (Role.ADMIN, Role.SUPERVISOR) or call in AGENTS_MAY:
        assert response.status_code == success, response.content
    else:
        assert response.status_code == 403
        assert response.json()["detail"] in {
            "Tu rol no puede hacer esto.",
            "Tu rol solo puede cambiar el nombre y el DNI de un contacto.",
        }
        assert _rows() == before


def test_an_agent_patching_other_fields_is_refused_naming_them(api, make_user, make_area):
    area = make_area("Soporte")
    agent = make_user(Role.OPERATOR, areas=[area])
    contact = contact_create(name="Ana", phone=ANA)
    make_conversation(contact, area=area)
    before = _rows()

    response = api(agent).patch(
        f"/api/contacts/{contact.pk}", {"name": "Otra", "phone": None, "area_id": area.pk}
    )

    message = "Tu rol solo puede cambiar el nombre y el DNI de un contacto."
    assert response.status_code == 403
    assert response.json() == {
        "detail": message,
        "errors": {"area_id": [message], "phone": [message]},
    }
    assert _rows() == before


# --- Whose contacts an agent sees ------------------------------------------------------------


@pytest.fixture
def desk(make_user, make_area):
    """Two areas, an agent in each, and contacts in every situation of visibility."""
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    agent = make_user(Role.SUPPORT, username="sofia", areas=[soporte])
    colleague = make_user(Role.SUPPORT, username="carlos", areas=[soporte])
    seller = make_user(Role.SALES, username="valen", areas=[ventas])
    line = make_line()
    contacts = {}
    for name, conversation in [
        ("Queued in Soporte", {"status": Status.QUEUED, "area": soporte}),
        ("Mine in Ventas", {"status": Status.ACTIVE, "area": ventas, "assigned_to": agent}),
        ("Colleague's", {"status": Status.ACTIVE, "area": soporte, "assigned_to": colleague}),
        ("Queued in Ventas", {"status": Status.QUEUED, "area": ventas}),
        ("Con el bot", {"status": Status.BOT, "area": None}),
        ("Closed in Soporte", {"status": Status.CLOSED, "area": soporte}),
        ("No conversations", None),
    ]:
        contact = contact_create(name=name, phone=f"+54935155500{len(contacts):02d}")
        if conversation is not None:
            make_conversation(contact, line=line, **conversation)
        contacts[name] = contact
    return {"agent": agent, "seller": seller, "contacts": contacts}


def _search(q: str) -> str:
    return f"/api/contacts?{urlencode({'q': q})}"


def _names(response) -> list[str]:
    return [item["name"] for item in response.json()["items"]]


def test_an_agent_lists_only_contacts_of_conversations_they_can_see(api, desk):
    response = api(desk["agent"]).get("/api/contacts")

    assert _names(response) == ["Mine in Ventas", "Queued in Soporte"]


def test_another_areas_agent_lists_other_contacts(api, desk):
    response = api(desk["seller"]).get("/api/contacts")

    assert _names(response) == ["Queued in Ventas"]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
def test_admins_and_supervisors_list_every_contact(role, api, make_user, desk):
    response = api(make_user(role)).get("/api/contacts")

    assert sorted(_names(response)) == sorted(desk["contacts"])


@pytest.mark.parametrize(
    "name",
    ["Colleague's", "Queued in Ventas", "Con el bot", "Closed in Soporte", "No conversations"],
)
def test_a_contact_an_agent_may_not_see_is_404_like_one_that_does_not_exist(name, api, desk):
    contact = desk["contacts"][name]
    client = api(desk["agent"])
    before = _rows()

    got = client.get(f"/api/contacts/{contact.pk}")
    patched = client.patch(f"/api/contacts/{contact.pk}", {"name": "Hackeado"})

    assert (got.status_code, got.json()) == (404, NOT_FOUND)
    assert (patched.status_code, patched.json()) == (404, NOT_FOUND)
    assert _rows() == before


def test_an_agent_may_not_delete_even_a_contact_they_see(api, desk):
    contact = desk["contacts"]["Queued in Soporte"]

    response = api(desk["agent"]).delete(f"/api/contacts/{contact.pk}")

    assert response.status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_an_agent_edits_name_and_dni_of_a_contact_they_see(api, desk):
    contact = desk["contacts"]["Mine in Ventas"]

    response = api(desk["agent"]).patch(
        f"/api/contacts/{contact.pk}", {"name": "Ana Gómez", "dni": "30 123 456"}
    )

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["dni"]) == ("Ana Gómez", "30123456")


# --- Search, pages and queries ---------------------------------------------------------------


@pytest.fixture
def people(db):
    contact_create(name="Ana Gómez", phone="+5493515551111", dni="30123456")
    contact_create(name="Bruno Díaz", phone="+5491155552222", dni="7654321")
    contact_create(name="Carla Anaya", phone="+34612345678")
    contact_create(name="Solo Id", wa_user_id="AR.77")


@pytest.mark.parametrize(
    "q,names",
    [
        ("", ["Ana Gómez", "Bruno Díaz", "Carla Anaya", "Solo Id"]),
        ("ana", ["Ana Gómez", "Carla Anaya"]),
        ("  gómEZ ", ["Ana Gómez"]),
        ("555 1111", ["Ana Gómez"]),
        ("0351 15 555 1111", ["Ana Gómez"]),
        ("+54 9 11 5555-2222", ["Bruno Díaz"]),
        ("612", ["Carla Anaya"]),
        ("30.123.456", ["Ana Gómez"]),
        ("7654321", ["Bruno Díaz"]),
        ("nadie", []),
        ("100%", []),
        ("_", []),
    ],
)
def test_search_by_name_phone_or_dni(q, names, api, admin, people):
    response = api(admin).get(_search(q))

    assert response.status_code == 200
    assert _names(response) == names


def test_an_agents_search_stays_within_what_they_see(api, desk):
    client = api(desk["agent"])

    assert _names(client.get(_search("queued"))) == ["Queued in Soporte"]
    assert _names(client.get(_search("+5493515550003"))) == []


def test_list_is_paginated_by_cursor_in_name_order(api, admin):
    for n, name in enumerate(["Delta", "Alfa", "Charlie", "Bravo", "Echo", "Alfa"]):
        contact_create(name=name, phone=f"+54935155510{n:02d}")
    client = api(admin)

    first = client.get("/api/contacts?limit=2").json()
    second = client.get(f"/api/contacts?limit=2&cursor={first['next']}").json()
    third = client.get(f"/api/contacts?limit=2&cursor={second['next']}").json()

    pages = (first, second, third)
    assert [item["name"] for page in pages for item in page["items"]] == [
        "Alfa",
        "Alfa",
        "Bravo",
        "Charlie",
        "Delta",
        "Echo",
    ]
    assert len({item["id"] for page in pages for item in page["items"]}) == 6
    assert third["next"] is None


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "cursor=garbage"])
def test_bad_page_parameters_are_422(query, api, admin):
    response = api(admin).get(f"/api/contacts?{query}")

    assert response.status_code == 422


def _add_contacts(count: int, start: int, area, line) -> None:
    for n in range(start, start + count):
        contact = contact_create(name=f"C{n:03d}", phone=f"+549351556{n:04d}", area_id=area.pk)
        make_conversation(contact, line=line, status=Status.QUEUED, area=area)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR])
def test_list_queries_do_not_grow_with_rows(
    role, api, make_user, make_area, django_assert_num_queries
):
    area = make_area("Soporte")
    line = make_line()
    client = api(make_user(role, areas=[area]))
    _add_contacts(3, 0, area, line)
    with django_assert_num_queries(3 if role != Role.OPERATOR else 4) as few:
        client.get("/api/contacts")
    _add_contacts(30, 3, area, line)

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/api/contacts?limit=100")

    assert len(response.json()["items"]) == 33
    assert response.json()["items"][0]["area"] == {"id": area.pk, "name": "Soporte"}


# --- Robustness ------------------------------------------------------------------------------

_values = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=20)
    | st.lists(st.integers(), max_size=2)
)
_bodies = (
    st.dictionaries(
        st.sampled_from(["name", "phone", "dni", "area_id", "wa_user_id"]), _values, max_size=5
    )
    | _values
)


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_random_json_never_gets_a_server_error(method, api, admin):
    contact = contact_create(name="Ana", phone=ANA)
    client = api(admin)
    url = "/api/contacts" if method == "POST" else f"/api/contacts/{contact.pk}"

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=_bodies)
    def check(body):
        response = client.request(method, url, body)
        assert response.status_code < 500, (body, response.content)

    check()


def test_random_searches_never_get_a_server_error(api, admin, people):
    client = api(admin)

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(q=st.text(max_size=20))
    def check(q):
        response = client.get(_search(q))
        assert response.status_code == 200, (q, response.content)

    check()
