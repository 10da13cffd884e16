"""Exports: streamed rows, spreadsheet formulas escaped; and the exports that run in the background
(`ExportJob`, task `export_run`): counts, filing lists, sections and signatures as CSV, XLSX or JSON,
written in chunks to a private file with their progress, downloaded through a permission-checked view
and deleted when they expire. Signature exports hold personal data: only `export_personal_data` may ask
for one, and asking and downloading are audited."""

from __future__ import annotations

import csv
import json
import logging
import os
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import slugify

from petitions.codes import SECTION, MalformedCode, code_parse, section_code
from petitions.models import County, ExportJob, Petition, PetitionSection, Signature
from petitions.queue import export_queue, queue_length
from petitions.reports.filing import county_filing_rows, statewide_filing, statewide_filing_rows
from petitions.selectors import (
    COUNT_FIELDS,
    ODDS_FIELDS,
    OddsSummary,
    counts_with_projection,
    odds_summary,
    petition_counts,
    petition_counts_json,
    projection_summary,
)
from petitions.services.audit import audit_record

logger = logging.getLogger(__name__)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

PROJECTION_FIELDS = ("sample_size", "validity_rate", "duplicate_rate", "projected_valid")
COUNTS_HEADER: list[object] = ["county_code", "county", *COUNT_FIELDS, *PROJECTION_FIELDS]
SIGNATURES_HEADER: list[object] = [
    "id",
    "channel",
    "section",
    "line",
    "email",
    "county",
    "status",
    "reason",
    "registrant_id",
    "duplicate_of",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "name_as_written",
    "address",
    "unit",
    "city",
    "zip",
    "dob",
    "date_signed",
    "created_at",
    "confirmed_at",
    "validated_at",
]


def csv_safe(value: object) -> str:
    """A cell a spreadsheet will show as text: a leading = + - @ would run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(rows: Iterable[Iterable[object]], out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    written = 0
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
        written += 1
    return written


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _projection_cells(
    sample: int | None, validity_rate: float | None, duplicate_rate: float | None, projected: int | None
) -> list[object]:
    """Empty cells where nothing is projected (no signatures, or none decided yet)."""
    if projected is None:
        return ["", "", "", ""]
    return [sample, _rate(validity_rate), _rate(duplicate_rate), projected]


def counts_rows(petition: Petition) -> Iterator[list[object]]:
    """Counts from the tallies, then the stored projection (never recomputed
    here): the sample the county will draw, our validity and duplicate rates
    over decided signatures, and the valid signatures we expect it to project.
    The statewide row sums samples and projections; its rates are the
    projected counties' rates weighted by raw count."""
    counts = petition_counts(petition)
    projection = projection_summary(petition)
    yield COUNTS_HEADER
    for row, estimate in counts_with_projection(counts, projection):
        cells = (
            _projection_cells(None, None, None, None)
            if estimate is None
            else _projection_cells(
                estimate.sample, estimate.validity_rate, estimate.duplicate_rate, estimate.projected_valid
            )
        )
        yield [row.code, row.name, *(getattr(row, f) for f in COUNT_FIELDS), *cells]
    any_projected = projection.validity_rate is not None
    statewide = counts.statewide
    yield [
        statewide.code,
        statewide.name,
        *(getattr(statewide, f) for f in COUNT_FIELDS),
        *_projection_cells(
            projection.sample,
            projection.validity_rate,
            projection.duplicate_rate,
            projection.projected_valid if any_projected else None,
        ),
    ]


def counts_json(petition: Petition) -> dict:
    """The public API's shape, plus a "projection" key read from the stored
    projection: statewide totals, the 95 % / 110 % lines, the outcome,
    computed_at, and per county."""
    return {**petition_counts_json(petition), "projection": projection_summary(petition).as_dict()}


