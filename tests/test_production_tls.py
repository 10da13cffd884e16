"""Production settings behind a TLS-terminating proxy.

The compose web command (gunicorn, DEBUG off) runs behind tests/tls_proxy.py, which
decrypts and adds X-Forwarded-For / X-Forwarded-Proto as nginx does. The signer's
connection comes from 127.0.0.2 and the proxy's from 127.0.0.1 (TRUSTED_PROXIES), so
the test can tell the signer's address from the proxy's and from a forged one.
"""

from __future__ import annotations

import http.client
import re
import ssl
import subprocess
import sys
import uuid
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.test import Client

from petitions.models import Petition, Signature
from petitions.services.abuse import client_ip_hash
from tests.conftest import ROOT
from tests.factories import SIGN_FORM, returned_section
from tests.production import HOST, SECRET_KEY, fixture_server, fixture_site  # noqa: F401 - the fixtures

SIGNER = "127.0.0.2"  # the proxy reaches gunicorn from 127.0.0.1
SIGN_PATH = "/p/calexit/sign/"


def _https(site, method: str, path: str, *, body: str | None = None, headers: dict[str, str] | None = None):
    """One request from the signer's address through the proxy; (status, headers, body)."""
    proxy_port, _, cert = site
    connection = http.client.HTTPSConnection(
        "127.0.0.1",
        proxy_port,
        timeout=30,
        source_address=(SIGNER, 0),
        context=ssl.create_default_context(cafile=str(cert)),
    )
    return _exchange(connection, method, path, body=body, headers=headers)


def _plain_http(site, path: str, *, source: str = "127.0.0.1", headers: dict[str, str] | None = None):
    """One request straight to gunicorn over plain HTTP, not through the proxy."""
    connection = http.client.HTTPConnection("127.0.0.1", site[1], timeout=30, source_address=(source, 0))
    return _exchange(connection, "GET", path, headers=headers)


def _exchange(connection, method: str, path: str, *, body: str | None = None, headers: dict[str, str] | None):
    try:
        connection.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def _sign(site, email: str, extra_headers: dict[str, str] | None = None):
    """GET the form, then POST it back as a browser does: CSRF cookie, token, Origin and Referer."""
    status, headers, page = _https(site, "GET", SIGN_PATH)
    assert status == 200, page[:2000]
    cookie = SimpleCookie()
    for value in headers.get_all("Set-Cookie"):
        cookie.load(value)
    assert cookie["csrftoken"]["secure"], "the CSRF cookie must be HTTPS-only"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None, page[:2000]
    body = urlencode({**SIGN_FORM, "email": email, "csrfmiddlewaretoken": token.group(1)})
    return _https(
        site,
        "POST",
        SIGN_PATH,
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie['csrftoken'].value}",
            "Origin": f"https://{HOST}",
            "Referer": f"https://{HOST}{SIGN_PATH}",
            **(extra_headers or {}),
        },
    )


pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_signer_signs_through_the_https_proxy_and_is_counted_by_their_own_address(site):
    email = f"tls-{uuid.uuid4().hex[:8]}@example.com"

    status, headers, body = _sign(site, email)

    assert status == 302, body[:2000]
    assert headers["Location"] == f"{SIGN_PATH}check-email/"
    signature = Signature.objects.get(email=email)
    assert signature.ip_hash == client_ip_hash(SIGNER)
    assert signature.ip_hash != client_ip_hash("127.0.0.1")  # not the proxy's address


def test_an_address_the_signer_writes_into_x_forwarded_for_is_not_believed(site):
    email = f"spoof-{uuid.uuid4().hex[:8]}@example.com"

    status, _, body = _sign(site, email, {"X-Forwarded-For": "6.6.6.6"})

    assert status == 302, body[:2000]
    signature = Signature.objects.get(email=email)
    assert signature.ip_hash == client_ip_hash(SIGNER)
    assert signature.ip_hash != client_ip_hash("6.6.6.6")


def test_a_post_from_another_site_is_still_refused(site):
    status, _, _ = _sign(site, "other-site@example.com", {"Origin": "https://evil.example"})

    assert status == 403
    assert not Signature.objects.filter(email="other-site@example.com").exists()


def test_plain_http_is_redirected_to_https_and_the_healthcheck_still_answers(site):
    status, headers, _ = _plain_http(site, SIGN_PATH)
    assert status == 301
    assert headers["Location"] == f"https://{HOST}{SIGN_PATH}"

    # A client that reaches gunicorn directly cannot claim HTTPS: only the proxy's header counts.
    status, headers, _ = _plain_http(site, SIGN_PATH, source=SIGNER, headers={"X-Forwarded-Proto": "https"})
    assert status == 301

    status, _, body = _plain_http(site, "/healthz")
    assert status == 200, body


