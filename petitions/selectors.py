"""Reads for the pages, the API and the exports. Public numbers come from the
tallies only, never from counting rows. The review queue's reads are here too:
its next signatures and the voters each one could be."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Max, Sum
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import get_language, get_supported_language_variant

from petitions.models import (
    CountingRun,
    County,
    CountyProjection,
    DailySnapshot,
    Petition,
    PetitionText,
    QualificationOdds,
    Signature,
    Tally,
    Voter,
)
from petitions.pace import DayCounts, Pace, chart_data, milestones_for, pace_compute, series_fill
from petitions.projection import qualification_outcome
from petitions.services.projections import NOT_PROJECTED

logger = logging.getLogger(__name__)

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
    """Per county and statewide, in the shape of the public API, read from the
    tallies now (the dashboard and the exports; public pages read
    petition_counts_cached).

    raw: signatures that would be filed (paper, returned wet-ink forms, online
    where it counts directly); valid..pending break raw down; pledged: valid
    online signatures still waiting for their wet-ink form."""
    rows = {code: CountyCounts(code=code, name=name) for code, name in _counties()}
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
    updated_at = CountingRun.objects.aggregate(last=Max("finished_at"))["last"]  # index countingrun_finished
    return PetitionCounts(
        petition=petition, statewide=statewide, by_county=list(rows.values()), updated_at=updated_at, online=online
    )


def _counties() -> list[tuple[str, str]]:
    return list(County.objects.order_by("code").values_list("code", "name"))


# --- The public counts, one cache entry per petition --------------------------
#
# The public pages and the API read a petition's counts from the cache, not the
# tallies: the counting run stores them after each run commits
# (services.tallies), and a reader that finds no entry (Redis flushed, a new
# petition) computes and stores it. With the cache unreachable the counts come
# from the tallies: slower, never an error.

#: The entry's key is COUNTS_CACHE_PREFIX:<petition id>. The tests give each
#: test a prefix of its own (tests/conftest.py): the cache outlives a test's
#: rolled-back transaction.
COUNTS_CACHE_PREFIX = "petition-counts"
#: Seconds an entry lives without a counting run: a safety net only (the
#: counting run rewrites it), after which the next reader computes it again.
COUNTS_CACHE_TIMEOUT = 3600


def counts_cache_key(petition_id: int) -> str:
    return f"{COUNTS_CACHE_PREFIX}:{petition_id}"


def _counts_as_data(counts: PetitionCounts) -> dict:
    """What the cache holds: plain values (the statewide and county numbers, the online pipeline, updated_at)."""
    return {
        "statewide": [counts.statewide.count(f) for f in COUNT_FIELDS],
        "by_county": [[row.code, row.name, *(row.count(f) for f in COUNT_FIELDS)] for row in counts.by_county],
        "online": counts.online,
        "updated_at": counts.updated_at,
    }


def _counts_from_data(petition: Petition, data: dict) -> PetitionCounts:
    return PetitionCounts(
        petition=petition,
        statewide=CountyCounts("00", "Statewide", *data["statewide"]),
        by_county=[CountyCounts(*row) for row in data["by_county"]],
        updated_at=data["updated_at"],
        online=dict(data["online"]),
    )


def petition_counts_store(petition: Petition) -> PetitionCounts:
    """Read the petition's counts from the tallies and store them as its cache
    entry (the counting run calls it after each run commits). A cache that
    cannot be reached is logged and skipped: readers then use the tallies."""
    counts = petition_counts(petition)
    try:
        cache.set(counts_cache_key(petition.pk), _counts_as_data(counts), timeout=COUNTS_CACHE_TIMEOUT)
    except Exception:  # any cache failure: the readers fall back to the tallies
        logger.warning("counts cache: could not store petition %s's counts", petition.pk, exc_info=True)
    return counts


def petition_counts_cached(petition: Petition) -> PetitionCounts:
    """The counts the public pages and the API show: the petition's cache
    entry, computed and stored when it is missing; read from the tallies when
    the cache cannot be reached."""
    try:
        data = cache.get(counts_cache_key(petition.pk))
    except Exception:  # noqa: BLE001 - Redis down: the database still answers
        logger.warning("counts cache unreachable: petition %s's counts read from the tallies", petition.pk)
        return petition_counts(petition)
    if data is None:
        return petition_counts_store(petition)
    return _counts_from_data(petition, data)


def _counts_json(petition: Petition, counts: PetitionCounts) -> dict:
    return {
        "slug": petition.slug,
        "title": petition.title,
        "required": petition.required_signatures,
        "deadline": petition.deadline.isoformat() if petition.deadline else None,
        "counts": {f: getattr(counts.statewide, f) for f in COUNT_FIELDS},
        "by_county": [row.as_dict() for row in counts.by_county],
        "updated_at": counts.updated_at.isoformat() if counts.updated_at else None,
    }


def petition_counts_json(petition: Petition) -> dict:
    """The counts document, live from the tallies (export_counts)."""
    return _counts_json(petition, petition_counts(petition))


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


def petition_public_county_counts(petition: Petition, counts: PetitionCounts | None = None) -> dict:
    """The public per-county numbers: a snapshot taken at most once per
    COUNTY_COUNTS_REFRESH seconds (kept in the cache), counts under
    COUNTY_COUNTS_SUPPRESS_BELOW hidden. Live numbers in a quiet county would
    tell a watcher when someone there signed; the statewide numbers stay live.
    `counts`: the petition's counts when the caller has them already. With the
    cache unreachable the snapshot is taken now, and not kept."""
    window = int(timezone.now().timestamp()) // settings.COUNTY_COUNTS_REFRESH
    key = f"public-county-counts:{petition.pk}:{window}"
    try:
        snapshot = cache.get(key)
    except Exception:  # noqa: BLE001 - Redis down: a snapshot of now, from the database
        return _county_snapshot(petition, counts)
    if snapshot is None:
        snapshot = _county_snapshot(petition, counts)
        try:
            cache.add(key, snapshot, timeout=settings.COUNTY_COUNTS_REFRESH + 60)
            snapshot = cache.get(key) or snapshot  # another process took it first: everyone shows the same one
        except Exception:  # noqa: BLE001 - as above
            logger.warning("counts cache unreachable: petition %s's county snapshot not kept", petition.pk)
    return snapshot


def _county_snapshot(petition: Petition, counts: PetitionCounts | None) -> dict:
    below = settings.COUNTY_COUNTS_SUPPRESS_BELOW
    return {
        "by_county": _county_rows_suppressed((counts or petition_counts_cached(petition)).by_county, below=below),
        "by_county_as_of": timezone.now().isoformat(),
        "suppressed_below": below,
    }


def petition_public_json(petition: Petition) -> dict:
    """The public API's document (docs/interfaces.md): statewide counts as of
    the last counting run (the petition's cache entry), per-county ones from
    the hourly, suppressed snapshot."""
    counts = petition_counts_cached(petition)
    return {**_counts_json(petition, counts), **petition_public_county_counts(petition, counts)}


# --- What a web process keeps for the public GET pages -------------------------
#
# The sign form, the petition page and the API are read thousands of times a
# second at a peak and change at most once per counting run. A web process
# keeps the petition, its counts and the API's document for PUBLIC_MEMO_SECONDS
# (well inside the COUNT_INTERVAL the responses may be cached for anyway), so
# that such a GET touches neither the database nor Redis. Saving or deleting a
# petition, and a counting run in this process, empty it at once; a POST reads
# the petition from the database.

PUBLIC_MEMO_SECONDS = 1.0
_MEMO_MAX = 256  # entries; past it the memo starts again (a flood of unknown slugs is not kept: None is not)
_memo: dict[tuple, tuple[float, object]] = {}


def public_memoised(key: tuple, compute: Callable[[], object]) -> object:
    """`compute()`, kept by this process for PUBLIC_MEMO_SECONDS under `key` (None is not kept)."""
    key = (COUNTS_CACHE_PREFIX, *key)
    now = time.monotonic()
    hit = _memo.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = compute()
    if value is not None:
        if len(_memo) >= _MEMO_MAX:
            _memo.clear()
        _memo[key] = (now + PUBLIC_MEMO_SECONDS, value)
    return value


def public_memo_clear(**kwargs) -> None:
    """Forget what this process kept (a petition changed, or this process counted)."""
    _memo.clear()


post_save.connect(public_memo_clear, sender=Petition, dispatch_uid="petitions.selectors.public_memo")
post_delete.connect(public_memo_clear, sender=Petition, dispatch_uid="petitions.selectors.public_memo_delete")
post_save.connect(public_memo_clear, sender=PetitionText, dispatch_uid="petitions.selectors.public_memo_text")
post_delete.connect(public_memo_clear, sender=PetitionText, dispatch_uid="petitions.selectors.public_memo_text_delete")


def petition_public(slug: str) -> Petition | None:
    """The petition a public GET page shows, by slug (None: no such petition)."""
    petition = public_memoised(("petition", slug), lambda: Petition.objects.filter(slug=slug).first())
    return petition if isinstance(petition, Petition) else None


@dataclass(frozen=True)
class LegalText:
    """The measure's words as a page or the wet-ink form shows them in one language.
    `in_english` names the fields the petition has no filed translation of, shown in English."""

    language: str
    title: str
    question: str
    summary: str
    measure_text: str
    in_english: tuple[str, ...]


LEGAL_TEXT_FIELDS = ("title", "question", "summary", "measure_text")


def petition_legal_text(petition: Petition, language: str | None = None) -> LegalText:
    """The petition's title, question, summary and text of the measure in `language`
    (default: the active one), from its PetitionText; English for each field it lacks.
    Never a machine translation: the law requires the filed text. Kept PUBLIC_MEMO_SECONDS."""
    language = supported_language(language or get_language())

    def compute() -> LegalText:
        if language == "en":
            return LegalText(language, petition.title, petition.question, petition.summary, petition.measure_text, ())
        filed = petition.texts.filter(language=language).first()
        words = {}
        in_english = []
        for name in LEGAL_TEXT_FIELDS:
            translated = getattr(filed, name, "") if filed else ""
            if translated.strip() or not getattr(petition, name).strip():
                words[name] = translated
            else:
                words[name] = getattr(petition, name)
                in_english.append(name)
        return LegalText(language=language, in_english=tuple(in_english), **words)

    return cast(LegalText, public_memoised(("legal-text", petition.pk, language), compute))


def supported_language(language: str) -> str:
    """One of settings.LANGUAGES' codes for `language` ("es-mx" -> "es"; unknown -> "en")."""
    try:
        return get_supported_language_variant(language)
    except LookupError:
        return "en"


def petition_public_counts(petition: Petition) -> PetitionCounts:
    """The counts a public GET page shows: petition_counts_cached, kept PUBLIC_MEMO_SECONDS."""
    return cast(PetitionCounts, public_memoised(("counts", petition.pk), lambda: petition_counts_cached(petition)))


def petition_public_document(slug: str) -> tuple[str, bytes] | None:
    """The public API's document for the petition as (ETag, JSON bytes), kept
    PUBLIC_MEMO_SECONDS; None when there is no such petition."""

    def compute() -> tuple[str, bytes] | None:
        petition = petition_public(slug)
        if petition is None:
            return None
        body = json.dumps(petition_public_json(petition), cls=DjangoJSONEncoder).encode()
        return f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"', body

    document = public_memoised(("document", slug), compute)
    return document if isinstance(document, tuple) else None


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
        line_95=-(-required * petition.full_count_percent // 100),
        line_110=required * petition.qualify_percent // 100 + 1,
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


# --- The odds of qualifying ------------------------------------------------------

#: The columns export_counts --odds adds to the counts CSV (filled in the statewide row).
ODDS_FIELDS = ("odds_qualifies", "odds_full_count", "odds_fails", "raw_needed_90")


@dataclass
class OddsSummary:
    """The stored odds (services.projections.odds_compute): the chances, from
    ``runs`` simulated samples of every county, that the measure qualifies,
    goes to a full count or fails, and the extra raw signatures at current
    rates for a ``target`` chance of qualifying (None: unknown, nothing valid
    yet or out of reach)."""

    qualifies: float
    full_count: float
    fails: float
    raw_needed: int | None
    target: float
    runs: int
    raw: int
    computed_at: datetime

    @property
    def percents(self) -> dict[str, float]:
        return {"qualifies": 100 * self.qualifies, "full_count": 100 * self.full_count, "fails": 100 * self.fails}

    @property
    def target_percent(self) -> float:
        return 100 * self.target

    def as_dict(self) -> dict[str, object]:
        return {
            "qualifies": round(self.qualifies, 4),
            "full_count": round(self.full_count, 4),
            "fails": round(self.fails, 4),
            "raw_needed": self.raw_needed,
            "target": self.target,
            "runs": self.runs,
            "raw": self.raw,
            "computed_at": self.computed_at.isoformat(),
        }

    def csv_cells(self) -> list[object]:
        return [f"{self.qualifies:.4f}", f"{self.full_count:.4f}", f"{self.fails:.4f}", self.raw_needed]


def petition_featured_with_odds() -> Petition | None:
    """petition_featured(), with its stored odds read in the same query (for odds_summary)."""
    petitions = Petition.objects.select_related("odds")
    return petitions.filter(featured=True).order_by("pk").first() or petitions.order_by("pk").first()


def odds_summary(petition: Petition) -> OddsSummary | None:
    """The petition's stored odds of qualifying, None before the first run. No
    query when the petition was read with select_related("odds"), else one."""
    try:
        row = petition.odds
    except QualificationOdds.DoesNotExist:
        return None
    return OddsSummary(
        qualifies=row.qualifies,
        full_count=row.full_count,
        fails=row.fails,
        raw_needed=row.raw_needed,
        target=row.target,
        runs=row.runs,
        raw=row.raw,
        computed_at=row.computed_at,
    )


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


# --- The campaign's history and pace (the daily snapshots) ------------------------


@dataclass
class PetitionHistory:
    """The statewide daily series (from the first day to today), the pace, and the chart's data."""

    days: list[DayCounts]
    pace: Pace
    chart: dict

    @property
    def table(self) -> list[tuple[DayCounts, int | None]]:
        """The chart as a table: each day to today, with the needed line's value that day."""
        needed = self.chart.get("needed") or []
        return [(day, needed[n] if n < len(needed) else None) for n, day in enumerate(self.days)]

    @property
    def needed_today(self) -> int | None:
        return self.table[-1][1] if self.days else None


def petition_history(
    petition: Petition, counts: PetitionCounts | None = None, *, today: date | None = None
) -> PetitionHistory:
    """The petition's daily statewide counts from its summary date (else its first snapshot) to
    today, read from the daily snapshots in one query; today's point is `counts` (live, from the
    tallies) when given. With the 7-day pace against the pace needed (petitions.pace)."""
    today = today or timezone.localdate()
    points = [
        DayCounts(day=row["day"], raw=row["raw"], valid=row["valid"])
        for row in DailySnapshot.objects.filter(petition=petition, day__lte=today)
        .values("day")
        .annotate(raw=Sum("raw"), valid=Sum("valid"))
        .order_by("day")
    ]
    if counts is not None:
        points = [p for p in points if p.day != today]
        points.append(DayCounts(day=today, raw=counts.statewide.raw, valid=counts.statewide.valid))
    start = petition.summary_date if petition.summary_date and petition.summary_date <= today else None
    start = start or (points[0].day if points else today)
    days = series_fill(points, start=start, end=today)
    milestones = milestones_for(
        today=today,
        deadline=petition.deadline,
        random_sample=petition.suggested_filing_random_sample,
        full_count=petition.suggested_filing_full_count,
    )
    pace = pace_compute(
        days, today=today, required=petition.required_signatures, milestones=milestones, origin=petition.summary_date
    )
    ends = [today, *(m.day for m in milestones)]
    return PetitionHistory(days=days, pace=pace, chart=chart_data(days, pace, end=max(ends)))
