import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ventanilla.config.settings")

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from ventanilla.api.webhooks import cloud_webhook_asgi  # noqa: E402
from ventanilla.core.redaction import redact_secrets_in_logs  # noqa: E402
from ventanilla.realtime.origin import SameOriginOnly  # noqa: E402
from ventanilla.realtime.routing import websocket_urlpatterns  # noqa: E402

redact_secrets_in_logs()  # in every process that serves: uvicorn's workers import this module


async def http(scope, receive, send):
    if scope["path"] == "/webhooks/whatsapp/cloud" and scope["method"] == "POST":
        return await cloud_webhook_asgi(scope, receive, send)
    return await django_asgi_app(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": http,
        "websocket": SameOriginOnly(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# Everything loaded by now (modules, settings, URL patterns) lives as long as the process: kept out
# of the collector's way, and collections made rarer, the ORM's many short-lived objects cost less
# on a busy line (measured in bench/ingest.py; docs/performance.md).
gc.freeze()
gc.set_threshold(50_000, 20, 20)
