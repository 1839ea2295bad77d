"""Who reaches the staff screens: contacts and hours (admins, supervisors), flows (admins)."""

import pytest

from ventanilla.accounts.models import Role

SCREENS = {
    "/contacts/": ["/contacts/", "/contacts/new/", "/contacts/import/"],
    "/hours/": ["/hours/", "/hours/new/"],
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


# --- Flows: admins only ---------------------------------------------------------------------

FLOW_PAGES = ["/flows/", "/flows/new/", "/flows/{id}/", "/flows/{id}/delete/"]


@pytest.fixture
def a_flow(db):
    from ventanilla.flows.services import flow_create

    return flow_create(data={"name": "Otro", "root": {"type": "end", "text": "Chau"}})


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.OPERATOR, Role.SALES])
@pytest.mark.parametrize("path", FLOW_PAGES)
def test_flows_are_for_admins_only(client, make_user, a_flow, role, path):
    # given a signed-in supervisor or agent
    client.force_login(make_user(role))
    url = path.format(id=a_flow.pk)
    # when they open a flows page or post to it
    seen = client.get(url)
    posted = client.post(url, {"op": "save", "nodes": ["a" * 32], "name": "Hack"})
    # then both are refused and nothing is written or deleted
    assert (seen.status_code, posted.status_code) == (403, 403)
    assert "No tenés permiso para ver esta página" in seen.content.decode()
    a_flow.refresh_from_db()
    assert a_flow.name == "Otro"


def test_anonymous_visitor_goes_to_login_from_flows(client, db):
    # given nobody signed in; when they open the flows
    response = client.get("/flows/")
    # then they are sent to the login with ?next=
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/flows/"


def test_flows_nav_link_only_for_admins(client, make_user, admin):
    # given an admin and a supervisor
    supervisor = make_user(Role.SUPERVISOR)
    # when each opens the chats page
    client.force_login(admin)
    admin_page = client.get("/").content.decode()
    client.force_login(supervisor)
    supervisor_page = client.get("/").content.decode()
    # then only the admin has the link
    assert 'href="/flows/">Flujos</a>' in admin_page
    assert 'href="/flows/"' not in supervisor_page
