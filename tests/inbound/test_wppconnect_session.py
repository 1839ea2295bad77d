"""The WhatsApp Web session of a WPPConnect line, end to end against the fake WPPConnect Server,
which posts its events to our live server: start shows the QR then connects, stop closes it,
concurrent starts start one session, failures are reported."""

import threading

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from tests.databases import needs_concurrent_writers
from tests.fakes.wppconnect import WEBHOOK_TOKEN
from tests.sockets import open_console, read_frames
from ventanilla.core.models import LiveEvent
from ventanilla.providers import sessions
from ventanilla.providers.models import Line

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_wppconnect(settings, live_server, fake_wppconnect, wppconnect_line):
    """The fake server posts to our live server; slowly enough that a request of the test has
    finished before the first event (SQLite's in-memory test database is shared with it)."""
    settings.PUBLIC_URL = live_server.url
    fake_wppconnect.event_delay = 0.2
    return fake_wppconnect


def session_events() -> list[tuple]:
    """(name, state or QR) of the session events stored, in order."""
    found = []
    for event in LiveEvent.objects.filter(name__startswith="session:").order_by("id"):
        value = event.data.get("state") if event.name == "session:status" else event.data["qr"]
        found.append((event.name, value))
    return found


QR = "data:image/png;base64,"


def test_start_shows_the_qr_then_connects(
    api, admin, live_wppconnect, wppconnect_line, live_server
):
    # given a disconnected WPPConnect line; when an admin starts it
    response = api(admin).post("/api/bot/start")

    # then the answer comes at once, the line is starting
    assert response.status_code == 202
    assert response.json()["state"] == "connecting"
    # and WPPConnect Server was asked to start the session with our webhook URL
    (start,) = live_wppconnect.calls("start-session")
    assert start.json == {
        "webhook": f"{live_server.url}/webhooks/whatsapp/wppconnect/{WEBHOOK_TOKEN}",
        "waitQrCode": False,
    }

    # when the server has posted its events (two QR codes, then the scan)
    live_wppconnect.wait_idle()

    # then each was stored, consoles got the QR codes then "connected", the line is connected
    assert live_wppconnect.webhook_answers() == [
        ("qrcode", 200),
        ("qrcode", 200),
        ("status-find", 200),
        ("status-find", 200),
    ]
    events = session_events()
    assert [name for name, _ in events] == [
        "session:status",
        "session:status",
        "session:qr",
        "session:qr",
        "session:status",
        "session:status",
    ]
    assert [value for name, value in events if name == "session:status"] == [
        "connecting",
        "qr",
        "connecting",
        "connected",
    ]
    assert all(value.startswith(QR) for name, value in events if name == "session:qr")
    wppconnect_line.refresh_from_db()
    assert (wppconnect_line.state, wppconnect_line.state_detail, wppconnect_line.last_qr) == (
        "connected",
        "inChat",
        "",
    )
    assert wppconnect_line.connected_since is not None
    assert wppconnect_line.wpp_token  # the token was kept for the next calls
    status = api(admin).get("/api/bot/status").json()
    assert (status["state"], status["qr"]) == ("connected", None)


def test_status_shows_the_qr_while_waiting(api, admin, live_wppconnect, wppconnect_line):
    # given a server whose QR nobody scans
    live_wppconnect.scan = False
    live_wppconnect.qr_count = 1

    # when the line is started and the QR has arrived
    api(admin).post("/api/bot/start")
    live_wppconnect.wait_idle()

    # then the status shows the QR to scan
    status = api(admin).get("/api/bot/status").json()
    assert status["state"] == "qr"
    assert status["qr"].startswith(QR)
    assert status["qr"] == session_events()[-1][1]


