from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.conftest import PASSWORD
from ventanilla.accounts.models import LoginFailure, Role


def test_login_by_username_returns_the_user_and_a_session(api, make_user, make_area):
    # given an agent of Soporte
    soporte = make_area("Soporte")
    make_user(
        Role.SUPPORT,
        username="sofia",
        name="Sofía",
        email="sofia@example.com",
        areas=[soporte],
        default_area_id=soporte.pk,
    )
    client = api()

    # when she signs in with her username (any case)
    response = client.post("/api/auth/login", {"username": "SOFIA", "password": PASSWORD})

    # then she gets her profile, and the session works for /me
    assert response.status_code == 200
    user = response.json()["user"]
    assert user["username"] == "sofia"
    assert user["role"] == "SUPPORT"
    assert user["areas"] == [{"id": soporte.pk, "name": "Soporte"}]
    assert user["default_area_id"] == soporte.pk
    assert user["availability"] == "available"
    assert user["is_active"] is True
    assert "password" not in user
    assert client.get("/api/auth/me").json() == {"user": user}


@pytest.mark.parametrize("field", ["email", "identifier"])
def test_login_by_email(field, api, make_user):
    make_user(Role.SALES, username="vale", email="Vale@Example.com")

    response = api().post("/api/auth/login", {field: "vale@example.com", "password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["user"]["email"] == "vale@example.com"


def test_wrong_password_is_401_and_recorded(api, make_user):
    make_user(username="ana")

    response = api().post("/api/auth/login", {"username": "ana", "password": "nope"})

    assert response.status_code == 401
    assert response.json()["detail"] == "Usuario, correo o contraseña incorrectos."
    assert LoginFailure.objects.filter(identifier="ana").count() == 1


def test_inactive_user_cannot_sign_in(api, make_user):
    make_user(username="ida", is_active=False)

    response = api().post("/api/auth/login", {"username": "ida", "password": PASSWORD})

    assert response.status_code == 401


def test_login_without_identifier_is_422_naming_it(api, db):
    response = api().post("/api/auth/login", {"password": "x"})

    assert response.status_code == 422
    assert "Indicá un usuario o un correo electrónico." in str(response.json()["errors"])


def test_login_without_csrf_token_is_refused(api, make_user):
    make_user(username="ana")

    response = api().post("/api/auth/login", {"username": "ana", "password": PASSWORD}, csrf=False)

    assert response.status_code == 403
    assert response.json()["detail"] == "Falló la verificación CSRF."


def test_unsafe_call_without_csrf_token_is_refused_and_writes_nothing(api, admin):
    from ventanilla.accounts.models import Area

    response = api(admin).post("/api/areas", {"name": "Ventas"}, csrf=False)

    assert response.status_code == 403
    assert response.json()["detail"] == "Falló la verificación CSRF."
    assert Area.objects.count() == 0


def test_throttle_after_five_failures_with_retry_after(api, make_user, settings):
    # given a user and five wrong passwords in a row
    settings.LOGIN_THROTTLE_MAX_FAILURES = 5
    settings.LOGIN_THROTTLE_WINDOW_SECONDS = 900
    make_user(username="ana")
    client = api()
    for _ in range(5):
        assert (
            client.post("/api/auth/login", {"username": "ana", "password": "bad"}).status_code
            == 401
        )

    # when the right password is tried next
    response = client.post("/api/auth/login", {"username": "ana", "password": PASSWORD})

    # then it is refused with 429 and a Retry-After within the window
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 901
    assert response.json()["detail"].startswith("Demasiados intentos fallidos")


def test_throttle_expires_with_the_window(api, make_user, settings):
    settings.LOGIN_THROTTLE_MAX_FAILURES = 3
    make_user(username="ana")
    client = api()
    for _ in range(3):
        client.post("/api/auth/login", {"username": "ana", "password": "bad"})
    assert (
        client.post("/api/auth/login", {"username": "ana", "password": PASSWORD}).status_code == 429
    )

    # when the failures are older than the window
    LoginFailure.objects.update(created_at=timezone.now() - timedelta(seconds=901))

    # then signing in works again and clears the record
    assert (
        client.post("/api/auth/login", {"username": "ana", "password": PASSWORD}).status_code == 200
    )
    assert LoginFailure.objects.filter(identifier="ana").count() == 0


def test_throttle_per_address_stops_spraying_many_accounts(api, db, settings):
    settings.LOGIN_THROTTLE_MAX_FAILURES = 2
    client = api()
    for n in range(8):
        client.post("/api/auth/login", {"username": f"guess{n}", "password": "bad"})

    response = client.post("/api/auth/login", {"username": "someone-new", "password": "bad"})

    assert response.status_code == 429


def test_logout_ends_the_session(api, make_user):
    client = api(make_user())

    assert client.post("/api/auth/logout").status_code == 204

    assert client.get("/api/auth/me").status_code == 401


def test_expired_session_is_401(api, make_user):
    # given a signed-in user whose session has passed its expiry
    client = api(make_user())
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    # when the console calls the API
    response = client.get("/api/auth/me")

    # then it must sign in again
    assert response.status_code == 401


def test_session_cookie_follows_the_settings(api, make_user):
    client = api()
    make_user(username="ana")

    response = client.post("/api/auth/login", {"username": "ana", "password": PASSWORD})

    cookie = response.cookies["ventanilla_session"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"] is True
    assert cookie["max-age"] == 43200


def test_availability_toggle(api, make_user):
    client = api(make_user())

    away = client.post("/api/auth/availability", {"availability": "away"})
    bad = client.post("/api/auth/availability", {"availability": "asleep"})

    assert away.status_code == 200
    assert away.json()["user"]["availability"] == "away"
    assert bad.status_code == 422
    assert list(bad.json()["errors"]) == ["availability"]
    assert client.get("/api/auth/me").json()["user"]["availability"] == "away"
