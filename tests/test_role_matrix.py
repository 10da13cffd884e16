"""Who may open which staff page: every dashboard URL and the admin, for each role.

The matrix is built from petitions.urls: a new dashboard URL that is not listed
here fails the first test, so no page escapes the permission check unnoticed.
Reviewer, Organizer and Admin sessions have done the TOTP step (conftest
`login_verified`); the last tests show what happens when they have not.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User

from petitions.models import PetitionSection
from petitions.services.staff import staff_create
from petitions.urls import urlpatterns
from tests.conftest import login_verified
from tests.factories import SignatureFactory

PASSWORD = "correct horse battery staple"
ROLES = ["anonymous", "no role", "Volunteer", "Reviewer", "Organizer", "Admin"]

# What each page needs: the dashboard (every role), decisions on signatures with their
# personal data (review), personal data (circulators), the Django admin (Admin only).
NEEDS = {
    "dashboard": "dashboard",
    "dashboard_counts_csv": "dashboard",
    "review": "review",
    "review_decide": "review",
    "sections": "dashboard",
    "sections_issue": "dashboard",
    "sections_pdf": "dashboard",
    "section": "dashboard",
    "section_check": "dashboard",
    "section_declaration": "dashboard",
    "section_status": "dashboard",
    "section_reconcile": "dashboard",
    "intake": "dashboard",
    "circulators": "personal",
    "filing": "dashboard",
    "trending": "review",
    "filing_csv": "dashboard",
    "county_filing_csv": "dashboard",
    "county_cover_sheet": "dashboard",
    # Counts, filing lists and sections for every role; a signature export checks its permission inside
    # (tests/test_background_exports.py); status and download of an export that is not theirs: 404.
    "exports": "dashboard",
    "export_status": "dashboard",
    "export_download": "dashboard",
    # Bulk invalidation: Organizer and Admin only (tests/test_bulk_invalidation.py); a run that is not
    # there: 404, after the role check.
    "bulk": "organizer",
    "bulk_detail": "organizer",
    "bulk_status": "organizer",
    "bulk_start": "organizer",
    "bulk_cancel": "organizer",
    "bulk_undo": "organizer",
}
POSTED = {
    "review_decide",
    "sections_issue",
    "section_check",
    "section_declaration",
    "section_status",
    "bulk_start",
    "bulk_cancel",
    "bulk_undo",
}
ALLOWED = {  # the roles that get the page; the others: anonymous to sign-in, the rest 403
    "dashboard": {"Volunteer", "Reviewer", "Organizer", "Admin"},
    "review": {"Reviewer", "Organizer", "Admin"},
    "personal": {"Reviewer", "Organizer", "Admin"},
    "organizer": {"Organizer", "Admin"},
    "admin": {"Admin"},
}
ADMIN_URLS = [
    "/admin/",
    "/admin/petitions/signature/",
    "/admin/petitions/voter/",
    "/admin/auth/user/",
    "/admin/petitions/auditlog/",
]


def _dashboard_patterns():
    return [p for p in urlpatterns if str(p.pattern).startswith("dashboard/")]


def test_every_dashboard_url_is_in_the_matrix():
    missing = [p.name for p in _dashboard_patterns() if p.name not in NEEDS]
    assert missing == [], f"add these dashboard URLs to the role matrix: {missing}"


@pytest.fixture
def section(calexit):
    from petitions.models import County

    return PetitionSection.objects.create(
        petition=calexit,
        number="34-90001",
        county=County.objects.get(code="34"),
        signed_from=date(2026, 3, 1),
        signed_to=date(2026, 3, 2),
    )


def _url(pattern, *, section, signature) -> str:
    values = {"slug": "calexit", "pk": section.pk, "code": "34"}
    if pattern.name == "review_decide":
        values["pk"] = signature.pk
    route = str(pattern.pattern)
    for name, value in values.items():
        for converter in ("slug", "int", "str"):
            route = route.replace(f"<{converter}:{name}>", str(value))
    if pattern.name == "sections_pdf":
        route += f"?ids={section.pk}"
    return "/" + route


def _outcome(response) -> str:
    if response.status_code == 302:
        where = urlsplit(response["Location"]).path
        if where in ("/accounts/login/", "/admin/login/"):
            return "sign-in"
        if where == "/accounts/otp/":
            return "code"
    if response.status_code == 403:
        return "403"
    assert response.status_code < 500, response
    return "allowed"


def _expected(needs: str, role: str) -> str:
    if role in ALLOWED[needs]:
        return "allowed"
    if role == "anonymous" or needs == "admin":
        return "sign-in"  # the admin sends anyone without it to sign in (as another user)
    return "403"


def _client_for(role: str, roles, client_factory):
    client = client_factory()
    if role == "anonymous":
        return client
    if role == "Admin":
        user = staff_create(username="admin-user", role="admin", password=PASSWORD)
    else:
        user = User.objects.create_user(username=role.replace(" ", "-").lower(), password=PASSWORD)
        if role != "no role":
            user.groups.add(roles[role])
    login_verified(client, user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_its_pages(role, roles, section, private_cache):
    from django.test import Client

    signature = SignatureFactory(status="review")
    client = _client_for(role, roles, Client)
    got, expected = {}, {}
    for pattern in _dashboard_patterns():
        url = _url(pattern, section=section, signature=signature)
        response = client.post(url, {}) if pattern.name in POSTED else client.get(url)
        got[pattern.name], expected[pattern.name] = _outcome(response), _expected(NEEDS[pattern.name], role)
    for url in ADMIN_URLS:
        got[url], expected[url] = _outcome(client.get(url)), _expected("admin", role)
    assert got == expected


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["Reviewer", "Organizer", "Admin"])
def test_a_role_with_personal_data_is_sent_to_the_code_step_until_it_is_done(role, roles, section, client):
    user = (
        staff_create(username="admin-user", role="admin", password=PASSWORD)
        if role == "Admin"
        else User.objects.create_user(username=role.lower(), password=PASSWORD)
    )
    user.groups.add(roles[role])
    client.force_login(user)  # the password only
    for pattern in _dashboard_patterns():
        url = _url(pattern, section=section, signature=SignatureFactory(status="review"))
        response = client.post(url, {}) if pattern.name in POSTED else client.get(url)
        assert _outcome(response) == "code", url
    admin = client.get("/admin/")
    assert admin.status_code == 302
    assert urlsplit(client.get(admin["Location"])["Location"]).path == "/accounts/otp/"


@pytest.mark.django_db
def test_a_volunteer_without_an_authenticator_is_not_asked_for_a_code(client, volunteer):
    client.force_login(volunteer)
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/dashboard/intake/").status_code == 200
