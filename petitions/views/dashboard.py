"""The volunteer dashboard: its own permission checks, reads from the tallies."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from petitions.models import CountingRun, Petition
from petitions.selectors import (
    counts_with_projection,
    odds_summary,
    petition_counts,
    petition_featured,
    petition_featured_with_odds,
    petition_history,
    projection_summary,
)
from petitions.services.exports import counts_rows, csv_safe
from petitions.views.accounts import second_factor_required


def dashboard_view(view):
    """Signed in, past the TOTP step when the user needs one, and a member of a campaign role."""
    return login_required(
        second_factor_required(permission_required("petitions.view_dashboard", raise_exception=True)(view))
    )


def petition_from_request(request: HttpRequest, *, with_odds: bool = False) -> Petition:
    """The petition a dashboard page is about: `?petition=<slug>`, else the featured one.
    `with_odds`: its stored odds of qualifying read in the same query."""
    slug = request.GET.get("petition")
    if with_odds:
        petitions = Petition.objects.select_related("odds")
        petition = get_object_or_404(petitions, slug=slug) if slug else petition_featured_with_odds()
    else:
        petition = get_object_or_404(Petition, slug=slug) if slug else petition_featured()
    if petition is None:
        raise Http404(_("No petition yet."))
    return petition


@dashboard_view
def index(request: HttpRequest) -> HttpResponse:
    petition = petition_from_request(request, with_odds=True)
    counts = petition_counts(petition)
    projection = projection_summary(petition)  # stored by the periodic task, never recomputed here
    last_recount = CountingRun.objects.filter(kind=CountingRun.Kind.RECOUNT).first()
    days_left = (petition.deadline - timezone.localdate()).days if petition.deadline else None
    return render(
        request,
        "dashboard/index.html",
        {
            "petition": petition,
            "petitions": Petition.objects.all(),
            "counts": counts,
            # From the tallies (filed and online-only buckets): no COUNT on a page view.
            "review_count": counts.statewide.review + counts.online.get("review", 0),
            "last_recount": last_recount,
            "days_left": days_left,
            "projection": projection,
            "odds": odds_summary(petition),  # stored by the periodic task, read with the petition
            "county_rows": counts_with_projection(counts, projection),
            # The daily snapshots (one query) with today's live counts: the chart and the pace.
            "history": petition_history(petition, counts),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@dashboard_view
def counts_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    petition = get_object_or_404(Petition, slug=slug)
    writer = csv.writer(_Echo(), lineterminator="\n")
    response = StreamingHttpResponse(
        (writer.writerow([csv_safe(cell) for cell in row]) for row in counts_rows(petition)),
        content_type="text/csv",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{petition.slug}-counts-{stamp}.csv"'
    return response
