"""A fake WPPConnect Server: a real HTTP server on 127.0.0.1, started per test by a fixture.

    def test_x(fake_wppconnect, wppconnect_line):
        ...
        assert fake_wppconnect.sent_messages()[0]["message"] == "hola"

It speaks the parts of wppconnect-server's REST API Ventanilla uses, with its answers' shapes:

- POST /api/{session}/{secretkey}/generate-token -> 201 {"status": "success", "session", "token",
  "full"}; a wrong secret key is 400 {"response": false, "message": "The SECRET_KEY is
  incorrect"}. Every other call needs `Authorization: Bearer <a token it issued>`, else 401.
- POST start-session {"webhook", "waitQrCode"} -> the state before starting ({"status": "CLOSED",
  "qrcode": null} the first time; "CONNECTED" when already running, with no events then). Then,
  on a thread and like the real server, it posts to the webhook: `qr_count` "qrcode" events and,
  when `scan` is on (someone scans the QR), status-find "qrReadSuccess" and "inChat".
- GET status-session, GET qrcode-session (PNG bytes while there is a QR).
- POST close-session -> {"status": true, ...}, then posts status-find "browserClose";
  POST logout-session -> the same, then posts "logoutsession".
- POST react-message ({msgId, reaction}; answers no message id)
- POST send-message / send-image / send-file-base64 / send-voice-base64 / send-voice /
  send-location: 404 {"status": "Disconnected"} unless connected; a number in `unknown_numbers`
  is 400 "O número ... não existe."; else 201 {"status": "success", "response": [{"id": ...}]}
  with a unique "true_<jid>_3EB0FAKE..." id (what an onack names later).
- POST send-seen, GET get-media-by-message/{id} (media added with `add_media`).

Scripted failures (`fail_next`) and delays (`slow_next`) apply to the next matching requests.
Events are posted to the webhook URL that start-session received (or `webhook_url`); `post_event`
posts one synchronously and returns the answer's status; `wait_idle()` waits for the event
threads, so a test reads the database only once the server is quiet.
"""

import base64
import json
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest

from tests.fakes.server import FakeServer, RecordedRequest, Script, default_line

DEFAULT_SECRET_KEY = "THISISMYSECURETOKEN"
DEFAULT_SESSION = "acme-support"  # the fixtures' "session"
OUR_NUMBER = "5491199998888"  # the fixtures' "to": the line's own number
WEBHOOK_TOKEN = "hook-token-for-tests"
# A 1x1 PNG: what WPPConnect's "qrcode" events carry (base64, no data: prefix).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)
QR_PNG = base64.b64encode(PNG).decode()


def qr_png(n: int) -> str:
    """The n-th QR code of a session: WhatsApp refreshes it every ~20 s, each one different."""
    return base64.b64encode(PNG + f"qr{n}".encode()).decode()


@dataclass
class _Failure(Script):
    body: dict = field(default_factory=dict)


def message_event(
    text: str = "hola",
    *,
    message_id: str | None = None,
    phone: str = "5491122334455",
    name: str = "Sheena",
    session: str = DEFAULT_SESSION,
    **fields,
) -> dict:
    """An "onmessage" body from a person, shaped like the fixtures."""
    chat = fields.pop("chat", f"{phone}@c.us")
    body = {
        "event": "onmessage",
        "session": session,
        "id": message_id or f"false_{chat}_3EB0{abs(hash((text, time.time_ns()))):016X}",
        "body": text,
        "type": "chat",
        "t": 1750030073,
        "notifyName": name,
        "from": chat,
        "to": f"{OUR_NUMBER}@c.us",
        "chatId": chat,
        "fromMe": False,
        "isGroupMsg": False,
        "isMedia": False,
        "sender": {"id": chat, "pushname": name},
    }
    body.update(fields)
    return body


def ack_event(message_id: str, ack: int, *, session: str = DEFAULT_SESSION) -> dict:
    """An "onack" body for one of our messages, shaped like the fixtures."""
    remote = message_id.split("_")[1] if message_id.count("_") >= 2 else ""
    return {
        "event": "onack",
        "session": session,
        "id": {
            "fromMe": True,
            "remote": remote,
            "id": message_id.rsplit("_", 1)[-1],
            "_serialized": message_id,
        },
        "type": "chat",
        "t": 1750030400,
        "from": f"{OUR_NUMBER}@c.us",
        "to": remote,
        "ack": ack,
    }


