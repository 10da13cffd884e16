"""Issue 15, the dashboard: every staff page holds to WCAG 2.2 AA as axe-core checks it in headless
Chromium (no serious or critical violation), with the demo campaign filling every page; no status is
told by colour alone (each badge says it in words); a focused control shows where the focus is; and
the sign-in pages (password, the 6-digit code, setting up an authenticator, the lockout) pass too."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from petitions.demo.campaign import DEMO_SLUG
from petitions.models import BulkInvalidation, KeyedLine, Petition, PetitionSection
from petitions.services.paper import KeyedLineInput
from petitions.services.sections import section_lines_key
from tests.browser import (  # noqa: F401 - the fixtures: pytest finds them by their names here
    PASSWORD,
    axe_violations,
    fixture_browser,
    fixture_chromium_executable,
    fixture_page,
    fixture_screenshots,
    sign_in_to_the_dashboard,
)
from tests.conftest import otp_device, otp_token
from tests.factories import returned_section

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

#: What a page shows in colour must also be said in words: every badge, progress bar with a meaning,
#: coloured status text. The script returns the elements that carry a colour class and no text a
#: screen reader or a reader who does not tell the colours apart would get.
COLOUR_ONLY = """() => {
    const coloured = '.badge, [class*="text-bg-"], .text-success, .text-danger, .text-warning, .text-warning-emphasis';
    const named = element => (element.innerText || element.textContent || '').trim()
        || element.getAttribute('aria-label') || element.getAttribute('title');
    return [...document.querySelectorAll(coloured)]
        .filter(element => {
            const box = element.getBoundingClientRect();  // an empty element shows nothing, colour included
            return box.width > 0 && box.height > 0 && !named(element);
        })
        .map(element => element.outerHTML.slice(0, 160));
}"""


def _readable(found: dict[str, list[dict]]) -> str:
    return "\n".join(
        f"{page}: {violation['impact']} {violation['id']} ({violation['help']}) at {json.dumps(violation['targets'])}"
        for page, violations in found.items()
        for violation in violations
    )


class _Audit:
    """Runs axe-core and the colour-only check on each page visited; one readable failure at the end."""

    def __init__(self, page, screenshots):
        self.page, self.screenshots = page, screenshots
        self.violations: dict[str, list[dict]] = {}
        self.colour_only: dict[str, list[str]] = {}
        self.visited: list[str] = []

    def check(self, name: str, *, screenshot: bool = False) -> None:
        self.page.wait_for_load_state("load")
        self.visited.append(name)
        found = axe_violations(self.page)
        if found:
            self.violations[name] = found
        bare = self.page.evaluate(COLOUR_ONLY)
        if bare:
            self.colour_only[name] = bare
        if screenshot:
            self.page.screenshot(path=str(self.screenshots / f"a11y-{name}.png"), full_page=True, animations="disabled")

    def assert_clean(self) -> None:
        assert self.violations == {}, "axe-core, serious or critical:\n" + _readable(self.violations)
        assert self.colour_only == {}, f"shown in colour only: {self.colour_only}"


def _double_entry_section_to_reconcile(petition: Petition, organizer) -> PetitionSection:
    """A double-entry section two volunteers keyed differently: a line waits for a third."""
    first, second = (User.objects.create_user(username=name, password=PASSWORD) for name in ("keyer1", "keyer2"))
    volunteers = organizer.groups.model.objects.get(name="Volunteer")
    for user in (first, second):
        user.groups.add(volunteers)
    section = returned_section(organizer, petition=petition, double_entry=True)
    for user, address in ((first, "1200 J St"), (second, "1300 J St")):
        line = KeyedLineInput(
            section=section, line=1, name="Maria Garcia", address=address, city="Sacramento", zip="95814"
        )
        section_lines_key(section=section, lines=[line], user=user)
    assert KeyedLine.objects.filter(section=section).count() == 2
    return section


def test_every_dashboard_page_passes_axe_with_the_demo_campaign(page, settings, tmp_path, organizer, screenshots):
    settings.DEBUG = True  # load_demo's condition
    settings.BASE_DIR = tmp_path
    call_command("load_demo", "--voters", "9000", "--signatures", "6000", stdout=StringIO())
    demo = Petition.objects.get(slug=DEMO_SLUG)
    returned = PetitionSection.objects.filter(petition=demo, status=PetitionSection.Status.RETURNED).first()
    keyed = PetitionSection.objects.filter(petition=demo, status=PetitionSection.Status.KEYED).first()
    assert returned is not None and keyed is not None
    to_reconcile = _double_entry_section_to_reconcile(demo, organizer)
    audit = _Audit(page, screenshots)
    query = f"?petition={demo.slug}"

    sign_in_to_the_dashboard(page, organizer)
    page.wait_for_selector("#county-map svg")
    audit.check("dashboard", screenshot=True)

    page.goto("/dashboard/review/" + query)
    page.wait_for_selector("#review-table")
    audit.check("review-item", screenshot=True)

    page.goto("/dashboard/sections/" + query)
    audit.check("sections")
    # Each section's status is a coloured badge that says its status in words.
    labels = {str(label) for _, label in PetitionSection.Status.choices}
    shown = page.locator("#section-table .section-status").all_inner_texts()
    assert shown and set(shown) <= labels, shown
    page.select_option("#issue-form select[name=county]", "34")
    page.fill("#issue-form input[name=count]", "2")
    page.click("#issue-form button[type=submit]")
    page.wait_for_selector("#issued")
    audit.check("sections-issued")

    page.goto(f"/dashboard/sections/{returned.pk}/")
    page.wait_for_selector("#lines-grid")
    audit.check("section-data-entry", screenshot=True)
    page.goto(f"/dashboard/sections/{keyed.pk}/")
    audit.check("section-keyed")
    page.goto(f"/dashboard/sections/{to_reconcile.pk}/reconcile/")
    page.wait_for_selector("#reconcile-table")
    audit.check("reconcile")

    page.goto("/dashboard/intake/" + query)
    page.fill("#id_code", "F000000000")
    page.press("#id_code", "Enter")
    page.wait_for_selector("#intake-result [data-outcome]")
    audit.check("intake")

    for name in ("circulators", "filing", "trending"):
        page.goto(f"/dashboard/{name}/" + query)
        audit.check(name)

    page.goto("/dashboard/exports/" + query)
    audit.check("exports-empty")
    page.check("#export-form input[name=kind][value=counts]")
    page.click("#export-start")
    page.wait_for_selector("#export-table")
    audit.check("exports")

    page.goto("/dashboard/bulk/" + query)
    audit.check("bulk")
    page.fill("#id_email_domain", "example.com")
    page.click("#bulk-preview")
    page.wait_for_selector("#bulk-preview-result")
    audit.check("bulk-preview")
    run = BulkInvalidation.objects.latest("pk")
    page.goto(f"/dashboard/bulk/{run.pk}/")
    audit.check("bulk-detail")

    audit.assert_clean()


def test_the_sign_in_pages_pass_axe(page, roles, organizer, volunteer, settings, screenshots):
    audit = _Audit(page, screenshots)
    page.goto("/accounts/login/")
    audit.check("login")
    page.fill("#id_username", organizer.username)
    page.fill("#id_password", "wrong")
    page.get_by_role("button", name="Sign in").click()
    audit.check("login-refused")

    device = otp_device(organizer)
    page.fill("#id_username", organizer.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/otp/**")
    audit.check("otp-verify")
    page.fill("#id_token", "000000" if otp_token(device) != "000000" else "111111")
    page.get_by_role("button", name="Verify").click()
    audit.check("otp-verify-refused")
    page.wait_for_timeout(1500)  # django-otp refuses any code for a second after a wrong one
    page.fill("#id_token", otp_token(device))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/dashboard/")
    page.get_by_role("button", name="Sign out").click()

    sign_in_to_the_dashboard(page, volunteer)  # a Volunteer: the second factor is optional
    page.click("#second-factor-link")
    page.wait_for_selector("#otp-qr svg")
    audit.check("otp-setup")
    page.goto("/dashboard/")
    page.get_by_role("button", name="Sign out").click()

    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        page.goto("/accounts/login/")
        page.fill("#id_username", "nobody")
        page.fill("#id_password", "wrong")
        page.get_by_role("button", name="Sign in").click()
    assert "locked" in page.locator("h1").inner_text()
    audit.check("locked-out")

    audit.assert_clean()


def test_a_focused_dashboard_control_shows_its_focus(page, volunteer, calexit):
    sign_in_to_the_dashboard(page, volunteer)
    for selector in ("#sections-link", "#counts-csv"):
        page.focus(selector)
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # focused from the keyboard: :focus-visible applies
        style = page.eval_on_selector(
            selector,
            """element => {
                const style = getComputedStyle(element);
                return {focused: document.activeElement === element, outline: style.outlineStyle,
                        width: parseFloat(style.outlineWidth), shadow: style.boxShadow};
            }""",
        )
        assert style["focused"], selector
        visible = (style["outline"] != "none" and style["width"] >= 2) or style["shadow"] not in ("", "none")
        assert visible, f"{selector} shows no focus: {style}"
