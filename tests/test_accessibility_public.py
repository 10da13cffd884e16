"""Issue 15 on the public pages, in headless Chromium: WCAG 2.2 AA by axe-core (no serious or
critical violation on any page, in English and Spanish, at 1280 and 360 px), signing with the
keyboard alone, the error summary, a visible focus, no sideways scrolling at 320, 360 and 414 px,
the county suggested from the ZIP code, and each page's weight under 200 KB (assets counted
gzip-compressed, as whitenoise serves them). Screenshots: sign-360-errors.png, sign-360.png."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.template.loader import render_to_string
from django.utils import timezone

from petitions.models import CountingRun, DailySnapshot, Petition, Signature, Tally, ZipCounty
from petitions.services.signing import confirmation_token
from petitions.services.voter_import import zip_counties_refresh
from petitions.services.wet_ink import form_token
from petitions.views import public
from tests.browser import (  # noqa: F401 - the fixtures: pytest finds them by their names here
    axe_violations,
    fixture_browser,
    fixture_chromium_executable,
    fixture_page,
    fixture_screenshots,
)
from tests.factories import SignatureFactory, VoterFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PAGE_WEIGHT_LIMIT = 200_000  # bytes: HTML as sent, every asset gzip-compressed
PHONE_WIDTHS = (320, 360, 414)


def _campaign(calexit: Petition, *, days: int = 14) -> None:
    """Counts in every county, the hourly snapshot the map shows and `days` days of history
    (of California's 180 days of circulation)."""
    today = timezone.localdate()
    calexit.summary_date = today - timedelta(days=days)
    calexit.deadline = calexit.summary_date + timedelta(days=180)
    calexit.required_signatures = 50_000
    calexit.featured = True
    calexit.save()
    for number in range(1, 59):
        code = f"{number:02d}"
        valid = 0 if number % 4 == 0 else 100 + (number * number * 37) % 3_000
        if valid:
            Tally.objects.create(petition=calexit, county_id=code, filed=True, status="valid", count=valid)
            Tally.objects.create(petition=calexit, county_id=code, filed=True, status="invalid", count=valid // 8)
    Tally.objects.create(petition=calexit, county_id="34", filed=False, status="valid", count=210)
    now = timezone.now()
    CountingRun.objects.create(kind="count", started_at=now, finished_at=now)
    DailySnapshot.objects.bulk_create(
        DailySnapshot(
            petition=calexit,
            county_id=code,
            day=today - timedelta(days=days - day),
            valid=400 * day,
            raw=480 * day,
            recorded_at=now,
        )
        for day in range(days)
        for code in ("19", "34", "37")
    )


def _signatures(calexit: Petition) -> dict[str, str]:
    """The paths of the confirmation pages (valid, expired) and of the thank-you page with its form link."""
    unconfirmed = SignatureFactory.create(petition=calexit, status="unconfirmed", confirm_nonce="a" * 32)
    expired = SignatureFactory.create(petition=calexit, status="unconfirmed", confirm_nonce="b" * 32)
    Signature.objects.filter(pk=expired.pk).update(created_at=timezone.now() - timedelta(days=30))
    confirmed = SignatureFactory.create(petition=calexit, status="pending", confirm_nonce="c" * 32)
    return {
        "confirm": f"/p/calexit/confirm/{confirmation_token(unconfirmed)}/",
        "confirm-expired": f"/p/calexit/confirm/{confirmation_token(expired)}/",
        "thanks": f"/p/calexit/thanks/?form={form_token(confirmed)}",
    }


def _error_page(page, name: str, status: int) -> None:
    """templates/500.html or 503.html, as the live server's origin would send it (its assets load)."""
    html = render_to_string(name)
    page.route("**/error-page", lambda route: route.fulfill(status=status, body=html, content_type="text/html"))
    page.goto("/error-page")
    page.unroute("**/error-page")


def _form_as_text(page, thanks: str) -> None:
    """The form's text alternative as a signer reaches it: the link beside the download button
    (in the thank-you page's language)."""
    page.goto(thanks)
    with page.expect_navigation():
        page.click("#form-text")


def _sign_with_errors(page) -> None:
    page.goto("/p/calexit/sign/")
    page.fill("#id_first_name", "Maria")
    page.fill("#id_last_name", "Garcia")
    page.fill("#id_address", "J Street")  # no street number
    page.fill("#id_city", "Sacramento")
    page.fill("#id_zip", "10001")  # not California
    page.select_option("#id_county", value="34")
    page.fill("#id_email", "maria@example.com")
    page.check("#id_attest")
    with page.expect_navigation():
        page.locator("#submit-id-sign").click()


def _public_pages(calexit: Petition) -> dict[str, object]:
    """Every public page: its name -> how the browser gets there (a path, or a function of the page)."""
    paths = _signatures(calexit)
    closed = Petition.objects.create(
        slug="closed", title="A closed petition", question="Shall it close?", is_open=False, required_signatures=10
    )
    return {
        "home": "/",
        "petition": "/p/calexit/",
        "sign": "/p/calexit/sign/",
        "sign with errors": _sign_with_errors,
        "check email": "/p/calexit/sign/check-email/",
        "confirm": paths["confirm"],
        "confirm invalid": "/p/calexit/confirm/1-nothing/",
        "confirm expired": paths["confirm-expired"],
        "thanks": paths["thanks"],
        "form as text": lambda page: _form_as_text(page, paths["thanks"]),
        "widget": "/p/calexit/widget/",
        "closed": f"/p/{closed.slug}/sign/",
        "form invalid": "/p/calexit/form/1-nothing/",
        "login": "/accounts/login/",
        "404": "/p/no-such-petition/",
        "500": lambda page: _error_page(page, "500.html", 500),
        "503": lambda page: _error_page(page, "503.html", 503),
    }


def _visit(page, how, *, open_details: bool = True) -> None:
    """Go to the page and let its scripts draw; open every <details> (the tables of the chart and
    the map), so that what they hold is checked too."""
    if callable(how):
        how(page)
    else:
        page.goto(how)
    page.wait_for_load_state("load")
    if page.locator("#county-map").count():  # the map is drawn by script: check it as the visitor sees it
        page.locator("#county-map svg").first.wait_for()
    if open_details:
        page.evaluate("() => document.querySelectorAll('details').forEach(details => { details.open = true; })")


def _use_language(page, live_server, language: str) -> None:
    page.context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )


def _report(found: dict[str, list[dict]]) -> str:
    lines = []
    for name, violations in found.items():
        for violation in violations:
            lines.append(
                f"{name}: {violation['id']} ({violation['impact']}) {violation['help']} at {violation['targets']}"
            )
    return "\n".join(lines)


def _overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("() => Math.max(0, document.scrollingElement.scrollWidth - window.innerWidth)")


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("width", [1280, 360])
def test_no_serious_or_critical_axe_violation_on_any_public_page(
    page, live_server, calexit, private_cache, language, width
):
    _campaign(calexit)
    pages = _public_pages(calexit)
    _use_language(page, live_server, language)
    page.set_viewport_size({"width": width, "height": 800})
    found: dict[str, list[dict]] = {}
    for name, how in pages.items():
        _visit(page, how)
        if name not in ("404", "500", "503"):  # Django's own 404 page is English; the others say the language
            assert page.locator("html").get_attribute("lang") == language, name
        violations = axe_violations(page)
        if violations:
            found[name] = violations
    assert not found, f"axe-core, {language} at {width} px:\n{_report(found)}"


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_public_pages_fit_a_phone_without_sideways_scrolling(
    page, live_server, calexit, private_cache, screenshots, language
):
    _campaign(calexit)
    pages = _public_pages(calexit)
    _use_language(page, live_server, language)
    too_wide: dict[str, int] = {}
    for width in PHONE_WIDTHS:
        page.set_viewport_size({"width": width, "height": 740})
        for name, how in pages.items():
            _visit(page, how)
            if overflow := _overflow(page):
                too_wide[f"{name} at {width} px"] = overflow
            if width == PHONE_WIDTHS[0] and name in ("petition", "sign with errors"):
                page.screenshot(path=screenshots / f"{name.replace(' ', '-')}-{width}-{language}.png", full_page=True)
    assert not too_wide, f"pages wider than the phone ({language}), by CSS pixels: {too_wide}"


def test_the_language_switcher_works_with_the_keyboard_and_passes_axe(page, calexit, private_cache):
    _campaign(calexit)
    page.goto("/p/calexit/")
    switcher = page.locator(".language-switcher a[hreflang='es']")
    switcher.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url("**/p/calexit/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert axe_violations(page) == []


def test_the_chart_and_the_map_have_their_tables(page, calexit, private_cache):
    _campaign(calexit)
    page.goto("/p/calexit/")
    page.locator("#county-map svg").first.wait_for()
    chart = page.locator("#history-chart")
    assert chart.get_attribute("role") == "img" and chart.get_attribute("aria-label")
    assert page.locator("#history-summary").inner_text().strip()
    assert page.locator("#history-table tbody tr").count() == 15  # the summary date to today
    assert page.locator("#county-map-table tbody tr").count() == 58
    # Each table opens from the keyboard (its <details>' summary).
    for details in ("#history-table-details", "#county-map-card details"):
        page.locator(f"{details} > summary").focus()
        page.keyboard.press("Enter")
        assert page.locator(details).evaluate("element => element.open"), details
    assert page.locator("#history-table").is_visible() and page.locator("#county-map-table").is_visible()
    assert axe_violations(page) == []


def _tab_to(page, selector: str, *, limit: int = 60) -> None:
    """Press Tab until the element `selector` finds has the focus."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_a_voter_signs_with_the_keyboard_alone(page, calexit, private_cache, mailoutbox, screenshots):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/p/calexit/")
    _tab_to(page, "a[href='/p/calexit/sign/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url("**/p/calexit/sign/")

    typed = {
        "#id_first_name": "Maria",
        "#id_last_name": "Garcia",
        "#id_address": "1200 J Street",
        "#id_city": "Sacramento",
        "#id_zip": "95814",
        "#id_email": "maria@example.com",
    }
    for selector, text in typed.items():
        _tab_to(page, selector)
        page.keyboard.type(text)
    _tab_to(page, "#id_county")
    page.keyboard.type("Sacr")  # a closed <select> picks the option its name starts with
    assert page.input_value("#id_county") == "34"
    _tab_to(page, "#id_dob")
    page.keyboard.type("04151980")  # month, day, year: Chromium's date field in English
    assert page.input_value("#id_dob") == "1980-04-15"
    _tab_to(page, "#id_attest")
    page.keyboard.press("Space")
    assert page.is_checked("#id_attest")
    page.screenshot(path=screenshots / "sign-360.png", full_page=True)
    _tab_to(page, "#submit-id-sign")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    page.wait_for_url("**/p/calexit/sign/check-email/")
    signature = Signature.objects.get()
    assert (signature.first_name, signature.county_id, str(signature.dob)) == ("Maria", "34", "1980-04-15")
    assert len(mailoutbox) == 1


def test_errors_are_summarised_at_the_top_and_each_links_to_its_field(page, calexit, private_cache, screenshots):
    page.set_viewport_size({"width": 360, "height": 740})
    _sign_with_errors(page)

    summary = page.locator("#error-summary")
    assert summary.get_attribute("role") == "alert"
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'error-summary'")
    assert summary.get_by_role("heading").inner_text() == "Please correct the fields marked below."
    page.screenshot(path=screenshots / "sign-360-errors.png", full_page=True)
    links = summary.get_by_role("link")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == ["#id_address", "#id_zip"]
    assert links.nth(1).inner_text() == "ZIP code: That is not a California ZIP code (they run from 90001 to 96162)."
    # The summary comes before the form: first in the reading and tab order.
    assert page.evaluate(
        "() => document.querySelector('#error-summary').compareDocumentPosition(document.querySelector('#sign-form'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING"
    )

    # Each field says it is wrong, and why.
    for name in ("address", "zip"):
        field = page.locator(f"#id_{name}")
        assert field.get_attribute("aria-invalid") == "true"
        described = field.get_attribute("aria-describedby").split()
        assert f"id_{name}_error" in described
        assert (
            page.locator(f"#id_{name}_error").inner_text().strip()
            in links.all_inner_texts()[["address", "zip"].index(name)]
        )
    assert page.locator("#id_city").get_attribute("aria-invalid") is None

    # The keyboard: Tab reaches the first link, Enter moves the focus to its field.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#id_address"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#id_zip"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'id_zip'")
    assert page.locator("label[for='id_zip']").is_visible()
    page.keyboard.press("Control+A")
    page.keyboard.type("95814")
    assert page.input_value("#id_zip") == "95814"


def test_the_focus_is_clearly_visible(page, calexit, private_cache):
    _campaign(calexit)
    page.goto("/p/calexit/sign/")

    def ring(selector: str) -> dict:
        page.locator(selector).first.focus()
        return page.eval_on_selector(
            selector,
            """element => { const style = getComputedStyle(element);
                return {outline: style.outlineStyle, width: parseFloat(style.outlineWidth), shadow: style.boxShadow,
                        focused: element.matches(':focus-visible')}; }""",
        )

    page.keyboard.press("Tab")  # the keyboard was used: links show :focus-visible
    for selector in (".navbar-brand", ".language-switcher a", "#id_first_name", "#id_county", "#id_attest"):
        found = ring(selector)
        assert found["focused"], selector
        assert found["outline"] != "none" and found["width"] >= 2, (selector, found)
    page.goto("/p/calexit/")
    page.keyboard.press("Tab")
    found = ring("a.btn-primary")
    assert found["focused"] and found["outline"] != "none" and found["width"] >= 2, found


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_county_is_suggested_from_the_zip_code_and_stays_editable(
    page, live_server, calexit, private_cache, monkeypatch, screenshots, language
):
    monkeypatch.setattr(public, "_zip_counties_memo", {})
    VoterFactory(registrant_id="Z1", county_id="34", zip="95814")
    VoterFactory(registrant_id="Z2", county_id="34", zip="95814-1234")
    VoterFactory(registrant_id="Z3", county_id="19", zip="90001")
    VoterFactory(registrant_id="Z4", county_id="07", zip="94505")  # a ZIP that straddles two counties
    VoterFactory(registrant_id="Z5", county_id="39", zip="94505")
    assert zip_counties_refresh() == 2
    assert dict(ZipCounty.objects.values_list("zip", "county_id")) == {"95814": "34", "90001": "19"}
    _use_language(page, live_server, language)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/p/calexit/sign/")
    status = page.locator("#county-from-zip")
    assert status.get_attribute("aria-live") == "polite"
    assert "county-from-zip" in page.get_attribute("#id_county", "aria-describedby")

    page.locator("#id_zip").press_sequentially("95814")
    page.wait_for_function("() => document.getElementById('id_county').value === '34'")
    expected = {
        "en": "County filled in from your ZIP code: Sacramento. You can change it.",
        "es": "Sacramento",
    }[language]
    assert expected in status.inner_text()
    assert axe_violations(page) == []
    page.locator("#div_id_county").screenshot(path=screenshots / f"sign-county-from-zip-{language}.png")

    # Still the signer's to change; another ZIP follows while the county is ours, nothing for a straddling one.
    page.fill("#id_zip", "90001")
    page.wait_for_function("() => document.getElementById('id_county').value === '19'")
    page.fill("#id_zip", "94505")
    page.wait_for_function("() => document.getElementById('id_county').value === ''")
    assert status.inner_text() == ""
    page.select_option("#id_county", value="38")
    page.fill("#id_zip", "95814")
    page.wait_for_timeout(300)
    assert page.input_value("#id_county") == "38"  # the signer's choice is kept

    response = page.request.get("/zip-counties.json")
    assert response.status == 200 and json.loads(response.body()) == {"95814": "34", "90001": "19"}
    assert "max-age=21600" in response.headers["cache-control"]
    again = page.request.get("/zip-counties.json", headers={"If-None-Match": response.headers["etag"]})
    assert again.status == 304


def _weigh(page, how) -> tuple[int, dict[str, int]]:
    """The bytes a visit costs: the HTML as sent, each asset gzip-compressed (level 9, as whitenoise)."""
    responses: list = []

    def seen(response) -> None:
        responses.append(response)

    page.on("response", seen)
    _visit(page, how, open_details=False)
    page.wait_for_load_state("networkidle")
    page.remove_listener("response", seen)
    documents = [i for i, response in enumerate(responses) if response.request.resource_type == "document"]
    sizes: dict[str, int] = {}
    for response in responses[documents[-1] :]:  # the last page only (a form sent: its answer)
        if 300 <= response.status < 400:
            continue
        path = urlsplit(response.url).path
        body = response.body()
        if path.startswith(django_settings.STATIC_URL):
            sizes[path] = len(gzip.compress(body, compresslevel=9))
        else:
            sizes[path] = len(body)
    return sum(sizes.values()), sizes


@pytest.mark.parametrize(
    "days",
    [
        14,
        179,
    ],
    ids=["two weeks in", "last day"],
)
def test_every_public_page_weighs_under_200_kb(page, calexit, private_cache, record_property, days):
    """The petition page grows with the campaign: a row of the chart's table a day."""
    _campaign(calexit, days=days)
    pages = _public_pages(calexit)
    weights: dict[str, int] = {}
    heavy: dict[str, dict[str, int]] = {}
    for name, how in pages.items():
        total, sizes = _weigh(page, how)
        weights[name] = total
        if name == "petition":
            print("the petition page's parts (bytes):", json.dumps(sizes, indent=1))
        if total >= PAGE_WEIGHT_LIMIT:
            heavy[name] = sizes
    record_property("page_weights", weights)
    print(f"page weights (bytes), {days} days in:", json.dumps(weights, indent=1))
    assert not heavy, f"over {PAGE_WEIGHT_LIMIT:,} bytes: {json.dumps(heavy, indent=1)}"
