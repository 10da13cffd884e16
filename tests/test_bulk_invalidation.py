"""Bulk invalidation (services/bulk.py, issue 14 item 6): the preview counts what the run changes, a
cancel between batches leaves every signature either changed with its item or untouched, the tallies
moved with it equal a recount, undo restores, who may do it, and the audit rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from petitions.models import (
    AuditLog,
    BulkInvalidation,
    BulkInvalidationItem,
    Circulator,
    PetitionSection,
    Signature,
    Tally,
)
from petitions.services import bulk
from petitions.services.bulk import (
    BulkRefused,
    bulk_cancel,
    bulk_preview,
    bulk_run,
    bulk_start,
    bulk_undo,
    bulk_undo_run,
)
from petitions.services.tallies import tallies_count, tallies_recount
from tests.conftest import login_verified
from tests.factories import SignatureFactory, VoterFactory, in_review, paper_line, validated

pytestmark = pytest.mark.django_db

BAD = "a" * 64  # the client address hash of a bot
Status = Signature.Status


@pytest.fixture
def campaign(calexit, run_on_commit):
    """Ten signatures from one client address (valid, duplicates, pending, review, an invalid one),
    five from others; one valid signature from the bad address whose voter also signed elsewhere."""
    with run_on_commit():
        for n in range(4):
            VoterFactory(first_name=f"Bot{n}", last_name="Smith")
            validated(first_name=f"Bot{n}", last_name="Smith", ip_hash=BAD, email=f"bot{n}@spam.test")
        validated(first_name="Bot0", last_name="Smith", ip_hash=BAD)  # a duplicate, selected
        SignatureFactory.create(ip_hash=BAD, first_name="Queued")  # pending
        SignatureFactory.create(ip_hash=BAD, first_name="Queued2")  # pending
        in_review(ip_hash=BAD, first_name="Unsure")
        validated(first_name="Nobody", last_name="Known", ip_hash=BAD)  # invalid (not registered): left
        SignatureFactory.create(ip_hash=BAD, status=Status.UNCONFIRMED)  # never counted: left
        VoterFactory(first_name="Real", last_name="Person")
        for n in range(3):
            validated(first_name="Real", last_name="Person", ip_hash=f"{n}" * 64)  # one valid, two duplicates
        validated(first_name="Bot1", last_name="Smith", ip_hash="f" * 64)  # the duplicate of a bot vote
    tallies_count()
    return calexit


def states(petition) -> dict[int, tuple]:
    return {
        pk: (status, reason, duplicate_of)
        for pk, status, reason, duplicate_of in Signature.objects.filter(petition=petition).values_list(
            "pk", "status", "reason", "duplicate_of"
        )
    }


def tallies() -> dict[tuple, int]:
    return {
        row[:4]: row[4]
        for row in Tally.objects.values_list("petition_id", "county_id", "filed", "status", "count")
        if row[4]
    }


def no_drift() -> None:
    tallies_count()
    run = tallies_recount()
    assert run is not None
    assert run.drift == []


def test_preview_equals_the_result_and_tallies_equal_a_recount(campaign, organizer, run_on_commit):
    before = states(campaign)
    preview = bulk_preview(user=organizer, petition=campaign, criteria={"ip_hash": BAD}, reason="fraud")
    chosen = {pk for pk, (status, *_rest) in before.items() if status in bulk.SELECTED_STATUSES}
    chosen &= set(Signature.objects.filter(ip_hash=BAD).values_list("pk", flat=True))
    assert preview.count == len(chosen) == 8
    assert [row["id"] for row in preview.sample] == sorted(chosen)
    assert preview.personal and preview.sample[0]["email"] == "bot0@spam.test"

    bulk_start(run=preview.run, user=organizer)  # (its task, queued after commit, is run here instead)
    with run_on_commit():
        run = bulk_run(run_id=preview.run.pk, batch=3)
    assert run is not None
    assert run.status == BulkInvalidation.Status.DONE
    assert run.done == run.total == preview.count
    changed = set(Signature.objects.filter(status=Status.INVALID, reason="fraud").values_list("pk", flat=True))
    assert changed == chosen == set(run.items.values_list("signature_id", flat=True))
    assert Signature.objects.filter(pk__in=changed, decided_by=organizer).count() == len(chosen)
    # Bot1's other signature, a duplicate of the invalidated one, was validated again and counts now.
    freed = Signature.objects.get(first_name="Bot1", ip_hash="f" * 64)
    assert freed.status == Status.VALID and freed.duplicate_of is None
    no_drift()


def test_cancel_after_the_first_batch_leaves_a_consistent_state(campaign, organizer, run_on_commit):
    before = states(campaign)
    preview = bulk_preview(user=organizer, petition=campaign, criteria={"ip_hash": BAD}, reason="fraud")
    bulk_start(run=preview.run, user=organizer)
    batches = []

    def cancel_after_first(run):
        batches.append(run.done)
        if len(batches) == 1:
            bulk_cancel(run=run, user=organizer)

    with run_on_commit():
        run = bulk_run(run_id=preview.run.pk, batch=3, after_batch=cancel_after_first)
    assert run is not None
    assert run.status == BulkInvalidation.Status.CANCELLED and run.finished_at is not None
    assert batches == [3]
    assert run.done == 3 < preview.count
    items = {item.signature_id: item for item in run.items.all()}
    assert len(items) == 3
    for pk, (status, reason, duplicate_of) in before.items():
        now = Signature.objects.get(pk=pk)
        if pk in items:  # fully changed, with its previous state recorded
            assert (now.status, now.reason, now.duplicate_of_id) == (Status.INVALID, "fraud", None)
            assert (items[pk].previous_status, items[pk].previous_duplicate_of_id) == (status, duplicate_of)
        elif now.ip_hash == BAD:  # untouched
            assert (now.status, now.reason, now.duplicate_of_id) == (status, reason, duplicate_of)
    no_drift()


def test_undo_restores_statuses_and_tallies(campaign, organizer, run_on_commit):
    tallies_recount()
    counts_before = tallies()
    before = states(campaign)
    preview = bulk_preview(user=organizer, petition=campaign, criteria={"email_domain": "@SPAM.test"}, reason="fraud")
    assert preview.count == 4  # the four bots' first signatures
    bulk_start(run=preview.run, user=organizer)
    with run_on_commit():
        bulk_run(run_id=preview.run.pk, batch=3)
    no_drift()
    assert tallies() != counts_before

    undoing = bulk_undo(run=preview.run, user=organizer)  # (its task is run here instead)
    assert undoing.status == BulkInvalidation.Status.UNDOING
    with run_on_commit():
        run = bulk_undo_run(run_id=preview.run.pk, batch=3)
    assert run is not None and run.status == BulkInvalidation.Status.UNDONE and run.undone_at is not None
    assert run.done == 4 and not run.items.filter(restored_at__isnull=True).exists()
    after = states(campaign)
    # Bot0 and Bot1 count once each: a duplicate the run freed counts already, so the restored
    # signature is its duplicate now (validation decides, as both rank alike). Every other
    # signature is as it was.
    moved = set(Signature.objects.filter(first_name__in=["Bot0", "Bot1"]).values_list("pk", flat=True))
    for name in ["Bot0", "Bot1"]:
        theirs = Signature.objects.filter(first_name=name)
        counting = theirs.get(status=Status.VALID)
        assert set(theirs.exclude(pk=counting.pk).values_list("status", "duplicate_of")) == {
            (Status.DUPLICATE, counting.pk)
        }
    assert {pk: state for pk, state in after.items() if pk not in moved} == {
        pk: state for pk, state in before.items() if pk not in moved
    }
    no_drift()
    assert tallies() == counts_before  # the same numbers: Bot1 counts once, through either signature

    with pytest.raises(BulkRefused):
        bulk_undo(run=run, user=organizer)


def test_undo_leaves_a_signature_changed_since_the_run(campaign, organizer, run_on_commit):
    preview = bulk_preview(user=organizer, petition=campaign, criteria={"ip_hash": BAD}, reason="fraud")
    bulk_start(run=preview.run, user=organizer)
    with run_on_commit():
        bulk_run(run_id=preview.run.pk)
    changed = preview.run.items.first().signature
    Signature.objects.filter(pk=changed.pk).update(reason="withdrawn")  # (a tally-neutral change since)
    bulk_undo(run=preview.run, user=organizer)
    with run_on_commit():
        bulk_undo_run(run_id=preview.run.pk)
    changed.refresh_from_db()
    assert (changed.status, changed.reason) == (Status.INVALID, "withdrawn")
    undone = AuditLog.objects.get(action="bulk.undone")
    assert undone.detail["changed_since"] == 1
    no_drift()


def test_criteria_time_window_circulator_and_section(calexit, organizer):
    circulator = Circulator.objects.create(petition=calexit, name="Sam Circulator")
    section = PetitionSection.objects.create(petition=calexit, number="S-X", county_id="34", circulator=circulator)
    lines = [
        SignatureFactory.create(channel=Signature.Channel.PAPER, section=section, line=n, email="") for n in (1, 2, 3)
    ]
    other = paper_line(calexit, validate=False)
    old = SignatureFactory.create()
    Signature.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))

    def ids(**criteria):
        return [
            row["id"]
            for row in bulk_preview(user=organizer, petition=calexit, criteria=criteria, reason="fraud").sample
        ]

    assert ids(circulator=circulator.pk) == [line.pk for line in lines]
    assert ids(section=section.pk) == [line.pk for line in lines]
    window = {"created_from": timezone.now() - timedelta(days=4), "created_to": timezone.now() - timedelta(days=2)}
    assert ids(**window) == [old.pk]
    assert ids(created_from=timezone.now() - timedelta(days=1)) == [line.pk for line in lines] + [other.pk]
    for criteria, message in [
        ({}, "at least one criterion"),
        ({"created_from": timezone.now(), "created_to": timezone.now() - timedelta(days=1)}, "end after"),
        ({"circulator": 999999}, "No such circulator"),
        ({"section": 999999}, "No such section"),
    ]:
        with pytest.raises(BulkRefused, match=message):
            bulk_preview(user=organizer, petition=calexit, criteria=criteria, reason="fraud")
    with pytest.raises(BulkRefused, match="reason"):
        bulk_preview(user=organizer, petition=calexit, criteria={"ip_hash": BAD}, reason="not_registered")


def test_only_organizers_and_audit_rows(campaign, organizer, reviewer, volunteer, run_on_commit):
    for user in (reviewer, volunteer):
        with pytest.raises(BulkRefused, match="Organizer"):
            bulk_preview(user=user, petition=campaign, criteria={"ip_hash": BAD}, reason="fraud")
    preview = bulk_preview(user=organizer, petition=campaign, criteria={"ip_hash": BAD}, reason="fraud")
    with pytest.raises(BulkRefused, match="Organizer"):
        bulk_start(run=preview.run, user=reviewer)
    bulk_start(run=preview.run, user=organizer)
    with pytest.raises(BulkRefused, match="started already"):
        bulk_start(run=preview.run, user=organizer)
    with run_on_commit():
        bulk_run(run_id=preview.run.pk)
    assert bulk_run(run_id=preview.run.pk).done == preview.count  # a second run does nothing
    assert BulkInvalidationItem.objects.count() == preview.count
    bulk_undo(run=preview.run, user=organizer)
    with run_on_commit():
        bulk_undo_run(run_id=preview.run.pk)
    rows = {row.action: row for row in AuditLog.objects.filter(action__startswith="bulk.")}
    assert set(rows) == {"bulk.preview", "bulk.start", "bulk.finished", "bulk.undo", "bulk.undone"}
    assert rows["bulk.preview"].user == organizer
    assert rows["bulk.preview"].detail["shown"] == [row["id"] for row in preview.sample]
    assert rows["bulk.preview"].detail["count"] == preview.count
    assert rows["bulk.finished"].detail["changed"] == preview.count
    assert rows["bulk.undone"].detail["restored"] == preview.count
    assert {rows[a].object_id for a in rows} == {str(preview.run.pk)}


# --- The dashboard page -------------------------------------------------------------------------


def signed_in(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def test_page_for_organizers_only(campaign, organizer, reviewer, volunteer):
    url = reverse("petitions:bulk")
    for user in (reviewer, volunteer):
        assert signed_in(user).get(url).status_code == 403
        assert signed_in(user).post(url, {"client_address": BAD, "reason": "fraud"}).status_code == 403
    assert signed_in(organizer).get(url).status_code == 200
    assert not AuditLog.objects.filter(action="bulk.preview").exists()


def test_page_errors_per_field(campaign, organizer):
    client = signed_in(organizer)
    response = client.post(reverse("petitions:bulk"), {"reason": "fraud"})
    assert response.status_code == 400
    assert b"Give at least one criterion" in response.content
    response = client.post(
        reverse("petitions:bulk"),
        {"created_from": "yesterday", "circulator": "x", "reason": "nonsense", "email_domain": "not a domain"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) >= {"created_from", "circulator", "reason", "email_domain"}
    assert not BulkInvalidation.objects.exists()


def test_page_preview_start_progress_cancel_undo(campaign, organizer, client, settings):
    settings.EXPORT_ON_A_THREAD = False
    login_verified(client, organizer)
    response = client.post(reverse("petitions:bulk"), {"client_address": BAD, "reason": "fraud", "note": "bot"})
    run = BulkInvalidation.objects.get()
    assert response.status_code == 200
    assert b"8 signatures selected" in response.content and b"bot0@spam.test" in response.content
    assert b"Invalidate 8 signatures" in response.content
    response = client.post(reverse("petitions:bulk_start", args=[run.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("petitions:bulk_detail", args=[run.pk])
    assert client.get(response["Location"]).status_code == 200
    state = client.get(reverse("petitions:bulk_status", args=[run.pk])).json()
    assert state["status"] == "done" and state["done"] == 8 and state["percent"] == 100
    assert client.post(reverse("petitions:bulk_cancel", args=[run.pk])).status_code == 409
    client.post(reverse("petitions:bulk_undo", args=[run.pk]))
    assert client.get(reverse("petitions:bulk_status", args=[run.pk])).json()["status"] == "undone"
    assert Signature.objects.filter(reason="fraud").count() == 0


def test_circulators_of_the_same_name_can_be_told_apart_in_the_criteria(calexit):
    from petitions.views.bulk import BulkForm

    first = Circulator.objects.create(petition=calexit, name="Alex Delgado", city="Fresno")
    second = Circulator.objects.create(petition=calexit, name="Alex Delgado", city="Fresno")

    labels = dict(BulkForm(petition=calexit).fields["circulator"].choices)

    assert labels[first.pk] != labels[second.pk]
    assert labels[first.pk] == f"Alex Delgado, Fresno (no. {first.pk})"
