"""The console and the API speak the user's language: their own choice, else the browser's, else
LANGUAGE_CODE (es). A change applies from the next request on, without signing in again."""

import re

import pytest
from django.test import Client
from pytest_django.asserts import assertInHTML

from ventanilla.accounts.models import Area, Role, User

SPANISH = ">Salir</button>"
ENGLISH = ">Sign out</button>"


def _page(client: Client, path: str = "/users/", **headers) -> str:
    response = client.get(path, **headers)
    assert response.status_code == 200
    return response.content.decode()


def _html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)">', page).group(1)


@pytest.fixture
def boss(make_user):
    return make_user(Role.ADMIN, username="jefa", name="La Jefa")


@pytest.fixture
def signed_in(boss):
    client = Client()
    client.force_login(boss)
    return client


# --- The console -----------------------------------------------------------------------------


def test_console_is_spanish_by_default(signed_in):
    # given a user who never chose a language and a browser that asks for none
    # when they open a screen
    page = _page(signed_in)
    # then it is in Spanish, LANGUAGE_CODE
    assert _html_lang(page) == "es"
    assert SPANISH in page
    assert "Usuarios de la mesa" in page
    assert ENGLISH not in page


def test_console_is_english_for_a_user_whose_language_is_en(boss, signed_in):
    # given the user chose English
    User.objects.filter(pk=boss.pk).update(language="en")
    # when they open screens, whatever the browser prefers
    users = _page(signed_in, HTTP_ACCEPT_LANGUAGE="es-AR,es;q=0.9")
    chats = _page(signed_in, "/")
    # then the frame and the pages are in English
    assert _html_lang(users) == "en"
    assert ENGLISH in users
    assert "Desk users" in users
    assert ">Working hours</a>" in users
    assert "Usuarios de la mesa" not in users
    assert ENGLISH in chats
    assert "Choose a conversation" in chats


