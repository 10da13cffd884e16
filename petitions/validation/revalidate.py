"""Re-validation after a newer voter file: the machine's decisions it can change go back to `pending`."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from petitions.models import Petition, Signature
from petitions.queue import validation_queue
from petitions.validation.engine import Decision
from petitions.validation.outcomes import Outcome, outcome_set

Status = Signature.Status

# Invalid reasons a newer voter file can change: the signer registered, or
# re-registered at the address they wrote, in the county they signed in.
REVALIDATED_REASONS = (
    Signature.Reason.NOT_REGISTERED,
    Signature.Reason.ADDRESS_MISMATCH,
    Signature.Reason.WRONG_COUNTY,
)
REVALIDATE_BATCH = 1000


def signatures_revalidate(
    *, reasons: tuple[str, ...] = REVALIDATED_REASONS, review: bool = True, petition: Petition | None = None
) -> int:
    """Send the machine's decisions that a newer voter file can change back to
    `pending` and queue their validation after commit. Returns how many.

    Chosen: invalid signatures with one of `reasons`, signatures in `review`
    (when `review`), and duplicates of an unregistered person (no voter; they
    follow their original). A decision a person made (`decided_by`) is never
    touched. Each move goes through `outcome_set`, so the tallies follow."""
    chosen = Q(status=Status.INVALID, reason__in=list(reasons))
    if review:
        chosen |= Q(status=Status.REVIEW)
    if Signature.Reason.NOT_REGISTERED in reasons:
        chosen |= Q(status=Status.DUPLICATE, voter__isnull=True)
    base = Signature.objects.filter(chosen, decided_by__isnull=True, purged_at__isnull=True)  # purged: kept as counted
    if petition is not None:
        base = base.filter(petition=petition)
    moved = 0
    last_id = 0
    while True:
        with transaction.atomic():
            batch = list(
                base.filter(pk__gt=last_id)
                .select_for_update(of=("self",))
                .select_related("petition")
                .order_by("pk")[:REVALIDATE_BATCH]
            )
            if not batch:
                break
            for signature in batch:
                outcome_set(
                    signature, Outcome(status=Status.PENDING, decision=Decision(status=Status.PENDING, by_matcher=True))
                )
            validation_queue([signature.pk for signature in batch])
            moved += len(batch)
            last_id = batch[-1].pk
    return moved
