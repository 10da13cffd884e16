import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from calexit.celery import app as celery_app
from petitions.management.commands._common import petition_by_slug
from petitions.models import Signature
from petitions.queue import VALIDATE_BATCH, validation_queue
from petitions.services import tallies
from petitions.validation.validate import pending_signature_ids, signatures_validate


class Command(BaseCommand):
    help = "Validate pending signatures (through the workers where they run) and wait until none is pending."

    def add_arguments(self, parser):
        parser.add_argument("--petition", help="petition slug (default: all petitions)")
        parser.add_argument("--timeout", type=int, default=3600, help="seconds to wait for the workers")

    def handle(self, *args, petition, timeout, **options):
        target = petition_by_slug(petition) if petition else None
        pending = pending_signature_ids(petition=target)
        started = time.monotonic()
        workers = not celery_app.conf.task_always_eager and celery_app.control.ping(timeout=1.0)
        if workers:
            validation_queue(pending, on_commit=False)
            left = pending
            while left:
                if time.monotonic() - started > timeout:
                    raise CommandError(f"{len(left):,} signatures still pending after {timeout} s", returncode=1)
                time.sleep(0.5)
                left = pending_signature_ids(petition=target)
        else:
            for start in range(0, len(pending), VALIDATE_BATCH):
                signatures_validate(signature_ids=pending[start : start + VALIDATE_BATCH])
        tallies.tallies_count()
        outcomes = Counter(Signature.objects.filter(pk__in=pending).values_list("status", flat=True))
        where = "by the workers" if workers else "in this process"
        breakdown = ", ".join(
            f"{outcomes[s]:,} {s}" for s in ("valid", "invalid", "duplicate", "review") if outcomes[s]
        )
        self.stdout.write(
            f"Validated {len(pending):,} signatures {where} in {time.monotonic() - started:.1f} s"
            + (f": {breakdown}" if breakdown else "")
            + "; 0 pending"
        )
