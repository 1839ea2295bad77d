"""The console's frame: sign in and out, the availability toggle, the Users and Areas screens."""

import re

import pytest
from django.test import Client
from pytest_django.asserts import assertInHTML

from ventanilla.accounts import services
from ventanilla.accounts.models import Area, Availability, LoginFailure, Role, User

PASSWORD = "Corr3ct-Horse-Battery"


# --- Local fixtures --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _quick_hashes(settings):
    # Argon2 is slow by design; these tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _person(username, role=Role.OPERATOR, **fields):
    return services.user_create(username=username, password=PASSWORD, role=role, **fields)


@pytest.fixture
def desk_admin(db):
    return _person("jefa", Role.ADMIN, name="La Jefa", email="jefa@example.com")


@pytest.fixture
def agent(db):
    return _person("sofia", Role.SUPPORT, name="Sofía Soporte", email="sofia@example.com")


@pytest.fixture
def admin_client(client, desk_admin):
    client.force_login(desk_admin)
    return client


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def _signed_in_user_id(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


# --- Sign in ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/dashboard/", "/users/", "/areas/new/"])
def test_anonymous_visitor_is_sent_to_login_with_next(client, db, path):
    # given nobody is signed in
    # when they open a console page
    response = client.get(path)
    # then they are redirected to the login page, which will bring them back
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


def test_login_page_renders_labelled_fields(client, db):
    # given an anonymous visitor
    # when they open the login page
    response = client.get("/login/")
    # then it shows both fields with Spanish labels
    assert response.status_code == 200
    html = response.content.decode()
    assertInHTML('<label for="id_identifier">Usuario o correo electrónico</label>', html)
    assertInHTML('<label for="id_password">Contraseña</label>', html)
    assert "/static/web/vendor/htmx-2.0.4.min.js" in html
    assert "/static/web/console.css" in html


@pytest.mark.parametrize("identifier", ["sofia", "SOFIA@example.com"])
def test_login_by_username_or_email_signs_in(client, agent, identifier):
    # given an agent with a username and an email
    # when they sign in with either one
    response = client.post("/login/", {"identifier": identifier, "password": PASSWORD})
    # then they land on the home page, signed in
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _signed_in_user_id(client) == agent.pk


def test_login_follows_a_safe_next_and_ignores_a_foreign_one(client, agent):
    # given an agent who was sent to the login page from /users/
    # when they sign in with next=/users/
    safe = client.post("/login/", {"identifier": "sofia", "password": PASSWORD, "next": "/users/"})
    # then they go back there
    assert safe["Location"] == "/users/"
    # and when another sign-in carries a next pointing elsewhere
    client.logout()
    foreign = client.post(
        "/login/?next=https://evil.example/steal", {"identifier": "sofia", "password": PASSWORD}
    )
    # then it is ignored in favour of home
    assert foreign["Location"] == "/"


def test_wrong_password_shows_an_error_and_records_the_failure(client, agent):
    # given an agent
    # when someone types the wrong password
    response = client.post("/login/", {"identifier": "sofia", "password": "nope-nope-nope"})
    # then the page says so, keeps the identifier and nobody is signed in
    assert response.status_code == 200
    html = response.content.decode()
    assert "Usuario, correo o contraseña incorrectos." in html
    assert 'value="sofia"' in html
    assert _signed_in_user_id(client) is None
    assert list(LoginFailure.objects.values_list("identifier", "ip_address")) == [
        ("sofia", "127.0.0.1")
    ]


def test_login_is_throttled_after_five_failures(client, agent):
    # given five failed attempts for one account
    for _ in range(5):
        failed = client.post("/login/", {"identifier": "sofia", "password": "wrong-wrong-1"})
        assert failed.status_code == 200
    # when the right password is typed next
    response = client.post("/login/", {"identifier": "Sofia", "password": PASSWORD})
    # then the attempt is refused with 429 and a wait, and nobody is signed in
    assert response.status_code == 429
    assert 890 <= int(response["Retry-After"]) <= 900  # the 15-minute window, less elapsed time
    assert "Demasiados intentos fallidos. Volvé a intentar en 15 minutos." in (
        response.content.decode()
    )
    assert _signed_in_user_id(client) is None
    assert LoginFailure.objects.count() == 5


def test_successful_login_clears_earlier_failures(client, agent):
    # given two failed attempts
    for _ in range(2):
        client.post("/login/", {"identifier": "sofia", "password": "wrong-wrong-1"})
    # when the agent then signs in correctly
    response = client.post("/login/", {"identifier": "sofia", "password": PASSWORD})
    # then the failures are forgotten
    assert response.status_code == 302
    assert LoginFailure.objects.count() == 0


def test_inactive_user_cannot_sign_in(client, desk_admin, agent):
    # given a deactivated agent
    services.user_update(user=agent, is_active=False)
    # when they try to sign in with the right password
    response = client.post("/login/", {"identifier": "sofia", "password": PASSWORD})
    # then they get the same error as a wrong password
    assert response.status_code == 200
    assert "Usuario, correo o contraseña incorrectos." in response.content.decode()
    assert _signed_in_user_id(client) is None


def test_signed_in_user_visiting_login_goes_home(agent_client):
    # given a signed-in agent
    # when they open the login page
    response = agent_client.get("/login/")
    # then they are sent home
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_form_works_with_csrf_enforced(agent):
    # given a browser that enforces CSRF like a real one
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    # when the form is posted with the token it was given
    response = browser.post(
        "/login/", {"identifier": "sofia", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    # then the sign-in succeeds
    assert response.status_code == 302
    assert _signed_in_user_id(browser) == agent.pk


def test_finding_9a_signed_in_login_with_a_next_that_is_no_local_path_goes_home(agent):
    # given a signed-in agent, in a browser that sees server errors as answers
    browser = Client(raise_request_exception=False)
    browser.force_login(agent)
    # when they open the login page with next values that are not local paths
    answers = {
        next_url: browser.get("/login/", {"next": next_url})
        for next_url in ["foo", "home", "//evil.example/x", "https://evil.example/"]
    }
    # then each one is sent home instead of failing or leaving the site
    assert {next_url: (r.status_code, r.get("Location")) for next_url, r in answers.items()} == {
        "foo": (302, "/"),
        "home": (302, "/"),
        "//evil.example/x": (302, "/"),
        "https://evil.example/": (302, "/"),
    }


def test_finding_4_django_admin_login_is_throttled(client, db):
    # given the superuser the first start creates
    User.objects.create_superuser("admin", PASSWORD)
    # when someone goes to the Django admin's sign-in door
    door = client.get("/django-admin/login/", {"next": "/django-admin/"})
    # then it leads to the console's sign-in, which brings them back to the admin
    assert door.status_code == 302
    assert door["Location"] == "/login/?next=/django-admin/"
    # and when twelve wrong passwords are tried there, then the right one
    wrong = [
        client.post(door["Location"], {"identifier": "admin", "password": f"wrong-{n}"})
        for n in range(12)
    ]
    right = client.post(door["Location"], {"identifier": "admin", "password": PASSWORD})
    # then the console's throttle refuses the right one too, and nobody is signed in
    assert [response.status_code for response in wrong] == [200] * 5 + [429] * 7
    assert right.status_code == 429
    assert _signed_in_user_id(client) is None
    # and Django's own sign-in form posted straight at the door signs nobody in either
    direct = client.post(
        "/django-admin/login/",
        {"username": "admin", "password": PASSWORD, "next": "/django-admin/"},
    )
    assert (direct.status_code, direct["Location"]) == (302, "/login/?next=/django-admin/")
    assert _signed_in_user_id(client) is None
    assert LoginFailure.objects.count() == 5


def test_console_sign_in_lands_a_superuser_back_in_the_django_admin(client, db):
    # given the superuser, sent from the Django admin to the console's sign-in
    User.objects.create_superuser("admin", PASSWORD)
    door = client.get("/django-admin/login/", {"next": "/django-admin/"})
    # when they sign in there
    signed_in = client.post(door["Location"], {"identifier": "admin", "password": PASSWORD})
    # then they land back in the Django admin, which lets them in
    assert (signed_in.status_code, signed_in["Location"]) == (302, "/django-admin/")
    assert client.get("/django-admin/").status_code == 200
    # and the door itself now sends them straight on
    again = client.get("/django-admin/login/", {"next": "/django-admin/"})
    assert (again.status_code, again["Location"]) == (302, "/django-admin/")


def test_django_admin_door_refuses_a_signed_in_agent_instead_of_looping(agent_client):
    # given a signed-in agent, who may not use Django's admin
    # when they are sent to its sign-in door
    response = agent_client.get("/django-admin/login/", {"next": "/django-admin/"})
    # then they are refused, not sent to a sign-in that would send them back
    assert response.status_code == 403


# --- Sign out and the frame ------------------------------------------------------------------


def test_logout_requires_post(agent_client, agent):
    # given a signed-in agent
    # when they GET the logout address
    refused = agent_client.get("/logout/")
    # then nothing happens
    assert refused.status_code == 405
    assert _signed_in_user_id(agent_client) == agent.pk
    # and when they POST to it
    response = agent_client.post("/logout/")
    # then they are signed out and sent to the login page
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert _signed_in_user_id(agent_client) is None


def test_frame_shows_name_role_and_navigation_by_role(agent_client, desk_admin):
    # given a signed-in agent
    # when they open the home page
    response = agent_client.get("/")
    html = response.content.decode()
    # then the top bar names them and their role, and shows only the pages they may use
    assert response.status_code == 200
    assertInHTML('<span class="who__name">Sofía Soporte</span>', html)
    assertInHTML('<span class="who__role">Soporte</span>', html)
    assert "No tenés conversaciones abiertas." in html
    assertInHTML('<a href="/" aria-current="page">Chats</a>', html)
    assertInHTML('<a href="/dashboard/">Tablero</a>', html)
    assert 'href="/users/"' not in html
    assert 'href="/areas/"' not in html
    # and an admin sees the admin pages too
    admin = Client()
    admin.force_login(desk_admin)
    admin_html = admin.get("/").content.decode()
    assert 'href="/users/">Usuarios</a>' in admin_html
    assert 'href="/areas/">Áreas</a>' in admin_html


def test_body_carries_the_csrf_header_for_htmx(agent_client):
    # given a signed-in agent
    # when any console page is rendered
    html = agent_client.get("/dashboard/").content.decode()
    # then htmx requests will send the CSRF token
    assert re.search(r"""<body [^>]*hx-headers='\{"X-CSRFToken": "[A-Za-z0-9]+"\}'""", html)


def test_availability_toggle_sets_away_and_back(agent_client, agent):
    # given an available agent
    assert agent.availability == Availability.AVAILABLE
    # when they post "away" from the dashboard
    response = agent_client.post("/availability/", {"availability": "away", "next": "/dashboard/"})
    # then they are away and back on the page they were on
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert User.objects.get(pk=agent.pk).availability == Availability.AWAY
    # and when they switch back through htmx
    fragment = agent_client.post(
        "/availability/", {"availability": "available"}, HTTP_HX_REQUEST="true"
    )
    # then the toggle is swapped in place, showing them available
    assert fragment.status_code == 200
    assert fragment.content.decode().startswith('<form class="availability"')
    assert 'class="status status--available" aria-pressed="true"' in fragment.content.decode()
    assertInHTML('<input type="hidden" name="next" value="/">', fragment.content.decode())
    assert User.objects.get(pk=agent.pk).availability == Availability.AVAILABLE


def test_availability_ignores_an_unknown_value(agent_client, agent):
    # given an available agent
    # when a forged form posts a value that is not a state
    response = agent_client.post("/availability/", {"availability": "asleep"})
    # then nothing changes
    assert response.status_code == 302
    assert User.objects.get(pk=agent.pk).availability == Availability.AVAILABLE


# --- Who may see the admin screens -----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/users/"),
        ("get", "/users/new/"),
        ("post", "/users/new/"),
        ("get", "/areas/"),
        ("get", "/areas/new/"),
        ("post", "/areas/new/"),
    ],
)
def test_non_admin_gets_403_on_admin_screens(agent_client, method, path):
    # given a signed-in agent
    # when they open or post to an admin screen
    response = getattr(agent_client, method)(path, {"name": "Hack"} if method == "post" else None)
    # then they are refused and nothing is written
    assert response.status_code == 403
    assert "No tenés permiso para ver esta página" in response.content.decode()
    assert Area.objects.count() == 0


def test_non_admin_cannot_toggle_a_user(agent_client, desk_admin):
    # given a signed-in agent
    # when they try to deactivate the admin
    response = agent_client.post(f"/users/{desk_admin.pk}/active/", {"is_active": "false"})
    # then they are refused and the admin stays active
    assert response.status_code == 403
    assert User.objects.get(pk=desk_admin.pk).is_active is True


# --- Areas -----------------------------------------------------------------------------------


def test_admin_creates_an_area_through_the_form(admin_client):
    # given a signed-in admin
    # when they submit the new-area form
    response = admin_client.post(
        "/areas/new/",
        {"name": "  Soporte   técnico ", "description": "Reclamos", "is_active": "on"},
    )
    # then the area exists and they land on its page
    area = Area.objects.get()
    assert (area.name, area.description, area.is_active) == ("Soporte técnico", "Reclamos", True)
    assert response.status_code == 302
    assert response["Location"] == f"/areas/{area.pk}/"


def test_duplicate_area_name_shows_the_field_error_and_writes_nothing(admin_client):
    # given an area named "Ventas"
    services.area_create(name="Ventas")
    # when the admin tries to create "ventas" again
    response = admin_client.post("/areas/new/", {"name": "ventas", "description": "Otra"})
    # then the form comes back with the error next to the name and the typed values kept
    assert response.status_code == 422
    html = response.content.decode()
    assertInHTML(
        '<ul class="errorlist" id="id_name_error">'
        "<li>Ya existe un área llamada «ventas».</li></ul>",
        html,
    )
    assert 'value="ventas"' in html
    assert ">\nOtra</textarea>" in html
    assert list(Area.objects.values_list("name", flat=True)) == ["Ventas"]


def test_area_list_shows_member_counts(admin_client):
    # given two areas, one with two members
    soporte = services.area_create(name="Soporte")
    services.area_create(name="Ventas", is_active=False)
    _person("ana", area_ids=[soporte.pk])
    _person("beto", area_ids=[soporte.pk])
    # when the admin opens the list
    response = admin_client.get("/areas/")
    html = re.sub(r"\s+", " ", response.content.decode())
    # then each row shows its members and state
    assert response.status_code == 200
    assertInHTML(f'<a href="/areas/{soporte.pk}/" class="strong">Soporte</a>', html)
    assertInHTML('<td class="num">2</td>', html)
    assertInHTML('<td class="num">0</td>', html)
    assertInHTML('<span class="state state--off">Inactiva</span>', html)


def test_area_list_shows_each_areas_response_targets(admin_client):
    soporte = services.area_create(
        name="Soporte", first_response_target_minutes=30, resolution_target_minutes=90
    )
    ventas = services.area_create(name="Ventas", resolution_target_minutes=480)
    services.area_create(name="Caja")

    html = re.sub(r"\s+", " ", admin_client.get("/areas/").content.decode())

    def targets_of(area_name: str) -> str:
        row = re.search(rf'<tr id="area-\d+"[^>]*>(?:(?!</tr>).)*>{area_name}</a>.*?</tr>', html)
        return re.search(r"<td data-targets>(.*?)</td>", row.group(0)).group(1).strip()

    assert targets_of(soporte.name) == "1ª respuesta 30 min · resolución 1 h 30 min"
    assert targets_of(ventas.name) == "1ª respuesta — · resolución 8 h"
    assert targets_of("Caja") == '<span class="muted">Sin metas</span>'


def test_admin_edits_an_area(admin_client):
    # given an area
    area = services.area_create(name="Soporte", description="Viejo")
    # when the admin saves new values (unchecking "active")
    response = admin_client.post(f"/areas/{area.pk}/", {"name": "Soporte", "description": "Nuevo"})
    # then they are stored
    assert response.status_code == 302
    area.refresh_from_db()
    assert (area.description, area.is_active) == ("Nuevo", False)


def test_admin_sets_and_clears_the_response_time_targets_of_an_area(admin_client):
    # given an area without targets
    area = services.area_create(name="Soporte")
    page = admin_client.get(f"/areas/{area.pk}/").content.decode()
    assert "Meta de primera respuesta (minutos)" in page
    # when the admin sets both, then clears the resolution target
    set_both = {"name": "Soporte", "is_active": "on", "first_response_target_minutes": "30",
                "resolution_target_minutes": "480"}  # fmt: skip
    assert admin_client.post(f"/areas/{area.pk}/", set_both).status_code == 302
    area.refresh_from_db()
    assert (area.first_response_target_minutes, area.resolution_target_minutes) == (30, 480)
    cleared = {**set_both, "resolution_target_minutes": ""}
    assert admin_client.post(f"/areas/{area.pk}/", cleared).status_code == 302
    # then they are stored, and the form shows what is stored
    area.refresh_from_db()
    assert (area.first_response_target_minutes, area.resolution_target_minutes) == (30, None)
    assert 'value="30"' in admin_client.get(f"/areas/{area.pk}/").content.decode()


def test_a_bad_target_shows_its_error_and_writes_nothing(admin_client):
    area = services.area_create(name="Soporte", description="Igual")

    response = admin_client.post(
        f"/areas/{area.pk}/",
        {"name": "Soporte", "description": "Otra", "first_response_target_minutes": "0"},
    )

    assert response.status_code == 422
    assertInHTML(
        '<ul class="errorlist" id="id_first_response_target_minutes_error"><li>'
        "Indicá minutos enteros entre 1 y 129600, o vacío para no tener meta.</li></ul>",
        response.content.decode(),
    )
    area.refresh_from_db()
    assert (area.description, area.first_response_target_minutes) == ("Igual", None)


def test_area_deactivate_toggle_works_as_plain_form_and_with_htmx(admin_client):
    # given an active area
    area = services.area_create(name="Ventas")
    # when the admin presses "Desactivar" without htmx
    plain = admin_client.post(f"/areas/{area.pk}/active/", {"is_active": "false"})
    # then the area is inactive and the list is shown again
    assert plain.status_code == 302
    assert plain["Location"] == "/areas/"
    assert Area.objects.get(pk=area.pk).is_active is False
    # and when they press "Activar" through htmx
    fragment = admin_client.post(
        f"/areas/{area.pk}/active/", {"is_active": "true"}, HTTP_HX_REQUEST="true"
    )
    # then only the row comes back, showing the new state
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert html.startswith(f'<tr id="area-{area.pk}">')
    assert "Desactivar" in html
    assert Area.objects.get(pk=area.pk).is_active is True


def test_admin_adds_and_removes_area_members(admin_client):
    # given an area and an agent who belongs to another one (their default)
    soporte = services.area_create(name="Soporte")
    ventas = services.area_create(name="Ventas")
    ana = _person("ana", area_ids=[ventas.pk], default_area_id=ventas.pk)
    # when the admin adds the agent on the area's page
    added = admin_client.post(f"/areas/{soporte.pk}/members/", {"user_id": ana.pk})
    # then the agent belongs to both areas
    assert added.status_code == 302
    assert set(ana.areas.values_list("name", flat=True)) == {"Soporte", "Ventas"}
    page = admin_client.get(f"/areas/{soporte.pk}/").content.decode()
    assertInHTML(f'<a href="/users/{ana.pk}/">ana</a>', page)
    # and when they remove the agent from Ventas
    removed = admin_client.post(f"/areas/{ventas.pk}/members/{ana.pk}/remove/")
    # then only Soporte is left and the default area (Ventas) is cleared
    assert removed.status_code == 302
    assert removed["Location"] == f"/areas/{ventas.pk}/#miembros"
    ana.refresh_from_db()
    assert list(ana.areas.values_list("name", flat=True)) == ["Soporte"]
    assert ana.default_area_id is None


def test_adding_an_unknown_member_writes_nothing(admin_client, agent):
    # given an area
    area = services.area_create(name="Soporte")
    # when a forged form names a user that does not exist
    response = admin_client.post(f"/areas/{area.pk}/members/", {"user_id": 999999})
    # then the page answers 422 and nobody joins
    assert response.status_code == 422
    assert area.members.count() == 0


# --- Users -----------------------------------------------------------------------------------


def test_admin_creates_a_user_through_the_form(admin_client):
    # given two areas
    soporte = services.area_create(name="Soporte")
    ventas = services.area_create(name="Ventas")
    # when the admin fills in the new-user form
    response = admin_client.post(
        "/users/new/",
        {
            "username": "Valentin",
            "name": "Valentín Ventas",
            "email": "valen@example.com",
            "password": PASSWORD,
            "role": "SALES",
            "area_ids": [soporte.pk, ventas.pk],
            "default_area_id": ventas.pk,
            "max_open_conversations": "4",
            "is_active": "on",
        },
    )
    # then the user exists with every field, and can sign in
    assert response.status_code == 302
    assert response["Location"] == "/users/"
    user = User.objects.get(username="valentin")
    assert (user.name, user.email, user.role, user.default_area_id) == (
        "Valentín Ventas",
        "valen@example.com",
        Role.SALES,
        ventas.pk,
    )
    assert (user.max_open_conversations, user.is_active) == (4, True)
    assert set(user.areas.values_list("name", flat=True)) == {"Soporte", "Ventas"}
    assert user.check_password(PASSWORD) is True
    listing = admin_client.get("/users/").content.decode()
    assert "Usuario «valentin» creado." in listing


def test_invalid_user_form_shows_service_errors_and_keeps_values(admin_client, agent):
    # given an existing agent "sofia"
    before = User.objects.count()
    # when the admin tries to create another "sofia" with a weak password
    response = admin_client.post(
        "/users/new/",
        {"username": "sofia", "name": "Otra Sofía", "password": "123", "role": "OPERATOR"},
    )
    # then both problems are shown next to their fields, the name is kept, nothing is written
    assert response.status_code == 422
    html = response.content.decode()
    assertInHTML(
        '<ul class="errorlist" id="id_username_error"><li>El usuario «sofia» ya existe.</li></ul>',
        html,
    )
    assert 'id="id_password_error"' in html
    assert 'value="Otra Sofía"' in html
    assert User.objects.count() == before


def test_admin_edits_a_user_without_changing_the_password(admin_client, agent):
    # given an agent
    area = services.area_create(name="Soporte")
    # when the admin changes the role and areas and leaves the password empty
    response = admin_client.post(
        f"/users/{agent.pk}/",
        {
            "username": "sofia",
            "name": "Sofía S.",
            "email": "sofia@example.com",
            "password": "",
            "role": "SUPERVISOR",
            "area_ids": [area.pk],
            "is_active": "on",
        },
    )
    # then the changes are stored and the old password still works
    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.name, agent.role) == ("Sofía S.", Role.SUPERVISOR)
    assert list(agent.areas.values_list("pk", flat=True)) == [area.pk]
    assert agent.check_password(PASSWORD) is True


