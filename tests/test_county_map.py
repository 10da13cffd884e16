"""The dashboard's county map: California's 58 counties from us-atlas (vendored, California
only, by tools/extract_california_counties.py), drawn with d3-geo in headless Chromium,
shaded by projected validity with a texture per band, each county's focus showing its
numbers and linking to its row of the county table; the same numbers as a table.
Screenshot: docs/screenshots/county-map.png."""

from __future__ import annotations

import importlib.util
import json

import pytest
from django.template.loader import render_to_string

from petitions.models import County, Tally
from petitions.selectors import counts_with_projection, petition_counts, projection_summary
from petitions.services.projections import projections_compute
from tests.browser import (  # noqa: F401 - the fixtures: pytest finds them by their names here
    fixture_browser,
    fixture_chromium_executable,
    fixture_page,
    fixture_screenshots,
    sign_in_to_the_dashboard,
)
from tests.conftest import ROOT

TOPOLOGY = ROOT / "static" / "vendor" / "us-atlas" / "california-counties-10m.json"

# Filed tallies by county: the projected validity lands in a different band in each.
TALLIES = {
    "01": {"valid": 950, "invalid": 50},  # Alameda: 95 %
    "02": {"valid": 40, "invalid": 30},  # Alpine: 57 %
    "19": {"valid": 7_400, "invalid": 2_600, "review": 300},  # Los Angeles: 74 %
    "34": {"valid": 1_700, "invalid": 300, "pending": 120},  # Sacramento: 85 %
}


def _extractor():
    spec = importlib.util.spec_from_file_location(
        "extract_california_counties", ROOT / "tools" / "extract_california_counties.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _arc_indexes(arcs) -> list[int]:
    if isinstance(arcs, int):
        return [arcs if arcs >= 0 else ~arcs]
    return [index for part in arcs for index in _arc_indexes(part)]


@pytest.mark.django_db
def test_the_vendored_shapes_are_californias_58_counties_under_the_apps_codes():
    topology = json.loads(TOPOLOGY.read_text())
    geometries = topology["objects"]["counties"]["geometries"]
    by_code = {g["properties"]["code"]: g for g in geometries}

    assert len(geometries) == 58 == County.objects.count()
    for county in County.objects.all():
        geometry = by_code[county.code]
        assert geometry["id"] == county.fips == f"06{2 * int(county.code) - 1:03d}"
        assert geometry["properties"]["name"] == county.name
        assert geometry["type"] in {"Polygon", "MultiPolygon"}
    used = {index for g in geometries for index in _arc_indexes(g["arcs"])}
    assert used == set(range(len(topology["arcs"])))  # every arc used, none missing
    assert "us-atlas@3.0.1" in topology["source"]
    assert TOPOLOGY.stat().st_size < 40_000  # California only, not the 840 KB of every US county


def test_the_extractor_keeps_californias_counties_and_renumbers_their_arcs():
    extract = _extractor()
    reference = {"06001": ("01", "Alameda"), "06003": ("02", "Alpine")}
    topology = {
        "type": "Topology",
        "transform": {"scale": [1, 1], "translate": [0, 0]},
        "objects": {
            "counties": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "id": "41001", "properties": {"name": "Baker"}, "arcs": [[0]]},
                    {"type": "Polygon", "id": "06003", "properties": {"name": "Alpine"}, "arcs": [[3, ~1]]},
                    {"type": "MultiPolygon", "id": "06001", "properties": {"name": "Alameda"}, "arcs": [[[1, 2]]]},
                ],
            }
        },
        "arcs": [[[0, 0], [1, 1]], [[5, 5], [1, 0]], [[6, 5], [0, 1]], [[9, 9], [1, 1]]],
    }

    result = extract.california(topology, reference)

    geometries = result["objects"]["counties"]["geometries"]
    assert [(g["id"], g["properties"]) for g in geometries] == [
        ("06001", {"code": "01", "name": "Alameda"}),
        ("06003", {"code": "02", "name": "Alpine"}),
    ]
    # Arcs 1, 2, 3 kept as 0, 1, 2 (Oregon's arc 0 dropped); a reversed arc stays reversed.
    assert result["arcs"] == topology["arcs"][1:]
    assert geometries[0]["arcs"] == [[[0, 1]]] and geometries[1]["arcs"] == [[2, ~0]]

    with pytest.raises(extract.Mismatch, match="missing"):
        extract.california(topology, {**reference, "06005": ("03", "Amador")})
    renamed = {"06001": ("01", "Alameda"), "06003": ("02", "Alpine County")}
    with pytest.raises(extract.Mismatch, match="Alpine County"):
        extract.california(topology, renamed)


