"""The review queue: a person decides the signatures the matcher could not.

One signature at a time, oldest first, beside the voters it could be, with the
fields that differ from it marked. Decisions go through `signature_decide`;
showing a signature writes an audit row, since the page shows personal data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from petitions.http import StaffRequest
from petitions.matching.keys import fold, house_key, name_key, parse_street_address, street_key, suffix_key
from petitions.models import Petition, Signature, Voter
from petitions.services.audit import audit_record
from petitions.services.review import SignatureNotInReview, signature_decide
from petitions.validation.engine import signature_name
from petitions.views.accounts import second_factor_required
from petitions.views.dashboard import petition_from_request

Status = Signature.Status
Reason = Signature.Reason

# Rejections offered in the queue, with their keys.
REJECT_KEYS: list[tuple[str, str, str]] = [
    (Reason.NOT_REGISTERED, "n", "Not registered"),
    (Reason.ADDRESS_MISMATCH, "a", "Address mismatch"),
    (Reason.WRONG_COUNTY, "w", "Wrong county"),
    (Reason.INCOMPLETE, "i", "Incomplete"),
    (Reason.FRAUD, "f", "Fraud"),
]
REJECT_REASONS = {reason for reason, _, _ in REJECT_KEYS}
CANDIDATE_KEYS = "123456789"

# While a reviewer has a signature open, the others are shown the next one, so
# that several volunteers working one queue rarely look at the same signature.
# The lease is advisory only: `signature_decide` is what refuses a second decision.
LEASE_SECONDS = 120
LOOKAHEAD = 50
# Skipped signatures stay out of this reviewer's queue for the session.
SKIPPED_SESSION_KEY = "review_skipped"
SKIPPED_KEEP = 500


def reviewer_view(view):
    """Signed in, past the TOTP step, allowed to decide signatures and to see the signers' details they
    are decided on (Reviewer, Organizer)."""
    allowed = permission_required(["petitions.review_signature", "petitions.view_personal_data"], raise_exception=True)
    return login_required(second_factor_required(allowed(never_cache(view))))


def _queue_url(petition: Petition) -> str:
    return f"{reverse('petitions:review')}?petition={petition.slug}"


# --- Leases and skips --------------------------------------------------------


def _lease_key(signature_id: int) -> str:
    return f"review-lease:{signature_id}"


def _lease_take(signature_id: int, user_id: int) -> bool:
    key = _lease_key(signature_id)
    if cache.add(key, user_id, LEASE_SECONDS):
        return True
    if cache.get(key) == user_id:
        cache.touch(key, LEASE_SECONDS)
        return True
    return False


def _lease_release(signature_id: int, user_id: int) -> None:
    key = _lease_key(signature_id)
    if cache.get(key) == user_id:
        cache.delete(key)


def _skipped(request: HttpRequest) -> list[int]:
    return list(request.session.get(SKIPPED_SESSION_KEY, []))


def _skip(request: HttpRequest, signature_id: int) -> None:
    skipped = [pk for pk in _skipped(request) if pk != signature_id] + [signature_id]
    request.session[SKIPPED_SESSION_KEY] = skipped[-SKIPPED_KEEP:]


def _next_signature(petition: Petition, *, user_id: int, skipped: list[int]) -> Signature | None:
    """The oldest signature in review that this reviewer did not skip and no
    other reviewer has open; the oldest of those open elsewhere if all are."""
    ids = list(
        Signature.objects.filter(petition=petition, status=Status.REVIEW)
        .exclude(pk__in=skipped)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:LOOKAHEAD]
    )
    if not ids:
        return None
    chosen = next((pk for pk in ids if _lease_take(pk, user_id)), ids[0])
    return Signature.objects.select_related("county", "section", "petition").get(pk=chosen)


# --- The comparison table ------------------------------------------------------


@dataclass
class Cell:
    value: str
    differs: bool = False


@dataclass
class Row:
    field: str
    label: str
    signature: str
    cells: list[Cell]
    compared: bool = True
    not_given: bool = False  # the signature leaves this (optional) field empty


@dataclass
class Candidate:
    number: int
    key: str  # "" beyond the ninth candidate
    voter: Voter | None
    voter_id: int
    score: float | None
    counted_signature_id: int | None = None


@dataclass
class Comparison:
    candidates: list[Candidate]
    rows: list[Row] = field(default_factory=list)


def _zip5(value: str) -> str:
    return re.sub(r"\D", "", value or "")[:5]


def _unit_key(value: str) -> str:
    return fold(value).replace("#", "").replace(" ", "")


def _same_middle(signed: str, registered: str) -> bool:
    """A middle initial matches the middle name it abbreviates."""
    a, b = name_key(signed), name_key(registered)
    if len(a) == 1 or len(b) == 1:
        return a[:1] == b[:1]
    return a == b


def _joined(*parts: str) -> str:
    return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class FieldSpec:
    field: str
    label: str
    signed: str  # the signature's value, as shown
    shown: Callable[[Voter], str]  # the voter's value, as shown
    same: Callable[[Voter], bool]  # compared on normalised values
    optional: bool = False  # an empty value on the signature is "not given", not a difference


def _field_specs(signature: Signature) -> list[FieldSpec]:
    name = signature_name(signature)
    address = parse_street_address(signature.address, signature.unit)
    dob = signature.dob.isoformat() if signature.dob else ""
    return [
        FieldSpec(
            "first_name",
            "First name",
            name.first,
            lambda v: v.first_name,
            lambda v: name_key(name.first) == name_key(v.first_name),
        ),
        FieldSpec(
            "middle_name",
            "Middle name",
            name.middle,
            lambda v: v.middle_name,
            lambda v: _same_middle(name.middle, v.middle_name),
            optional=True,
        ),
        FieldSpec(
            "last_name",
            "Last name",
            name.last,
            lambda v: v.last_name,
            lambda v: name_key(name.last) == name_key(v.last_name),
        ),
        FieldSpec(
            "suffix",
            "Suffix",
            name.suffix,
            lambda v: v.suffix,
            lambda v: suffix_key(name.suffix) == suffix_key(v.suffix),
        ),
        FieldSpec(
            "house",
            "House number",
            address.house,
            lambda v: _joined(v.address_number, v.house_fraction, v.address_number_suffix),
            lambda v: house_key(address.house) == house_key(v.address_number + v.address_number_suffix),
        ),
        FieldSpec(
            "street",
            "Street",
            address.street,
            lambda v: _joined(v.street_dir_prefix, v.street_name, v.street_type, v.street_dir_suffix),
            lambda v: (
                street_key(address.street)
                == street_key(v.street_dir_prefix, v.street_name, v.street_type, v.street_dir_suffix)
            ),
        ),
        FieldSpec(
            "unit",
            "Unit",
            address.unit,
            lambda v: _joined(v.unit_type, v.unit_number),
            lambda v: _unit_key(address.unit) == _unit_key(v.unit_number),
        ),
        FieldSpec("city", "City", signature.city, lambda v: v.city, lambda v: fold(signature.city) == fold(v.city)),
        FieldSpec(
            "zip", "ZIP", signature.zip, lambda v: v.zip, lambda v: _zip5(signature.zip) == _zip5(v.zip), optional=True
        ),
        FieldSpec(
            "dob",
            "Date of birth",
            dob,
            lambda v: v.dob.isoformat() if v.dob else "",
            lambda v: signature.dob == v.dob,
            optional=True,
        ),
        FieldSpec(
            "county",
            "County",
            f"{signature.county_id} {signature.county.name}",
            lambda v: f"{v.county_id} {v.county.name}",
            lambda v: signature.county_id == v.county_id,
        ),
    ]


def comparison_build(signature: Signature) -> Comparison:
    """The signature beside its candidate voters, best first, with the fields
    that differ once both sides are normalised as the matcher normalises them."""
    entries = [c for c in (signature.match_candidates or []) if isinstance(c, dict) and c.get("voter") is not None]
    voters = Voter.objects.select_related("county").in_bulk([int(c["voter"]) for c in entries])
    counted = dict(
        Signature.objects.filter(petition_id=signature.petition_id, voter_id__in=list(voters), status=Status.VALID)
        .exclude(pk=signature.pk)
        .values_list("voter_id", "pk")
    )
    candidates = [
        Candidate(
            number=n,
            key=CANDIDATE_KEYS[n - 1] if n <= len(CANDIDATE_KEYS) else "",
            voter=voters.get(int(entry["voter"])),
            voter_id=int(entry["voter"]),
            score=entry.get("score"),
            counted_signature_id=counted.get(int(entry["voter"])),
        )
        for n, entry in enumerate(entries, start=1)
    ]
    rows = [
        Row(
            field="name_as_written",
            label="Name as written" if signature.name_as_written else "Name",
            signature=signature.printed_name,
            compared=False,
            cells=[
                Cell(
                    _joined(c.voter.first_name, c.voter.middle_name, c.voter.last_name, c.voter.suffix)
                    if c.voter
                    else ""
                )
                for c in candidates
            ],
        )
    ]
    for spec in _field_specs(signature):
        not_given = spec.optional and not spec.signed.strip()
        cells = [
            Cell(spec.shown(c.voter), differs=not not_given and not spec.same(c.voter)) if c.voter else Cell("")
            for c in candidates
        ]
        rows.append(Row(field=spec.field, label=spec.label, signature=spec.signed, cells=cells, not_given=not_given))
    rows.append(
        Row(
            field="address_as_written",
            label="Address as written",
            compared=False,
            signature=_joined(signature.address, signature.unit),
            cells=[Cell(c.voter.street_address if c.voter else "") for c in candidates],
        )
    )
    return Comparison(candidates=candidates, rows=rows)


# --- Views ---------------------------------------------------------------------


@reviewer_view
@require_http_methods(["GET", "POST"])
def queue(request: StaffRequest) -> HttpResponse:
    petition = petition_from_request(request)
    if request.method == "POST":  # "review the skipped ones again"
        request.session.pop(SKIPPED_SESSION_KEY, None)
        return redirect(_queue_url(petition))
    skipped = _skipped(request)
    signature = _next_signature(petition, user_id=request.user.pk, skipped=skipped)
    left = Signature.objects.filter(petition=petition, status=Status.REVIEW).count()
    context = {
        "petition": petition,
        "signature": signature,
        "left": left,
        "skipped_count": 0,
        "reject_keys": REJECT_KEYS,
    }
    if signature is None and skipped:
        context["skipped_count"] = Signature.objects.filter(
            petition=petition, status=Status.REVIEW, pk__in=skipped
        ).count()
    if signature is not None:
        comparison = comparison_build(signature)
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
    registrant = f"voter {signature.voter.registrant_id}" if signature.voter_id else ""
    if signature.status == Status.VALID:
        return f"Signature #{signature.pk}: valid ({registrant})"
    if signature.status == Status.DUPLICATE:
        return f"Signature #{signature.pk}: duplicate of #{signature.duplicate_of_id} ({registrant} already counts)"
    return f"Signature #{signature.pk}: {signature.status} ({signature.reason})"


@reviewer_view
@require_POST
def decide(request: StaffRequest, pk: int) -> HttpResponse:
    signature = get_object_or_404(Signature.objects.select_related("petition"), pk=pk)
    back = redirect(_queue_url(signature.petition))
    action = request.POST.get("action")
    if action == "skip":
        _skip(request, signature.pk)
        _lease_release(signature.pk, request.user.pk)
        messages.info(request, f"Signature #{signature.pk}: skipped.")
        return back
    if action == "accept":
        offered = {
            int(c["voter"])
            for c in signature.match_candidates or []
            if isinstance(c, dict) and c.get("voter") is not None
        }
        voter = request.POST.get("voter", "")
        if not voter.isdigit() or int(voter) not in offered:
            return HttpResponseBadRequest("Accept one of the signature's candidate voters.")
        decision = {"status": Status.VALID, "voter_id": int(voter)}
    elif action == "reject":
        reason = request.POST.get("reason", "")
        if reason not in REJECT_REASONS:
            return HttpResponseBadRequest("Reject with one of: " + ", ".join(sorted(REJECT_REASONS)) + ".")
        decision = {"status": Status.INVALID, "reason": reason}
    else:
        return HttpResponseBadRequest("Unknown action.")
    try:
        decided = signature_decide(signature=signature, user=request.user, **decision)
    except SignatureNotInReview as refused:
        current = refused.signature
        by = f" by {current.decided_by.get_username()}" if current.decided_by_id else ""
        what = current.status + (f" ({current.reason})" if current.reason else "")
        messages.warning(
            request, f"Signature #{current.pk} was already decided{by}: it is {what}. Your decision was not recorded."
        )
    else:
        messages.success(request, _outcome(decided))
    _lease_release(signature.pk, request.user.pk)
    return back
