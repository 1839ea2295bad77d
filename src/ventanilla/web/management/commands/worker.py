from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run background jobs and the periodic schedule only (scaled mode)."

    def handle(self, *args, **options):
        call_command("run_huey")
