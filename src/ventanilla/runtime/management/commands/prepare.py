from django.core.management.base import BaseCommand

from ventanilla.runtime import processes as runtime


class Command(BaseCommand):
    help = "Create the default line and the first admin when missing (what `serve` does at start)."

    def handle(self, *args, **options):
        self.stdout.write(runtime.prepare_desk(demo_data=False))
