"""A console socket lives no longer than its session (issue 13, finding 3): signing out closes the
sockets of that session, and a change of password, role or active flag closes every socket of
that person, with close code 4401."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from tests.conftest import ApiClient
from tests.sockets import SESSION_ENDED, connect, cookie_of, next_output, open_console, read_frames
from ventanilla.accounts.models import Role, User
from ventanilla.realtime import consumers

pytestmark = pytest.mark.django_db(transaction=True)


async def _signed_in(user) -> Client:
    def sign_in():
        browser = Client()
        browser.force_login(user)
        return browser

    return await sync_to_async(sign_in)()


async def _customer_writes(message_id: str) -> None:
    from ventanilla.inbound import sandbox

    await sync_to_async(sandbox.customer_writes)(
        phone="+5493515551111", name="Ana", text=message_id, message_id=message_id
    )


async def test_finding_3_api_logout_closes_the_sockets_of_that_session_only(
    make_user, sandbox_line
):
    # given one person signed in on two browsers, with a console open on each
    user = await sync_to_async(make_user)(Role.ADMIN)
    leaving, staying = await sync_to_async(ApiClient)(user), await sync_to_async(ApiClient)(user)
    closing, open_on = await open_console(leaving.http), await open_console(staying.http)
    # when one browser signs out through the API
    response = await sync_to_async(leaving.post)("/api/auth/logout")
    # then that session's socket is closed with 4401
    assert response.status_code == 204
    assert await next_output(closing) == SESSION_ENDED
    # and the other session's socket stays open and keeps receiving events
    await _customer_writes("after-logout")
    assert [frame["event"] for frame in await read_frames(open_on)] == [
        "conversation:incoming",
        "message:new",
    ]
    await closing.disconnect()
    await open_on.disconnect()


@pytest.mark.usefixtures("redis_layer")
async def test_finding_3_sign_out_closes_the_socket_over_the_scaled_modes_layer(make_user):
    from channels.layers import get_channel_layer

    # given the scaled mode's layer (the socket and the sign-out in different processes)
    assert type(get_channel_layer()).__name__ == "RedisPubSubChannelLayer"
    browser = await _signed_in(await sync_to_async(make_user)())
    console = await open_console(browser)
    # when the person signs out
    await sync_to_async(browser.post)("/logout/")
    # then the close reaches the socket through Redis
    assert await next_output(console, timeout=2) == SESSION_ENDED
    await console.disconnect()


async def test_finding_3_console_sign_out_closes_the_sockets_of_that_session(make_user):
    # given a person signed in on the console, with two tabs open
    browser = await _signed_in(await sync_to_async(make_user)())
    first_tab, second_tab = await open_console(browser), await open_console(browser)
    # when they sign out on the console
    response = await sync_to_async(browser.post)("/logout/")
    # then both tabs' sockets are closed with 4401
    assert (response.status_code, response["Location"]) == (302, "/login/")
    assert await next_output(first_tab) == SESSION_ENDED
    assert await next_output(second_tab) == SESSION_ENDED
    await first_tab.disconnect()
    await second_tab.disconnect()


async def test_finding_3_a_console_reconnecting_after_sign_out_is_told_4401(make_user):
    # given a console whose session was signed out
    browser = await _signed_in(await sync_to_async(make_user)())
    cookie = cookie_of(browser)
    await sync_to_async(browser.post)("/logout/")
    # when it reconnects with the old cookie
    communicator, connected, _ = await connect(cookie)
    # then the handshake completes only for the browser to read 4401 (a refused handshake reaches
    # it as 1006, which it would retry forever)
    assert connected is True
    assert await next_output(communicator) == SESSION_ENDED
    await communicator.disconnect()


def _console_form(user, **changes) -> dict:
    """The console's user form as the admin posts it: every field, some changed."""
    values = {
        "username": user.username,
        "name": user.name,
        "email": user.email or "",
        "password": "",
        "role": user.role,
        "area_ids": [area.pk for area in user.areas.all()],
        "default_area_id": user.default_area_id or "",
        "max_open_conversations": user.max_open_conversations or "",
        "language": user.language,
        "is_active": user.is_active,
        **changes,
    }
    if not values.pop("is_active"):
        return values
    return {**values, "is_active": "on"}


NEW_PASSWORD = "An0ther-Horse-Battery"
CHANGES = {
    "password": {"password": NEW_PASSWORD},
    "role": {"role": Role.SUPERVISOR},
    "is_active": {"is_active": False},
}


