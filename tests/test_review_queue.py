"""The review queue: a reviewer decides the signatures the matcher could not."""

from __future__ import annotations

import datetime
import re
import threading
from html.parser import HTMLParser

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from petitions.models import AuditLog, Petition, PetitionSection, Signature
from petitions.selectors import petition_counts
from petitions.services.review import SignatureNotInReview, signature_decide
from petitions.services.tallies import tallies_count
from tests.conftest import login_verified, wait_for
from tests.factories import SignatureFactory, VoterFactory, in_review

pytestmark = pytest.mark.usefixtures("private_cache")  # reviewers' leases: tests/conftest.py

QUEUE = "/dashboard/review/"


def paper_in_review(*voters, line: int = 1, **fields) -> Signature:
    section, _ = PetitionSection.objects.get_or_create(
        petition=Petition.objects.get(slug="calexit"), number="S-1", defaults={"county_id": "34"}
    )
    fields = {"first_name": "", "last_name": "", "email": "", **fields}
    return in_review(*voters, channel="paper", section=section, line=line, **fields)


def decide(client, signature: Signature, **data):
    return client.post(f"/dashboard/review/{signature.pk}/decide/", data)


def shown_signature_id(response) -> int | None:
    match = re.search(r'id="review"[^>]*data-signature="(\d+)"', response.content.decode())
    return int(match.group(1)) if match else None


