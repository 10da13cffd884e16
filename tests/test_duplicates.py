"""Duplicates: a voter counts once per petition across online and paper, and the
signatures of one unregistered person are linked, by database constraints."""

import pytest
from django.db import IntegrityError, transaction

from petitions.models import TallyChange
from petitions.selectors import petition_counts
from petitions.services.tallies import tallies_count, tallies_recount
from petitions.validation.validate import signature_validate
from tests.factories import SignatureFactory, VoterFactory, paper_line, validated

pytestmark = pytest.mark.django_db


def test_a_voter_who_signs_online_and_on_paper_counts_once(calexit):
    """Under the wet-ink rule the paper line is what the county gets: it counts."""
    maria = VoterFactory()
    online = validated()
    on_paper = paper_line(calexit, name="Maria Garcia", address="1200 J Street", line=1)
    online.refresh_from_db()
    assert (on_paper.status, on_paper.voter, on_paper.duplicate_of_id) == ("valid", maria, None)
    assert (online.status, online.voter, online.duplicate_of_id) == ("duplicate", maria, on_paper.pk)


def test_a_nickname_on_the_second_signature_is_still_the_same_voter(calexit):
    robert = VoterFactory(first_name="Robert", last_name="Smith")
    first = paper_line(calexit, name="Robert Smith", address="1200 J St", line=1)
    second = paper_line(calexit, name="Bob Smith", address="1200 J St Apt 2", line=2)
    assert (second.status, second.voter, second.duplicate_of_id) == ("duplicate", robert, first.pk)


def test_every_later_signature_of_a_voter_points_at_the_one_that_counts():
    VoterFactory()
    first, second, third = validated(), validated(), validated()
    assert first.status == "valid"
    assert (second.duplicate_of_id, third.duplicate_of_id) == (first.pk, first.pk)


def test_a_duplicate_moves_the_tally_from_pending_to_duplicate():
    VoterFactory()
    validated()
    second = SignatureFactory()
    TallyChange.objects.all().delete()
    signature_validate(signature_id=second.pk)
    assert sorted(TallyChange.objects.values_list("status", "delta")) == [("duplicate", 1), ("pending", -1)]


def test_two_signatures_by_one_unregistered_person_are_linked(calexit):
    first = validated(first_name="Nobody", last_name="Known")
    second = paper_line(calexit, name="Nobody Known", address="1200 J St", line=1)
    assert (first.status, first.reason) == ("invalid", "not_registered")
    assert (second.status, second.duplicate_of_id, second.voter_id) == ("duplicate", first.pk, None)
    assert first.person_key == second.person_key == "KNOWN|NOBODY|1200|J|34"


def test_an_unregistered_persons_second_signature_is_counted_as_invalid_as_the_county_will(calexit):
    """The county finds duplicates among registered voters only: to it, both
    lines of someone not registered are invalid. The row stays a duplicate
    (for the duplicate report); the count says invalid, and a recount agrees."""
    first = paper_line(calexit, name="Nobody Known", address="1200 J St", line=1)
    second = paper_line(calexit, name="Nobody Known", address="1200 J Street", line=2)
    maria = VoterFactory()
    counted = paper_line(calexit, name="Maria Garcia", address="1200 J St", line=3)
    again = paper_line(calexit, name="Maria Garcia", address="1200 J St", line=4)
    assert (second.status, second.duplicate_of_id) == ("duplicate", first.pk)
    assert (counted.voter, again.status) == (maria, "duplicate")
    tallies_count()
    counts = petition_counts(calexit).statewide
    assert (counts.raw, counts.valid, counts.invalid, counts.duplicate) == (4, 1, 2, 1)
    assert tallies_recount().drift == []


def test_an_unregistered_person_writing_bob_once_and_robert_once_is_linked():
    first = validated(first_name="Robert", last_name="Nobody")
    second = validated(first_name="Bob", last_name="Nobody", address="1200 J Street Apt 3")
    assert (second.status, second.duplicate_of_id) == ("duplicate", first.pk)


def test_unregistered_people_of_one_household_are_not_linked():
    first = validated(first_name="Ana", last_name="Nobody")
    second = validated(first_name="Luis", last_name="Nobody")
    assert (first.reason, second.reason) == ("not_registered", "not_registered")


def test_the_same_unregistered_name_in_another_petition_is_not_linked(calexit):
    from petitions.models import Petition

    other = Petition.objects.create(slug="other", title="Other", question="?", required_signatures=10)
    first = validated(first_name="Nobody", last_name="Known")
    second = validated(petition=other, first_name="Nobody", last_name="Known")
    assert (first.reason, second.reason) == ("not_registered", "not_registered")


def test_every_decided_signature_has_a_person_key():
    VoterFactory()
    assert validated().person_key == "GARCIA|MARIA|1200|J|34"
    assert validated(first_name="Nobody").person_key == "GARCIA|NOBODY|1200|J|34"


def test_the_database_refuses_two_unregistered_originals_for_one_person():
    key = "KNOWN|NOBODY|1200|J ST|34"
    SignatureFactory(status="invalid", reason="not_registered", person_key=key)
    with pytest.raises(IntegrityError), transaction.atomic():
        SignatureFactory(status="invalid", reason="not_registered", person_key=key)


def test_a_person_decision_of_not_registered_is_not_an_original(reviewer):
    key = "KNOWN|NOBODY|1200|J ST|34"
    SignatureFactory(status="invalid", reason="not_registered", person_key=key)
    SignatureFactory(status="invalid", reason="not_registered", person_key=key, decided_by=reviewer)


def test_a_worker_that_loses_the_race_for_a_voter_records_a_duplicate():
    """The second worker's check-free path: it tries to keep its signature and the
    one-valid-per-voter constraint turns it into the duplicate."""
    maria = VoterFactory()
    winner = SignatureFactory(status="valid", voter=maria)
    loser = validated()
    assert (loser.status, loser.duplicate_of_id) == ("duplicate", winner.pk)


def test_an_unregistered_person_who_leaves_out_the_street_type_once_is_linked():
    first = validated(first_name="Daniela", last_name="Nobody", address="9710 Sequoia Dr")
    second = validated(first_name="Daniela", last_name="Nobody", address="9710 Sequoia")
    assert (second.status, second.duplicate_of_id) == ("duplicate", first.pk)
