from django.core.management.base import BaseCommand

from petitions.services import tallies


class Command(BaseCommand):
    help = "Fold pending tally changes into the tallies now (what the beat task does), or --recount from the rows."

    def add_arguments(self, parser):
        parser.add_argument(
            "--recount", action="store_true", help="rebuild the tallies from the signature rows and report drift"
        )

    def handle(self, *args, recount, **options):
        if recount:
            run = tallies.tallies_recount()
            if run is None:
                self.stdout.write("Another counting run holds the lock; try again.")
            elif run.drift:
                self.stdout.write(f"Recounted: drift in {len(run.drift)} buckets, corrected: {run.drift}")
            else:
                self.stdout.write("Recounted: tallies matched the signature rows.")
            return
        applied = tallies.tallies_count()
        self.stdout.write(
            "Another counting run holds the lock." if applied is None else f"Counted {applied:,} changes."
        )