def test_edit_page_shows_current_values(admin_client, agent):
    # given an agent
    # when the admin opens the agent's edit page
    response = admin_client.get(f"/users/{agent.pk}/")
    html = response.content.decode()
    # then the form is filled in and the password is not required
    assert response.status_code == 200
    assert 'value="sofia@example.com"' in html
    assertInHTML('<option value="SUPPORT" selected>Soporte</option>', html)
    assert "Dejala vacía para no cambiarla." in html


def test_unknown_user_is_404(admin_client):
    # given a signed-in admin
    # when they open a user that does not exist
    response = admin_client.get("/users/999999/")
    # then the answer is 404
    assert response.status_code == 404


def test_user_deactivate_toggle_works_as_plain_form_and_with_htmx(admin_client, agent):
    # given an active agent
    # when the admin presses "Desactivar" through htmx
    fragment = admin_client.post(
        f"/users/{agent.pk}/active/", {"is_active": "false"}, HTTP_HX_REQUEST="true"
    )
    # then the row comes back showing the agent inactive
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert html.startswith(f'<tr id="user-{agent.pk}" class="is-inactive">')
    assert "Activar" in html
    assert User.objects.get(pk=agent.pk).is_active is False
    # and when they press "Activar" as a plain form
    plain = admin_client.post(f"/users/{agent.pk}/active/", {"is_active": "true"})
    # then the agent is active again and the list is shown
    assert plain.status_code == 302
    assert plain["Location"] == "/users/"
    assert User.objects.get(pk=agent.pk).is_active is True


