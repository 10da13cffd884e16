"""Bulk invalidation (the UK petitions site's tool): an Organizer selects signatures by criteria (client
address hash, email domain, a window of signing times, a circulator, a section), previews how many and a
sample, and runs it in the background (task `bulk_invalidation_run`, queue `maintenance`).

The run changes BATCH signatures per transaction: it locks the run row (so a cancel waits for the batch
and is seen before the next), locks the batch's rows, records each one's previous state
(BulkInvalidationItem), makes it `invalid` with the run's reason, decided by the organizer (the machine
never overrides it), and writes the tally changes in the same transaction (tallies.tally_changes_record).
So a cancel or a dead worker leaves every signature either changed with its item or untouched.

The selection is frozen at the preview: only signatures that existed then (`upto`, the highest id) are
touched, so the run changes what the preview counted unless a signature's status changed meanwhile.
Undo (task `bulk_invalidation_undo`) restores each item, in batches too, with its tally changes.

A `valid` signature that is invalidated stops counting its voter: its duplicates (those the run did not
select, not decided by a person) go back to `pending` and to validation, which counts the one that files
first. On undo a signature that was `valid` is restored unless its voter counts through another
signature by then; it then goes to validation, which again picks the one that files first. A signature
that was `pending` goes back to validation too. Signatures changed since the run are left as they are.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from petitions.models import BulkInvalidation, BulkInvalidationItem, Petition, PetitionSection, Signature
from petitions.queue import enqueue_on_commit, validation_queue
from petitions.services.audit import audit_record
from petitions.services.tallies import bucket_of, tally_changes_record, tally_move

Status = Signature.Status
Run = BulkInvalidation

BATCH = 500
SAMPLE = 20
#: Statuses a bulk invalidation changes. Unconfirmed signatures never count (and are purged);
#: invalid ones stay as they are, with their own reason.
SELECTED_STATUSES = (Status.PENDING, Status.VALID, Status.DUPLICATE, Status.REVIEW)
#: The reasons an organizer may give (a signature's invalid reasons that a bulk decision can mean).
REASONS = (Signature.Reason.FRAUD, Signature.Reason.WITHDRAWN, Signature.Reason.INCOMPLETE)
#: Only Organizer and Admin hold it (services/roles.py): the role a bulk invalidation takes.
ORGANIZER_PERMISSION = "petitions.export_personal_data"
CRITERIA = ("ip_hash", "email_domain", "created_from", "created_to", "circulator", "section")


class BulkRefused(Exception):
    """The request cannot be done as asked (the message says why); nothing was changed."""


# --- Selecting ---------------------------------------------------------------------------------


def selection(petition: Petition, criteria: dict[str, Any]) -> QuerySet[Signature]:
    """The signatures `criteria` select in `petition` that a run would change (stored criteria: ids,
    ISO datetimes; `upto` is the highest signature id the preview saw)."""
    query = Signature.objects.filter(petition=petition, status__in=SELECTED_STATUSES, purged_at__isnull=True)
    if criteria.get("ip_hash"):
        query = query.filter(ip_hash=criteria["ip_hash"])
    if criteria.get("email_domain"):
        query = query.filter(email__iendswith="@" + criteria["email_domain"])
    if criteria.get("created_from"):
        query = query.filter(created_at__gte=datetime.fromisoformat(criteria["created_from"]))
    if criteria.get("created_to"):
        query = query.filter(created_at__lt=datetime.fromisoformat(criteria["created_to"]))
    if criteria.get("circulator"):
        query = query.filter(section__circulator_id=criteria["circulator"])
    if criteria.get("section"):
        query = query.filter(section_id=criteria["section"])
    if criteria.get("upto") is not None:
        query = query.filter(pk__lte=criteria["upto"])
    return query


def criteria_check(petition: Petition, criteria: dict[str, Any]) -> dict[str, Any]:
    """The criteria as stored, or BulkRefused: at least one criterion, a window that ends after it
    starts, a circulator and a section of this petition."""
    clean = {key: criteria[key] for key in CRITERIA if criteria.get(key) not in (None, "")}
    if not clean:
        raise BulkRefused("Give at least one criterion: a bulk invalidation never selects a whole petition.")
    if clean.get("email_domain"):
        clean["email_domain"] = str(clean["email_domain"]).strip().lstrip("@").lower()
    for key in ("created_from", "created_to"):
        if isinstance(clean.get(key), datetime):
            clean[key] = clean[key].isoformat()
    if "created_from" in clean and "created_to" in clean and clean["created_to"] <= clean["created_from"]:
        raise BulkRefused("The window must end after it starts.")
    if "circulator" in clean and not petition.circulators.filter(pk=clean["circulator"]).exists():
        raise BulkRefused("No such circulator in this petition.")
    if "section" in clean and not PetitionSection.objects.filter(petition=petition, pk=clean["section"]).exists():
        raise BulkRefused("No such section in this petition.")
    return clean


# --- Preview -----------------------------------------------------------------------------------


@dataclass
class Preview:
    run: BulkInvalidation
    count: int
    sample: list[dict[str, Any]]
    personal: bool


def _sample_row(signature: Signature, personal: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": signature.pk,
        "status": signature.status,
        "county": signature.county.name,
        "channel": signature.channel,
        "section": signature.section.number if signature.section else "",
        "created_at": signature.created_at,
    }
    if personal:
        row["name"] = " ".join(p for p in (signature.first_name, signature.last_name) if p) or signature.name_as_written
        row["email"] = signature.email
        row["city"] = signature.city
    return row


def bulk_preview(*, user: User, petition: Petition, criteria: dict[str, Any], reason: str, note: str = "") -> Preview:
    """Count what the criteria select and show a sample of SAMPLE (names and emails only to a role with
    view_personal_data); the run is stored as a preview, its selection frozen at the highest id seen.
    Audited, with the sample's ids when it showed personal data."""
    _refuse_unless_organizer(user)
    if reason not in REASONS:
        raise BulkRefused("Choose the reason the signatures are invalid.")
    clean = criteria_check(petition, criteria)
    chosen = selection(petition, clean)
    upto = chosen.order_by("-pk").values_list("pk", flat=True).first()
    clean["upto"] = upto or 0
    count = chosen.count() if upto else 0
    personal = user.has_perm("petitions.view_personal_data")
    sample = [
        _sample_row(signature, personal)
        for signature in chosen.select_related("county", "section").order_by("pk")[:SAMPLE]
    ]
    run = BulkInvalidation.objects.create(
        user=user, petition=petition, criteria=clean, reason=reason, note=note[:300], previewed=count
    )
    detail: dict[str, Any] = {"criteria": clean, "count": count, "reason": reason, "personal": personal}
    if personal:
        detail["shown"] = [row["id"] for row in sample]
    audit_record(action="bulk.preview", user=user, target=run, detail=detail)
    return Preview(run=run, count=count, sample=sample, personal=personal)


