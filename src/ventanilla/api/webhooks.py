"""Provider webhooks: no session; authenticated by the provider's own scheme before parsing.

The Cloud API webhook has two doors onto one handler: a Django view (WSGI, the test client) and a
bare ASGI app that `config.asgi` routes to directly. The ASGI door skips Django's middleware stack
(sessions, CSRF, messages ... none of which a webhook uses) and runs the handler on a worker thread
of its own, so webhooks are not queued behind the console's requests on Django's one sync thread,
and stores the webhooks waiting together (see _Batcher).
"""

import asyncio
import json
import logging
import queue
import threading
from concurrent.futures import Future

from django.conf import settings
from django.db import close_old_connections
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from ventanilla.api.security import requires
from ventanilla.core.permissions import PUBLIC
from ventanilla.inbound import cloud, wppconnect

log = logging.getLogger(__name__)

MAX_WEBHOOK_BYTES = 3 * 1024 * 1024

Answer = tuple[int, dict]


def handle_cloud_posts(posts: list[tuple[bytes, str | None]]) -> list[Answer]:
    """Verify, parse, store, for several POSTs at once (stored in one transaction when they can
    be). 200 only once stored; 5xx so Meta retries when storing failed."""
    answers: list[Answer | None] = [None] * len(posts)
    verified: list[tuple[int, object, list]] = []
    for index, (raw, signature) in enumerate(posts):
        lines = cloud.lines_signed_for(raw, signature)
        if not lines:
            answers[index] = (403, {"detail": "Bad or missing X-Hub-Signature-256."})
            continue
        try:
            verified.append((index, json.loads(raw), lines))
        except (ValueError, UnicodeDecodeError, RecursionError):
            # signed by Meta yet unreadable (or nested past any real payload): retrying will not
            # help, so refuse and log rather than answer 5xx to a body Meta would post forever
            log.warning("signed Cloud API webhook with a body that is not readable JSON")
            answers[index] = (400, {"detail": "Body is not JSON."})
    try:
        results = cloud.receive_many([(body, lines) for _, body, lines in verified])
    except Exception as error:  # e.g. the database is unreachable
        results = [error] * len(verified)
    for (index, _, _), result in zip(verified, results, strict=True):
        if isinstance(result, Exception):
            log.error("could not store a Cloud API webhook", exc_info=result)
            answers[index] = (503, {"detail": "Could not store the webhook; retry."})
        else:
            answers[index] = (200, {"status": "stored", **result})
    return answers


def handle_cloud_post(raw: bytes, signature: str | None) -> Answer:
    return handle_cloud_posts([(raw, signature)])[0]


class _Batcher:
    """One thread per process stores the webhooks that are waiting, up to WEBHOOK_BATCH_MAX in
    one transaction. Quiet lines get batches of one (no added wait); a busy one gets one commit
    and one broadcast per batch instead of per message, which is what keeps up (ADR 0009). One
    thread, not more: more only contend for the GIL with the loop serving the consoles' sockets."""

    def __init__(self):
        self._waiting: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, raw: bytes, signature: str | None) -> Future:
        future: Future = Future()
        self._waiting.put(((raw, signature), future))
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="webhook-batches", daemon=True
                )
                self._thread.start()
        return future

    def _run(self) -> None:
        while True:
            batch = [self._waiting.get()]
            while len(batch) < settings.WEBHOOK_BATCH_MAX:
                try:
                    batch.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            close_old_connections()
            try:
                answers = handle_cloud_posts([post for post, _ in batch])
            except Exception:
                log.exception("could not store a batch of Cloud API webhooks")
                answers = [(503, {"detail": "Could not store the webhook; retry."})] * len(batch)
            finally:
                close_old_connections()
            for (_, future), answer in zip(batch, answers, strict=True):
                future.set_result(answer)


_batcher = _Batcher()


@requires(PUBLIC)  # signed by Meta (X-Hub-Signature-256), checked before anything is stored
@csrf_exempt
@require_http_methods(["GET", "POST"])
def cloud_webhook(request):
    if request.method == "GET":
        challenge = cloud.verification_challenge(
            mode=request.GET.get("hub.mode", ""),
            token=request.GET.get("hub.verify_token", ""),
            challenge=request.GET.get("hub.challenge", ""),
        )
        if challenge is None:
            return HttpResponse("Forbidden", status=403, content_type="text/plain")
        return HttpResponse(challenge, content_type="text/plain")
    status, body = handle_cloud_post(request.body, request.headers.get("X-Hub-Signature-256"))
    return JsonResponse(body, status=status)


@requires(PUBLIC)  # the token in the path is the line's password
@csrf_exempt
@require_POST
def wppconnect_webhook(request, token: str):
    """POST /webhooks/whatsapp/wppconnect/<token> (see the module's docstring)."""
    line = wppconnect.line_for_token(token)
    if line is None:  # before reading a possibly large body
        return JsonResponse({"detail": "Unknown webhook token."}, status=403)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > wppconnect.MAX_WEBHOOK_BYTES:
        return JsonResponse({"detail": "Body too large."}, status=413)
    # read() rather than .body: inline media exceed DATA_UPLOAD_MAX_MEMORY_SIZE by design
    raw = request.read(wppconnect.MAX_WEBHOOK_BYTES + 1)
    if len(raw) > wppconnect.MAX_WEBHOOK_BYTES:
        return JsonResponse({"detail": "Body too large."}, status=413)
    status, body = wppconnect.handle_line_post(line, raw)
    return JsonResponse(body, status=status)


async def cloud_webhook_asgi(scope, receive, send) -> None:
    """POST /webhooks/whatsapp/cloud as a bare ASGI app (see the module's docstring)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_WEBHOOK_BYTES:
            await _respond(send, 413, {"detail": "Body too large."})
            return
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    signature = None
    for name, value in scope.get("headers", []):
        if name == b"x-hub-signature-256":
            signature = value.decode("latin-1")
    status, body = await asyncio.wrap_future(_batcher.submit(b"".join(chunks), signature))
    await _respond(send, status, body)


async def _respond(send, status: int, body: dict) -> None:
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