def test_last_admin_cannot_be_deactivated_from_the_list(admin_client, desk_admin):
    # given the only admin
    # when they try to deactivate themselves through htmx
    fragment = admin_client.post(
        f"/users/{desk_admin.pk}/active/", {"is_active": "false"}, HTTP_HX_REQUEST="true"
    )
    # then the row shows why and the admin stays active
    assert fragment.status_code == 200
    assertInHTML(
        '<p class="row-error" role="alert">Es el último administrador activo; '
        "nombrá a otro antes.</p>",
        fragment.content.decode(),
    )
    assert User.objects.get(pk=desk_admin.pk).is_active is True


def test_users_list_shows_every_column(admin_client, agent):
    # given an agent in two areas, one of them the default
    soporte = services.area_create(name="Soporte")
    ventas = services.area_create(name="Ventas")
    services.user_update(user=agent, area_ids=[soporte.pk, ventas.pk], default_area_id=soporte.pk)
    # when the admin opens the list
    response = admin_client.get("/users/")
    html = re.sub(r"\s+", " ", response.content.decode())
    # then the agent's row has username, name, email, role, areas and state
    assert response.status_code == 200
    assertInHTML(f'<a href="/users/{agent.pk}/" class="strong">sofia</a>', html)
    assertInHTML("<td>Sofía Soporte</td> <td>sofia@example.com</td>", html)
    assertInHTML('<span class="badge badge--support">Soporte</span>', html)
    assertInHTML('<span class="chip chip--default" title="Área por defecto">Soporte</span>', html)
    assertInHTML('<span class="chip">Ventas</span>', html)
    assertInHTML('<span class="state state--on">Activo</span>', html)


