"""Wet-ink forms: the personal petition section an online signer prints, signs
in ink and mails back (California counts only signatures affixed in ink).

The form's link is keyed like the confirmation link (the database holds only
the nonce) and works while the petition circulates. The "Your petition form"
email goes once, after validation has decided the signature. Receiving the
signed form is `signatures.signature_receive_form`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from petitions.models import Signature
from petitions.services.tasks_queue import enqueue_on_commit

logger = logging.getLogger(__name__)

Status = Signature.Status
Reason = Signature.Reason

# The reasons for which "we could not find you" is the right email: the signer
# may not be registered, or registered elsewhere, and can check and still sign.
NOT_FOUND_REASONS = (Reason.NOT_REGISTERED, Reason.ADDRESS_MISMATCH, Reason.WRONG_COUNTY)
REGISTRATION_CHECK_URL = "https://voterstatus.sos.ca.gov/"
REGISTER_URL = "https://registertovote.ca.gov/"


def form_token(signature: Signature) -> str:
    """'<id>-<keyed hash>': unguessable, and a copy of the database cannot make one."""
    digest = salted_hmac(
        "calexit.wet-ink-form", f"{signature.pk}:{signature.confirm_nonce}", algorithm="sha256"
    ).hexdigest()
    return f"{signature.pk}-{digest[:40]}"


def signature_for_form_token(token: str) -> Signature | None:
    """The confirmed online signature a form link names, or None."""
    pk, _, _digest = token.partition("-")
    if not pk.isascii() or not pk.isdigit() or len(pk) > 18:  # past 18 digits it is no bigint id
        return None
    signature = (
        Signature.objects.select_related("petition", "county")
        .filter(pk=int(pk), channel=Signature.Channel.ONLINE)
        .exclude(status=Status.UNCONFIRMED)
        .first()
    )
    if signature is None or not signature.confirm_nonce:
        return None
    return signature if constant_time_compare(form_token(signature), token) else None


def form_path(signature: Signature) -> str:
    return reverse("petitions:wet_ink_form", kwargs={"slug": signature.petition.slug, "token": form_token(signature)})


def form_url(signature: Signature) -> str:
    return f"{settings.SITE_URL}{form_path(signature)}"


def form_available(signature: Signature, *, today: date | None = None) -> bool:
    """A form can be printed until the end of the petition's circulation period."""
    deadline = signature.petition.deadline
    return deadline is None or (today or timezone.localdate()) <= deadline


def _form_email_kind(signature: Signature) -> str | None:
    """Which "Your petition form" email a decided online signature gets, if any."""
    if signature.channel != Signature.Channel.ONLINE or signature.petition.online_counts_directly:
        return None
    if signature.status == Status.VALID:
        return "found"
    if signature.status == Status.DUPLICATE and signature.voter_id is not None:
        return "already_signed"  # a second form mailed back would cost the campaign at the county's sample
    if signature.status == Status.INVALID and signature.reason in NOT_FOUND_REASONS:
        return "not_found"
    return None  # pending, in review, or rejected for fraud or withdrawn: nothing to say yet, or nothing to send


def form_emails_queue(signatures: Iterable[Signature]) -> None:
    """After commit, send the form email of each decided online signature that has not had it."""
    from petitions import tasks

    for signature in signatures:
        if (
            signature.form_email_sent_at is None
            and signature.wet_ink_received_at is None
            and _form_email_kind(signature) is not None
        ):
            enqueue_on_commit(tasks.send_form_email, signature.pk)


def signature_send_form_email(*, signature_id: int) -> bool:
    """Send the "Your petition form" email once. Returns True when this call sent it.

    Claimed with a conditional update, released when sending fails so that a
    retry or the sweep sends it."""
    signature = Signature.objects.select_related("petition", "county").filter(pk=signature_id).first()
    if signature is None or (kind := _form_email_kind(signature)) is None:
        return False
    claimed = Signature.objects.filter(pk=signature_id, form_email_sent_at__isnull=True).update(
        form_email_sent_at=timezone.now()
    )
    if claimed != 1:
        return False
    petition = signature.petition
    context = {
        "signature": signature,
        "petition": petition,
        "kind": kind,
        "url": form_url(signature),
        "available": form_available(signature),
        "check_url": REGISTRATION_CHECK_URL,
        "register_url": REGISTER_URL,
    }
    subject = (
        f"You have already signed: {petition.title}"
        if kind == "already_signed"
        else f"Your petition form: {petition.title}"
    )
    try:
        send_mail(
            subject=subject,
            message=render_to_string("email/petition_form.txt", context),
            from_email=None,
            recipient_list=[signature.email],
        )
    except Exception:
        Signature.objects.filter(pk=signature_id).update(form_email_sent_at=None)
        raise
    return True


def unsent_form_email_ids(*, older_than_seconds: int, limit: int = 5000) -> list[int]:
    """Decided online signatures whose form email never went out (the sweep resends them)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    emailed = (
        Q(status=Status.VALID)
        | Q(status=Status.DUPLICATE, voter__isnull=False)
        | Q(status=Status.INVALID, reason__in=NOT_FOUND_REASONS)
    )
    return list(
        Signature.objects.filter(
            emailed,
            channel=Signature.Channel.ONLINE,
            form_email_sent_at__isnull=True,
            validated_at__lt=cutoff,
            wet_ink_received_at__isnull=True,
            petition__online_counts_directly=False,
            purged_at__isnull=True,
        )
        .order_by("validated_at")
        .values_list("pk", flat=True)[:limit]
    )
