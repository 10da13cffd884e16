"""Validating a confirmed signature against the voter file (exact normalised keys)."""

import pytest
from django.db import IntegrityError, transaction

from petitions.models import TallyChange
from petitions.validation.validate import signature_validate
from tests.factories import SignatureFactory, VoterFactory, validated

pytestmark = pytest.mark.django_db


def test_a_registered_voter_at_their_address_is_valid():
    voter = VoterFactory()
    signature = validated()
    assert (signature.status, signature.reason, signature.voter) == ("valid", "", voter)
    assert signature.validated_at is not None


def test_case_accents_punctuation_and_street_words_do_not_matter():
    voter = VoterFactory(
        first_name="José",
        last_name="O'Brien",
        address_number="0456",
        street_dir_prefix="N",
        street_name="FIFTH",
        street_type="AVE",
    )
    signature = validated(first_name="jose", last_name="OBRIEN", address="456 North 5th Avenue Apt 3")
    assert signature.status == "valid" and signature.voter == voter


def test_someone_not_in_the_voter_file_is_not_registered():
    VoterFactory()
    assert validated(first_name="Nobody", last_name="Known").reason == "not_registered"


def test_a_voter_registered_in_another_county_is_wrong_county():
    VoterFactory(county_id="19")
    signature = validated(county_id="34")
    assert (signature.status, signature.reason) == ("invalid", "wrong_county")


def test_a_voter_at_another_address_in_the_county_is_address_mismatch():
    VoterFactory(address_number="99", street_name="K")
    signature = validated()
    assert (signature.status, signature.reason) == ("invalid", "address_mismatch")


def test_a_house_number_must_match():
    VoterFactory(address_number="1201")
    assert validated().reason == "address_mismatch"


def test_a_signature_missing_its_address_is_incomplete():
    VoterFactory()
    assert validated(address="").reason == "incomplete"


def test_a_voter_no_longer_registered_is_not_registered():
    VoterFactory(registered=False)
    assert validated().reason == "not_registered"


def test_father_and_son_at_one_address_are_told_apart_by_suffix():
    VoterFactory(first_name="Robert", last_name="Smith", suffix="")
    son = VoterFactory(first_name="Robert", last_name="Smith", suffix="JR")
    signature = validated(first_name="Robert", last_name="Smith", suffix="Jr")
    assert signature.status == "valid" and signature.voter == son


def test_two_people_of_one_name_at_one_address_with_nothing_to_tell_them_apart_go_to_review():
    VoterFactory(middle_name="A")
    VoterFactory(middle_name="B")
    assert validated().status == "review"


def test_a_second_signature_of_the_same_voter_is_a_duplicate_of_the_first():
    VoterFactory()
    first = validated()
    second = validated()
    assert first.status == "valid"
    assert (second.status, second.duplicate_of_id, second.voter_id) == ("duplicate", first.pk, first.voter_id)


def test_validating_twice_changes_nothing_the_second_time():
    VoterFactory()
    signature = SignatureFactory()
    signature_validate(signature_id=signature.pk)
    changes = TallyChange.objects.count()

    assert signature_validate(signature_id=signature.pk) is None
    assert TallyChange.objects.count() == changes


def test_unconfirmed_signatures_are_never_validated():
    VoterFactory()
    signature = SignatureFactory(status="unconfirmed")
    assert signature_validate(signature_id=signature.pk) is None
    signature.refresh_from_db()
    assert signature.status == "unconfirmed"


def test_the_database_refuses_two_valid_signatures_for_one_voter():
    voter = VoterFactory()
    SignatureFactory(status="valid", voter=voter)
    with pytest.raises(IntegrityError), transaction.atomic():
        SignatureFactory(status="valid", voter=voter)


def test_the_database_refuses_an_invalid_signature_without_reason():
    with pytest.raises(IntegrityError), transaction.atomic():
        SignatureFactory(status="invalid", reason="")
