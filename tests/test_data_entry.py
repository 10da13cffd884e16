"""Volunteers key the lines of returned petition sections on the dashboard:
once, or twice blind with a third volunteer deciding where the keyings differ.
Keyed lines become signatures exactly as imported ones do."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.db.models import Sum

from petitions.models import AuditLog, County, KeyedLine, PetitionSection, Signature, TallyChange
from petitions.services.paper import KeyedLineInput, paper_lines_create
from petitions.services.sections import CirculatorInput, section_lines_key, section_return, sections_issue
from tests.conftest import login_verified
from tests.factories import SignatureFactory, VoterFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests/conftest.py
FIELDS = ("name", "address", "city", "zip", "date_signed")
MARIA = {
    "name": "Maria Garcia",
    "address": "1200 J St",
    "city": "Sacramento",
    "zip": "95814",
    "date_signed": "03/05/2026",
}
NOBODY = {
    "name": "Nobody Known",
    "address": "5 K St",
    "city": "Sacramento",
    "zip": "95814",
    "date_signed": "03/06/2026",
}


@pytest.fixture
def circulating(calexit):
    calexit.summary_date, calexit.deadline = date(2026, 2, 1), date(2026, 7, 30)
    calexit.save()
    return calexit


def _returned(petition, user, *, double_entry: bool = False) -> PetitionSection:
    section = sections_issue(
        petition=petition, county=County.objects.get(code="34"), count=1, user=user, double_entry=double_entry
    )[0]
    return section_return(
        section=section,
        circulator=CirculatorInput(name="Ana Ruiz"),
        signed_from=date(2026, 3, 1),
        signed_to=date(2026, 3, 20),
        declaration_date=date(2026, 3, 21),
        declaration_place="Sacramento, CA",
        user=user,
    )


@pytest.fixture
def section(circulating, organizer) -> PetitionSection:
    return _returned(circulating, organizer)


@pytest.fixture
def double(circulating, organizer) -> PetitionSection:
    return _returned(circulating, organizer, double_entry=True)


def grid(lines: dict[int, dict], *, rows: int | None = None) -> dict[str, str]:
    """The data-entry form as the page posts it: one row per line, blank rows included."""
    numbers = list(lines) + [n for n in range(1, (rows or 0) + 1) if n not in lines]
    data = {
        "lines-TOTAL_FORMS": str(len(numbers)),
        "lines-INITIAL_FORMS": str(len(numbers)),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "100",
    }
    for index, number in enumerate(numbers):
        data[f"lines-{index}-line"] = str(number)
        for name in FIELDS:
            data[f"lines-{index}-{name}"] = lines.get(number, {}).get(name, "")
    return data


def signed_in(client, user):
    login_verified(client, user)
    return client


def user_in(roles, username: str, role: str = "Volunteer") -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    user.groups.add(roles[role])
    return user


def open_rows(page: str) -> list[int]:
    """The line numbers of the grid's rows still to key (not the template row for "add line")."""
    return [int(n) for n in re.findall(r'<tr class="line-row" data-line="(\d+)">', page)]


def pending_tally(petition) -> dict[str, int]:
    rows = TallyChange.objects.filter(petition=petition, county_id="34", filed=True).values("status")
    return {row["status"]: row["total"] for row in rows.annotate(total=Sum("delta")) if row["total"]}


# --- Saving lines ---------------------------------------------------------------------------


def test_typed_lines_become_pending_paper_signatures_that_are_validated_against_the_voter_file(
    client, volunteer, section
):
    maria = VoterFactory()
    response = signed_in(client, volunteer).post(
        f"/dashboard/sections/{section.pk}/", grid({1: MARIA, 2: NOBODY}, rows=10)
    )

    assert response.status_code == 302 and response["Location"] == f"/dashboard/sections/{section.pk}/"
    first, second = Signature.objects.order_by("line")
    assert (
        first.channel,
        first.section,
        first.line,
        first.county_id,
        first.name_as_written,
        first.address,
        first.city,
        first.zip,
        first.date_signed,
    ) == ("paper", section, 1, "34", "Maria Garcia", "1200 J St", "Sacramento", "95814", date(2026, 3, 5))
    assert (first.status, first.voter) == ("valid", maria)
    assert (second.line, second.status, second.reason) == (2, "invalid", "not_registered")
    assert pending_tally(section.petition) == {"valid": 1, "invalid": 1}  # +1 pending each, then moved on
    section.refresh_from_db()
    assert (section.status, section.status_changed_by) == ("keyed", volunteer)
    audit = AuditLog.objects.get(action="section.lines_key")
    assert (audit.user, audit.detail["lines"], audit.detail["signatures"]) == (volunteer, [1, 2], [first.pk, second.pk])


