import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ventanilla.config.settings")

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from ventanilla.api.webhooks import cloud_webhook_asgi  # noqa: E402
from ventanilla.config import collector  # noqa: E402
from ventanilla.core.attachments import LARGEST  # noqa: E402
from ventanilla.core.jobs import start_senders  # noqa: E402
from ventanilla.core.redaction import redact_secrets_in_logs  # noqa: E402
from ventanilla.realtime.origin import SameOriginOnly  # noqa: E402
from ventanilla.realtime.routing import websocket_urlpatterns  # noqa: E402

redact_secrets_in_logs()  # in every process that serves: uvicorn's workers import this module
start_senders()  # replies leave from the process that stored the customer's message (ADR 0034)


# No body is larger than the largest attachment and its form's other parts: Django spools a body
# to disk before any view (or sign-in check) sees it, so a larger one is refused at the door.
BODY_MAX_BYTES = LARGEST + 1024 * 1024


def _declared_length(scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def _capped(receive):
    """`receive`, which ends the request as a disconnect once more than BODY_MAX_BYTES came (a
    body sent without its length)."""
    received = 0

    async def capped_receive():
        nonlocal received
        message = await receive()
        received += len(message.get("body", b""))
        if received > BODY_MAX_BYTES:
            return {"type": "http.disconnect"}
        return message

    return capped_receive


async def _too_large(send) -> None:
    body = b'{"detail": "Body too large.", "errors": {}}'
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def http(scope, receive, send):
    if _declared_length(scope) > BODY_MAX_BYTES:
        return await _too_large(send)
    if scope["path"] == "/webhooks/whatsapp/cloud" and scope["method"] == "POST":
        return await cloud_webhook_asgi(scope, receive, send)
    return await django_asgi_app(scope, _capped(receive), send)


application = ProtocolTypeRouter(
    {
        "http": http,
        "websocket": SameOriginOnly(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

collector.tune_for_serving()  # last: everything loaded by now stays for the process's life
