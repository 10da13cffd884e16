"""The whole journey in production mode, from a browser, through a TLS-terminating proxy.

gunicorn runs the compose web command with DEBUG off behind tests/tls_proxy.py
(tests/production.py's `server`), a real Celery worker validates and
sends the email: a voter signs and confirms, a reviewer signs in with a second
factor, decides the signature in the review queue and downloads the counts."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from petitions.models import Signature
from petitions.services.signing import confirmation_url
from tests.browser import CHROMIUM_ARGS
from tests.conftest import browser_sign_in, chromium_path, wait_for
from tests.factories import VoterFactory
from tests.production import HOST, fixture_server, fixture_site  # noqa: F401 - the fixtures

pytestmark = [
    pytest.mark.services,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _emailed_confirmation_path(mail_dir: Path, address: str) -> str | None:
    for message in sorted(mail_dir.glob("*.log")):
        text = message.read_text()
        if f"To: {address}" in text:
            found = re.search(r"https?://[^/\s]+(/p/calexit/confirm/\S+/)", text)  # the worker's own SITE_URL
            if found:
                return found.group(1)
    return None


def test_sign_confirm_review_with_a_second_factor_and_export_behind_tls(
    site,
    celery_worker_process,
    organizer,
    monkeypatch,
):
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        pytest.fail("Chromium is not installed (/usr/bin/chromium)")
    mail_dir = celery_worker_process
    # Two voters the written name could be: the signature waits for a person.
    VoterFactory(first_name="Mario", last_name="Rossi", address_number="9", street_name="Pine")
    maria = VoterFactory(first_name="Maria", last_name="Rossi", address_number="9", street_name="Pine")
    email = f"mari.{uuid.uuid4().hex[:8]}@example.com"
    base = f"https://{HOST}:{site[0]}"
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread (tests/browser.py)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"]
        )
        context = browser.new_context(base_url=base, ignore_https_errors=True, accept_downloads=True)
        context.set_default_timeout(20_000)
        page = context.new_page()
        try:
            page.goto("/p/calexit/sign/")
            page.fill("#id_first_name", "Mari")
            page.fill("#id_last_name", "Rossi")
            page.fill("#id_address", "9 Pine St")
            page.fill("#id_city", "Sacramento")
            page.fill("#id_zip", "95814")
            page.select_option("#id_county", value="34")
            page.fill("#id_email", email)
            page.check("#id_attest")
            page.locator("#sign-form [type=submit]").click()
            page.wait_for_url("**/check-email/")

            wait_for(lambda: _emailed_confirmation_path(mail_dir, email), what="the confirmation email")
            # The test's worker keys its links with its own SECRET_KEY (a session-wide fixture); the same
            # link keyed with the server's key (the `site` fixture gives this process that key):
            page.goto(confirmation_url(Signature.objects.get(email=email)).removeprefix(settings.SITE_URL))
            page.get_by_role("button", name="Confirm my signature").click()
            page.wait_for_url("**/thanks/?form=*")
            href = page.get_by_role("link", name="Download your petition form (PDF)").get_attribute("href")
            form = page.evaluate(
                "async (href) => { const r = await fetch(href); return [r.status, r.headers.get('content-type')]; }",
                href,
            )
            assert form == [200, "application/pdf"]
            signature = wait_for(
                lambda: Signature.objects.filter(email=email, status="review").first(), what="validation by the worker"
            )

            browser_sign_in(page, organizer, "correct horse battery staple", next_path="/dashboard/")
            page.wait_for_url(f"{base}/dashboard/")
            page.get_by_role("link", name=re.compile("Review queue")).click()
            page.wait_for_selector(f'#review[data-signature="{signature.pk}"]')
            position = 1 + [c["voter"] for c in signature.match_candidates].index(maria.pk)
            page.locator("#review").focus()
            page.keyboard.press(str(position))  # accept Maria Rossi
            wait_for(
                lambda: Signature.objects.filter(pk=signature.pk, status="valid", voter=maria).exists(),
                what="the reviewer's decision",
            )
            page.wait_for_load_state("networkidle")  # the queue moves on to the next signature by itself

            page.goto("/dashboard/")
            with page.expect_download() as download:
                page.get_by_role("link", name="Download counts (CSV)").click()
            counts = Path(download.value.path()).read_text()
        finally:
            connections.close_all()  # those opened in Playwright's async context (tests/browser.py)
            browser.close()

    assert counts.startswith("county_code,county,raw,valid,invalid,duplicate,review,pending,pledged")
    signature.refresh_from_db()
    assert (signature.status, signature.decided_by) == ("valid", organizer)
