"""Signing online: the signature saved unconfirmed, the confirmation email, the signer's confirmation
(after which validation takes it)."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from petitions.models import County, Petition, Signature
from petitions.queue import confirmation_email_send, validation_queue
from petitions.selectors import petition_legal_text, supported_language
from petitions.services.abuse import confirmation_email_allowed, confirmation_email_release
from petitions.services.outbox import EmailKind, email_send
from petitions.services.tallies import bucket_of, tally_change_record

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
    """The confirmation link; `?lang=` keeps the signer's language (not English, the default) on
    whichever device opens it."""
    path = reverse(
        "petitions:confirm", kwargs={"slug": signature.petition.slug, "token": confirmation_token(signature)}
    )
    return f"{settings.SITE_URL}{path}{language_query(signature.language)}"


def language_query(language: str) -> str:
    """`?lang=<language>` for a link in an email, nothing for the default language."""
    return f"?lang={language}" if language and language != settings.LANGUAGE_CODE else ""


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
    *,
    petition: Petition,
    data: OnlineSignatureInput,
    ip_hash: str,
    hold: str = Signature.Hold.NONE,
    language: str = "en",
) -> Signature:
    """Save an online signature as unconfirmed and send the confirmation email after commit.
    A `hold` (abuse.signature_hold_decide) keeps it from counting until a person clears it.
    `language` (the page's) is the one its emails and wet-ink form are written in."""
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
            language=language,
        )
        confirmation_email_send(signature.pk)
    return signature


def confirmation_due() -> Q:
    """Confirmation emails the sweep sends: the signature waited SWEEP_GRACE for its task, its link
    still works (CONFIRMATION_LINK_DAYS) and it still has an address (not purged)."""
    now = timezone.now()
    return Q(
        channel=Signature.Channel.ONLINE,
        status=Status.UNCONFIRMED,
        created_at__lt=now - timedelta(seconds=settings.SWEEP_GRACE),
        created_at__gt=now - timedelta(days=settings.CONFIRMATION_LINK_DAYS),
        purged_at__isnull=True,
    )


def confirmation_deliver(signature: Signature) -> bool:
    """Send the confirmation email; False when the address had its share.

    An address gets at most CONFIRMATION_EMAIL_LIMIT of them (counted in the
    cache: one atomic increment, where counting rows would scan a day of
    signatures by an unindexed email). Over it the signature stays saved and
    counts as done, so neither a retry nor the sweep sends it; the signer can
    sign again another day."""
    if not confirmation_email_allowed(email=signature.email):
        logger.info("signature %s: no confirmation email, its address had its share for now", signature.pk)
        return False
    # In the language they signed in: the words, and the measure's title as filed in it (else English).
    with translation.override(supported_language(signature.language or settings.LANGUAGE_CODE)):
        legal = petition_legal_text(signature.petition)
        context = {
            "signature": signature,
            "petition": signature.petition,
            "title": legal.title,
            "url": confirmation_url(signature),
        }
        subject = _("Confirm your signature: %(title)s") % {"title": legal.title}
        message = render_to_string("email/confirm_signature.txt", context)
    try:
        send_mail(subject=subject, message=message, from_email=None, recipient_list=[signature.email])
    except Exception:
        confirmation_email_release(email=signature.email)  # not sent: the address keeps its share
        raise
    return True


def signature_send_confirmation(*, signature_id: int) -> bool:
    """Send the confirmation email once (services.outbox). Returns True when this call sent it;
    raises when sending failed, after which the sweep tries again with a back-off."""
    return email_send(EmailKind.CONFIRMATION, signature_id, confirmation_deliver, only=Q(status=Status.UNCONFIRMED))


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
        validation_queue([signature.pk])
    return ConfirmResult.CONFIRMED
