"""What every fake provider server shares: a real HTTP/1.1 server on 127.0.0.1 in a thread (it
keeps connections open, as Meta's servers do), JSON in and out, a count of the connections
opened, a log of the requests it received, scripted failures and delays, a reset and a stop.

A fake subclasses FakeServer and answers `_handle(method, path, headers, body)` with
(status, extra headers, payload: dict | list | bytes); it calls `_scripted_failure` first to honour
what the test scripted. Fixtures run one for the test:

    with FakeCloudApi() as fake:
        yield fake
"""

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    json: object | None  # the body parsed, None when empty or not JSON
    raw: bytes


@dataclass
class Script:
    """The answer to the next `times` requests whose "METHOD /path" matches `path`."""

    status: int
    times: int
    path: str | None = None  # regex searched in "METHOD /path"; None matches every request
    delay: float = 0.0
    respond_normally: bool = False  # a pure delay: answer as usual after sleeping


class FakeServer:
    name = "fake server"

    def __init__(self):
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._scripts: list[Script] = []
        self._ids = itertools.count(1)
        self._peers: list[tuple[str, int]] = []

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self):
        fake = self

        class Handler(_JsonHandler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL (no trailing slash)."""
        assert self._server is not None, f"the {self.name} is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- scripting -------------------------------------------------------------------------------

    def slow_next(self, seconds: float, *, times: int = 1, path: str | None = None) -> None:
        """Sleep `seconds` before answering the next `times` matching requests normally."""
        self._script(Script(200, times, path, delay=seconds, respond_normally=True))

    def _connected(self, peer: tuple[str, int]) -> None:
        with self._lock:
            self._peers.append(peer)

    @property
    def connections(self) -> int:
        """How many connections clients opened to this server so far."""
        with self._lock:
            return len(self._peers)

    def reset(self) -> None:
        """Forgets the requests received and what was scripted (subclasses: their logs too)."""
        with self._lock:
            self._requests.clear()
            self._scripts.clear()

    def _script(self, script: Script) -> None:
        with self._lock:
            self._scripts.append(script)

    # -- what happened ---------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in arrival order (failed and unauthorized ones too)."""
        with self._lock:
            return list(self._requests)

    # -- the server side -------------------------------------------------------------------------

    def _handle(self, method: str, path: str, headers: dict, body) -> tuple[int, dict, object]:
        raise NotImplementedError

    def _received(self, method: str, path: str, headers: dict, body, raw: bytes) -> None:
        """Called with every request before it is answered: recorded in `requests`."""
        with self._lock:
            self._requests.append(RecordedRequest(method, path, headers, body, raw))

    def _scripted_failure(self, method: str, path: str) -> Script | None:
        """Takes the first script matching the request and sleeps its delay; returns it when it
        scripts a failure (the fake answers with it), None when the request is answered as usual.
        """
        target = f"{method} {path}"
        with self._lock:
            script = next(
                (s for s in self._scripts if s.path is None or re.search(s.path, target)), None
            )
            if script is not None:
                script.times -= 1
                if script.times <= 0:
                    self._scripts.remove(script)
        if script is None:
            return None
        if script.delay:
            time.sleep(script.delay)
        return None if script.respond_normally else script


def default_line(provider: str, display_name: str, **fields):
    """The desk's default line, on a fake provider (the fake's URL and credentials in `fields`)."""
    from ventanilla.providers.models import Line

    return Line.objects.create(
        provider=provider, is_default=True, display_name=display_name, **fields
    )


class _JsonHandler(BaseHTTPRequestHandler):
    server_fake: FakeServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms wait for an ACK

    def setup(self):
        super().setup()
        self.server_fake._connected(self.client_address)

    def log_message(self, format, *args):  # quiet test output
        pass

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server_fake._received(method, self.path, headers, body, raw)
        status, extra, payload = self.server_fake._handle(method, self.path, headers, body)
        if isinstance(payload, bytes):
            data, content_type = payload, extra.pop("Content-Type", "application/octet-stream")
        else:
            data, content_type = json.dumps(payload).encode(), "application/json"
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")
