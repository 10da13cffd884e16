"""Validation: pending signatures matched against the voter file, their duplicates linked, the
outcomes and tally changes written. Batches (`signatures_validate`, the workers' path) fall back to one
signature at a time (`signature_validate`) when a concurrent worker counted one of their voters first."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from psycopg2.extras import Json, execute_values

from petitions.models import Petition, Signature
from petitions.queue import VALIDATE_BATCH, form_emails_queue
from petitions.services.tallies import bucket_of, filing_rank, tally_changes_record, tally_move
from petitions.speedups import cyclic_gc_paused
from petitions.validation.engine import Decision, decide, decide_many
from petitions.validation.outcomes import (
    MATCHER_FIELDS,
    OUTCOME_FIELDS,
    Outcome,
    counted_voter_id,
    decision_apply,
    held_for_review,
    outcome_assign,
    take_over,
)

logger = logging.getLogger(__name__)

Status = Signature.Status

DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE


def _synchronous_commit_off() -> None:
    """On PostgreSQL the commit does not wait for the disk (for this transaction
    only): a crash can lose the last fraction of a second of validations, which
    then are still `pending` and are validated again by the sweep; nothing
    half-done is ever visible."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def signature_validate(*, signature_id: int) -> Signature | None:
    """Match one pending signature against the voter file and record the outcome.

    Safe to run twice: only a `pending` signature is touched, under a row lock.
    The batch path (signatures_validate) falls back to this one when a
    concurrent worker wins a race for one of its voters."""
    with transaction.atomic():
        _synchronous_commit_off()
        signature = (
            Signature.objects.select_for_update(of=("self",))
            .select_related("petition")
            .filter(pk=signature_id, status=Status.PENDING)
            .first()
        )
        if signature is None:
            return None
        decision_apply(signature, decide(signature))
        form_emails_queue([signature])
    return signature


def signatures_validate(*, signature_ids: list[int]) -> list[Signature]:
    """Validate pending signatures as one set: their candidates in one query,
    duplicates resolved among them and against what already counts, every
    outcome and its tally change written in one transaction. Returns the
    signatures this call validated.

    Safe to run twice and beside other workers: only `pending` signatures are
    taken, and rows another worker holds are skipped (that worker records
    them). The two constraints that keep racing workers honest (one `valid`
    signature per voter, one unregistered original per person) are checked at
    the write: if a concurrent worker counted one of this batch's voters in
    the meantime, the batch is rolled back and each signature is validated on
    its own, which links it to the winner."""
    ids = sorted(set(signature_ids))
    if not ids:
        return []
    ahead = not connection.in_atomic_block  # a caller's transaction: its voters may not be committed
    try:
        with cyclic_gc_paused(), transaction.atomic():
            _synchronous_commit_off()
            batch = list(
                Signature.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(pk__in=ids, status=Status.PENDING)
                .order_by("pk")
            )
            if not batch:
                return []
            petitions = Petition.objects.in_bulk({signature.petition_id for signature in batch})
            for signature in batch:  # one Petition object per petition, not one per row
                Signature.petition.field.set_cached_value(signature, petitions[signature.petition_id])
            outcomes, take_overs = _link_duplicates(batch, decide_many(batch, ahead=ahead))
            _take_overs_write(take_overs)  # first: the winners' `valid` would break one-valid-per-voter
            _write_outcomes(batch, outcomes)
            form_emails_queue(batch)
        return batch
    except (IntegrityError, OperationalError) as exc:
        if isinstance(exc, OperationalError) and getattr(exc.__cause__, "pgcode", None) != DEADLOCK_DETECTED:
            raise
        # A concurrent worker counted a voter (or an unregistered person) of this batch first,
        # or two batches waited on each other's voters and PostgreSQL broke the tie by failing this one.
        logger.info("batch of %d lost a race to another worker (%s); validating one by one", len(ids), exc)
        return [signature for signature in (signature_validate(signature_id=pk) for pk in ids) if signature]


@dataclass(frozen=True)
class _TakeOver:
    signature: Signature  # counting now, as read
    winner_id: int  # the batch's signature that ranks before it


