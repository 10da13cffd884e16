"""Exports: streamed rows, spreadsheet formulas escaped."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import IO

from petitions.models import Petition, Signature
from petitions.selectors import (
    COUNT_FIELDS,
    counts_with_projection,
    petition_counts,
    petition_counts_json,
    projection_summary,
)

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


def signatures_rows(petition: Petition) -> Iterator[list[object]]:
    """Every signature of the petition, streamed from the database in chunks."""
    yield SIGNATURES_HEADER
    queryset = (
        Signature.objects.filter(petition=petition)
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