def flashes(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


class _Cells(HTMLParser):
    """(field, candidate) of every cell of the comparison table, and which carry a class."""

    def __init__(self, css_class: str):
        super().__init__()
        self.css_class = css_class
        self.cells: set[tuple[str, int]] = set()
        self.marked: set[tuple[str, int]] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "td" and "data-candidate" in attributes and "data-field" in attributes:
            cell = (attributes["data-field"], int(attributes["data-candidate"]))
            self.cells.add(cell)
            if self.css_class in (attributes.get("class") or "").split():
                self.marked.add(cell)


def highlighted(response) -> set[tuple[str, int]]:
    parser = _Cells("review-diff")
    parser.feed(response.content.decode())
    assert parser.cells, "no comparison table on the page"
    return parser.marked


# --- Who may use it ------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page(client, calexit):
    signature = in_review(VoterFactory())

    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/dashboard/review/")

    response = decide(client, signature, action="reject", reason="fraud")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    signature.refresh_from_db()
    assert signature.status == "review"


@pytest.mark.django_db
def test_volunteers_without_the_review_permission_are_refused(client, calexit, volunteer):
    signature = in_review(VoterFactory())
    client.force_login(volunteer)

    assert client.get(QUEUE).status_code == 403
    assert decide(client, signature, action="reject", reason="fraud").status_code == 403
    signature.refresh_from_db()
    assert signature.status == "review"
    assert not AuditLog.objects.filter(action__startswith="signature.").exists()


@pytest.mark.django_db
def test_the_dashboard_links_to_the_queue_only_for_those_who_may_review(client, calexit, volunteer, reviewer):
    client.force_login(volunteer)
    assert 'id="review-link"' not in client.get("/dashboard/").content.decode()

    login_verified(client, reviewer)
    page = client.get("/dashboard/").content.decode()
    assert re.search(
        r'<a [^>]*id="review-link"[^>]*href="/dashboard/review/\?petition=calexit"[^>]*>Review queue \(0\)</a>', page
    )


# --- Showing a signature -----------------------------------------------------------


@pytest.mark.django_db
def test_the_oldest_signature_in_review_is_shown_with_its_candidates_the_count_left_and_the_keys(
    client, calexit, reviewer
):
    maria, mario = VoterFactory(first_name="Maria"), VoterFactory(first_name="Mario")
    oldest = in_review(maria, mario)
    in_review(maria)
    SignatureFactory(status="pending")  # not in the queue
    login_verified(client, reviewer)

    response = client.get(QUEUE)

    assert response.status_code == 200
    assert shown_signature_id(response) == oldest.pk
    page = response.content.decode()
    assert 'id="queue-left">2 left<' in page
    assert maria.registrant_id in page and mario.registrant_id in page
    # A form per key: 1..k accept a candidate, letters reject with a reason, s (or j) skips.
    assert re.findall(r'data-keys="([^"]+)"', page) == ["1", "2", "n", "a", "w", "i", "f", "s j"]
    legend = page[page.index('id="keys-legend"') :]
    for key in ["1", "2", "n", "a", "w", "i", "f", "s", "j"]:
        assert f"<kbd>{key}</kbd>" in legend
    assert "no-store" in response["Cache-Control"]  # personal data: not kept by the browser


@pytest.mark.django_db
def test_showing_a_signature_leaves_an_audit_row_since_the_reviewer_sees_personal_data(client, calexit, reviewer):
    maria, other = VoterFactory(), VoterFactory(first_name="Mario")
    signature = in_review(maria, other)
    login_verified(client, reviewer)

    client.get(QUEUE)

    row = AuditLog.objects.get(action="signature.review_view")
    assert (row.user, row.actor, row.object_type, row.object_id) == (
        reviewer,
        "reviewer",
        "petitions.signature",
        str(signature.pk),
    )
    assert row.detail["candidates"] == [maria.pk, other.pk]


@pytest.mark.django_db
def test_the_candidate_fields_that_differ_from_the_signature_are_highlighted_and_only_those(client, calexit, reviewer):
    same_person = VoterFactory(
        first_name="MARIA",
        middle_name="LUCIA",
        last_name="GARCÍA",
        address_number="01200",
        street_name="J",
        street_type="ST",
        unit_type="APT",
        unit_number="4",
        city="SACRAMENTO",
        zip="95814",
        dob=datetime.date(1980, 2, 3),
    )
    someone_else = VoterFactory(
        first_name="MARIO",
        middle_name="ANDRES",
        last_name="GARCIA",
        address_number="1210",
        street_name="K",
        street_type="ST",
        city="SACRAMENTO",
        zip="95814-2201",
        dob=datetime.date(1981, 2, 3),
        county_id="19",
    )
    in_review(
        same_person,
        someone_else,
        first_name="maria",
        middle_name="L.",
        last_name="Garcia",
        address="1200 J Street",
        unit="#4",
        city="sacramento",
        zip="95814",
        dob=datetime.date(1980, 2, 3),
    )
    login_verified(client, reviewer)

    response = client.get(QUEUE)

    assert highlighted(response) == {
        ("first_name", 2),
        ("middle_name", 2),
        ("house", 2),
        ("street", 2),
        ("unit", 2),
        ("dob", 2),
        ("county", 2),
    }


@pytest.mark.django_db
def test_a_paper_signature_is_compared_from_its_printed_name_and_address_as_written(client, calexit, reviewer):
    voter = VoterFactory(
        first_name="ROBERT",
        middle_name="JAMES",
        last_name="SMITH",
        suffix="JR",
        address_number="55",
        street_dir_prefix="N",
        street_name="MAIN",
        street_type="ST",
        zip="95815",
    )
    paper_in_review(
        voter, name_as_written="Smith, Robert J", address="55 North Main Street Apt 7", city="Sacramento", zip=""
    )
    login_verified(client, reviewer)

    response = client.get(QUEUE)

    page = response.content.decode()
    assert "Smith, Robert J" in page and "55 North Main Street Apt 7" in page
    # No suffix written against JR; unit 7 against none; ZIP and birth date not given on paper.
    assert highlighted(response) == {("suffix", 1), ("unit", 1)}
    assert re.search(r'data-field="zip" data-column="signature">not given<', page)


@pytest.mark.django_db
def test_accepting_a_voter_already_counted_is_flagged_on_the_page(client, calexit, reviewer):
    voter = VoterFactory()
    counted = SignatureFactory(status="valid", voter=voter)
    in_review(voter)
    login_verified(client, reviewer)

    page = client.get(QUEUE).content.decode()

    assert f"yes, signature #{counted.pk}" in page


# --- Deciding ------------------------------------------------------------------------


@pytest.mark.django_db
def test_accepting_candidate_2_makes_the_signature_valid_for_that_voter_and_shows_the_next(client, calexit, reviewer):
    first, second = VoterFactory(first_name="Maria"), VoterFactory(first_name="Marta")
    signature = in_review(first, second)
    following = in_review(first)
    login_verified(client, reviewer)

    response = decide(client, signature, action="accept", voter=second.pk)

    assert response.status_code == 302 and response["Location"] == "/dashboard/review/?petition=calexit"
    signature.refresh_from_db()
    assert (signature.status, signature.reason, signature.voter, signature.decided_by) == (
        "valid",
        "",
        second,
        reviewer,
    )
    page = client.get(response["Location"])
    assert flashes(page) == [f"Signature #{signature.pk}: valid (voter {second.registrant_id})"]
    assert shown_signature_id(page) == following.pk
    audit = AuditLog.objects.get(action="signature.decide")
    assert (audit.user, audit.object_id) == (reviewer, str(signature.pk))
    assert audit.detail["before"] == {"status": "review", "reason": "", "voter": None}
    assert audit.detail["after"] == {"status": "valid", "reason": "", "voter": second.pk, "duplicate_of": None}
    assert audit.created_at is not None


@pytest.mark.django_db
def test_accepting_a_voter_who_already_counts_makes_a_duplicate(client, calexit, reviewer):
    voter = VoterFactory()
    counted = SignatureFactory(status="valid", voter=voter)
    signature = in_review(voter)
    login_verified(client, reviewer)

    response = decide(client, signature, action="accept", voter=voter.pk)

    signature.refresh_from_db()
    assert (signature.status, signature.duplicate_of, signature.voter) == ("duplicate", counted, voter)
    assert flashes(client.get(response["Location"])) == [
        f"Signature #{signature.pk}: duplicate of #{counted.pk} (voter {voter.registrant_id} already counts)"
    ]


@pytest.mark.django_db
def test_only_a_voter_among_the_candidates_can_be_accepted(client, calexit, reviewer):
    signature = in_review(VoterFactory())
    stranger = VoterFactory(first_name="Someone")
    login_verified(client, reviewer)

    assert decide(client, signature, action="accept", voter=stranger.pk).status_code == 400
    assert decide(client, signature, action="accept", voter="").status_code == 400
    assert decide(client, signature, action="reject", reason="withdrawn").status_code == 400
    assert decide(client, signature, action="valid").status_code == 400
    assert client.get(f"/dashboard/review/{signature.pk}/decide/").status_code == 405
    signature.refresh_from_db()
    assert signature.status == "review"


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["not_registered", "address_mismatch", "wrong_county", "incomplete", "fraud"])
def test_rejecting_with_a_reason_makes_the_signature_invalid(client, calexit, reviewer, reason):
    signature = in_review(VoterFactory())
    login_verified(client, reviewer)

    response = decide(client, signature, action="reject", reason=reason)

    signature.refresh_from_db()
    assert (signature.status, signature.reason, signature.voter, signature.decided_by) == (
        "invalid",
        reason,
        None,
        reviewer,
    )
    assert flashes(client.get(response["Location"])) == [f"Signature #{signature.pk}: invalid ({reason})"]
    audit = AuditLog.objects.get(action="signature.decide")
    assert audit.detail["after"]["status"] == "invalid" and audit.detail["after"]["reason"] == reason


