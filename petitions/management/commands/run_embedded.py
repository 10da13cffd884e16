from django.core.management import call_command
from django.core.management.base import BaseCommand

from petitions.embedded import embedded_beat_start


class Command(BaseCommand):
    help = "Serve the site with background work in-process (no broker): the embedded mode of `make run`."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        embedded_beat_start()
        call_command("runserver", addrport, use_reloader=False)