def test_validation_is_queued_only_once_the_lines_are_committed(section, volunteer, django_capture_on_commit_callbacks):
    VoterFactory()
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        result = section_lines_key(
            section=section,
            lines=[
                KeyedLineInput(section=section, line=1, name="Maria Garcia", address="1200 J St", city="Sacramento")
            ],
            user=volunteer,
        )
    signature = result.created[0]
    signature.refresh_from_db()
    assert signature.status == "pending"
    assert pending_tally(section.petition) == {"pending": 1}
    assert len(after_commit) == 1

    after_commit[0]()
    signature.refresh_from_db()
    assert signature.status == "valid"


def test_saving_the_same_line_twice_adds_nothing(client, volunteer, section):
    signed_in(client, volunteer).post(f"/dashboard/sections/{section.pk}/", grid({1: MARIA}))
    response = client.post(f"/dashboard/sections/{section.pk}/", grid({1: {**MARIA, "name": "Maria G"}}), follow=True)

    assert Signature.objects.count() == 1
    assert Signature.objects.get().name_as_written == "Maria Garcia"
    assert "line(s) 1 were saved before and were left as they were" in response.content.decode()
    assert sum(TallyChange.objects.values_list("delta", flat=True)) == 1
    assert paper_lines_create(lines=[KeyedLineInput(section=section, line=1, name="Again")]).created == []


def test_a_bad_line_is_reported_next_to_its_field_and_nothing_of_the_grid_is_lost(client, volunteer, section):
    typed = {1: MARIA, 2: {**NOBODY, "date_signed": "13/45/2026"}, 3: {**NOBODY, "name": "Ann Lee", "zip": "958"}}
    response = signed_in(client, volunteer).post(f"/dashboard/sections/{section.pk}/", grid(typed, rows=10))

    assert response.status_code == 400
    assert not Signature.objects.exists()
    page = response.content.decode()
    assert "Nothing was saved: correct the fields marked below. Everything you typed is kept." in page
    assert 'value="13/45/2026"' in page and 'id="id_lines-1-date_signed-error">Write the date as MM/DD/YYYY.' in page
    assert 'value="958"' in page and 'id="id_lines-2-zip-error">A ZIP code has 5 digits, e.g. 95814.' in page
    for value in ("Maria Garcia", "1200 J St", "Nobody Known", "Ann Lee"):
        assert f'value="{value}"' in page
    assert open_rows(page) == list(range(1, 11))  # the blank rows stay too
    section.refresh_from_db()
    assert section.status == "returned"


def test_the_lines_of_a_section_are_keyed_only_once_its_declaration_is_recorded(
    client, volunteer, circulating, organizer
):
    issued = sections_issue(petition=circulating, county=County.objects.get(code="34"), count=1, user=organizer)[0]
    page = signed_in(client, volunteer).get(f"/dashboard/sections/{issued.pk}/").content.decode()
    assert "Record the circulator's declaration before keying the lines." in page
    assert 'id="lines-form"' not in page

    response = client.post(f"/dashboard/sections/{issued.pk}/", grid({1: MARIA}))
    assert response.status_code == 400
    assert "before keying it" in response.content.decode()
    assert not Signature.objects.exists()