@pytest.mark.django_db
def test_a_decided_signature_is_not_shown_again(client, calexit, reviewer, organizer):
    voter = VoterFactory()
    first, second = in_review(voter), in_review(voter)
    login_verified(client, reviewer)
    decide(client, first, action="reject", reason="not_registered")

    assert shown_signature_id(client.get(QUEUE)) == second.pk
    login_verified(client, organizer)  # another reviewer, too
    assert shown_signature_id(client.get(QUEUE)) == second.pk

    decide(client, second, action="reject", reason="fraud")
    response = client.get(QUEUE)
    assert shown_signature_id(response) is None
    assert 'id="queue-empty"' in response.content.decode()
    assert 'id="queue-left">0 left<' in response.content.decode()


@pytest.mark.django_db
def test_skipping_shows_the_next_and_keeps_the_skipped_one_for_later(client, calexit, reviewer):
    voter = VoterFactory()
    first, second = in_review(voter), in_review(voter)
    login_verified(client, reviewer)

    response = decide(client, first, action="skip")

    first.refresh_from_db()
    assert first.status == "review" and first.decided_by is None
    page = client.get(response["Location"])
    assert flashes(page) == [f"Signature #{first.pk}: skipped."]
    assert shown_signature_id(page) == second.pk

    decide(client, second, action="skip")
    page = client.get(QUEUE)
    assert shown_signature_id(page) is None
    assert "the 2 signatures you skipped" in page.content.decode()
    client.post(QUEUE)  # review the skipped ones again
    assert shown_signature_id(client.get(QUEUE)) == first.pk
    assert not AuditLog.objects.filter(action="signature.decide").exists()


@pytest.mark.django_db
def test_two_reviewers_looking_at_the_queue_at_once_are_shown_different_signatures(
    client, calexit, reviewer, organizer
):
    voter = VoterFactory()
    first, second = in_review(voter), in_review(voter)
    other = Client()
    login_verified(client, reviewer)
    login_verified(other, organizer)

    assert shown_signature_id(client.get(QUEUE)) == first.pk
    assert shown_signature_id(other.get(QUEUE)) == second.pk
    assert shown_signature_id(client.get(QUEUE)) == first.pk  # still theirs on reload


@pytest.mark.django_db
def test_a_second_decision_on_the_same_signature_is_refused_with_a_message(client, calexit, reviewer, organizer):
    first_voter, second_voter = VoterFactory(), VoterFactory(first_name="Marta")
    signature = in_review(first_voter, second_voter)
    login_verified(client, reviewer)
    decide(client, signature, action="accept", voter=first_voter.pk)

    other = Client()  # another reviewer, who had the same signature open
    login_verified(other, organizer)
    response = decide(other, signature, action="reject", reason="fraud")

    assert response.status_code == 302
    assert flashes(other.get(response["Location"])) == [
        f"Signature #{signature.pk} was already decided by reviewer: it is valid. Your decision was not recorded."
    ]
    signature.refresh_from_db()
    assert (signature.status, signature.reason, signature.voter, signature.decided_by) == (
        "valid",
        "",
        first_voter,
        reviewer,
    )
    assert AuditLog.objects.filter(action="signature.decide").count() == 1


