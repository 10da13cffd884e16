"""Bulk invalidation from the dashboard in headless Chromium: the criteria, the preview with its sample,
confirm, the progress bar moved by the page's script while the run is between batches, done, then undo
(screenshots: docs/screenshots/bulk-preview.png, bulk-progress.png)."""

from __future__ import annotations

import threading
from functools import partial

import pytest
from playwright.sync_api import expect

from petitions.models import BulkInvalidation, Signature
from petitions.services import bulk
from petitions.services.tallies import tallies_count, tallies_recount
from tests.browser import (  # noqa: F401 - the fixtures: pytest finds them by their names here
    fixture_browser,
    fixture_chromium_executable,
    fixture_page,
    fixture_screenshots,
    sign_in_to_the_dashboard,
)
from tests.factories import SignatureFactory, VoterFactory, validated

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_bulk_invalidation_from_the_browser_with_progress_and_undo(
    page, organizer, calexit, settings, monkeypatch, screenshots
):
    for n in range(6):
        VoterFactory(first_name=f"Bot{n}", last_name="Smith")
        validated(first_name=f"Bot{n}", last_name="Smith", email=f"bot{n}@spam.test")
    # In review, not pending: a test worker's sweep (when one runs this session) would validate it meanwhile.
    SignatureFactory.create(first_name="Queued", email="queued@spam.test", status="review")
    SignatureFactory.create(first_name="Other", email="someone@example.com", status="review")
    tallies_count()

    # The run on a thread of the web process (as without a broker), two signatures a batch, held after
    # its first batch until the page has shown that batch's progress.
    settings.EXPORT_ON_A_THREAD = True
    release = threading.Event()
    monkeypatch.setattr(bulk, "bulk_run", partial(bulk.bulk_run, batch=2, after_batch=lambda run: release.wait(30)))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)

    sign_in_to_the_dashboard(page, organizer)
    page.click("#bulk-link")
    page.click("#bulk-preview")  # no criterion
    expect(page.locator("#bulk-error")).to_contain_text("at least one criterion")
    page.fill("#id_email_domain", "nonsense")
    page.click("#bulk-preview")
    expect(page.locator("#id_email_domain + .invalid-feedback")).to_have_text("Give a domain, like example.com.")
    page.fill("#id_email_domain", "spam.test")
    page.fill("#id_note", "one bot, one domain")
    page.click("#bulk-preview")
    expect(page.locator("#preview-heading")).to_have_text("7 signatures selected")
    expect(page.locator("#bulk-sample tbody tr")).to_have_count(7)
    expect(page.locator("#bulk-sample")).to_contain_text("bot0@spam.test")
    page.screenshot(path=str(screenshots / "bulk-preview.png"), full_page=True, animations="disabled")

    page.click("#bulk-confirm")
    progress = page.locator('[data-field="progress"]')
    expect(progress).to_have_text("2 of 7 invalidated")  # polled by static/dashboard/bulk.js
    expect(page.locator("#bulk-cancel")).to_be_visible()
    page.screenshot(path=str(screenshots / "bulk-progress.png"), full_page=True, animations="disabled")
    release.set()
    expect(page.locator('[data-field="status"]')).to_have_text("Done")
    expect(progress).to_have_text("7 of 7 invalidated")
    expect(page.locator(".progress")).to_have_attribute("aria-valuenow", "100")
    assert Signature.objects.filter(reason="fraud").count() == 7

    page.screenshot(path=str(screenshots / "bulk-done.png"), full_page=True, animations="disabled")
    page.click("#bulk-undo")
    expect(page.locator('[data-field="status"]')).to_have_text("Undone")
    assert not Signature.objects.filter(reason="fraud").exists()
    assert BulkInvalidation.objects.get().status == "undone"
    assert tallies_recount().drift == []
    assert errors == []
