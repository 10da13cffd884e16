import json

from django.core.management.base import BaseCommand

from petitions.management.commands._common import output_stream, petition_by_slug
from petitions.selectors import odds_summary
from petitions.services.exports import counts_document, counts_rows, counts_rows_with_odds, write_csv
from petitions.services.projections import odds_compute, projections_compute


class Command(BaseCommand):
    help = (
        "Counts per county and statewide, from the tallies (CSV or JSON), with the random-sample "
        "projection we expect from the counties: sample_size, validity_rate, duplicate_rate, "
        "projected_valid (JSON: a 'projection' key with the statewide total, the 95 %/110 % lines and "
        "the outcome). The projection is read as stored by the periodic task project_signatures "
        "(every PROJECTION_INTERVAL seconds), not recomputed, unless --recompute is given; its cells "
        "are empty for a county with nothing decided yet. The odds of qualifying (stored by the periodic "
        "task compute_qualification_odds) are in the JSON's projection.odds and, with --odds, in four "
        "more CSV columns filled in the statewide row: odds_qualifies, odds_full_count, odds_fails, "
        "raw_needed_90."
    )

    def add_arguments(self, parser):
        parser.add_argument("--petition", required=True, help="petition slug, e.g. calexit")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--output", help="file to write (default: standard output)")
        parser.add_argument(
            "--recompute",
            action="store_true",
            help="recompute and store the projection and the odds from the current tallies before exporting",
        )
        parser.add_argument(
            "--odds",
            action="store_true",
            help="CSV: add the odds columns (empty in the county rows and before the first simulation)",
        )

    def handle(self, *args, petition, format, output, recompute=False, odds=False, **options):
        target = petition_by_slug(petition)
        if recompute:
            projections_compute(petition=target)
            odds_compute(petition=target)
        with output_stream(output, self.stdout) as out:
            if format == "json":
                out.write(json.dumps(counts_document(target), indent=2) + "\n")
            elif odds:
                write_csv(counts_rows_with_odds(target, odds_summary(target)), out)
            else:
                write_csv(counts_rows(target), out)
        if output:
            self.stderr.write(f"Wrote counts of {target.slug} to {output}")
