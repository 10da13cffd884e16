"""The dashboard's odds card in headless Chromium: the stacked bar and the
numbers read as the stored odds say (screenshot: docs/screenshots/odds.png)."""

from __future__ import annotations

import pytest

from petitions.models import Tally
from petitions.services.projections import odds_compute, projections_compute
from tests.browser import (  # noqa: F401 - the fixtures: pytest finds them by their names here
    fixture_browser,
    fixture_chromium_executable,
    fixture_page,
    fixture_screenshots,
    sign_in_to_the_dashboard,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_odds_card_shows_the_chances_and_the_raw_still_needed(page, volunteer, calexit, screenshots):
    # Los Angeles 100,000 raw and Alpine 300 raw, 72,000 required: the expected
    # projection sits at the 110 % line, so the counties' samples decide.
    for county_id, counts in {
        "19": {"valid": 72_000, "invalid": 18_000, "duplicate": 1_000, "review": 1_000, "pending": 8_000},
        "02": {"valid": 200, "invalid": 40, "duplicate": 10, "pending": 50},
    }.items():
        for status, count in counts.items():
            Tally.objects.create(petition=calexit, county_id=county_id, filed=True, status=status, count=count)
    calexit.required_signatures = 72_000
    calexit.save()
    projections_compute(petition=calexit)
    odds = odds_compute(petition=calexit)
    assert odds is not None and odds.raw_needed

    sign_in_to_the_dashboard(page, volunteer)

    card = page.locator("#odds")
    card.scroll_into_view_if_needed()
    assert page.locator("#odds-qualifies").inner_text() == f"{100 * odds.qualifies:.1f} %"
    assert page.locator("#odds-full-count").inner_text() == f"{100 * odds.full_count:.1f} %"
    assert page.locator("#odds-raw-needed").inner_text() == f"{odds.raw_needed:,} more"
    # The stacked bar: the green and yellow parts as wide as their chances.
    bar = page.locator("#odds .progress-stacked")
    total = bar.bounding_box()["width"]
    widths = [part.bounding_box()["width"] for part in bar.locator(".progress").all()]
    assert widths[0] / total == pytest.approx(odds.qualifies, abs=0.01)
    assert widths[1] / total == pytest.approx(odds.full_count, abs=0.01)
    card.screenshot(path=screenshots / "odds.png")