def test_keyed_lines_become_signatures_exactly_as_imported_ones(tmp_path, section, volunteer, run_on_commit):
    from petitions.services.paper import signatures_import_paper

    VoterFactory()
    path = tmp_path / "keyed.csv"
    path.write_text(
        "section,line,county,name,address,city,zip,date_signed\n"
        "S-1,1,34,Maria Garcia,1200 J St,Sacramento,95814,2026-03-05\n"
    )
    with run_on_commit():
        signatures_import_paper(path=path, petition=section.petition)
        section_lines_key(
            section=section,
            lines=[
                KeyedLineInput(
                    section=section,
                    line=1,
                    name="Maria Garcia",
                    address="1200 J St",
                    city="Sacramento",
                    zip="95814",
                    date_signed=date(2026, 3, 5),
                )
            ],
            user=volunteer,
        )

    imported, keyed = Signature.objects.order_by("id")
    compared = (
        "petition_id",
        "channel",
        "line",
        "county_id",
        "name_as_written",
        "address",
        "city",
        "zip",
        "date_signed",
        "voter_id",
        "first_name",
        "last_name",
        "email",
    )
    assert [getattr(keyed, name) for name in compared] == [getattr(imported, name) for name in compared]
    assert (imported.status, keyed.status, keyed.duplicate_of) == ("valid", "duplicate", imported)


# --- The section page ----------------------------------------------------------------------


def test_the_section_page_shows_the_section_its_declaration_and_saved_lines_with_status_and_date_flags(
    client, volunteer, organizer, section
):
    VoterFactory()
    signed_in(client, volunteer).post(
        f"/dashboard/sections/{section.pk}/", grid({1: MARIA, 2: {**NOBODY, "date_signed": "01/15/2026"}})
    )
    page = client.get(f"/dashboard/sections/{section.pk}/").content.decode()

    from petitions.codes import section_code

    assert "Section 34-00001" in page and section_code(section.pk) in page and "Sacramento (34)" in page
    assert "Ana Ruiz" in page and "Mar 1, 2026 to Mar 20, 2026" in page and "Mar 21, 2026 at Sacramento, CA" in page
    assert f"by {volunteer.username}</span>" in page
    assert '<tr class="line-saved" data-line="1" data-outcome="valid">' in page
    assert '<tr class="line-saved" data-line="2" data-outcome="invalid">' in page
    assert "invalid: no registered voter of this name at this address" in page
    assert "Dated Jan 15, 2026, before circulation began (Feb 1, 2026)." in page
    assert 'id="flagged-count">1 with a date flag' in page
    # Lines 3 to 10 are still to key.
    assert open_rows(page) == list(range(3, 11))
    # The names and addresses keyed are personal data: shown (and audited) to an Organizer, not a Volunteer.
    assert MARIA["name"] not in page and MARIA["address"] not in page
    assert not AuditLog.objects.filter(action="section.lines_view").exists()
    assert MARIA["name"] in signed_in(client, organizer).get(f"/dashboard/sections/{section.pk}/").content.decode()
    assert AuditLog.objects.filter(action="section.lines_view", user=organizer).exists()


def test_the_declaration_is_recorded_from_the_section_page_and_dates_out_of_order_are_refused(
    client, volunteer, circulating, organizer
):
    issued = sections_issue(petition=circulating, county=County.objects.get(code="34"), count=1, user=organizer)[0]
    form = {
        "circulator": "",
        "name": "Ana Ruiz",
        "address": "9 P St",
        "city": "Sacramento",
        "zip": "95814",
        "phone": "",
        "email": "",
        "signed_from": "03/20/2026",
        "signed_to": "03/01/2026",
        "declaration_date": "03/21/2026",
        "declaration_place": "Sacramento, CA",
    }
    refused = signed_in(client, volunteer).post(f"/dashboard/sections/{issued.pk}/declaration/", form)

    assert refused.status_code == 400
    assert "is before the first (Mar 20, 2026)." in refused.content.decode()
    issued.refresh_from_db()
    assert issued.status == "issued"

    accepted = client.post(
        f"/dashboard/sections/{issued.pk}/declaration/",
        {**form, "signed_from": "03/01/2026", "signed_to": "03/20/2026"},
    )
    assert accepted.status_code == 302
    issued.refresh_from_db()
    assert (issued.status, issued.circulator.name, issued.signed_to) == ("returned", "Ana Ruiz", date(2026, 3, 20))


def test_staff_move_a_section_from_its_page(client, volunteer, reviewer, section):
    signed_in(client, volunteer).post(f"/dashboard/sections/{section.pk}/", grid({1: MARIA}))
    refused = client.post(f"/dashboard/sections/{section.pk}/status/", {"status": "verified"}, follow=True)
    assert "another volunteer checks them" in refused.content.decode()

    signed_in(client, reviewer).post(f"/dashboard/sections/{section.pk}/status/", {"status": "verified"})
    section.refresh_from_db()
    assert (section.status, section.status_changed_by) == ("verified", reviewer)


