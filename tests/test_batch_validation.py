"""Validating signatures as a set (the workers' path): the same decisions as one
at a time, duplicates resolved inside the batch and against what already
counts, tallies that agree with a recount, and a lost race that loses nothing."""

import logging
import threading
from collections.abc import Mapping
from datetime import date
from typing import Any
from unittest import mock

import pytest
from django.db import connection, connections, transaction

from petitions import queue, tasks
from petitions.models import Signature, TallyChange
from petitions.services.tallies import tallies_count, tallies_recount
from petitions.validation import engine
from petitions.validation.engine import Decision, decide, decide_many, prepare
from petitions.validation.validate import signature_validate, signatures_validate
from tests.conftest import wait_for
from tests.factories import SignatureFactory, VoterFactory, paper_line, voter_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(calexit):
    """A small voter file and a signature of every kind the engine decides."""
    maria = VoterFactory()
    robert = VoterFactory(
        first_name="Robert", last_name="Smith", address_number="15", street_name="Oak", street_type="AVE"
    )
    VoterFactory(first_name="John", last_name="Lee", suffix="SR", address_number="7", street_name="Elm")
    junior = VoterFactory(
        first_name="John", last_name="Lee", suffix="JR", address_number="7", street_name="Elm", dob=date(1990, 5, 1)
    )
    VoterFactory(first_name="Ana", last_name="Reyes", address_number="300", street_name="Capitol", street_type="MALL")
    VoterFactory(
        first_name="Luis",
        last_name="Ortega",
        county_id="01",
        city="Oakland",
        zip="94612",
        address_number="44",
        street_name="Broadway",
        street_type="",
    )
    VoterFactory(first_name="Mario", last_name="Rossi", address_number="9", street_name="Pine")
    VoterFactory(first_name="Maria", last_name="Rossi", address_number="9", street_name="Pine")
    made = [
        SignatureFactory(),  # valid
        SignatureFactory(first_name="Bob", last_name="Smith", address="15 Oak Avenue"),  # nickname, valid
        SignatureFactory(first_name="John", last_name="Lee", suffix="Jr", address="7 Elm St", dob=date(1990, 5, 1)),
        SignatureFactory(first_name="Ana", last_name="Reyes", address="12 K St"),  # address_mismatch
        SignatureFactory(first_name="Luis", last_name="Ortega", address="44 Broadway"),  # wrong_county
        SignatureFactory(first_name="Nobody", last_name="Known", address="1 Nowhere Rd"),  # not_registered
        SignatureFactory(first_name="", last_name="Garcia"),  # incomplete
        SignatureFactory(first_name="Mari", last_name="Rossi", address="9 Pine St"),  # Mario or Maria: review
        paper_line(
            calexit, name="Robert Smith", address="15 Oak Ave", line=1, validate=False
        ),  # Robert again, filed: his pledge is the duplicate
        paper_line(
            calexit, name="Nobody Known", address="1 Nowhere Rd", line=2, validate=False
        ),  # the unregistered person again
    ]
    return {"maria": maria, "robert": robert, "junior": junior, "signatures": made}


def _summary(decision) -> tuple:
    return (
        decision.status,
        decision.reason,
        decision.voter.pk if decision.voter else None,
        decision.score,
        decision.scored,
        decision.person_key,
    )


def test_a_batch_decides_every_signature_as_it_would_be_decided_alone(town):
    batch = list(
        Signature.objects.select_related("petition").filter(pk__in=[s.pk for s in town["signatures"]]).order_by("pk")
    )
    alone = [_summary(decide(signature)) for signature in batch]
    together = [_summary(decision) for decision in decide_many(batch)]
    assert together == alone
    # The fixture covers every outcome the engine gives, so the comparison covers every path.
    assert {(status, reason) for status, reason, *_ in alone} == {
        ("valid", ""),
        ("invalid", "address_mismatch"),
        ("invalid", "wrong_county"),
        ("invalid", "not_registered"),
        ("invalid", "incomplete"),
        ("review", ""),
    }


