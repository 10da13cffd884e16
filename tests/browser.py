"""What the browser tests share: headless Chromium on pytest-django's live server.

A browser test module imports the fixtures it uses by their function names; pytest
knows them by their `name` (`browser`, `chromium_executable`, `page`, `screenshots`), so a
test's `page` argument does not shadow the import:

    from tests.browser import fixture_browser, fixture_chromium_executable, fixture_page  # noqa: F401

`page` needs `browser`, so a module that takes `page` imports both.

`chromium_executable` is autouse, per module: a module that imports it is skipped
where Chromium is missing (and fails in CI, REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES, browser_sign_in, chromium_path

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BOOTSTRAP_DARK = "rgb(33, 37, 41)"  # .bg-dark: proof that the vendored Bootstrap CSS loaded
PASSWORD = "correct horse battery staple"  # every user the tests/conftest.py fixtures make


@pytest.fixture(autouse=True, scope="module", name="chromium_executable")
def fixture_chromium_executable() -> str:
    """Skipped where Chromium is missing, except in CI (REQUIRE_SERVICES=1), where that fails."""
    executable = chromium_path()
    if executable is None:
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1 but Chromium is not installed (/usr/bin/chromium)")
        pytest.skip("Chromium is not installed")
    return executable


@pytest.fixture(name="browser")
def fixture_browser(chromium_executable, live_server, settings, monkeypatch):
    """One headless Chromium on the live server, for a test that opens a context per person.

    Playwright's sync API keeps an event loop running in this thread while it
    is started. Django then gives the thread other database connections than
    the test's own (asgiref keeps them per async context) and refuses ORM calls
    unless told they are safe, which they are: this code is synchronous. So
    Playwright runs only within the test itself, after the database is set up
    and before it is flushed, and the connections opened meanwhile are closed
    with it."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # The live server speaks plain HTTP; with DEBUG off the settings make cookies HTTPS-only.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # {% static %} without a collectstatic manifest, whatever DEBUG is; the live
    # server serves the files from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            connections.close_all()
            browser.close()


@pytest.fixture(name="page")
def fixture_page(browser, live_server):
    """A fresh headless Chromium page on the live server (a desktop's size)."""
    context = new_context(browser, live_server.url)
    try:
        yield context.new_page()
    finally:
        context.close()


#: The screen sizes the journeys run at (issue 15: phones from 320 to 414 px wide).
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


def new_context(browser, base_url: str, *, viewport: dict | None = None, locale: str = "en-US"):
    """A browser context on the live server: `viewport` (DESKTOP by default; PHONE emulates a
    touch phone) and `locale`, which sets the browser's Accept-Language as a user's settings do."""
    viewport = viewport or DESKTOP
    phone = viewport["width"] < 768
    context = browser.new_context(base_url=base_url, viewport=viewport, locale=locale, is_mobile=phone, has_touch=phone)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture(name="screenshots")
def fixture_screenshots(tmp_path) -> Path:
    folder = Path(os.environ.get("BROWSER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def background_color(page, selector: str) -> str:
    """The computed background colour of the first element `selector` finds, as "rgb(r, g, b)"."""
    return page.eval_on_selector(selector, "element => getComputedStyle(element).backgroundColor")


def sign_in_to_the_dashboard(page, user) -> None:
    """Sign in through the real pages (PASSWORD, then the TOTP code where the role needs one)
    and wait for the dashboard."""
    browser_sign_in(page, user, PASSWORD)
    page.wait_for_url("**/dashboard/")


AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
#: The WCAG 2.2 AA rule sets (axe-core's tags), the level issue 15 holds every page to.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run the vendored axe-core on the page as it stands and return its violations of
    WCAG 2.2 A/AA whose impact is in `impacts`, each as {id, impact, help, targets}."""
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern.
    page.evaluate(AXE_SCRIPT.read_text() + ";0")
    result = page.evaluate(
        "async tags => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
        if violation["impact"] in impacts
    ]
