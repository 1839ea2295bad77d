"""/api/contacts import, export, merge, duplicates and a contact's conversations over HTTP."""

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import AsyncClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.contacts.factories import make_conversation as make_bare_conversation
from tests.contacts.factories import make_line
from ventanilla.accounts.models import Role
from ventanilla.contacts import importing
from ventanilla.contacts.models import Contact
from ventanilla.contacts.services import contact_create
from ventanilla.conversations.models import Conversation, Status

ANA = "+5493515551111"
BETO = "+5493515552222"
ALL_ROLES = [Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR, Role.SUPPORT, Role.SALES]
STAFF = (Role.ADMIN, Role.SUPERVISOR)
README = (
    "name,phone,dni,area\n"
    "Juan Perez,+549351555111,34567890,Soporte\n"
    "Maria Diaz,+549351555222,,Ventas\n"
)
README_REPORT = {"created": 2, "updated": 0, "unchanged": 0, "rejected": [], "dry_run": False}
REFUSED = {"detail": "Tu rol no puede hacer esto.", "errors": {}}


def _rows():
    return list(
        Contact.objects.order_by("pk").values_list(
            "pk", "name", "phone", "phone_verified", "wa_user_id", "dni", "area_id"
        )
    )


def _upload(client, name: str, data: bytes, **fields):
    form = {"file": SimpleUploadedFile(name, data), **fields}
    return client.http.post("/api/contacts/import", data=form, HTTP_X_CSRFTOKEN=client.csrf_token)


@pytest.fixture
def areas(make_area):
    return make_area("Soporte"), make_area("Ventas")


# --- import ----------------------------------------------------------------------------------


def test_the_readme_example_as_json_body(api, admin, areas):
    response = api(admin).post("/api/contacts/import", {"format": "csv", "payload": README})

    assert response.status_code == 200, response.content
    assert response.json() == README_REPORT
    assert [row[1:4] for row in _rows()] == [
        ("Juan Perez", "+549351555111", False),
        ("Maria Diaz", "+549351555222", False),
    ]


def test_a_dry_run_answers_the_report_and_writes_nothing(api, admin, areas):
    response = api(admin).post(
        "/api/contacts/import", {"format": "csv", "payload": README, "dry_run": True}
    )

    assert response.json() == {**README_REPORT, "dry_run": True}
    assert _rows() == []


def test_a_json_array_with_the_format_left_out(api, admin, areas):
    payload = [{"nombre": "Ana", "teléfono": "0351 15 555 1111", "área": "soporte"}]

    response = api(admin).post("/api/contacts/import", {"payload": payload})

    assert response.json() == {**README_REPORT, "created": 1}
    assert _rows() == [(_rows()[0][0], "Ana", ANA, True, None, "", areas[0].pk)]


def test_a_multipart_csv_upload(api, admin, areas):
    response = _upload(api(admin), "contactos.csv", b"\xef\xbb\xbf" + README.encode())

    assert response.status_code == 200, response.content
    assert response.json() == README_REPORT
    assert len(_rows()) == 2


def test_a_multipart_upload_as_a_dry_run(api, admin, areas):
    response = _upload(api(admin), "contactos.csv", README.encode(), dry_run="true")

    assert response.json() == {**README_REPORT, "dry_run": True}
    assert _rows() == []


@pytest.mark.parametrize("name", ["contactos.json", "contactos", "export.dat"])
def test_a_multipart_json_upload_by_extension_or_sniffed(name, api, admin):
    data = b'  [{"name": "Ana", "phone": "3515551111"}]'

    response = _upload(api(admin), name, data)

    assert response.json() == {**README_REPORT, "created": 1}


def test_a_multipart_upload_without_the_file_is_422(api, admin):
    client = api(admin)

    response = client.http.post(
        "/api/contacts/import", data={"other": "x"}, HTTP_X_CSRFTOKEN=client.csrf_token
    )

    assert response.status_code == 422
    assert response.json() == {
        "detail": "Adjuntá el archivo en el campo «file» del formulario.",
        "errors": {"file": ["Adjuntá el archivo en el campo «file» del formulario."]},
    }


