"""Under the wet-ink rule the signature that counts for a voter is a filed one
(a paper line, or an online signature whose signed form came back) whenever
one exists, the earliest filed first; a pledge that was counting becomes the
duplicate of the filed signature when it arrives, and the tallies follow."""

import pytest

from petitions.codes import form_code
from petitions.models import PetitionSection, Signature
from petitions.selectors import petition_counts
from petitions.services.review import signature_decide
from petitions.services.tallies import tallies_count, tallies_recount
from petitions.services.wet_ink import signature_receive_form
from tests.factories import SignatureFactory, VoterFactory, paper_line, validated

pytestmark = pytest.mark.django_db


def fresh(*signatures: Signature) -> list[Signature]:
    return [Signature.objects.get(pk=s.pk) for s in signatures]


def counts_after_counting(calexit):
    """The tallies after the counting run, checked against a recount from the rows."""
    tallies_count()
    assert tallies_recount().drift == []
    return petition_counts(calexit).statewide


def test_pledge_then_paper_the_paper_line_counts_and_the_pledge_is_its_duplicate(calexit):
    maria = VoterFactory()
    pledge = validated()
    assert counts_after_counting(calexit).pledged == 1
    line = paper_line(calexit, line=1)
    pledge, line = fresh(pledge, line)
    assert (line.status, line.voter, line.duplicate_of_id) == ("valid", maria, None)
    assert (pledge.status, pledge.voter, pledge.duplicate_of_id) == ("duplicate", maria, line.pk)
    counts = counts_after_counting(calexit)
    assert (counts.raw, counts.valid, counts.duplicate, counts.pledged) == (1, 1, 0, 0)


def test_paper_then_pledge_the_pledge_is_the_duplicate_of_the_paper_line(calexit):
    maria = VoterFactory()
    line = paper_line(calexit, line=1)
    pledge = validated()
    assert (line.status, pledge.status, pledge.duplicate_of_id, pledge.voter) == ("valid", "duplicate", line.pk, maria)
    counts = counts_after_counting(calexit)
    assert (counts.raw, counts.valid, counts.duplicate, counts.pledged) == (1, 1, 0, 0)


def test_a_pledge_whose_own_form_returns_stays_valid_and_moves_from_pledged_to_raw(calexit, volunteer):
    maria = VoterFactory()
    pledge = validated()
    assert counts_after_counting(calexit).pledged == 1
    result = signature_receive_form(code=form_code(pledge.pk), petition=calexit, user=volunteer)
    assert result.outcome == "received"
    (pledge,) = fresh(pledge)
    assert (pledge.status, pledge.voter, pledge.wet_ink_received_by) == ("valid", maria, volunteer)
    counts = counts_after_counting(calexit)
    assert (counts.raw, counts.valid, counts.pledged) == (1, 1, 0)


def test_the_form_of_a_second_pledge_takes_over_from_the_first_pledge_that_counted(calexit):
    """A voter signed online twice and mailed back the second form: that one is filed, so it counts."""
    VoterFactory()
    first, second = validated(), validated()
    assert (second.status, second.duplicate_of_id) == ("duplicate", first.pk)
    signature_receive_form(code=form_code(second.pk), petition=calexit)
    first, second = fresh(first, second)
    assert (second.status, second.duplicate_of_id) == ("valid", None)
    assert (first.status, first.duplicate_of_id) == ("duplicate", second.pk)
    counts = counts_after_counting(calexit)
    assert (counts.raw, counts.valid, counts.duplicate, counts.pledged) == (1, 1, 0, 0)


def test_a_returned_form_after_a_paper_line_is_a_filed_duplicate_of_the_earlier_paper_line(calexit):
    """Both reach the county, which will find the pair: the raw count shows the duplicate."""
    VoterFactory()
    pledge = validated()
    line = paper_line(calexit, line=1)
    signature_receive_form(code=form_code(pledge.pk), petition=calexit)
    pledge, line = fresh(pledge, line)
    assert (line.status, pledge.status, pledge.duplicate_of_id) == ("valid", "duplicate", line.pk)
    counts = counts_after_counting(calexit)
    assert (counts.raw, counts.valid, counts.duplicate, counts.pledged) == (2, 1, 1, 0)


def test_two_paper_lines_of_one_voter_the_earlier_filed_counts(calexit):
    maria = VoterFactory()
    first = paper_line(calexit, line=1)
    second = paper_line(calexit, line=2, address="1200 J Street")
    assert (first.status, first.voter) == ("valid", maria)
    assert (second.status, second.duplicate_of_id) == ("duplicate", first.pk)
    counts = counts_after_counting(calexit)
    assert (counts.raw, counts.valid, counts.duplicate) == (2, 1, 1)


def test_every_duplicate_of_a_pledge_that_is_taken_over_points_at_the_filed_signature(calexit):
    VoterFactory()
    first, second, third = validated(), validated(), validated()
    line = paper_line(calexit, line=1)
    rows = fresh(first, second, third)
    assert {(s.status, s.duplicate_of_id) for s in rows} == {("duplicate", line.pk)}
    counts_after_counting(calexit)


def test_a_reviewer_who_accepts_a_pledge_for_a_voter_with_a_filed_signature_makes_it_a_duplicate(calexit, reviewer):
    maria = VoterFactory()
    line = paper_line(calexit, line=1)
    pledge = SignatureFactory(status="review")
    decided = signature_decide(signature=pledge, user=reviewer, status="valid", voter_id=maria.pk)
    (line,) = fresh(line)
    assert (decided.status, decided.duplicate_of_id, decided.decided_by) == ("duplicate", line.pk, reviewer)
    assert line.status == "valid"
    counts = counts_after_counting(calexit)
    assert (counts.raw, counts.valid, counts.pledged) == (1, 1, 0)


def test_a_reviewer_who_accepts_a_paper_line_for_a_voter_whose_pledge_counts_makes_the_line_count(calexit, reviewer):
    maria = VoterFactory()
    pledge = validated()
    section = PetitionSection.objects.create(petition=calexit, number="34-00002", county_id="34")
    line = SignatureFactory(channel="paper", section=section, line=1, status="review", email="")
    decided = signature_decide(signature=line, user=reviewer, status="valid", voter_id=maria.pk)
    (pledge,) = fresh(pledge)
    assert (decided.status, decided.voter) == ("valid", maria)
    assert (pledge.status, pledge.duplicate_of_id) == ("duplicate", decided.pk)
    counts = counts_after_counting(calexit)
    assert (counts.raw, counts.valid, counts.pledged) == (1, 1, 0)


def test_where_online_signatures_count_directly_the_first_signature_still_counts(calexit):
    calexit.online_counts_directly = True
    calexit.save()
    VoterFactory()
    online = validated()
    line = paper_line(calexit, line=1)
    assert (online.status, line.status, line.duplicate_of_id) == ("valid", "duplicate", online.pk)
    counts = counts_after_counting(calexit)
    assert (counts.raw, counts.valid, counts.duplicate) == (2, 1, 1)
