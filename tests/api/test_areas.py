import pytest

from ventanilla.accounts.models import Area


def test_admin_creates_and_reads_an_area(api, admin):
    client = api(admin)

    created = client.post("/api/areas", {"name": "  Soporte  técnico ", "description": "Fallas"})

    assert created.status_code == 201
    body = created.json()
    assert body == {
        "id": body["id"],
        "name": "Soporte técnico",
        "description": "Fallas",
        "is_active": True,
        "first_response_target_minutes": None,
        "resolution_target_minutes": None,
    }
    assert client.get(f"/api/areas/{body['id']}").json() == body


def test_admin_sets_changes_and_clears_the_response_time_targets(api, admin):
    client = api(admin)
    created = client.post(
        "/api/areas",
        {"name": "Soporte", "first_response_target_minutes": 30, "resolution_target_minutes": 480},
    ).json()
    assert (created["first_response_target_minutes"], created["resolution_target_minutes"]) == (
        30,
        480,
    )

    changed = client.patch(f"/api/areas/{created['id']}", {"first_response_target_minutes": 15})
    cleared = client.patch(f"/api/areas/{created['id']}", {"resolution_target_minutes": None})

    assert changed.json()["first_response_target_minutes"] == 15
    assert changed.json()["resolution_target_minutes"] == 480
    assert cleared.json()["first_response_target_minutes"] == 15
    assert cleared.json()["resolution_target_minutes"] is None
    area = Area.objects.get()
    assert (area.first_response_target_minutes, area.resolution_target_minutes) == (15, None)


TARGET_RANGE = "Indicá minutos enteros entre 1 y 129600, o vacío para no tener meta."


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("first_response_target_minutes", 0, TARGET_RANGE),
        ("first_response_target_minutes", -5, TARGET_RANGE),
        ("resolution_target_minutes", 129601, TARGET_RANGE),
        ("resolution_target_minutes", 1.5, "número entero"),
        ("first_response_target_minutes", "30", "número entero"),
        ("first_response_target_minutes", True, "número entero"),
    ],
)
def test_a_bad_target_is_422_naming_it_and_writes_nothing(api, admin, field, value, message):
    client = api(admin)
    area = client.post("/api/areas", {"name": "Soporte", field: 60}).json()

    created = client.post("/api/areas", {"name": "Ventas", field: value})
    patched = client.patch(f"/api/areas/{area['id']}", {"name": "Otra", field: value})

    for response in (created, patched):
        assert response.status_code == 422
        assert list(response.json()["errors"]) == [field]
        assert message in response.json()["errors"][field][0]
    assert list(Area.objects.values_list("name", field)) == [("Soporte", 60)]


CONTROL_CHARACTERS = "Tiene caracteres de control: sacalos y volvé a intentar."


@pytest.mark.parametrize(
    "payload,field,message",
    [
        ({"name": ""}, "name", "Este campo no puede quedar vacío."),
        ({"name": "   "}, "name", "Este campo no puede quedar vacío."),
        ({"name": "x" * 81}, "name", "Usá como máximo 80 caracteres."),
        ({}, "name", "Este campo es obligatorio."),
        ({"name": 7}, "name", "Tiene que ser texto."),
        ({"name": "Ok", "is_active": "maybe"}, "is_active", "Tiene que ser verdadero o falso."),
        ({"name": "So\x1bporte"}, "name", CONTROL_CHARACTERS),
        ({"name": "Ok", "description": "a\x00b"}, "description", CONTROL_CHARACTERS),
        ({"name": "Ok", "description": "a\x0bb"}, "description", CONTROL_CHARACTERS),
    ],
)
def test_bad_area_input_is_422_naming_the_field(payload, field, message, api, admin):
    response = api(admin).post("/api/areas", payload)

    assert response.status_code == 422
    body = response.json()
    assert len(body["errors"][field]) == 1
    assert message in body["errors"][field][0]
    assert body["detail"].startswith(f"{field}: ")
    assert Area.objects.count() == 0


@pytest.mark.parametrize("duplicate", ["Ventas", "VENTAS", "ventas ", "Véntas"])
def test_duplicate_area_name_is_refused_case_and_accent_insensitively(duplicate, api, admin):
    client = api(admin)
    client.post("/api/areas", {"name": "Ventas"})

    response = client.post("/api/areas", {"name": duplicate})

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "name": [f"Ya existe un área llamada «{duplicate.strip()}»."]
    }
    assert list(Area.objects.values_list("name", flat=True)) == ["Ventas"]


