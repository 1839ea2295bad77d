"""Provider webhooks: no session; authenticated by the provider's own scheme before parsing.

The Cloud API webhook has two doors onto one handler: a Django view (WSGI, the test client) and a
bare ASGI app that `config.asgi` routes to directly. The ASGI door skips Django's middleware stack
(sessions, CSRF, messages ... none of which a webhook uses) and runs the handler on a worker thread
of its own, so webhooks are not queued behind the console's requests on Django's one sync thread.
"""

import json
import logging
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ventanilla.inbound import cloud

log = logging.getLogger(__name__)

MAX_WEBHOOK_BYTES = 3 * 1024 * 1024

# Few threads on purpose: more only contend for the GIL with the event loop that serves the
# consoles' sockets (measured in bench/ingest.py; see docs/performance.md).
_webhook_threads = ThreadPoolExecutor(
    max_workers=settings.WEBHOOK_THREADS, thread_name_prefix="webhook"
)


def handle_cloud_post(raw: bytes, signature: str | None) -> tuple[int, dict]:
    """Verify, parse, store. 200 only once stored; 5xx so Meta retries when storing failed."""
    lines = cloud.lines_signed_for(raw, signature)
    if not lines:
        return 403, {"detail": "Bad or missing X-Hub-Signature-256."}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        # signed by Meta yet unreadable: retrying will not help, so refuse and log
        log.warning("signed Cloud API webhook with a body that is not JSON")
        return 400, {"detail": "Body is not JSON."}
    try:
        counts = cloud.receive(body, lines)
    except Exception:
        log.exception("could not store a Cloud API webhook")
        return 503, {"detail": "Could not store the webhook; retry."}
    return 200, {"status": "stored", **counts}


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


def _handle_on_worker_thread(raw: bytes, signature: str | None) -> tuple[int, dict]:
    close_old_connections()
    try:
        return handle_cloud_post(raw, signature)
    finally:
        close_old_connections()


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
    handle = sync_to_async(
        _handle_on_worker_thread, thread_sensitive=False, executor=_webhook_threads
    )
    status, body = await handle(b"".join(chunks), signature)
    await _respond(send, status, body)


async def _respond(send, status: int, body: dict) -> None:
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
