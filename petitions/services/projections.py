"""The random-sample projection we expect each county to reach, estimated from our own validation
results in the tallies and stored as CountyProjection rows by the periodic task `project_signatures`
(pages and exports read the rows, never recompute). How the estimate turns our duplicate rate into
what a county's sample will show, and its limits: docs/architecture.md ("The projection")."""

from __future__ import annotations

from collections import defaultdict
from decimal import Context, Decimal, localcontext

from django.db import transaction
from django.utils import timezone

from petitions.models import CountyProjection, Petition, Signature, Tally
from petitions.projection import expected_projection, sample_size

Status = Signature.Status

#: ``sample`` of a stored row whose county has nothing decided yet: rates
#: unknown, nothing projected. A real sample is never 0 for a non-empty county.
NOT_PROJECTED = 0

_CONTEXT = Context(prec=60)


def sample_rates(*, raw: int, valid: int, duplicate: int, decided: int) -> tuple[Decimal, Decimal]:
    """The valid and duplicate rates the county's random sample is expected to
    show, from our own counts (see the module docstring for why they differ
    from valid / decided and duplicate / decided)."""
    n = sample_size(raw)
    with localcontext(_CONTEXT):
        drawn = Decimal(n) / Decimal(raw)  # f: each signature's chance to be in the sample
        valid_rate = (valid + duplicate * (1 - drawn)) / decided
        duplicate_rate = duplicate * drawn / decided
    # Guard the last digit of a 60-digit division against leaving 0..1.
    return min(valid_rate, Decimal(1)), min(duplicate_rate, Decimal(1))


def projections_compute(*, petition: Petition) -> list[CountyProjection]:
    """Recompute and store the petition's expected county projections.

    Reads only the tallies (one query, no COUNT over signature rows). Upserts
    one ``CountyProjection`` per county holding filed signatures and deletes
    the rows of counties that no longer hold any, in one transaction, all
    rows stamped with the same ``computed_at``. Safe to run twice or
    concurrently: the same tallies give the same rows. Returns the stored
    rows in county order."""
    buckets: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for county_id, status, count in (
        Tally.objects.filter(petition=petition, filed=True)
        .exclude(status=Status.UNCONFIRMED)
        .values_list("county_id", "status", "count")
    ):
        buckets[county_id][status] += count

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
        valid_in_sample, duplicates_in_sample = sample_rates(raw=raw, valid=valid, duplicate=duplicate, decided=decided)
        rows.append(
            CountyProjection(
                petition=petition,
                county_id=county_id,
                raw=raw,
                sample=sample_size(raw),
                validity_rate=valid / decided,
                duplicate_rate=duplicate / decided,
                projected_valid=expected_projection(raw, valid_in_sample, duplicates_in_sample),
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