@pytest.mark.parametrize(
    "body,status,field",
    [
        ({"format": "csv"}, 422, "payload"),
        ({"format": "csv", "payload": 12}, 422, "payload"),
        ({"format": 1, "payload": "a"}, 422, "format"),
        ({"format": "xlsx", "payload": "a"}, 422, "format"),
        ({"payload": "name,phone\n", "dry_run": "yes"}, 422, "dry_run"),
        (["not", "an", "object"], 422, "body"),
        ({"format": "csv", "payload": ["a"]}, 422, "payload"),
        ({"format": "json", "payload": "{}"}, 422, "payload"),
    ],
)
def test_bad_import_bodies_are_refused_naming_the_field(body, status, field, api, admin):
    response = api(admin).post("/api/contacts/import", body)

    assert response.status_code == status, response.content
    assert list(response.json()["errors"]) == [field]
    assert _rows() == []


def test_a_body_that_is_not_json_is_400(api, admin):
    client = api(admin)

    response = client.http.post(
        "/api/contacts/import",
        data="{nope",
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.csrf_token,
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "El cuerpo no es JSON válido."


def test_a_file_over_5_mb_is_413(api, admin, settings):
    # given the server accepting bodies a little larger than the import's own limit
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
    data = b"name,phone\n" + b"Ana,3515551111\n" * (importing.MAX_BYTES // 15 + 1)

    response = _upload(api(admin), "grande.csv", data)

    assert response.status_code == 413
    assert response.json() == {
        "detail": "El archivo pesa más de 5 MB: dividilo en archivos más chicos.",
        "errors": {},
    }
    assert _rows() == []


def test_a_body_over_the_servers_limit_is_413_too(api, admin, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = _upload(api(admin), "grande.csv", b"name,phone\n" + b"x" * 2048)

    assert response.status_code == 413
    assert _rows() == []


def test_more_than_10000_rows_is_422(api, admin):
    payload = [{"name": "Ana", "phone": "3515551111"}] * (importing.MAX_ROWS + 1)

    response = api(admin).post("/api/contacts/import", {"format": "json", "payload": payload})

    assert response.status_code == 422
    assert response.json()["detail"] == (
        "El archivo tiene más de 10000 filas: dividilo en archivos más chicos."
    )
    assert _rows() == []


def test_the_queries_of_an_import_do_not_grow_with_rows(api, admin, django_assert_num_queries):
    client = api(admin)

    def payload(count, start):
        return [{"name": f"C{n}", "phone": f"35155{n:05d}"} for n in range(start, start + count)]

    with django_assert_num_queries(10, exact=False) as ten:
        client.post("/api/contacts/import", {"payload": payload(10, 0)})

    with django_assert_num_queries(len(ten.captured_queries)):
        response = client.post("/api/contacts/import", {"payload": payload(100, 100)})

    assert response.json()["created"] == 100


def test_random_import_bodies_never_get_a_server_error(api, admin, areas):
    client = api(admin)
    cells = st.text(max_size=12) | st.integers() | st.none() | st.booleans()
    rows = st.dictionaries(
        st.sampled_from(["name", "phone", "dni", "area", "nombre", "x"]), cells, max_size=4
    )
    payloads = (
        st.text(max_size=80)
        | st.lists(rows | cells, max_size=4)
        | st.builds(
            lambda lines: "name,phone,dni,area\n" + "\n".join(lines),
            st.lists(st.text(alphabet=',;"\n\r 0123456789abcáé+', max_size=30), max_size=4),
        )
    )
    bodies = st.fixed_dictionaries(
        {"payload": payloads},
        optional={"format": st.sampled_from(["csv", "json", "x"]), "dry_run": st.booleans()},
    )

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=bodies)
    def check(body):
        response = client.post("/api/contacts/import", body)
        assert response.status_code < 500, (body, response.content)

    check()


# --- export ----------------------------------------------------------------------------------


def test_export_streams_csv_with_bom(api, admin, areas):
    contact_create(name="Ana", phone=ANA, dni="30123456", area_id=areas[1].pk)

    response = api(admin).get("/api/contacts/export")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="contactos-')
    assert b"".join(response.streaming_content) == (
        "\ufeffname,phone,dni,area\r\nAna,+5493515551111,30123456,Ventas\r\n".encode()
    )


def test_an_export_imported_back_is_all_unchanged(api, admin, areas):
    client = api(admin)
    client.post("/api/contacts/import", {"format": "csv", "payload": README})
    contact_create(name="Perez, Juan", phone="3515551111", dni="1234567", area_id=areas[0].pk)
    before = _rows()

    data = b"".join(client.get("/api/contacts/export").streaming_content)
    response = _upload(client, "contactos.csv", data)

    assert response.json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 3,
        "rejected": [],
        "dry_run": False,
    }
    assert _rows() == before


@pytest.mark.django_db(transaction=True)
async def test_export_over_asgi_streams_an_async_iterator(make_user):
    # given a contact and an admin signed in on the ASGI client
    admin = await sync_to_async(make_user)(Role.ADMIN)
    await sync_to_async(contact_create)(name="Ana", phone=ANA)
    client = AsyncClient()
    await client.aforce_login(admin)

    # when the export is asked for
    response = await client.get("/api/contacts/export")

    # then the pieces come from an async iterator (no warning, nothing read all at once first)
    assert response.status_code == 200
    assert response.is_async
    pieces = [piece async for piece in response.streaming_content]
    assert b"".join(pieces) == ("\ufeffname,phone,dni,area\r\nAna,+5493515551111,,\r\n".encode())
    await sync_to_async(connections.close_all)()  # the worker thread's connection


# --- merge, duplicates, history --------------------------------------------------------------


def test_merge_answers_the_kept_contact(api, admin):
    keep = contact_create(name="Desconocido", phone=ANA)
    other = contact_create(name="Ana", phone=BETO, dni="30123456")
    conversation = make_bare_conversation(other, status=Status.CLOSED)

    response = api(admin).post(f"/api/contacts/{keep.pk}/merge", {"other_id": other.pk})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["name"], body["phone"], body["dni"]) == (
        keep.pk,
        "Ana",
        ANA,
        "30123456",
    )
    assert Conversation.objects.get(pk=conversation.pk).contact_id == keep.pk
    assert not Contact.objects.filter(pk=other.pk).exists()


