"""Petition sections: issued blank and numbered, returned with the circulator's
declaration, moved along to filing; and the date flags of their lines."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone

from petitions.models import AuditLog, Circulator, County, Petition, PetitionSection
from petitions.services.paper import KeyedLineInput
from petitions.services.sections import (
    CirculatorInput,
    line_date_flag,
    section_lines_key,
    section_return,
    section_status_move,
    sections_issue,
)

pytestmark = pytest.mark.django_db

SACRAMENTO, LOS_ANGELES = "34", "19"


def county(code: str) -> County:
    return County.objects.get(code=code)


def returned(calexit, user, **overrides) -> PetitionSection:
    """A section issued for Sacramento and back with its declaration."""
    section = sections_issue(petition=calexit, county=county(SACRAMENTO), count=1, user=user)[0]
    declaration = {
        "circulator": CirculatorInput(name="Ana Ruiz", address="9 P St", city="Sacramento", zip="95814"),
        "signed_from": date(2026, 3, 1),
        "signed_to": date(2026, 3, 20),
        "declaration_date": date(2026, 3, 21),
        "declaration_place": "Sacramento, CA",
        "user": user,
    }
    return section_return(section=section, **{**declaration, **overrides})


# --- Issuing ------------------------------------------------------------------------------


def test_issued_sections_are_numbered_with_their_county_code_and_a_running_number_per_petition(calexit, organizer):
    sacramento = sections_issue(petition=calexit, county=county(SACRAMENTO), count=3, user=organizer)
    los_angeles = sections_issue(petition=calexit, county=county(LOS_ANGELES), count=2, user=organizer)

    assert [s.number for s in sacramento] == ["34-00001", "34-00002", "34-00003"]
    assert [s.number for s in los_angeles] == ["19-00004", "19-00005"]
    for section in PetitionSection.objects.all():
        assert section.status == "issued"
        assert section.county_id == section.number[:2]
        assert section.status_changed_by == organizer and section.status_changed_at is not None
    audits = list(AuditLog.objects.filter(action="sections.issue").order_by("id"))
    assert [(a.user, a.object_id, a.detail["county"], a.detail["count"], a.detail["numbers"]) for a in audits] == [
        (organizer, str(calexit.pk), "34", 3, ["34-00001", "34-00003"]),
        (organizer, str(calexit.pk), "19", 2, ["19-00004", "19-00005"]),
    ]


def test_issuing_continues_after_the_highest_number_whatever_other_sections_are_called(calexit, organizer):
    PetitionSection.objects.create(petition=calexit, county=county(SACRAMENTO), number="34-00041")
    PetitionSection.objects.create(petition=calexit, county=county(SACRAMENTO), number="S-0001")  # an old import's name
    other = Petition.objects.create(slug="other", title="Other", question="?", required_signatures=1)
    PetitionSection.objects.create(petition=other, county=county(SACRAMENTO), number="34-00900")

    issued = sections_issue(petition=calexit, county=county(SACRAMENTO), count=2, user=organizer)

    assert [s.number for s in issued] == ["34-00042", "34-00043"]
    assert [s.number for s in sections_issue(petition=other, county=county(SACRAMENTO), count=1, user=organizer)] == [
        "34-00901"
    ]


@pytest.mark.parametrize("count", [0, 201])
def test_issuing_none_or_too_many_sections_at_once_is_refused(calexit, organizer, count):
    with pytest.raises(ValidationError, match="between 1 and 200"):
        sections_issue(petition=calexit, county=county(SACRAMENTO), count=count, user=organizer)
    assert not PetitionSection.objects.exists()


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the race needs PostgreSQL's row locks (SQLite serialises writers itself)",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_staff_issuing_at_once_get_different_numbers(calexit, organizer, volunteer):
    barrier = threading.Barrier(2)
    failures: list[Exception] = []

    def issue(user) -> None:
        try:
            barrier.wait()
            for _ in range(5):
                sections_issue(petition=calexit, county=county(SACRAMENTO), count=3, user=user)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(user,)) for user in (organizer, volunteer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    numbers = sorted(PetitionSection.objects.values_list("number", flat=True))
    assert numbers == [f"34-{n:05d}" for n in range(1, 31)]


# --- The circulator's declaration -------------------------------------------------------------


def test_recording_the_declaration_returns_the_section_with_its_circulator_and_dates(calexit, volunteer):
    section = returned(calexit, volunteer)

    section.refresh_from_db()
    assert section.status == "returned" and section.status_changed_by == volunteer
    circulator = section.circulator
    assert (circulator.name, circulator.city, circulator.petition) == ("Ana Ruiz", "Sacramento", calexit)
    assert (section.signed_from, section.signed_to, section.declaration_date, section.declaration_place) == (
        date(2026, 3, 1),
        date(2026, 3, 20),
        date(2026, 3, 21),
        "Sacramento, CA",
    )
    audit = AuditLog.objects.get(action="section.return")
    assert (audit.user, audit.object_id, audit.detail["signed_to"]) == (volunteer, str(section.pk), "2026-03-20")


def test_a_circulator_on_file_is_reused(calexit, volunteer):
    ana = Circulator.objects.create(petition=calexit, name="Ana Ruiz")
    section = returned(calexit, volunteer, circulator=ana)
    assert section.circulator == ana
    assert Circulator.objects.count() == 1


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        (
            (date(2026, 3, 20), date(2026, 3, 1), date(2026, 3, 21)),
            "signed_to",
            "The last day signatures were obtained (Mar 1, 2026) is before the first (Mar 20, 2026).",
        ),
        (
            (date(2026, 3, 1), date(2026, 3, 20), date(2026, 3, 19)),
            "declaration_date",
            "The declaration is dated Mar 19, 2026, before the last signature was obtained (Mar 20, 2026)",
        ),
    ],
)
def test_a_declaration_with_its_dates_out_of_order_is_refused_and_nothing_changes(
    calexit, volunteer, dates, field, message
):
    section = sections_issue(petition=calexit, county=county(SACRAMENTO), count=1, user=volunteer)[0]
    signed_from, signed_to, declared = dates
    with pytest.raises(ValidationError) as refused:
        section_return(
            section=section,
            circulator=CirculatorInput(name="Ana Ruiz"),
            signed_from=signed_from,
            signed_to=signed_to,
            declaration_date=declared,
            declaration_place="Sacramento",
            user=volunteer,
        )

    assert list(refused.value.message_dict) == [field]
    assert refused.value.message_dict[field][0].startswith(message)
    section.refresh_from_db()
    assert (section.status, section.circulator, section.signed_from) == ("issued", None, None)
    assert not Circulator.objects.exists()
    assert not AuditLog.objects.filter(action="section.return").exists()


def test_a_declaration_dated_in_the_future_is_refused(calexit, volunteer):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError, match="in the future"):
        returned(calexit, volunteer, signed_to=tomorrow, declaration_date=tomorrow)


def test_a_circulator_of_another_petition_is_refused(calexit, volunteer):
    other = Petition.objects.create(slug="other", title="Other", question="?", required_signatures=1)
    stranger = Circulator.objects.create(petition=other, name="Ana Ruiz")
    with pytest.raises(ValidationError, match="another petition"):
        returned(calexit, volunteer, circulator=stranger)


# --- Status ---------------------------------------------------------------------------------------


def _key_one_line(section, user) -> None:
    section_lines_key(
        section=section,
        lines=[KeyedLineInput(section=section, line=1, name="Maria Garcia", address="1200 J St", city="Sacramento")],
        user=user,
    )


def test_a_section_moves_forward_one_step_at_a_time_and_each_move_is_recorded(calexit, volunteer, reviewer):
    section = returned(calexit, volunteer)
    _key_one_line(section, volunteer)
    section.refresh_from_db()
    assert (section.status, section.status_changed_by) == ("keyed", volunteer)

    with pytest.raises(ValidationError, match="one step at a time"):
        section_status_move(section=section, status="filed", user=reviewer)
    section_status_move(section=section, status="verified", user=reviewer)
    section_status_move(section=section, status="filed", user=reviewer)

    section.refresh_from_db()
    assert (section.status, section.status_changed_by) == ("filed", reviewer)
    moves = [
        (a.detail["from"], a.detail["to"], a.user)
        for a in AuditLog.objects.filter(action="section.status_move").order_by("id")
    ]
    assert moves == [("returned", "keyed", volunteer), ("keyed", "verified", reviewer), ("verified", "filed", reviewer)]


def test_the_volunteer_who_keyed_a_section_cannot_also_verify_it(calexit, volunteer):
    section = returned(calexit, volunteer)
    _key_one_line(section, volunteer)
    section.refresh_from_db()
    with pytest.raises(ValidationError, match="another volunteer checks them"):
        section_status_move(section=section, status="verified", user=volunteer)
    section.refresh_from_db()
    assert section.status == "keyed"


def test_a_section_goes_back_one_step_only_with_a_reason(calexit, volunteer, reviewer):
    section = returned(calexit, volunteer)
    _key_one_line(section, volunteer)
    section.refresh_from_db()
    with pytest.raises(ValidationError, match="Say why"):
        section_status_move(section=section, status="returned", user=reviewer, reason="  ")
    section_status_move(section=section, status="returned", user=reviewer, reason="line 4 was skipped")
    section.refresh_from_db()
    assert section.status == "returned"
    audit = AuditLog.objects.filter(action="section.status_move").latest("id")
    assert audit.detail == {"from": "keyed", "to": "returned", "reason": "line 4 was skipped"}


def test_a_section_without_lines_cannot_be_marked_keyed_nor_issued_one_returned_by_hand(calexit, volunteer):
    section = returned(calexit, volunteer)
    with pytest.raises(ValidationError, match="No line"):
        section_status_move(section=section, status="keyed", user=volunteer)
    blank = sections_issue(petition=calexit, county=county(SACRAMENTO), count=1, user=volunteer)[0]
    with pytest.raises(ValidationError, match="declaration first"):
        section_status_move(section=blank, status="returned", user=volunteer)


def test_a_move_from_a_stale_page_fails_instead_of_skipping_a_step(calexit, volunteer, reviewer):
    section = returned(calexit, volunteer)
    _key_one_line(section, volunteer)
    stale = PetitionSection.objects.get(pk=section.pk)
    section_status_move(section=PetitionSection.objects.get(pk=section.pk), status="verified", user=reviewer)
    with pytest.raises(ValidationError, match="moved by someone else"):
        section_status_move(section=stale, status="verified", user=reviewer)


# --- Date flags ---------------------------------------------------------------------------------


@pytest.fixture
def circulating(calexit) -> Petition:
    calexit.summary_date, calexit.deadline = date(2026, 2, 1), date(2026, 7, 30)
    calexit.save()
    return calexit


@pytest.mark.parametrize(
    ("signed", "flag"),
    [
        (date(2026, 1, 31), "Dated Jan 31, 2026, before circulation began (Feb 1, 2026)."),
        (date(2026, 7, 31), "Dated Jul 31, 2026, after circulation ended (Jul 30, 2026)."),
        (
            date(2026, 2, 27),
            "Dated Feb 27, 2026, outside the circulator's declared dates (Mar 1, 2026 to Mar 20, 2026).",
        ),
        (
            date(2026, 3, 21),
            "Dated Mar 21, 2026, outside the circulator's declared dates (Mar 1, 2026 to Mar 20, 2026).",
        ),
        (date(2026, 3, 1), None),
        (date(2026, 3, 20), None),
        (None, None),
    ],
)
def test_a_line_dated_outside_circulation_or_the_declared_dates_is_flagged(circulating, volunteer, signed, flag):
    section = returned(circulating, volunteer)
    assert line_date_flag(date_signed=signed, section=section, petition=circulating) == flag


def test_a_line_of_a_section_without_declared_dates_is_flagged_only_outside_circulation(circulating, volunteer):
    section = sections_issue(petition=circulating, county=county(SACRAMENTO), count=1, user=volunteer)[0]
    assert line_date_flag(date_signed=date(2026, 5, 1), section=section, petition=circulating) is None
    assert line_date_flag(date_signed=date(2026, 8, 1), section=section, petition=circulating).startswith(
        "Dated Aug 1, 2026, after circulation ended"
    )
