"""Sending a signer's email exactly once, whatever fails: the confirmation email and the "Your petition form" email.

An email is taken with a lease, not a flag. Taking it sets its `retry_at` to now + EMAIL_SEND_LEASE and
counts an attempt, in one conditional UPDATE, so two workers never send it at once. Then:

- sent: `sent_at` is set and the email is done. When the database is away at that moment the worker
  retries the record while its lease holds, so a PostgreSQL restart does not send the email twice;
- the SMTP server refused or timed out: `retry_at` moves to now + the back-off for that attempt
  (EMAIL_RETRY_BASE doubling up to EMAIL_RETRY_MAX), and the sweep tries again once it is due;
- the worker died mid-send: nobody clears the lease, it expires, and the sweep sends it.

The sweep (`emails_send_due`) sends what is due itself, one email at a time, and stops at the first
failure: during an SMTP outage it makes one attempt per sweep instead of queueing thousands of sends.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from petitions.models import Signature

logger = logging.getLogger(__name__)

RECORD_RETRY = 0.5  # seconds between tries to record a sent email while the database is away


class EmailKind(enum.Enum):
    """Which email, by the Signature fields that keep its state: sent_at, retry_at, attempts."""

    CONFIRMATION = "confirmation"
    FORM = "form_email"

    @property
    def sent(self) -> str:
        return "confirmation_sent_at" if self is EmailKind.CONFIRMATION else "form_email_sent_at"

    @property
    def retry(self) -> str:
        return f"{self.value}_retry_at"

    @property
    def attempts(self) -> str:
        return f"{self.value}_attempts"

    def unsent(self) -> Q:
        """Not sent, and not leased or backing off."""
        return Q(**{f"{self.sent}__isnull": True}) & (
            Q(**{f"{self.retry}__isnull": True}) | Q(**{f"{self.retry}__lte": timezone.now()})
        )


#: Sends the email for a signature; returns False when it decided not to (the signature is then done too).
Deliver = Callable[[Signature], bool]


def retry_delay(attempts: int) -> timedelta:
    """Seconds before the next try after `attempts` failed ones: EMAIL_RETRY_BASE doubling, at most EMAIL_RETRY_MAX."""
    return timedelta(seconds=min(settings.EMAIL_RETRY_MAX, settings.EMAIL_RETRY_BASE * 2 ** max(attempts - 1, 0)))


def _lease(kind: EmailKind) -> dict:
    return {
        kind.retry: timezone.now() + timedelta(seconds=settings.EMAIL_SEND_LEASE),
        kind.attempts: F(kind.attempts) + 1,
    }


def _deliver_leased(kind: EmailKind, signature_id: int, deliver: Deliver, lease_ends: float) -> bool:
    """Send the email this process holds the lease of; record the outcome. Raises what sending raised."""
    signature = Signature.objects.select_related("petition", "county").get(pk=signature_id)
    try:
        sent = deliver(signature)
    except Exception:
        attempts = getattr(Signature.objects.only(kind.attempts).get(pk=signature_id), kind.attempts)
        delay = retry_delay(attempts)
        Signature.objects.filter(pk=signature_id, **{f"{kind.sent}__isnull": True}).update(
            **{kind.retry: timezone.now() + delay}
        )
        logger.warning(
            "signature %s: %s email not sent (attempt %d), next try in %d s",
            signature_id, kind.value, attempts, delay.total_seconds(),
        )  # fmt: skip
        raise
    sent_now = {kind.sent: timezone.now(), kind.retry: None}
    record_sent(lambda: Signature.objects.filter(pk=signature_id).update(**sent_now), lease_ends,
                f"signature {signature_id}: {kind.value} email")  # fmt: skip
    return sent


def record_sent(update: Callable[[], object], lease_ends: float, what: str) -> None:
    """Run `update`, the UPDATE that records an email as sent. The server has the email now, so a
    database restart must not lose that: retry while this process's lease holds (once it expires the
    sweep would send the email a second time). Inside a transaction there is nothing to retry."""
    while True:
        try:
            update()
            return
        except (OperationalError, InterfaceError):
            connection = transaction.get_connection()
            if connection.in_atomic_block or time.monotonic() + RECORD_RETRY > lease_ends:
                raise
            logger.warning("%s: sent; recording it waits for the database", what)
            connection.close()  # broken; the next query connects again
            time.sleep(RECORD_RETRY)


def lease_ends() -> float:
    """When a lease taken now expires, on this process's clock, less a second for clocks that differ."""
    return time.monotonic() + settings.EMAIL_SEND_LEASE - 1


def email_send(kind: EmailKind, signature_id: int, deliver: Deliver, *, only: Q | None = None) -> bool:
    """Send one signature's email unless it is sent, leased or backing off, or the signature is not
    `only`. Returns True when this call sent it; raises when sending failed (the sweep retries)."""
    ends = lease_ends()
    taken = Signature.objects.filter(kind.unsent(), only or Q(), pk=signature_id).update(**_lease(kind))
    if taken != 1:
        return False
    return _deliver_leased(kind, signature_id, deliver, ends)


def _take_next(kind: EmailKind, due: Q) -> int | None:
    """Lease the next due email nobody else is taking: those never tried first, then the longest waiting."""
    with transaction.atomic():
        signature_id = (
            Signature.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(kind.unsent(), due)
            .order_by(F(kind.retry).asc(nulls_first=True), "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if signature_id is not None:
            Signature.objects.filter(pk=signature_id).update(**_lease(kind))
    return signature_id


def emails_send_due(kind: EmailKind, due: Q, deliver: Deliver, *, limit: int, seconds: float) -> tuple[int, int]:
    """The sweep: send the due emails one at a time, at most `limit` and for about `seconds`.
    Stops at the first failure (the server is likely down for all). Returns (sent, failed)."""
    deadline = time.monotonic() + seconds
    sent = 0
    for _ in range(limit):
        if time.monotonic() > deadline:
            break
        ends = lease_ends()  # before the lease is taken, so never later than it ends
        signature_id = _take_next(kind, due)
        if signature_id is None:
            break
        try:
            sent += _deliver_leased(kind, signature_id, deliver, ends)
        except Exception:  # noqa: BLE001 - recorded with its back-off; the next sweep tries again
            return sent, 1
    return sent, 0
