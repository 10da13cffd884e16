"""Counting: rows are the truth, tallies follow through one locked counting run."""

import threading

import pytest
from django.db import connection, connections

from petitions.models import CountingRun, Petition, Signature, Tally, TallyChange
from petitions.selectors import petition_counts, petition_counts_json
from petitions.services.signing import signature_confirm
from petitions.services.tallies import counting_runs_prune, tallies_count, tallies_recount
from petitions.validation.validate import signature_validate
from tests.conftest import wait_for
from tests.factories import SignatureFactory, VoterFactory


def tally_counts() -> dict[tuple, int]:
    """Every tally that is not zero, by (petition, county, filed, status)."""
    return {(t.petition_id, t.county_id, t.filed, t.status): t.count for t in Tally.objects.exclude(count=0)}


def confirm_and_validate(signature: Signature) -> None:
    signature_confirm(signature=signature)
    signature_validate(signature_id=signature.pk)


@pytest.mark.django_db
def test_a_confirmed_valid_online_signature_is_pledged_not_raw_for_a_wet_ink_petition(calexit):
    VoterFactory()
    confirm_and_validate(SignatureFactory(status="unconfirmed"))

    assert petition_counts(calexit).statewide.pledged == 0  # not counted until the counting run
    assert tallies_count() == 3  # +pending, then -pending +valid

    counts = petition_counts(calexit)
    assert (counts.statewide.raw, counts.statewide.valid, counts.statewide.pledged) == (0, 0, 1)
    sacramento = next(row for row in counts.by_county if row.code == "34")
    assert sacramento.pledged == 1
    assert TallyChange.objects.count() == 0


@pytest.mark.django_db
def test_where_online_signatures_count_directly_they_are_raw_and_valid(calexit):
    calexit.online_counts_directly = True
    calexit.save()
    VoterFactory()
    confirm_and_validate(SignatureFactory(status="unconfirmed"))
    confirm_and_validate(SignatureFactory(status="unconfirmed", first_name="Nobody"))
    tallies_count()

    counts = petition_counts_json(calexit)["counts"]
    assert counts == {"raw": 2, "valid": 1, "invalid": 1, "duplicate": 0, "review": 0, "pending": 0, "pledged": 0}


@pytest.mark.django_db
def test_unconfirmed_signatures_are_never_counted(calexit):
    SignatureFactory(status="unconfirmed")
    tallies_count()
    assert Tally.objects.count() == 0
    assert tallies_recount().drift == []


@pytest.mark.django_db
def test_the_recount_finds_no_drift_when_tallies_follow_the_rows(calexit):
    VoterFactory()
    for n in range(5):
        confirm_and_validate(SignatureFactory(status="unconfirmed", first_name=["Maria", "Ana"][n % 2]))
    tallies_count()

    run = tallies_recount()

    assert run.drift == []
    assert run.kind == CountingRun.Kind.RECOUNT


@pytest.mark.django_db
def test_the_recount_reports_and_repairs_drift(calexit):
    VoterFactory()
    confirm_and_validate(SignatureFactory(status="unconfirmed"))
    tallies_count()
    Tally.objects.filter(status="valid").update(count=7)  # a bug or a hand edit

    run = tallies_recount()

    assert run.drift == [
        {"petition": calexit.pk, "county": "34", "filed": False, "status": "valid", "tally": 7, "rows": 1}
    ]
    assert petition_counts(calexit).statewide.pledged == 1


@pytest.mark.django_db
def test_the_recount_keeps_changes_not_yet_counted(calexit):
    VoterFactory()
    confirm_and_validate(SignatureFactory(status="unconfirmed"))

    assert tallies_recount().drift == []  # pending changes are part of what the tallies will be
    assert petition_counts(calexit).statewide.pledged == 1
    assert tallies_count() == 0


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_confirmations_and_two_counting_runs_lose_nothing_and_count_nothing_twice():
    """Many signers confirm at once while two counting runs start together, again and again."""
    calexit = Petition.objects.get(slug="calexit")
    calexit.online_counts_directly = True  # every status shows in raw
    calexit.save()
    voters = [VoterFactory(first_name=f"Voter{chr(65 + n % 26)}{n}") for n in range(60)]
    signatures = [
        SignatureFactory(status="unconfirmed", first_name=voters[n % 60].first_name)  # 240 signatures, 60 voters
        for n in range(240)
    ]
    errors: list[BaseException] = []
    applied: list[int | None] = []
    start = threading.Barrier(8)

    def signer(chunk):
        try:
            start.wait()
            for signature in chunk:
                confirm_and_validate(signature)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def counter():
        try:
            start.wait()
            for _ in range(15):
                applied.append(tallies_count())
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=signer, args=(signatures[i::6],)) for i in range(6)]
    threads += [threading.Thread(target=counter) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    tallies_count()
    counted = tally_counts()
    counts = petition_counts(calexit).statewide
    assert counts.raw == 240
    assert counts.valid == 60
    assert counts.duplicate == 180
    assert Signature.objects.filter(status="valid").values("voter").distinct().count() == 60
    # Every bucket, county by county: the recount (the tallies rebuilt from the rows) finds no drift
    # and moves nothing.
    run = tallies_recount()
    assert run is not None and run.drift == []
    assert tally_counts() == counted
    assert sum(n for n in applied if n) > 0  # the racing runs did fold changes while signers worked


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_counting_runs_started_at_once_one_waits_its_turn():
    """The advisory lock: while one run holds it, another returns without counting."""
    from petitions.services.tallies import COUNTING_LOCK_KEY

    VoterFactory()
    signature = SignatureFactory(status="unconfirmed")
    signature_confirm(signature=signature)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [COUNTING_LOCK_KEY])
        assert tallies_count() is None
        assert tallies_recount() is None
        assert TallyChange.objects.count() == 1
    finally:
        other.close()
    # Lock free again: a run folds the change (ours, or the test worker's beat, which shares the lock).
    wait_for(lambda: tallies_count() is not None and not TallyChange.objects.exists(), what="a counting run")
    # Counted once: pending, or valid once the test worker has validated it meanwhile.
    assert sum(Tally.objects.values_list("count", flat=True)) == 1
    assert connection.vendor == "postgresql"


@pytest.mark.django_db
def test_counting_runs_older_than_a_week_are_pruned_but_recounts_and_the_last_run_stay():
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()

    def run(kind: str, days_ago: float) -> CountingRun:
        at = now - timedelta(days=days_ago)
        return CountingRun.objects.create(kind=kind, started_at=at, finished_at=at, changes_applied=1)

    old_counts = [run("count", 8 + n) for n in range(5)]
    recent = run("count", 1)
    old_recount = run("recount", 30)

    assert counting_runs_prune(keep_days=7) == len(old_counts)
    assert set(CountingRun.objects.values_list("pk", flat=True)) == {recent.pk, old_recount.pk}

    # However old, the last run stays: it dates the public counts.
    CountingRun.objects.filter(pk=recent.pk).delete()
    assert counting_runs_prune(keep_days=0) == 0
    last = run("count", 10)
    assert counting_runs_prune(keep_days=7) == 0
    assert CountingRun.objects.filter(pk=last.pk).exists()
