"""Reads for the pages, the API and the exports. Public numbers come from the
tallies only, never from counting rows. The review queue's reads are here too:
its next signatures and the voters each one could be."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone

from petitions.models import CountingRun, County, CountyProjection, Petition, Signature, Tally, Voter
from petitions.projection import qualification_outcome
from petitions.services.projections import NOT_PROJECTED

COUNT_FIELDS = ("raw", "valid", "invalid", "duplicate", "review", "pending", "pledged")


@dataclass
class CountyCounts:
    code: str
    name: str
    raw: int = 0
    valid: int = 0
    invalid: int = 0
    duplicate: int = 0
    review: int = 0
    pending: int = 0
    pledged: int = 0

    def as_dict(self) -> dict[str, int | str]:
        return {"code": self.code, "name": self.name, **{f: self.count(f) for f in COUNT_FIELDS}}

    def count(self, name: str) -> int:
        """One of COUNT_FIELDS by name."""
        value: int = getattr(self, name)
        return value


@dataclass
class PetitionCounts:
    petition: Petition
    statewide: CountyCounts
    by_county: list[CountyCounts] = field(default_factory=list)
    updated_at: datetime | None = None
    # Online signatures not (yet) filed, by status: the campaign's own pipeline.
    online: dict[str, int] = field(default_factory=dict)

    @property
    def progress_percent(self) -> float:
        required = self.petition.required_signatures
        return min(100.0, 100.0 * self.statewide.valid / required) if required else 0.0

    @property
    def notice_reached(self) -> bool:
        """Proponents hold 25 % of the requirement (EC 9034): they must certify it."""
        return self.statewide.raw >= self.petition.notice_threshold


def petition_featured() -> Petition | None:
    return Petition.objects.filter(featured=True).order_by("pk").first() or Petition.objects.order_by("pk").first()


def petition_counts(petition: Petition) -> PetitionCounts:
    """Per county and statewide, in the shape of the public API.

    raw: signatures that would be filed (paper, returned wet-ink forms, online
    where it counts directly); valid..pending break raw down; pledged: valid
    online signatures still waiting for their wet-ink form."""
    rows = {c.code: CountyCounts(code=c.code, name=c.name) for c in County.objects.all()}
    statewide = CountyCounts(code="00", name="Statewide")
    online: dict[str, int] = {"pending": 0, "valid": 0, "review": 0, "invalid": 0, "duplicate": 0}
    for county_id, filed, status, count in Tally.objects.filter(petition=petition).values_list(
        "county_id", "filed", "status", "count"
    ):
        targets = (rows[county_id], statewide)
        for target in targets:
            if filed:
                target.raw += count
                setattr(target, status, getattr(target, status) + count)
            elif status == "valid":
                target.pledged += count
        if not filed:
            online[status] = online.get(status, 0) + count
    updated_at = CountingRun.objects.aggregate(last=Max("finished_at"))["last"]
    return PetitionCounts(
        petition=petition, statewide=statewide, by_county=list(rows.values()), updated_at=updated_at, online=online
    )


def petition_counts_json(petition: Petition) -> dict:
    counts = petition_counts(petition)
    return {
        "slug": petition.slug,
        "title": petition.title,
        "required": petition.required_signatures,
        "deadline": petition.deadline.isoformat() if petition.deadline else None,
        "counts": {f: getattr(counts.statewide, f) for f in COUNT_FIELDS},
        "by_county": [row.as_dict() for row in counts.by_county],
        "updated_at": counts.updated_at.isoformat() if counts.updated_at else None,
    }


def _county_rows_suppressed(rows: list[CountyCounts], *, below: int) -> list[dict[str, int | str | None]]:
    """Each county's numbers with every count under `below` as None. Where a
    number is hidden in one county only, the next smallest is hidden too: the
    statewide total minus the shown ones would give it back."""
    out: list[dict[str, int | str | None]] = [{**row.as_dict()} for row in rows]
    for name in COUNT_FIELDS:
        # Compared on the CountyCounts (always a number), set to None in its output row.
        counted = [(row.count(name), out_row) for row, out_row in zip(rows, out)]
        hidden = [out_row for count, out_row in counted if count < below]
        shown = sorted(((count, out_row) for count, out_row in counted if count >= below), key=lambda pair: pair[0])
        if len(hidden) == 1 and shown:
            hidden.append(shown[0][1])
        for out_row in hidden:
            out_row[name] = None
    return out


def petition_public_county_counts(petition: Petition) -> dict:
    """The public per-county numbers: a snapshot taken at most once per
    COUNTY_COUNTS_REFRESH seconds (kept in the cache), counts under
    COUNTY_COUNTS_SUPPRESS_BELOW hidden. Live numbers in a quiet county would
    tell a watcher when someone there signed; the statewide numbers stay live."""
    window = int(timezone.now().timestamp()) // settings.COUNTY_COUNTS_REFRESH
    key = f"public-county-counts:{petition.pk}:{window}"
    snapshot = cache.get(key)
    if snapshot is None:
        below = settings.COUNTY_COUNTS_SUPPRESS_BELOW
        snapshot = {
            "by_county": _county_rows_suppressed(petition_counts(petition).by_county, below=below),
            "by_county_as_of": timezone.now().isoformat(),
            "suppressed_below": below,
        }
        cache.add(key, snapshot, timeout=settings.COUNTY_COUNTS_REFRESH + 60)
        snapshot = cache.get(key) or snapshot  # another process took it first: everyone shows the same one
    return snapshot


def petition_public_json(petition: Petition) -> dict:
    """The public API's document (docs/interfaces.md): statewide counts live,
    per-county ones from the hourly, suppressed snapshot."""
    return {**petition_counts_json(petition), **petition_public_county_counts(petition)}


# --- The expected random-sample projection -------------------------------------

#: ``ProjectionSummary.outcome`` when the statewide raw count is below the
#: requirement: the petition fails before any sampling (EC 9030(b)).
RAW_SHORT = "raw_short"


@dataclass
class CountyEstimate:
    """One county's stored projection; ``sample``, the rates and
    ``projected_valid`` are None while nothing is decided in the county."""

    code: str
    raw: int
    sample: int | None
    validity_rate: float | None
    duplicate_rate: float | None
    projected_valid: int | None

    @property
    def projected(self) -> bool:
        return self.projected_valid is not None

    @property
    def validity_percent(self) -> float | None:
        return None if self.validity_rate is None else 100 * self.validity_rate

    @property
    def duplicate_percent(self) -> float | None:
        return None if self.duplicate_rate is None else 100 * self.duplicate_rate

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "raw": self.raw,
            "sample": self.sample,
            "validity_rate": None if self.validity_rate is None else round(self.validity_rate, 4),
            "duplicate_rate": None if self.duplicate_rate is None else round(self.duplicate_rate, 4),
            "projected_valid": self.projected_valid,
        }


@dataclass
class ProjectionSummary:
    """The statewide picture from the stored county projections.

    ``line_95`` is the smallest projected total that reaches 95 % of the
    requirement (a full count); ``line_110`` the smallest that is *more than*
    110 % (qualifies without one). ``outcome`` is ``qualifies``,
    ``full_count``, ``fails`` (petitions.projection), ``raw_short`` when the
    raw count is below the requirement, or None before the first projection.
    The statewide rates are the projected counties' rates weighted by their
    raw counts: the share of those raw signatures expected to be valid (or
    duplicates)."""

    required: int
    line_95: int
    line_110: int
    computed_at: datetime | None = None
    raw: int = 0
    sample: int = 0
    projected_valid: int = 0
    validity_rate: float | None = None
    duplicate_rate: float | None = None
    unprojected_counties: int = 0
    unprojected_raw: int = 0
    outcome: str | None = None
    raw_missing: int = 0
    by_county: dict[str, CountyEstimate] = field(default_factory=dict)

    @property
    def percent_of_required(self) -> Decimal | None:
        """Projected valid as a percentage of the requirement, rounded down to
        two places (so 109.99998 % never shows as 110.00)."""
        if not self.required:
            return None
        return Decimal(self.projected_valid * 10_000 // self.required) / 100

    def as_dict(self) -> dict[str, object]:
        percent = self.percent_of_required
        return {
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
            "raw": self.raw,
            "sample": self.sample,
            "projected_valid": self.projected_valid,
            "validity_rate": None if self.validity_rate is None else round(self.validity_rate, 4),
            "duplicate_rate": None if self.duplicate_rate is None else round(self.duplicate_rate, 4),
            "percent_of_required": None if percent is None else float(percent),
            "line_95": self.line_95,
            "line_110": self.line_110,
            "outcome": self.outcome,
            "raw_missing": self.raw_missing,
            "unprojected_counties": self.unprojected_counties,
            "unprojected_raw": self.unprojected_raw,
            "by_county": [estimate.as_dict() for estimate in self.by_county.values()],
        }


def projection_summary(petition: Petition) -> ProjectionSummary:
    """Reads the stored CountyProjection rows (one query, no recomputation):
    statewide totals, the 95 % and 110 % lines, the outcome and when the rows
    were computed. Counties with nothing decided count 0 and are reported in
    ``unprojected_counties`` / ``unprojected_raw``."""
    required = petition.required_signatures
    summary = ProjectionSummary(
        required=required,
        line_95=-(-required * 95 // 100),
        line_110=required * 110 // 100 + 1,
    )
    weighted_valid = weighted_duplicate = 0.0
    for row in CountyProjection.objects.filter(petition=petition).order_by("county_id"):
        summary.computed_at = max(summary.computed_at or row.computed_at, row.computed_at)
        summary.raw += row.raw
        if row.sample == NOT_PROJECTED:
            summary.unprojected_counties += 1
            summary.unprojected_raw += row.raw
            summary.by_county[row.county_id] = CountyEstimate(row.county_id, row.raw, None, None, None, None)
            continue
        summary.sample += row.sample
        summary.projected_valid += row.projected_valid
        weighted_valid += row.raw * row.validity_rate
        weighted_duplicate += row.raw * row.duplicate_rate
        summary.by_county[row.county_id] = CountyEstimate(
            row.county_id, row.raw, row.sample, row.validity_rate, row.duplicate_rate, row.projected_valid
        )
    projected_raw = summary.raw - summary.unprojected_raw
    if projected_raw:
        summary.validity_rate = weighted_valid / projected_raw
        summary.duplicate_rate = weighted_duplicate / projected_raw
    if summary.computed_at is not None and required > 0:
        if summary.raw < required:
            summary.outcome = RAW_SHORT
            summary.raw_missing = required - summary.raw
        else:
            summary.outcome = qualification_outcome(summary.projected_valid, required)
    return summary


def counts_with_projection(
    counts: PetitionCounts, summary: ProjectionSummary
) -> list[tuple[CountyCounts, CountyEstimate | None]]:
    """Each county's counts next to its stored projection (None: no row)."""
    return [(row, summary.by_county.get(row.code)) for row in counts.by_county]


