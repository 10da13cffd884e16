"""The one write path for signatures: create, confirm, validate, decide."""

from __future__ import annotations

import gc
import logging
import secrets
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from petitions.codes import FORM, MalformedCode, code_format, code_parse
from petitions.matching.engine import Decision, decide, decide_many
from petitions.models import County, Petition, Signature, Voter
from petitions.services.abuse import (  # client_ip_hash: the benchmarks and tests import it from here
    client_ip_hash,  # noqa: F401
    confirmation_email_allowed,
    confirmation_email_release,
)
from petitions.services.audit import audit_record
from petitions.services.tallies import bucket_of, filing_rank, tally_change_record, tally_changes_record, tally_move
from petitions.services.tasks_queue import enqueue_on_commit
from petitions.services.wet_ink import form_emails_queue

logger = logging.getLogger(__name__)

Status = Signature.Status


# --- Confirmation tokens -------------------------------------------------------


def confirmation_token(signature: Signature) -> str:
    """'<id>-<keyed hash>': the database holds only the nonce, so a copy of it cannot confirm."""
    digest = salted_hmac("calexit.confirm", f"{signature.pk}:{signature.confirm_nonce}", algorithm="sha256").hexdigest()
    return f"{signature.pk}-{digest[:40]}"


def signature_for_token(token: str) -> Signature | None:
    pk, _, _digest = token.partition("-")
    if not (pk.isascii() and pk.isdigit()) or len(pk) > 18:  # noqa: RUF003 - '١' is a digit to isdigit(), not to int()'s bigint
        return None
    signature = (
        Signature.objects.select_related("petition").filter(pk=int(pk), channel=Signature.Channel.ONLINE).first()
    )
    if signature is None or not signature.confirm_nonce:
        return None
    return signature if constant_time_compare(confirmation_token(signature), token) else None


def confirmation_url(signature: Signature) -> str:
    path = reverse(
        "petitions:confirm", kwargs={"slug": signature.petition.slug, "token": confirmation_token(signature)}
    )
    return f"{settings.SITE_URL}{path}"


# --- Online signing ----------------------------------------------------------


@dataclass(frozen=True)
class OnlineSignatureInput:
    first_name: str
    middle_name: str
    last_name: str
    suffix: str
    address: str
    unit: str
    city: str
    zip: str
    county: County
    email: str
    dob: date | None


def signature_create_online(
    *, petition: Petition, data: OnlineSignatureInput, ip_hash: str, hold: str = Signature.Hold.NONE
) -> Signature:
    """Save an online signature as unconfirmed and send the confirmation email after commit.
    A `hold` (abuse.signature_hold_decide) keeps it from counting until a person clears it."""
    with transaction.atomic():
        signature = Signature.objects.create(
            petition=petition,
            channel=Signature.Channel.ONLINE,
            status=Status.UNCONFIRMED,
            county=data.county,
            first_name=data.first_name,
            middle_name=data.middle_name,
            last_name=data.last_name,
            suffix=data.suffix,
            address=data.address,
            unit=data.unit,
            city=data.city,
            zip=data.zip,
            email=data.email,
            dob=data.dob,
            date_signed=timezone.localdate(),
            confirm_nonce=secrets.token_hex(16),
            ip_hash=ip_hash,
            hold=hold,
        )
        from petitions import tasks

        enqueue_on_commit(tasks.send_confirmation_email, signature.pk)
    return signature