def test_merge_refusals(api, admin):
    keep = contact_create(name="Ana", phone=ANA)
    other = contact_create(name="Beto", phone=BETO)
    line = make_line()
    first = make_bare_conversation(keep, line=line, status=Status.ACTIVE)
    second = make_bare_conversation(other, line=line, status=Status.BOT)
    Conversation.objects.filter(pk=first.pk).update(open_key=f"{line.pk}:{keep.pk}")
    Conversation.objects.filter(pk=second.pk).update(open_key=f"{line.pk}:{other.pk}")
    client = api(admin)
    before = _rows()

    clash = client.post(f"/api/contacts/{keep.pk}/merge", {"other_id": other.pk})
    itself = client.post(f"/api/contacts/{keep.pk}/merge", {"other_id": keep.pk})
    unknown = client.post(f"/api/contacts/{keep.pk}/merge", {"other_id": 999999})
    missing = client.post("/api/contacts/999999/merge", {"other_id": keep.pk})
    no_body = client.post(f"/api/contacts/{keep.pk}/merge", {})

    assert (clash.status_code, clash.json()["detail"]) == (
        409,
        f"Los dos contactos tienen una conversación abierta en la línea {line.pk} "
        f"(conversaciones {first.pk} y {second.pk}); cerrá una de ellas antes.",
    )
    assert (itself.status_code, itself.json()) == (
        422,
        {
            "detail": "Un contacto no se puede unir consigo mismo.",
            "errors": {"other_id": ["Un contacto no se puede unir consigo mismo."]},
        },
    )
    assert (unknown.status_code, missing.status_code, no_body.status_code) == (404, 404, 422)
    assert _rows() == before


def test_duplicates_are_listed_in_pairs(api, admin):
    first = contact_create(name="Ana", phone="+549351555111", dni="30123456")
    second = contact_create(name="Ana G", phone="+54351555111")

    response = api(admin).get("/api/contacts/duplicates")

    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert [
        ([contact["id"] for contact in item["contacts"]], item["reasons"]) for item in body["items"]
    ] == [([first.pk, second.pk], ["phone"])]
    assert body["items"][0]["contacts"][0]["phone"] == "+549351555111"
    assert api(admin).get("/api/contacts/duplicates?limit=0").status_code == 422


