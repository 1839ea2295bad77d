import itertools
import json

import pytest
from django.test import Client
from django.utils import translation
from huey.contrib.djhuey import HUEY

from tests.e2e.server import migrated_sqlite_file
from ventanilla.accounts import services
from ventanilla.accounts.models import Role
from ventanilla.core import jobs
from ventanilla.core.cache import forget_every_process_cache
from ventanilla.providers import registry

pytest_plugins = ["tests.fakes.cloud_api", "tests.fakes.wppconnect"]  # fake_* and *_line fixtures

PASSWORD = "Corr3ct-Horse-Battery"

_sequence = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_and_immediate(settings):
    # Argon2 is slow by design; the tests hash hundreds of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    HUEY.immediate = True
    jobs.senders.immediate = True  # replies handed over in-process are sent at commit, as jobs
    forget_every_process_cache()  # rows of earlier tests are gone; so must be their copies
    # webhook receivers in tests are real servers on 127.0.0.1 (tests/integrations: the refusal)
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    # Texts are asserted in Spanish, the default language, whatever the environment says; and a
    # request leaves its language active in the thread, so each test starts over in Spanish.
    settings.LANGUAGE_CODE = "es"
    translation.activate("es")
    yield
    translation.deactivate()
    registry.close_all()  # a later test's line may have this one's id, and its fake this port


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
def soporte(make_area):
    return make_area("Soporte")


@pytest.fixture
def ventas(make_area):
    return make_area("Ventas")


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, username="boss", name="La Jefa")


@pytest.fixture
def admin_client(client, admin):
    """Django's test client signed in as the admin (the console's screens)."""
    client.force_login(admin)
    return client


@pytest.fixture
def api():
    """`api()` is an anonymous client; `api(user)` is signed in as that user."""
    return ApiClient


@pytest.fixture
def sandbox_line(db):
    from ventanilla.providers.models import Line

    return Line.objects.create(provider="sandbox", is_default=True, display_name="Sandbox")


@pytest.fixture
def make_conversation(db, sandbox_line):
    """A conversation with one customer message, in any state, built through the services."""
    from ventanilla.conversations import services as conversations
    from ventanilla.conversations.models import Conversation
    from ventanilla.inbound import sandbox

    def make(status="bot", area=None, assigned_to=None, phone=None, name="Cliente", text="hola"):
        phone = phone or f"+54935155{next(_sequence):05d}"
        message = sandbox.customer_writes(
            phone=phone, name=name, text=text, message_id=f"m{next(_sequence)}"
        )
        conversation = Conversation.objects.get(pk=message.conversation_id)
        if status == "queued":
            conversations.conversation_queue(conversation=conversation, area=area)
        elif status in ("active", "closed"):
            if area is not None:
                Conversation.objects.filter(pk=conversation.pk).update(area=area)
            conversations.conversation_assign(conversation=conversation, user=assigned_to)
        if status == "closed":
            conversations.conversation_close(conversation=conversation, by=None, message="")
        conversation.refresh_from_db()
        return conversation

    return make


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """The SQLite file of an empty desk migrated once: the served desks of the browser and fuzz
    tests start from a copy (migrating is the same every time; tests/test_serve.py starts desks
    from nothing)."""
    return migrated_sqlite_file(tmp_path_factory.mktemp("migrated"))