# --- The per-line check ------------------------------------------------------------------


def check(client, section, **fields) -> tuple[int, dict]:
    response = client.post(f"/dashboard/sections/{section.pk}/check/", {"line": "1", **fields})
    return response.status_code, json.loads(response.content)


def test_the_check_says_what_a_line_would_get_and_nothing_about_the_voter(client, volunteer, section):
    maria = VoterFactory(middle_name="Lucia", dob=date(1980, 2, 3))
    VoterFactory(first_name="Robert", last_name="Smith", suffix="SR")
    VoterFactory(first_name="Robert", last_name="Smith", suffix="JR")
    signed_in(client, volunteer)

    answers = {
        "valid": check(client, section, **MARIA),
        "not_registered": check(client, section, **NOBODY),
        "review": check(client, section, **{**MARIA, "name": "Robert Smith"}),
        "incomplete": check(client, section, name="Maria Garcia", address="1200 J St"),
        "flagged": check(client, section, **{**MARIA, "date_signed": "03/25/2026"}),
    }

    assert answers["valid"] == (200, {"outcome": "valid", "reason": "", "message": "matches a voter", "flag": None})
    assert answers["not_registered"] == (
        200,
        {
            "outcome": "invalid",
            "reason": "not_registered",
            "message": "would fail: no registered voter of this name at this address",
            "flag": None,
        },
    )
    assert answers["review"][1]["outcome"] == "review"
    assert answers["review"][1]["message"].startswith("needs review")
    assert answers["incomplete"][1]["reason"] == "incomplete"
    assert answers["flagged"][1]["flag"] == (
        "Dated Mar 25, 2026, outside the circulator's declared dates (Mar 1, 2026 to Mar 20, 2026)."
    )
    for _, answer in answers.values():
        assert set(answer) == {"outcome", "reason", "message", "flag"}
        text = json.dumps(answer)
        for personal in (maria.registrant_id, "Lucia", "LUCIA", "1980"):
            assert personal not in text
    assert not Signature.objects.exists()  # a check writes nothing


def test_the_check_tells_when_the_voter_already_signed(client, volunteer, section):
    maria = VoterFactory()
    SignatureFactory(status="valid", voter=maria)
    status, answer = check(signed_in(client, volunteer), section, **MARIA)
    assert (status, answer["outcome"], answer["message"]) == (200, "duplicate", "duplicate: this voter already signed")


def test_each_check_is_audited_and_a_section_still_out_with_its_circulator_is_not_checked(
    client, volunteer, circulating, organizer, section
):
    VoterFactory()
    assert check(signed_in(client, volunteer), section, **MARIA)[0] == 200
    assert (
        AuditLog.objects.filter(
            action="section.line_check", user=volunteer, object_id=str(section.pk), detail={"line": 1}
        ).count()
        == 1
    )
    issued = sections_issue(petition=circulating, county=County.objects.get(code="34"), count=1, user=organizer)[0]
    status, answer = check(client, issued, **MARIA)
    assert (status, answer) == (409, {"errors": {"__all__": ["Record the circulator's declaration first."]}})


def test_the_check_explains_a_bad_field(client, volunteer, section):
    status, answer = check(signed_in(client, volunteer), section, **{**MARIA, "zip": "9581"})
    assert (status, answer) == (400, {"errors": {"zip": ["A ZIP code has 5 digits, e.g. 95814."]}})


# --- Double entry --------------------------------------------------------------------------


@pytest.fixture
def keyers(roles):
    return user_in(roles, "first"), user_in(roles, "second"), user_in(roles, "third")


def test_lines_both_keyings_agree_on_become_signatures_and_the_others_wait_for_a_third_volunteer(
    client, double, keyers
):
    first, second, _ = keyers
    VoterFactory()
    signed_in(client, first).post(f"/dashboard/sections/{double.pk}/", grid({1: MARIA, 2: NOBODY}))
    assert not Signature.objects.exists()
    assert list(KeyedLine.objects.values_list("line", "entry", "keyed_by")) == [(1, 1, first.pk), (2, 1, first.pk)]
    double.refresh_from_db()
    assert double.status == "returned"

    # Keyed again blind: line 1 the same but for case and spaces, line 2 with another house number.
    again = {1: {**MARIA, "name": "  maria   GARCIA "}, 2: {**NOBODY, "address": "6 K St"}}
    response = signed_in(client, second).post(f"/dashboard/sections/{double.pk}/", grid(again), follow=True)

    signature = Signature.objects.get()
    assert (signature.line, signature.name_as_written, signature.status) == (1, "Maria Garcia", "valid")
    assert "line(s) 2 differ and wait for a third volunteer" in response.content.decode()
    double.refresh_from_db()
    assert double.status == "keyed"