# --- The review queue ------------------------------------------------------------

#: How many of the oldest signatures in review a reviewer's next one is chosen
#: from (the first no other reviewer has open: services.review's leases).
REVIEW_LOOKAHEAD = 50


def review_queue_next_ids(petition: Petition, *, skipped: Sequence[int]) -> list[int]:
    """The oldest signatures in review, oldest first (REVIEW_LOOKAHEAD of
    them), without those this reviewer skipped."""
    return list(
        Signature.objects.filter(petition=petition, status=Signature.Status.REVIEW)
        .exclude(pk__in=skipped)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:REVIEW_LOOKAHEAD]
    )


def review_queue_signature(pk: int) -> Signature:
    """A signature as the review page shows it, with its county, section and petition."""
    return Signature.objects.select_related("county", "section", "petition").get(pk=pk)


def review_queue_left(petition: Petition) -> int:
    """How many of the petition's signatures are in review."""
    return Signature.objects.filter(petition=petition, status=Signature.Status.REVIEW).count()


def review_queue_skipped_left(petition: Petition, *, skipped: Sequence[int]) -> int:
    """How many of the signatures this reviewer skipped are still in review."""
    return Signature.objects.filter(petition=petition, status=Signature.Status.REVIEW, pk__in=skipped).count()


@dataclass
class CandidateVoter:
    """One of the voters a signature in review could be, as the matcher found it."""

    voter_id: int
    voter: Voter | None  # None: no longer in the voter table
    score: float | None
    counted_signature_id: int | None = None  # this voter's signature that counts for the petition already


def _candidate_entries(signature: Signature) -> list[dict]:
    return [c for c in (signature.match_candidates or []) if isinstance(c, dict) and c.get("voter") is not None]


def review_candidate_ids(signature: Signature) -> list[int]:
    """The voters the matcher offered for the signature, best first."""
    return [int(entry["voter"]) for entry in _candidate_entries(signature)]


def review_candidate_voters(signature: Signature) -> list[CandidateVoter]:
    """The signature's candidate voters, best first, each with its county and
    the signature of theirs already valid for the petition (if any)."""
    entries = _candidate_entries(signature)
    voters = Voter.objects.select_related("county").in_bulk([int(c["voter"]) for c in entries])
    counted = dict(
        Signature.objects.filter(
            petition_id=signature.petition_id, voter_id__in=list(voters), status=Signature.Status.VALID
        )
        .exclude(pk=signature.pk)
        .values_list("voter_id", "pk")
    )
    return [
        CandidateVoter(
            voter_id=int(entry["voter"]),
            voter=voters.get(int(entry["voter"])),
            score=entry.get("score"),
            counted_signature_id=counted.get(int(entry["voter"])),
        )
        for entry in entries
    ]
