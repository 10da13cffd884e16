"""Bulk invalidation on the dashboard (services/bulk.py), for Organizers and Admins only: the criteria
form (errors per field), the preview (a count and a sample; names and emails only to a role that may
see them, and audited), confirm, the progress (static/dashboard/bulk.js polls `bulk_status`), cancel
and undo."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from petitions.http import StaffRequest
from petitions.models import BulkInvalidation, Petition, PetitionSection, Signature
from petitions.services import bulk
from petitions.services.abuse import client_ip_hash
from petitions.views.dashboard import dashboard_view, petition_from_request

SHOWN = 20  # recent runs on the page
HASH = re.compile(r"^[0-9a-f]{64}$")
DOMAIN = re.compile(r"^@?([a-z0-9-]+\.)+[a-z]{2,}$")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


def _organizer_only(user: Any) -> None:
    if not bulk.bulk_allowed(user):
        raise PermissionDenied(_("Bulk invalidation takes the Organizer role."))


class BulkForm(forms.Form):
    client_address = forms.CharField(required=False, max_length=64, strip=True)
    email_domain = forms.CharField(required=False, max_length=100, strip=True)
    created_from = forms.DateTimeField(
        required=False,
        input_formats=DATETIME_FORMATS,
        error_messages={"invalid": gettext_lazy("Give a date and time, like 2026-11-30 14:00.")},
    )
    created_to = forms.DateTimeField(
        required=False,
        input_formats=DATETIME_FORMATS,
        error_messages={"invalid": gettext_lazy("Give a date and time, like 2026-11-30 18:00.")},
    )
    circulator = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    section = forms.CharField(required=False, max_length=60, strip=True)
    reason = forms.ChoiceField(
        choices=[(reason.value, reason.label) for reason in bulk.REASONS],
        initial=Signature.Reason.FRAUD,
        error_messages={
            "required": gettext_lazy("Choose a reason."),
            "invalid_choice": gettext_lazy("Choose one of the reasons listed."),
        },
    )
    note = forms.CharField(required=False, max_length=300, strip=True)

    def __init__(self, *args, petition: Petition, **kwargs):
        super().__init__(*args, **kwargs)
        self.petition = petition
        field = self.fields["circulator"]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101 - declared above
        field.choices = [("", _("Any circulator"))] + [
            # Two circulators may share a name: their city and number tell them apart.
            (
                c.pk,
                _("%(name)s, %(city)s (no. %(number)s)")
                % {"name": c.name, "city": c.city or _("no city"), "number": c.pk},
            )
            for c in petition.circulators.order_by("name", "pk").only("pk", "name", "city")
        ]
        field.error_messages["invalid_choice"] = _("Choose a circulator of this petition.")

    def clean_client_address(self) -> str:
        value = self.cleaned_data["client_address"].lower()
        if not value or HASH.match(value):
            return value
        try:
            return client_ip_hash(str(ipaddress.ip_address(value)))
        except ValueError:
            raise forms.ValidationError(_("Give an IP address (IPv4 or IPv6) or its 64-character hash.")) from None

    def clean_email_domain(self) -> str:
        value = self.cleaned_data["email_domain"].lower()
        if value and not DOMAIN.match(value):
            raise forms.ValidationError(_("Give a domain, like example.com."))
        return value.lstrip("@")

    def clean_section(self) -> int | None:
        value = self.cleaned_data["section"]
        if not value:
            return None
        section = PetitionSection.objects.filter(petition=self.petition, number=value).first()
        if section is None:
            raise forms.ValidationError(_("No section numbered %(number)s in this petition.") % {"number": value})
        return section.pk

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and end <= start:
            self.add_error("created_to", _("The window must end after it starts."))
        criteria_fields = ("client_address", "email_domain", "created_from", "created_to", "circulator", "section")
        if not self.errors and not any(data.get(name) for name in criteria_fields):
            raise forms.ValidationError(
                _("Give at least one criterion: a bulk invalidation never selects a whole petition.")
            )
        return data

    def criteria(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "ip_hash": data["client_address"],
            "email_domain": data["email_domain"],
            "created_from": data["created_from"],
            "created_to": data["created_to"],
            "circulator": data["circulator"],
            "section": data["section"],
        }


def bulk_state(run: BulkInvalidation) -> dict[str, Any]:
    """What the page shows of a run's progress, and what its status endpoint answers."""
    status = BulkInvalidation.Status(run.status)
    total = run.total
    if status in (BulkInvalidation.Status.DONE, BulkInvalidation.Status.UNDONE):
        percent = 100
    else:
        percent = min(100, 100 * run.done // total) if total else 0
    return {
        "id": run.pk,
        "status": status.value,
        "status_label": status.label,
        "done": run.done,
        "total": total,
        "percent": percent,
        "cancel_requested": run.cancel_requested,
        "can_cancel": status in (BulkInvalidation.Status.QUEUED, BulkInvalidation.Status.RUNNING)
        and not run.cancel_requested,
        "can_undo": status in (BulkInvalidation.Status.DONE, BulkInvalidation.Status.CANCELLED),
    }


def _describe(run: BulkInvalidation) -> list[tuple[str, str]]:
    """The run's criteria in words."""
    criteria, shown = run.criteria, []
    if criteria.get("ip_hash"):
        shown.append((_("Client address hash"), criteria["ip_hash"][:16] + "…"))
    if criteria.get("email_domain"):
        shown.append((_("Email domain"), "@" + criteria["email_domain"]))
    if criteria.get("created_from"):
        shown.append((_("Signed from"), criteria["created_from"][:16].replace("T", " ")))
    if criteria.get("created_to"):
        shown.append((_("Signed before"), criteria["created_to"][:16].replace("T", " ")))
    if criteria.get("circulator"):
        circulator = run.petition.circulators.filter(pk=criteria["circulator"]).first()
        shown.append((_("Circulator"), circulator.name if circulator else f"#{criteria['circulator']}"))
    if criteria.get("section"):
        section = PetitionSection.objects.filter(pk=criteria["section"]).first()
        shown.append((_("Section"), section.number if section else f"#{criteria['section']}"))
    return shown


@dashboard_view
@never_cache
@require_http_methods(["GET", "POST"])
def bulk_list(request: StaffRequest) -> HttpResponse:
    """The criteria form and the recent runs; a valid POST answers with the preview to confirm."""
    _organizer_only(request.user)
    petition = petition_from_request(request)
    form = BulkForm(request.POST or None, petition=petition)
    preview = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                preview = bulk.bulk_preview(
                    user=request.user,
                    petition=petition,
                    criteria=form.criteria(),
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except bulk.BulkRefused as exc:
                form.add_error(None, str(exc))
        if preview is None:
            status = 400
    runs = BulkInvalidation.objects.filter(petition=petition).select_related("user")[:SHOWN]
    return render(
        request,
        "dashboard/bulk.html",
        {
            "petition": petition,
            "form": form,
            "preview": preview,
            "criteria": _describe(preview.run) if preview else [],
            "runs": [(run, bulk_state(run)) for run in runs],
        },
        status=status,
    )


def _run_of(request: HttpRequest, pk: int) -> BulkInvalidation:
    _organizer_only(request.user)
    return get_object_or_404(BulkInvalidation.objects.select_related("petition", "user", "undone_by"), pk=pk)


@dashboard_view
@never_cache
@require_GET
def bulk_detail(request: StaffRequest, pk: int) -> HttpResponse:
    run = _run_of(request, pk)
    return render(
        request,
        "dashboard/bulk_detail.html",
        {"petition": run.petition, "run": run, "state": bulk_state(run), "criteria": _describe(run)},
    )


@dashboard_view
@never_cache
@require_GET
def bulk_status(request: StaffRequest, pk: int) -> JsonResponse:
    return JsonResponse(bulk_state(_run_of(request, pk)))


def _act(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    run = _run_of(request, pk)
    try:
        action(run=run, user=request.user)
    except bulk.BulkRefused as exc:
        messages.error(request, str(exc))
        return render(
            request,
            "dashboard/bulk_detail.html",
            {"petition": run.petition, "run": run, "state": bulk_state(run), "criteria": _describe(run)},
            status=409,
        )
    messages.success(request, done)
    return redirect(reverse("petitions:bulk_detail", args=[run.pk]))


@dashboard_view
@require_POST
def bulk_start(request: StaffRequest, pk: int) -> HttpResponse:
    return _act(request, pk, bulk.bulk_start, _("Bulk invalidation started."))


@dashboard_view
@require_POST
def bulk_cancel(request: StaffRequest, pk: int) -> HttpResponse:
    return _act(request, pk, bulk.bulk_cancel, _("Cancelling: the batch under way finishes first."))


@dashboard_view
@require_POST
def bulk_undo(request: StaffRequest, pk: int) -> HttpResponse:
    return _act(request, pk, bulk.bulk_undo, _("Undoing the bulk invalidation."))
