"""The console's socket (/ws/) in tests, opened with the headers a browser sends:

console = await open_console(user)     # the user signed in on a new session
console = await open_console(browser)  # the session of a signed-in django.test.Client
frames = await read_frames(console)    # every frame until the socket goes quiet
assert await next_output(console) == SESSION_ENDED
communicator, connected, code = await connect(cookie, origin=...)  # the handshake alone
"""

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from ventanilla.config.asgi import application

HOST = "localhost:8000"
ORIGIN = f"http://{HOST}"  # the page's own origin
SESSION_ENDED = {"type": "websocket.close", "code": 4401}  # how the socket says "sign in again"


def session_cookie(user) -> str:
    """The Cookie header of a new session signed in as `user` (sync: call it in a thread)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def cookie_of(browser: Client) -> str:
    """The Cookie header of a test client's session."""
    return f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"


async def connect(cookie: str | None, origin: str = ORIGIN):
    """(communicator, connected, close code) of a handshake from a page at `origin`."""
    headers = [(b"origin", origin.encode()), (b"host", HOST.encode())]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, "/ws/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def open_console(who) -> WebsocketCommunicator:
    """An open socket for a user (signed in on a new session) or a signed-in test client."""
    if isinstance(who, Client):
        cookie = cookie_of(who)
    else:
        cookie = await sync_to_async(session_cookie)(who)
    communicator, connected, _ = await connect(cookie)
    assert connected is True
    return communicator


async def read_frames(communicator, wait: float = 0.3) -> list[dict]:
    """The JSON frames the socket receives until it has been quiet for `wait` seconds."""
    frames = []
    while not await communicator.receive_nothing(timeout=wait):
        frames.append(await communicator.receive_json_from())
    return frames


async def next_output(communicator, timeout: float = 1.0) -> dict | None:
    """What the server sends next on the socket (a frame or its close), or None within `timeout`."""
    if await communicator.receive_nothing(timeout=timeout):
        return None
    return await communicator.receive_output()
