"""Quick replies: who may keep and manage which, and their variables filled for a chat."""

import pytest

from ventanilla.accounts.models import Role
from ventanilla.quickreplies.models import QuickReply
from ventanilla.quickreplies.selectors import fill

URL = "/api/quick-replies"


@pytest.fixture
def people(make_user, admin, soporte, ventas):
    return {
        "admin": admin,
        "lead": make_user(Role.SUPERVISOR, username="sofia", name="Sofía", areas=[soporte]),
        "agent": make_user(Role.SUPPORT, username="ana", name="Ana", areas=[soporte]),
        "sales": make_user(Role.SALES, username="pedro", name="Pedro", areas=[ventas]),
    }


def _create(api, user, **fields):
    body = {"code": "saludo", "title": "Saludo", "text": "Hola {nombre}", **fields}
    return api(user).post(URL, body)


def test_variables_are_filled_and_other_braces_kept():
    text = "Hola {nombre}, soy {agente} de {area}. {otra} {nombre}"

    assert fill(text, name="Ana", agent="Sofía", area="Soporte") == (
        "Hola Ana, soy Sofía de Soporte. {otra} Ana"
    )


def test_the_list_for_a_chat_fills_the_variables(api, people, make_conversation, soporte):
    chat = make_conversation("active", area=soporte, assigned_to=people["agent"], name="Marta")
    _create(api, people["admin"], scope="desk", text="Hola {nombre}, soy {agente} ({area})")

    items = api(people["agent"]).get(f"{URL}?conversation_id={chat.pk}").json()["items"]

    assert [item["filled"] for item in items] == ["Hola Marta, soy Ana (Soporte)"]
    assert items[0]["may_edit"] is False


def test_a_chat_the_caller_may_not_see_is_404(api, people, make_conversation, soporte):
    chat = make_conversation("active", area=soporte, assigned_to=people["agent"])

    assert api(people["sales"]).get(f"{URL}?conversation_id={chat.pk}").status_code == 404


@pytest.mark.parametrize(
    ("who", "scope", "area", "status"),
    [
        ("admin", "desk", None, 201),
        ("lead", "desk", None, 403),
        ("agent", "desk", None, 403),
        ("admin", "area", "soporte", 201),
        ("lead", "area", "soporte", 201),
        ("lead", "area", "ventas", 403),
        ("agent", "area", "soporte", 403),
        ("agent", "personal", None, 201),
        ("lead", "personal", None, 201),
    ],
)
def test_who_may_create_where(api, people, soporte, ventas, who, scope, area, status):
    area_id = {"soporte": soporte.pk, "ventas": ventas.pk}.get(area)

    answer = _create(api, people[who], scope=scope, area_id=area_id)

    assert answer.status_code == status, answer.content
    assert QuickReply.objects.count() == (1 if status == 201 else 0)
    if status == 403:
        assert list(answer.json()["errors"]) == ["scope"]


def test_each_sees_the_desk_theirs_and_their_areas(api, people, soporte, ventas):
    _create(api, people["admin"], scope="desk", code="desk")
    _create(api, people["admin"], scope="area", area_id=soporte.pk, code="soporte")
    _create(api, people["admin"], scope="area", area_id=ventas.pk, code="ventas")
    _create(api, people["agent"], scope="personal", code="mia")

    def codes(who):
        return [item["code"] for item in api(people[who]).get(URL).json()["items"]]

    assert codes("agent") == ["desk", "mia", "soporte"]
    assert codes("sales") == ["desk", "ventas"]
    assert codes("lead") == ["desk", "soporte"]
    assert codes("admin") == ["desk", "soporte", "ventas"]


def test_only_the_owner_changes_a_personal_reply(api, people):
    reply = _create(api, people["agent"], scope="personal").json()
    url = f"{URL}/{reply['id']}"

    assert api(people["sales"]).patch(url, {"text": "otro"}).status_code == 404
    assert api(people["admin"]).delete(url).status_code == 404  # not theirs to see
    changed = api(people["agent"]).patch(url, {"text": "Buen día {nombre}"})
    assert changed.status_code == 200
    assert changed.json()["text"] == "Buen día {nombre}"
    assert api(people["agent"]).delete(url).status_code == 204
    assert not QuickReply.objects.exists()


def test_a_supervisor_manages_their_areas_and_agents_only_read_them(api, people, soporte):
    reply = _create(api, people["lead"], scope="area", area_id=soporte.pk).json()
    url = f"{URL}/{reply['id']}"

    assert api(people["agent"]).patch(url, {"title": "x"}).status_code == 403
    assert api(people["lead"]).patch(url, {"title": "Bienvenida"}).json()["title"] == "Bienvenida"


def test_every_problem_is_named_at_once(api, people):
    answer = _create(api, people["agent"], code="con espacio", title=" ", text="", scope="x")

    assert answer.status_code == 422
    assert set(answer.json()["errors"]) == {"code", "title", "text", "scope"}


def test_codes_are_unique_per_shelf_accents_and_case_ignored(api, people, soporte):
    assert _create(api, people["agent"], code="Saludó").status_code == 201
    again = _create(api, people["agent"], code="saludo")
    elsewhere = _create(api, people["lead"], code="saludo")

    assert again.status_code == 422
    assert list(again.json()["errors"]) == ["code"]
    assert elsewhere.status_code == 201