# --- Start, cancel, undo (the requests) --------------------------------------------------------


def _queue(task_name: str, run_id: int) -> None:
    """After commit, run the task; without a broker (tasks run in the process that sends them), on a
    thread of its own, so that the page that asked answers at once and shows the progress."""
    if settings.EXPORT_ON_A_THREAD and current_app.conf.task_always_eager:
        task = current_app.tasks[f"petitions.tasks.{task_name}"]

        def run() -> None:
            try:
                task.apply((run_id,))
            finally:
                connection.close()

        transaction.on_commit(lambda: threading.Thread(target=run, name=f"embedded-{task_name}", daemon=True).start())
    else:
        enqueue_on_commit(task_name, run_id)


def bulk_allowed(user: User) -> bool:
    return user.has_perm(ORGANIZER_PERMISSION)


def _refuse_unless_organizer(user: User) -> None:
    if not bulk_allowed(user):
        raise BulkRefused("Bulk invalidation takes the Organizer role.")


def bulk_start(*, run: BulkInvalidation, user: User) -> BulkInvalidation:
    """Confirm a previewed run: it is queued for the maintenance worker. Audited."""
    _refuse_unless_organizer(user)
    with transaction.atomic():
        claimed = Run.objects.filter(pk=run.pk, status=Run.Status.PREVIEW).update(status=Run.Status.QUEUED)
        if not claimed:
            raise BulkRefused("This bulk invalidation has started already.")
        audit_record(action="bulk.start", user=user, target=run, detail={"previewed": run.previewed})
        _queue("bulk_invalidation_run", run.pk)
    run.refresh_from_db()
    return run


