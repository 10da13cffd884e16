"""Celery tasks. Thin: they take ids, call a service, and are safe to run twice."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from celery import shared_task
from celery.signals import worker_process_shutdown
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from petitions.models import Petition, Signature
from petitions.queue import validation_queue
from petitions.services import projections, signing, tallies, wet_ink
from petitions.services.retention import signatures_purge_unconfirmed
from petitions.validation import validate
from petitions.validation.candidates import ahead_close

logger = logging.getLogger(__name__)


@worker_process_shutdown.connect
def _close_candidate_helper(**kwargs) -> None:
    """A pool process ending closes the connections its candidate-fetching helper threads kept."""
    ahead_close()


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    max_retries=5,
    retry_backoff=True,
    retry_backoff_max=300,
)
def send_confirmation_email(self, signature_id: int) -> bool:
    return signing.signature_send_confirmation(signature_id=signature_id)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    max_retries=5,
    retry_backoff=True,
    retry_backoff_max=300,
)
def send_form_email(self, signature_id: int) -> bool:
    return wet_ink.signature_send_form_email(signature_id=signature_id)


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=5)
def validate_signature(self, signature_id: int) -> str | None:
    """One signature. Nothing queues it any more (validate_signatures takes
    batches); it stays so that messages queued before an upgrade still run."""
    try:
        signature = validate.signature_validate(signature_id=signature_id)
    except OperationalError as exc:  # database restarting or a lock timeout: try again a few times
        raise self.retry(exc=exc) from exc
    return signature.status if signature else None


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=5)
def validate_signatures(self, signature_ids: list[int]) -> int:
    """Validate a batch of signatures (queue.VALIDATE_BATCH at most) as one
    set. Returns how many this run validated (signatures no longer pending, or
    held by another worker, are left alone)."""
    try:
        return len(validate.signatures_validate(signature_ids=signature_ids))
    except OperationalError as exc:
        raise self.retry(exc=exc) from exc


@shared_task(acks_late=True)
def count_signatures() -> int | None:
    """The one counting job (beat, every COUNT_INTERVAL seconds)."""
    return tallies.tallies_count()


@shared_task(acks_late=True)
def recount_signatures() -> dict | None:
    run = tallies.tallies_recount()
    return None if run is None else {"changes": run.changes_applied, "drift": run.drift}


@shared_task(acks_late=True)
def project_signatures() -> dict[str, int]:
    """Recompute every petition's expected county projections from the tallies
    (beat, every PROJECTION_INTERVAL seconds; pages never recompute). Safe to
    run twice: the same tallies give the same stored rows."""
    return {
        petition.slug: len(projections.projections_compute(petition=petition))
        for petition in Petition.objects.order_by("pk")
    }


@shared_task
def sweep_stuck_work() -> dict:
    """Resend what the broker never got: confirmation emails, validations and form emails."""
    cutoff = timezone.now() - timedelta(seconds=settings.SWEEP_GRACE)
    unsent = list(
        Signature.objects.filter(
            status=Signature.Status.UNCONFIRMED,
            confirmation_sent_at__isnull=True,
            created_at__lt=cutoff,
            # a link past CONFIRMATION_LINK_DAYS would not work; a purged one has no address
            created_at__gt=timezone.now() - timedelta(days=settings.CONFIRMATION_LINK_DAYS),
            purged_at__isnull=True,
        ).values_list("id", flat=True)[:5000]
    )
    for signature_id in unsent:
        send_confirmation_email.delay(signature_id)
    stuck = validate.pending_signature_ids(older_than_seconds=settings.SWEEP_GRACE)[:5000]
    validation_queue(stuck, on_commit=False)
    forms = wet_ink.unsent_form_email_ids(older_than_seconds=settings.SWEEP_GRACE)
    for signature_id in forms:
        send_form_email.delay(signature_id)
    if unsent or stuck or forms:
        logger.info(
            "sweep resent %d confirmation emails, %d validations and %d form emails",
            len(unsent),
            len(stuck),
            len(forms),
        )
    return {"emails": len(unsent), "validations": len(stuck), "form_emails": len(forms)}


@shared_task(acks_late=True)
def purge_unconfirmed_signatures() -> int:
    """Daily (beat): unconfirmed signatures older than UNCONFIRMED_RETENTION_DAYS lose their personal data."""
    return signatures_purge_unconfirmed()