def test_a_batch_records_each_outcome_with_voter_duplicates_and_tallies(town):
    made = town["signatures"]
    done = signatures_validate(signature_ids=[s.pk for s in made])
    assert sorted(s.pk for s in done) == sorted(s.pk for s in made)
    rows = {s.pk: s for s in Signature.objects.filter(pk__in=[s.pk for s in made])}
    online_robert, paper_robert = rows[made[1].pk], rows[made[8].pk]
    # Robert's paper line is filed: it counts, and his online pledge is its duplicate.
    assert (paper_robert.status, paper_robert.voter) == ("valid", town["robert"])
    assert (online_robert.status, online_robert.voter_id, online_robert.duplicate_of_id) == (
        "duplicate",
        town["robert"].pk,
        paper_robert.pk,
    )
    unregistered, again = rows[made[5].pk], rows[made[9].pk]
    assert (unregistered.status, unregistered.reason) == ("invalid", "not_registered")
    assert (again.status, again.duplicate_of_id, again.voter_id) == ("duplicate", unregistered.pk, None)
    assert (rows[made[2].pk].status, rows[made[2].pk].voter) == ("valid", town["junior"])
    assert rows[made[7].pk].status == "review" and len(rows[made[7].pk].match_candidates) == 2
    assert all(s.validated_at is not None and s.match_score is not None for s in rows.values() if s.status == "valid")
    tallies_count()
    run = tallies_recount()
    assert run is not None and run.drift == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_batch_is_judged_with_the_cycle_collector_paused_and_leaves_it_as_it_found_it(town):
    """No cycle collection starts inside a batch's transaction, where it is judged and written
    (reference counting frees what it makes); afterwards the collector is on again, unless the
    process had switched it off. (A transactional test: the batch's transaction is the only one.)"""
    import gc

    inside: list[int] = []  # the generation of each collection started inside a transaction

    def started(phase, info):
        if phase == "start" and connection.in_atomic_block:
            inside.append(info["generation"])

    ids = [s.pk for s in town["signatures"]]
    thresholds = gc.get_threshold()
    gc.set_threshold(1)  # a collection as soon as one new object stays: any work left unpaused starts some
    gc.callbacks.append(started)
    try:
        with transaction.atomic():  # the same judging in a transaction, with the collector on, is seen collecting
            decide_many(list(Signature.objects.filter(pk__in=ids[:5])))
        assert inside
        inside.clear()
        assert gc.isenabled()
        signatures_validate(signature_ids=ids[:5])
        assert inside == [], f"{len(inside)} collections started inside the batch's transaction"
        assert gc.isenabled()
        gc.disable()  # a process that runs without the collector keeps it off
        try:
            signatures_validate(signature_ids=ids[5:])
            assert gc.isenabled() is False
        finally:
            gc.enable()
    finally:
        gc.callbacks.remove(started)
        gc.set_threshold(*thresholds)


def test_a_voter_who_already_counts_makes_the_batch_signature_a_duplicate(calexit):
    maria = VoterFactory()
    first = SignatureFactory()
    signature_validate(signature_id=first.pk)
    later = SignatureFactory()
    signatures_validate(signature_ids=[later.pk])
    later.refresh_from_db()
    assert (later.status, later.voter, later.duplicate_of_id) == ("duplicate", maria, first.pk)


def test_a_paper_line_in_a_batch_takes_over_from_the_pledge_that_counted_and_its_duplicates(calexit):
    maria = VoterFactory()
    pledge = SignatureFactory()
    signature_validate(signature_id=pledge.pk)
    later = [
        SignatureFactory(),
        paper_line(calexit, name="Maria Garcia", address="1200 J Street", line=3, validate=False),
    ]
    signatures_validate(signature_ids=[s.pk for s in later])
    second_pledge, line = (Signature.objects.get(pk=s.pk) for s in later)
    pledge.refresh_from_db()
    assert (line.status, line.voter, line.duplicate_of_id) == ("valid", maria, None)
    assert (pledge.status, pledge.duplicate_of_id) == ("duplicate", line.pk)
    assert (second_pledge.status, second_pledge.duplicate_of_id) == ("duplicate", line.pk)
    tallies_count()
    assert tallies_recount().drift == []


