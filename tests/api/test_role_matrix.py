"""Who may do what on /api/areas and /api/users: every role, every verb."""

import pytest

from ventanilla.accounts.models import Area, Role, User

ALL_ROLES = [Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR, Role.SUPPORT, Role.SALES]


def _calls(area_id: int, user_id: int):
    new_user = {"username": "nuevo", "password": "Corr3ct-Horse-Battery", "role": "OPERATOR"}
    return {
        "list areas": ("GET", "/api/areas", None, 200),
        "get area": ("GET", f"/api/areas/{area_id}", None, 200),
        "create area": ("POST", "/api/areas", {"name": "Cobranzas"}, 201),
        "replace area": ("PUT", f"/api/areas/{area_id}", {"name": "Soporte 2"}, 200),
        "update area": ("PATCH", f"/api/areas/{area_id}", {"description": "x"}, 200),
        "list users": ("GET", "/api/users", None, 200),
        "get user": ("GET", f"/api/users/{user_id}", None, 200),
        "create user": ("POST", "/api/users", new_user, 201),
        "replace user": ("PUT", f"/api/users/{user_id}", {"username": "tt", "role": "SALES"}, 200),
        "update user": ("PATCH", f"/api/users/{user_id}", {"name": "Otro"}, 200),
    }


EVERYONE = {"list areas", "get area"}


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(
    "call",
    [
        "list areas",
        "get area",
        "create area",
        "replace area",
        "update area",
        "list users",
        "get user",
        "create user",
        "replace user",
        "update user",
    ],
)
def test_role_may_or_may_not(role, call, api, make_user, make_area, admin):
    # given an area, a target user, and a signed-in user of `role`
    area = make_area("Soporte")
    target = make_user(Role.SUPPORT, username="target", areas=[area])
    actor = admin if role == Role.ADMIN else make_user(role, areas=[area])
    method, path, body, success = _calls(area.pk, target.pk)[call]
    areas_before = list(Area.objects.values_list("id", "name", "description"))
    users_before = list(User.objects.values_list("id", "username", "name", "role"))

    # when the call is made
    response = api(actor).request(method, path, body)

    # then admins may do everything, the others only read areas; refused calls write nothing
    allowed = role == Role.ADMIN or call in EVERYONE
    if allowed:
        assert response.status_code == success, response.content
    else:
        assert response.status_code == 403
        assert response.json() == {"detail": "Tu rol no puede hacer esto.", "errors": {}}
        assert list(Area.objects.values_list("id", "name", "description")) == areas_before
        assert list(User.objects.values_list("id", "username", "name", "role")) == users_before


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/api/areas"),
        ("GET", "/api/areas/1"),
        ("POST", "/api/areas"),
        ("PATCH", "/api/areas/1"),
        ("GET", "/api/users"),
        ("POST", "/api/users"),
        ("GET", "/api/auth/me"),
        ("POST", "/api/auth/availability"),
    ],
)
def test_anonymous_gets_401(method, path, api, db):
    # given no session; when any protected endpoint is called (with a valid CSRF token)
    response = api().request(method, path, {} if method != "GET" else None)

    # then 401 in the error shape, and nothing was created
    assert response.status_code == 401
    assert response.json() == {"detail": "Tenés que iniciar sesión.", "errors": {}}
    assert Area.objects.count() == 0


def test_deactivated_user_session_is_refused(api, make_user):
    # given a signed-in agent whom an admin then deactivates
    agent = make_user(Role.OPERATOR)
    client = api(agent)
    User.objects.filter(pk=agent.pk).update(is_active=False)

    # when the agent calls the API with the old session
    response = client.get("/api/auth/me")

    # then it is refused
    assert response.status_code == 401