def bulk_cancel(*, run: BulkInvalidation, user: User) -> BulkInvalidation:
    """Stop a run: a queued one at once, a running one after the batch it is in. Audited."""
    _refuse_unless_organizer(user)
    with transaction.atomic():
        if Run.objects.filter(pk=run.pk, status__in=[Run.Status.PREVIEW, Run.Status.QUEUED]).update(
            status=Run.Status.CANCELLED, cancel_requested=True, finished_at=timezone.now()
        ):
            pass
        elif not Run.objects.filter(pk=run.pk, status=Run.Status.RUNNING).update(cancel_requested=True):
            raise BulkRefused("Only a run that has not finished can be cancelled.")
        audit_record(action="bulk.cancel", user=user, target=run)
    run.refresh_from_db()
    return run


def bulk_undo(*, run: BulkInvalidation, user: User) -> BulkInvalidation:
    """Queue the undo of a finished or cancelled run (task bulk_invalidation_undo). Audited."""
    _refuse_unless_organizer(user)
    with transaction.atomic():
        if not Run.objects.filter(pk=run.pk, status__in=[Run.Status.DONE, Run.Status.CANCELLED]).update(
            status=Run.Status.UNDOING, undone_by=user, done=0, total=None
        ):
            raise BulkRefused("Only a finished or cancelled run can be undone.")
        audit_record(action="bulk.undo", user=user, target=run)
        _queue("bulk_invalidation_undo", run.pk)
    run.refresh_from_db()
    return run


# --- The run and the undo (the tasks) ----------------------------------------------------------

INVALIDATED_FIELDS = ["status", "reason", "duplicate_of", "decided_by", "validated_at", "updated_at"]


def _free_duplicates(originals: list[int], chosen: QuerySet[Signature]) -> list[int]:
    """The duplicates of signatures that stopped counting go back to `pending` (validation decides
    again which one counts); those the run selects, or a person decided, are left. Returns their ids."""
    freed = list(
        Signature.objects.select_for_update(of=("self",))
        .select_related("petition")
        .filter(duplicate_of_id__in=originals, status=Status.DUPLICATE, decided_by__isnull=True)
        .exclude(pk__in=chosen.values("pk"))
        .order_by("pk")
    )
    deltas: Counter = Counter()
    now = timezone.now()
    for signature in freed:
        before = bucket_of(signature, signature.petition)
        signature.status, signature.duplicate_of_id, signature.updated_at = Status.PENDING, None, now
        tally_move(deltas, before=before, after=bucket_of(signature, signature.petition))
    Signature.objects.bulk_update(freed, ["status", "duplicate_of", "updated_at"])
    tally_changes_record(deltas)
    return [signature.pk for signature in freed]


def bulk_run(*, run_id: int, batch: int | None = None, after_batch=None) -> BulkInvalidation | None:
    """Run a queued bulk invalidation in batches (safe to run twice: a finished run does nothing, and a
    redelivered one goes on where it stopped). `after_batch(run)` is called after each committed batch
    (tests)."""
    with transaction.atomic():
        run = Run.objects.select_for_update(of=("self",)).filter(pk=run_id).first()
        if run is None or run.status not in (Run.Status.QUEUED, Run.Status.RUNNING):
            return run
        if run.status == Run.Status.QUEUED:
            run.status, run.started_at = Run.Status.RUNNING, timezone.now()
            run.total = selection(run.petition, run.criteria).count()
            run.save(update_fields=["status", "started_at", "total"])
    batch = batch or BATCH
    chosen = selection(run.petition, run.criteria)
    freed: list[int] = []
    while True:
        with transaction.atomic():
            run = Run.objects.select_for_update(of=("self",)).select_related("petition", "user").get(pk=run_id)
            if run.cancel_requested:
                run.status, run.finished_at = Run.Status.CANCELLED, timezone.now()
                run.save(update_fields=["status", "finished_at"])
                break
            signatures = list(chosen.select_for_update(of=("self",)).select_related("petition").order_by("pk")[:batch])
            if not signatures:
                run.status, run.finished_at = Run.Status.DONE, timezone.now()
                run.save(update_fields=["status", "finished_at"])
                break
            deltas: Counter = Counter()
            items = []
            now = timezone.now()
            for signature in signatures:
                before = bucket_of(signature, signature.petition)
                items.append(
                    BulkInvalidationItem(
                        run=run,
                        signature=signature,
                        previous_status=signature.status,
                        previous_reason=signature.reason,
                        previous_duplicate_of_id=signature.duplicate_of_id,
                        previous_decided_by_id=signature.decided_by_id,
                    )
                )
                signature.status, signature.reason, signature.duplicate_of_id = Status.INVALID, run.reason, None
                signature.decided_by_id = run.user_id
                signature.validated_at = signature.updated_at = now
                tally_move(deltas, before=before, after=bucket_of(signature, signature.petition))
            Signature.objects.bulk_update(signatures, INVALIDATED_FIELDS)
            BulkInvalidationItem.objects.bulk_create(items)
            tally_changes_record(deltas)
            originals = [item.signature_id for item in items if item.previous_status == Status.VALID]
            if originals:
                freed_now = _free_duplicates(originals, chosen)
                validation_queue(freed_now)
                freed += freed_now
            run.done += len(signatures)
            run.total = max(run.total or 0, run.done)
            run.save(update_fields=["done", "total"])
        if after_batch is not None:
            after_batch(run)
    audit_record(
        action="bulk.finished",
        actor="bulk_invalidation_run",
        target=run,
        detail={"status": run.status, "changed": run.done, "previewed": run.previewed, "revalidated": len(freed)},
    )
    return run