def _link_duplicates(batch: list[Signature], decisions: list[Decision]) -> tuple[list[Outcome], list[_TakeOver]]:
    """Turn decisions into outcomes. A voter counts once: of their signatures
    in this batch and the one counting in the database, the one that ranks
    first (filing_rank) is `valid` and the others are its duplicates; when a
    signature of the batch ranks before the one counting in the database,
    that one is taken over (returned apart, written first). An unregistered
    person who already signed makes a `not_registered` decision a duplicate
    of their first signature. A held signature that would count goes to review."""
    decisions = [
        held_for_review(signature, decision) if signature.hold and decision.status == Status.VALID else decision
        for signature, decision in zip(batch, decisions)
    ]
    counted = {i: counted_voter_id(d) for i, d in enumerate(decisions) if d.status == Status.VALID}
    voters = set(counted.values())
    people = {d.person_key for d in decisions if d.reason == Signature.Reason.NOT_REGISTERED and d.person_key}
    petitions = {signature.petition_id: signature.petition for signature in batch}
    # Locked, so that a concurrent take-over cannot leave this batch's duplicates pointing at a signature
    # that no longer counts (it waits for this batch, then sees them; or this batch waits, then fails the
    # one-valid-per-voter constraint and starts again one by one).
    counting = (
        {
            (signature.petition_id, signature.voter_id): signature
            for signature in Signature.objects.select_for_update(of=("self",))
            .filter(petition_id__in=petitions, voter_id__in=voters, status=Status.VALID)
            .only(
                "pk", "petition_id", "voter_id", "county_id", "channel", "status", "created_at", "wet_ink_received_at"
            )
            .order_by("pk")
        }
        if voters
        else {}
    )
    originals = (
        {
            (petition_id, key): pk
            for petition_id, key, pk in Signature.objects.filter(
                petition_id__in=petitions,
                person_key__in=people,
                status=Status.INVALID,
                reason=Signature.Reason.NOT_REGISTERED,
                decided_by__isnull=True,
            ).values_list("petition_id", "person_key", "pk")
        }
        if people
        else {}
    )
    first: dict[tuple[int, int | None], tuple[tuple, int]] = {}  # (petition, voter) -> (rank, id) of the one to count
    for (petition_id, _voter_id), signature in counting.items():
        Signature.petition.field.set_cached_value(signature, petitions[petition_id])
    for key, signature in counting.items():
        first[key] = (filing_rank(signature, signature.petition), signature.pk)
    for index, signature in enumerate(batch):
        if index in counted:
            key = (signature.petition_id, counted[index])
            rank = filing_rank(signature, signature.petition)
            if key not in first or rank < first[key][0]:
                first[key] = (rank, signature.pk)
    take_overs = [
        _TakeOver(signature, winner_id=first[key][1])
        for key, signature in counting.items()
        if first[key][1] != signature.pk
    ]
    outcomes = []
    for index, (signature, decision) in enumerate(zip(batch, decisions)):
        if index in counted:
            counted_id = counted[index]
            winner = first[(signature.petition_id, counted_id)][1]
            if winner == signature.pk:
                outcomes.append(Outcome(Status.VALID, "", counted_id, None, decision))
            else:
                outcomes.append(Outcome(Status.DUPLICATE, "", counted_id, winner, decision))
        elif decision.reason == Signature.Reason.NOT_REGISTERED and decision.person_key:
            original = originals.setdefault((signature.petition_id, decision.person_key), signature.pk)
            if original == signature.pk:
                voter_id = decision.voter.pk if decision.voter else None  # named by the address (by_address)
                outcomes.append(Outcome(decision.status, decision.reason, voter_id, None, decision))
            else:
                outcomes.append(Outcome(Status.DUPLICATE, "", None, original, decision))
        else:
            voter_id = decision.voter.pk if decision.voter else None
            outcomes.append(Outcome(decision.status, decision.reason, voter_id, None, decision))
    return outcomes, take_overs


def _take_overs_write(take_overs: list[_TakeOver]) -> None:
    """Take over the signatures that counted (locked when read, so still as read)."""
    for one in take_overs:
        take_over(one.signature, winner_id=one.winner_id)


def _write_outcomes(batch: list[Signature], outcomes: list[Outcome]) -> None:
    """Every outcome in one UPDATE, the tally changes summed into a few rows."""
    deltas: Counter = Counter()
    for signature, outcome in zip(batch, outcomes):
        before = bucket_of(signature, signature.petition)
        outcome_assign(signature, outcome)
        tally_move(deltas, before=before, after=bucket_of(signature, signature.petition))
    if connection.vendor == "postgresql":
        _update_outcomes_postgresql(batch)
    else:
        Signature.objects.bulk_update(batch, OUTCOME_FIELDS + MATCHER_FIELDS, batch_size=VALIDATE_BATCH)
    tally_changes_record(deltas)


def _update_outcomes_postgresql(batch: list[Signature]) -> None:
    """One UPDATE ... FROM (VALUES ...): Django's bulk_update builds a CASE per
    field and row, which costs more Python than the whole match."""
    rows = [
        (
            s.pk,
            s.status,
            s.reason,
            s.voter_id,
            s.duplicate_of_id,
            s.match_score,
            Json(s.match_candidates),
            s.person_key,
            s.validated_at,
        )
        for s in batch
    ]
    with connection.cursor() as cursor, connection.wrap_database_errors:  # psycopg2's errors as Django's
        execute_values(
            cursor.cursor,
            "UPDATE petitions_signature AS s SET status = v.status, reason = v.reason, voter_id = v.voter_id, "
            "duplicate_of_id = v.duplicate_of_id, validated_at = v.at, updated_at = v.at, "
            "match_score = v.match_score, match_candidates = v.match_candidates, person_key = v.person_key "
            "FROM (VALUES %s) AS v(id, status, reason, voter_id, duplicate_of_id, match_score, match_candidates, "
            "person_key, at) WHERE s.id = v.id",
            rows,
            template="(%s::bigint, %s::varchar, %s::varchar, %s::bigint, %s::bigint, %s::double precision, "
            "%s::jsonb, %s::varchar, %s::timestamptz)",
            page_size=len(rows),
        )


def pending_signature_ids(*, petition: Petition | None = None, older_than_seconds: int = 0) -> list[int]:
    qs = Signature.objects.filter(status=Status.PENDING)
    if petition is not None:
        qs = qs.filter(petition=petition)
    if older_than_seconds:
        qs = qs.filter(updated_at__lt=timezone.now() - timedelta(seconds=older_than_seconds))
    return list(qs.order_by("id").values_list("id", flat=True))
