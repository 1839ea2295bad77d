"""Personal API tokens: `Authorization: Bearer`, acting as their user, within their scope."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ventanilla.accounts import tokens
from ventanilla.accounts.models import ApiToken, Role


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _token(user, scope="read", **fields) -> str:
    return tokens.token_create(user=user, name="script", scope=scope, **fields).secret


def test_a_token_is_made_from_a_session_shown_once_and_stored_hashed(api, make_user):
    # given an agent signed in
    agent = make_user(Role.SUPPORT, username="sofia")
    client = api(agent)

    # when she makes a read-write token
    made = client.post("/api/tokens", {"name": "CRM", "scope": "write", "expires_in_days": 30})

    # then the secret comes back this once, and only its digest is stored
    assert made.status_code == 201
    body = made.json()
    secret = body["token"]
    assert secret.startswith("vnt_") and len(secret) > 40
    stored = ApiToken.objects.get(pk=body["id"])
    assert secret not in {stored.digest, stored.prefix, stored.name}
    assert stored.digest == tokens.digest_of(secret)
    assert body["prefix"] == secret[:12]
    assert timedelta(days=29) < stored.expires_at - timezone.now() <= timedelta(days=30)
    listed = client.get("/api/tokens").json()["items"]
    assert [item["name"] for item in listed] == ["CRM"]
    assert "token" not in listed[0]

    # and the token signs its calls in as her, without CSRF or cookie
    me = Client().get("/api/auth/me", **bearer(secret))
    assert me.status_code == 200
    assert me.json()["user"]["username"] == "sofia"
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_a_token_needs_no_csrf_for_writes(make_user, db):
    agent = make_user(Role.SUPPORT)
    secret = _token(agent, scope="write")
    browser = Client(enforce_csrf_checks=True)

    answer = browser.post(
        "/api/auth/availability",
        {"availability": "away"},
        content_type="application/json",
        **bearer(secret),
    )

    assert answer.status_code == 200
    assert answer.json()["user"]["availability"] == "away"


def test_a_read_scope_token_is_refused_on_writes_naming_the_scope(make_user, admin, db):
    secret = _token(admin, scope="read")
    browser = Client()

    reads = browser.get("/api/users", **bearer(secret))
    writes = browser.post(
        "/api/areas", {"name": "Nueva"}, content_type="application/json", **bearer(secret)
    )

    assert reads.status_code == 200
    assert writes.status_code == 403
    assert "«read»" in writes.json()["detail"]
    from ventanilla.accounts.models import Area

    assert not Area.objects.filter(name="Nueva").exists()


@pytest.mark.parametrize("how", ["revoked", "expired", "unknown", "user-inactive"])
def test_a_revoked_expired_or_unknown_token_is_401(how, make_user, api):
    agent = make_user(Role.SUPPORT)
    new = tokens.token_create(user=agent, name="x", scope="write")
    secret = new.secret
    if how == "revoked":
        api(agent).delete(f"/api/tokens/{new.token.pk}")
    elif how == "expired":
        ApiToken.objects.filter(pk=new.token.pk).update(expires_at=timezone.now())
    elif how == "unknown":
        secret = secret[:-2] + "zz"
    else:
        agent.is_active = False
        agent.save()

    answer = Client().get("/api/auth/me", **bearer(secret))

    assert answer.status_code == 401
    assert answer.json()["detail"] == "Tenés que iniciar sesión."


def test_a_bad_token_does_not_fall_back_to_the_session(make_user, api):
    agent = make_user(Role.SUPPORT)
    client = api(agent)

    answer = client.get("/api/auth/me", HTTP_AUTHORIZATION="Bearer vnt_nope")

    assert answer.status_code == 401


def test_a_token_never_sees_more_than_its_user(make_user, make_area, make_conversation, db):
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    agent = make_user(Role.SUPPORT, areas=[soporte])
    mine = make_conversation(status="active", area=soporte, assigned_to=agent)
    theirs = make_conversation(status="queued", area=ventas)
    secret = _token(agent, scope="write")
    browser = Client()

    listed = browser.get("/api/conversations", **bearer(secret)).json()["items"]
    other = browser.get(f"/api/conversations/{theirs.pk}", **bearer(secret))
    users = browser.get("/api/users", **bearer(secret))

    assert [item["id"] for item in listed] == [mine.pk]
    assert other.status_code == 404
    assert users.status_code == 403  # an agent's role, whatever the scope


def test_tokens_are_managed_from_a_session_never_with_a_token(make_user, admin, db):
    secret = _token(admin, scope="write")
    browser = Client()

    own = browser.post(
        "/api/tokens", {"name": "more"}, content_type="application/json", **bearer(secret)
    )
    other = browser.get(f"/api/users/{admin.pk}/tokens", **bearer(secret))

    assert own.status_code == 403
    assert other.status_code == 403
    assert ApiToken.objects.count() == 1


def test_admins_list_make_and_revoke_anyones_tokens(api, admin, make_user):
    agent = make_user(Role.SALES)
    boss = api(admin)

    made = boss.post(f"/api/users/{agent.pk}/tokens", {"name": "ERP", "expires_in_days": None})
    listed = boss.get(f"/api/users/{agent.pk}/tokens").json()["items"]
    revoked = boss.delete(f"/api/users/{agent.pk}/tokens/{made.json()['id']}")
    refused = api(agent).get(f"/api/users/{admin.pk}/tokens")
    someone_elses = api(agent).delete(f"/api/tokens/{made.json()['id'] + 1000}")

    assert made.status_code == 201 and made.json()["expires_at"] is None
    assert made.json()["user_id"] == agent.pk
    assert [item["name"] for item in listed] == ["ERP"]
    assert revoked.status_code == 204
    assert Client().get("/api/auth/me", **bearer(made.json()["token"])).status_code == 401
    assert refused.status_code == 403
    assert someone_elses.status_code == 404


def test_an_agent_cannot_revoke_another_persons_token(api, make_user):
    one, two = make_user(Role.SALES), make_user(Role.SALES)
    token = tokens.token_create(user=one, name="x").token

    answer = api(two).delete(f"/api/tokens/{token.pk}")

    assert answer.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_bad_token_fields_are_422_naming_them(api, make_user):
    answer = api(make_user()).post(
        "/api/tokens", {"name": " ", "scope": "all", "expires_in_days": 0}
    )

    assert answer.status_code == 422
    assert set(answer.json()["errors"]) >= {"scope"}
    answer = api(make_user()).post("/api/tokens", {"name": " ", "expires_in_days": 0})
    assert set(answer.json()["errors"]) == {"name", "expires_in_days"}


def test_token_calls_are_rate_limited_per_token(settings, make_user, db):
    settings.API_TOKEN_RATE_LIMIT = 3
    settings.API_TOKEN_RATE_WINDOW_SECONDS = 60
    agent = make_user(Role.SUPPORT)
    first, second = _token(agent), _token(agent)
    browser = Client()

    answers = [browser.get("/api/auth/me", **bearer(first)).status_code for _ in range(4)]
    limited = browser.get("/api/auth/me", **bearer(first))
    other = browser.get("/api/auth/me", **bearer(second))

    assert answers == [200, 200, 200, 429]
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert other.status_code == 200  # the limit is per token

    # when the window has passed, calls go through again
    ApiToken.objects.filter(prefix=first[:12]).update(
        window_started_at=timezone.now() - timedelta(seconds=61)
    )
    assert browser.get("/api/auth/me", **bearer(first)).status_code == 200
