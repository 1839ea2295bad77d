import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ventanilla.config.settings")

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from ventanilla.api.webhooks import cloud_webhook_asgi  # noqa: E402
from ventanilla.realtime.routing import websocket_urlpatterns  # noqa: E402


async def http(scope, receive, send):
    if scope["path"] == "/webhooks/whatsapp/cloud" and scope["method"] == "POST":
        return await cloud_webhook_asgi(scope, receive, send)
    return await django_asgi_app(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": http,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
