"""Who reaches the staff screens: admins and supervisors (contacts, working hours, flows), admins
only (settings)."""

import pytest

from ventanilla.accounts.models import Role

SCREENS = {
    "/contacts/": ["/contacts/", "/contacts/new/", "/contacts/import/"],
    "/hours/": ["/hours/", "/hours/new/"],
    "/flows/": ["/flows/", "/flows/new/"],
}
PAGES = [page for pages in SCREENS.values() for page in pages]


@pytest.mark.parametrize("path", PAGES)
def test_agents_get_403(client, make_user, path):
    # given a signed-in agent
    client.force_login(make_user(Role.OPERATOR))
    # when they open a staff page
    response = client.get(path)
    # then it is forbidden
    assert response.status_code == 403


@pytest.mark.parametrize("path", list(SCREENS))
def test_anonymous_visitor_goes_to_login(client, db, path):
    # given nobody signed in; when they open the page
    response = client.get(path)
    # then they are sent to the login with ?next=
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("path", list(SCREENS))
def test_nav_link_only_for_staff(client, make_user, path):
    # given a supervisor and an agent
    supervisor, agent = make_user(Role.SUPERVISOR), make_user(Role.SALES)
    # when each opens the chats page
    client.force_login(supervisor)
    staff_page = client.get("/").content.decode()
    client.force_login(agent)
    agent_page = client.get("/").content.decode()
    # then only the supervisor has the link
    assert f'href="{path}"' in staff_page
    assert f'href="{path}"' not in agent_page


# --- Admins only -----------------------------------------------------------------------------

ADMIN_SCREENS = {"/settings/": ["/settings/"]}
ADMIN_PAGES = [page for pages in ADMIN_SCREENS.values() for page in pages]
# (path, form data) of every change the admin-only screens make; "{line}" is a line's id
ADMIN_ACTIONS = [
    ("/settings/lines/{line}/", {"line-{line}-display_name": "Otra", "line-{line}-phone": ""}),
    ("/settings/lines/{line}/pause/", {"paused": "1"}),
    ("/settings/auto-close/", {"auto-close-minutes": "5", "auto-close-message": "Chau"}),
    ("/settings/auto-close/reset/", {}),
]


def _action(template: tuple[str, dict], line_id: int) -> tuple[str, dict]:
    path, data = template
    fill = {"line": line_id}
    return path.format(**fill), {key.format(**fill): value for key, value in data.items()}


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.OPERATOR, Role.SUPPORT, Role.SALES])
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_only_admins_open_admin_pages(client, make_user, role, path):
    # given a signed-in supervisor or agent
    client.force_login(make_user(role))
    # when they open an admin page, then it is forbidden
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.OPERATOR])
@pytest.mark.parametrize("action", ADMIN_ACTIONS, ids=[path for path, _ in ADMIN_ACTIONS])
def test_only_admins_change_settings(client, make_user, sandbox_line, role, action):
    from ventanilla.schedules.models import AutoCloseSetting

    # given a signed-in supervisor or agent
    client.force_login(make_user(role))
    path, data = _action(action, sandbox_line.pk)
    # when they post a change, then it is forbidden and nothing changes
    assert client.post(path, data).status_code == 403
    sandbox_line.refresh_from_db()
    assert (sandbox_line.display_name, sandbox_line.paused) == ("Sandbox", False)
    assert AutoCloseSetting.objects.count() == 0


@pytest.mark.parametrize("action", ADMIN_ACTIONS, ids=[path for path, _ in ADMIN_ACTIONS])
def test_anonymous_changes_go_to_login(client, sandbox_line, action):
    path, data = _action(action, sandbox_line.pk)

    response = client.post(path, data)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_admin_opens_admin_pages(client, admin):
    client.force_login(admin)

    assert [client.get(path).status_code for path in ADMIN_PAGES] == [200] * len(ADMIN_PAGES)


@pytest.mark.parametrize("path", list(ADMIN_SCREENS))
def test_admin_page_anonymous_visitor_goes_to_login(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("path", list(ADMIN_SCREENS))
def test_nav_link_only_for_admins(client, admin, make_user, path):
    # given an admin, a supervisor and an agent
    pages = {}
    for name, user in {
        "admin": admin,
        "supervisor": make_user(Role.SUPERVISOR),
        "agent": make_user(Role.SALES),
    }.items():
        # when each opens the chats page
        client.force_login(user)
        pages[name] = client.get("/").content.decode()
    # then only the admin has the link
    assert {name: f'href="{path}"' in page for name, page in pages.items()} == {
        "admin": True,
        "supervisor": False,
        "agent": False,
    }


# --- Flows: admins and supervisors (docs/product.md#people-and-roles) ------------------------

FLOW_PAGES = ["/flows/", "/flows/new/", "/flows/{id}/", "/flows/{id}/delete/"]


@pytest.fixture
def a_flow(db):
    from ventanilla.flows.services import flow_create

    return flow_create(data={"name": "Otro", "root": {"type": "end", "text": "Chau"}})


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPPORT, Role.SALES])
@pytest.mark.parametrize("path", FLOW_PAGES)
def test_agents_neither_see_nor_change_flows(client, make_user, a_flow, role, path):
    # given a signed-in agent
    client.force_login(make_user(role))
    url = path.format(id=a_flow.pk)
    # when they open a flows page or post to it
    seen = client.get(url)
    posted = client.post(url, {"op": "save", "nodes": ["a" * 32], "name": "Hack"})
    # then both are refused and nothing is written or deleted
    assert (seen.status_code, posted.status_code) == (403, 403)
    a_flow.refresh_from_db()
    assert a_flow.name == "Otro"


@pytest.mark.parametrize("path", FLOW_PAGES)
def test_supervisors_open_every_flows_page(client, make_user, a_flow, path):
    client.force_login(make_user(Role.SUPERVISOR))

    assert client.get(path.format(id=a_flow.pk)).status_code == 200
