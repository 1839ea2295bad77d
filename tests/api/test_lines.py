import pytest

from ventanilla.accounts.models import Role
from ventanilla.providers.models import Line


def test_admin_adds_a_cloud_line_and_secrets_are_never_returned(api, admin):
    client = api(admin)

    created = client.post(
        "/api/lines",
        {
            "provider": "cloud",
            "display_name": "Ventas AR",
            "cloud_phone_number_id": " 123 ",
            "cloud_access_token": "EAAG-secret",
            "cloud_app_secret": "app-secret",
        },
    )

    assert created.status_code == 201
    body = created.json()
    assert body["cloud_phone_number_id"] == "123"
    assert (body["cloud_access_token_set"], body["cloud_app_secret_set"]) == (True, True)
    assert "EAAG-secret" not in created.content.decode()
    assert Line.objects.get(pk=body["id"]).cloud_access_token == "EAAG-secret"
    listed = client.get("/api/lines").json()["items"]
    assert [line["id"] for line in listed] == [body["id"]]


def test_pause_flag_and_unknown_fields(api, admin, sandbox_line):
    client = api(admin)

    paused = client.patch(f"/api/lines/{sandbox_line.pk}", {"paused": True})
    nulled = client.patch(f"/api/lines/{sandbox_line.pk}", {"display_name": None})

    assert paused.json()["paused"] is True
    assert nulled.status_code == 422
    sandbox_line.refresh_from_db()
    assert sandbox_line.paused is True


def test_bad_provider_and_taken_number_are_422(api, admin):
    client = api(admin)
    client.post("/api/lines", {"provider": "cloud", "cloud_phone_number_id": "9"})

    unknown = client.post("/api/lines", {"provider": "telegram"})
    taken = client.post("/api/lines", {"provider": "cloud", "cloud_phone_number_id": "9"})

    assert list(unknown.json()["errors"]) == ["provider"]
    assert list(taken.json()["errors"]) == ["cloud_phone_number_id"]
    assert Line.objects.count() == 1


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.OPERATOR, Role.SUPPORT, Role.SALES])
def test_only_admins_manage_lines(role, api, make_user, sandbox_line):
    client = api(make_user(role))

    answers = [
        client.get("/api/lines").status_code,
        client.get(f"/api/lines/{sandbox_line.pk}").status_code,
        client.post("/api/lines", {"provider": "sandbox"}).status_code,
        client.patch(f"/api/lines/{sandbox_line.pk}", {"paused": True}).status_code,
    ]

    assert answers == [403, 403, 403, 403]
    assert Line.objects.count() == 1
    sandbox_line.refresh_from_db()
    assert sandbox_line.paused is False
