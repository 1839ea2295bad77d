"""An area's survey setting: read by anyone signed in, changed only by admins (API and console),
every field checked before anything is written, each change in the audit trail."""

import pytest

from ventanilla.accounts.models import Role
from ventanilla.core.models import AuditEntry
from ventanilla.surveys.models import SurveySetting
from ventanilla.surveys.selectors import DEFAULT_COMMENT_QUESTION, DEFAULT_QUESTION, area_survey
from ventanilla.surveys.services import MAX_QUESTION_LENGTH

pytestmark = pytest.mark.django_db


def _url(area) -> str:
    return f"/api/areas/{area.pk}/survey"


def test_off_with_the_default_texts_until_an_admin_turns_it_on(api, admin, soporte, make_user):
    operator = api(make_user(Role.OPERATOR, areas=[soporte]))
    assert operator.get(_url(soporte)).json() == {
        "area_id": soporte.pk,
        "enabled": False,
        "question": DEFAULT_QUESTION,
        "comment_question": DEFAULT_COMMENT_QUESTION,
    }

    response = api(admin).put(
        _url(soporte), {"enabled": True, "question": "  Del 1 al 5, ¿qué tal?  "}
    )

    assert response.status_code == 200
    assert response.json() == {
        "area_id": soporte.pk,
        "enabled": True,
        "question": "Del 1 al 5, ¿qué tal?",
        "comment_question": DEFAULT_COMMENT_QUESTION,
    }
    entry = AuditEntry.objects.get(action="area.survey")
    assert (entry.actor_id, entry.target_id) == (admin.pk, str(soporte.pk))
    # PATCH changes what it names; "" puts the default text back
    patched = api(admin).patch(_url(soporte), {"question": ""}).json()
    assert (patched["enabled"], patched["question"]) == (True, DEFAULT_QUESTION)


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.OPERATOR, Role.SUPPORT, Role.SALES])
def test_only_admins_change_it(api, make_user, soporte, role):
    person = api(make_user(role, areas=[soporte]))

    assert person.put(_url(soporte), {"enabled": True}).status_code == 403
    assert person.patch(_url(soporte), {"enabled": True}).status_code == 403
    assert not SurveySetting.objects.exists()


def test_anonymous_is_401_and_a_missing_area_404(api, admin):
    assert api().get("/api/areas/1/survey").status_code == 401
    assert api(admin).put("/api/areas/999999/survey", {"enabled": True}).status_code == 404


@pytest.mark.parametrize(
    "body,field",
    [
        ({"enabled": True, "question": "x" * (MAX_QUESTION_LENGTH + 1)}, "question"),
        ({"enabled": True, "comment_question": "hola\x00"}, "comment_question"),
        ({"enabled": None}, "enabled"),
    ],
)
def test_a_bad_field_is_422_naming_it_and_nothing_is_written(api, admin, soporte, body, field):
    client = api(admin)
    response = client.patch(_url(soporte), body)

    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert area_survey(area=soporte).enabled is False
    assert not AuditEntry.objects.filter(action="area.survey").exists()


def test_the_area_screen_sets_it_for_admins_only(admin_client, client, make_user, soporte):
    page = admin_client.get(f"/areas/{soporte.pk}/").content.decode()
    assert 'id="encuesta"' in page and DEFAULT_QUESTION in page

    response = admin_client.post(
        f"/areas/{soporte.pk}/survey/",
        {"survey-enabled": "on", "survey-question": "¿Cómo te atendimos?",
         "survey-comment_question": DEFAULT_COMMENT_QUESTION},
    )  # fmt: skip

    assert response.status_code == 302
    saved = area_survey(area=soporte)
    assert (saved.enabled, saved.question) == (True, "¿Cómo te atendimos?")
    assert SurveySetting.objects.get().comment_question == ""  # the default, kept as such

    too_long = admin_client.post(
        f"/areas/{soporte.pk}/survey/",
        {"survey-enabled": "", "survey-question": "x" * (MAX_QUESTION_LENGTH + 1)},
    )
    assert too_long.status_code == 422
    assert area_survey(area=soporte).enabled is True

    client.force_login(make_user(Role.SUPERVISOR, areas=[soporte]))
    assert client.post(f"/areas/{soporte.pk}/survey/", {"survey-enabled": ""}).status_code == 403
    assert area_survey(area=soporte).enabled is True
