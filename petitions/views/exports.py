"""Background exports on the dashboard: ask for one, watch its progress (static/dashboard/exports.js
polls `export_status`), download its file while it lasts.

Counts, filing lists and sections: any dashboard role. Signatures hold personal data: only
`export_personal_data` (Organizer, Admin) may ask for them or download them, and both are audited
(services/exports.py). Each user sees and downloads only their own exports."""

from __future__ import annotations

from typing import cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from petitions.http import StaffRequest
from petitions.models import County, ExportJob
from petitions.services.exports import (
    CONTENT_TYPES,
    PERSONAL_KINDS,
    ExportGone,
    ExportRefused,
    export_download_name,
    export_is_personal,
    export_job_download,
    export_job_expired,
    export_job_request,
)
from petitions.views.dashboard import dashboard_view, petition_from_request

SHOWN = 50  # the user's latest exports on the page
ACTIVE = (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)


class ExportForm(forms.Form):
    kind = forms.ChoiceField(
        choices=ExportJob.Kind.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial=ExportJob.Kind.COUNTS,
        error_messages={
            "required": gettext_lazy("Choose what to export."),
            "invalid_choice": gettext_lazy("Choose what to export."),
        },
    )
    format = forms.ChoiceField(
        choices=ExportJob.Format.choices,
        initial=ExportJob.Format.XLSX,
        error_messages={
            "required": gettext_lazy("Choose a format."),
            "invalid_choice": gettext_lazy("Choose CSV, XLSX or JSON."),
        },
    )
    county = forms.CharField(required=False, max_length=20)
    section = forms.CharField(required=False, max_length=60)

    def __init__(self, *args, personal: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not personal:
            cast(forms.ChoiceField, self.fields["kind"]).choices = [
                (value, label) for value, label in ExportJob.Kind.choices if value not in PERSONAL_KINDS
            ]


def _percent(job: ExportJob) -> int:
    if job.status == ExportJob.Status.DONE:
        return 100
    if not job.rows_total:
        return 0
    return min(100, 100 * job.rows_done // job.rows_total)


def export_state(job: ExportJob) -> dict[str, object]:
    """What the page shows of an export, and what its status endpoint answers."""
    expired = export_job_expired(job)
    status = ExportJob.Status.EXPIRED if expired else ExportJob.Status(job.status)
    return {
        "id": job.pk,
        "status": status.value,
        "status_label": status.label,
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "percent": _percent(job),
        "error": job.error,
        "download_url": reverse("petitions:export_download", args=[job.pk])
        if status == ExportJob.Status.DONE
        else None,
        "expires_at": timezone.localtime(job.expires_at).isoformat(),
        "expires_label": f"{timezone.localtime(job.expires_at):%b %-d, %H:%M}",
    }


@dashboard_view
@never_cache
@require_http_methods(["GET", "POST"])
def export_list(request: StaffRequest) -> HttpResponse:
    petition = petition_from_request(request)
    personal = request.user.has_perm("petitions.export_personal_data")
    form = ExportForm(request.POST or None, personal=personal)
    status = 200
    if request.method == "POST":
        if request.POST.get("kind") in PERSONAL_KINDS and not personal:
            raise PermissionDenied(_("Exporting signatures takes the Organizer role: they hold personal data."))
        if form.is_valid():
            try:
                job = export_job_request(
                    user=request.user,
                    petition=petition,
                    kind=form.cleaned_data["kind"],
                    format=form.cleaned_data["format"],
                    county=form.cleaned_data["county"],
                    section=form.cleaned_data["section"],
                )
            except ExportRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Export started: %(label)s (%(format)s).")
                    % {"label": job.label, "format": job.get_format_display()},
                )
                return redirect(f"{reverse('petitions:exports')}?petition={petition.slug}#export-{job.pk}")
        status = 400
    jobs = list(ExportJob.objects.filter(user=request.user).select_related("petition")[:SHOWN])
    return render(
        request,
        "dashboard/exports.html",
        {
            "petition": petition,
            "form": form,
            "counties": County.objects.all(),
            "personal": personal,
            "keep_hours": settings.EXPORT_KEEP_HOURS,
            "exports": [(job, export_state(job)) for job in jobs],
            "active": [status.value for status in ACTIVE],
        },
        status=status,
    )


@dashboard_view
@never_cache
@require_GET
def export_status(request: StaffRequest, pk: int) -> JsonResponse:
    job = get_object_or_404(ExportJob, pk=pk, user=request.user)
    return JsonResponse(export_state(job))


@dashboard_view
@never_cache
@require_GET
def export_download(request: StaffRequest, pk: int) -> HttpResponseBase:
    """The file, to the user who asked for it, while it lasts (410 once it expired, 409 before it is
    ready); a personal-data download is audited."""
    job = get_object_or_404(ExportJob.objects.select_related("petition"), pk=pk, user=request.user)
    try:
        path = export_job_download(job=job, user=request.user)
    except ExportRefused as exc:
        return render(
            request,
            "dashboard/export_unavailable.html",
            {"job": job, "petition": job.petition, "message": str(exc), "personal": export_is_personal(job)},
            status=410 if isinstance(exc, ExportGone) else 409,
        )
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=export_download_name(job),
        content_type=CONTENT_TYPES[ExportJob.Format(job.format)],
    )