class _FormValues(HTMLParser):
    """The values a browser would post back from a page's form, unchanged."""

    def __init__(self):
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type") not in ("submit", "button"):
            if attributes.get("type") != "checkbox":
                self.values.append((name, attributes.get("value") or ""))
            elif "checked" in attributes:
                self.values.append((name, attributes.get("value") or "on"))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attributes:
            self.values.append((self._select, attributes.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _django_admin_change(user, change: str) -> int:
    superuser = User.objects.create_superuser(f"root{user.pk}", "R00t-Horse-Battery")
    browser = Client()
    browser.force_login(superuser)
    url = f"/django-admin/accounts/user/{user.pk}/change/"
    page = _FormValues()
    page.feed(browser.get(url).content.decode())
    values = [(name, value) for name, value in page.values if name not in CHANGES[change]]
    if change == "role":
        values.append(("role", Role.SUPERVISOR))
    data: dict[str, list[str]] = {}
    for name, value in values:
        data.setdefault(name, []).append(value)
    return browser.post(url, data).status_code


def _change(door: str, admin, user, change: str) -> int:
    if door == "django admin":
        return _django_admin_change(user, change)
    if door == "api":
        response = ApiClient(admin).patch(f"/api/users/{user.pk}", CHANGES[change])
        return response.status_code
    browser = Client()
    browser.force_login(admin)
    if door == "console active toggle":
        response = browser.post(f"/users/{user.pk}/active/", {"is_active": "false"})
    else:
        response = browser.post(f"/users/{user.pk}/", _console_form(user, **CHANGES[change]))
    return response.status_code


@pytest.mark.parametrize(
    ("door", "change"),
    [
        ("api", "password"),
        ("api", "role"),
        ("api", "is_active"),
        ("console form", "password"),
        ("console form", "role"),
        ("console form", "is_active"),
        ("console active toggle", "is_active"),
        ("django admin", "role"),
        ("django admin", "is_active"),
    ],
)
async def test_finding_3_a_password_role_or_active_change_closes_every_socket_of_the_user(
    door, change, make_user, admin, soporte
):
    # given an agent signed in on two browsers and a colleague, each with a console open
    agent = await sync_to_async(make_user)(Role.SUPPORT, areas=[soporte])
    colleague = await sync_to_async(make_user)(Role.SUPPORT, areas=[soporte])
    agent_consoles = [await open_console(await _signed_in(agent)) for _ in range(2)]
    colleague_console = await open_console(await _signed_in(colleague))
    # when an admin changes the agent's password, role or active flag
    status = await sync_to_async(_change)(door, admin, agent, change)
    # then every socket of the agent is closed with 4401, and the colleague's stays open
    assert status in {200, 302}
    assert [await next_output(console) for console in agent_consoles] == [SESSION_ENDED] * 2
    assert await next_output(colleague_console, timeout=0.3) is None
    for console in [*agent_consoles, colleague_console]:
        await console.disconnect()


async def test_other_changes_to_a_user_keep_their_sockets_open(make_user, admin, soporte, ventas):
    # given an agent with a console open
    agent = await sync_to_async(make_user)(Role.SUPPORT, areas=[soporte])
    console = await open_console(await _signed_in(agent))

    # when an admin saves the console form with the same role and active flag, a new name and
    # another area, and renames them through the API
    def edit():
        browser = Client()
        browser.force_login(admin)
        form = _console_form(agent, name="Sofía", area_ids=[soporte.pk, ventas.pk])
        saved = browser.post(f"/users/{agent.pk}/", form)
        renamed = ApiClient(admin).patch(f"/api/users/{agent.pk}", {"name": "Sofi"})
        return saved.status_code, renamed.status_code

    statuses = await sync_to_async(edit)()
    # then the socket stays open
    assert statuses == (302, 200)
    assert await next_output(console, timeout=0.5) is None
    await console.disconnect()


async def test_finding_3_resume_from_on_an_ended_session_closes_instead_of_replaying(
    make_user, sandbox_line
):
    # given an admin's console that saw two events, whose session then ended without the socket
    # hearing of it (the close was lost on the way, say)
    browser = await _signed_in(await sync_to_async(make_user)(Role.ADMIN))
    console = await open_console(browser)
    await _customer_writes("seen")
    assert len(await read_frames(console)) == 2
    session_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    await Session.objects.filter(session_key=session_key).adelete()
    # when the console asks to resume from the beginning
    await console.send_json_to({"resume_from": 0})
    # then nothing is replayed: the socket is closed with 4401
    assert await next_output(console) == SESSION_ENDED
    await console.disconnect()


async def test_finding_3_a_socket_is_closed_once_its_session_expires(make_user, monkeypatch):
    # given a console whose session expires while it is open
    monkeypatch.setattr(consumers, "PRESENCE_REFRESH_SECONDS", 0.05)
    browser = await _signed_in(await sync_to_async(make_user)())
    console = await open_console(browser)
    session_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    expired = timezone.now() - timedelta(seconds=1)
    await Session.objects.filter(session_key=session_key).aupdate(expire_date=expired)
    # then within its next sign of life the socket is closed with 4401
    assert await next_output(console) == SESSION_ENDED
    await console.disconnect()
