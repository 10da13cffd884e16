"""Volunteers key petition sections from the keyboard alone, in headless Chromium:
Tab between fields, Enter to the next line, each line checked as it is left,
Ctrl+Enter to save; and a third volunteer reconciles a double-entry line."""

from __future__ import annotations

from datetime import date

import pytest

from petitions.models import County, KeyedLine, Signature
from petitions.services.paper import KeyedLineInput
from petitions.services.sections import section_lines_key, sections_issue
from tests.browser import (  # noqa: F401 - the fixtures: pytest finds them by their names here
    BOOTSTRAP_DARK,
    PASSWORD,
    background_color,
    fixture_browser,
    fixture_chromium_executable,
    fixture_page,
    fixture_screenshots,
    sign_in_to_the_dashboard,
)
from tests.factories import VoterFactory, returned_section

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _focused(page) -> str:
    return page.evaluate("document.activeElement.id")


def _type_line(page, *values: str) -> None:
    """Type one line's fields, Tab between them, Enter at the end (the next line)."""
    for index, value in enumerate(values):
        if value:
            page.keyboard.type(value)
        page.keyboard.press("Enter" if index == len(values) - 1 else "Tab")


def _check_result(page, line: int) -> str:
    result = page.locator(f'#lines-body tr.line-row[data-line="{line}"] .check-result')
    result.wait_for()
    page.wait_for_function(f"""() => !document.querySelector('#lines-body tr[data-line="{line}"] .check-result')
                                   .textContent.startsWith('checking')""")
    return result.inner_text().strip()


def test_a_volunteer_keys_two_lines_from_the_keyboard_and_they_become_signatures(
    page, volunteer, organizer, screenshots
):
    maria = VoterFactory()
    section = returned_section(organizer)
    sections_issue(petition=section.petition, county=County.objects.get(code="19"), count=2, user=organizer)

    sign_in_to_the_dashboard(page, volunteer)
    page.goto("/dashboard/sections/?petition=calexit")
    assert background_color(page, "nav.navbar") == BOOTSTRAP_DARK
    assert page.locator("#section-table tbody tr").count() == 3
    page.screenshot(path=screenshots / "sections-list.png", full_page=True)

    page.goto(f"/dashboard/sections/{section.pk}/")
    assert _focused(page) == "id_lines-0-name"  # ready to type at once
    _type_line(page, "Maria Garcia", "1200 J St", "Sacramento", "95814", "03/05/2026")
    assert _focused(page) == "id_lines-1-name"  # Enter went to the next line, not to the server
    _type_line(page, "Nobody Known", "5 K St", "Sacramento", "", "03/25/2026")
    assert _focused(page) == "id_lines-2-name"

    assert _check_result(page, 1) == "matches a voter"
    assert _check_result(page, 2) == "would fail: no registered voter of this name at this address"
    flag = page.locator('#lines-body tr[data-line="2"] .line-flag').inner_text()
    assert flag == "⚑ Dated Mar 25, 2026, outside the circulator's declared dates (Mar 1, 2026 to Mar 20, 2026)."
    assert not Signature.objects.exists()
    page.screenshot(path=screenshots / "data-entry.png", full_page=True)

    # Enter on the last line adds one; Tab reaches the buttons; Ctrl+Enter saves from anywhere.
    for _ in range(8):
        page.keyboard.press("Enter")
    assert page.locator("#lines-body tr.line-row").count() == 11
    assert _focused(page) == "id_lines-10-name"
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")

    first, second = Signature.objects.order_by("line")
    assert (first.line, first.channel, first.status, first.voter, first.section) == (
        1,
        "paper",
        "valid",
        maria,
        section,
    )
    assert (second.line, second.status, second.reason, second.date_signed) == (
        2,
        "invalid",
        "not_registered",
        date(2026, 3, 25),
    )
    assert page.locator('#lines-body tr.line-saved[data-line="1"] .saved-state').inner_text() == "valid"
    assert page.locator("#lines-body tr.line-row").count() == 8  # lines 3 to 10 still to key
    assert "Saved 2 lines" in page.locator(".alert-success").inner_text()
    section.refresh_from_db()
    assert section.status == "keyed"
    page.screenshot(path=screenshots / "data-entry-saved.png", full_page=True)


def test_a_third_volunteer_reconciles_a_line_from_the_keyboard(page, roles, organizer, screenshots):
    from django.contrib.auth.models import User

    first, second, third = (User.objects.create_user(username=name, password=PASSWORD) for name in ("a", "b", "c"))
    for user in (first, second, third):
        user.groups.add(roles["Volunteer"])
    VoterFactory()
    section = returned_section(organizer, double_entry=True)
    keyed = {
        "name": "Maria Garcia",
        "address": "1200 J St",
        "city": "Sacramento",
        "zip": "95814",
        "date_signed": date(2026, 3, 5),
    }
    differing = {**keyed, "address": "1300 J St", "zip": "95816"}
    section_lines_key(section=section, lines=[KeyedLineInput(section=section, line=1, **keyed)], user=first)
    section_lines_key(section=section, lines=[KeyedLineInput(section=section, line=1, **differing)], user=second)
    assert KeyedLine.objects.count() == 2 and not Signature.objects.exists()

    sign_in_to_the_dashboard(page, third)
    page.goto(f"/dashboard/sections/{section.pk}/reconcile/")
    assert _focused(page) == "decide-address"  # the first field the keyings differ on
    assert page.locator('tr[data-field="address"] td.reconcile-diff').count() == 2
    assert page.locator('tr[data-field="name"] td.reconcile-diff').count() == 0
    page.screenshot(path=screenshots / "reconcile.png", full_page=True)

    page.keyboard.type("1200 J St")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("95814")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    signature = Signature.objects.get()
    assert (signature.line, signature.address, signature.zip, signature.status) == (1, "1200 J St", "95814", "valid")
    assert page.locator("#nothing-to-reconcile").is_visible()
    section.refresh_from_db()
    assert (section.status, section.status_changed_by) == ("verified", third)
