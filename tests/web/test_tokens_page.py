"""The account screen's API tokens, and an admin's tokens screen of another person."""

from ventanilla.accounts import tokens
from ventanilla.accounts.models import ApiToken, Role


def test_a_person_makes_sees_once_and_revokes_a_token(client, make_user):
    agent = make_user(Role.SALES, username="vale")
    client.force_login(agent)

    made = client.post("/account/", {"name": "CRM", "scope": "write", "expires_in_days": "30"})

    assert made.status_code == 201
    token = ApiToken.objects.get(user=agent)
    page = made.content.decode()
    secret = page.split('readonly value="', 1)[1].split('"', 1)[0]
    assert tokens.digest_of(secret) == token.digest
    again = client.get("/account/").content.decode()
    assert "CRM" in again and secret not in again and token.prefix in again

    revoked = client.post(f"/account/tokens/{token.pk}/revoke/")

    assert revoked.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_bad_token_form_names_the_field(client, make_user):
    client.force_login(make_user())

    answer = client.post("/account/", {"name": "", "scope": "read"})

    assert answer.status_code == 422
    assert ApiToken.objects.count() == 0


def test_nobody_revokes_someone_elses_token_from_their_account(client, make_user):
    one, two = make_user(), make_user()
    token = tokens.token_create(user=one, name="x").token
    client.force_login(two)

    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_admin_manages_another_persons_tokens(admin_client, make_user):
    agent = make_user(Role.SUPPORT, username="sofia")

    edit = admin_client.get(f"/users/{agent.pk}/").content.decode()
    made = admin_client.post(f"/users/{agent.pk}/tokens/", {"name": "ERP", "scope": "read"})
    token = ApiToken.objects.get(user=agent)
    revoked = admin_client.post(f"/users/{agent.pk}/tokens/{token.pk}/revoke/")

    assert f'href="/users/{agent.pk}/tokens/"' in edit
    assert made.status_code == 201
    assert token.expires_at is None  # no expiry posted: valid until revoked
    assert revoked.status_code == 302
