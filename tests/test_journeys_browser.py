"""Every journey in headless Chromium, in English and in Spanish, at a desktop's and a phone's size
(issue 15): a voter signs, confirms, downloads their form, and a volunteer scans it at intake;
staff key a section, review a match and export the counts.

The browser's language is set as a user's settings set it (Accept-Language); the
expected words are the catalogue's own (gettext under that language), and for Spanish
they must differ from the English, so a missing translation fails here. With
BROWSER_SCREENSHOTS set, each public page is saved as <page>-<language>-<size>.png
(docs/screenshots holds them)."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import urlsplit

import pytest
from django.utils import translation
from pypdf import PdfReader

from petitions.models import Signature
from petitions.services.tallies import counts_publish, tallies_count
from tests.browser import (  # noqa: F401 - the fixtures: pytest finds them by their names here
    DESKTOP,
    PASSWORD,
    PHONE,
    fixture_browser,
    fixture_chromium_executable,
    fixture_screenshots,
    new_context,
)
from tests.conftest import browser_sign_in
from tests.factories import VoterFactory, in_review, returned_section

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LOCALES = {"en": "en-US", "es": "es-ES"}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
JOURNEYS = [(language, size) for language in LOCALES for size in SIZES]


def _(language: str, message: str) -> str:
    """`message` as the catalogue has it in `language`; Spanish must really be translated."""
    with translation.override(language):
        translated = translation.gettext(message)
    if language != "en":
        assert translated != message, f"no {language} translation of {message!r}"
    return translated


def _person(browser, live_server, language: str, size: str):
    context = new_context(browser, live_server.url, viewport=SIZES[size], locale=LOCALES[language])
    return context.new_page()


def _check_the_page(page, language: str, size: str, screenshots, name: str) -> None:
    """The page is in `language` and, on a phone, fits the screen's width."""
    assert page.get_attribute("html", "lang") == language
    if size == "phone":
        overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow} px wider than a {PHONE['width']} px phone"
    page.screenshot(path=screenshots / f"{name}-{language}-{size}.png", full_page=True)


def _count_and_publish() -> None:
    """A counting run that sees every change committed so far, then the counts published as
    its end publishes them (a run that applies nothing publishes only on a quiet day)."""
    assert tallies_count() is not None
    counts_publish()


def _public_counts(page) -> dict:
    return json.loads(page.request.get("/api/petitions/calexit.json").body())["counts"]