def test_stop_closes_the_session(api, admin, live_wppconnect, wppconnect_line):
    # given a connected line
    api(admin).post("/api/bot/start")
    live_wppconnect.wait_idle()
    before = LiveEvent.objects.count()

    # when an admin stops it
    response = api(admin).post("/api/bot/stop")
    live_wppconnect.wait_idle()

    # then the session was closed on the server, which said so (browserClose), and the line is
    # disconnected, announced once
    assert (response.status_code, response.json()["state"]) == (200, "disconnected")
    assert len(live_wppconnect.calls("close-session")) == 1
    assert live_wppconnect.calls("logout-session") == []
    assert live_wppconnect.status == "CLOSED"
    assert live_wppconnect.webhook_answers()[-1] == ("status-find", 200)
    wppconnect_line.refresh_from_db()
    assert (wppconnect_line.state, wppconnect_line.connected_since) == ("disconnected", None)
    added = session_events()[-(LiveEvent.objects.count() - before) :]
    assert added == [("session:status", "disconnected")]


def test_stop_with_logout_unlinks_the_device(api, admin, live_wppconnect, wppconnect_line):
    api(admin).post("/api/bot/start")
    live_wppconnect.wait_idle()

    api(admin).post("/api/bot/stop", {"logout": True})
    live_wppconnect.wait_idle()

    assert len(live_wppconnect.calls("logout-session")) == 1
    assert live_wppconnect.webhook_answers()[-1] == ("logoutsession", 200)
    wppconnect_line.refresh_from_db()
    # "logout" from our stop, then the server's own word for it
    assert (wppconnect_line.state, wppconnect_line.state_detail) == (
        "disconnected",
        "logoutsession",
    )


def test_second_start_while_starting_starts_nothing(api, admin, live_wppconnect, wppconnect_line):
    # given a line being started
    live_wppconnect.scan = False
    first = api(admin).post("/api/bot/start")

    # when another start comes (twice)
    second = api(admin).post("/api/bot/start")
    third = api(admin).post("/api/bot/start")
    live_wppconnect.wait_idle()

    # then one session was started
    assert [r.status_code for r in (first, second, third)] == [202, 202, 202]
    assert len(live_wppconnect.calls("start-session")) == 1


@needs_concurrent_writers(
    "SQLite serialises writers and its in-memory test database cannot take writes from "
    "threads at once: runs on PostgreSQL"
)
def test_concurrent_starts_start_one_session(live_wppconnect, wppconnect_line):
    # given a disconnected line; when eight starts arrive at the same moment
    barrier = threading.Barrier(8)
    errors = []

    def start():
        try:
            barrier.wait(timeout=10)
            sessions.session_start(line=Line.objects.get(pk=wppconnect_line.pk))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    live_wppconnect.wait_idle()

    # then WPPConnect Server was asked once and the line ended connected
    assert errors == []
    assert len(live_wppconnect.calls("start-session")) == 1
    wppconnect_line.refresh_from_db()
    assert wppconnect_line.state == "connected"
    assert [value for name, value in session_events() if name == "session:status"] == [
        "connecting",
        "qr",
        "connecting",
        "connected",
    ]


def test_session_already_running_is_connected_at_once(api, admin, fake_wppconnect, wppconnect_line):
    # given a session still running on the server (Ventanilla was restarted, say)
    fake_wppconnect.connect()

    # when the line is started
    response = api(admin).post("/api/bot/start")

    # then it is connected at once (no event will come from the server)
    assert response.json()["state"] == "connected"
    assert fake_wppconnect.webhook_answers() == []
    assert session_events() == [("session:status", "connecting"), ("session:status", "connected")]


def test_unreachable_server_is_an_error(api, admin, wppconnect_line):
    Line.objects.filter(pk=wppconnect_line.pk).update(wpp_url="http://127.0.0.1:9")

    response = api(admin).post("/api/bot/start")

    body = response.json()
    assert (response.status_code, body["state"]) == (202, "error")
    assert body["detail"] == "could not reach WPPConnect Server (ConnectError)"
    assert session_events() == [("session:status", "connecting"), ("session:status", "error")]


