from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from petitions.management.commands._common import command_actor, output_stream, petition_by_slug
from petitions.models import Signature
from petitions.services.audit import audit_record
from petitions.services.exports import signatures_rows, write_csv


class Command(BaseCommand):
    help = "Every signature of a petition as CSV, one row each (personal data: the export is audited)."

    def add_arguments(self, parser):
        parser.add_argument("--petition", required=True, help="petition slug, e.g. calexit")
        parser.add_argument("--output", help="file to write (default: standard output)")
        parser.add_argument("--user", help="the dashboard user this export is for; must hold the export permission")

    def handle(self, *args, petition, output, user, **options):
        target = petition_by_slug(petition)
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None or not account.has_perm("petitions.export_personal_data"):
                raise CommandError(f"User {user!r} may not export personal data.", returncode=1)
        # The audit row comes first, committed: an export that dies halfway has still been recorded.
        audit_record(
            action="signatures.export",
            user=account,
            actor="" if account else command_actor("export_signatures"),
            target=target,
            detail={"rows": Signature.objects.filter(petition=target).count(), "output": output or "stdout"},
        )
        with output_stream(output, self.stdout) as out:
            rows = write_csv(signatures_rows(target), out) - 1
        self.stderr.write(f"Exported {rows:,} signatures of {target.slug}" + (f" to {output}" if output else ""))
