"""A reviewer clears the review queue from the keyboard, in headless Chromium."""

from __future__ import annotations

import datetime

import pytest

from petitions.models import AuditLog
from tests.browser import (  # noqa: F401 - the fixtures: pytest finds them by their names here
    BOOTSTRAP_DARK,
    background_color,
    fixture_browser,
    fixture_chromium_executable,
    fixture_page,
    fixture_screenshots,
    sign_in_to_the_dashboard,
)
from tests.factories import VoterFactory, in_review

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("private_cache"),  # reviewers' leases: tests/conftest.py
]

HIGHLIGHT = "rgb(255, 243, 205)"  # .table-warning: the differing fields


def _shown(page) -> int:
    return int(page.get_attribute("#review", "data-signature"))


def test_a_reviewer_decides_from_the_keyboard_and_the_next_signature_loads(page, reviewer, screenshots):
    maria = VoterFactory(first_name="MARIA", middle_name="LUCIA", dob=datetime.date(1980, 2, 3))
    marta = VoterFactory(
        first_name="MARTA", address_number="1210", dob=datetime.date(1979, 6, 1), unit_type="APT", unit_number="2"
    )
    first = in_review(maria, marta, middle_name="L", dob=datetime.date(1979, 6, 1))
    second = in_review(maria, first_name="Mara", last_name="Garcia")
    third = in_review(marta)

    sign_in_to_the_dashboard(page, reviewer)
    page.get_by_role("link", name="Review queue").click()
    page.wait_for_url("**/dashboard/review/?petition=calexit")
    assert background_color(page, "nav.navbar") == BOOTSTRAP_DARK
    assert _shown(page) == first.pk
    assert page.locator("#queue-left").inner_text() == "3 left"
    assert page.evaluate("document.activeElement.id") == "review"  # keys work at once
    assert background_color(page, 'td[data-field="house"][data-candidate="2"]') == HIGHLIGHT
    assert background_color(page, 'td[data-field="house"][data-candidate="1"]') != HIGHLIGHT
    assert page.locator("#keys-legend").is_visible()
    page.screenshot(path=screenshots / "review-queue.png", full_page=True)

    with page.expect_navigation():
        page.keyboard.press("2")

    first.refresh_from_db()
    assert (first.status, first.voter, first.decided_by) == ("valid", marta, reviewer)
    assert (
        page.locator("[data-flash]").inner_text().strip()
        == f"Signature #{first.pk}: valid (voter {marta.registrant_id})"
    )
    assert _shown(page) == second.pk
    assert page.locator("#queue-left").inner_text() == "2 left"

    # Typing in a text field is not a decision.
    page.evaluate("""() => { const input = document.createElement('input'); input.id = 'probe';
                             document.querySelector('#review').prepend(input); input.focus(); }""")
    page.keyboard.type("n")
    # A fixed wait on purpose: the test asserts that no decision is sent, and there is no
    # event for a submission that does not happen; 300 ms lets a wrongly handled key submit.
    page.wait_for_timeout(300)
    assert page.input_value("#probe") == "n"
    second.refresh_from_db()
    assert second.status == "review"
    page.evaluate("document.getElementById('probe').blur()")

    with page.expect_navigation():
        page.keyboard.press("n")

    second.refresh_from_db()
    assert (second.status, second.reason, second.voter, second.decided_by) == (
        "invalid",
        "not_registered",
        None,
        reviewer,
    )
    assert page.locator("[data-flash]").inner_text().strip() == f"Signature #{second.pk}: invalid (not_registered)"
    assert _shown(page) == third.pk
    page.screenshot(path=screenshots / "review-queue-after-two-decisions.png", full_page=True)
    assert AuditLog.objects.filter(action="signature.decide", user=reviewer).count() == 2
    assert set(AuditLog.objects.filter(action="signature.review_view").values_list("object_id", flat=True)) == {
        str(first.pk),
        str(second.pk),
        str(third.pk),
    }
