"""Signed-in sessions: a person sees theirs (device, address, last seen) and ends any of them; an
admin ends all of someone's; the consoles of an ended session are closed (4401)."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD, ApiClient
from tests.sockets import SESSION_ENDED, next_output, open_console
from ventanilla.accounts import sessions
from ventanilla.accounts.models import Role, SignedInSession
from ventanilla.core.models import AuditEntry

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)


def _browser(user, agent: str, address: str) -> Client:
    browser = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    answer = browser.post("/login/", {"identifier": user.username, "password": PASSWORD})
    assert answer.status_code == 302
    return browser


@pytest.mark.parametrize(
    ("agent", "device"),
    [
        (FIREFOX, "Firefox en Linux"),
        (ANDROID, "Chrome en Android"),
        ("curl/8.5.0", "curl"),
        ("", "Dispositivo desconocido"),
    ],
)
def test_the_device_is_read_from_the_user_agent(agent, device):
    assert sessions.device_of(agent) == device


def test_a_person_sees_their_sessions_and_ends_another(make_user):
    agent = make_user(Role.SUPPORT, username="sofia")
    laptop = _browser(agent, FIREFOX, "198.51.100.4")
    phone = _browser(agent, ANDROID, "203.0.113.9")
    make_user(Role.SUPPORT)  # someone else's sessions are never listed

    items = laptop.get("/api/sessions").json()["items"]

    assert [(item["device"], item["ip_address"], item["current"]) for item in items] == [
        ("Chrome en Android", "203.0.113.9", False),
        ("Firefox en Linux", "198.51.100.4", True),
    ]
    page = laptop.get("/account/").content.decode()
    assert "Chrome en Android" in page and "Esta sesión" in page

    # when she ends the phone's session from the laptop
    phone_id = items[0]["id"]
    ended = laptop.post(f"/account/sessions/{phone_id}/end/")

    # then the phone is signed out, the laptop is not, and the trail says so
    assert ended.status_code == 302
    assert phone.get("/api/auth/me").status_code == 401
    assert laptop.get("/api/auth/me").status_code == 200
    entry = AuditEntry.objects.get(action="session.ended")
    assert entry.actor_id == agent.pk and entry.ip_address == "198.51.100.4"


def test_nobody_ends_someone_elses_session(make_user):
    one, two = make_user(Role.SUPPORT), make_user(Role.SUPPORT)
    _browser(one, FIREFOX, "198.51.100.4")
    theirs = SignedInSession.objects.get(user=one)
    client = ApiClient(two)

    answer = client.delete(f"/api/sessions/{theirs.pk}")

    assert answer.status_code == 404
    assert Session.objects.filter(session_key=theirs.session_key).exists()


def test_last_seen_moves_at_most_once_a_minute(make_user):
    agent = make_user(Role.SUPPORT)
    browser = _browser(agent, FIREFOX, "198.51.100.4")
    row = SignedInSession.objects.get(user=agent)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    SignedInSession.objects.filter(pk=row.pk).update(last_seen_at=an_hour_ago)

    browser.get("/api/auth/me", REMOTE_ADDR="198.51.100.5")  # within the minute: not written
    row.refresh_from_db()
    assert row.last_seen_at == an_hour_ago

    session = browser.session
    session[sessions.SEEN_KEY] = (timezone.now() - timedelta(minutes=2)).isoformat()
    session.save()
    browser.get("/api/auth/me", REMOTE_ADDR="198.51.100.5")
    row.refresh_from_db()
    assert row.last_seen_at > an_hour_ago
    assert row.ip_address == "198.51.100.5"


def test_signing_out_and_expiry_take_the_session_off_the_list(make_user):
    agent = make_user(Role.SUPPORT)
    leaving = _browser(agent, FIREFOX, "198.51.100.4")
    expiring = _browser(agent, ANDROID, "198.51.100.5")

    leaving.post("/logout/")
    Session.objects.filter(session_key=expiring.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    assert list(sessions.session_list(user_id=agent.pk)) == []
    Session.objects.filter(expire_date__lt=timezone.now()).delete()
    assert sessions.sessions_forget_ended() == 1
    assert not SignedInSession.objects.exists()


def test_an_admin_ends_all_of_someones_sessions(api, admin, make_user):
    agent = make_user(Role.SUPPORT, username="sofia")
    browsers = [_browser(agent, FIREFOX, "198.51.100.4"), _browser(agent, ANDROID, "10.0.0.2")]
    unlisted = Client()
    unlisted.force_login(agent)  # made before sessions were listed: found all the same
    SignedInSession.objects.filter(session_key=unlisted.session.session_key).delete()
    colleague = _browser(make_user(Role.SUPPORT), FIREFOX, "198.51.100.7")

    answer = api(admin).delete(f"/api/users/{agent.pk}/sessions")
    refused = api(agent).delete(f"/api/users/{admin.pk}/sessions")

    assert answer.status_code == 200 and answer.json() == {"ended": 3}
    assert [b.get("/api/auth/me").status_code for b in [*browsers, unlisted]] == [401] * 3
    assert colleague.get("/api/auth/me").status_code == 200
    assert refused.status_code == 403


def test_the_admin_console_button_ends_them_too(admin_client, make_user):
    agent = make_user(Role.SUPPORT)
    browser = _browser(agent, FIREFOX, "198.51.100.4")

    edit = admin_client.get(f"/users/{agent.pk}/").content.decode()
    answer = admin_client.post(f"/users/{agent.pk}/sessions/end/")

    assert f'action="/users/{agent.pk}/sessions/end/"' in edit
    assert answer.status_code == 302
    assert browser.get("/api/auth/me").status_code == 401


@pytest.mark.django_db(transaction=True)
async def test_ending_a_session_closes_its_consoles_only(make_user):
    agent = await sync_to_async(make_user)(Role.SUPPORT)
    laptop = await sync_to_async(_browser)(agent, FIREFOX, "198.51.100.4")
    phone = await sync_to_async(_browser)(agent, ANDROID, "203.0.113.9")
    on_laptop, on_phone = await open_console(laptop), await open_console(phone)

    def end_phone():
        row = SignedInSession.objects.get(session_key=phone.session.session_key)
        return laptop.delete(f"/api/sessions/{row.pk}", HTTP_X_CSRFTOKEN=_csrf(laptop))

    assert (await sync_to_async(end_phone)()).status_code == 204
    assert await next_output(on_phone) == SESSION_ENDED
    assert await next_output(on_laptop, timeout=0.3) is None
    await on_laptop.disconnect()
    await on_phone.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_an_admin_ending_all_closes_every_console_of_the_person(make_user, admin):
    agent = await sync_to_async(make_user)(Role.SUPPORT)
    browsers = [await sync_to_async(_browser)(agent, FIREFOX, "198.51.100.4") for _ in range(2)]
    consoles = [await open_console(browser) for browser in browsers]

    answer = await sync_to_async(
        lambda: ApiClient(admin).delete(f"/api/users/{agent.pk}/sessions")
    )()

    assert answer.status_code == 200
    assert [await next_output(console) for console in consoles] == [SESSION_ENDED] * 2
    for console in consoles:
        await console.disconnect()


def _csrf(browser: Client) -> str:
    return browser.get("/api/auth/csrf").json()["csrf_token"]