def test_a_batch_only_touches_pending_signatures_and_is_safe_to_run_twice():
    VoterFactory()
    signature = SignatureFactory()
    assert [s.pk for s in signatures_validate(signature_ids=[signature.pk])] == [signature.pk]
    TallyChange.objects.all().delete()
    assert signatures_validate(signature_ids=[signature.pk]) == []
    assert not TallyChange.objects.exists()
    assert signatures_validate(signature_ids=[]) == []


def test_a_batch_writes_its_tally_changes_summed_per_bucket():
    VoterFactory()
    made = [SignatureFactory() for _ in range(3)]
    TallyChange.objects.all().delete()
    signatures_validate(signature_ids=[s.pk for s in made])
    assert sorted(TallyChange.objects.values_list("status", "delta")) == [
        ("duplicate", 2),
        ("pending", -3),
        ("valid", 1),
    ]


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_race_lost_at_the_write_is_decided_again_one_by_one(caplog):
    """Another worker counts this voter while the batch runs: its transaction has made the
    winner `valid` but has not committed when the batch looks (so the batch sees nobody counting
    and decides its own signature `valid`), and commits while the batch waits at its write. The
    constraint refuses the batch's write, nothing of it stays, and each signature is decided on
    its own, as the duplicate of the one that won."""
    maria = VoterFactory()
    winner = SignatureFactory()
    late = SignatureFactory()
    other = SignatureFactory(first_name="Nobody", last_name="Known", address="1 Nowhere Rd")
    connection.ensure_connection()
    batch_connection = connection.connection.get_backend_pid()
    counted_uncommitted = threading.Event()
    errors: list[BaseException] = []

    def the_batch_waits_for_me() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid() = ANY(pg_blocking_pids(%s))", [batch_connection])
            return cursor.fetchone()[0]

    def other_worker():
        try:
            with transaction.atomic():
                signature_validate(signature_id=winner.pk)
                counted_uncommitted.set()
                wait_for(the_batch_waits_for_me, timeout=60, what="the batch to wait for this commit at its write")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            counted_uncommitted.set()
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert counted_uncommitted.wait(timeout=60)
        with caplog.at_level(logging.INFO, logger=signatures_validate.__module__):
            done = signatures_validate(signature_ids=[late.pk, other.pk])
    finally:
        thread.join(timeout=120)
    assert errors == []
    assert "lost a race to another worker" in caplog.text  # the write was refused: the race did happen
    assert sorted(s.pk for s in done) == sorted([late.pk, other.pk])
    winner.refresh_from_db()
    late.refresh_from_db()
    other.refresh_from_db()
    assert (winner.status, winner.voter) == ("valid", maria)
    assert (late.status, late.voter, late.duplicate_of_id) == ("duplicate", maria, winner.pk)
    assert (other.status, other.reason) == ("invalid", "not_registered")
    tallies_count()
    run = tallies_recount()
    assert run is not None and run.drift == []


def test_work_is_queued_in_batches(settings, monkeypatch):
    monkeypatch.setattr(queue, "VALIDATE_BATCH", 2)
    with mock.patch.object(tasks.validate_signatures, "delay") as delay:
        queue.validation_queue([5, 6, 7, 8, 9], on_commit=False)
    assert [call.args for call in delay.call_args_list] == [([5, 6],), ([7, 8],), ([9],)]


