"""A voter signs in a real browser, confirms by email, and a volunteer sees the count.

Headless Chromium (the system's, /usr/bin/chromium) drives pytest-django's
live server. Tasks run in-process (conftest `_tasks_in_process`), so the
confirmation email lands in Django's test outbox and validation has run by the
time the confirmation's redirect answers.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from petitions.matching.keys import voter_keys
from petitions.models import County, Signature, Voter
from tests.conftest import REQUIRE_SERVICES, chromium_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BOOTSTRAP_DARK = "rgb(33, 37, 41)"  # .bg-dark: proof that the vendored Bootstrap CSS loaded


@pytest.fixture(autouse=True, scope="module")
def chromium_executable() -> str:
    """Skipped where Chromium is missing, except in CI (REQUIRE_SERVICES=1), where that fails."""
    executable = chromium_path()
    if executable is None:
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1 but Chromium is not installed (/usr/bin/chromium)")
        pytest.skip("Chromium is not installed")
    return executable


@pytest.fixture
def page(chromium_executable, live_server, settings, monkeypatch):
    """A fresh headless Chromium page on the live server.

    Playwright's sync API keeps an event loop running in this thread while it
    is started. Django then gives the thread other database connections than
    the test's own (asgiref keeps them per async context) and refuses ORM calls
    unless told they are safe, which they are: this code is synchronous. So
    Playwright runs only within the test itself, after the database is set up
    and before it is flushed, and the connections opened meanwhile are closed
    with it."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # The live server speaks plain HTTP; with DEBUG off the settings make cookies HTTPS-only.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # {% static %} without a collectstatic manifest, whatever DEBUG is; the live
    # server serves the files from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            connections.close_all()
            context.close()
            browser.close()


