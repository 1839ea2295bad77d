"""Who reaches the screens for admins and supervisors (contacts, working hours)."""

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
