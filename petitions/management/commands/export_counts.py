import json

from django.core.management.base import BaseCommand

from petitions.management.commands._common import output_stream, petition_by_slug
from petitions.services.exports import counts_json, counts_rows, write_csv
from petitions.services.projections import projections_compute


class Command(BaseCommand):
    help = (
        "Counts per county and statewide, from the tallies (CSV or JSON), with the random-sample "
        "projection we expect from the counties: sample_size, validity_rate, duplicate_rate, "
        "projected_valid (JSON: a 'projection' key with the statewide total, the 95 %/110 % lines and "
        "the outcome). The projection is read as stored by the periodic task project_signatures "
        "(every PROJECTION_INTERVAL seconds), not recomputed, unless --recompute is given; its cells "
        "are empty for a county with nothing decided yet."
    )

    def add_arguments(self, parser):
        parser.add_argument("--petition", required=True, help="petition slug, e.g. calexit")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--output", help="file to write (default: standard output)")
        parser.add_argument(
            "--recompute",
            action="store_true",
            help="recompute and store the projection from the current tallies before exporting",
        )

    def handle(self, *args, petition, format, output, recompute=False, **options):
        target = petition_by_slug(petition)
        if recompute:
            projections_compute(petition=target)
        with output_stream(output, self.stdout) as out:
            if format == "json":
                out.write(json.dumps(counts_json(target), indent=2) + "\n")
            else:
                write_csv(counts_rows(target), out)
        if output:
            self.stderr.write(f"Wrote counts of {target.slug} to {output}")
