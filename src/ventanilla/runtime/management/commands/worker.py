from django.core.management import call_command
from django.core.management.base import BaseCommand

from ventanilla.core.jobs import start_senders
from ventanilla.providers import registry
from ventanilla.runtime import processes as runtime


class Command(BaseCommand):
    help = "Run background jobs and the periodic schedule only (scaled mode)."

    def handle(self, *args, **options):
        ticker = runtime.start_scheduler_ticker()
        start_senders()  # what its jobs queue (auto-close texts, a drained queue's) leaves at once
        runtime.reconnect_lines()
        try:
            call_command("run_huey")
        finally:
            ticker.set()
            registry.close_all()
