"""Writing a decision on a signature, with its tally change in the same transaction: the primitives the
machine's validation, a reviewer's decision and mail intake share. A voter counts once: the signature
that ranks first (tallies.filing_rank) is `valid`, every other one of theirs its duplicate."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from petitions.models import Signature
from petitions.services.tallies import bucket_of, filing_rank, tally_change_record
from petitions.validation.engine import Decision

Status = Signature.Status

OUTCOME_FIELDS = ["status", "reason", "voter", "duplicate_of", "validated_at", "updated_at"]
MATCHER_FIELDS = ["match_score", "match_candidates", "person_key"]


@dataclass(frozen=True)
class Outcome:
    """What a signature becomes. With the machine's `decision`, its match score, candidates and person
    key are recorded too."""

    status: str
    reason: str = ""
    voter_id: int | None = None
    duplicate_of_id: int | None = None
    decision: Decision | None = None


def outcome_assign(signature: Signature, outcome: Outcome) -> list[str]:
    """Set an outcome on the instance (not saved); returns the fields it set."""
    signature.status = outcome.status
    signature.reason = outcome.reason
    signature.voter_id = outcome.voter_id
    signature.duplicate_of_id = outcome.duplicate_of_id
    signature.validated_at = signature.updated_at = timezone.now()
    decision = outcome.decision
    if decision is None or not decision.by_matcher:
        return OUTCOME_FIELDS
    signature.match_score = decision.score
    signature.match_candidates = decision.scored
    signature.person_key = decision.person_key
    return OUTCOME_FIELDS + MATCHER_FIELDS


def outcome_set(signature: Signature, outcome: Outcome) -> None:
    """Record a status change and its tally change."""
    before = bucket_of(signature, signature.petition)
    fields = outcome_assign(signature, outcome)
    signature.save(update_fields=fields)
    tally_change_record(before=before, after=bucket_of(signature, signature.petition))


def take_over(original: Signature, *, winner_id: int) -> None:
    """`original` (locked, `valid`) stops counting for its voter: the signature
    `winner_id`, which ranks before it (filing_rank), is about to count. It
    becomes that one's duplicate, and its own duplicates point there too.
    Call before the winner is made `valid` (one valid signature per voter)."""
    outcome_set(original, Outcome(status=Status.DUPLICATE, voter_id=original.voter_id, duplicate_of_id=winner_id))
    Signature.objects.filter(duplicate_of_id=original.pk).exclude(pk=winner_id).update(duplicate_of_id=winner_id)


def counted_voter_id(decision: Decision) -> int:
    """The voter a `valid` decision counts for (one always names its voter)."""
    assert decision.voter is not None, decision  # noqa: S101
    return decision.voter.pk


def held_for_review(signature: Signature, decision: Decision) -> Decision:
    """A held signature (over a signing limit) that would count goes to review
    instead, its voter the one candidate: it counts once a person accepts it."""
    return Decision(
        status=Status.REVIEW,
        score=decision.score if decision.score is not None else signature.match_score,
        scored=[{"voter": counted_voter_id(decision), "score": decision.score}],
        person_key=decision.person_key or signature.person_key,
        by_matcher=True,
    )


def count_for_voter(signature: Signature, decision: Decision) -> None:
    """Record a `valid` decision. The voter counts once: the signature that
    ranks first (filing_rank: under the wet-ink rule a filed one before a
    pledge) is `valid` and every other one of theirs is its duplicate. The
    one counting now is locked before it is compared, and a concurrent worker
    that counts the voter first makes the insert fail on the one-valid-per-
    voter constraint, so this looks again. A held signature goes to review."""
    if signature.hold:
        outcome_set(signature, Outcome(status=Status.REVIEW, decision=held_for_review(signature, decision)))
        return
    voter_id = counted_voter_id(decision)
    petition = signature.petition
    for _attempt in range(3):
        counting = (
            Signature.objects.select_for_update(of=("self",))
            .filter(petition_id=signature.petition_id, voter_id=voter_id, status=Status.VALID)
            .exclude(pk=signature.pk)
            .first()
        )
        if counting is None:
            try:
                with transaction.atomic():
                    outcome_set(signature, Outcome(status=Status.VALID, voter_id=voter_id, decision=decision))
                return
            except IntegrityError:
                signature.refresh_from_db()  # another signature of this voter was counted meanwhile
                continue
        Signature.petition.field.set_cached_value(counting, petition)
        if filing_rank(signature, petition) < filing_rank(counting, petition):
            take_over(counting, winner_id=signature.pk)
            outcome_set(signature, Outcome(status=Status.VALID, voter_id=voter_id, decision=decision))
        else:
            outcome_set(
                signature,
                Outcome(status=Status.DUPLICATE, voter_id=voter_id, duplicate_of_id=counting.pk, decision=decision),
            )
        return
    raise IntegrityError(f"signature {signature.pk}: voter {voter_id} kept changing under concurrent workers")


def _unregistered_original_id(signature: Signature) -> int | None:
    """The signature that stands for this unregistered person (same person key) in the petition."""
    return (
        Signature.objects.filter(
            petition_id=signature.petition_id,
            person_key=signature.person_key,
            status=Status.INVALID,
            reason=Signature.Reason.NOT_REGISTERED,
            decided_by__isnull=True,
        )
        .exclude(pk=signature.pk)
        .values_list("pk", flat=True)
        .first()
    )


def decision_apply(signature: Signature, decision: Decision) -> None:
    """Record a decision. Two database constraints keep racing workers honest:
    one `valid` signature per voter and petition (which one: count_for_voter),
    and one `not_registered` machine decision per person key and petition (the
    "original" of an unregistered person); the signature that loses the race
    becomes the duplicate of the one that won."""
    if decision.status == Status.VALID:
        count_for_voter(signature, decision)
        return
    voter_id = decision.voter.pk if decision.voter else None
    if decision.reason == Signature.Reason.NOT_REGISTERED and decision.person_key:
        try:
            with transaction.atomic():
                outcome_set(
                    signature,
                    Outcome(status=decision.status, reason=decision.reason, voter_id=voter_id, decision=decision),
                )
            return
        except IntegrityError:
            # The same unregistered person signed before: link this signature to that one.
            signature.refresh_from_db()
            signature.person_key = decision.person_key
            original = _unregistered_original_id(signature)
            if original is None:
                raise
        outcome_set(signature, Outcome(status=Status.DUPLICATE, duplicate_of_id=original, decision=decision))
        return
    outcome_set(
        signature, Outcome(status=decision.status, reason=decision.reason, voter_id=voter_id, decision=decision)
    )