def _restore(signature: Signature, item: BulkInvalidationItem) -> None:
    """Put back what the item recorded; `pending` instead when that would break a constraint (its voter
    counts through another signature now)."""
    signature.status, signature.reason = item.previous_status, item.previous_reason
    signature.duplicate_of_id = item.previous_duplicate_of_id
    signature.decided_by_id = item.previous_decided_by_id
    signature.updated_at = timezone.now()
    fields = ["status", "reason", "duplicate_of", "decided_by", "updated_at"]
    try:
        with transaction.atomic():
            signature.save(update_fields=fields)
    except IntegrityError:
        signature.status, signature.reason, signature.duplicate_of_id = Status.PENDING, "", None
        signature.save(update_fields=fields)


def bulk_undo_run(*, run_id: int, batch: int | None = None) -> BulkInvalidation | None:
    """Restore every item of a run still as the run left it (invalid with the run's reason), in batches
    with their tally changes; signatures changed since are left and counted in the audit row."""
    batch = batch or BATCH
    revalidated = 0
    skipped = 0
    while True:
        with transaction.atomic():
            run = Run.objects.select_for_update(of=("self",)).select_related("petition").filter(pk=run_id).first()
            if run is None or run.status != Run.Status.UNDOING:
                return run
            if run.total is None:
                run.total = run.items.filter(restored_at__isnull=True).count()
            items = list(run.items.filter(restored_at__isnull=True).order_by("pk")[:batch])
            if not items:
                run.status = Run.Status.UNDONE
                run.undone_at = timezone.now()
                run.save(update_fields=["status", "undone_at", "total"])
                break
            locked = {
                s.pk: s
                for s in Signature.objects.select_for_update(of=("self",))
                .select_related("petition")
                .filter(pk__in=[item.signature_id for item in items])
            }
            deltas: Counter = Counter()
            revalidate: list[int] = []
            now = timezone.now()
            for item in items:
                signature = locked[item.signature_id]
                item.restored_at = now
                if signature.status != Status.INVALID or signature.reason != run.reason:
                    skipped += 1
                    continue
                before = bucket_of(signature, signature.petition)
                _restore(signature, item)
                if signature.status == Status.PENDING:
                    revalidate.append(signature.pk)
                tally_move(deltas, before=before, after=bucket_of(signature, signature.petition))
            tally_changes_record(deltas)
            BulkInvalidationItem.objects.bulk_update(items, ["restored_at"])
            validation_queue(revalidate)
            revalidated += len(revalidate)
            run.done += len(items)
            run.save(update_fields=["done", "total"])
    audit_record(
        action="bulk.undone",
        actor="bulk_invalidation_undo",
        target=run,
        detail={"restored": run.done - skipped, "changed_since": skipped, "revalidated": revalidated},
    )
    return run
