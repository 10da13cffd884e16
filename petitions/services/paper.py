"""Keyed paper signatures: one write path for the lines of petition sections,
used by the CSV import (`section,line,county,name,address,city,zip,date_signed`)
and by volunteers' data entry on the dashboard."""

from __future__ import annotations

import csv
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.db import connection, transaction

from petitions.models import County, Petition, PetitionSection, Signature
from petitions.queue import validation_queue
from petitions.services.audit import audit_record
from petitions.services.tallies import bucket_of, tally_changes_record, tally_move

REQUIRED_COLUMNS = ["section", "line", "county", "name", "address", "city", "zip", "date_signed"]
IMPORT_CHUNK = 500  # keyed rows created (and queued for validation) together: one validation batch
# The longest each column may be (the Signature and PetitionSection fields it goes to).
MAX_LENGTHS = {"section": 40, "name": 250, "address": 200, "city": 100, "zip": 10}
MAX_LINE = 2_147_483_647
ANALYZE_AFTER_ROWS = 10_000  # an import this large refreshes the signature table's statistics itself


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
    result = PaperLinesCreated()
    if not lines:
        return result
    section_ids = sorted({keyed.section.pk for keyed in lines})
    petitions = {keyed.section.petition_id: keyed.section.petition for keyed in lines}
    with transaction.atomic():
        list(
            PetitionSection.objects.select_for_update(no_key=True)
            .filter(pk__in=section_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        taken = set(
            Signature.objects.filter(section_id__in=section_ids, line__in={k.line for k in lines}).values_list(
                "section_id", "line"
            )
        )
        new: list[Signature] = []
        for keyed in lines:
            key = (keyed.section.pk, keyed.line)
            if key in taken:
                result.already_present.append(key)
                continue
            taken.add(key)
            new.append(
                Signature(
                    petition=petitions[keyed.section.petition_id],
                    channel=Signature.Channel.PAPER,
                    section=keyed.section,
                    line=keyed.line,
                    county_id=keyed.section.county_id,
                    name_as_written=_nfc(keyed.name),
                    address=_nfc(keyed.address),
                    city=_nfc(keyed.city),
                    zip=_nfc(keyed.zip),
                    date_signed=keyed.date_signed,
                    status=Signature.Status.PENDING,
                )
            )
        result.created = Signature.objects.bulk_create(new)
        deltas: Counter = Counter()
        for signature in result.created:
            tally_move(deltas, before=None, after=bucket_of(signature, signature.petition))
        tally_changes_record(deltas)
        validation_queue([signature.pk for signature in result.created])
    return result


def _nfc(text: str) -> str:
    """Unicode's composed form: 'Jose' + a combining accent is stored, and matched, as 'José'."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _rows(reader) -> Iterator[tuple[int, list[str] | None, str]]:
    """(line number, cells or None, why not) for each row the csv module can read or not:
    a field over its size limit, or a quote it cannot close, is one bad row, not the end of the import."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, None, f"cannot be read as CSV ({exc})"
            continue
        yield reader.line_num, row, ""


def _row_problem(cell: dict[str, str]) -> str:
    """Why a row's text cannot be stored, or ''."""
    for name, value in cell.items():
        if any("\udc80" <= ch <= "\udcff" for ch in value):
            return f"{name} is not UTF-8 text"
        if "\x00" in value:
            return f"{name} contains a NUL character"
        if len(value) > MAX_LENGTHS.get(name, len(value)):
            return f"{name} is longer than {MAX_LENGTHS[name]} characters"
    return ""


def _parse_date(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - only the date is kept
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
        # Bytes that are not UTF-8 come through as lone surrogates: their row is reported, the rest imported.
        handle = open(path, newline="", encoding="utf-8-sig", errors="surrogateescape")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise PaperFileRefused(f"cannot read {path}: {exc.strerror}") from exc
    with handle, transaction.atomic():
        reader = csv.reader(handle)
        try:
            header = [h.strip().lower() for h in next(reader, [])]
        except csv.Error as exc:
            raise PaperFileRefused(f"{path}'s header cannot be read as CSV ({exc})") from exc
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise PaperFileRefused(
                f"{path} lacks the column(s) {', '.join(missing)}; the header must be {','.join(REQUIRED_COLUMNS)}"
            )
        index = {name: header.index(name) for name in REQUIRED_COLUMNS}
        sections = {s.number: s for s in petition.sections.all()}
        for line_no, row, unreadable in _rows(reader):
            if row is None:
                summary.rows += 1
                summary.bad_rows.append((line_no, unreadable))
                continue
            if not any(cell.strip() for cell in row):
                continue
            summary.rows += 1
            if len(row) != len(header):
                summary.bad_rows.append((line_no, f"has {len(row)} fields, the header has {len(header)}"))
                continue
            cell = {name: _nfc(row[i].strip()) for name, i in index.items()}
            if problem := _row_problem(cell):
                summary.bad_rows.append((line_no, problem))
                continue
            code = cell["county"]
            county = counties.get(code.zfill(2) if code.isascii() and code.isdigit() else code)
            if county is None:
                summary.bad_rows.append((line_no, f"county {cell['county']!r} is not a county code 01-58"))
                continue
            if not cell["section"]:
                summary.bad_rows.append((line_no, "section is empty"))
                continue
            if not (cell["line"].isascii() and cell["line"].isdigit()) or not 1 <= int(cell["line"]) <= MAX_LINE:
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
            chunk.append(
                KeyedLineInput(
                    section=section,
                    line=int(cell["line"]),
                    name=cell["name"],
                    address=cell["address"],
                    city=cell["city"],
                    zip=cell["zip"],
                    date_signed=signed,
                )
            )
            if len(chunk) >= IMPORT_CHUNK:
                flush()
        flush()
        audit_record(
            action="signatures.import_paper",
            actor=actor,
            target=petition,
            detail={
                "file": str(path),
                "rows": summary.rows,
                "created": summary.created,
                "already_present": summary.already_present,
                "bad_rows": len(summary.bad_rows),
            },
        )
    if summary.created >= ANALYZE_AFTER_ROWS and connection.vendor == "postgresql":
        # The validation just queued plans its queries by these statistics. Until autovacuum next
        # analyses the table (a minute away, or never where it is off) a table that was nearly empty
        # keeps its old numbers: measured, batches grew from 460 to 660 ms over 100,000 signatures.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE petitions_signature")
    return summary
