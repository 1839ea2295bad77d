"""A webhook receiver: a real HTTP server on 127.0.0.1 that records every delivery and answers
200 `{"ok": true}`, or what the test scripted (`fail_next`)."""

import pytest

from tests.fakes.server import FakeServer, Script


class FakeReceiver(FakeServer):
    name = "webhook receiver"

    def fail_next(self, status: int = 500, *, times: int = 1, body: bytes = b"down") -> None:
        self._script(_Failure(status, times, None, body=body))

    def deliveries(self) -> list:
        """The POSTs received, in arrival order."""
        return [request for request in self.requests if request.method == "POST"]

    def events(self) -> list[str]:
        return [request.json["event"] for request in self.deliveries()]

    def _handle(self, method, path, headers, body):
        failure = self._scripted_failure(method, path)
        if failure is not None:
            return failure.status, {"Content-Type": "text/plain"}, failure.body
        return 200, {}, {"ok": True}


class _Failure(Script):
    def __init__(self, status, times, path, *, body: bytes):
        super().__init__(status, times, path)
        self.body = body


@pytest.fixture
def receiver():
    with FakeReceiver() as fake:
        yield fake
