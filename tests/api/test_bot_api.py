"""/api/bot: who may read and drive the line's session, and what each call answers."""

import pytest

from ventanilla.accounts.models import Role
from ventanilla.core.models import LiveEvent
from ventanilla.providers.models import Line

ALL_ROLES = [Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR, Role.SUPPORT, Role.SALES]
CALLS = {
    "status": ("GET", "/api/bot/status", None, 200),
    "start": ("POST", "/api/bot/start", None, 202),
    "stop": ("POST", "/api/bot/stop", None, 200),
    "pause": ("POST", "/api/bot/pause", {"paused": True}, 200),
    "metadata": ("PATCH", "/api/bot/metadata", {"display_name": "Mesa de ayuda"}, 200),
}
ALLOWED = {
    "status": set(ALL_ROLES),
    "start": {Role.ADMIN},
    "stop": {Role.ADMIN},
    "pause": {Role.ADMIN, Role.SUPERVISOR},
    "metadata": {Role.ADMIN},
}


def line_row(line: Line) -> tuple:
    line.refresh_from_db()
    return (line.state, line.paused, line.display_name, line.phone)


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("call", sorted(CALLS))
def test_role_may_or_may_not(role, call, api, make_user, admin, sandbox_line):
    # given the sandbox line and a signed-in user of `role`
    actor = admin if role == Role.ADMIN else make_user(role)
    method, path, body, success = CALLS[call]
    before = line_row(sandbox_line)

    # when the call is made
    response = api(actor).request(method, path, body)

    # then only the allowed roles succeed; a refused call changes nothing and tells no one
    if role in ALLOWED[call]:
        assert response.status_code == success, response.content
    else:
        assert response.status_code == 403, response.content
        assert response.json()["detail"] == "Tu rol no puede hacer esto."
        assert line_row(sandbox_line) == before
        assert LiveEvent.objects.count() == 0


@pytest.mark.parametrize("call", sorted(CALLS))
def test_anonymous_is_401(call, api, sandbox_line):
    method, path, body, _ = CALLS[call]

    response = api().request(method, path, body)

    assert response.status_code == 401


@pytest.mark.parametrize("call", ["start", "stop", "pause", "metadata"])
def test_unsafe_calls_need_the_csrf_token(call, api, admin, sandbox_line):
    method, path, body, _ = CALLS[call]

    response = api(admin).request(method, path, body, csrf=False)

    assert response.status_code == 403
    assert line_row(sandbox_line) == ("disconnected", False, "Sandbox", "")


def test_sandbox_start_and_stop_just_switch_it(api, admin, sandbox_line):
    client = api(admin)

    started = client.post("/api/bot/start")
    stopped = client.post("/api/bot/stop")

    assert started.status_code == 202
    body = started.json()
    assert body == {
        "line_id": sandbox_line.pk,
        "provider": "sandbox",
        "state": "connected",
        "detail": "sandbox",
        "paused": False,
        "display_name": "Sandbox",
        "phone": "",
        "connected_since": body["connected_since"],
        "qr": None,
    }
    assert body["connected_since"] is not None
    assert (stopped.json()["state"], stopped.json()["connected_since"]) == ("disconnected", None)
    assert [(e.name, e.data["state"], e.audience) for e in LiveEvent.objects.order_by("id")] == [
        ("session:status", "connected", {"all": True}),
        ("session:status", "disconnected", {"all": True}),
    ]


def test_status_of_another_line(api, admin, sandbox_line):
    other = Line.objects.create(provider="wppconnect", display_name="Ventas", state="qr")
    Line.objects.filter(pk=other.pk).update(last_qr="data:image/png;base64,AAAA")

    default = api(admin).get("/api/bot/status").json()
    chosen = api(admin).get(f"/api/bot/status?line={other.pk}").json()
    missing = api(admin).get("/api/bot/status?line=999999")
    huge = api(admin).post(f"/api/bot/start?line={2**70}")

    assert (default["line_id"], default["qr"]) == (sandbox_line.pk, None)
    assert (chosen["line_id"], chosen["provider"], chosen["state"], chosen["qr"]) == (
        other.pk,
        "wppconnect",
        "qr",
        "data:image/png;base64,AAAA",
    )
    assert (missing.status_code, huge.status_code) == (404, 404)


