"""Every API operation and every console URL declares the permission it needs, and that
declaration is what refuses: anonymous people are sent to sign in (401 on the API), a role the
permission does not grant gets 403. The navigation shows a role exactly the screens it may open.
"""

import importlib
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import URLResolver

from tests.conftest import ApiClient
from ventanilla.accounts.models import Role
from ventanilla.api.api import api as ninja_api
from ventanilla.api.security import Router
from ventanilla.core.errors import NotFound
from ventanilla.core.permissions import Permission, refused_text

ROLES = [Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR, Role.SUPPORT, Role.SALES]
MISSING_ID = "999999"

# Not ours to declare: Django's admin site keeps its own rule (superusers only, signed in at the
# console's door, tests/web/test_console_pages.py), and ninja's root answers 404 to everyone.
FOREIGN = re.compile(r"^django-admin/(?!login/$)")
NINJA_ROOT = "api/"


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def _fill(route: str) -> str:
    """A concrete path for a route: every parameter an id that does not exist (or a word)."""
    route = re.sub(r"<(?:int:)?\w+_id>", MISSING_ID, route)
    route = re.sub(r"\{\w+_id\}", MISSING_ID, route)
    return "/" + re.sub(r"<(?:str:)?\w+>|\{\w+\}", "nope", route)


def _api_operations():
    """(method, path, permission) of every operation of the API."""
    for prefix, router in ninja_api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                permission = getattr(operation.view_func, "permission", None)
                for method in operation.methods:
                    yield method, f"api/{prefix.strip('/')}{path}", permission


def _console_urls():
    """(route, permission) of every URL outside the API's operations."""
    api_prefix = "api/"
    seen = set()
    for route, pattern in _walk(get_resolver().url_patterns):
        if FOREIGN.match(route) or route == NINJA_ROOT or route in seen:
            continue  # a route seen before is shadowed: the first pattern answers
        seen.add(route)
        is_operation = route.startswith(api_prefix) and not hasattr(pattern.callback, "permission")
        if is_operation and getattr(pattern, "name", "") not in ("openapi-json", "openapi-view"):
            continue  # walked through the routers, where the declaration lives
        yield route, getattr(pattern.callback, "permission", None)


def _expected(permission: Permission, user) -> str:
    try:
        return "granted" if permission.grants(user) else "refused"
    except NotFound:
        return "absent"


@pytest.fixture
def people(make_user, make_area, admin):
    area = make_area("Soporte")
    users = {Role.ADMIN: admin}
    for role in ROLES[1:]:
        users[role] = make_user(role, username=f"who-{role.lower()}", areas=[area])
    return users


def test_the_walk_sees_every_documented_operation():
    documented = {
        (method.upper(), path)
        for path, methods in ninja_api.get_openapi_schema()["paths"].items()
        for method in methods
    }
    walked = {(method, "/" + path) for method, path, _ in _api_operations()}

    assert walked == documented
    assert len(walked) >= 60


def test_every_api_operation_and_console_url_declares_a_permission():
    undeclared = [f"{method} {path}" for method, path, perm in _api_operations() if perm is None]
    undeclared += [route for route, perm in _console_urls() if perm is None]

    assert undeclared == []
    assert len(list(_console_urls())) > 50


def test_an_operation_without_a_declared_permission_stops_the_desk():
    router = Router()

    with pytest.raises(ImproperlyConfigured, match="declares no permission"):

        @router.get("/forgotten")
        def forgotten(request):
            return {}


def test_anonymous_people_are_asked_to_sign_in_everywhere_but_public_doors(db):
    anonymous = ApiClient()
    browser = Client()
    wrong = []
    for method, path, permission in _api_operations():
        if permission.anonymous:
            continue
        answer = anonymous.request(method, _fill(path), {} if method != "GET" else None)
        if answer.status_code != 401:
            wrong.append(f"{method} {path}: {answer.status_code}")
    for route, permission in _console_urls():
        if permission.anonymous:
            continue
        answer = browser.get(_fill(route))
        if answer.status_code != 302 or not answer["Location"].startswith("/login/?next="):
            wrong.append(f"GET {route}: {answer.status_code}")

    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_the_declared_permission_is_what_refuses(role, people):
    user = people[role]
    api = ApiClient(user)
    browser = Client()
    browser.force_login(user)
    wrong = []
    for method, path, permission in _api_operations():
        if path == "api/auth/logout":
            continue  # granted to all, and it would end the session the walk goes on with
        expected = _expected(permission, user)
        answer = api.request(method, _fill(path), {} if method != "GET" else None)
        refused = answer.status_code == 403 and answer.json()["detail"] == (
            (permission.refusal or refused_text)()
        )
        status = answer.status_code
        if (
            (expected == "refused") != refused
            or (expected == "absent" and status != 404)
            or status in (401, 500)
        ):
            wrong.append(f"{method} {path}: {expected}, answered {status}")
    for route, permission in _console_urls():
        expected = _expected(permission, user)
        answer = browser.get(_fill(route))
        if expected == "refused" and answer.status_code != 403:
            wrong.append(f"GET {route}: refused, answered {answer.status_code}")
        if expected == "absent" and answer.status_code != 404:
            wrong.append(f"GET {route}: absent, answered {answer.status_code}")
        if answer.status_code >= 500:
            wrong.append(f"GET {route}: {answer.status_code}")

    assert wrong == []


NAVIGATION = ["users", "areas", "flows", "contacts", "hours", "settings", "sandbox"]


@pytest.mark.parametrize("role", ROLES)
def test_the_navigation_shows_exactly_the_screens_the_role_may_open(role, people):
    browser = Client()
    browser.force_login(people[role])
    home = browser.get("/").content.decode()

    for screen in NAVIGATION:
        linked = f'href="/{screen}/"' in home
        opened = browser.get(f"/{screen}/").status_code
        assert linked == (opened == 200), (screen, linked, opened)


def _every_permission() -> set[str]:
    """The codes of the permissions of every package's `permissions` module, and of core's."""
    codes = set()
    for module in Path("src/ventanilla").glob("*/permissions.py"):
        loaded = importlib.import_module(f"ventanilla.{module.parent.name}.permissions")
        codes |= {p.code for p in vars(loaded).values() if isinstance(p, Permission)}
    return codes


def test_docs_list_every_permission():
    listed = re.findall(r"^\| `([a-z.-]+)` \|", Path("docs/security.md").read_text(), re.M)

    assert sorted(listed) == sorted(_every_permission())
    assert {"public", "signed-in", "conversations.reopen"} <= set(listed)