def test_wrong_secret_key_is_an_error(api, admin, wppconnect_line):
    Line.objects.filter(pk=wppconnect_line.pk).update(wpp_secret_key="wrong")

    body = api(admin).post("/api/bot/start").json()

    assert (body["state"], body["detail"]) == (
        "error",
        "WPPConnect Server refused the secret key (WPPCONNECT_SECRET_KEY).",
    )


def test_line_without_a_webhook_token_cannot_start(api, admin, fake_wppconnect, wppconnect_line):
    Line.objects.filter(pk=wppconnect_line.pk).update(wpp_webhook_token=None)

    body = api(admin).post("/api/bot/start").json()

    assert (body["state"], body["detail"]) == ("error", "Not configured: WPPCONNECT_WEBHOOK_TOKEN.")
    assert fake_wppconnect.requests == []


def test_a_failed_start_may_be_started_again(api, admin, fake_wppconnect, wppconnect_line):
    Line.objects.filter(pk=wppconnect_line.pk).update(wpp_url="http://127.0.0.1:9")
    api(admin).post("/api/bot/start")
    Line.objects.filter(pk=wppconnect_line.pk).update(wpp_url=fake_wppconnect.url)
    fake_wppconnect.connect()

    assert api(admin).post("/api/bot/start").json()["state"] == "connected"


def test_lines_that_were_up_are_reconnected_at_start_up(fake_wppconnect, wppconnect_line):
    # given a line that was connected when Ventanilla stopped, and one that was not
    Line.objects.filter(pk=wppconnect_line.pk).update(state="connected")
    other = Line.objects.create(provider="wppconnect", wpp_url="http://127.0.0.1:9")
    fake_wppconnect.connect()

    # when Ventanilla starts
    reconnected = sessions.reconnect_lines()

    # then the first is started again and found connected; the other is left alone
    assert reconnected == [wppconnect_line.pk]
    assert len(fake_wppconnect.calls("start-session")) == 1
    wppconnect_line.refresh_from_db()
    other.refresh_from_db()
    assert (wppconnect_line.state, other.state) == ("connected", "disconnected")


async def test_dashboard_socket_receives_the_qr_then_connected(
    api, admin, live_wppconnect, wppconnect_line
):
    # given an admin's console, connected before the line starts
    console = await open_console(admin)

    # when the line is started and the server has posted its events
    await sync_to_async(lambda: api(admin).post("/api/bot/start"))()
    await sync_to_async(live_wppconnect.wait_idle)()

    # then the console received them: QR codes first, "connected" last
    frames = await read_frames(console, wait=0.5)
    await console.disconnect()
    session = [f for f in frames if f["event"].startswith("session:")]
    names = [f["event"] for f in session]
    assert names.index("session:qr") < len(names) - 1
    assert session[-1]["event"] == "session:status"
    assert session[-1]["data"] == {
        "line_id": wppconnect_line.pk,
        "state": "connected",
        "detail": "inChat",
        "paused": False,
    }


def test_a_bug_while_starting_leaves_the_line_in_error(api, admin, wppconnect_line, monkeypatch):
    def broken(session, line):
        raise RuntimeError("bug")

    monkeypatch.setattr(sessions.WppConnectSession, "start", broken)

    body = api(admin).post("/api/bot/start").json()

    assert (body["state"], body["detail"]) == ("error", "Unexpected error: RuntimeError")


def test_cloud_line_without_credentials_cannot_start(api, admin):
    # (the fake Cloud API has no GET /{phone_number_id} yet: the verified path is not tested)
    Line.objects.create(provider="cloud", is_default=True, display_name="Cloud")

    body = api(admin).post("/api/bot/start").json()

    assert (body["provider"], body["state"], body["detail"]) == (
        "cloud",
        "error",
        "Not configured: the phone number id and the access token are needed.",
    )