def counts_rows_with_odds(petition: Petition, odds: OddsSummary | None) -> Iterator[list[object]]:
    """counts_rows with ODDS_FIELDS after the existing columns: empty in the county rows, the stored
    odds in the statewide (last, "00") row (export_counts --odds)."""
    blank = [""] * len(ODDS_FIELDS)
    for index, row in enumerate(counts_rows(petition)):
        if index == 0:
            yield [*row, *ODDS_FIELDS]
        elif row[0] == "00" and odds is not None:
            yield [*row, *odds.csv_cells()]
        else:
            yield [*row, *blank]


def counts_document(petition: Petition) -> dict:
    """export_counts --format json: counts_json with the stored odds as projection.odds (None before
    the first simulation)."""
    document = counts_json(petition)
    stored = odds_summary(petition)
    document["projection"]["odds"] = None if stored is None else stored.as_dict()
    return document


def _signatures(petition: Petition, county: County | None = None, section: PetitionSection | None = None):
    queryset = Signature.objects.filter(petition=petition)
    if county is not None:
        queryset = queryset.filter(county=county)
    if section is not None:
        queryset = queryset.filter(section=section)
    return queryset


def signatures_rows(
    petition: Petition, *, county: County | None = None, section: PetitionSection | None = None
) -> Iterator[list[object]]:
    """Every signature of the petition (or of one county, or one section), streamed from the database
    in chunks."""
    yield SIGNATURES_HEADER
    queryset = (
        _signatures(petition, county, section)
        .order_by("id")
        .values_list(
            "id",
            "channel",
            "section__number",
            "line",
            "email",
            "county_id",
            "status",
            "reason",
            "voter__registrant_id",
            "duplicate_of_id",
            "first_name",
            "middle_name",
            "last_name",
            "suffix",
            "name_as_written",
            "address",
            "unit",
            "city",
            "zip",
            "dob",
            "date_signed",
            "created_at",
            "confirmed_at",
            "validated_at",
        )
    )
    for row in queryset.iterator(chunk_size=5000):
        yield ["" if value is None else (value.isoformat() if hasattr(value, "isoformat") else value) for value in row]


# --- Sections ------------------------------------------------------------------------------------------

SECTIONS_HEADER: list[object] = [
    "county_code",
    "county",
    "number",
    "code",
    "status",
    "signed_from",
    "signed_to",
    "declaration_date",
    "lines",
    "valid",
    "invalid",
    "duplicate",
    "review",
    "pending",
]
_SECTION_STATUSES = ("valid", "invalid", "duplicate", "review", "pending")


def _sections(petition: Petition, county: County | None = None):
    queryset = PetitionSection.objects.filter(petition=petition)
    return queryset if county is None else queryset.filter(county=county)


def sections_rows(petition: Petition, *, county: County | None = None) -> Iterator[list[object]]:
    """Every petition section (of one county, or all by county), with its lines by status: the status
    of each line as it stands (no names: the circulator is on the paper)."""
    yield SECTIONS_HEADER
    statuses = {status: Count("signature", filter=Q(signature__status=status)) for status in _SECTION_STATUSES}
    rows = (
        _sections(petition, county)
        .annotate(lines=Count("signature"), **statuses)
        .order_by("county_id", "number")
        .values_list(
            "pk",
            "county_id",
            "county__name",
            "number",
            "status",
            "signed_from",
            "signed_to",
            "declaration_date",
            "lines",
            *_SECTION_STATUSES,
        )
    )
    for pk, code, name, number, status, signed_from, signed_to, declared, *counts in rows.iterator(chunk_size=2000):
        dates = [day.isoformat() if day else "" for day in (signed_from, signed_to, declared)]
        yield [code, name, number, section_code(pk), status, *dates, *counts]


# --- Background exports ------------------------------------------------------------------------------

Kind = ExportJob.Kind
Format = ExportJob.Format
JobStatus = ExportJob.Status