def test_a_contacts_conversations_newest_first_with_status_area_agent_and_dates(
    api, admin, make_area
):
    area = make_area("Soporte")
    ana = contact_create(name="Ana", phone=ANA)
    old = make_bare_conversation(ana, status=Status.CLOSED, area=area, assigned_to=admin)
    new = make_bare_conversation(ana, status=Status.QUEUED, area=area)
    make_bare_conversation(contact_create(name="Beto", phone=BETO))

    response = api(admin).get(f"/api/contacts/{ana.pk}/conversations")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [(item["id"], item["status"], item["area"], item["assigned_to"]) for item in items] == [
        (new.pk, "queued", {"id": area.pk, "name": "Soporte"}, None),
        (old.pk, "closed", {"id": area.pk, "name": "Soporte"}, {"id": admin.pk, "name": "La Jefa"}),
    ]
    assert {"created_at", "closed_at", "last_activity_at"} <= set(items[0])


def test_an_agent_sees_only_the_conversations_they_may_see(api, make_user, make_area):
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    agent = make_user(Role.OPERATOR, areas=[soporte])
    ana = contact_create(name="Ana", phone=ANA)
    waiting = make_bare_conversation(ana, status=Status.QUEUED, area=soporte)
    make_bare_conversation(ana, status=Status.QUEUED, area=ventas)
    beto = contact_create(name="Beto", phone=BETO)
    make_bare_conversation(beto, status=Status.QUEUED, area=ventas)
    client = api(agent)

    mine = client.get(f"/api/contacts/{ana.pk}/conversations")
    hidden = client.get(f"/api/contacts/{beto.pk}/conversations")

    assert [item["id"] for item in mine.json()["items"]] == [waiting.pk]
    assert (hidden.status_code, hidden.json()["detail"]) == (404, "Contacto inexistente.")


def test_conversations_of_a_contact_are_paginated(api, admin):
    ana = contact_create(name="Ana", phone=ANA)
    made = [make_bare_conversation(ana, status=Status.CLOSED).pk for _ in range(3)]
    client = api(admin)

    first = client.get(f"/api/contacts/{ana.pk}/conversations?limit=2").json()
    rest = client.get(f"/api/contacts/{ana.pk}/conversations?limit=2&cursor={first['next']}").json()

    assert [item["id"] for item in first["items"] + rest["items"]] == sorted(made, reverse=True)
    assert rest["next"] is None


# --- who may do what -------------------------------------------------------------------------


def _calls(keep_id: int, other_id: int):
    return {
        "import": ("POST", "/api/contacts/import", {"payload": "name,phone\nNuevo,3515559999\n"}),
        "export": ("GET", "/api/contacts/export", None),
        "merge": ("POST", f"/api/contacts/{keep_id}/merge", {"other_id": other_id}),
        "duplicates": ("GET", "/api/contacts/duplicates", None),
    }


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("call", ["import", "export", "merge", "duplicates"])
def test_role_may_or_may_not(role, call, api, admin, make_user, make_area):
    # given two contacts whose conversations wait in the actor's area
    area = make_area("Soporte")
    actor = admin if role == Role.ADMIN else make_user(role, areas=[area])
    keep = contact_create(name="Ana", phone=ANA)
    other = contact_create(name="Beto", phone=BETO)
    make_bare_conversation(keep, status=Status.QUEUED, area=area)
    make_bare_conversation(other, status=Status.QUEUED, area=area)
    method, path, body = _calls(keep.pk, other.pk)[call]
    before = _rows()

    response = api(actor).request(method, path, body)

    # then admins and supervisors may; agents are refused and nothing is written
    if role in STAFF:
        assert response.status_code == 200, response.content
    else:
        assert (response.status_code, response.json()) == (403, REFUSED)
        assert _rows() == before


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/api/contacts/import"),
        ("GET", "/api/contacts/export"),
        ("POST", "/api/contacts/1/merge"),
        ("GET", "/api/contacts/duplicates"),
        ("GET", "/api/contacts/1/conversations"),
    ],
)
def test_anonymous_callers_get_401(method, path, api, db):
    response = api().request(method, path, {"payload": "x"} if method == "POST" else None)

    assert response.status_code == 401