def test_the_second_keying_is_blind(client, double, keyers):
    first, second, _ = keyers
    signed_in(client, first).post(f"/dashboard/sections/{double.pk}/", grid({1: MARIA}))
    page = signed_in(client, second).get(f"/dashboard/sections/{double.pk}/").content.decode()
    assert "You are keying <strong>keying 2</strong>" in page
    for value in ("Maria Garcia", "1200 J St", "03/05/2026"):
        assert value not in page
    assert open_rows(page) == list(range(1, 11))  # line 1 too: the second volunteer keys every line


def test_one_volunteer_cannot_key_both_keyings(client, double, keyers):
    first, second, third = keyers
    signed_in(client, first).post(f"/dashboard/sections/{double.pk}/", grid({1: MARIA}))
    signed_in(client, first).post(f"/dashboard/sections/{double.pk}/", grid({2: NOBODY}))
    assert set(KeyedLine.objects.values_list("entry", flat=True)) == {1}  # still the first keying

    signed_in(client, second).post(f"/dashboard/sections/{double.pk}/", grid({1: MARIA}))
    refused = signed_in(client, third).post(f"/dashboard/sections/{double.pk}/", grid({1: MARIA}))
    assert refused.status_code == 400
    assert "Both keyings of section 34-00001 are other volunteers" in refused.content.decode()
    assert KeyedLine.objects.filter(keyed_by=third).count() == 0

    for keyer in (first, second):
        response = signed_in(client, keyer).get(f"/dashboard/sections/{double.pk}/reconcile/")
        assert response.status_code == 403
        assert "You keyed this section" in response.content.decode()


def test_a_third_volunteer_decides_the_differing_lines_and_the_section_is_verified(client, double, keyers):
    first, second, third = keyers
    VoterFactory()
    signed_in(client, first).post(f"/dashboard/sections/{double.pk}/", grid({1: MARIA, 2: NOBODY, 3: MARIA}))
    signed_in(client, second).post(
        f"/dashboard/sections/{double.pk}/", grid({1: {**MARIA, "address": "1300 J St"}, 2: NOBODY})
    )

    page = signed_in(client, third).get(f"/dashboard/sections/{double.pk}/reconcile/").content.decode()
    assert "2 lines left" in page and "line 1</strong>" in page
    differs = (
        '<td data-keying="{}" class="reconcile-diff table-warning"><span class="visually-hidden">differs: </span>{}'
    )
    assert differs.format(1, "1200 J St") in page and differs.format(2, "1300 J St") in page
    assert 'name="name" id="decide-name" value="Maria Garcia"' in page  # agreed fields are filled in
    assert 'name="address" id="decide-address" value=""' in page

    signed_in(client, third).post(f"/dashboard/sections/{double.pk}/reconcile/", {"line": "1", "use": "typed", **MARIA})
    line_1 = Signature.objects.get(line=1)
    assert (line_1.address, line_1.status) == ("1200 J St", "valid")
    double.refresh_from_db()
    assert double.status == "keyed"  # line 3 was keyed once only

    client.post(f"/dashboard/sections/{double.pk}/reconcile/", {"line": "3", "use": "none"})
    assert not Signature.objects.filter(line=3).exists()
    assert not KeyedLine.objects.filter(line=3).exists()
    double.refresh_from_db()
    assert (double.status, double.status_changed_by) == ("verified", third)
    decisions = [
        (a.user, a.detail["line"], a.detail["decided"] and a.detail["decided"]["address"])
        for a in AuditLog.objects.filter(action="section.line_reconcile").order_by("id")
    ]
    assert decisions == [(third, 1, "1200 J St"), (third, 3, None)]
    first_decision = AuditLog.objects.filter(action="section.line_reconcile").earliest("id")
    assert first_decision.detail["keyings"]["2"]["address"] == "1300 J St"


