"""The dashboard with the demo campaign in headless Chromium: the chart of signatures over time is
drawn from the page's numbers (the vendored Chart.js, no inline script under the site's CSP), its
table says the same, and the pace card shows what petition_history computes (screenshot:
docs/screenshots/history-pace.png)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.management import call_command
from django.template.defaultfilters import floatformat

from petitions.demo.campaign import DEMO_SLUG
from petitions.models import Petition
from petitions.selectors import petition_counts, petition_history
from tests.browser import (  # noqa: F401 - the fixtures: pytest finds them by their names here
    fixture_browser,
    fixture_chromium_executable,
    fixture_page,
    fixture_screenshots,
    sign_in_to_the_dashboard,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _per_day(value: float | None) -> str:
    return "—" if value is None else intcomma(floatformat(value, 0))


def test_the_dashboard_draws_the_demo_campaign_s_history_and_pace(page, settings, tmp_path, volunteer, screenshots):
    settings.DEBUG = True  # load_demo's condition; the live server serves the same pages either way
    settings.BASE_DIR = tmp_path
    call_command("load_demo", stdout=StringIO())  # as `make run` loads it
    demo = Petition.objects.get(slug=DEMO_SLUG)
    counts = petition_counts(demo)
    expected = petition_history(demo, counts)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "favicon" not in (message.location.get("url") or "")
            else None
        ),
    )

    sign_in_to_the_dashboard(page, volunteer)
    assert page.locator("h1").inner_text() == demo.title  # the featured petition is the demo's
    page.wait_for_selector("#history-chart[data-ready=true]")
    assert problems == []  # no script refused by the Content-Security-Policy, no error

    drawn = page.evaluate(
        """() => {
            const chart = document.getElementById("history-chart").historyChart;
            const valid = chart.data.datasets[1].data;
            const today = valid.filter(v => v !== null).length - 1;
            const point = chart.getDatasetMeta(1).data[today];
            return {
                labels: chart.data.labels.length,
                datasets: chart.data.datasets.map(d => d.label),
                raw: chart.data.datasets[0].data.filter(v => v !== null),
                valid: valid.filter(v => v !== null),
                needed: chart.data.datasets[2].data,
                today: today,
                y: point.y, top: chart.chartArea.top, bottom: chart.chartArea.bottom,
            };
        }"""
    )
    assert drawn["labels"] == len(expected.chart["labels"]) == (demo.deadline - demo.summary_date).days + 1
    assert drawn["datasets"] == [
        "Raw (would be filed)",
        "Valid",
        f"Line to {demo.required_signatures:,} valid by {expected.pace.finish.day:%b} {expected.pace.finish.day.day}",
        "Valid at the 7-day pace",
    ]
    assert drawn["valid"] == [day.valid for day in expected.days]
    assert drawn["raw"] == [day.raw for day in expected.days]
    assert drawn["valid"][-1] == counts.statewide.valid
    assert drawn["needed"] == expected.chart["needed"]
    assert drawn["top"] < drawn["y"] < drawn["bottom"]  # today's valid point is drawn inside the chart

    # Hovering today shows every line's number there.
    page.locator("#history-chart").scroll_into_view_if_needed()
    box = page.locator("#history-chart").bounding_box()
    x = page.evaluate(
        "i => document.getElementById('history-chart').historyChart.scales.x.getPixelForValue(i)", drawn["today"]
    )
    page.mouse.move(box["x"] + x, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "() => document.getElementById('history-chart').historyChart.tooltip.getActiveElements().length > 0"
    )
    hovered = page.evaluate(
        "() => document.getElementById('history-chart').historyChart.tooltip.dataPoints.map(p => p.raw)"
    )
    assert hovered[:2] == [counts.statewide.raw, counts.statewide.valid]

    # The same numbers as a table.
    page.locator("#history-table-details summary").click()
    rows = page.locator("#history-table tbody tr")
    assert rows.count() == len(expected.days)
    last = rows.nth(rows.count() - 1).locator("td")
    assert [last.nth(n).inner_text() for n in range(2)] == [
        f"{counts.statewide.raw:,}",
        f"{counts.statewide.valid:,}",
    ]

    pace = expected.pace
    assert page.locator("#pace-valid").inner_text() == _per_day(pace.valid_per_day)
    assert page.locator("#pace-needed").inner_text() == _per_day(pace.needed_per_day)
    assert page.locator("#pace-status .badge").inner_text() in ("Behind pace", "On pace")
    days_left = page.locator("#pace-dates tr .days-left").all_inner_texts()
    assert days_left == [f"{m.days_left} days left" for m in pace.milestones]

    # The county map beside it, with the demo's counties: 58 shapes, each a link to its row.
    assert page.locator("#county-map svg a.county-map-county path[d^='M']").count() == 58
    assert page.locator("#county-map-table tbody tr").count() == 58

    page.locator("#history-table-details summary").click()  # closed again for the picture
    page.locator("#history").screenshot(path=screenshots / "history-pace.png")
    page.screenshot(path=screenshots / "dashboard-demo.png", full_page=True)