def test_qr_is_shown_only_while_waiting_for_it(api, admin, sandbox_line):
    Line.objects.filter(pk=sandbox_line.pk).update(
        state="connected", last_qr="data:image/png;base64,AAAA"
    )

    assert api(admin).get("/api/bot/status").json()["qr"] is None


def test_status_without_any_line_creates_the_default_one(api, admin, settings):
    settings.WHATSAPP_PROVIDER = "sandbox"

    body = api(admin).get("/api/bot/status").json()

    assert (body["provider"], body["state"]) == (
        "sandbox",
        "connected",
    )  # the simulated phone is up at once
    assert Line.objects.get().is_default is True


def test_supervisor_pauses_the_bot(api, make_user, sandbox_line):
    supervisor = make_user(Role.SUPERVISOR)

    paused = api(supervisor).post("/api/bot/pause", {"paused": True})
    again = api(supervisor).post("/api/bot/pause", {"paused": True})
    resumed = api(supervisor).post("/api/bot/pause", {"paused": False})

    assert [r.json()["paused"] for r in (paused, again, resumed)] == [True, True, False]
    assert [e.data["paused"] for e in LiveEvent.objects.order_by("id")] == [True, False]


@pytest.mark.parametrize("body", [{}, {"paused": None}, {"paused": "maybe"}])
def test_pause_needs_a_boolean(body, api, admin, sandbox_line):
    assert api(admin).post("/api/bot/pause", body).status_code == 422


def test_metadata(api, admin, sandbox_line):
    response = api(admin).patch(
        "/api/bot/metadata", {"display_name": "  Mesa   de ayuda ", "phone": "0351 15 555 1111"}
    )

    assert response.status_code == 200
    assert (response.json()["display_name"], response.json()["phone"]) == (
        "Mesa de ayuda",
        "+5493515551111",
    )
    assert line_row(sandbox_line)[2:] == ("Mesa de ayuda", "+5493515551111")


def test_metadata_clears_the_phone(api, admin, sandbox_line):
    Line.objects.filter(pk=sandbox_line.pk).update(phone="+5493515551111")

    response = api(admin).patch("/api/bot/metadata", {"phone": ""})

    assert response.json()["phone"] == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "no es un teléfono"}, "phone"),
        ({"phone": None}, "phone"),
        ({"display_name": None}, "display_name"),
        ({"display_name": "x" * 101}, "display_name"),
    ],
)
def test_metadata_refuses(body, field, api, admin, sandbox_line):
    response = api(admin).patch("/api/bot/metadata", body)

    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert line_row(sandbox_line) == ("disconnected", False, "Sandbox", "")


def test_stop_body_must_be_the_options(api, admin, sandbox_line):
    response = api(admin).post("/api/bot/stop", {"logout": "yes please"})

    assert response.status_code == 422
    assert "logout" in response.json()["errors"]


@pytest.mark.django_db(transaction=True)
def test_starting_a_cloud_line_checks_its_credentials_against_the_graph_api(api, admin, cloud_line):
    from ventanilla.core.models import LiveEvent

    response = api(admin).post(f"/api/bot/start?line={cloud_line.pk}")

    assert response.status_code == 202
    cloud_line.refresh_from_db()
    assert cloud_line.state == "connected"
    statuses = [e.data["state"] for e in LiveEvent.objects.filter(name="session:status")]
    assert statuses[-1] == "connected"


@pytest.mark.django_db(transaction=True)
def test_a_bad_cloud_token_leaves_the_line_in_error_with_the_reason(api, admin, cloud_line):
    cloud_line.cloud_access_token = "expired"
    cloud_line.save()

    api(admin).post(f"/api/bot/start?line={cloud_line.pk}")

    cloud_line.refresh_from_db()
    assert cloud_line.state == "error"
    assert "token" in cloud_line.state_detail.lower()
