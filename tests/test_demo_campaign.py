"""The demo campaign `make run` loads (load_demo, petitions.demo.campaign): a petition of its own,
60 days in, built through the real models so that a recount finds no drift, realistic enough that
the validation engine decides its lines as the demo says, and removable without touching the real
petition."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Max, Min
from django.utils import timezone

from petitions.demo.campaign import DAYS_IN, DEMO_SLUG
from petitions.demo.voters import DEMO_VOTERS
from petitions.models import (
    Circulator,
    County,
    DailySnapshot,
    Petition,
    PetitionSection,
    QualificationOdds,
    Signature,
    Tally,
)
from petitions.reports.circulators import circulator_quality
from petitions.selectors import petition_counts, petition_featured, petition_history
from petitions.services import history
from petitions.services.tallies import filing_rank, tallies_count, tallies_recount
from petitions.validation.engine import decide
from tests.factories import paper_line

pytestmark = pytest.mark.django_db

Status = Signature.Status


def _load(settings, tmp_path, *arguments: str) -> str:
    settings.DEBUG = True
    settings.BASE_DIR = tmp_path  # the demo voter file goes to var/ there
    out = StringIO()
    call_command("load_demo", "--voters", "9000", "--signatures", "6000", *arguments, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(settings, tmp_path) -> Petition:
    output = _load(settings, tmp_path)
    assert "Demo campaign (petition `demo`, featured" in output
    return Petition.objects.get(slug=DEMO_SLUG)


def test_the_demo_campaign_is_a_petition_of_its_own_60_days_in_and_featured(demo, calexit):
    today = timezone.localdate()
    assert demo.summary_date == today - timedelta(days=DAYS_IN)
    assert demo.deadline == demo.summary_date + timedelta(days=180)
    assert demo.suggested_filing_full_count < demo.suggested_filing_random_sample < demo.deadline
    assert demo.required_signatures == 15_000  # 2.5 per signature loaded: a campaign in mid-course
    assert petition_featured() == demo
    calexit.refresh_from_db()
    assert not calexit.featured
    assert not Signature.objects.filter(petition=calexit).exists()
    assert not Tally.objects.filter(petition=calexit).exclude(count=0).exists()


def test_the_demo_has_every_channel_and_outcome_and_its_tallies_equal_a_recount(demo):
    signatures = Signature.objects.filter(petition=demo)
    assert 5_000 <= signatures.count() <= 6_000
    statuses = Counter(signatures.values_list("status", flat=True))
    assert {Status.VALID, Status.INVALID, Status.DUPLICATE, Status.REVIEW, Status.UNCONFIRMED} <= set(statuses)
    assert statuses[Status.VALID] > 0.7 * sum(statuses.values())
    reasons = set(signatures.filter(status=Status.INVALID).values_list("reason", flat=True))
    assert reasons == set(Signature.Reason.values) - {""}
    online = signatures.filter(channel=Signature.Channel.ONLINE).exclude(status=Status.UNCONFIRMED)
    assert online.filter(wet_ink_received_at__isnull=False).count() > 0.25 * online.count()  # forms back
    assert online.filter(status=Status.VALID, wet_ink_received_at__isnull=True).exists()  # pledges waiting
    paper = signatures.filter(channel=Signature.Channel.PAPER)
    assert paper.count() > 0.4 * signatures.count()
    assert not paper.filter(section__circulator__isnull=True).exists()
    sections = PetitionSection.objects.filter(petition=demo)
    assert set(sections.values_list("status", flat=True)) == {"issued", "returned", "keyed", "verified"}
    assert Circulator.objects.filter(petition=demo).count() >= 20
    assert signatures.filter(status=Status.REVIEW, hold=Signature.Hold.ADDRESS_RATE).exists()
    assert signatures.filter(decided_by__isnull=False).exists()  # reviewers' decisions
    assert signatures.values("county").distinct().count() >= 40

    run = tallies_recount()
    assert run is not None and run.drift == []
    counts = petition_counts(demo)
    statewide = counts.statewide
    assert statewide.raw > statewide.valid > 0 and statewide.pledged > 0 and statewide.duplicate > 0
    assert statewide.review + counts.online["review"] > 0
    assert QualificationOdds.objects.filter(petition=demo).exists()  # the odds card is filled at once


def test_the_signatures_spread_over_the_60_days_with_consistent_timestamps(demo):
    now = timezone.now()
    start = demo.summary_date
    signatures = Signature.objects.filter(petition=demo)
    span = signatures.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert timezone.localtime(span["first"]).date() >= start and span["last"] <= now
    per_day = Counter(timezone.localtime(c).date() for c in signatures.values_list("created_at", flat=True))
    assert len(per_day) >= DAYS_IN - 2
    assert not signatures.filter(date_signed__lt=start).exists()
    assert not signatures.filter(date_signed__gt=timezone.localdate()).exists()
    for signature in signatures.exclude(validated_at__isnull=True).only("created_at", "validated_at")[:2000]:
        assert signature.validated_at >= signature.created_at
    for signature in signatures.filter(wet_ink_received_at__isnull=False).only("validated_at", "wet_ink_received_at"):
        assert signature.validated_at < signature.wet_ink_received_at <= now
    for signature in signatures.filter(channel=Signature.Channel.PAPER).select_related("section")[:2000]:
        section = signature.section
        assert section.signed_from <= signature.date_signed <= section.signed_to
    # Online: the launch makes the first days the busiest.
    online = Counter(
        timezone.localtime(c).date()
        for c in signatures.filter(channel=Signature.Channel.ONLINE).values_list("created_at", flat=True)
    )
    assert online[start] > 2 * online[start + timedelta(days=20)]


def test_each_voter_counts_once_and_the_filed_signature_is_the_one_that_counts(demo):
    signatures = Signature.objects.filter(petition=demo).select_related("duplicate_of")
    demo_people = {voter.registrant_id for voter in DEMO_VOTERS}
    assert not signatures.filter(voter__registrant_id__in=demo_people).exists()  # free for a new user to sign as
    duplicates = list(signatures.filter(status=Status.DUPLICATE))
    assert duplicates
    for duplicate in duplicates:
        original = duplicate.duplicate_of
        assert original.status == Status.VALID and original.voter_id == duplicate.voter_id
        assert filing_rank(original, demo) <= filing_rank(duplicate, demo)
    assert not signatures.filter(status=Status.VALID).values("voter").annotate(n=Count("id")).filter(n__gt=1).exists()


def test_the_validation_engine_decides_the_demo_lines_as_the_demo_says(demo):
    machine = (
        Signature.objects.filter(petition=demo, decided_by__isnull=True, hold="")
        .exclude(status__in=[Status.UNCONFIRMED, Status.PENDING, Status.DUPLICATE])
        .order_by("id")
    )
    sample = list(machine[::25])
    assert len(sample) > 150
    disagreements = [
        (signature.pk, signature.status, signature.reason, decision.status, decision.reason)
        for signature in sample
        if (decision := decide(signature)).status != signature.status or decision.reason != signature.reason
    ]
    assert disagreements == []
    # In review: what the engine itself sends to review, with its candidates.
    in_review = Signature.objects.filter(petition=demo, status=Status.REVIEW, hold="")
    assert in_review.exists()
    for signature in in_review:
        assert signature.match_candidates
        assert decide(signature).status == Status.REVIEW


def test_the_circulators_report_flags_the_circulator_whose_lines_fail_far_too_often(demo):
    flagged = [quality for quality in circulator_quality(demo) if quality.flagged]
    assert any(q.county_code == "19" and q.invalid > 0.3 * q.decided and q.decided >= 50 for q in flagged)


def test_the_60_days_of_history_are_there_and_today_s_row_is_what_the_rows_say(demo):
    today = timezone.localdate()
    days = DailySnapshot.objects.filter(petition=demo).values("day").annotate(n=Count("id")).order_by("day")
    assert [row["day"] for row in days] == [demo.summary_date + timedelta(days=n) for n in range(DAYS_IN + 1)]
    assert {row["n"] for row in days} == {County.objects.count()}
    # Today's rows come from the counting run (the tallies); rebuilt from the rows they are the same.
    assert history.snapshots_backfill(demo, start=today, end=today) == 0
    result = petition_history(demo, petition_counts(demo))
    assert result.pace.window_days == 7 and result.pace.valid_per_day > 0
    assert result.pace.finish is not None and result.pace.finish.key == "random_sample"
    assert result.pace.status in ("behind", "on_pace")
    valid = [day.valid for day in result.days]
    assert valid[0] < valid[30] < valid[-1]


def test_a_second_load_keeps_the_campaign_and_reset_loads_it_afresh_without_touching_the_real_petition(
    settings, tmp_path, demo, calexit
):
    real = paper_line(calexit, county="34", validate=False, status=Status.VALID)
    tallies_count()
    before = Signature.objects.filter(petition=demo).count()
    output = _load(settings, tmp_path)
    assert "kept as it was" in output
    assert Signature.objects.filter(petition=demo).count() == before

    output = _load(settings, tmp_path, "--reset")
    assert "Demo campaign (petition `demo`" in output
    assert Signature.objects.filter(petition=calexit).get() == real
    assert petition_counts(calexit).statewide.valid == 1
    assert Signature.objects.filter(petition=demo).count() > 5_000
    assert tallies_recount().drift == []


def test_remove_takes_the_demo_s_data_away_and_features_the_real_petition_again(settings, tmp_path, demo, calexit):
    real = paper_line(calexit, county="34", validate=False, status=Status.VALID)
    tallies_count()
    output = _load(settings, tmp_path, "--remove")
    assert "Demo campaign removed" in output
    for model in (Signature, PetitionSection, Circulator, Tally, DailySnapshot):
        assert not model.objects.filter(petition=demo).exists(), model
    assert petition_featured() == calexit
    assert list(Signature.objects.all()) == [real]
    assert tallies_recount().drift == []


@pytest.mark.parametrize("argument", ["--reset", "--remove"])
def test_load_demo_refuses_to_reset_or_remove_with_debug_off(settings, argument):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG") as refused:
        call_command("load_demo", argument)
    assert refused.value.returncode == 1
