"""Staff sign-in's second step: a TOTP code from an authenticator app.

Reviewers, Organizers and Admins (and anyone who set up a device) type a code
after their password before any dashboard, review, export or admin page; one
without a device sets it up first (QR code and secret, confirmed with a code).
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from petitions.http import StaffRequest
from petitions.services.staff import (
    staff_device_confirm,
    staff_device_confirmed,
    staff_device_start,
    staff_needs_second_factor,
    staff_second_factor_pending,
    staff_verify,
    totp_secret,
)


def second_factor_required(view):
    """Users who need a TOTP code and have not typed one this session go to the code step first."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if staff_second_factor_pending(request):
            return redirect(f"{reverse('otp_verify')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapper


class TokenForm(forms.Form):
    token = forms.RegexField(
        regex=r"^\s*\d{6}\s*$",
        label=gettext_lazy("6-digit code"),
        error_messages={"invalid": gettext_lazy("Type the 6 digits your app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("petitions:dashboard")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def otp_verify(request: StaffRequest) -> HttpResponse:
    # is_verified() is added to request.user by django_otp's OTPMiddleware, unknown to the stubs
    if not staff_needs_second_factor(request.user) or request.user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next(request))
    if staff_device_confirmed(request.user) is None:
        return redirect(f"{reverse('otp_setup')}?{urlencode({'next': _next(request)})}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if staff_verify(request=request, token=form.cleaned_data["token"]):
            return redirect(_next(request))
        form.add_error("token", _("That code is not right (or was already used). Wait for the next one and try again."))
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "next": _next(request)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def otp_setup(request: StaffRequest) -> HttpResponse:
    """Set up an authenticator: scan the QR code (or type the secret), confirm with a code.
    A user with a device must use it first: a password alone never adds another."""
    if staff_device_confirmed(request.user) is not None and not request.user.is_verified():  # type: ignore[attr-defined]
        return redirect(f"{reverse('otp_verify')}?{urlencode({'next': _next(request)})}")
    device = staff_device_start(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if staff_device_confirm(request=request, device=device, token=form.cleaned_data["token"]):
            return redirect(_next(request))
        form.add_error("token", _("That code does not match: check the phone's clock and type the current code."))
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "next": _next(request),
            "qr_svg": qr.svg_inline(scale=4, title=_("Authenticator QR code")),
            "secret": totp_secret(device),
            "required": staff_needs_second_factor(request.user),
        },
        status=400 if request.method == "POST" else 200,
    )
