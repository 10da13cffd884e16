from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from petitions.management.commands._common import command_actor, petition_by_slug
from petitions.services.paper import PaperFileRefused, signatures_import_paper


class Command(BaseCommand):
    help = (
        "Import keyed paper signatures (CSV: section,line,county,name,address,city,zip,date_signed) "
        "and queue validation."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--petition", required=True, help="petition slug, e.g. calexit")

    def handle(self, *args, path, petition, **options):
        target = petition_by_slug(petition)
        try:
            summary = signatures_import_paper(
                path=Path(path), petition=target, actor=command_actor("import_signatures")
            )
        except PaperFileRefused as exc:
            raise CommandError(f"Refused, nothing imported: {exc}", returncode=1) from exc
        for line, reason in summary.bad_rows[:100]:
            self.stderr.write(f"line {line}: {reason}")
        if len(summary.bad_rows) > 100:
            self.stderr.write(f"... and {len(summary.bad_rows) - 100} more bad rows")
        self.stdout.write(
            f"Imported {Path(path).name}: {summary.rows:,} rows, {summary.created:,} new signatures, "
            f"{summary.already_present:,} already imported, {len(summary.bad_rows):,} bad rows, "
            f"{summary.sections_created:,} new sections; validation queued"
        )
