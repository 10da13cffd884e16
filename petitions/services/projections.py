"""The random-sample projection we expect each county to reach, estimated from our own validation
results in the tallies and stored as CountyProjection rows by the periodic task `project_signatures`
(pages and exports read the rows, never recompute). How the estimate turns our duplicate rate into
what a county's sample will show, and its limits: docs/architecture.md ("The projection")."""

from __future__ import annotations

from collections import defaultdict
from decimal import Context, Decimal, localcontext

from django.db import transaction
from django.utils import timezone

from petitions.models import CountyProjection, Petition, QualificationOdds, Signature, Tally
from petitions.projection import (
    ODDS_TARGET,
    SAMPLE_MINIMUM,
    SAMPLE_PERCENT,
    expected_projection,
    qualification_odds,
    raw_needed_for_odds,
    sample_size,
)

Status = Signature.Status

#: ``sample`` of a stored row whose county has nothing decided yet: rates
#: unknown, nothing projected. A real sample is never 0 for a non-empty county.
NOT_PROJECTED = 0

_CONTEXT = Context(prec=60)


def sample_rates(
    *, raw: int, valid: int, duplicate: int, decided: int, minimum: int = SAMPLE_MINIMUM, percent: int = SAMPLE_PERCENT
) -> tuple[Decimal, Decimal]:
    """The valid and duplicate rates the county's random sample is expected to
    show, from our own counts (see the module docstring for why they differ
    from valid / decided and duplicate / decided). ``minimum`` and ``percent``:
    the sample rule (the petition's fields)."""
    n = sample_size(raw, minimum=minimum, percent=percent)
    with localcontext(_CONTEXT):
        drawn = Decimal(n) / Decimal(raw)  # f: each signature's chance to be in the sample
        valid_rate = (valid + duplicate * (1 - drawn)) / decided
        duplicate_rate = duplicate * drawn / decided
    # Guard the last digit of a 60-digit division against leaving 0..1.
    return min(valid_rate, Decimal(1)), min(duplicate_rate, Decimal(1))


def _filed_buckets(petition: Petition) -> dict[str, dict[str, int]]:
    """Filed signatures per county and status, from the tallies (one query)."""
    buckets: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for county_id, status, count in (
        Tally.objects.filter(petition=petition, filed=True)
        .exclude(status=Status.UNCONFIRMED)
        .values_list("county_id", "status", "count")
    ):
        buckets[county_id][status] += count
    return buckets


def projections_compute(*, petition: Petition) -> list[CountyProjection]:
    """Recompute and store the petition's expected county projections.

    Reads only the tallies (one query, no COUNT over signature rows). Upserts
    one ``CountyProjection`` per county holding filed signatures and deletes
    the rows of counties that no longer hold any, in one transaction, all
    rows stamped with the same ``computed_at``. Safe to run twice or
    concurrently: the same tallies give the same rows. Returns the stored
    rows in county order."""
    buckets = _filed_buckets(petition)
    minimum, percent = petition.sample_minimum, petition.sample_percent
    now = timezone.now()
    rows = []
    for county_id, counts in sorted(buckets.items()):
        raw = sum(counts.values())
        if raw <= 0:
            continue
        valid, invalid, duplicate = counts[Status.VALID], counts[Status.INVALID], counts[Status.DUPLICATE]
        decided = valid + invalid + duplicate
        if decided == 0:
            rows.append(
                CountyProjection(
                    petition=petition,
                    county_id=county_id,
                    raw=raw,
                    sample=NOT_PROJECTED,
                    validity_rate=0.0,
                    duplicate_rate=0.0,
                    projected_valid=0,
                    computed_at=now,
                )
            )
            continue
        valid_in_sample, duplicates_in_sample = sample_rates(
            raw=raw, valid=valid, duplicate=duplicate, decided=decided, minimum=minimum, percent=percent
        )
        rows.append(
            CountyProjection(
                petition=petition,
                county_id=county_id,
                raw=raw,
                sample=sample_size(raw, minimum=minimum, percent=percent),
                validity_rate=valid / decided,
                duplicate_rate=duplicate / decided,
                projected_valid=expected_projection(
                    raw, valid_in_sample, duplicates_in_sample, sample_minimum=minimum, sample_percent=percent
                ),
                computed_at=now,
            )
        )

    with transaction.atomic():
        CountyProjection.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["petition", "county"],
            update_fields=["raw", "sample", "validity_rate", "duplicate_rate", "projected_valid", "computed_at"],
        )
        CountyProjection.objects.filter(petition=petition).exclude(
            county_id__in=[row.county_id for row in rows]
        ).delete()
    return list(CountyProjection.objects.filter(petition=petition).order_by("county_id"))


# --- The odds of qualifying -----------------------------------------------------------

#: Runs of the simulation for the odds stored, and for each step of the search for
#: the raw signatures still needed (projection.raw_needed_for_odds).
ODDS_RUNS = 20_000
ODDS_SEARCH_RUNS = 2_000
#: The stored odds are repeatable: the same tallies give the same row.
ODDS_SEED = 14


def odds_counties(petition: Petition) -> list[dict[str, int]]:
    """Each county's filed signatures as projection.qualification_odds takes
    them, at our own rates: ``valid`` and ``duplicates`` are our valid and
    duplicate shares of decided signatures applied to the whole raw count
    (pending and review signatures resolve at those rates, as in the expected
    projection), rounded half up; a duplicate's original is taken to be among
    the same county's valid ones. A county with nothing decided counts no
    valid signature (as the expected projection counts it 0)."""
    counties = []
    for _county_id, counts in sorted(_filed_buckets(petition).items()):
        raw = sum(counts.values())
        if raw <= 0:
            continue
        valid, duplicate = counts[Status.VALID], counts[Status.DUPLICATE]
        decided = valid + counts[Status.INVALID] + duplicate
        if decided == 0:
            counties.append({"raw": raw, "valid": 0, "duplicates": 0})
            continue
        valid_share = (2 * raw * valid + decided) // (2 * decided)
        duplicate_share = min((2 * raw * duplicate + decided) // (2 * decided), valid_share, raw - valid_share)
        counties.append({"raw": raw, "valid": valid_share, "duplicates": duplicate_share})
    return counties


def odds_compute(*, petition: Petition) -> QualificationOdds | None:
    """Simulate the counties' random samples on our own rates and store the
    odds of qualifying and the raw signatures still needed for an ODDS_TARGET
    chance (one row per petition, rewritten). None, and any stored row
    removed, when nothing is filed or the petition requires nothing."""
    counties = odds_counties(petition)
    if not counties or petition.required_signatures <= 0:
        QualificationOdds.objects.filter(petition=petition).delete()
        return None
    rules = petition.sample_rules
    odds = qualification_odds(counties, petition.required_signatures, ODDS_RUNS, ODDS_SEED, **rules)
    needed = raw_needed_for_odds(
        counties, petition.required_signatures, ODDS_TARGET, ODDS_SEARCH_RUNS, ODDS_SEED, **rules
    )
    row, _ = QualificationOdds.objects.update_or_create(
        petition=petition,
        defaults={
            "raw": sum(county["raw"] for county in counties),
            "runs": ODDS_RUNS,
            "qualifies": odds["qualifies"],
            "full_count": odds["full_count"],
            "fails": odds["fails"],
            "target": ODDS_TARGET,
            "raw_needed": needed,
            "computed_at": timezone.now(),
        },
    )
    return row
