"""Celery tasks. Thin: they take ids, call a service, and are safe to run twice."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from celery.signals import worker_process_shutdown
from django.conf import settings
from django.db import OperationalError

from petitions.models import Petition
from petitions.queue import queue_length, validation_queue
from petitions.services import bulk, exports, notifications, outbox, projections, signing, tallies, wet_ink
from petitions.services.retention import signatures_purge_unconfirmed
from petitions.validation import validate
from petitions.validation.candidates import ahead_close

logger = logging.getLogger(__name__)


@worker_process_shutdown.connect
def _close_candidate_helper(**kwargs) -> None:
    """A pool process ending closes the connections its candidate-fetching helper threads kept."""
    ahead_close()


# Time limits (seconds: soft, then hard). The soft one raises inside the task, whose transaction
# rolls back; the sweep finds what it left undone. Queues: CELERY_TASK_ROUTES in settings.
EMAIL_LIMITS = {"soft_time_limit": 60, "time_limit": 90}  # one email: EMAIL_TIMEOUT per SMTP step
VALIDATION_LIMITS = {"soft_time_limit": 300, "time_limit": 360}  # a batch of queue.VALIDATE_BATCH: about a second


@shared_task(acks_late=True, **EMAIL_LIMITS)
def send_confirmation_email(signature_id: int) -> bool:
    """Not retried by Celery: a failed send keeps its back-off in the row, and the sweep sends it when due."""
    return _send_email(signing.signature_send_confirmation, signature_id)


@shared_task(acks_late=True, **EMAIL_LIMITS)
def send_form_email(signature_id: int) -> bool:
    return _send_email(wet_ink.signature_send_form_email, signature_id)


def _send_email(send, signature_id: int) -> bool:
    try:
        return send(signature_id=signature_id)
    except (smtplib.SMTPException, OSError) as exc:  # services.outbox recorded it and when to try again
        logger.warning("signature %s: email not sent (%s); the sweep will try again", signature_id, exc)
        return False


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=5, **VALIDATION_LIMITS)
def validate_signature(self, signature_id: int) -> str | None:
    """One signature. Nothing queues it any more (validate_signatures takes
    batches); it stays so that messages queued before an upgrade still run."""
    try:
        signature = validate.signature_validate(signature_id=signature_id)
    except OperationalError as exc:  # database restarting or a lock timeout: try again a few times
        raise self.retry(exc=exc) from exc
    return signature.status if signature else None


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=5, **VALIDATION_LIMITS)
def validate_signatures(self, signature_ids: list[int]) -> int:
    """Validate a batch of signatures (queue.VALIDATE_BATCH at most) as one
    set. Returns how many this run validated (signatures no longer pending, or
    held by another worker, are left alone)."""
    try:
        return len(validate.signatures_validate(signature_ids=signature_ids))
    except OperationalError as exc:
        raise self.retry(exc=exc) from exc


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def count_signatures() -> int | None:
    """The one counting job (beat, every COUNT_INTERVAL seconds)."""
    return tallies.tallies_count()


@shared_task(acks_late=True, soft_time_limit=900, time_limit=960)
def recount_signatures() -> dict | None:
    run = tallies.tallies_recount()
    return None if run is None else {"changes": run.changes_applied, "drift": run.drift}


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def prune_counting_runs() -> int:
    """Nightly (beat): counting runs older than a week go, recounts and the last run stay."""
    return tallies.counting_runs_prune()


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def project_signatures() -> dict[str, int]:
    """Recompute every petition's expected county projections from the tallies
    (beat, every PROJECTION_INTERVAL seconds; pages never recompute). Safe to
    run twice: the same tallies give the same stored rows."""
    return {
        petition.slug: len(projections.projections_compute(petition=petition))
        for petition in Petition.objects.order_by("pk")
    }


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def compute_qualification_odds() -> dict[str, float | None]:
    """Simulate every petition's county samples and store its odds of qualifying and the raw still
    needed for a 90 % chance (beat, every ODDS_INTERVAL seconds; pages read the stored row). A few
    seconds per petition; safe to run twice: the same tallies give the same row (a fixed seed)."""
    result: dict[str, float | None] = {}
    for petition in Petition.objects.order_by("pk"):
        odds = projections.odds_compute(petition=petition)
        result[petition.slug] = None if odds is None else odds.qualifies
    return result


SWEEP_EMAIL_SECONDS = 30  # the sweep's time for sending due emails, each kind
SWEEP_LIMIT = 5000  # emails of each kind, and validations re-queued, per sweep


@shared_task(soft_time_limit=2 * SWEEP_EMAIL_SECONDS + 60, time_limit=2 * SWEEP_EMAIL_SECONDS + 90)
def sweep_stuck_work() -> dict:
    """What the broker lost or a dead worker left (beat, every SWEEP_INTERVAL seconds).

    Emails never sent, whose lease expired, or whose back-off is over are sent here, one at a time:
    during an SMTP outage that is one failed attempt per sweep, not a queue of thousands. Pending
    signatures older than SWEEP_GRACE go back to validation, but only when its queue is empty: a
    backlog is not stuck, and re-queueing it would validate everything twice."""
    emails, email_failures = outbox.emails_send_due(
        outbox.EmailKind.CONFIRMATION,
        signing.confirmation_due(),
        signing.confirmation_deliver,
        limit=SWEEP_LIMIT,
        seconds=SWEEP_EMAIL_SECONDS,
    )
    form_emails, form_failures = outbox.emails_send_due(
        outbox.EmailKind.FORM,
        wet_ink.form_email_due(older_than_seconds=settings.SWEEP_GRACE),
        wet_ink.form_email_deliver,
        limit=SWEEP_LIMIT,
        seconds=SWEEP_EMAIL_SECONDS,
    )
    notices, notice_failures = notifications.notifications_send_due(limit=20, seconds=SWEEP_EMAIL_SECONDS / 2)
    stuck: list[int] = []
    if queue_length("validation") == 0:
        stuck = validate.pending_signature_ids(older_than_seconds=settings.SWEEP_GRACE)[:SWEEP_LIMIT]
        validation_queue(stuck, on_commit=False)
    result = {
        "emails": emails,
        "form_emails": form_emails,
        "notifications": notices,
        "email_failures": email_failures + form_failures + notice_failures,
        "validations": len(stuck),
    }
    if any(result.values()):
        logger.info("sweep: %s", result)
    return result


# The organizers' notifications (queue `email`): a few emails per check, each under a lease of
# EMAIL_SEND_LEASE seconds (120), which the hard limit stays below so that a slow send is never taken twice.
NOTIFICATION_LIMITS = {"soft_time_limit": 100, "time_limit": 115}


@shared_task(acks_late=True, **NOTIFICATION_LIMITS)
def check_notifications(petition_id: int) -> int:
    """After a counting run (services.tallies.counts_publish queues it): send the petition's
    notifications now due, each once (services.notifications). Returns how many were sent."""
    petition = Petition.objects.filter(pk=petition_id).first()
    return 0 if petition is None else notifications.notifications_check(petition)


@shared_task(acks_late=True, **NOTIFICATION_LIMITS)
def notifications_daily() -> int:
    """Beat, once a day: each petition's daily summary to the organizers (once per day, however
    often it runs), with anything else due."""
    return notifications.notifications_daily()


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def purge_unconfirmed_signatures() -> int:
    """Daily (beat): unconfirmed signatures older than UNCONFIRMED_RETENTION_DAYS lose their personal data."""
    return signatures_purge_unconfirmed()


# A background export (queue `exports`): a million signatures as XLSX take a few minutes.
# LEFTOVER_SECONDS in services/exports.py stays above the hard limit.
EXPORT_LIMITS = {"soft_time_limit": 1200, "time_limit": 1260}


@shared_task(acks_late=True, **EXPORT_LIMITS)
def export_run(job_id: int) -> str | None:
    """Write one queued export's file with its progress (services.exports.export_job_run); a second
    run of the same job does nothing."""
    job = exports.export_job_run(job_id=job_id)
    return None if job is None else job.status


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def export_expire() -> dict[str, int]:
    """Beat, every EXPORT_EXPIRE_INTERVAL seconds: expired exports lose their files, exports a dead
    worker left are failed, lost ones queued again."""
    return exports.export_jobs_expire()


# A bulk invalidation and its undo (services/bulk.py), on `maintenance`: batches of bulk.BATCH with a
# transaction each, a second or so per batch; a run cut off by the limit goes on when queued again.
BULK_LIMITS = {"soft_time_limit": 3000, "time_limit": 3060}


@shared_task(acks_late=True, **BULK_LIMITS)
def bulk_invalidation_run(run_id: int) -> str | None:
    """Invalidate what a confirmed bulk invalidation selects, with progress; safe to run twice."""
    run = bulk.bulk_run(run_id=run_id)
    return None if run is None else run.status


@shared_task(acks_late=True, **BULK_LIMITS)
def bulk_invalidation_undo(run_id: int) -> str | None:
    """Restore what a bulk invalidation changed; safe to run twice."""
    run = bulk.bulk_undo_run(run_id=run_id)
    return None if run is None else run.status