def signature_send_confirmation(*, signature_id: int) -> bool:
    """Send the confirmation email once. Returns True when this call sent it.

    An address gets at most CONFIRMATION_EMAIL_LIMIT of them (counted in the
    cache: one atomic increment, where counting rows would scan a day of
    signatures by an unindexed email). Over it the signature stays saved and
    claimed, so neither a retry nor the sweep sends it; the signer can sign
    again another day."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    claimed = Signature.objects.filter(
        pk=signature_id, status=Status.UNCONFIRMED, confirmation_sent_at__isnull=True
    ).update(confirmation_sent_at=timezone.now())
    if claimed != 1:
        return False
    signature = Signature.objects.select_related("petition").get(pk=signature_id)
    if not confirmation_email_allowed(email=signature.email):
        logger.info("signature %s: no confirmation email, its address had its share for now", signature_id)
        return False
    context = {"signature": signature, "petition": signature.petition, "url": confirmation_url(signature)}
    try:
        send_mail(
            subject=f"Confirm your signature: {signature.petition.title}",
            message=render_to_string("email/confirm_signature.txt", context),
            from_email=None,
            recipient_list=[signature.email],
        )
    except Exception:
        # Not sent: release the claim (and the address's share) so a retry or the sweep sends it.
        Signature.objects.filter(pk=signature_id).update(confirmation_sent_at=None)
        confirmation_email_release(email=signature.email)
        raise
    return True


class ConfirmResult:
    CONFIRMED = "confirmed"
    ALREADY = "already"


def signature_confirm(*, signature: Signature) -> str:
    """The signer clicked the link and pressed confirm: queue the signature for validation."""
    with transaction.atomic():
        updated = Signature.objects.filter(pk=signature.pk, status=Status.UNCONFIRMED).update(
            status=Status.PENDING, confirmed_at=timezone.now()
        )
        if updated != 1:
            return ConfirmResult.ALREADY
        signature.refresh_from_db()
        tally_change_record(before=None, after=bucket_of(signature, signature.petition))
        from petitions import tasks

        tasks.queue_validation([signature.pk])
    return ConfirmResult.CONFIRMED


# --- Validation --------------------------------------------------------------

_OUTCOME_FIELDS = ["status", "reason", "voter", "duplicate_of", "validated_at", "updated_at"]
_MATCHER_FIELDS = ["match_score", "match_candidates", "person_key"]


def _assign_outcome(
    signature: Signature,
    *,
    status: str,
    reason: str = "",
    voter_id: int | None = None,
    duplicate_of_id: int | None = None,
    decision: Decision | None = None,
) -> list[str]:
    """Set an outcome on the instance (not saved); returns the fields it set.
    With the machine's `decision`, its match score, candidates and person key too."""
    signature.status = status
    signature.reason = reason
    signature.voter_id = voter_id
    signature.duplicate_of_id = duplicate_of_id
    signature.validated_at = signature.updated_at = timezone.now()
    if decision is None or not decision.by_matcher:
        return _OUTCOME_FIELDS
    signature.match_score = decision.score
    signature.match_candidates = decision.scored
    signature.person_key = decision.person_key
    return _OUTCOME_FIELDS + _MATCHER_FIELDS


def _set_outcome(
    signature: Signature,
    *,
    status: str,
    reason: str = "",
    voter_id: int | None = None,
    duplicate_of_id: int | None = None,
    decision: Decision | None = None,
) -> None:
    """Record a status change and its tally change."""
    before = bucket_of(signature, signature.petition)
    fields = _assign_outcome(
        signature, status=status, reason=reason, voter_id=voter_id, duplicate_of_id=duplicate_of_id, decision=decision
    )
    signature.save(update_fields=fields)
    tally_change_record(before=before, after=bucket_of(signature, signature.petition))


def _take_over(original: Signature, *, winner_id: int) -> None:
    """`original` (locked, `valid`) stops counting for its voter: the signature
    `winner_id`, which ranks before it (filing_rank), is about to count. It
    becomes that one's duplicate, and its own duplicates point there too.
    Call before the winner is made `valid` (one valid signature per voter)."""
    _set_outcome(original, status=Status.DUPLICATE, voter_id=original.voter_id, duplicate_of_id=winner_id)
    Signature.objects.filter(duplicate_of_id=original.pk).exclude(pk=winner_id).update(duplicate_of_id=winner_id)


def _held_for_review(signature: Signature, decision: Decision) -> Decision:
    """A held signature (over a signing limit) that would count goes to review
    instead, its voter the one candidate: it counts once a person accepts it."""
    return Decision(
        status=Status.REVIEW,
        score=decision.score if decision.score is not None else signature.match_score,
        scored=[{"voter": decision.voter.pk, "score": decision.score}],
        person_key=decision.person_key or signature.person_key,
        by_matcher=True,
    )


