import itertools
import json

import pytest
from django.test import Client
from huey.contrib.djhuey import HUEY

from ventanilla.accounts import services
from ventanilla.accounts.models import Role

PASSWORD = "Corr3ct-Horse-Battery"

_sequence = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_and_immediate(settings):
    # Argon2 is slow by design; the tests hash hundreds of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    HUEY.immediate = True


class ApiClient:
    """A browser-like JSON client: session cookie plus the CSRF header on unsafe methods."""

    def __init__(self, user=None):
        self.http = Client(enforce_csrf_checks=True)
        if user is not None:
            self.http.force_login(user)
        self.csrf_token = self.http.get("/api/auth/csrf").json()["csrf_token"]

    def request(self, method: str, path: str, body=None, *, csrf: bool = True, **extra):
        headers = {"HTTP_X_CSRFTOKEN": self.csrf_token} if csrf else {}
        data = json.dumps(body) if body is not None else None
        call = getattr(self.http, method.lower())
        kwargs = {"content_type": "application/json"} if data is not None else {}
        if data is not None:
            kwargs["data"] = data
        return call(path, **kwargs, **headers, **extra)

    def get(self, path, **extra):
        return self.http.get(path, **extra)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


@pytest.fixture
def make_area(db):
    def make(name=None, **fields):
        return services.area_create(name=name or f"Área {next(_sequence)}", **fields)

    return make


@pytest.fixture
def make_user(db):
    def make(role=Role.OPERATOR, username=None, areas=(), **fields):
        return services.user_create(
            username=username or f"user{next(_sequence)}",
            password=fields.pop("password", PASSWORD),
            role=role,
            area_ids=[area.pk for area in areas],
            **fields,
        )

    return make


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, username="boss", name="La Jefa")


@pytest.fixture
def api():
    """`api()` is an anonymous client; `api(user)` is signed in as that user."""
    return ApiClient