def test_users_list_is_paginated(admin_client, desk_admin):
    # given 55 users besides the admin
    for number in range(55):
        _person(f"u{number:03d}")
    # when the admin opens the first page and follows "Siguiente"
    first = admin_client.get("/users/").content.decode()
    cursor = re.search(r'href="/users/\?cursor=([^"]+)"', first)[1]
    second = admin_client.get(f"/users/?cursor={cursor}").content.decode()
    # then every user appears exactly once across the two pages
    first_names = re.findall(r'class="strong">([^<]+)</a>', first)
    second_names = re.findall(r'class="strong">([^<]+)</a>', second)
    assert len(first_names) == 50
    assert first_names + second_names == sorted(User.objects.values_list("username", flat=True))
    assert 'href="/users/?cursor=' not in second


def test_users_list_query_count_does_not_grow_with_users(
    admin_client, django_assert_max_num_queries, django_assert_num_queries
):
    # given ten users spread over two areas
    areas = [services.area_create(name="Soporte"), services.area_create(name="Ventas")]
    for number in range(9):
        _person(f"a{number:02d}", area_ids=[areas[number % 2].pk])
    # when the admin opens the list
    with django_assert_max_num_queries(5) as with_ten:
        assert admin_client.get("/users/").status_code == 200
    # and again after twenty more users join
    for number in range(20):
        _person(f"b{number:02d}", area_ids=[area.pk for area in areas])
    assert User.objects.count() == 30
    # then the same number of queries is made
    with django_assert_num_queries(len(with_ten.captured_queries)):
        assert admin_client.get("/users/").status_code == 200