@pytest.mark.django_db
def test_the_service_refuses_a_signature_that_is_not_in_review(calexit, reviewer):
    voter = VoterFactory()
    for status in ["pending", "unconfirmed", "valid", "invalid"]:
        extra = {"reason": "fraud"} if status == "invalid" else {"voter": voter} if status == "valid" else {}
        signature = SignatureFactory(status=status, **extra)
        with pytest.raises(
            SignatureNotInReview, match=f"Signature #{signature.pk} is no longer in review: it is {status} now."
        ):
            signature_decide(signature=signature, user=reviewer, status="invalid", reason="fraud")
        signature.refresh_from_db()
        assert signature.status == status and signature.decided_by is None
    signature = in_review(voter)
    with pytest.raises(ValueError):
        signature_decide(signature=signature, user=reviewer, status="invalid")
    with pytest.raises(ValueError):
        signature_decide(signature=signature, user=reviewer, status="valid")
    with pytest.raises(ValueError):
        signature_decide(signature=signature, user=reviewer, status="duplicate")


# --- The numbers follow ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_tallies_move_from_review_to_valid_and_invalid_after_the_counting_run(client, calexit, reviewer):
    voter, other = VoterFactory(), VoterFactory(first_name="Marta")
    on_paper = paper_in_review(voter, name_as_written="Maria Garcia", address="1200 J St", city="Sacramento")
    online = in_review(other)  # California: online signatures are not filed until their wet-ink form returns
    tallies_count()
    counts = petition_counts(calexit)
    assert (counts.statewide.review, counts.online["review"]) == (1, 1)
    login_verified(client, reviewer)
    assert "Review queue (2)" in client.get("/dashboard/").content.decode()

    decide(client, on_paper, action="accept", voter=voter.pk)
    decide(client, online, action="reject", reason="address_mismatch")
    assert petition_counts(calexit).statewide.review == 1  # until the counting run
    tallies_count()

    counts = petition_counts(calexit)
    assert (counts.statewide.review, counts.statewide.valid, counts.statewide.raw) == (0, 1, 1)
    assert (counts.online["review"], counts.online["invalid"]) == (0, 1)
    sacramento = next(row for row in counts.by_county if row.code == "34")
    assert (sacramento.review, sacramento.valid) == (0, 1)
    assert "Review queue (0)" in client.get("/dashboard/").content.decode()


# --- Two reviewers at the same moment (PostgreSQL row locks) -----------------------------


def backend_pid() -> int:
    """This thread's PostgreSQL backend."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        row = cursor.fetchone()
    assert row is not None
    return row[0]


def blocked_by_this_session(pid: int) -> bool:
    """Whether backend `pid` is waiting for a lock this thread's transaction holds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid() = ANY(pg_blocking_pids(%s))", [pid])
        row = cursor.fetchone()
    assert row is not None
    return row[0]


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_reviewer_deciding_at_the_same_moment_waits_and_is_refused(django_user_model):
    from petitions.services.roles import roles_ensure

    groups = roles_ensure()
    first_reviewer = django_user_model.objects.create_user("first")
    second_reviewer = django_user_model.objects.create_user("second")
    for user in (first_reviewer, second_reviewer):
        user.groups.add(groups["Reviewer"])
    voter, other = VoterFactory(), VoterFactory(first_name="Marta")
    signature = in_review(voter, other)
    outcome: list[object] = []
    second_backend: list[int] = []  # the PostgreSQL backend of the second reviewer's connection

    def second_decides():
        try:
            second_backend.append(backend_pid())
            signature_decide(signature=signature, user=second_reviewer, status="valid", voter_id=other.pk)
            outcome.append("decided")
        except SignatureNotInReview as refused:
            outcome.append(refused)
        finally:
            connections.close_all()

    with transaction.atomic():
        signature_decide(signature=signature, user=first_reviewer, status="valid", voter_id=voter.pk)
        racer = threading.Thread(target=second_decides)
        racer.start()
        wait_for(
            lambda: second_backend and blocked_by_this_session(second_backend[0]),
            timeout=10,
            what="the second decision to wait for the first's row lock",
        )
        assert racer.is_alive(), "the second decision did not wait for the first to commit"
    racer.join(timeout=30)

    assert len(outcome) == 1 and isinstance(outcome[0], SignatureNotInReview)
    signature.refresh_from_db()
    assert (signature.status, signature.voter, signature.decided_by) == ("valid", voter, first_reviewer)
    assert AuditLog.objects.filter(action="signature.decide").count() == 1
