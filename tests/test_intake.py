"""Mail intake: a signed wet-ink form is recorded once, and its signature becomes filed."""

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from petitions.codes import form_code, section_code
from petitions.models import AuditLog, Petition, PetitionSection, Signature
from petitions.selectors import petition_counts
from petitions.services.tallies import tallies_count, tallies_recount
from petitions.services.wet_ink import signature_receive_form
from petitions.validation.validate import signature_validate
from tests.factories import SignatureFactory, VoterFactory, validated

INTAKE = "/dashboard/intake/"


def pledge() -> Signature:
    VoterFactory()
    signature = validated()
    assert signature.status == "valid"
    return signature


@pytest.mark.django_db
def test_receiving_a_form_records_who_and_when_and_moves_it_from_pledged_to_raw(calexit, volunteer):
    signature = pledge()
    result = signature_receive_form(code=form_code(signature.pk), petition=calexit, user=volunteer)
    assert result.outcome == "received" and "Sacramento" in result.message
    signature.refresh_from_db()
    assert signature.wet_ink_received_at is not None and signature.wet_ink_received_by == volunteer
    assert AuditLog.objects.filter(action="form.receive", object_id=str(signature.pk), user=volunteer).exists()
    tallies_count()
    counts = petition_counts(calexit).by_county[33]
    assert (counts.code, counts.raw, counts.valid, counts.pledged) == ("34", 1, 1, 0)


@pytest.mark.django_db
def test_a_second_scan_says_already_received_and_changes_nothing(calexit, volunteer):
    signature = pledge()
    signature_receive_form(code=form_code(signature.pk), petition=calexit, user=volunteer)
    first = Signature.objects.get(pk=signature.pk)
    again = signature_receive_form(code=form_code(signature.pk).lower(), petition=calexit)
    assert again.outcome == "already" and "already received" in again.message and "volunteer" in again.message
    after = Signature.objects.get(pk=signature.pk)
    assert (after.wet_ink_received_at, after.wet_ink_received_by_id, after.updated_at) == (
        first.wet_ink_received_at,
        first.wet_ink_received_by_id,
        first.updated_at,
    )
    assert AuditLog.objects.filter(action="form.receive").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code, outcome, says",
    [
        ("", "malformed", "No code"),
        ("hello", "malformed", "not a form or section code"),
        ("F000000012", "malformed", "check digit"),  # the last digit mistyped
        (form_code(987654), "unknown", "No form has the code F00987654"),
    ],
)
def test_a_malformed_or_unknown_code_says_so_and_changes_nothing(calexit, code, outcome, says):
    signature = pledge()
    result = signature_receive_form(code=code, petition=calexit)
    assert result.outcome == outcome and says in result.message and "Nothing changed" in result.message
    assert Signature.objects.get(pk=signature.pk).wet_ink_received_at is None


@pytest.mark.django_db
def test_an_unconfirmed_or_paper_signatures_id_is_not_a_form(calexit):
    unconfirmed = SignatureFactory(status="unconfirmed")
    section = PetitionSection.objects.create(petition=calexit, number="34-1", county_id="34")
    line = SignatureFactory(channel="paper", section=section, line=1)
    for signature in (unconfirmed, line):
        assert signature_receive_form(code=form_code(signature.pk), petition=calexit).outcome == "unknown"
    assert not Signature.objects.filter(wet_ink_received_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_section_code_is_refused_with_where_to_record_sections(calexit):
    section = PetitionSection.objects.create(petition=calexit, number="34-1", county_id="34")
    result = signature_receive_form(code=section_code(section.pk), petition=calexit)
    assert result.outcome == "not_a_form" and "Sections page" in result.message


@pytest.mark.django_db
def test_a_code_of_another_petition_says_which_and_changes_nothing(calexit):
    other = Petition.objects.create(slug="water-2028", title="Clean Water Act", question="?", required_signatures=10)
    VoterFactory()
    signature = SignatureFactory(petition=other)
    signature_validate(signature_id=signature.pk)
    result = signature_receive_form(code=form_code(signature.pk), petition=calexit)
    assert result.outcome == "other_petition" and "Clean Water Act" in result.message and "water-2028" in result.message
    assert Signature.objects.get(pk=signature.pk).wet_ink_received_at is None


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_volunteers_scanning_one_form_at_once_record_it_once(calexit):
    signature = pledge()
    code = form_code(signature.pk)
    start = threading.Barrier(20)
    outcomes = []

    def scan():
        try:
            start.wait()
            outcomes.append(signature_receive_form(code=code, petition=calexit).outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already"] * 19 + ["received"]
    assert AuditLog.objects.filter(action="form.receive").count() == 1
    tallies_count()
    assert tallies_recount().drift == []
    assert petition_counts(calexit).statewide.raw == 1


@pytest.mark.django_db
def test_receive_forms_reads_a_scan_list_and_reports_bad_lines_by_number(calexit, tmp_path):
    first, second = pledge(), SignatureFactory(email="other@example.com", first_name="Ana")
    signature_validate(signature_id=second.pk)
    scans = tmp_path / "scans.txt"
    scans.write_text(
        f"{form_code(first.pk)}\n\nnot a code\n{form_code(second.pk)}\n{form_code(first.pk)}\nF000999998\n"
    )
    out, err = StringIO(), StringIO()
    call_command("receive_forms", str(scans), petition="calexit", stdout=out, stderr=err)
    assert "2 forms received, 1 already received, 2 bad lines" in out.getvalue()
    assert err.getvalue().splitlines()[0].startswith("line 3: ")
    assert err.getvalue().splitlines()[1].startswith("line 6: ")
    assert Signature.objects.filter(wet_ink_received_at__isnull=False).count() == 2
    assert AuditLog.objects.filter(action="form.receive", actor__startswith="receive_forms").count() == 2


@pytest.mark.django_db
def test_receive_forms_refuses_an_unreadable_file(calexit, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("receive_forms", str(tmp_path / "missing.txt"), petition="calexit")


@pytest.mark.django_db
def test_the_intake_page_records_a_scan_and_keeps_the_sessions_tally(client, calexit, volunteer):
    signature = pledge()
    client.force_login(volunteer)
    page = client.get(INTAKE)
    assert page.status_code == 200 and b'name="code"' in page.content and b"autofocus" in page.content
    response = client.post(f"{INTAKE}?petition=calexit", {"code": form_code(signature.pk)})
    assert response.status_code == 302
    client.post(f"{INTAKE}?petition=calexit", {"code": form_code(signature.pk)})
    client.post(f"{INTAKE}?petition=calexit", {"code": "F12"})
    page = client.get(response["Location"]).content.decode()
    assert 'id="tally-received">1<' in page and 'id="tally-already">1<' in page and 'id="tally-refused">1<' in page
    assert "not a form or section code" in page
    assert Signature.objects.get(pk=signature.pk).wet_ink_received_by == volunteer


@pytest.mark.django_db
def test_the_intake_page_is_for_the_campaigns_roles(client, django_user_model):
    assert client.get(INTAKE).status_code == 302  # to the login page
    client.force_login(django_user_model.objects.create_user("stranger"))
    assert client.get(INTAKE).status_code == 403