#: Kinds holding personal data: asked for only with `export_personal_data`, audited when asked for and
#: when downloaded.
PERSONAL_KINDS = frozenset({Kind.SIGNATURES})
#: Exports one user may have queued or running at once.
MAX_ACTIVE_PER_USER = 3
#: Progress is saved every PROGRESS_EVERY rows, or every 1/PROGRESS_STEPS of a large export.
PROGRESS_EVERY = 1000
PROGRESS_STEPS = 200
#: Rows on one XLSX worksheet (Excel's limit, the header included); more go on the next sheet.
XLSX_SHEET_ROWS = 1_048_576
#: A file older than this that no finished export owns is a leftover of a killed worker (the task's
#: hard time limit, petitions.tasks.EXPORT_LIMITS).
LEFTOVER_SECONDS = 1300

CONTENT_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.JSON: "application/json",
}
#: Columns written as numbers in XLSX (every other one is text: a county code keeps its leading zero).
NUMERIC_COLUMNS = frozenset(
    {
        *COUNT_FIELDS,
        "sample_size",
        "validity_rate",
        "duplicate_rate",
        "projected_valid",
        *ODDS_FIELDS,
        "sections",
        "forms",
        "required",
        "lines",
        "id",
        "line",
        "duplicate_of",
    }
)


class ExportRefused(ValueError):
    """What was asked for cannot be exported; the message says why, for the person who asked."""


class ExportGone(ExportRefused):
    """The export's file expired (or vanished): it must be asked for again."""


@dataclass
class ExportRows:
    """An export's rows: the header, the data rows (a stream), how many, and the worksheet's name."""

    header: list[object]
    rows: Iterable[list[object]]
    total: int
    sheet: str
    document: Callable[[], dict] | None = field(default=None)  # counts as JSON: the API's shape instead


def export_root() -> Path:
    root = Path(settings.EXPORT_ROOT)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def export_is_personal(job: ExportJob) -> bool:
    return job.kind in PERSONAL_KINDS


def _section_find(petition: Petition, text: str) -> PetitionSection:
    """A section of the petition by its number as printed, or by its code (S...)."""
    text = text.strip()
    section = PetitionSection.objects.filter(petition=petition, number=text).select_related("county").first()
    if section is not None:
        return section
    try:
        code = code_parse(text)
    except MalformedCode:
        code = None
    if code is not None and code.kind == SECTION:
        section = PetitionSection.objects.filter(petition=petition, pk=code.pk).select_related("county").first()
        if section is not None:
            return section
    raise ExportRefused(f"No section {text[:40]!r} in {petition.title}: type its number or its code (S...).")


def _label(kind: str, county: County | None, section: PetitionSection | None) -> str:
    what = {
        Kind.COUNTS: "Counts per county and statewide",
        Kind.FILING: "Filing list" if county else "Filing summary per county",
        Kind.SECTIONS: "Petition sections",
        Kind.SIGNATURES: "Signatures",
    }[Kind(kind)]
    if section is not None:
        return f"{what}, section {section.number} ({section.county.name})"
    if county is not None:
        return f"{what}, {county.name} ({county.code})"
    return what if kind in (Kind.COUNTS, Kind.FILING) else f"{what}, every county"


