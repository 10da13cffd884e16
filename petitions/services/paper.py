"""Keyed paper signatures: CSV `section,line,county,name,address,city,zip,date_signed`."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.db import transaction

from petitions.models import County, Petition, PetitionSection, Signature
from petitions.services.audit import audit_record
from petitions.services.tallies import bucket_of, tally_change_record

REQUIRED_COLUMNS = ["section", "line", "county", "name", "address", "city", "zip", "date_signed"]


class PaperFileRefused(Exception):
    """The file cannot be read as keyed signatures; nothing was imported."""


@dataclass
class PaperImportSummary:
    rows: int = 0
    created: int = 0
    already_present: int = 0
    sections_created: int = 0
    bad_rows: list[tuple[int, str]] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)


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
    (section, line) already imported is not added again."""
    from petitions import tasks

    counties = {c.code: c for c in County.objects.all()}
    summary = PaperImportSummary()
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
        sections = {s.number: s for s in PetitionSection.objects.filter(petition=petition)}
        seen: set[tuple[str, int]] = set()
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
            key = (section.number, int(cell["line"]))
            if key in seen or Signature.objects.filter(petition=petition, section=section, line=key[1]).exists():
                summary.already_present += 1
                continue
            seen.add(key)
            signature = Signature.objects.create(
                petition=petition, channel=Signature.Channel.PAPER, section=section, line=key[1], county=county,
                name_as_written=cell["name"], address=cell["address"], city=cell["city"], zip=cell["zip"],
                date_signed=signed, status=Signature.Status.PENDING,
            )
            tally_change_record(before=None, after=bucket_of(signature, petition))
            summary.created += 1
            summary.created_ids.append(signature.pk)
        audit_record(action="signatures.import_paper", actor=actor, target=petition, detail={
            "file": str(path), "rows": summary.rows, "created": summary.created,
            "already_present": summary.already_present, "bad_rows": len(summary.bad_rows),
        })
        tasks.queue_validation(summary.created_ids)
    return summary
