"""/api/working-hours: shapes, validation with field names, and who may do what."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ventanilla.accounts.models import Role
from ventanilla.schedules import services
from ventanilla.schedules.models import WorkingHour

ALL_ROLES = [Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR, Role.SUPPORT, Role.SALES]


def _rows() -> list[tuple]:
    return list(
        WorkingHour.objects.order_by("pk").values_list(
            "pk", "area_id", "days", "start_time", "end_time", "message"
        )
    )


def test_admin_creates_reads_updates_and_deletes_a_window(api, admin, make_area):
    soporte = make_area("Soporte")
    client = api(admin)

    created = client.post(
        "/api/working-hours",
        {
            "area_id": soporte.pk,
            "days": [5, 1, 3],
            "start_time": "8:00",
            "end_time": "18:30",
            "message": "  Volvemos a las 8.  ",
        },
    )

    assert created.status_code == 201
    body = created.json()
    assert body == {
        "id": body["id"],
        "area_id": soporte.pk,
        "days": [1, 3, 5],
        "start_time": "08:00",
        "end_time": "18:30",
        "message": "Volvemos a las 8.",
    }
    assert client.get(f"/api/working-hours/{body['id']}").json() == body

    patched = client.patch(
        f"/api/working-hours/{body['id']}", {"start_time": "22:00", "end_time": "06:00"}
    )

    assert patched.status_code == 200
    assert patched.json() == {**body, "start_time": "22:00", "end_time": "06:00"}

    deleted = client.delete(f"/api/working-hours/{body['id']}")

    assert deleted.status_code == 204
    assert WorkingHour.objects.count() == 0
    assert client.get(f"/api/working-hours/{body['id']}").status_code == 404


def test_list_is_paginated_and_filtered_by_area(api, make_user, make_area):
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    ids = [
        services.working_hour_create(
            area_id=area.pk, days=[1], start_time=f"{hour:02d}:00", end_time=f"{hour:02d}:30"
        ).pk
        for area, hour in [(soporte, 8), (ventas, 9), (soporte, 10)]
    ]
    client = api(make_user(Role.SALES, areas=[ventas]))

    first = client.get("/api/working-hours?limit=2").json()
    second = client.get(f"/api/working-hours?limit=2&cursor={first['next']}").json()
    only_soporte = client.get(f"/api/working-hours?area={soporte.pk}").json()

    assert [item["id"] for item in first["items"] + second["items"]] == [ids[0], ids[2], ids[1]]
    assert second["next"] is None
    assert [item["id"] for item in only_soporte["items"]] == [ids[0], ids[2]]
    assert only_soporte["items"][0] == {
        "id": ids[0],
        "area_id": soporte.pk,
        "days": [1],
        "start_time": "08:00",
        "end_time": "08:30",
        "message": "",
    }


VALID = {"days": [1, 2], "start_time": "08:00", "end_time": "18:00"}


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"area_id": 999999}, "area_id", "No existe el área con id 999999."),
        ({"days": []}, "days", "Elegí al menos un día."),
        ({"days": [7]}, "days", "Los días van de 0 (domingo) a 6 (sábado)."),
        ({"days": [-1, 2]}, "days", "Los días van de 0 (domingo) a 6 (sábado)."),
        ({"days": [1, 1]}, "days", "Cada día puede aparecer una sola vez."),
        ({"days": ["1"]}, "days.0", "Tiene que ser un número entero."),
        ({"days": [True]}, "days.0", "Tiene que ser un número entero."),
        ({"days": 1}, "days", "Tiene que ser una lista."),
        ({"start_time": "8"}, "start_time", "Usá el formato HH:MM, de «00:00» a «23:59»."),
        ({"start_time": "24:00"}, "start_time", "Usá el formato HH:MM, de «00:00» a «23:59»."),
        ({"start_time": "08:60"}, "start_time", "Usá el formato HH:MM, de «00:00» a «23:59»."),
        ({"end_time": "0800"}, "end_time", "Usá el formato HH:MM, de «00:00» a «23:59»."),
        ({"end_time": "08:00:00"}, "end_time", "Usá el formato HH:MM, de «00:00» a «23:59»."),
        (
            {"end_time": "08:00"},
            "end_time",
            "La franja tiene que terminar a otra hora que la de inicio",
        ),
        ({"message": "x" * 1001}, "message", "Usá como máximo 1000 caracteres."),
        ({"start_time": None}, "start_time", "Tiene que ser texto."),
        ({"days": None}, "days", "Tiene que ser una lista."),
    ],
)
def test_bad_input_is_422_naming_the_field_and_writes_nothing(
    api, admin, make_area, changes, field, message
):
    area = make_area("Soporte")
    payload = {"area_id": area.pk, **VALID, **changes}

    response = api(admin).post("/api/working-hours", payload)

    assert response.status_code == 422
    body = response.json()
    assert list(body["errors"]) == [field]
    assert len(body["errors"][field]) == 1
    assert body["errors"][field][0].startswith(message)
    assert body["detail"].startswith(f"{field}: ")
    assert WorkingHour.objects.count() == 0


def test_missing_fields_are_named(api, admin):
    response = api(admin).post("/api/working-hours", {})

    assert response.status_code == 422
    assert sorted(response.json()["errors"]) == ["area_id", "days", "end_time", "start_time"]
    assert WorkingHour.objects.count() == 0


def test_deactivated_area_is_refused(api, admin, make_area):
    area = make_area("Viejo", is_active=False)

    response = api(admin).post("/api/working-hours", {"area_id": area.pk, **VALID})

    assert response.status_code == 422
    assert response.json()["errors"] == {"area_id": ["Esa área está desactivada."]}
    assert WorkingHour.objects.count() == 0


@pytest.mark.parametrize(
    "changes,errors",
    [
        (
            {"start_time": "18:00"},
            {
                "end_time": [
                    "La franja tiene que terminar a otra hora que la de inicio "
                    "(un fin antes del inicio cruza la medianoche)."
                ]
            },
        ),
        ({"area_id": None}, {"area_id": ["Este campo no puede ser nulo."]}),
        ({"days": None}, {"days": ["Este campo no puede ser nulo."]}),
        ({"end_time": "nope", "days": [9]}, None),
    ],
)
def test_bad_patch_is_422_and_changes_nothing(api, admin, make_area, changes, errors):
    area = make_area("Soporte")
    row = services.working_hour_create(area_id=area.pk, **VALID, message="Hola")
    before = _rows()

    response = api(admin).patch(f"/api/working-hours/{row.pk}", changes)

    assert response.status_code == 422
    if errors is None:
        assert sorted(response.json()["errors"]) == ["days", "end_time"]
    else:
        assert response.json()["errors"] == errors
    assert _rows() == before


def test_patch_message_null_clears_it(api, admin, make_area):
    row = services.working_hour_create(area_id=make_area().pk, **VALID, message="Hola")

    response = api(admin).patch(f"/api/working-hours/{row.pk}", {"message": None})

    assert response.status_code == 200
    assert response.json()["message"] == ""


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_window_is_404(api, admin, method):
    response = api(admin).request(
        method, "/api/working-hours/424242", {} if method == "PATCH" else None
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "Horario inexistente.", "errors": {}}


# --- who may do what ----------------------------------------------------------------------------

CALLS = ["list", "get", "create", "update", "delete"]


def _call(name: str, row_id: int, area_id: int):
    return {
        "list": ("GET", "/api/working-hours", None, 200),
        "get": ("GET", f"/api/working-hours/{row_id}", None, 200),
        "create": ("POST", "/api/working-hours", {"area_id": area_id, **VALID}, 201),
        "update": ("PATCH", f"/api/working-hours/{row_id}", {"message": "Otro"}, 200),
        "delete": ("DELETE", f"/api/working-hours/{row_id}", None, 204),
    }[name]


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("own_area", [True, False])
def test_role_may_or_may_not(role, call, own_area, api, make_user, make_area, admin):
    # given a window of Soporte and a signed-in user of `role`, in Soporte or in Ventas
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    row = services.working_hour_create(area_id=soporte.pk, **VALID)
    member_of = soporte if own_area else ventas
    actor = admin if role == Role.ADMIN else make_user(role, areas=[member_of])
    method, path, body, success = _call(call, row.pk, soporte.pk)
    before = _rows()

    # when the call is made
    response = api(actor).request(method, path, body)

    # then everyone reads; admins write; supervisors write their own areas' hours only
    allowed = (
        call in {"list", "get"} or role == Role.ADMIN or (role == Role.SUPERVISOR and own_area)
    )
    if allowed:
        assert response.status_code == success, response.content
    else:
        assert response.status_code == 403
        assert _rows() == before
        expected = (
            "Solo podés cambiar los horarios de tus propias áreas."
            if role == Role.SUPERVISOR
            else "Tu rol no puede hacer esto."
        )
        assert response.json() == {"detail": expected, "errors": {}}


def test_supervisor_may_not_move_a_window_to_an_area_not_theirs(api, make_user, make_area):
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    row = services.working_hour_create(area_id=soporte.pk, **VALID)
    supervisor = make_user(Role.SUPERVISOR, areas=[soporte])
    before = _rows()

    response = api(supervisor).patch(f"/api/working-hours/{row.pk}", {"area_id": ventas.pk})

    assert response.status_code == 403
    assert _rows() == before


def test_supervisor_gets_422_for_an_unknown_area(api, make_user, make_area):
    supervisor = make_user(Role.SUPERVISOR, areas=[make_area("Soporte")])

    response = api(supervisor).post("/api/working-hours", {"area_id": 999999, **VALID})

    assert response.status_code == 422
    assert response.json()["errors"] == {"area_id": ["No existe el área con id 999999."]}


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/api/working-hours"),
        ("POST", "/api/working-hours"),
        ("GET", "/api/working-hours/1"),
        ("PATCH", "/api/working-hours/1"),
        ("DELETE", "/api/working-hours/1"),
    ],
)
def test_anonymous_is_401(api, db, method, path):
    response = api().request(method, path, {} if method in {"POST", "PATCH"} else None)

    assert response.status_code == 401


# --- no server errors, whatever is sent ----------------------------------------------------------

window_fields = st.sampled_from(["area_id", "days", "start_time", "end_time", "message"])
window_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["08:00", "23:59", "24:00", "7:5", "00:00"]),
    st.lists(st.one_of(st.integers(-3, 9), st.text(max_size=2), st.none()), max_size=9),
)
window_bodies = st.dictionaries(window_fields, window_values, max_size=5) | window_values


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_random_json_never_gets_a_server_error(method, api, admin, make_area):
    area = make_area("Soporte")
    row = services.working_hour_create(area_id=area.pk, **VALID)
    client = api(admin)
    url = "/api/working-hours" if method == "POST" else f"/api/working-hours/{row.pk}"

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=window_bodies)
    def check(body):
        response = client.request(method, url, body)
        assert response.status_code < 500, (body, response.content)
        if response.status_code >= 400:
            assert set(response.json()) == {"detail", "errors"}

    check()


@pytest.mark.parametrize("huge", [2**63, 2**70])
def test_ids_beyond_any_database_are_not_found(api, admin, huge):
    client = api(admin)

    created = client.post("/api/working-hours", {"area_id": huge, **VALID})
    listed = client.get(f"/api/working-hours?area={huge}")
    fetched = client.get(f"/api/working-hours/{huge}")

    assert created.status_code == 422
    assert created.json()["errors"] == {"area_id": [f"No existe el área con id {huge}."]}
    assert (listed.status_code, listed.json()) == (200, {"items": [], "next": None})
    assert fetched.status_code == 404


def test_a_courtesy_text_with_control_characters_is_refused_by_field(make_area):
    from ventanilla.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        services.working_hour_create(
            area_id=make_area().pk, days=[1], start_time="08:00", end_time="18:00", message="A\x00"
        )

    assert set(refused.value.errors) == {"message"}
    assert WorkingHour.objects.count() == 0