def export_job_request(
    *, user: User, petition: Petition, kind: str, format: str, county: str = "", section: str = ""
) -> ExportJob:
    """Queue an export for `user`. Counts, filing lists and sections: any dashboard role; signatures
    (personal data): `export_personal_data` only (PermissionDenied otherwise), audited here before
    anything is written. Bad input raises ExportRefused with a message to show."""
    if kind not in Kind.values:
        raise ExportRefused("Choose what to export: counts, a filing list, sections or signatures.")
    if format not in Format.values:
        raise ExportRefused("Choose a format: CSV, XLSX or JSON.")
    if not user.has_perm("petitions.view_dashboard"):
        raise PermissionDenied
    if kind in PERSONAL_KINDS and not user.has_perm("petitions.export_personal_data"):
        raise PermissionDenied("Exporting signatures takes the Organizer role: they hold personal data.")
    where: County | None = None
    if county.strip():
        where = County.objects.filter(code=county.strip().zfill(2)).first()
        if where is None:
            raise ExportRefused(f"No county {county.strip()[:20]!r}: choose one from the list (01 Alameda to 58 Yuba).")
    if kind == Kind.COUNTS and where is not None:
        raise ExportRefused("Counts always cover every county and the state: leave the county empty.")
    which: PetitionSection | None = None
    if section.strip():
        if kind != Kind.SIGNATURES:
            raise ExportRefused("A section narrows a signature export only: leave it empty for this export.")
        which = _section_find(petition, section)
        if where is not None and which.county_id != where.code:
            raise ExportRefused(
                f"Section {which.number} circulates in {which.county.name}, not {where.name}: "
                "leave the county empty or choose its own."
            )
    active = ExportJob.objects.filter(user=user, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).count()
    if active >= MAX_ACTIVE_PER_USER:
        raise ExportRefused(
            f"You have {active} exports queued or running: wait for one to finish before starting another."
        )
    filters: dict[str, Any] = {}
    if where is not None:
        filters["county"] = where.code
    if which is not None:
        filters["section"] = which.pk
    with transaction.atomic():
        job = ExportJob.objects.create(
            user=user,
            petition=petition,
            kind=kind,
            format=format,
            filters=filters,
            label=_label(kind, where, which),
            expires_at=timezone.now() + timedelta(hours=settings.EXPORT_KEEP_HOURS),
        )
        if kind in PERSONAL_KINDS:
            # Recorded before a row is written, committed with the job: an export that dies halfway
            # has still been recorded.
            audit_record(
                action="signatures.export",
                user=user,
                target=petition,
                detail={"job": job.pk, "format": format, "filters": filters, "output": "dashboard"},
            )
        export_queue(job.pk)
    return job


def _export_rows(job: ExportJob) -> ExportRows:
    petition = job.petition
    county = County.objects.filter(code=job.filters.get("county")).first() if job.filters.get("county") else None
    section = (
        PetitionSection.objects.filter(pk=job.filters.get("section")).first() if job.filters.get("section") else None
    )
    if job.kind == Kind.COUNTS:
        counts = list(counts_rows_with_odds(petition, odds_summary(petition)))
        return ExportRows(counts[0], counts[1:], len(counts) - 1, "Counts", lambda: counts_document(petition))
    if job.kind == Kind.FILING:
        if county is None:
            summary = list(statewide_filing_rows(petition))
            return ExportRows(summary[0], summary[1:], len(summary) - 1, "Filing")
        filing = next((row for row in statewide_filing(petition).counties if row.code == county.code), None)
        total = (filing.documents if filing else 0) + 1  # each section and form, then the total row
        rows = county_filing_rows(petition, county)
        return ExportRows(next(rows), rows, total, f"Filing {county.code}")
    if job.kind == Kind.SECTIONS:
        rows = sections_rows(petition, county=county)
        return ExportRows(next(rows), rows, _sections(petition, county).count(), "Sections")
    rows = signatures_rows(petition, county=county, section=section)
    return ExportRows(next(rows), rows, _signatures(petition, county, section).count(), "Signatures")


def _progress_save(job_id: int, done: int) -> None:
    ExportJob.objects.filter(pk=job_id).update(rows_done=done)


