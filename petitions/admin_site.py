"""The Django admin behind the same sign-in as the dashboard: the password at
/accounts/login/ (throttled by django-axes), then the TOTP code every staff
user needs. A session without the code is sent to that step, not let in."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class StaffAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        # Imported here: this module is loaded with the admin app, before the models it reaches.
        from petitions.services.staff import staff_second_factor_pending

        return super().has_permission(request) and not staff_second_factor_pending(request)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """One sign-in page for everyone; a signed-in user who owes a code goes to the code step."""
        from petitions.services.staff import staff_second_factor_pending

        wanted = request.GET.get("next") or reverse("admin:index")
        if staff_second_factor_pending(request):
            return redirect(f"{reverse('otp_verify')}?{urlencode({'next': wanted})}")
        if request.user.is_authenticated and request.user.is_active and request.user.is_staff:
            return redirect(wanted)
        return redirect(f"{settings.LOGIN_URL}?{urlencode({'next': wanted})}")


class StaffAdminConfig(AdminConfig):
    default_site = "petitions.admin_site.StaffAdminSite"