@pytest.mark.parametrize(("language", "size"), JOURNEYS)
def test_a_voter_signs_confirms_downloads_the_form_and_a_volunteer_scans_it(
    browser, live_server, mailoutbox, volunteer, screenshots, language, size
):
    VoterFactory(registrant_id="J000000001", first_name="MARIA", last_name="GARCIA", city="SACRAMENTO")
    voter = _person(browser, live_server, language, size)

    voter.goto("/p/calexit/")
    _check_the_page(voter, language, size, screenshots, "petition")
    voter.get_by_role("link", name=_(language, "Sign the petition")).first.click()
    voter.wait_for_url("**/p/calexit/sign/")
    _check_the_page(voter, language, size, screenshots, "sign")
    voter.fill("#id_first_name", "Maria")
    voter.fill("#id_last_name", "Garcia")
    voter.fill("#id_address", "1200 J Street")
    voter.fill("#id_city", "Sacramento")
    voter.fill("#id_zip", "95814")
    voter.select_option("#id_county", value="34")
    voter.fill("#id_email", "maria@example.com")
    voter.check("#id_attest")
    voter.get_by_role("button", name=_(language, "Sign the petition")).click()

    voter.wait_for_url("**/p/calexit/sign/check-email/")
    assert voter.get_by_role("heading", name=_(language, "Check your email")).is_visible()
    _check_the_page(voter, language, size, screenshots, "check-email")
    signature = Signature.objects.get()
    assert signature.language == language

    # The email in the signer's language, its link to the confirmation page.
    (email,) = mailoutbox
    assert _(language, "Confirm your signature") in email.subject
    confirm_path = urlsplit(re.search(r"https?://\S+/confirm/\S+", email.body).group(0)).path
    voter.goto(confirm_path)
    assert voter.get_by_role("heading", name=_(language, "Confirm your signature")).is_visible()
    _check_the_page(voter, language, size, screenshots, "confirm")
    voter.get_by_role("button", name=_(language, "Confirm my signature")).click()
    voter.wait_for_url("**/p/calexit/thanks/?form=*")
    _check_the_page(voter, language, size, screenshots, "thanks")

    # The wet-ink form, in the same language, with the code the volunteer scans.
    link = voter.get_by_role("link", name=_(language, "Download your petition form (PDF)"))
    pdf = voter.request.get(link.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body())).pages)
    flat = " ".join(text.split())
    assert _(language, "DECLARATION OF CIRCULATOR") in flat, flat[:800]
    assert "Maria Garcia" in flat
    code = re.search(r"F\d{9}", flat).group(0)

    # Its text alternative, for a screen reader: the same words and the same code.
    voter.get_by_role("link", name=_(language, "Read the form as text")).click()
    voter.wait_for_url("**/form/*/text/**")
    _check_the_page(voter, language, size, screenshots, "form-text")
    assert voter.get_by_role("heading", name=_(language, "DECLARATION OF CIRCULATOR")).is_visible()
    assert code in voter.locator("main").inner_text()

    signature.refresh_from_db()
    assert signature.status == Signature.Status.VALID
    _count_and_publish()
    assert (_public_counts(voter)["pledged"], _public_counts(voter)["raw"]) == (1, 0)

    volunteer_page = _person(browser, live_server, language, size)
    browser_sign_in(volunteer_page, volunteer, PASSWORD, next_path="/dashboard/intake/")
    volunteer_page.wait_for_url(lambda url: urlsplit(url).path == "/dashboard/intake/")
    volunteer_page.fill("input[name=code]", code)
    volunteer_page.keyboard.press("Enter")
    volunteer_page.wait_for_selector("#intake-result [data-outcome=received]")

    _count_and_publish()
    assert (_public_counts(voter)["pledged"], _public_counts(voter)["raw"]) == (0, 1)


@pytest.mark.parametrize(("language", "size"), JOURNEYS)
def test_staff_key_a_section_review_a_match_and_export_the_counts(
    browser, live_server, organizer, screenshots, tmp_path, language, size
):
    maria = VoterFactory()
    marta = VoterFactory(first_name="MARTA", address_number="1210")
    waiting = in_review(marta, maria, first_name="Marta", address="1210 J St")
    section = returned_section(organizer)
    page = _person(browser, live_server, language, size)
    browser_sign_in(page, organizer, PASSWORD)
    page.wait_for_url("**/dashboard/")
    assert page.get_attribute("html", "lang") == language

    # Key the section's first line from the keyboard; Ctrl+Enter saves.
    page.goto(f"/dashboard/sections/{section.pk}/")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_lines-0-name'")
    for index, value in enumerate(["Maria Garcia", "1200 J St", "Sacramento", "95814", "03/05/2026"]):
        page.keyboard.type(value)
        page.keyboard.press("Enter" if index == 4 else "Tab")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    keyed = Signature.objects.get(section=section, line=1)
    assert (keyed.status, keyed.voter) == (Signature.Status.VALID, maria)
    page.screenshot(path=screenshots / f"data-entry-{language}-{size}.png", full_page=True)

    # Review the match: "1" takes the best candidate (Marta: Maria's keyed line is another person's).
    page.goto("/dashboard/review/?petition=calexit")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'review'")
    with page.expect_navigation():
        page.keyboard.press("1")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.voter, waiting.decided_by) == (Signature.Status.VALID, marta, organizer)

    # Export the counts.
    _count_and_publish()
    page.goto("/dashboard/?petition=calexit")
    with page.expect_download() as download:
        page.click("#counts-csv")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = {row["county_code"]: row for row in csv.DictReader(io.StringIO(saved.read_text()))}
    # The keyed line is filed; the reviewed one was signed online, so it waits for its ink.
    assert (rows["34"]["valid"], rows["34"]["pledged"]) == ("1", "1")
