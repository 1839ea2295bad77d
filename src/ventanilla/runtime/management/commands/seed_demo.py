from django.core.management.base import BaseCommand

from ventanilla.runtime import processes as runtime


class Command(BaseCommand):
    help = "Load the demo desk (areas, agents) when the desk is empty."

    def handle(self, *args, **options):
        self.stdout.write(runtime.prepare_desk(demo_data=True))