@pytest.fixture
def screenshots(tmp_path) -> Path:
    folder = Path(os.environ.get("BROWSER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _voter_in_the_file() -> Voter:
    fields = {
        "registrant_id": "B000000001",
        "county": County.objects.get(code="34"),
        "first_name": "MARIA",
        "last_name": "GARCIA",
        "address_number": "1200",
        "street_name": "J",
        "street_type": "ST",
        "city": "SACRAMENTO",
        "state": "CA",
        "zip": "95814",
        "voter_status": "A",
    }
    keys = voter_keys(
        last_name="GARCIA",
        first_name="MARIA",
        address_number="1200",
        street_dir_prefix="",
        street_name="J",
        street_type="ST",
        street_dir_suffix="",
    )
    return Voter.objects.create(**fields, **vars(keys))


def _fill_the_sign_form(page, *, zip_code: str = "95814") -> None:
    page.fill("#id_first_name", "Maria")
    page.fill("#id_last_name", "Garcia")
    page.fill("#id_address", "1200 J Street")
    page.fill("#id_city", "Sacramento")
    page.fill("#id_zip", zip_code)
    page.select_option("#id_county", value="34")
    page.fill("#id_email", "maria@example.com")
    page.check("#id_attest")


def _background_color(page, selector: str) -> str:
    return page.eval_on_selector(selector, "element => getComputedStyle(element).backgroundColor")


def test_a_voter_signs_confirms_by_email_and_a_volunteer_sees_the_pledge(
    page, live_server, mailoutbox, volunteer, screenshots
):
    voter = _voter_in_the_file()

    page.goto("/p/calexit/")
    page.get_by_role("link", name="Sign the petition").click()
    page.wait_for_url("**/p/calexit/sign/")
    assert _background_color(page, "nav.navbar") == BOOTSTRAP_DARK
    _fill_the_sign_form(page)
    page.screenshot(path=screenshots / "sign-form.png", full_page=True)
    page.get_by_role("button", name="Sign the petition").click()

    page.wait_for_url("**/p/calexit/sign/check-email/")
    assert page.get_by_role("heading", name="Check your email").is_visible()
    signature = Signature.objects.get()
    assert signature.status == Signature.Status.UNCONFIRMED
    assert (signature.first_name, signature.last_name, signature.county_id) == ("Maria", "Garcia", "34")

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["maria@example.com"]
    links = re.findall(r"https?://\S+", mailoutbox[0].body)
    assert len(links) == 1 and "/confirm/" in links[0], mailoutbox[0].body

    # Opening the link changes nothing: email scanners follow links.
    page.goto(urlsplit(links[0]).path)
    assert page.get_by_role("heading", name="Confirm your signature").is_visible()
    signature.refresh_from_db()
    assert signature.status == Signature.Status.UNCONFIRMED

    page.get_by_role("button", name="Confirm my signature").click()
    page.wait_for_url("**/p/calexit/thanks/?form=*")
    assert page.get_by_role("heading", name="Thank you: your signature is confirmed").is_visible()
    page.screenshot(path=screenshots / "thanks.png", full_page=True)
    # California's wet-ink rule: the signer's own form, at once.
    download = page.get_by_role("link", name="Download your petition form (PDF)")
    form = page.request.get(download.get_attribute("href"))
    assert form.status == 200 and form.headers["content-type"] == "application/pdf" and form.body()[:4] == b"%PDF"
    signature.refresh_from_db()
    assert signature.status == Signature.Status.VALID
    assert signature.voter == voter

    from petitions.services.tallies import tallies_count

    tallies_count()
    page.goto("/accounts/login/")
    page.fill("#id_username", volunteer.username)
    page.fill("#id_password", "correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")
    row = page.locator('#county-table tr[data-county="34"]')
    cells = [text.strip() for text in row.locator("td").all_inner_texts()]
    header = [text.strip() for text in page.locator("#county-table thead th").all_inner_texts()]
    by_column = dict(zip(header, cells))
    assert by_column["County"] == "Sacramento"
    assert by_column["Pledged"] == "1"
    # Pledged online is not yet filed: California needs the wet-ink form.
    assert by_column["Raw"] == "0" and by_column["Valid"] == "0"
    assert page.locator("#statewide-pledged").inner_text() == "1"
    assert _background_color(page, "nav.navbar") == BOOTSTRAP_DARK
    page.screenshot(path=screenshots / "dashboard.png", full_page=True)


@pytest.mark.parametrize(
    ("zip_code", "message"),
    [
        ("958", "Enter a 5-digit ZIP code, e.g. 95814."),
        ("10001", "That is not a California ZIP code (they run from 90001 to 96162)."),
    ],
)
def test_a_bad_zip_is_explained_next_to_the_field_and_nothing_is_stored(
    page, mailoutbox, screenshots, zip_code, message
):
    page.goto("/p/calexit/sign/")
    _fill_the_sign_form(page, zip_code=zip_code)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign the petition").click()

    assert page.get_by_role("alert").inner_text().strip() == "Please correct the fields marked below."
    feedback = page.locator("#id_zip ~ .invalid-feedback, #id_zip + .invalid-feedback")
    assert feedback.inner_text().strip() == message
    assert feedback.is_visible()
    assert "is-invalid" in page.get_attribute("#id_zip", "class")
    # What the voter typed is kept for them to correct.
    assert page.input_value("#id_first_name") == "Maria"
    assert page.input_value("#id_zip") == zip_code
    page.screenshot(path=screenshots / f"sign-form-bad-zip-{zip_code}.png", full_page=True)
    assert Signature.objects.count() == 0
    assert mailoutbox == []


def test_an_empty_zip_is_refused_by_the_browser_and_by_the_server(page, mailoutbox):
    page.goto("/p/calexit/sign/")
    _fill_the_sign_form(page, zip_code="")
    page.get_by_role("button", name="Sign the petition").click()
    # The browser does not send the form: the field is required.
    assert page.eval_on_selector("#id_zip", "element => element.validationMessage")
    assert page.url.endswith("/p/calexit/sign/")
    assert not page.get_by_role("alert").count()

    # Without the browser's check (an old browser, a script), the server refuses it too.
    page.eval_on_selector("#sign-form", "form => { form.noValidate = true; }")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign the petition").click()
    feedback = page.locator("#id_zip ~ .invalid-feedback, #id_zip + .invalid-feedback")
    assert feedback.inner_text().strip() == "This field is required."
    assert Signature.objects.count() == 0
    assert mailoutbox == []