def test_the_batch_task_validates_and_says_how_many(calexit):
    VoterFactory()
    made = [SignatureFactory(), SignatureFactory(first_name="Nobody", last_name="Known")]
    assert tasks.validate_signatures.delay([s.pk for s in made]).get() == 2
    assert set(Signature.objects.filter(pk__in=[s.pk for s in made]).values_list("status", flat=True)) == {
        "valid",
        "invalid",
    }


def _thirty_voters() -> list:
    return [VoterFactory(first_name=f"Voter{chr(65 + n % 26)}{chr(65 + n // 26)}") for n in range(30)]


def _four_workers_validate(ids: list[int]) -> list[Mapping[str, Any]]:
    """Four workers validate at once: worker w takes every fourth signature from
    w on, in batches of 20, so every batch holds voters that the other workers'
    batches hold too. Returns the signatures' rows, after checking that no
    worker failed, that each voter counts once with every other signature of
    theirs pointing at the one that counts, and that the tallies agree with a
    recount."""
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker(batches):
        try:
            start.wait()
            for batch in batches:
                signatures_validate(signature_ids=batch)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=([ids[w::4][i : i + 20] for i in range(0, 60, 20)],)) for w in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    rows: list[Mapping[str, Any]] = list(
        Signature.objects.filter(pk__in=ids).values("pk", "channel", "status", "voter_id", "duplicate_of_id")
    )
    assert {row["status"] for row in rows} == {"valid", "duplicate"}
    counting = {row["voter_id"]: row for row in rows if row["status"] == "valid"}
    assert all(
        row["duplicate_of_id"] == counting[row["voter_id"]]["pk"] for row in rows if row["status"] == "duplicate"
    )
    tallies_count()
    run = tallies_recount()
    assert run is not None and run.drift == []
    return rows


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_workers_validating_overlapping_batches_at_once_count_each_voter_once():
    """Four workers take interleaved batches of signatures by the same 30 voters at once."""
    voters = _thirty_voters()
    made = [SignatureFactory(first_name=voters[n % 30].first_name) for n in range(240)]
    rows = _four_workers_validate([s.pk for s in made])
    assert sorted(row["voter_id"] for row in rows if row["status"] == "valid") == sorted(v.pk for v in voters)


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_workers_validating_pledges_and_paper_lines_of_the_same_voters_at_once_count_a_paper_line(calexit):
    """Pledges and paper lines by the same 30 voters (each has a paper line), validated by four workers
    at once: for each voter a paper line counts, as it is filed."""
    voters = _thirty_voters()
    made = [
        paper_line(calexit, name=f"{voters[n % 30].first_name} Garcia", address="1200 J St", line=n, validate=False)
        if n % 7 == 3
        else SignatureFactory(first_name=voters[n % 30].first_name)
        for n in range(240)
    ]
    rows = _four_workers_validate([s.pk for s in made])
    valid = [row for row in rows if row["status"] == "valid"]
    assert sorted(row["voter_id"] for row in valid) == sorted(v.pk for v in voters)
    assert {row["channel"] for row in valid} == {"paper"}


NAMES = [
    "Maria Garcia",
    "Mario Garcia",
    "Maria G Garcia",
    "Mraia Garcia",
    "Robert Smith",
    "Bob Smith",
    "Rob Smith",
    "J Robert Smith",
    "Robert J Smith Jr",
    "John Lee",
    "Jon Lee",
    "John Lee Sr",
    "Ana Reyes",
    "Ana Maria Reyes",
    "Anna Reyes",
    "Nguyen Linh",
    "Linh Nguyen",
    "Hieu Van Vu",
    "Maria De La Cruz",
    "Maria Cruz",
    "Luis Garcia-Lopez",
    "Luis Lopez",
    "Luisa Lopez",
    "Chris Brown",
    "Christopher Brown",
    "Kathy Brown",
    "Katherine Brown",
    "Catherine Brown",
    "Garcia",
    "M Garcia",
]


