"""What every fake provider server shares: a real HTTP/1.1 server on 127.0.0.1 in a thread (it
keeps connections open, as Meta's servers do), JSON in and out. A fake subclasses FakeServer and
answers `_handle(method, path, headers, body)` with (status, extra headers, payload: dict | list |
bytes)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeServer:
    name = "fake server"

    def __init__(self):
        self._server: ThreadingHTTPServer | None = None
        self._peers_lock = threading.Lock()
        self._peers: list[tuple[str, int]] = []

    def _handle(self, method: str, path: str, headers: dict, body) -> tuple[int, dict, object]:
        raise NotImplementedError

    def _received(self, method: str, path: str, headers: dict, body, raw: bytes) -> None:
        """Called with every request before it is answered (to record it)."""

    def _connected(self, peer: tuple[str, int]) -> None:
        with self._peers_lock:
            self._peers.append(peer)

    @property
    def connections(self) -> int:
        """How many connections clients opened to this server so far."""
        with self._peers_lock:
            return len(self._peers)

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

    @property
    def url(self) -> str:
        """Base URL (no trailing slash)."""
        assert self._server is not None, f"the {self.name} is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"


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