def test_a_third_volunteer_can_take_one_keying_whole(client, double, keyers):
    first, second, third = keyers
    signed_in(client, first).post(f"/dashboard/sections/{double.pk}/", grid({1: NOBODY}))
    signed_in(client, second).post(f"/dashboard/sections/{double.pk}/", grid({1: {**NOBODY, "zip": "95816"}}))
    signed_in(client, third).post(f"/dashboard/sections/{double.pk}/reconcile/", {"line": "1", "use": "2"})
    assert Signature.objects.get().zip == "95816"
    again = client.post(f"/dashboard/sections/{double.pk}/reconcile/", {"line": "1", "use": "1"}, follow=True)
    assert "already decided" in again.content.decode()
    assert Signature.objects.count() == 1


def test_a_bad_field_in_a_reconcile_decision_is_explained_and_nothing_is_decided(client, double, keyers):
    first, second, third = keyers
    signed_in(client, first).post(f"/dashboard/sections/{double.pk}/", grid({1: NOBODY}))
    signed_in(client, second).post(f"/dashboard/sections/{double.pk}/", grid({1: {**NOBODY, "zip": "95816"}}))
    response = signed_in(client, third).post(
        f"/dashboard/sections/{double.pk}/reconcile/", {"line": "1", "use": "typed", **{**NOBODY, "zip": "9581"}}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'name="zip" id="decide-zip" value="9581"' in page
    assert '<div class="invalid-feedback">A ZIP code has 5 digits, e.g. 95814.</div>' in page
    assert not Signature.objects.exists()
    assert not AuditLog.objects.filter(action="section.line_reconcile").exists()


# --- Sections list, issuing and printing -----------------------------------------------------


def test_staff_issue_sections_for_a_county_and_download_their_pdf(client, organizer, calexit):
    response = signed_in(client, organizer).post(
        "/dashboard/sections/issue/?petition=calexit", {"county": "34", "count": "3"}
    )
    issued = list(PetitionSection.objects.order_by("number"))
    assert [s.number for s in issued] == ["34-00001", "34-00002", "34-00003"]
    ids = ",".join(str(s.pk) for s in issued)
    assert response["Location"] == f"/dashboard/sections/?petition=calexit&county=34&issued={ids}"

    page = client.get(response["Location"]).content.decode()
    assert "Issued 3 blank sections for Sacramento" in page
    assert f'href="/dashboard/sections/print.pdf?ids={ids}">Download their PDF' in page

    pdf = client.get(f"/dashboard/sections/print.pdf?ids={ids}")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"] == 'attachment; filename="sections-34-00001_to_34-00003.pdf"'


def test_the_sections_list_filters_by_county_and_status(client, volunteer, section, organizer):
    sections_issue(petition=section.petition, county=County.objects.get(code="19"), count=1, user=organizer)
    signed_in(client, volunteer)

    def listed(query: str) -> list[str]:
        page = client.get(f"/dashboard/sections/?{query}").content.decode()
        return [s.number for s in PetitionSection.objects.all() if f">{s.number}</a>" in page]

    assert sorted(listed("")) == ["19-00002", "34-00001"]
    assert listed("county=19") == ["19-00002"]
    assert listed("status=returned") == ["34-00001"]
    assert listed("county=19&status=returned") == []


# --- Who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/dashboard/sections/"),
        ("post", "/dashboard/sections/issue/"),
        ("get", "/dashboard/sections/print.pdf?ids={pk}"),
        ("get", "/dashboard/sections/{pk}/"),
        ("post", "/dashboard/sections/{pk}/"),
        ("post", "/dashboard/sections/{pk}/check/"),
        ("post", "/dashboard/sections/{pk}/declaration/"),
        ("post", "/dashboard/sections/{pk}/status/"),
        ("get", "/dashboard/sections/{pk}/reconcile/"),
    ],
)
def test_only_campaign_roles_reach_the_section_pages(client, section, method, path):
    url = path.format(pk=section.pk)
    anonymous = getattr(client, method)(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")

    client.force_login(User.objects.create_user(username="stranger", password=PASSWORD))
    assert getattr(client, method)(url).status_code == 403
    assert not Signature.objects.exists() and PetitionSection.objects.count() == 1
