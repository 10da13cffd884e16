"""Keyed paper signatures: one write path for the lines of petition sections,
used by the CSV import (`section,line,county,name,address,city,zip,date_signed`)
and by volunteers' data entry on the dashboard."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.db import transaction

from petitions.models import County, Petition, PetitionSection, Signature
from petitions.services.audit import audit_record
from petitions.services.tallies import bucket_of, tally_changes_record, tally_move

REQUIRED_COLUMNS = ["section", "line", "county", "name", "address", "city", "zip", "date_signed"]
IMPORT_CHUNK = 500  # keyed rows created (and queued for validation) together: one validation batch


class PaperFileRefused(Exception):
    """The file cannot be read as keyed signatures; nothing was imported."""


@dataclass(frozen=True)
class KeyedLineInput:
    """One line of a petition section as keyed from the paper. The line's
    county is its section's: a section circulates in one county only (EC 9021)."""

    section: PetitionSection
    line: int
    name: str = ""
    address: str = ""
    city: str = ""
    zip: str = ""
    date_signed: date | None = None


@dataclass
class PaperLinesCreated:
    created: list[Signature] = field(default_factory=list)
    already_present: list[tuple[int, int]] = field(default_factory=list)  # (section id, line) not added again


@dataclass
class PaperImportSummary:
    rows: int = 0
    created: int = 0
    already_present: int = 0
    sections_created: int = 0
    bad_rows: list[tuple[int, str]] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)


def paper_lines_create(*, lines: list[KeyedLineInput]) -> PaperLinesCreated:
    """Make each keyed line a pending paper signature with its tally change,
    and queue their validation after commit.

    A (section, line) that already has a signature, or comes twice in `lines`,
    is not added again. The sections are locked first, so two volunteers
    saving the same section one after the other see each other's lines."""
    from petitions import tasks

    result = PaperLinesCreated()
    if not lines:
        return result
    section_ids = sorted({keyed.section.pk for keyed in lines})
    petitions = {keyed.section.petition_id: keyed.section.petition for keyed in lines}
    with transaction.atomic():
        list(PetitionSection.objects.select_for_update(no_key=True).filter(pk__in=section_ids).order_by("pk")
             .values_list("pk", flat=True))
        taken = set(Signature.objects.filter(section_id__in=section_ids, line__in={k.line for k in lines})
                    .values_list("section_id", "line"))
        new: list[Signature] = []
        for keyed in lines:
            key = (keyed.section.pk, keyed.line)
            if key in taken:
                result.already_present.append(key)
                continue
            taken.add(key)
            new.append(Signature(
                petition=petitions[keyed.section.petition_id], channel=Signature.Channel.PAPER, section=keyed.section,
                line=keyed.line, county_id=keyed.section.county_id, name_as_written=keyed.name,
                address=keyed.address, city=keyed.city, zip=keyed.zip, date_signed=keyed.date_signed,
                status=Signature.Status.PENDING,
            ))
        result.created = Signature.objects.bulk_create(new)
        deltas: Counter = Counter()
        for signature in result.created:
            tally_move(deltas, before=None, after=bucket_of(signature, signature.petition))
        tally_changes_record(deltas)
        tasks.queue_validation([signature.pk for signature in result.created])
    return result


def _parse_date(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"date_signed {value!r} is not a date (YYYY-MM-DD or MM/DD/YYYY)")


def signatures_import_paper(*, path: Path, petition: Petition, actor: str = "import_signatures") -> PaperImportSummary:
    """Import keyed paper signatures in one transaction and queue their validation.

    A row that cannot be read is reported with its line number and skipped; a
    (section, line) already imported is not added again. Rows go to
    `paper_lines_create` in chunks, so memory stays flat whatever the file size."""
    counties = {c.code: c for c in County.objects.all()}
    summary = PaperImportSummary()
    chunk: list[KeyedLineInput] = []

    def flush() -> None:
        created = paper_lines_create(lines=chunk)
        summary.created += len(created.created)
        summary.created_ids.extend(signature.pk for signature in created.created)
        summary.already_present += len(created.already_present)
        chunk.clear()

    try:
        handle = io.open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise PaperFileRefused(f"cannot read {path}: {exc.strerror}") from exc
    with handle, transaction.atomic():
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise PaperFileRefused(f"{path} lacks the column(s) {', '.join(missing)}; the header must be {','.join(REQUIRED_COLUMNS)}")
        index = {name: header.index(name) for name in REQUIRED_COLUMNS}
        sections = {s.number: s for s in petition.sections.all()}
        for row in reader:
            line_no = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            summary.rows += 1
            if len(row) != len(header):
                summary.bad_rows.append((line_no, f"has {len(row)} fields, the header has {len(header)}"))
                continue
            cell = {name: row[i].strip() for name, i in index.items()}
            county = counties.get(cell["county"].zfill(2) if cell["county"].isdigit() else cell["county"])
            if county is None:
                summary.bad_rows.append((line_no, f"county {cell['county']!r} is not a county code 01-58"))
                continue
            if not cell["section"]:
                summary.bad_rows.append((line_no, "section is empty"))
                continue
            if not cell["line"].isdigit() or int(cell["line"]) < 1:
                summary.bad_rows.append((line_no, f"line {cell['line']!r} is not a positive whole number"))
                continue
            try:
                signed = _parse_date(cell["date_signed"])
            except ValueError as exc:
                summary.bad_rows.append((line_no, str(exc)))
                continue
            section = sections.get(cell["section"])
            if section is None:
                section = PetitionSection.objects.create(petition=petition, number=cell["section"], county=county)
                sections[section.number] = section
                summary.sections_created += 1
            elif section.county_id != county.code:
                summary.bad_rows.append(
                    (line_no, f"section {section.number} circulates in county {section.county_id}, not {county.code}")
                )
                continue
            chunk.append(KeyedLineInput(
                section=section, line=int(cell["line"]), name=cell["name"], address=cell["address"],
                city=cell["city"], zip=cell["zip"], date_signed=signed,
            ))
            if len(chunk) >= IMPORT_CHUNK:
                flush()
        flush()
        audit_record(action="signatures.import_paper", actor=actor, target=petition, detail={
            "file": str(path), "rows": summary.rows, "created": summary.created,
            "already_present": summary.already_present, "bad_rows": len(summary.bad_rows),
        })
    return summary