def _count_for_voter(signature: Signature, decision: Decision) -> None:
    """Record a `valid` decision. The voter counts once: the signature that
    ranks first (filing_rank: under the wet-ink rule a filed one before a
    pledge) is `valid` and every other one of theirs is its duplicate. The
    one counting now is locked before it is compared, and a concurrent worker
    that counts the voter first makes the insert fail on the one-valid-per-
    voter constraint, so this looks again. A held signature goes to review."""
    if signature.hold:
        _set_outcome(signature, status=Status.REVIEW, decision=_held_for_review(signature, decision))
        return
    voter_id = decision.voter.pk
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
                    _set_outcome(signature, status=Status.VALID, voter_id=voter_id, decision=decision)
                return
            except IntegrityError:
                signature.refresh_from_db()  # another signature of this voter was counted meanwhile
                continue
        Signature.petition.field.set_cached_value(counting, petition)
        if filing_rank(signature, petition) < filing_rank(counting, petition):
            _take_over(counting, winner_id=signature.pk)
            _set_outcome(signature, status=Status.VALID, voter_id=voter_id, decision=decision)
        else:
            _set_outcome(
                signature, status=Status.DUPLICATE, voter_id=voter_id, duplicate_of_id=counting.pk, decision=decision
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


def _apply_decision(signature: Signature, decision: Decision) -> None:
    """Record a decision. Two database constraints keep racing workers honest:
    one `valid` signature per voter and petition (which one: _count_for_voter),
    and one `not_registered` machine decision per person key and petition (the
    "original" of an unregistered person); the signature that loses the race
    becomes the duplicate of the one that won."""
    if decision.status == Status.VALID:
        _count_for_voter(signature, decision)
        return
    voter_id = decision.voter.pk if decision.voter else None
    if decision.reason == Signature.Reason.NOT_REGISTERED and decision.person_key:
        try:
            with transaction.atomic():
                _set_outcome(
                    signature, status=decision.status, reason=decision.reason, voter_id=voter_id, decision=decision
                )
            return
        except IntegrityError:
            # The same unregistered person signed before: link this signature to that one.
            signature.refresh_from_db()
            signature.person_key = decision.person_key
            original = _unregistered_original_id(signature)
            if original is None:
                raise
        _set_outcome(signature, status=Status.DUPLICATE, duplicate_of_id=original, decision=decision)
        return
    _set_outcome(signature, status=decision.status, reason=decision.reason, voter_id=voter_id, decision=decision)


DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE
VALIDATE_BATCH = 500  # signatures per batch task: candidates fetched in one query, outcomes written at once


def _synchronous_commit_off() -> None:
    """On PostgreSQL the commit does not wait for the disk (for this transaction
    only): a crash can lose the last fraction of a second of validations, which
    then are still `pending` and are validated again by the sweep; nothing
    half-done is ever visible."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Python's cycle collector off for one batch. A batch makes hundreds of
    thousands of short-lived objects (model instances, candidate rows, fits),
    none in a reference cycle: reference counting frees them all, yet each
    700 allocations start a collection that walks every young object and,
    now and then, the matcher's caches of name pairs too. That was a quarter
    of the batch's CPU (BENCHMARKS.md). A collection after a batch at 5 M
    voters found nothing to collect; a cycle made meanwhile would be
    collected after the batch."""
    if not gc.isenabled():  # already paused (a caller's batch) or switched off by the process
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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
        _apply_decision(signature, decide(signature))
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
        with _cyclic_gc_paused(), transaction.atomic():
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
class _Outcome:
    status: str
    reason: str
    voter_id: int | None
    duplicate_of_id: int | None
    decision: Decision


@dataclass(frozen=True)
class _TakeOver:
    signature: Signature  # counting now, as read
    winner_id: int  # the batch's signature that ranks before it


def _link_duplicates(batch: list[Signature], decisions: list[Decision]) -> tuple[list[_Outcome], list[_TakeOver]]:
    """Turn decisions into outcomes. A voter counts once: of their signatures
    in this batch and the one counting in the database, the one that ranks
    first (filing_rank) is `valid` and the others are its duplicates; when a
    signature of the batch ranks before the one counting in the database,
    that one is taken over (returned apart, written first). An unregistered
    person who already signed makes a `not_registered` decision a duplicate
    of their first signature. A held signature that would count goes to review."""
    decisions = [
        _held_for_review(signature, decision) if signature.hold and decision.status == Status.VALID else decision
        for signature, decision in zip(batch, decisions)
    ]
    voters = {d.voter.pk for d in decisions if d.status == Status.VALID}
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
    first: dict[tuple[int, int], tuple[tuple, int]] = {}  # (petition, voter) -> (rank, id) of the one to count
    for (petition_id, _voter_id), signature in counting.items():
        Signature.petition.field.set_cached_value(signature, petitions[petition_id])
    for key, signature in counting.items():
        first[key] = (filing_rank(signature, signature.petition), signature.pk)
    for signature, decision in zip(batch, decisions):
        if decision.status == Status.VALID:
            key = (signature.petition_id, decision.voter.pk)
            rank = filing_rank(signature, signature.petition)
            if key not in first or rank < first[key][0]:
                first[key] = (rank, signature.pk)
    take_overs = [
        _TakeOver(signature, winner_id=first[key][1])
        for key, signature in counting.items()
        if first[key][1] != signature.pk
    ]
    outcomes = []
    for signature, decision in zip(batch, decisions):
        if decision.status == Status.VALID:
            winner = first[(signature.petition_id, decision.voter.pk)][1]
            if winner == signature.pk:
                outcomes.append(_Outcome(Status.VALID, "", decision.voter.pk, None, decision))
            else:
                outcomes.append(_Outcome(Status.DUPLICATE, "", decision.voter.pk, winner, decision))
        elif decision.reason == Signature.Reason.NOT_REGISTERED and decision.person_key:
            original = originals.setdefault((signature.petition_id, decision.person_key), signature.pk)
            if original == signature.pk:
                voter_id = decision.voter.pk if decision.voter else None  # named by the address (by_address)
                outcomes.append(_Outcome(decision.status, decision.reason, voter_id, None, decision))
            else:
                outcomes.append(_Outcome(Status.DUPLICATE, "", None, original, decision))
        else:
            voter_id = decision.voter.pk if decision.voter else None
            outcomes.append(_Outcome(decision.status, decision.reason, voter_id, None, decision))
    return outcomes, take_overs


def _take_overs_write(take_overs: list[_TakeOver]) -> None:
    """Take over the signatures that counted (locked when read, so still as read)."""
    for take_over in take_overs:
        _take_over(take_over.signature, winner_id=take_over.winner_id)


def _write_outcomes(batch: list[Signature], outcomes: list[_Outcome]) -> None:
    """Every outcome in one UPDATE, the tally changes summed into a few rows."""
    deltas: Counter = Counter()
    for signature, outcome in zip(batch, outcomes):
        before = bucket_of(signature, signature.petition)
        _assign_outcome(
            signature,
            status=outcome.status,
            reason=outcome.reason,
            voter_id=outcome.voter_id,
            duplicate_of_id=outcome.duplicate_of_id,
            decision=outcome.decision,
        )
        tally_move(deltas, before=before, after=bucket_of(signature, signature.petition))
    if connection.vendor == "postgresql":
        _update_outcomes_postgresql(batch)
    else:
        Signature.objects.bulk_update(batch, _OUTCOME_FIELDS + _MATCHER_FIELDS, batch_size=VALIDATE_BATCH)
    tally_changes_record(deltas)


def _update_outcomes_postgresql(batch: list[Signature]) -> None:
    """One UPDATE ... FROM (VALUES ...): Django's bulk_update builds a CASE per
    field and row, which costs more Python than the whole match."""
    from psycopg2.extras import Json, execute_values

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
    touched. Each move goes through `_set_outcome`, so the tallies follow."""
    from petitions import tasks

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
                _set_outcome(
                    signature, status=Status.PENDING, decision=Decision(status=Status.PENDING, by_matcher=True)
                )
            tasks.queue_validation([signature.pk for signature in batch])
            moved += len(batch)
            last_id = batch[-1].pk
    return moved


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
            _apply_decision(locked, Decision(status=Status.VALID, voter=Voter.objects.get(pk=voter_id)))
        else:
            _set_outcome(locked, status=status, reason=reason, voter_id=voter_id)
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


def pending_signature_ids(*, petition: Petition | None = None, older_than_seconds: int = 0) -> list[int]:
    qs = Signature.objects.filter(status=Status.PENDING)
    if petition is not None:
        qs = qs.filter(petition=petition)
    if older_than_seconds:
        qs = qs.filter(updated_at__lt=timezone.now() - timedelta(seconds=older_than_seconds))
    return list(qs.order_by("id").values_list("id", flat=True))


# --- Wet-ink forms coming back -------------------------------------------------


class FormIntake:
    RECEIVED = "received"
    ALREADY = "already"
    UNKNOWN = "unknown"
    MALFORMED = "malformed"
    OTHER_PETITION = "other_petition"
    NOT_A_FORM = "not_a_form"


@dataclass(frozen=True)
class FormIntakeResult:
    outcome: str
    message: str
    code: str = ""
    signature: Signature | None = None

    @property
    def changed(self) -> bool:
        return self.outcome == FormIntake.RECEIVED


def signature_receive_form(
    *, code: str, petition: Petition, user: User | None = None, actor: str = ""
) -> FormIntakeResult:
    """A signed wet-ink form arrived: record it once (who, when), and its
    signature becomes filed, moving from `pledged` to `raw` in the counts.

    A second scan of the same code, an unknown or malformed code, or a code
    of another petition changes nothing and says so. Under the row lock two
    volunteers scanning one form at once record it once. A form whose
    signature was the duplicate of a pledge now ranks before that pledge
    (filing_rank), so it takes its place as the one that counts."""
    try:
        parsed = code_parse(code)
    except MalformedCode as exc:
        return FormIntakeResult(FormIntake.MALFORMED, f"{exc} Nothing changed.")
    if parsed.kind != FORM:
        return FormIntakeResult(
            FormIntake.NOT_A_FORM,
            f"{code_format(parsed)} is a {parsed.kind_name}'s code, not a "
            "wet-ink form's: record returned sections on the Sections page. Nothing changed.",
            code=code_format(parsed),
        )
    text = code_format(parsed)
    with transaction.atomic():
        signature = (
            Signature.objects.select_for_update(of=("self",))
            .select_related("petition", "county")
            .filter(pk=parsed.pk, channel=Signature.Channel.ONLINE)
            .exclude(status=Status.UNCONFIRMED)
            .first()
        )
        if signature is None:
            return FormIntakeResult(
                FormIntake.UNKNOWN, f"No form has the code {text}. Check the code. Nothing changed.", code=text
            )
        if signature.petition_id != petition.pk:
            return FormIntakeResult(
                FormIntake.OTHER_PETITION,
                f"Form {text} belongs to another petition, "
                f"\u201c{signature.petition.title}\u201d ({signature.petition.slug}). Nothing changed.",
                code=text,
                signature=signature,
            )
        if signature.wet_ink_received_at is not None:
            when = timezone.localtime(signature.wet_ink_received_at)
            by = signature.wet_ink_received_by.get_username() if signature.wet_ink_received_by_id else "a file"
            return FormIntakeResult(
                FormIntake.ALREADY,
                f"Form {text} was already received on {when:%b %d, %Y at %H:%M} by {by}. Nothing changed.",
                code=text,
                signature=signature,
            )
        before = bucket_of(signature, signature.petition)
        signature.wet_ink_received_at = timezone.now()
        signature.wet_ink_received_by = user if user is not None and user.is_authenticated else None
        signature.save(update_fields=["wet_ink_received_at", "wet_ink_received_by", "updated_at"])
        tally_change_record(before=before, after=bucket_of(signature, signature.petition))
        if signature.status == Status.DUPLICATE and signature.voter_id is not None:
            _count_for_voter(signature, Decision(status=Status.VALID, voter=signature.voter))
        audit_record(
            action="form.receive",
            user=user,
            actor=actor,
            target=signature,
            detail={"code": text, "status": signature.status, "county": signature.county_id},
        )
    return FormIntakeResult(
        FormIntake.RECEIVED, f"Received form {text} ({signature.county.name} County).", code=text, signature=signature
    )
