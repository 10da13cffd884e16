"""Public progress: the petition page's progress bar toward the requirement and its county
map, whose per-county numbers come only from the hourly snapshot with small counts hidden;
the embeddable widget, the one page another site may frame; and no database query more per
page view than before (the page reads memoised counts). Screenshots:
docs/screenshots/petition-page.png, docs/screenshots/widget.png."""

from __future__ import annotations

import re
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from petitions import selectors
from petitions.models import CountingRun, Tally
from petitions.selectors import petition_counts_store, public_memo_clear
from tests.browser import (  # noqa: F401 - the fixtures: pytest finds them by their names here
    fixture_browser,
    fixture_chromium_executable,
    fixture_page,
    fixture_screenshots,
)

PAGE = "/p/calexit/"
WIDGET = "/p/calexit/widget/"


class _MapTable(HTMLParser):
    """The rows of the page's #county-map-table: {code: [cell texts]}."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self._in_table = False
        self._code: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "table" and found.get("id") == "county-map-table":
            self._in_table = True
        elif self._in_table and tag == "tr" and found.get("data-code"):
            self._code = found["data-code"]
            self.rows[self._code] = []
        elif self._code and tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        elif tag == "tr":
            self._code = None
        elif tag in ("th", "td") and self._code and self._cell is not None:
            self.rows[self._code].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def map_rows(html: str) -> dict[str, list[str]]:
    parser = _MapTable()
    parser.feed(html)
    return parser.rows


def tally(petition, county: str, *, filed: bool = True, **counts: int) -> None:
    for status, count in counts.items():
        Tally.objects.create(petition=petition, county_id=county, filed=filed, status=status, count=count)


@pytest.fixture
def clock(monkeypatch):
    """The selectors' monotonic clock (the web process's memo), moved by hand."""
    now = [1_000.0]
    monkeypatch.setattr(selectors, "time", types.SimpleNamespace(monotonic=lambda: now[0]))
    return now


@pytest.mark.django_db
def test_the_page_shows_the_progress_bar_toward_the_requirement(client, private_cache, calexit):
    calexit.required_signatures = 2_000
    calexit.save()
    tally(calexit, "19", valid=500, invalid=80)
    tally(calexit, "34", filed=False, valid=40)  # pledged online: not toward the requirement yet

    html = client.get(PAGE).content.decode()

    bar = re.search(r'<div class="progress mb-1" id="progress-bar"[^>]*>', html)
    assert bar is not None
    assert 'aria-valuenow="25"' in bar.group(0)
    assert 'aria-valuetext="500 of 2,000 (25.0 %)"' in bar.group(0)
    assert '<div class="progress-bar" style="width: 25.00%">' in html
    assert '<p class="display-6 mb-0" id="valid-count">500</p>' in html
    assert "25.0 % of the requirement" in html
    assert "40 more signed online" in html


@pytest.mark.django_db
def test_the_map_shows_no_county_number_under_the_threshold(client, private_cache, calexit, settings):
    settings.COUNTY_COUNTS_SUPPRESS_BELOW = 10
    for number in range(1, 59):
        if number != 2:
            tally(calexit, f"{number:02d}", valid=50 + number, invalid=12)
    tally(calexit, "02", valid=4, invalid=1)  # Alpine: a handful
    tally(calexit, "02", filed=False, valid=3)
    tally(calexit, "34", filed=False, valid=15)

    html = client.get(PAGE).content.decode()
    rows = map_rows(html)

    assert len(rows) == 58
    assert rows["02"] == ["Alpine", "not shown", "not shown", "not shown"]
    # Alameda's 51, the smallest shown, hidden too: the statewide count less the others would give Alpine's.
    assert rows["01"][1] == "not shown"
    assert rows["34"] == ["Sacramento", "84", "96", "15"]
    for code, cells in rows.items():
        for cell in cells[1:]:
            assert cell == "not shown" or int(cell.replace(",", "")) >= 10, (code, cells)
    statewide_valid = sum(50 + n for n in range(1, 59) if n != 2) + 4
    assert f'id="valid-count">{statewide_valid:,}</p>' in html  # statewide: live and exact
    assert 'data-value=""' in html and 'data-thresholds="100,1000,10000"' in html
    assert "10 to 99" in html and "not shown" in html


@pytest.mark.django_db
def test_county_numbers_follow_the_hourly_snapshot_while_the_statewide_count_is_live(
    client, private_cache, calexit, settings
):
    settings.COUNTY_COUNTS_SUPPRESS_BELOW = 10
    tally(calexit, "34", valid=30)
    first = client.get(PAGE).content.decode()

    Tally.objects.filter(petition=calexit, county_id="34", status="valid").update(count=50)  # 20 more, counted
    petition_counts_store(calexit)
    public_memo_clear()
    second = client.get(PAGE).content.decode()

    assert 'id="valid-count">30</p>' in first and 'id="valid-count">50</p>' in second
    assert map_rows(first)["34"][1] == map_rows(second)["34"][1] == "30"


@pytest.mark.django_db
def test_the_page_and_the_widget_make_no_more_queries_than_before(
    client, private_cache, calexit, clock, django_assert_num_queries
):
    """A page view within the memo's second reads nothing; after it, the petition and, for
    the page's chart, the daily snapshots (its counts and the county snapshot come from the
    cache entries): two queries a second per web process at most."""
    tally(calexit, "34", valid=30)
    client.get(PAGE)  # the counts' cache entry, the county snapshot and this process's memo

    with django_assert_num_queries(0):
        assert client.get(PAGE).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(WIDGET).status_code == 200

    clock[0] += 2  # past PUBLIC_MEMO_SECONDS
    with django_assert_num_queries(2):
        assert client.get(PAGE).status_code == 200
    clock[0] += 2
    with django_assert_num_queries(1):
        assert client.get(WIDGET).status_code == 200


@pytest.mark.django_db
def test_only_the_widget_may_be_framed(client, private_cache, calexit, volunteer):
    widget = client.get(WIDGET)
    assert widget.status_code == 200
    assert "X-Frame-Options" not in widget
    assert "frame-ancestors *" in widget["Content-Security-Policy"]

    client.force_login(volunteer)
    for path in [PAGE, "/", "/p/calexit/sign/", "/api/petitions/calexit.json", "/accounts/login/", "/dashboard/"]:
        response = client.get(path)
        assert response["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], path


@pytest.mark.django_db
def test_the_widget_shows_the_statewide_count_and_nothing_per_county(client, private_cache, calexit):
    calexit.required_signatures = 1_000
    calexit.save()
    tally(calexit, "02", valid=3)
    tally(calexit, "19", valid=247)

    response = client.get(WIDGET)
    html = response.content.decode()

    assert '<strong id="widget-valid">250</strong>' in html
    assert "valid signatures of 1,000 needed" in html
    assert '<span id="widget-percent">25.0 %</span>' in html
    assert 'style="width: 25.00%"' in html
    assert re.search(
        r'<a class="widget-sign" id="widget-sign" href="/p/calexit/sign/" target="_blank" rel="noopener">', html
    )
    assert "county" not in html.lower() and "<script" not in html
    assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=10"}
    assert client.get("/p/no-such-petition/widget/").status_code == 404


@pytest.mark.django_db
def test_a_closed_petitions_widget_has_no_sign_button(client, private_cache, calexit):
    calexit.is_open = False
    calexit.save()

    html = client.get(WIDGET).content.decode()

    assert "widget-sign" not in html and "No longer accepting signatures." in html


@contextmanager
def partner_site(site: str) -> Iterator[str]:
    """A partner's page on a server of its own (another origin, and a real local address: Chromium
    refuses a local site's frames in a page it cannot place) framing the widget and the petition page."""
    body = f"""<!doctype html><title>Partner</title><h1>News</h1>
    <iframe id="widget" src="{site}{WIDGET}" width="340" height="240"></iframe>
    <iframe id="page" src="{site}{PAGE}" width="340" height="240"></iframe>""".encode()

    class Partner(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Partner)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_public_page_and_a_partner_site_in_chromium(
    page, calexit, live_server, screenshots, private_cache, settings
):
    settings.COUNTY_COUNTS_SUPPRESS_BELOW = 10
    valid = {"19": 12_480, "37": 2_310, "34": 640, "38": 95, "02": 3}  # Los Angeles, San Diego, Sacramento, SF, Alpine
    for number in range(1, 59):  # the others: some hundreds to thousands, every fourth county none yet
        valid.setdefault(f"{number:02d}", 0 if number % 4 == 0 else 100 + (number * number * 37) % 3_000)
    for code, count in valid.items():
        if count:
            tally(calexit, code, valid=count, invalid=count // 8)
    tally(calexit, "34", filed=False, valid=210)
    now = timezone.now()
    CountingRun.objects.create(kind="count", started_at=now, finished_at=now)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: r.status >= 400 and "favicon" not in r.url and errors.append(f"{r.status} {r.url}"))

    page.goto(PAGE)
    counties = page.locator("#county-map svg a.county-map-county")
    counties.first.wait_for()
    assert counties.count() == 58 and errors == []
    statewide = sum(valid.values())
    width = f"width: {100 * statewide / calexit.required_signatures:.2f}%"
    assert page.locator("#progress-bar .progress-bar").get_attribute("style") == width
    bands = {
        code: page.locator(f"#county-map a[data-code='{code}']").get_attribute("data-band")
        for code in ("19", "37", "34", "38", "02")
    }
    assert bands == {"19": "3", "37": "2", "34": "1", "38": "0", "02": "none"}

    tip = page.locator("#county-map .county-map-tip")
    page.locator("#county-map a[data-code='19']").focus()
    page.wait_for_function("document.querySelector('#county-map .county-map-tip').dataset.code === '19'")
    assert "Los Angeles" in tip.inner_text() and "12,480" in tip.inner_text()
    page.locator("#county-map a[data-code='02']").focus()
    page.wait_for_function("document.querySelector('#county-map .county-map-tip').dataset.code === '02'")
    assert "Alpine" in tip.inner_text() and "not shown" in tip.inner_text() and "3" not in tip.inner_text()
    page.locator("#county-map a[data-code='34']").focus()
    page.wait_for_function("document.querySelector('#county-map .county-map-tip').dataset.code === '34'")
    page.screenshot(path=screenshots / "petition-page.png", full_page=True)

    # The link goes to the county's row of the table, opening it.
    page.keyboard.press("Enter")
    page.wait_for_url("**/p/calexit/#county-map-34")
    assert page.locator("#county-map-card details").evaluate("element => element.open")
    row = page.locator("#county-map-table tr#county-map-34")
    row.wait_for(state="visible")
    assert row.locator("th").inner_text() == "Sacramento"

    # A partner site on another origin frames the widget; the petition page refuses to be framed.
    with partner_site(live_server.url) as partner:
        page.goto(partner)
        widget = page.frame_locator("#widget")
        assert widget.locator("#widget-valid").inner_text() == f"{statewide:,}"
        assert widget.locator("#widget-sign").get_attribute("target") == "_blank"
        assert "Counted" in widget.locator("#widget").inner_text()
        # The whole widget fits the snippet's 340 x 240 (docs/interfaces.md).
        assert widget.locator("html").evaluate(
            "element => element.scrollHeight <= innerHeight && element.scrollWidth <= innerWidth"
        )
        framed_page = page.locator("#page").element_handle().content_frame()
        assert framed_page is not None
        framed_page.wait_for_url("chrome-error://**")  # Chromium's error page: refused by frame-ancestors 'none'
        page.locator("#widget").screenshot(path=screenshots / "widget.png")
