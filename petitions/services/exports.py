"""Exports: streamed rows, spreadsheet formulas escaped."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import IO

from petitions.models import Petition, Signature
from petitions.selectors import COUNT_FIELDS, petition_counts, petition_counts_json

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COUNTS_HEADER = ["county_code", "county", *COUNT_FIELDS]
SIGNATURES_HEADER = [
    "id", "channel", "section", "line", "email", "county", "status", "reason", "registrant_id", "duplicate_of",
    "first_name", "middle_name", "last_name", "suffix", "name_as_written", "address", "unit", "city", "zip",
    "dob", "date_signed", "created_at", "confirmed_at", "validated_at",
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


def counts_rows(petition: Petition) -> Iterator[list[object]]:
    counts = petition_counts(petition)
    yield COUNTS_HEADER
    for row in [*counts.by_county, counts.statewide]:
        yield [row.code, row.name, *(getattr(row, f) for f in COUNT_FIELDS)]


def counts_json(petition: Petition) -> dict:
    return petition_counts_json(petition)


def signatures_rows(petition: Petition) -> Iterator[list[object]]:
    """Every signature of the petition, streamed from the database in chunks."""
    yield SIGNATURES_HEADER
    queryset = (
        Signature.objects.filter(petition=petition)
        .order_by("id")
        .values_list(
            "id", "channel", "section__number", "line", "email", "county_id", "status", "reason",
            "voter__registrant_id", "duplicate_of_id", "first_name", "middle_name", "last_name", "suffix",
            "name_as_written", "address", "unit", "city", "zip", "dob", "date_signed", "created_at",
            "confirmed_at", "validated_at",
        )
    )
    for row in queryset.iterator(chunk_size=5000):
        yield [
            "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else value) for value in row
        ]
