"""A voter signs in a real browser, confirms by email, and a volunteer sees the count.

Headless Chromium (the system's, /usr/bin/chromium) drives pytest-django's
live server. Tasks run in-process (conftest `_tasks_in_process`), so the
confirmation email lands in Django's test outbox and validation has run by the
time the confirmation's redirect answers.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from petitions.models import Signature
from tests.browser import (  # noqa: F401 - the fixtures: pytest finds them by their names here
    BOOTSTRAP_DARK,
    background_color,
    fixture_browser,
    fixture_chromium_executable,
    fixture_page,
    fixture_screenshots,
)
from tests.factories import VoterFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _fill_the_sign_form(page, *, zip_code: str = "95814") -> None:
    page.fill("#id_first_name", "Maria")
    page.fill("#id_last_name", "Garcia")
    page.fill("#id_address", "1200 J Street")
    page.fill("#id_city", "Sacramento")
    page.fill("#id_zip", zip_code)
    page.select_option("#id_county", value="34")
    page.fill("#id_email", "maria@example.com")
    page.check("#id_attest")


def test_a_voter_signs_confirms_by_email_and_a_volunteer_sees_the_pledge(
    page, live_server, mailoutbox, volunteer, screenshots
):
    voter = VoterFactory(registrant_id="B000000001", first_name="MARIA", last_name="GARCIA", city="SACRAMENTO")

    page.goto("/p/calexit/")
    page.get_by_role("link", name="Sign the petition").click()
    page.wait_for_url("**/p/calexit/sign/")
    assert background_color(page, "nav.navbar") == BOOTSTRAP_DARK
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
    assert background_color(page, "nav.navbar") == BOOTSTRAP_DARK
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

    summary = page.get_by_role("alert")
    assert summary.get_by_role("heading").inner_text().strip() == "Please correct the fields marked below."
    assert summary.get_by_role("link").inner_text().strip() == f"ZIP code: {message}"
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
