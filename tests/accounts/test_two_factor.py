"""Two-factor sign-in: TOTP with recovery codes, on the console and the API; required of admins
when TWO_FACTOR_REQUIRED_FOR_ADMINS says so; wrong codes throttled like passwords; an admin takes
someone's off."""

import re
import time

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD
from ventanilla.accounts import two_factor
from ventanilla.accounts.models import Role
from ventanilla.core.models import AuditEntry


def now_code(device: TOTPDevice, *, later: int = 0) -> str:
    """The app's code now (`later`: steps ahead; a code once used is not taken again)."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=later)
    return f"{code:06d}"


def enable(user) -> tuple[TOTPDevice, list[str]]:
    device = two_factor.setup_begin(user=user)
    codes = two_factor.setup_confirm(user=user, code=now_code(device))
    device.refresh_from_db()
    return device, codes


def api_login(client, username: str, code: str | None = None, password: str = PASSWORD):
    body = {"username": username, "password": password}
    if code is not None:
        body["code"] = code
    return client.post("/api/auth/login", body)


def test_the_api_login_asks_for_the_code_then_takes_it(api, make_user):
    agent = make_user(Role.SUPPORT, username="sofia")
    device, _codes = enable(agent)
    client = api()

    without = api_login(client, "sofia")
    wrong = api_login(client, "sofia", "000000" if now_code(device) != "000000" else "111111")

    assert without.status_code == 401 and "code" in without.json()["errors"]
    assert wrong.status_code == 401 and wrong.json()["errors"] == {
        "code": ["El código no es correcto."]
    }
    assert client.get("/api/auth/me").status_code == 401
    right = api_login(client, "sofia", now_code(device, later=1))
    assert right.status_code == 200
    assert AuditEntry.objects.filter(action="signin.second_factor_failed").count() == 1


def test_recovery_codes_are_single_use(api, make_user):
    agent = make_user(Role.SUPPORT, username="sofia")
    _device, codes = enable(agent)

    first = api_login(api(), "sofia", codes[0])
    again = api_login(api(), "sofia", codes[0])
    other = api_login(api(), "sofia", codes[1])

    assert len(codes) == 10 and len(set(codes)) == 10
    assert (first.status_code, again.status_code, other.status_code) == (200, 401, 200)


def test_second_factor_guessing_is_throttled_like_passwords(api, make_user, settings):
    agent = make_user(Role.SUPPORT, username="sofia")
    device, _codes = enable(agent)
    client = api()
    wrong = "123456" if now_code(device) != "123456" else "654321"

    answers = [api_login(client, "sofia", wrong).status_code for _ in range(5)]
    blocked = api_login(client, "sofia", now_code(device, later=1))

    assert answers == [401] * 5
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0


def test_the_console_asks_for_the_code_after_the_password(client, make_user):
    agent = make_user(Role.SUPPORT, username="sofia")
    device, _codes = enable(agent)

    step = client.post(
        "/login/", {"identifier": "sofia", "password": PASSWORD, "next": "/account/"}
    )
    not_yet = client.get("/account/")
    done = client.post("/login/code/", {"code": now_code(device, later=1)})  # the next step's

    assert (step.status_code, step["Location"]) == (302, "/login/code/")
    assert not_yet.status_code == 302 and not_yet["Location"].startswith("/login/")
    assert (done.status_code, done["Location"]) == (302, "/account/")
    assert client.get("/account/").status_code == 200


def test_an_admin_must_set_it_up_at_sign_in_when_required(client, api, admin, settings):
    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = True

    by_api = api_login(api(), "boss")
    client.post("/login/", {"identifier": "boss", "password": PASSWORD})
    page = client.get("/login/code/")
    key = re.search(r'readonly value="([A-Z2-7]+)"', page.content.decode()).group(1)
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    done = client.post("/login/code/", {"code": now_code(device)})

    assert by_api.status_code == 403
    assert page.status_code == 200 and len(key) >= 32
    assert done.status_code == 200 and len(re.findall(r"<li><code>", done.content.decode())) == 10
    assert two_factor.enabled(admin)
    assert client.get("/users/").status_code == 200


def test_not_required_of_others_nor_of_admins_by_default(api, admin, make_user, settings):
    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = True
    make_user(Role.SUPERVISOR, username="susana")

    assert api_login(api(), "susana").status_code == 200
    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = False
    assert api_login(api(), "boss").status_code == 200


def test_a_person_turns_it_on_from_the_account_screen(client, make_user):
    agent = make_user(Role.SALES)
    client.force_login(agent)

    page = client.get("/account/two-factor/")
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    wrong = client.post(
        "/account/two-factor/", {"code": "000000" if now_code(device) != "000000" else "111111"}
    )
    enabled_after_wrong = two_factor.enabled(agent)
    right = client.post("/account/two-factor/", {"code": now_code(device)})

    assert page.status_code == 200
    assert wrong.status_code == 422 and not enabled_after_wrong
    assert right.status_code == 200 and two_factor.enabled(agent)
    assert AuditEntry.objects.filter(action="two_factor.enabled", target_id=str(agent.pk)).exists()


def test_an_admin_takes_someones_second_factor_off(api, admin, admin_client, make_user):
    agent, other = make_user(Role.SUPPORT, username="sofia"), make_user(Role.SUPPORT)
    enable(agent)
    enable(other)

    by_api = api(admin).delete(f"/api/users/{agent.pk}/two-factor")
    by_console = admin_client.post(f"/users/{other.pk}/two-factor/reset/")
    refused = api(agent).delete(f"/api/users/{other.pk}/two-factor")

    assert by_api.status_code == 204 and by_console.status_code == 302
    assert not two_factor.enabled(agent) and not two_factor.enabled(other)
    assert refused.status_code == 403
    assert api_login(api(), "sofia").status_code == 200
    assert AuditEntry.objects.filter(action="two_factor.reset").count() == 2


def test_an_abandoned_code_step_expires(client, make_user, monkeypatch):
    agent = make_user(Role.SUPPORT, username="sofia")
    device, _codes = enable(agent)
    client.post("/login/", {"identifier": "sofia", "password": PASSWORD})
    later = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: later)

    answer = client.post("/login/code/", {"code": now_code(device, later=1)})

    assert (answer.status_code, answer["Location"]) == (302, "/login/")


@pytest.mark.parametrize("bad", ["", "x" * 40])
def test_a_blank_or_long_code_is_never_accepted(make_user, bad):
    agent = make_user(Role.SUPPORT)
    enable(agent)

    assert two_factor.verify(user=agent, code=bad) is False
