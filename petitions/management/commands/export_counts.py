import json

from django.core.management.base import BaseCommand

from petitions.management.commands._common import output_stream, petition_by_slug
from petitions.services.exports import counts_json, counts_rows, write_csv


class Command(BaseCommand):
    help = "Counts per county and statewide, from the tallies (CSV or JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--petition", required=True, help="petition slug, e.g. calexit")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, petition, format, output, **options):
        target = petition_by_slug(petition)
        with output_stream(output, self.stdout) as out:
            if format == "json":
                out.write(json.dumps(counts_json(target), indent=2) + "\n")
            else:
                write_csv(counts_rows(target), out)
        if output:
            self.stderr.write(f"Wrote counts of {target.slug} to {output}")
