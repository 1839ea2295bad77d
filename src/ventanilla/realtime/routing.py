from django.urls import path

from ventanilla.realtime.consumers import ConsoleConsumer

websocket_urlpatterns = [path("ws/", ConsoleConsumer.as_asgi())]
