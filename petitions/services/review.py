"""A reviewer's decision on a signature the machine sent to review."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from petitions.models import Signature, Voter
from petitions.queue import form_emails_queue
from petitions.services.audit import audit_record
from petitions.validation.engine import Decision
from petitions.validation.outcomes import decision_apply, outcome_set

Status = Signature.Status


class SignatureNotInReview(Exception):
    """A person's decision came too late: the signature has left the review
    queue (another reviewer decided it first). Nothing was changed."""

    def __init__(self, signature: Signature) -> None:
        self.signature = signature
        super().__init__(f"Signature #{signature.pk} is no longer in review: it is {signature.status} now.")


def signature_decide(
    *, signature: Signature, user: User, status: str, reason: str = "", voter_id: int | None = None
) -> Signature:
    """A person's decision on a signature in review: `valid` with the voter it
    is (a duplicate when that voter already counts), or `invalid` with a reason.
    The machine never overrides it. Accepting a held signature clears its hold.

    Only a signature still in `review` is decided. The claim is a conditional
    update, which holds the row until commit: of two reviewers deciding one
    signature, the second gets SignatureNotInReview and changes nothing."""
    if status == Status.VALID:
        if voter_id is None:
            raise ValueError("Accepting a signature needs the voter it matches.")
    elif status == Status.INVALID:
        if reason not in Signature.Reason.values or not reason:
            raise ValueError(f"Rejecting a signature needs a reason, not {reason!r}.")
    else:
        raise ValueError(f"A person decides a signature valid or invalid, not {status!r}.")
    with transaction.atomic():
        claimed = Signature.objects.filter(pk=signature.pk, status=Status.REVIEW).update(decided_by=user)
        if claimed != 1:
            raise SignatureNotInReview(Signature.objects.select_related("decided_by").get(pk=signature.pk))
        locked = Signature.objects.select_related("petition").get(pk=signature.pk)
        previous = {"status": locked.status, "reason": locked.reason, "voter": locked.voter_id}
        held = locked.hold
        if status == Status.VALID and held:  # a person cleared it: it may count
            locked.hold = Signature.Hold.NONE
            locked.save(update_fields=["hold", "updated_at"])
        if status == Status.VALID:
            assert voter_id is not None  # noqa: S101 - checked above
            decision_apply(locked, Decision(status=Status.VALID, voter=Voter.objects.get(pk=voter_id)))
        else:
            outcome_set(locked, status=status, reason=reason, voter_id=voter_id)
        form_emails_queue([locked])
        after = {
            "status": locked.status,
            "reason": locked.reason,
            "voter": locked.voter_id,
            "duplicate_of": locked.duplicate_of_id,
        }
        if held:
            previous["hold"], after["hold"] = held, locked.hold
        audit_record(action="signature.decide", user=user, target=locked, detail={"before": previous, "after": after})
    return locked
