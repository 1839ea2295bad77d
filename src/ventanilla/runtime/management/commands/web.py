from django.conf import settings
from django.core.management.base import BaseCommand

from ventanilla.providers import registry
from ventanilla.runtime import processes as runtime


class Command(BaseCommand):
    help = "Serve HTTP and WebSocket only (scaled mode: jobs run in `ventanilla worker`)."

    def handle(self, *args, **options):
        try:
            runtime.run_asgi_server(workers=settings.WEB_CONCURRENCY)
        finally:
            registry.close_all()
