"""Dashboard reports: circulator quality (personal data, audited) and county filing."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.cache import never_cache

from petitions.documents.cover_sheet import cover_sheet_pdf
from petitions.http import StaffRequest
from petitions.models import County, Petition
from petitions.reports.circulators import FALSE_DISCOVERY_RATE, MIN_DECIDED, MIN_NORM_DECIDED, circulator_quality
from petitions.reports.filing import county_filing_rows, statewide_filing, statewide_filing_rows
from petitions.services.audit import audit_record
from petitions.services.exports import csv_safe
from petitions.views.accounts import second_factor_required
from petitions.views.dashboard import dashboard_view, petition_from_request


def personal_data_view(view):
    """Signed in, allowed to see personal data (Reviewer, Organizer); never cached."""
    allowed = permission_required("petitions.view_personal_data", raise_exception=True)
    return login_required(second_factor_required(allowed(never_cache(view))))


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_response(rows: Iterable[Iterable[object]], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), lineterminator="\n")
    response = StreamingHttpResponse(
        (writer.writerow([csv_safe(cell) for cell in row]) for row in rows), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


@personal_data_view
def circulators(request: StaffRequest) -> HttpResponse:
    petition = petition_from_request(request)
    report = circulator_quality(petition)
    audit_record(
        action="circulators.view",
        user=request.user,
        target=petition,
        detail={"circulators": len({row.circulator_id for row in report})},
    )
    return render(
        request,
        "dashboard/circulators.html",
        {
            "petition": petition,
            "report": report,
            "flagged": sum(row.flagged for row in report),
            "tested": sum(row.tested for row in report),
            "min_decided": MIN_DECIDED,
            "min_norm_decided": MIN_NORM_DECIDED,
            "false_discovery_percent": round(FALSE_DISCOVERY_RATE * 100, 2),
        },
    )


@dashboard_view
def filing(request: HttpRequest) -> HttpResponse:
    petition = petition_from_request(request)
    return render(request, "dashboard/filing.html", {"petition": petition, "statewide": statewide_filing(petition)})


@dashboard_view
def filing_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    petition = get_object_or_404(Petition, slug=slug)
    return _csv_response(statewide_filing_rows(petition), f"{petition.slug}-filing-statewide-{_stamp()}.csv")


@dashboard_view
def county_filing_csv(request: HttpRequest, slug: str, code: str) -> StreamingHttpResponse:
    petition = get_object_or_404(Petition, slug=slug)
    county = get_object_or_404(County, code=code)
    filename = f"{petition.slug}-filing-{county.code}-{slugify(county.name)}-{_stamp()}.csv"
    return _csv_response(county_filing_rows(petition, county), filename)


@dashboard_view
def county_cover_sheet(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    petition = get_object_or_404(Petition, slug=slug)
    county = get_object_or_404(County, code=code)
    response = HttpResponse(cover_sheet_pdf(petition, county), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{petition.slug}-cover-sheet-{county.code}-{_stamp()}.pdf"'
    return response