def _spread() -> dict[str, dict[str, int]]:
    """The other counties, so that the map looks like a campaign's: validity from about 67 to 97 %,
    and six counties (05, 14, 23, 32, 41, 50) with nothing filed."""
    spread = {}
    for number in range(1, 59):
        code = f"{number:02d}"
        if code not in TALLIES and number % 9 != 5:
            valid = 60 + (number * 997) % 4_000
            spread[code] = {"valid": valid, "invalid": valid * (3 + (number * 13) % 48) // 100}
    return spread


def _filed(calexit) -> None:
    for county_id, counts in {**TALLIES, **_spread()}.items():
        for status, count in counts.items():
            Tally.objects.create(petition=calexit, county_id=county_id, filed=True, status=status, count=count)
    projections_compute(petition=calexit)


@pytest.mark.django_db
def test_the_map_partial_reads_only_what_the_dashboard_holds(calexit, django_assert_num_queries):
    _filed(calexit)
    counts = petition_counts(calexit)
    context = {
        "petition": calexit,
        "counts": counts,
        "county_rows": counts_with_projection(counts, projection_summary(calexit)),
    }

    with django_assert_num_queries(0):
        html = render_to_string("dashboard/_county_map.html", context)

    assert html.count("<tr data-code=") == 58
    assert 'data-href="#county-34"' in html
    assert "vendor/d3-geo/d3-geo.min.js" in html and "cdn" not in html.lower()


def _band(estimate) -> str:
    """The band county-map.js gives a county: how many of 70, 80, 90 % its projected validity reaches."""
    if not estimate or not estimate.projected:
        return "none"
    per_mille = round(1000 * estimate.projected_valid / estimate.raw)
    return str(sum(per_mille >= t for t in (700, 800, 900)))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_dashboard_map_draws_58_counties_whose_focus_shows_their_numbers_and_links_to_their_row(
    page, volunteer, calexit, screenshots, private_cache
):
    _filed(calexit)
    summary = projection_summary(calexit)
    sacramento = summary.by_county["34"]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: r.status >= 400 and "favicon" not in r.url and errors.append(f"{r.status} {r.url}"))

    sign_in_to_the_dashboard(page, volunteer)

    counties = page.locator("#county-map svg a.county-map-county")
    counties.first.wait_for()
    assert counties.count() == 58
    assert page.locator("#county-map svg a.county-map-county path[d^='M']").count() == 58
    assert errors == []
    # Every band drawn with its own pattern (colour and texture); the legend shows each one.
    bands = dict(counties.evaluate_all("links => links.map(link => [link.dataset.code, link.dataset.band])"))
    assert bands == {county.code: _band(summary.by_county.get(county.code)) for county in County.objects.all()}
    assert {bands[code] for code in TALLIES} == {"0", "1", "2", "3"}
    assert page.locator("#county-map a[data-code='05']").get_attribute("data-band") == "none"  # nothing filed
    assert page.locator("#county-map .county-map-legend .county-map-swatch").count() == 5

    # The table equivalent: one row per county, the map's numbers.
    table_rows = page.locator("#county-map-table tbody tr")
    assert table_rows.count() == 58
    expected = [
        "Sacramento",
        "2,120",
        "1,700",
        f"{sacramento.projected_valid:,}",
        f"{round(100 * sacramento.projected_valid / sacramento.raw)} %",
    ]
    cells = page.locator("#county-map-table tr[data-code='34'] > *").all_text_contents()  # in a closed <details>
    assert [cell.strip() for cell in cells] == expected

    # Keyboard: focus a county, its numbers show; Tab goes on to the next county in the table's order.
    tip = page.locator("#county-map .county-map-tip")
    page.locator("#county-map a[data-code='33']").focus()  # Riverside
    page.keyboard.press("Tab")
    sacramento_link = page.locator("#county-map a[data-code='34']")
    assert sacramento_link.evaluate("element => element === document.activeElement")
    tip.wait_for(state="visible")
    assert tip.get_attribute("data-code") == "34"
    shown = tip.inner_text()
    for text in expected:
        assert text in shown
    label = sacramento_link.get_attribute("aria-label")
    assert label is not None and label.startswith("Sacramento: Raw 2,120; Valid 1,700; Projected valid")
    page.locator("#county-map-card").screenshot(path=screenshots / "county-map.png")

    page.keyboard.press("Enter")  # follow the link
    page.wait_for_url("**/dashboard/#county-34")
    row = page.locator("#county-table tr#county-34")
    assert row.evaluate("element => element.matches(':target')")
    assert row.locator("td").nth(1).inner_text() == "Sacramento"
    row.wait_for(state="visible")
    page.wait_for_function(  # scrolled to it (Bootstrap scrolls smoothly)
        "() => { const r = document.getElementById('county-34').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= innerHeight; }"
    )

    # Hover shows another county's numbers.
    page.locator("#county-map a[data-code='19']").scroll_into_view_if_needed()
    page.locator("#county-map a[data-code='19']").hover()
    page.wait_for_function("document.querySelector('#county-map .county-map-tip').dataset.code === '19'")
    assert "Los Angeles" in tip.inner_text()
