"""/api/settings/auto-close: the values in force, saving, validation with field names, roles."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ventanilla.accounts.models import Role, User
from ventanilla.schedules.models import AutoCloseSetting

URL = "/api/settings/auto-close"
ENV_MESSAGE = "Cerramos esta conversación por inactividad. Escribinos cuando quieras."


def test_without_saved_values_the_environment_applies(api, admin, settings):
    settings.AUTO_CLOSE_MINUTES = 30

    response = api(admin).get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "minutes": 30.0,
        "message": ENV_MESSAGE,
        "enabled": True,
        "minutes_saved": False,
        "message_saved": False,
        "updated_at": None,
        "updated_by": None,
    }


def test_admin_saves_and_reads_back(api, admin):
    client = api(admin)

    saved = client.patch(URL, {"minutes": 45.5, "message": "  Chau  "})

    assert saved.status_code == 200
    body = saved.json()
    assert {key: body[key] for key in ("minutes", "message", "minutes_saved", "message_saved")} == {
        "minutes": 45.5,
        "message": "Chau",
        "minutes_saved": True,
        "message_saved": True,
    }
    assert body["updated_by"] == {"id": admin.pk, "name": "La Jefa"}
    assert body["updated_at"] is not None
    assert client.get(URL).json() == body


def test_zero_turns_it_off_and_null_goes_back_to_the_environment(api, admin, settings):
    client = api(admin)

    off = client.patch(URL, {"minutes": 0}).json()
    back = client.patch(URL, {"minutes": None}).json()

    assert (off["minutes"], off["enabled"], off["message_saved"]) == (0, False, False)
    assert (back["minutes"], back["enabled"], back["minutes_saved"]) == (
        float(settings.AUTO_CLOSE_MINUTES),
        True,
        False,
    )


def test_an_empty_patch_writes_nothing(api, admin):
    response = api(admin).patch(URL, {})

    assert response.status_code == 200
    assert AutoCloseSetting.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"minutes": -1}, {"minutes"}),
        ({"minutes": 1441}, {"minutes"}),
        ({"minutes": 0.001}, {"minutes"}),
        ({"minutes": "30"}, {"minutes"}),
        ({"minutes": True}, {"minutes"}),
        ({"message": ""}, {"message"}),
        ({"message": "x" * 4097}, {"message"}),
        ({"message": "\x00"}, {"message"}),  # PostgreSQL refuses NUL: a 422, never a 500
        ({"message": "Chau\x07"}, {"message"}),
        ({"minutes": 2000, "message": " "}, {"minutes", "message"}),
    ],
)
def test_bad_values_name_their_fields_and_write_nothing(api, admin, body, fields):
    response = api(admin).patch(URL, body)

    assert response.status_code == 422
    assert set(response.json()["errors"]) == fields
    assert AutoCloseSetting.objects.count() == 0


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.OPERATOR, Role.SUPPORT, Role.SALES])
def test_only_admins(api, make_user, role):
    client = api(make_user(role))

    assert client.get(URL).status_code == 403
    assert client.patch(URL, {"minutes": 5}).status_code == 403
    assert AutoCloseSetting.objects.count() == 0


def test_anonymous_gets_401_and_a_missing_csrf_token_403(api, admin, db):
    assert api().get(URL).status_code == 401
    assert api(admin).patch(URL, {"minutes": 5}, csrf=False).status_code == 403
    assert AutoCloseSetting.objects.count() == 0


json_values = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)


@given(body=st.dictionaries(st.sampled_from(["minutes", "message", "other"]), json_values))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_no_body_answers_500(api, admin, body):
    response = api(admin).patch(URL, body)

    assert response.status_code in (200, 400, 422), response.content


def test_refusals_are_in_the_users_language(api, admin):
    client = api(admin)
    spanish = client.patch(URL, {"minutes": 1441, "message": " "})
    User.objects.filter(pk=admin.pk).update(language="en")
    english = client.patch(URL, {"minutes": 1441, "message": " "})

    assert spanish.status_code == english.status_code == 422
    assert spanish.json() == {
        "detail": "minutes: Usá como máximo 1440 minutos (24 horas): pasado un día, la WhatsApp "
        "Cloud API ya no acepta el mensaje de cierre.",
        "errors": {
            "minutes": [
                "Usá como máximo 1440 minutos (24 horas): pasado un día, la WhatsApp Cloud API "
                "ya no acepta el mensaje de cierre."
            ],
            "message": ["Este campo no puede quedar vacío."],
        },
    }
    assert english.json() == {
        "detail": "minutes: Use at most 1440 minutes (24 hours): past a day the WhatsApp Cloud "
        "API no longer accepts the closing message.",
        "errors": {
            "minutes": [
                "Use at most 1440 minutes (24 hours): past a day the WhatsApp Cloud API no longer "
                "accepts the closing message."
            ],
            "message": ["This field may not be blank."],
        },
    }
    assert AutoCloseSetting.objects.count() == 0
