"""Mail intake: volunteers scan (or type) the code of each signed wet-ink form
that comes back; it is recorded once and its signature becomes filed."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from petitions.http import StaffRequest
from petitions.services.wet_ink import FormIntake, signature_receive_form
from petitions.views.dashboard import dashboard_view, petition_from_request

SESSION_KEY = "intake"  # this volunteer's running tally and last scans, per petition
RECENT = 15


class IntakeForm(forms.Form):
    code = forms.CharField(
        max_length=60,
        label=gettext_lazy("Form code"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": True, "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )


def _session_tally(request: HttpRequest, slug: str) -> dict:
    tallies = request.session.setdefault(SESSION_KEY, {})
    return tallies.setdefault(slug, {"received": 0, "already": 0, "refused": 0, "recent": []})


@dashboard_view
@require_http_methods(["GET", "POST"])
def intake(request: StaffRequest) -> HttpResponse:
    """One field, Enter to record: a USB scanner types the code and presses Enter itself.
    After each POST the page comes back (redirect) with the field focused for the next form."""
    petition = petition_from_request(request)
    tally = _session_tally(request, petition.slug)
    if request.method == "POST":
        form = IntakeForm(request.POST)
        if form.is_valid():
            result = signature_receive_form(code=form.cleaned_data["code"], petition=petition, user=request.user)
            if result.outcome == FormIntake.RECEIVED:
                tally["received"] += 1
            elif result.outcome == FormIntake.ALREADY:
                tally["already"] += 1
            else:
                tally["refused"] += 1
            tally["recent"] = [{"outcome": result.outcome, "message": result.message}] + tally["recent"][: RECENT - 1]
            request.session.modified = True
            return redirect(f"{request.path}?petition={petition.slug}")
    else:
        form = IntakeForm()
    return render(
        request,
        "dashboard/intake.html",
        {
            "petition": petition,
            "form": form,
            "tally": tally,
            "last": tally["recent"][0] if tally["recent"] else None,
        },
    )
