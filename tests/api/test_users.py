import pytest

from tests.conftest import PASSWORD
from ventanilla.accounts.models import Role, User


def _new(**fields):
    return {"username": "nora", "password": PASSWORD, "role": "SUPPORT", **fields}


def test_admin_creates_an_agent_with_areas(api, admin, make_area):
    soporte, ventas = make_area("Soporte"), make_area("Ventas")

    response = api(admin).post(
        "/api/users",
        _new(
            name="Nora",
            email="Nora@Example.com",
            area_ids=[ventas.pk, soporte.pk],
            default_area_id=ventas.pk,
            max_open_conversations=8,
        ),
    )

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "username": "nora",
        "name": "Nora",
        "email": "nora@example.com",
        "role": "SUPPORT",
        "areas": [{"id": soporte.pk, "name": "Soporte"}, {"id": ventas.pk, "name": "Ventas"}],
        "default_area_id": ventas.pk,
        "is_active": True,
        "availability": "available",
        "max_open_conversations": 8,
        "language": "",
    }
    nora = User.objects.get(username="nora")
    assert nora.check_password(PASSWORD)
    assert nora.password.startswith("md5$") or nora.password.startswith("argon2")


def test_new_user_can_sign_in(api, admin):
    api(admin).post("/api/users", _new())

    response = api().post("/api/auth/login", {"username": "nora", "password": PASSWORD})

    assert response.status_code == 200


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"role": "KING"}, "role"),
        ({"role": "admin"}, "role"),
        ({"password": None}, "password"),
        ({"password": ""}, "password"),
        ({"password": "12345678"}, "password"),
        ({"password": "short"}, "password"),
        ({"password": "password"}, "password"),
        ({"password": "norberta1", "name": "Norberta Gomez"}, "password"),
        ({"username": ""}, "username"),
        ({"username": "a b"}, "username"),
        ({"username": "x@y.com"}, "username"),
        ({"email": "not-an-email"}, "email"),
        ({"area_ids": [999]}, "area_ids"),
        ({"area_ids": "1"}, "area_ids"),
        ({"default_area_id": 999}, "default_area_id"),
        ({"max_open_conversations": 0}, "max_open_conversations"),
        ({"max_open_conversations": -3}, "max_open_conversations"),
        ({"is_active": "perhaps"}, "is_active"),
        ({"name": "N" * 151}, "name"),
        ({"name": "Nora\x07"}, "name"),
    ],
)
def test_bad_user_input_is_422_naming_the_field_and_writes_nothing(changes, field, api, admin):
    before = User.objects.count()

    response = api(admin).post("/api/users", _new(**changes))

    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert User.objects.count() == before


def test_unknown_area_error_lists_the_ids(api, admin, make_area):
    soporte = make_area("Soporte")

    response = api(admin).post("/api/users", _new(area_ids=[soporte.pk, 998, 999]))

    assert response.json()["errors"] == {"area_ids": ["Áreas inexistentes (id): 998, 999."]}


def test_every_problem_is_named_at_once(api, admin):
    response = api(admin).post(
        "/api/users", {"username": "", "password": "1", "role": "KING", "email": "bad"}
    )

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"username", "password", "role", "email"}


@pytest.mark.parametrize("field,value", [("username", "NORA"), ("email", "NORA@example.com")])
def test_duplicate_username_or_email_is_refused(field, value, api, admin):
    client = api(admin)
    client.post("/api/users", _new(email="nora@example.com"))

    response = client.post(
        "/api/users", _new(**{"username": "otra", "email": "otra@example.com", field: value})
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert User.objects.filter(username="otra").count() == 0
    assert User.objects.count() == 2


def test_patch_moves_an_agent_between_areas(api, admin, make_user, make_area):
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    agent = make_user(Role.SUPPORT, areas=[soporte], default_area_id=soporte.pk)

    response = api(admin).patch(f"/api/users/{agent.pk}", {"area_ids": [ventas.pk]})

    assert response.status_code == 200
    assert response.json()["areas"] == [{"id": ventas.pk, "name": "Ventas"}]
    assert response.json()["default_area_id"] is None


def test_patch_password_is_validated_and_changes_it(api, admin, make_user):
    agent = make_user()
    client = api(admin)

    weak = client.patch(f"/api/users/{agent.pk}", {"password": "123"})
    strong = client.patch(f"/api/users/{agent.pk}", {"password": "Another-Strong-Pass-9"})

    assert weak.status_code == 422
    assert strong.status_code == 200
    agent.refresh_from_db()
    assert agent.check_password("Another-Strong-Pass-9")


def test_put_keeps_the_password_when_none_is_given(api, admin, make_user):
    agent = make_user(username="ana")

    response = api(admin).put(f"/api/users/{agent.pk}", {"username": "ana", "role": "SALES"})

    assert response.status_code == 200
    agent.refresh_from_db()
    assert agent.role == "SALES"
    assert agent.check_password(PASSWORD)


def test_last_admin_cannot_be_demoted_or_deactivated(api, admin):
    client = api(admin)

    demoted = client.patch(f"/api/users/{admin.pk}", {"role": "OPERATOR"})
    deactivated = client.patch(f"/api/users/{admin.pk}", {"is_active": False})

    assert demoted.status_code == 422
    assert list(demoted.json()["errors"]) == ["role"]
    assert deactivated.status_code == 422
    assert list(deactivated.json()["errors"]) == ["is_active"]
    admin.refresh_from_db()
    assert (admin.role, admin.is_active) == ("ADMIN", True)


def test_an_admin_can_be_demoted_when_another_remains(api, admin, make_user):
    other = make_user(Role.ADMIN)

    response = api(admin).patch(f"/api/users/{other.pk}", {"role": "SUPERVISOR"})

    assert response.status_code == 200


def test_user_list_queries_do_not_grow_with_rows(
    api, admin, make_user, make_area, django_assert_num_queries
):
    area = make_area()
    client = api(admin)
    for _ in range(3):
        make_user(areas=[area])
    with django_assert_num_queries(4) as few:
        client.get("/api/users")
    for _ in range(30):
        make_user(areas=[area])

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/api/users?limit=100")

    assert len(response.json()["items"]) == 34


def test_users_list_pages_cover_everyone_once(api, admin, make_user):
    for n in range(7):
        make_user(username=f"agent{n}")
    client = api(admin)
    seen, cursor = [], None
    while True:
        page = client.get("/api/users?limit=3" + (f"&cursor={cursor}" if cursor else "")).json()
        seen += [u["username"] for u in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break

    assert seen == sorted(seen)
    assert len(seen) == 8 and set(seen) == {"boss", *(f"agent{n}" for n in range(7))}
