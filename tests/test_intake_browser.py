"""A volunteer records returned forms at mail intake from the keyboard alone, in headless Chromium.
A USB barcode scanner is a keyboard: it types the code and presses Enter."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from petitions.codes import form_code
from petitions.models import Signature
from petitions.validation.validate import signature_validate
from tests.browser import (  # noqa: F401 - the fixtures: pytest finds them by their names here
    PASSWORD,
    fixture_browser,
    fixture_chromium_executable,
    fixture_page,
    fixture_screenshots,
)
from tests.factories import SignatureFactory, VoterFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _sign_in_with_the_keyboard(page, user) -> None:
    page.goto("/accounts/login/?next=/dashboard/intake/")
    # The login page focuses the user name; Chromium applies autofocus at a rendering step that may come
    # after the load event, so wait for it before typing (keys typed earlier go nowhere).
    page.wait_for_function("document.activeElement && document.activeElement.name === 'username'")
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: urlsplit(url).path == "/dashboard/intake/")


def test_a_volunteer_scans_forms_with_the_keyboard_and_sees_each_result_and_the_tally(page, volunteer, screenshots):
    VoterFactory()
    signature = SignatureFactory()
    signature_validate(signature_id=signature.pk)
    code = form_code(signature.pk)

    _sign_in_with_the_keyboard(page, volunteer)
    # ready for the first scan (autofocus, which may land after the load event)
    page.wait_for_function("document.activeElement && document.activeElement.name === 'code'")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#intake-result [data-outcome=received]")
    assert page.evaluate("document.activeElement.name") == "code"  # ready for the next one

    page.keyboard.type(code.lower())
    page.keyboard.press("Enter")
    page.wait_for_selector("#intake-result [data-outcome=already]")
    page.keyboard.type("F12345")
    page.keyboard.press("Enter")
    page.wait_for_selector("#intake-result [data-outcome=malformed]")
    assert [page.inner_text(f"#tally-{name}") for name in ("received", "already", "refused")] == ["1", "1", "1"]
    page.screenshot(path=str(screenshots / "intake.png"), full_page=True)

    signature = Signature.objects.get(pk=signature.pk)
    assert signature.wet_ink_received_by == volunteer and signature.wet_ink_received_at is not None
