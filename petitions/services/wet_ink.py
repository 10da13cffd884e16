"""Wet-ink forms: the personal petition section an online signer prints, signs
in ink and mails back (California counts only signatures affixed in ink).

The form's link is keyed like the confirmation link (the database holds only
the nonce) and works while the petition circulates. The "Your petition form"
email goes once, after validation has decided the signature (queued by
petitions.queue.form_emails_queue). The signed form coming back is
`signature_receive_form`: it becomes filed, and counts in place of a pledge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from petitions.codes import FORM, MalformedCode, code_format, code_parse
from petitions.models import Petition, Signature
from petitions.selectors import petition_legal_text, supported_language
from petitions.services.audit import audit_record
from petitions.services.outbox import EmailKind, email_send
from petitions.services.signing import language_query
from petitions.services.tallies import bucket_of, tally_change_record
from petitions.validation.engine import Decision
from petitions.validation.outcomes import count_for_voter

logger = logging.getLogger(__name__)

Status = Signature.Status
Reason = Signature.Reason

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


def form_text_path(signature: Signature) -> str:
    """The form's text alternative (views.public.wet_ink_form_as_text)."""
    return reverse(
        "petitions:wet_ink_form_text", kwargs={"slug": signature.petition.slug, "token": form_token(signature)}
    )


def form_url(signature: Signature) -> str:
    return f"{settings.SITE_URL}{form_path(signature)}"


def form_available(signature: Signature, *, today: date | None = None) -> bool:
    """A form can be printed until the end of the petition's circulation period."""
    deadline = signature.petition.deadline
    return deadline is None or (today or timezone.localdate()) <= deadline


def form_email_deliver(signature: Signature) -> bool:
    """Send the "Your petition form" email (or "You have already signed"); False when the signature
    needs none (no longer decided that way, or its form came back)."""
    if (kind := signature.form_email_kind) is None or signature.wet_ink_received_at is not None:
        return False
    petition = signature.petition
    # In the language they signed in, and so is the form the link opens (`?lang=`).
    with translation.override(supported_language(signature.language or settings.LANGUAGE_CODE)):
        legal = petition_legal_text(petition)
        context = {
            "signature": signature,
            "petition": petition,
            "title": legal.title,
            "kind": kind,
            "url": form_url(signature) + language_query(signature.language),
            "available": form_available(signature),
            "check_url": REGISTRATION_CHECK_URL,
            "register_url": REGISTER_URL,
        }
        words = {"title": legal.title}
        subject = (
            _("You have already signed: %(title)s") % words
            if kind == "already_signed"
            else _("Your petition form: %(title)s") % words
        )
        message = render_to_string("email/petition_form.txt", context)
    send_mail(subject=subject, message=message, from_email=None, recipient_list=[signature.email])
    return True


def form_email_due(*, older_than_seconds: int | None = None) -> Q:
    """Decided online signatures that are owed the form email (by validation, and by the sweep once
    they have waited `older_than_seconds` for their task)."""
    due = Q(
        Q(status=Status.VALID)
        | Q(status=Status.DUPLICATE, voter__isnull=False)
        | Q(status=Status.INVALID, reason__in=Signature.NOT_FOUND_REASONS),
        channel=Signature.Channel.ONLINE,
        wet_ink_received_at__isnull=True,
        petition__online_counts_directly=False,
        purged_at__isnull=True,
    )
    if older_than_seconds is not None:
        due &= Q(validated_at__lt=timezone.now() - timedelta(seconds=older_than_seconds))
    return due


def signature_send_form_email(*, signature_id: int) -> bool:
    """Send the "Your petition form" email once (services.outbox). Returns True when this call sent
    it; raises when sending failed, after which the sweep tries again with a back-off."""
    return email_send(EmailKind.FORM, signature_id, form_email_deliver, only=form_email_due())


# --- The signed form coming back --------------------------------------------------


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
        return FormIntakeResult(FormIntake.MALFORMED, _("%(problem)s Nothing changed.") % {"problem": exc})
    if parsed.kind != FORM:
        return FormIntakeResult(
            FormIntake.NOT_A_FORM,
            _(
                "%(code)s is a %(kind)s's code, not a wet-ink form's: record returned sections on the "
                "Sections page. Nothing changed."
            )
            % {"code": code_format(parsed), "kind": parsed.kind_name},
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
                FormIntake.UNKNOWN,
                _("No form has the code %(code)s. Check the code. Nothing changed.") % {"code": text},
                code=text,
            )
        if signature.petition_id != petition.pk:
            return FormIntakeResult(
                FormIntake.OTHER_PETITION,
                _("Form %(code)s belongs to another petition, “%(title)s” (%(slug)s). Nothing changed.")
                % {"code": text, "title": signature.petition.title, "slug": signature.petition.slug},
                code=text,
                signature=signature,
            )
        if signature.wet_ink_received_at is not None:
            when = timezone.localtime(signature.wet_ink_received_at)
            received_by = signature.wet_ink_received_by
            by = received_by.get_username() if received_by is not None else _("a file")
            return FormIntakeResult(
                FormIntake.ALREADY,
                # Translators: %(when)s is a date and time, e.g. "Dec 5, 2026 at 14:03".
                _("Form %(code)s was already received on %(when)s by %(by)s. Nothing changed.")
                % {"code": text, "when": dateformat.format(when, _("M j, Y \\a\\t H:i")), "by": by},
                code=text,
                signature=signature,
            )
        before = bucket_of(signature, signature.petition)
        signature.wet_ink_received_at = timezone.now()
        signature.wet_ink_received_by = user if user is not None and user.is_authenticated else None
        signature.save(update_fields=["wet_ink_received_at", "wet_ink_received_by", "updated_at"])
        tally_change_record(before=before, after=bucket_of(signature, signature.petition))
        if signature.status == Status.DUPLICATE and signature.voter_id is not None:
            count_for_voter(signature, Decision(status=Status.VALID, voter=signature.voter))
        audit_record(
            action="form.receive",
            user=user,
            actor=actor,
            target=signature,
            detail={"code": text, "status": signature.status, "county": signature.county_id},
        )
    return FormIntakeResult(
        FormIntake.RECEIVED,
        _("Received form %(code)s (%(county)s County).") % {"code": text, "county": signature.county.name},
        code=text,
        signature=signature,
    )