def test_without_a_choice_the_browser_language_is_followed(signed_in):
    page = _page(signed_in, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert _html_lang(page) == "en"
    assert ENGLISH in page


def test_the_users_choice_wins_over_the_browser(boss, signed_in):
    User.objects.filter(pk=boss.pk).update(language="es")

    page = _page(signed_in, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert _html_lang(page) == "es"
    assert SPANISH in page


def test_the_login_page_follows_the_browser(db):
    english = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    spanish = Client().get("/login/").content.decode()

    assert "Sign in to the service desk" in english
    assert "Ingresá a la mesa de atención" in spanish


def test_choosing_english_in_the_top_bar_applies_without_signing_in_again(boss, signed_in):
    # given a signed-in user on a Spanish console
    assert SPANISH in _page(signed_in)
    # when they pick English in the top bar
    response = signed_in.post("/language/", {"language": "en", "next": "/users/"})
    # then they are back where they were, now in English, in the same session
    assert response.status_code == 302
    assert response["Location"] == "/users/"
    boss.refresh_from_db()
    assert boss.language == "en"
    assert ENGLISH in _page(signed_in)
    # and "automatic" goes back to the browser's language, else Spanish
    signed_in.post("/language/", {"language": ""})
    boss.refresh_from_db()
    assert boss.language == ""
    assert SPANISH in _page(signed_in)


def test_the_top_bar_picker_asks_htmx_to_reload_the_page(boss, signed_in):
    response = signed_in.post("/language/", {"language": "en"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Refresh"] == "true"
    boss.refresh_from_db()
    assert boss.language == "en"


def test_an_unknown_language_is_refused_and_nothing_changes(boss, signed_in):
    signed_in.post("/language/", {"language": "fr"})

    boss.refresh_from_db()
    assert boss.language == ""


def test_the_top_bar_shows_the_picker_with_the_current_choice(boss, signed_in):
    User.objects.filter(pk=boss.pk).update(language="en")

    page = _page(signed_in)

    assert 'action="/language/"' in page
    assertInHTML('<option value="en" lang="en" selected>English</option>', page)
    assertInHTML('<option value="es" lang="es">Español</option>', page)


def test_an_admin_sets_someones_language_on_the_user_form(boss, signed_in, make_user):
    # given an agent signed in on their own browser
    agent = make_user(Role.SUPPORT, username="sofia", name="Sofía")
    agent_browser = Client()
    agent_browser.force_login(agent)
    assert SPANISH in _page(agent_browser, "/")
    form = _page(signed_in, f"/users/{agent.pk}/")
    assert 'name="language"' in form
    # when the admin sets their language to English
    response = signed_in.post(
        f"/users/{agent.pk}/",
        {
            "username": "sofia",
            "name": "Sofía",
            "role": Role.SUPPORT,
            "is_active": "on",
            "language": "en",
        },
    )
    # then it is saved, and the agent's next page is English without signing in again
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.language == "en"
    assert ENGLISH in _page(agent_browser, "/")


# --- The API ---------------------------------------------------------------------------------


def test_api_validation_errors_come_in_the_users_language(boss, api):
    client = api(boss)
    spanish = client.post("/api/areas", {"name": "   "})
    User.objects.filter(pk=boss.pk).update(language="en")
    english = client.post("/api/areas", {"name": "   "})

    assert spanish.status_code == english.status_code == 422
    assert spanish.json() == {
        "detail": "name: Este campo no puede quedar vacío.",
        "errors": {"name": ["Este campo no puede quedar vacío."]},
    }
    assert english.json() == {
        "detail": "name: This field may not be blank.",
        "errors": {"name": ["This field may not be blank."]},
    }


@pytest.mark.parametrize(
    ("payload", "spanish", "english"),
    [
        ({}, "Este campo es obligatorio.", "This field is required."),
        ({"name": 7}, "Tiene que ser texto.", "Must be text."),
        (
            {"name": "x" * 81},
            "Usá como máximo 80 caracteres.",
            "Ensure this field has no more than 80 characters.",
        ),
    ],
)
def test_schema_errors_are_translated_too(boss, api, payload, spanish, english):
    client = api(boss)
    first = client.post("/api/areas", payload).json()["errors"]["name"]
    User.objects.filter(pk=boss.pk).update(language="en")
    second = client.post("/api/areas", payload).json()["errors"]["name"]

    assert (first, second) == ([spanish], [english])


def test_finding_15c_a_body_that_cannot_be_parsed_is_refused_in_the_users_language(boss, api):
    # given a signed-in admin
    client = api(boss)
    headers = {"content_type": "application/json", "HTTP_X_CSRFTOKEN": client.csrf_token}
    # when they post a body that is not JSON, in Spanish and then in English
    spanish = client.http.post("/api/areas", '{"name": Soporte', **headers)
    english = client.http.post(
        "/api/areas", '{"name": Soporte', HTTP_ACCEPT_LANGUAGE="en", **headers
    )
    # then both are 400 with the text in each language, and nothing is written
    assert (spanish.status_code, english.status_code) == (400, 400)
    assert spanish.json() == {"detail": "No se puede leer el cuerpo del pedido.", "errors": {}}
    assert english.json() == {"detail": "Cannot parse request body.", "errors": {}}
    assert not Area.objects.exists()


def test_the_browser_language_reaches_the_api_when_the_user_chose_none(boss, api):
    response = api(boss).post("/api/areas", {"name": ""}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.json()["errors"] == {"name": ["This field may not be blank."]}


def test_me_tells_the_language_and_the_user_changes_it(boss, api):
    client = api(boss)
    assert client.get("/api/auth/me").json()["user"]["language"] == ""

    changed = client.post("/api/auth/language", {"language": "en"})

    assert changed.status_code == 200
    assert changed.json()["user"]["language"] == "en"
    assert client.get("/api/auth/me").json()["user"]["language"] == "en"
    refused = client.post("/api/auth/language", {"language": "xx"})
    assert refused.status_code == 422
    assert list(refused.json()["errors"]) == ["language"]
    assert refused.json()["errors"]["language"][0].startswith("Unknown language")
    boss.refresh_from_db()
    assert boss.language == "en"


def test_the_users_api_accepts_and_keeps_the_language(boss, api):
    client = api(boss)
    created = client.post(
        "/api/users",
        {
            "username": "ana",
            "password": "Corr3ct-Horse-Battery",
            "role": "SUPPORT",
            "language": "en",
        },
    )
    assert created.status_code == 201
    user_id = created.json()["id"]
    assert created.json()["language"] == "en"
    # a PUT that does not name the language keeps it
    replaced = client.put(f"/api/users/{user_id}", {"username": "ana", "role": "SUPPORT"})
    assert replaced.json()["language"] == "en"
    # a PATCH sets it, "" follows the browser again
    assert client.patch(f"/api/users/{user_id}", {"language": ""}).json()["language"] == ""
    refused = client.patch(f"/api/users/{user_id}", {"language": "de"})
    assert refused.status_code == 422
    assert list(refused.json()["errors"]) == ["language"]
    assert User.objects.get(pk=user_id).language == ""


def test_a_user_created_without_a_language_follows_the_browser(boss, api):
    created = api(boss).post(
        "/api/users", {"username": "beto", "password": "Corr3ct-Horse-Battery", "role": "SALES"}
    )

    assert created.json()["language"] == ""