def test_pages_over_https_carry_hsts_and_a_script_policy_without_unsafe_inline(site):
    status, headers, _ = _https(site, "GET", SIGN_PATH)

    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    policy = dict(directive.strip().split(" ", 1) for directive in headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert "unsafe-inline" not in policy["script-src"]
    assert "unsafe-inline" not in policy["style-src"]


def test_a_dashboard_pages_inline_script_carries_the_nonce_of_its_policy(site, volunteer):
    section = returned_section(volunteer)
    client = Client()
    client.force_login(volunteer)  # a session in the shared database, signed with the server's SECRET_KEY

    status, headers, page = _https(
        site,
        "GET",
        f"/dashboard/sections/{section.pk}/",
        headers={"Cookie": f"sessionid={client.cookies['sessionid'].value}"},
    )

    assert status == 200, page[:2000]
    nonces = re.findall(r"'nonce-([^']+)'", headers["Content-Security-Policy"])
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and len(set(nonces)) == 1
    assert all(f'nonce="{nonces[0]}"' in attributes for attributes in scripts), scripts


@pytest.mark.browser
def test_a_browser_loads_the_public_and_dashboard_pages_without_a_policy_violation(site, volunteer, monkeypatch):
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS
    from tests.conftest import chromium_path

    executable = chromium_path()
    if executable is None:
        pytest.skip("Chromium is not installed")
    section = returned_section(volunteer)
    Petition.objects.filter(slug="calexit").update(deadline=None)  # the factory's deadline is past: open again
    client = Client()
    client.force_login(volunteer)
    session = client.cookies["sessionid"].value
    base = f"https://{HOST}:{site[0]}"
    complaints: list[str] = []
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread (tests/browser.py)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"]
        )
        context = browser.new_context(ignore_https_errors=True)
        context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                complaints.append(message.text)
                if message.type == "error" and not message.text.startswith("Failed to load resource")
                else None
            ),
        )
        page.on(
            "response",
            lambda response: (
                complaints.append(f"{response.status} {response.url}")
                if response.status >= 400 and not response.url.endswith("/favicon.ico")
                else None
            ),
        )
        page.on("pageerror", lambda error: complaints.append(str(error)))
        for path in ("/p/calexit/", SIGN_PATH, "/dashboard/", f"/dashboard/sections/{section.pk}/"):
            assert page.goto(base + path).status == 200, path
            page.wait_for_load_state("networkidle")
        # The section page's inline script ran: it puts the cursor in the first line to key.
        focused = page.evaluate("document.activeElement.closest('#lines-form') !== null")
        browser.close()

    assert focused
    assert complaints == []


# --- Start-up checks (no server) --------------------------------------------


def _manage(*args: str, **environment: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "0", "SECRET_KEY": SECRET_KEY, **environment}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION = {
    "SITE_URL": "https://petition.example.org",
    "ALLOWED_HOSTS": "petition.example.org",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


@pytest.mark.django_db(transaction=False)
def test_the_deployment_checklist_passes_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SITE_URL": "http://petition.example.org"}, "SITE_URL must be the site's public https:// address"),
        ({"SITE_URL": "https://localhost"}, "SITE_URL must be the site's public https:// address"),
        ({"SITE_URL": "https://127.0.0.1:8000"}, "SITE_URL must be the site's public https:// address"),
        ({"EMAIL_BACKEND": None}, "EMAIL_BACKEND must be set when DEBUG is off"),
        ({"TRUSTED_PROXIES": "10.0.0.0/33"}, "TRUSTED_PROXIES must be addresses or CIDR networks"),
        ({"INSECURE_LOCAL_HTTP": "1"}, "INSECURE_LOCAL_HTTP=1 is for trials on this machine"),
    ],
)
def test_the_site_refuses_to_start_with_settings_that_are_unsafe_in_production(change, message):
    environment = {key: value for key, value in {**PRODUCTION, **change}.items() if value is not None}

    result = _manage("check", **environment)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr, result.stderr[-2000:]


@pytest.mark.django_db(transaction=False)
def test_a_local_plain_http_trial_is_allowed_only_on_purpose_and_says_so():
    result = _manage(
        "check",
        SITE_URL="http://127.0.0.1:8000",
        INSECURE_LOCAL_HTTP="1",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )

    assert result.returncode == 0, result.stderr
    assert "INSECURE_LOCAL_HTTP=1" in result.stderr and "Never use this in production" in result.stderr
