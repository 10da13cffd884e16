"""The review queue: a person decides the signatures the matcher could not.

One signature at a time, oldest first, beside the voters it could be, with the
fields that differ from it marked (`views.comparison`). Which reviewer is shown
which signature, and skipping, are `services.review`'s leases; decisions go
through `signature_decide`. Showing a signature writes an audit row, since the
page shows personal data.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from petitions.http import StaffRequest
from petitions.models import Petition, Signature
from petitions.selectors import (
    review_candidate_ids,
    review_candidate_voters,
    review_queue_left,
    review_queue_next_ids,
    review_queue_signature,
    review_queue_skipped_left,
)
from petitions.services.audit import audit_record
from petitions.services.review import (
    SignatureNotInReview,
    review_lease_release,
    review_lease_take_first,
    review_skip_add,
    review_skips,
    review_skips_clear,
    signature_decide,
)
from petitions.views.accounts import second_factor_required
from petitions.views.comparison import comparison_build
from petitions.views.dashboard import petition_from_request

Status = Signature.Status
Reason = Signature.Reason

# Rejections offered in the queue, with their keys.
REJECT_KEYS: list[tuple[str, str, str | Promise]] = [
    (Reason.NOT_REGISTERED, "n", gettext_lazy("Not registered")),
    (Reason.ADDRESS_MISMATCH, "a", gettext_lazy("Address mismatch")),
    (Reason.WRONG_COUNTY, "w", gettext_lazy("Wrong county")),
    (Reason.INCOMPLETE, "i", gettext_lazy("Incomplete")),
    (Reason.FRAUD, "f", gettext_lazy("Fraud")),
]
REJECT_REASONS = {reason for reason, _, _ in REJECT_KEYS}


def reviewer_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, past the TOTP step, allowed to decide signatures and to see the signers' details they
    are decided on (Reviewer, Organizer)."""
    allowed = permission_required(["petitions.review_signature", "petitions.view_personal_data"], raise_exception=True)
    return login_required(second_factor_required(allowed(never_cache(view))))


def _queue_url(petition: Petition) -> str:
    return f"{reverse('petitions:review')}?petition={petition.slug}"


@reviewer_view
@require_http_methods(["GET", "POST"])
def queue(request: StaffRequest) -> HttpResponse:
    petition = petition_from_request(request)
    if request.method == "POST":  # "review the skipped ones again"
        review_skips_clear(request.session)
        return redirect(_queue_url(petition))
    skipped = review_skips(request.session)
    shown = review_lease_take_first(
        signature_ids=review_queue_next_ids(petition, skipped=skipped), user_id=request.user.pk
    )
    signature = review_queue_signature(shown) if shown is not None else None
    left = review_queue_left(petition)
    context: dict[str, object] = {
        "petition": petition,
        "signature": signature,
        "left": left,
        "skipped_count": 0,
        "reject_keys": REJECT_KEYS,
    }
    if signature is None and skipped:
        context["skipped_count"] = review_queue_skipped_left(petition, skipped=skipped)
    if signature is not None:
        comparison = comparison_build(signature, review_candidate_voters(signature))
        context.update(candidates=comparison.candidates, rows=comparison.rows)
        audit_record(
            action="signature.review_view",
            user=request.user,
            target=signature,
            detail={
                "petition": petition.slug,
                "candidates": [c.voter_id for c in comparison.candidates],
            },
        )
    return render(request, "dashboard/review.html", context)


def _outcome(signature: Signature) -> str:
    registrant = (
        gettext("voter %(registrant)s") % {"registrant": signature.voter.registrant_id}
        if signature.voter is not None
        else ""
    )
    if signature.status == Status.VALID:
        return gettext("Signature #%(number)s: valid (%(registrant)s)") % {
            "number": signature.pk,
            "registrant": registrant,
        }
    if signature.status == Status.DUPLICATE:
        return gettext("Signature #%(number)s: duplicate of #%(original)s (%(registrant)s already counts)") % {
            "number": signature.pk,
            "original": signature.duplicate_of_id,
            "registrant": registrant,
        }
    return gettext("Signature #%(number)s: %(status)s (%(reason)s)") % {
        "number": signature.pk,
        "status": signature.status,
        "reason": signature.reason,
    }


@reviewer_view
@require_POST
def decide(request: StaffRequest, pk: int) -> HttpResponse:
    signature = get_object_or_404(Signature.objects.select_related("petition"), pk=pk)
    back = redirect(_queue_url(signature.petition))
    action = request.POST.get("action")
    if action == "skip":
        review_skip_add(session=request.session, signature_id=signature.pk)
        review_lease_release(signature_id=signature.pk, user_id=request.user.pk)
        messages.info(request, gettext("Signature #%(number)s: skipped.") % {"number": signature.pk})
        return back
    reason = ""  # a rejection's
    voter_id: int | None = None  # an acceptance's
    if action == "accept":
        voter = request.POST.get("voter", "")
        if not voter.isdigit() or int(voter) not in review_candidate_ids(signature):
            return HttpResponseBadRequest(gettext("Accept one of the signature's candidate voters."))
        status, voter_id = Status.VALID, int(voter)
    elif action == "reject":
        reason = request.POST.get("reason", "")
        if reason not in REJECT_REASONS:
            return HttpResponseBadRequest(
                gettext("Reject with one of: %(reasons)s.") % {"reasons": ", ".join(sorted(REJECT_REASONS))}
            )
        status = Status.INVALID
    else:
        return HttpResponseBadRequest(gettext("Unknown action."))
    try:
        decided = signature_decide(
            signature=signature, user=request.user, status=status, reason=reason, voter_id=voter_id
        )
    except SignatureNotInReview as refused:
        current = refused.signature
        what = current.status + (f" ({current.reason})" if current.reason else "")
        numbers = {"number": current.pk, "what": what}
        if current.decided_by is not None:
            text = gettext(
                "Signature #%(number)s was already decided by %(user)s: it is %(what)s. Your decision was not recorded."
            ) % {**numbers, "user": current.decided_by.get_username()}
        else:
            text = (
                gettext("Signature #%(number)s was already decided: it is %(what)s. Your decision was not recorded.")
                % numbers
            )
        messages.warning(request, text)
    else:
        messages.success(request, _outcome(decided))
    review_lease_release(signature_id=signature.pk, user_id=request.user.pk)
    return back