def _with_progress(rows: Iterable[list[object]], job_id: int, total: int) -> Iterator[list[object]]:
    """The rows, saving how many have gone by every `step` of them (the page polls it)."""
    step = max(PROGRESS_EVERY, total // PROGRESS_STEPS)
    for done, row in enumerate(rows, start=1):
        yield row
        if done % step == 0:
            _progress_save(job_id, done)


def write_json_rows(header: list[object], rows: Iterable[Iterable[object]], out: IO[str], *, about: dict) -> int:
    """{about..., "columns": [...], "rows": [{column: value}, ...]}, written a row at a time."""
    columns = [str(name) for name in header]
    prefix = json.dumps({**about, "columns": columns})[:-1]
    out.write(prefix + ', "rows": [\n')
    written = 0
    for row in rows:
        out.write((",\n" if written else "") + json.dumps(dict(zip(columns, row, strict=True)), default=str))
        written += 1
    out.write("\n]}\n")
    return written


def _xlsx_number(value: object) -> object:
    if isinstance(value, int | float):
        return value
    text = "" if value is None else str(value)
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return _xlsx_text(text)


def _xlsx_text(value: object) -> str | None:
    """Text as the CSV has it (formulas escaped), without the control characters XLSX cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = csv_safe(value)
    return ILLEGAL_CHARACTERS_RE.sub("", text) if text else None


def write_xlsx(header: list[object], rows: Iterable[Iterable[object]], out: IO[bytes], *, sheet: str) -> int:
    """One worksheet (more past XLSX_SHEET_ROWS rows, each with the header), written row by row
    (openpyxl's write-only mode: memory stays flat). Numeric columns (NUMERIC_COLUMNS) are numbers,
    the rest text escaped as in the CSV."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    numeric = [str(name) in NUMERIC_COLUMNS for name in header]
    heading = [str(name) for name in header]
    worksheet = workbook.create_sheet(sheet)
    worksheet.append(heading)
    sheets, on_sheet, written = 1, 1, 0
    for row in rows:
        if on_sheet >= XLSX_SHEET_ROWS:
            sheets += 1
            worksheet = workbook.create_sheet(f"{sheet} {sheets}")
            worksheet.append(heading)
            on_sheet = 1
        worksheet.append(
            [
                _xlsx_number(cell) if is_number else _xlsx_text(cell)
                for cell, is_number in zip(row, numeric, strict=True)
            ]
        )
        on_sheet += 1
        written += 1
    workbook.save(out)
    return written


def _write(job: ExportJob, export: ExportRows, partial: Path) -> int:
    rows = _with_progress(export.rows, job.pk, export.total)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    if job.format == Format.XLSX:
        with os.fdopen(descriptor, "wb") as binary:
            return write_xlsx(export.header, rows, binary, sheet=export.sheet)
    with os.fdopen(descriptor, "w", newline="", encoding="utf-8") as text:
        if job.format == Format.CSV:
            return write_csv(chain([export.header], rows), text) - 1
        if export.document is not None:
            text.write(json.dumps(export.document(), indent=2) + "\n")
            return export.total
        about = {"petition": job.petition.slug, "kind": job.kind, "filters": job.filters}
        return write_json_rows(export.header, rows, text, about=about)


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write a queued export's file (task export_run): claimed once (a second run of the same message
    does nothing), progress saved as it goes, written to a .partial file renamed when whole, mode 0600.
    A failure marks the job failed with the reason and leaves no file."""
    now = timezone.now()
    if not ExportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED, expires_at__gt=now).update(
        status=JobStatus.RUNNING, started_at=now
    ):
        return None
    job = ExportJob.objects.select_related("petition").get(pk=job_id)
    name = f"{job.pk}-{secrets.token_hex(8)}.{job.format}"
    root = export_root()
    partial = root / (name + ".partial")
    try:
        export = _export_rows(job)
        ExportJob.objects.filter(pk=job.pk).update(rows_total=export.total)
        written = _write(job, export, partial)
        partial.replace(root / name)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        logger.exception("export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, finished_at=timezone.now(), error=f"The export stopped ({type(exc).__name__})."
        )
        job.refresh_from_db()
        return job
    finished = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE,
        rows_done=written,
        rows_total=written,
        file_name=name,
        file_size=(root / name).stat().st_size,
        finished_at=finished,
        expires_at=finished + timedelta(hours=settings.EXPORT_KEEP_HOURS),
    )
    job.refresh_from_db()
    return job


def export_job_path(job: ExportJob) -> Path | None:
    """The finished export's file, None once it is gone."""
    if not job.file_name:
        return None
    path = Path(settings.EXPORT_ROOT) / job.file_name
    return path if path.is_file() else None


def export_job_expired(job: ExportJob, now: datetime | None = None) -> bool:
    return job.status == JobStatus.EXPIRED or job.expires_at <= (now or timezone.now())


def _expire(job: ExportJob) -> None:
    if job.file_name:
        (Path(settings.EXPORT_ROOT) / job.file_name).unlink(missing_ok=True)
    ExportJob.objects.filter(pk=job.pk).update(status=JobStatus.EXPIRED, file_name="")
    job.status, job.file_name = JobStatus.EXPIRED, ""


def export_job_download(*, job: ExportJob, user: User) -> Path:
    """The file to send `user`, who asked for the export: PermissionDenied if their role no longer
    allows it, ExportRefused (with the message) when it is not there to download. A personal-data
    download is audited before the file is opened."""
    if job.user_id != user.pk:
        raise PermissionDenied
    if export_is_personal(job) and not user.has_perm("petitions.export_personal_data"):
        raise PermissionDenied("Downloading signatures takes the Organizer role: they hold personal data.")
    if export_job_expired(job):
        if job.status != JobStatus.EXPIRED:
            _expire(job)
        raise ExportGone(
            f"This export expired on {timezone.localtime(job.expires_at):%Y-%m-%d at %H:%M} and its file was "
            "deleted. Start it again from the exports page."
        )
    if job.status != JobStatus.DONE:
        raise ExportRefused(
            "This export failed: start it again." if job.status == JobStatus.FAILED else "This export is not ready yet."
        )
    path = export_job_path(job)
    if path is None:
        raise ExportGone("This export's file is gone: start it again.")
    if export_is_personal(job):
        audit_record(
            action="signatures.export.download",
            user=user,
            target=job.petition,
            detail={"job": job.pk, "format": job.format, "filters": job.filters, "rows": job.rows_done},
        )
    return path


def export_download_name(job: ExportJob) -> str:
    parts = [job.petition.slug, job.kind]
    if job.filters.get("county"):
        parts.append(job.filters["county"])
    if job.filters.get("section"):
        parts.append(f"section-{job.filters['section']}")
    stamp = timezone.localtime(job.finished_at or job.created_at).strftime("%Y%m%d-%H%M")
    return f"{slugify('-'.join(parts))}-{stamp}.{job.format}"


def export_jobs_expire(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic clean-up (task export_expire): expired exports lose their file; a running export
    its worker left (past the task's hard time limit) is failed; queued ones the broker lost are sent
    again when the exports queue is empty; files no finished export owns (a killed worker's .partial)
    go once older than LEFTOVER_SECONDS."""
    now = now or timezone.now()
    expired = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).exclude(status=JobStatus.EXPIRED).order_by("pk"):
        _expire(job)
        expired += 1
    stuck = ExportJob.objects.filter(
        status=JobStatus.RUNNING, started_at__lt=now - timedelta(seconds=LEFTOVER_SECONDS)
    ).update(status=JobStatus.FAILED, finished_at=now, error="The export stopped (its worker ended).")
    requeued = 0
    if queue_length("exports") == 0:
        waiting = ExportJob.objects.filter(
            status=JobStatus.QUEUED, created_at__lt=now - timedelta(seconds=settings.EXPORT_EXPIRE_INTERVAL)
        )
        for job_id in waiting.values_list("pk", flat=True):
            with transaction.atomic():
                export_queue(job_id)
            requeued += 1
    owned = set(
        ExportJob.objects.filter(status=JobStatus.DONE).exclude(file_name="").values_list("file_name", flat=True)
    )
    leftovers = 0
    root = Path(settings.EXPORT_ROOT)
    if root.is_dir():
        for path in root.iterdir():
            if path.is_file() and path.name not in owned and now.timestamp() - path.stat().st_mtime > LEFTOVER_SECONDS:
                path.unlink(missing_ok=True)
                leftovers += 1
    return {"expired": expired, "failed": stuck, "requeued": requeued, "leftovers": leftovers}
