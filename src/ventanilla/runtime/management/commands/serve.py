from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from ventanilla.providers import registry
from ventanilla.runtime import processes as runtime


class Command(BaseCommand):
    help = "Migrate, create the first admin, then serve web + jobs + scheduler in one process."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="load demo data on an empty desk")

    def handle(self, *args, demo: bool = False, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(runtime.prepare_desk(demo_data=demo))
        self.stdout.write(f"Ventanilla is listening on {settings.PUBLIC_URL}/\n")
        self.stdout.flush()
        consumer = runtime.start_embedded_jobs()
        ticker = runtime.start_scheduler_ticker()
        runtime.reconnect_lines()
        try:
            runtime.run_asgi_server()
        finally:
            ticker.set()
            consumer.stop(graceful=False)
            registry.close_all()
