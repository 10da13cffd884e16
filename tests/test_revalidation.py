"""Re-validation: a newer voter file looks again at what the machine could not
accept (people register during the campaign); a person's decision stays."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from petitions.models import Signature, TallyChange
from petitions.services.voter_import import voters_import
from petitions.validation.revalidate import signatures_revalidate
from petitions.voterfile import REQUIRED_COLUMNS
from tests.factories import SignatureFactory, VoterFactory, validated

pytestmark = pytest.mark.django_db

MARIA = {
    "CountyCode": "34",
    "RegistrantID": "NEW1",
    "LastName": "GARCIA",
    "FirstName": "MARIA",
    "AddressNumber": "1200",
    "StreetName": "J",
    "City": "Sacramento",
    "Zip": "95814",
    "Status": "A",
}


def voter_file(tmp_path: Path, *rows: dict, name: str = "newer.tsv") -> Path:
    header = list(REQUIRED_COLUMNS) + ["StreetType"]
    lines = ["\t".join(header)] + ["\t".join(row.get(column, "") for column in header) for row in rows]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_signer_not_registered_becomes_valid_once_a_file_that_lists_them_is_imported(tmp_path, run_on_commit):
    signature = validated()
    assert signature.reason == "not_registered"

    with run_on_commit():
        summary = voters_import(voter_file(tmp_path, {**MARIA, "StreetType": "ST"}))

    signature.refresh_from_db()
    assert summary.revalidation_queued == 1
    assert (signature.status, signature.voter.registrant_id) == ("valid", "NEW1")


def test_a_person_decision_is_never_overwritten_by_the_machine(tmp_path, run_on_commit, reviewer):
    decided = SignatureFactory(status="invalid", reason="not_registered", decided_by=reviewer)

    with run_on_commit():
        summary = voters_import(voter_file(tmp_path, {**MARIA, "StreetType": "ST"}))

    decided.refresh_from_db()
    assert (summary.revalidation_queued, decided.status, decided.reason) == (0, "invalid", "not_registered")


def test_review_and_registration_reasons_go_back_to_pending_and_the_tallies_follow():
    in_review = SignatureFactory(status="review")
    mismatch = SignatureFactory(status="invalid", reason="address_mismatch")
    incomplete = SignatureFactory(status="invalid", reason="incomplete")
    TallyChange.objects.all().delete()

    assert signatures_revalidate() == 2

    assert Signature.objects.get(pk=in_review.pk).status == "pending"
    assert Signature.objects.get(pk=mismatch.pk).status == "pending"
    assert Signature.objects.get(pk=incomplete.pk).status == "invalid"
    assert sorted(TallyChange.objects.values_list("status", "delta")) == [
        ("invalid", -1),
        ("pending", 1),
        ("pending", 1),
        ("review", -1),
    ]


def test_re_validation_is_queued_after_commit(django_capture_on_commit_callbacks):
    SignatureFactory(status="invalid", reason="not_registered")
    with django_capture_on_commit_callbacks() as callbacks:
        signatures_revalidate()
    assert len(callbacks) == 1


def test_the_reasons_to_retry_can_be_chosen():
    SignatureFactory(status="invalid", reason="wrong_county")
    SignatureFactory(status="review")
    assert signatures_revalidate(reasons=("not_registered",), review=False) == 0


def test_a_second_signature_of_an_unregistered_person_follows_when_they_register(tmp_path, run_on_commit):
    first, second = validated(), validated()
    assert (first.reason, second.status) == ("not_registered", "duplicate")

    with run_on_commit():
        voters_import(voter_file(tmp_path, {**MARIA, "StreetType": "ST"}))

    first.refresh_from_db()
    second.refresh_from_db()
    assert {first.status, second.status} == {"valid", "duplicate"}
    assert first.voter_id == second.voter_id is not None


def test_a_refused_file_queues_nothing(tmp_path, run_on_commit):
    signature = validated()
    bad = tmp_path / "bad.tsv"
    bad.write_text("CountyCode\tRegistrantID\n34\tX\n", encoding="utf-8")

    from petitions.services.voter_import import VoterFileRefused

    with pytest.raises(VoterFileRefused), run_on_commit():
        voters_import(bad)

    signature.refresh_from_db()
    assert signature.status == "invalid"


def test_the_import_command_says_how_many_signatures_were_queued(tmp_path, run_on_commit):
    VoterFactory(registrant_id="OLD1", first_name="Ana", address_number="5")
    validated()
    out = io.StringIO()

    with run_on_commit():
        call_command("import_voters", str(voter_file(tmp_path, {**MARIA, "StreetType": "ST"})), stdout=out)

    assert out.getvalue().rstrip().endswith(", 1 signatures queued for re-validation")
