from django.core.management.base import BaseCommand, CommandError

from petitions.management.commands._common import command_actor, petition_by_slug
from petitions.services.retention import RetentionNotOver, retention_ends, signatures_purge_personal_data


class Command(BaseCommand):
    help = (
        "Remove the personal data (names, addresses, dates of birth, emails, derived keys) of a closed "
        "petition's signers and circulators once its retention period is over. Every row and every count "
        "stays. Refused (exit 1) while the petition is open or within the period; safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--petition", required=True, help="petition slug, e.g. calexit")
        parser.add_argument("--dry-run", action="store_true", help="say what would be purged; change nothing")

    def handle(self, *args, petition, dry_run, **options):
        target = petition_by_slug(petition)
        try:
            summary = signatures_purge_personal_data(
                petition=target, actor=command_actor("purge_personal_data"), dry_run=dry_run
            )
        except RetentionNotOver as exc:
            raise CommandError(f"Nothing purged: {exc}", returncode=1) from None
        verb = "Would purge" if dry_run else "Purged"
        self.stdout.write(
            f"{verb} the personal data of {summary.signatures:,} signatures, {summary.circulators:,} circulators "
            f"and {summary.keyed_lines:,} keyed lines of {target.slug} (retention ended "
            f"{retention_ends(target) or 'with nothing recorded'}); the counts do not change."
        )