def test_renaming_onto_another_area_is_refused(api, admin, make_area):
    make_area("Ventas")
    soporte = make_area("Soporte")

    response = api(admin).patch(f"/api/areas/{soporte.pk}", {"name": "ventas"})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["name"]
    soporte.refresh_from_db()
    assert soporte.name == "Soporte"


def test_renaming_an_area_to_its_own_name_in_other_case_is_fine(api, admin, make_area):
    soporte = make_area("Soporte")

    response = api(admin).patch(f"/api/areas/{soporte.pk}", {"name": "SOPORTE"})

    assert response.status_code == 200
    assert response.json()["name"] == "SOPORTE"


def test_patch_changes_only_given_fields_and_refuses_null(api, admin, make_area):
    area = make_area("Soporte", description="Fallas")
    client = api(admin)

    deactivated = client.patch(f"/api/areas/{area.pk}", {"is_active": False})
    nulled = client.patch(f"/api/areas/{area.pk}", {"name": None})

    assert deactivated.json() == {
        "id": area.pk,
        "name": "Soporte",
        "description": "Fallas",
        "is_active": False,
        "first_response_target_minutes": None,
        "resolution_target_minutes": None,
    }
    assert nulled.status_code == 422
    assert nulled.json()["errors"] == {"name": ["Este campo no puede ser nulo."]}


def test_put_replaces_the_area(api, admin, make_area):
    area = make_area("Soporte", description="Fallas", first_response_target_minutes=30)

    response = api(admin).put(f"/api/areas/{area.pk}", {"name": "Soporte N2"})

    assert response.json() == {
        "id": area.pk,
        "name": "Soporte N2",
        "description": "",
        "is_active": True,
        "first_response_target_minutes": None,  # what a PUT leaves out is reset
        "resolution_target_minutes": None,
    }


def test_unknown_area_is_404(api, admin):
    client = api(admin)

    assert client.get("/api/areas/999").status_code == 404
    assert client.patch("/api/areas/999", {"name": "X"}).json() == {
        "detail": "Área inexistente.",
        "errors": {},
    }


def test_non_integer_area_id_is_a_client_error(api, admin):
    response = api(admin).get("/api/areas/abc")

    assert response.status_code in (404, 422)


def test_malformed_json_is_400(api, admin):
    client = api(admin)

    response = client.http.post(
        "/api/areas",
        data="{not json",
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.csrf_token,
    )

    assert response.status_code == 400
    assert Area.objects.count() == 0


def test_list_is_paginated_by_cursor_in_name_order(api, admin, make_area):
    for name in ["Delta", "alfa", "Charlie", "Bravo", "Echo"]:
        make_area(name)
    client = api(admin)

    first = client.get("/api/areas?limit=2").json()
    second = client.get(f"/api/areas?limit=2&cursor={first['next']}").json()
    third = client.get(f"/api/areas?limit=2&cursor={second['next']}").json()

    names = [a["name"] for page in (first, second, third) for a in page["items"]]
    assert names == ["alfa", "Bravo", "Charlie", "Delta", "Echo"]
    assert third["next"] is None


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "cursor=garbage", "limit=x"])
def test_bad_page_parameters_are_422(query, api, admin):
    response = api(admin).get(f"/api/areas?{query}")

    assert response.status_code == 422
    assert set(response.json()["errors"]) <= {"limit", "cursor"}


def test_area_list_queries_do_not_grow_with_rows(api, admin, make_area, django_assert_num_queries):
    client = api(admin)
    for n in range(3):
        make_area(f"A{n}")
    with django_assert_num_queries(3) as few:
        client.get("/api/areas")
    for n in range(30):
        make_area(f"B{n}")

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/api/areas?limit=100")

    assert len(response.json()["items"]) == 33


def test_forged_cursor_is_422_not_500(api, admin, make_area):
    import base64
    import json

    make_area("Soporte")
    forged = base64.urlsafe_b64encode(json.dumps(["a", "abc"]).encode()).decode()

    response = api(admin).get(f"/api/areas?cursor={forged}")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["cursor"]


def test_a_cursor_from_another_list_is_422_not_500(api, admin, make_area, make_conversation):
    for n in range(2):
        make_area(f"Área {n}")
        make_conversation("bot")
    client = api(admin)
    areas_cursor = client.get("/api/areas?limit=1").json()["next"]
    conversations_cursor = client.get("/api/conversations?limit=1").json()["next"]

    answers = [
        client.get(f"/api/conversations?cursor={areas_cursor}"),
        client.get(f"/api/areas?cursor={conversations_cursor}"),
    ]

    assert [answer.status_code for answer in answers] == [422, 422]
    assert [list(answer.json()["errors"]) for answer in answers] == [["cursor"], ["cursor"]]
