"""The review queue's writes: a reviewer's decision on a signature the machine
sent to review, and who is shown which signature while several reviewers work
one queue (a lease in the cache per open signature, the skipped ones in the
reviewer's session)."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.db import transaction

from petitions.models import Signature, Voter
from petitions.queue import form_emails_queue
from petitions.services.audit import audit_record
from petitions.validation.engine import Decision
from petitions.validation.outcomes import Outcome, decision_apply, outcome_set

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
            outcome_set(locked, Outcome(status=status, reason=reason, voter_id=voter_id))
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


# --- Leases and skips --------------------------------------------------------

# While a reviewer has a signature open, the others are shown the next one, so
# that several volunteers working one queue rarely look at the same signature.
# The lease is advisory only: `signature_decide` is what refuses a second decision.
LEASE_SECONDS = 120
# Skipped signatures stay out of this reviewer's queue for the session.
SKIPPED_SESSION_KEY = "review_skipped"
SKIPPED_KEEP = 500


def _lease_key(signature_id: int) -> str:
    return f"review-lease:{signature_id}"


def review_lease_take(*, signature_id: int, user_id: int) -> bool:
    """Open the signature for this reviewer for LEASE_SECONDS (again, if it is
    theirs already); False if another reviewer has it open."""
    key = _lease_key(signature_id)
    if cache.add(key, user_id, LEASE_SECONDS):
        return True
    if cache.get(key) == user_id:
        cache.touch(key, LEASE_SECONDS)
        return True
    return False


def review_lease_take_first(*, signature_ids: Sequence[int], user_id: int) -> int | None:
    """The signature this reviewer is shown, of the queue's next ones (oldest
    first): the first no other reviewer has open, now leased to them; the oldest
    if others have every one open; None for an empty queue."""
    if not signature_ids:
        return None
    return next((pk for pk in signature_ids if review_lease_take(signature_id=pk, user_id=user_id)), signature_ids[0])


def review_lease_release(*, signature_id: int, user_id: int) -> None:
    """Give the signature back to the queue, if this reviewer holds its lease."""
    key = _lease_key(signature_id)
    if cache.get(key) == user_id:
        cache.delete(key)


def review_skips(session: SessionBase) -> list[int]:
    """The signatures this reviewer skipped in this session, the latest last."""
    return list(session.get(SKIPPED_SESSION_KEY, []))


def review_skip_add(*, session: SessionBase, signature_id: int) -> None:
    """Keep the signature out of this reviewer's queue for the session (the last SKIPPED_KEEP skips)."""
    skipped = [pk for pk in review_skips(session) if pk != signature_id] + [signature_id]
    session[SKIPPED_SESSION_KEY] = skipped[-SKIPPED_KEEP:]


def review_skips_clear(session: SessionBase) -> None:
    """Put the skipped signatures back in this reviewer's queue."""
    session.pop(SKIPPED_SESSION_KEY, None)
