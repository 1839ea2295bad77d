"""The /ws/ socket: only signed-in, active users from an allowed origin get in."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from ventanilla.config.asgi import application


def _session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


async def _connect(cookie: str | None, origin: str = "http://localhost:8000"):
    headers = [(b"origin", origin.encode()), (b"host", b"localhost:8000")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, "/ws/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


@pytest.mark.django_db(transaction=True)
async def test_signed_in_user_connects(make_user):
    user = await sync_to_async(make_user)()
    cookie = await sync_to_async(_session_cookie)(user)

    communicator, connected, _ = await _connect(cookie)

    assert connected is True
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_anonymous_socket_is_refused():
    _, connected, code = await _connect(None)

    assert connected is False
    assert code == 4401


@pytest.mark.django_db(transaction=True)
async def test_foreign_origin_is_refused(make_user):
    user = await sync_to_async(make_user)()
    cookie = await sync_to_async(_session_cookie)(user)

    _, connected, _ = await _connect(cookie, origin="https://evil.example.com")

    assert connected is False


@pytest.mark.django_db(transaction=True)
async def test_deactivated_user_is_refused(make_user):
    user = await sync_to_async(make_user)()
    cookie = await sync_to_async(_session_cookie)(user)
    user.is_active = False
    await user.asave()

    _, connected, _ = await _connect(cookie)

    assert connected is False


@pytest.mark.django_db(transaction=True)
async def test_open_console_marks_presence_and_closing_ends_it(make_user):
    from ventanilla.accounts.models import User
    from ventanilla.core import clock

    user = await sync_to_async(make_user)()
    cookie = await sync_to_async(_session_cookie)(user)

    communicator, connected, _ = await _connect(cookie)
    during = (await User.objects.aget(pk=user.pk)).console_seen_until
    await communicator.disconnect()
    after = (await User.objects.aget(pk=user.pk)).console_seen_until

    assert connected is True
    assert during > clock.now()
    assert after <= clock.now()