class FakeWppConnect(FakeServer):
    name = "fake WPPConnect Server"

    def __init__(self, secret_key: str = DEFAULT_SECRET_KEY, session: str = DEFAULT_SESSION):
        super().__init__()
        self.secret_key = secret_key
        self.session = session
        self.status = "CLOSED"  # CLOSED | INITIALIZING | QRCODE | CONNECTED, as the server says
        self.webhook_url = ""
        self.qr_count = 2
        self.scan = True
        self.event_delay = 0.05
        self.unknown_numbers: set[str] = set()
        self._tokens: set[str] = set()
        self._sent: list[dict] = []
        self._seen: list[str] = []
        self._media: dict[str, tuple[bytes, str]] = {}
        self._answers: list[tuple[str, int | None]] = []
        self._threads: list[threading.Thread] = []

    # -- lifecycle -------------------------------------------------------------------------------

    def stop(self) -> None:
        self.wait_idle(timeout=5)
        super().stop()

    # -- scripting -------------------------------------------------------------------------------

    def connect(self) -> None:
        """The session is running and logged in already (no events are posted)."""
        self.status = "CONNECTED"

    def fail_next(
        self, status: int = 500, *, times: int = 1, path: str | None = None, body=None
    ) -> None:
        """Answer the next `times` requests matching `path` (a regex searched in "METHOD /path")
        with `status` and `body` (default: the server's generic error body)."""
        self._script(_Failure(status, times, path, body=dict(body or {})))

    def add_media(self, message_id: str, content: bytes, mime_type: str) -> None:
        with self._lock:
            self._media[message_id] = (content, mime_type)

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self._sent.clear()
            self._seen.clear()
            self._answers.clear()

    # -- what happened ---------------------------------------------------------------------------

    def calls(self, endpoint: str) -> list[RecordedRequest]:
        """Requests to one endpoint ("start-session", "send-message", ...), in order."""
        return [r for r in self.requests if r.path.split("?")[0].endswith(f"/{endpoint}")]

    def sent_messages(self) -> list[dict]:
        """Accepted sends: the request body plus "endpoint", "to" (the jid) and "id"."""
        with self._lock:
            return [json.loads(json.dumps(item)) for item in self._sent]

    def seen_chats(self) -> list[str]:
        with self._lock:
            return list(self._seen)

    def webhook_answers(self) -> list[tuple[str, int | None]]:
        """(event, HTTP status of our answer) of every event posted, in order."""
        with self._lock:
            return list(self._answers)

    def wait_idle(self, timeout: float = 10) -> None:
        """Waits until the events being posted on threads have all been answered."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                threads = [t for t in self._threads if t.is_alive()]
                self._threads = threads
            if not threads:
                return
            threads[0].join(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                raise AssertionError("the fake WPPConnect Server is still posting events")

    # -- posting events --------------------------------------------------------------------------

    def post_event(self, body: dict, url: str | None = None) -> int | None:
        """Posts one event to the webhook now; returns our answer's status (None: unreachable)."""
        target = url or self.webhook_url
        assert target, "no webhook URL: start a session first or pass url="
        body = {"event": body.get("event"), "session": self.session, **body}
        try:
            status = httpx.post(target, json=body, timeout=30).status_code
        except httpx.HTTPError:
            status = None
        with self._lock:
            self._answers.append((str(body.get("event")), status))
        return status

    def _post_later(self, bodies: list[dict], before=None) -> None:
        def run():
            for body in bodies:
                time.sleep(self.event_delay)
                if before is not None:
                    before(body)
                if self.webhook_url:  # a session started elsewhere has none: nobody to tell
                    self.post_event(body)

        thread = threading.Thread(target=run, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _session_events(self) -> None:
        bodies = [
            {"event": "qrcode", "qrcode": qr_png(n), "urlcode": f"2@FAKE{n},QR{n}"}
            for n in range(1, self.qr_count + 1)
        ]
        if self.scan:
            bodies += [
                {"event": "status-find", "status": "qrReadSuccess"},
                {"event": "status-find", "status": "inChat"},
            ]

        def before(body):
            if body["event"] == "qrcode":
                self.status = "QRCODE"
            elif body.get("status") == "inChat":
                self.status = "CONNECTED"

        self._post_later(bodies, before)

    # -- the server side -------------------------------------------------------------------------

    def _handle(self, method: str, path: str, headers: dict[str, str], body):
        """(status, headers, payload): payload is a dict/list (JSON) or bytes."""
        failure = self._scripted_failure(method, path)
        if failure is not None:
            error = failure.body or {
                "status": "Error",
                "message": "Error sending the message.",
                "error": {},
            }
            return failure.status, {}, error

        parts = [p for p in path.split("?")[0].split("/") if p]
        if len(parts) < 3 or parts[0] != "api":
            return 404, {}, {"message": "Not found"}
        session = parts[1]
        if len(parts) == 4 and parts[3] == "generate-token" and method == "POST":
            if parts[2] != self.secret_key:
                return 400, {}, {"response": False, "message": "The SECRET_KEY is incorrect"}
            token = f"$2b$10$FAKE{next(self._ids):06d}.{session}"
            with self._lock:
                self._tokens.add(token)
            return (
                201,
                {},
                {"status": "success", "session": session, "token": token, "full": f"{session}:x"},
            )
        auth = headers.get("authorization", "")
        with self._lock:
            valid = auth.startswith("Bearer ") and auth[7:] in self._tokens
        if not valid or not auth[7:].endswith(f".{session}"):
            return 401, {}, {"error": "Check that the Session and Token are correct"}
        if session != self.session:
            return 404, {}, {"message": f"The fake only runs the session {self.session!r}"}
        endpoint = "/".join(parts[2:])
        body = body if isinstance(body, dict) else {}
        return self._endpoint(method, endpoint, body)

    def _state(self) -> dict:
        qr = f"data:image/png;base64,{QR_PNG}" if self.status == "QRCODE" else None
        return {
            "status": self.status,
            "qrcode": qr,
            "urlcode": "2@FAKE,QR" if qr else None,
            "version": "2.8.6",
        }

    def _endpoint(self, method: str, endpoint: str, body: dict):
        if method == "POST" and endpoint == "start-session":
            before = self._state() if self.status != "CLOSED" else {"status": "CLOSED"}
            before.setdefault("qrcode", None)
            if self.status == "CLOSED":
                self.webhook_url = body.get("webhook") or self.webhook_url
                self.status = "INITIALIZING"
                self._session_events()
            return 200, {}, before
        if method == "GET" and endpoint == "status-session":
            return 200, {}, self._state()
        if method == "GET" and endpoint == "qrcode-session":
            if self.status == "QRCODE":
                return 200, {"Content-Type": "image/png"}, base64.b64decode(QR_PNG)
            return 200, {}, {"status": self.status, "message": "QRCode is not available..."}
        if method == "POST" and endpoint in ("close-session", "logout-session"):
            was_running = self.status != "CLOSED"
            self.status = "CLOSED"
            if was_running:
                closing = (
                    {"event": "status-find", "status": "browserClose"}
                    if endpoint == "close-session"
                    else {
                        "event": "logoutsession",
                        "message": f"Session: {self.session} logged out",
                        "connected": False,
                    }
                )
                self._post_later([closing])
            return 200, {}, {"status": True, "message": "Session successfully closed"}
        if method == "GET" and endpoint.startswith("get-media-by-message/"):
            message_id = endpoint.split("/", 1)[1]
            from urllib.parse import unquote

            with self._lock:
                media = self._media.get(unquote(message_id))
            if media is None:
                return 400, {}, {"status": "error", "message": "Message not found"}
            return 200, {}, {"base64": base64.b64encode(media[0]).decode(), "mimetype": media[1]}
        sends = (
            "send-message",
            "send-image",
            "send-file-base64",
            "send-file",
            "send-voice-base64",
            "send-voice",
            "send-location",
            "send-seen",
        )
        if method == "POST" and endpoint == "react-message" and self.status == "CONNECTED":
            with self._lock:  # WhatsApp Web names no message for a reaction
                self._sent.append({**body, "endpoint": endpoint, "to": "", "id": ""})
            return 201, {}, {"status": "success", "response": {"sendMsgResult": {}}}
        if method == "POST" and endpoint in sends:
            if self.status != "CONNECTED":
                return (
                    404,
                    {},
                    {
                        "response": None,
                        "status": "Disconnected",
                        "message": "A sessão do WhatsApp não está ativa.",
                    },
                )
            return self._send(endpoint, body)
        return 404, {}, {"message": f"Cannot {method} {endpoint}"}

    def _send(self, endpoint: str, body: dict):
        phones = body.get("phone")
        phones = phones if isinstance(phones, list) else [phones]
        if not phones or not all(isinstance(p, str) and p for p in phones):
            return 400, {}, {"status": "error", "message": "phone is required"}
        results = []
        for phone in phones:
            digits = phone.split("@")[0]
            if digits in self.unknown_numbers:
                return (
                    400,
                    {},
                    {
                        "response": None,
                        "status": "Connected",
                        "message": f"O número {digits} não existe.",
                    },
                )
            lid = body.get("isLid") is True or len(digits) > 14
            jid = f"{digits}@lid" if lid else f"{digits}@c.us"
            if endpoint == "send-seen":
                with self._lock:
                    self._seen.append(jid)
                results.append({"chat": jid})
                continue
            with self._lock:
                message_id = f"true_{jid}_3EB0FAKE{next(self._ids):012d}"
                self._sent.append({**body, "endpoint": endpoint, "to": jid, "id": message_id})
            results.append(
                {
                    "id": message_id,
                    "ack": 0,
                    "from": f"{OUR_NUMBER}@c.us",
                    "to": jid,
                    "type": "chat" if endpoint == "send-message" else "media",
                    "body": body.get("message", ""),
                }
            )
        return 201, {}, {"status": "success", "response": results, "mapper": "return"}


@pytest.fixture
def fake_wppconnect():
    """A running FakeWppConnect (session "acme-support", secret key in `.secret_key`)."""
    with FakeWppConnect() as fake:
        yield fake


@pytest.fixture
def wppconnect_line(db, fake_wppconnect):
    """The default line, on the fake WPPConnect Server, with webhook token WEBHOOK_TOKEN."""
    return default_line(
        "wppconnect",
        "WhatsApp Web",
        wpp_url=fake_wppconnect.url,
        wpp_secret_key=fake_wppconnect.secret_key,
        wpp_session=fake_wppconnect.session,
        wpp_webhook_token=WEBHOOK_TOKEN,
    )
