"""No request body larger than the largest attachment reaches Django, which would spool it to disk
before any view or sign-in check (config/asgi.py)."""

import asyncio

from ventanilla.config import asgi


def _run(headers, chunks):
    sent, received = [], []

    async def receive():
        chunk = chunks.pop(0) if chunks else b""
        received.append(len(chunk))
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/conversations/1/attachments"}
    scope["headers"] = headers
    return sent, received, receive, send, scope


def test_a_declared_length_over_the_limit_is_413_before_the_body_is_read():
    too_long = str(asgi.BODY_MAX_BYTES + 1).encode()
    sent, received, receive, send, scope = _run([(b"content-length", too_long)], [b"x"])

    asyncio.run(asgi.http(scope, receive, send))

    assert sent[0]["status"] == 413
    assert b"too large" in sent[1]["body"]
    assert received == []  # not one byte read


def test_a_body_without_its_length_ends_as_a_disconnect_once_over_the_limit():
    chunk = b"x" * (1024 * 1024)
    _, received, receive, _, _ = _run([], [chunk] * 200)
    capped = asgi._capped(receive)

    async def read_all():
        while True:
            message = await capped()
            if message["type"] == "http.disconnect":
                return "disconnected"
            if not message.get("more_body"):
                return "complete"

    assert asyncio.run(read_all()) == "disconnected"
    assert sum(received) <= asgi.BODY_MAX_BYTES + len(chunk)


def test_the_limit_lets_the_largest_document_through():
    assert asgi.BODY_MAX_BYTES > 100 * 1024 * 1024
