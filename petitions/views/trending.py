"""Trending: who signs far above normal in the last hour (Reviewer, Organizer; audited)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from petitions.http import StaffRequest
from petitions.reports.trending import FACTOR, FLOOR, MIN_COUNT, trending_report
from petitions.services.audit import audit_record
from petitions.views.dashboard import petition_from_request
from petitions.views.review import reviewer_view


@reviewer_view
def trending(request: StaffRequest) -> HttpResponse:
    petition = petition_from_request(request)
    report = trending_report(petition)
    audit_record(
        action="trending.view",
        user=request.user,
        target=petition,
        detail={"addresses": len(report.addresses), "domains": len(report.domains)},
    )
    return render(
        request,
        "dashboard/trending.html",
        {
            "petition": petition,
            "report": report,
            "tables": [
                (_("Client addresses"), _("Address (keyed hash)"), "addresses", report.addresses),
                (_("Email domains"), _("Email domain"), "domains", report.domains),
            ],
            "factor": FACTOR,
            "floor": FLOOR,
            "min_count": MIN_COUNT,
        },
    )
