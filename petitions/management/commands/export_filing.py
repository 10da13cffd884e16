from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from petitions.documents.cover_sheet import cover_sheet_pdf
from petitions.management.commands._common import output_stream, petition_by_slug
from petitions.models import County
from petitions.reports.filing import county_filing_rows, statewide_filing_rows
from petitions.services.exports import write_csv


def county_by_code_or_name(value: str) -> County:
    county = County.objects.filter(Q(code=value.strip().zfill(2)) | Q(name__iexact=value.strip())).first()
    if county is None:
        raise CommandError(
            f"No county {value!r}: give its two-digit code (01 Alameda to 58 Yuba) or its name.", returncode=1
        )
    return county


class Command(BaseCommand):
    help = (
        "What the campaign files with the counties: with --county, that county's sections and returned "
        "wet-ink forms with their raw counts (CSV) or its cover sheet (PDF); without it, the statewide "
        "summary per county (CSV). Keyed, verified and filed sections only; no personal data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--petition", required=True, help="petition slug, e.g. calexit")
        parser.add_argument("--county", help="county code (e.g. 34) or name (e.g. Sacramento)")
        parser.add_argument("--format", choices=["csv", "pdf"], default="csv")
        parser.add_argument("--output", required=True, help="file to write")

    def handle(self, *args, petition, county, format, output, **options):
        target = petition_by_slug(petition)
        where = county_by_code_or_name(county) if county else None
        if format == "pdf":
            if where is None:
                raise CommandError("A cover sheet is per county: add --county.", returncode=1)
            self._write_bytes(Path(output), cover_sheet_pdf(target, where))
        else:
            rows = county_filing_rows(target, where) if where else statewide_filing_rows(target)
            with output_stream(output, self.stdout) as out:
                write_csv(rows, out)
        what = f"{where.name} County's filing" if where else "the statewide filing summary"
        self.stderr.write(f"Wrote {what} of {target.slug} to {output}")

    @staticmethod
    def _write_bytes(path: Path, content: bytes) -> None:
        """Written whole or not at all, as output_stream does for text."""
        partial = path.with_name(path.name + ".partial")
        try:
            partial.write_bytes(content)
            partial.replace(path)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}", returncode=1) from exc
        finally:
            partial.unlink(missing_ok=True)