def test_setting_a_neighbour_aside_early_never_changes_what_is_plausible():
    """fit() skips the address work for a voter whose name cannot reach the
    bar; that shortcut must set aside exactly the voters name_fit scores under it."""
    from petitions.matching.names import parse_printed_name
    from petitions.matching.scoring import PLAUSIBLE, fit, name_fit

    registered = []
    for number, text in enumerate(NAMES):
        parts = parse_printed_name(text)
        registered.append(
            voter_row(first=parts.first, middle=parts.middle, last=parts.last, suffix=parts.suffix, id=number)
        )
    set_aside = kept = 0
    for text in NAMES:
        prepared = prepare(Signature(name_as_written=text, address="1200 J St", city="Sacramento", county_id="34"))
        if isinstance(prepared, Decision):  # a surname alone is incomplete: nothing is scored
            continue
        written = prepared.written
        for voter in registered:
            if fit(written, voter, least_name=PLAUSIBLE) is None:
                assert name_fit(written, voter) < PLAUSIBLE, (text, voter.first_name, voter.last_name)
                set_aside += 1
            else:
                assert name_fit(written, voter) >= PLAUSIBLE
                kept += 1
    assert set_aside > 100 and kept > 50


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_candidates_fetched_ahead_on_the_helper_connection_give_the_same_decisions(calexit, monkeypatch):
    """A worker (no transaction of the caller's) fetches each chunk's candidates
    on a helper thread's connection while it judges the previous chunk: the
    decisions are those of one signature at a time."""
    from petitions.validation import candidates

    monkeypatch.setattr(engine, "CHUNK", 3)
    monkeypatch.setattr(engine, "FIRST_CHUNK", 3)
    VoterFactory(first_name="Robert", last_name="Smith", address_number="15", street_name="Oak", street_type="AVE")
    VoterFactory(first_name="Ana", last_name="Reyes", address_number="300", street_name="Capitol", street_type="MALL")
    for number in range(8):
        VoterFactory(first_name=f"Voter{chr(65 + number)}", address_number=str(100 + number))
    made = [
        SignatureFactory(first_name=f"Voter{chr(65 + number)}", address=f"{100 + number} J Street")
        for number in range(8)
    ]
    made += [
        SignatureFactory(first_name="Bob", last_name="Smith", address="15 Oak Avenue"),
        SignatureFactory(first_name="Ana", last_name="Reyes", address="12 K St"),
        SignatureFactory(first_name="Nobody", last_name="Known", address="1 Nowhere Rd"),
        SignatureFactory(first_name="", last_name="Garcia"),
    ]
    expected = {s.pk: _summary(decide(Signature.objects.select_related("petition").get(pk=s.pk))) for s in made}
    connection.ensure_connection()
    worker_connection = connection.connection.get_backend_pid()
    fetched: list[tuple[int, int]] = []  # (the connection that ran it, signatures) of each candidates query
    real_fetch = candidates.candidate_voters_many

    def recorded(many):
        found = real_fetch(many)
        fetched.append((connection.connection.get_backend_pid(), len(many)))
        return found

    monkeypatch.setattr(candidates, "candidate_voters_many", recorded)
    try:
        done = signatures_validate(signature_ids=[s.pk for s in made])
    finally:
        candidates.ahead_close()
    searched = sum(not isinstance(prepare(Signature.objects.get(pk=s.pk)), Decision) for s in made)
    assert searched >= 11
    # Chunks of 3, fetched on the helper threads' own connections (which finish in any order).
    assert worker_connection not in {pid for pid, _ in fetched}
    assert sorted(size for _, size in fetched) == sorted(
        [3] * (searched // 3) + ([searched % 3] if searched % 3 else [])
    )
    assert len(done) == 12
    for signature in Signature.objects.filter(pk__in=[s.pk for s in made]):
        status, reason, voter_id, *_ = expected[signature.pk]
        assert (signature.status, signature.reason, signature.voter_id) == (status, reason, voter_id)
    assert {e[0] for e in expected.values()} == {"valid", "invalid"}
