"""The odds of qualifying as the campaign sees them: a periodic task simulates
the counties' samples from the tallies and stores the odds and the raw still
needed; the dashboard and export_counts read the stored row."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.core.management import call_command

from petitions import tasks
from petitions.models import Petition, QualificationOdds, Tally
from petitions.projection import qualification_odds, raw_needed_for_odds
from petitions.services.projections import ODDS_RUNS, ODDS_SEARCH_RUNS, ODDS_SEED, odds_compute, odds_counties
from petitions.services.tallies import tallies_count
from tests.factories import paper_line

pytestmark = pytest.mark.django_db


def tallies(petition: Petition, county_id: str, **counts: int) -> None:
    """Tally rows standing in for what the counting task would have written (filed signatures)."""
    for status, count in counts.items():
        Tally.objects.create(petition=petition, county_id=county_id, filed=True, status=status, count=count)


@pytest.fixture
def near_the_line(calexit):
    """Los Angeles: 100,000 raw (72,000 valid, 18,000 invalid, 1,000 duplicates,
    1,000 in review, 8,000 pending) and Alpine: 300 raw, a full check. With
    72,000 required the expected projection (79,122 + 240) sits at the 110 %
    line (79,201): the sample decides."""
    tallies(calexit, "19", valid=72_000, invalid=18_000, duplicate=1_000, review=1_000, pending=8_000)
    tallies(calexit, "02", valid=200, invalid=40, duplicate=10, pending=50)
    calexit.required_signatures = 72_000
    calexit.save()
    return calexit


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("export_counts", "--petition", "calexit", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_our_counts_become_the_simulations_counties_at_our_rates(near_the_line):
    # Los Angeles: decided 91,000; valid 100,000 x 72,000 / 91,000 = 79,120.9 -> 79,121,
    # duplicates 100,000 x 1,000 / 91,000 = 1,098.9 -> 1,099.
    # Alpine: decided 250 of 300; valid 300 x 200 / 250 = 240, duplicates 300 x 10 / 250 = 12.
    assert odds_counties(near_the_line) == [
        {"raw": 300, "valid": 240, "duplicates": 12},
        {"raw": 100_000, "valid": 79_121, "duplicates": 1_099},
    ]


def test_a_county_with_nothing_decided_counts_no_valid_signature(calexit):
    tallies(calexit, "01", pending=40)
    assert odds_counties(calexit) == [{"raw": 40, "valid": 0, "duplicates": 0}]


def test_the_task_stores_the_odds_and_the_raw_needed_and_is_safe_to_run_twice(near_the_line):
    first = tasks.compute_qualification_odds.apply().get()
    stored = QualificationOdds.objects.get(petition=near_the_line)
    second = tasks.compute_qualification_odds.apply().get()

    counties = odds_counties(near_the_line)
    expected = qualification_odds(counties, 72_000, ODDS_RUNS, ODDS_SEED)
    assert first == second == {"calexit": expected["qualifies"]}
    assert QualificationOdds.objects.count() == 1
    again = QualificationOdds.objects.get()
    assert (again.qualifies, again.full_count, again.fails) == (
        expected["qualifies"],
        expected["full_count"],
        expected["fails"],
    )
    assert (stored.qualifies, stored.raw_needed) == (again.qualifies, again.raw_needed)
    assert 0.05 < again.qualifies < 0.95 and again.fails == 0.0  # the sample decides
    assert again.raw_needed == raw_needed_for_odds(counties, 72_000, 0.9, ODDS_SEARCH_RUNS, ODDS_SEED)
    assert again.raw_needed > 0
    assert (again.raw, again.runs, again.target) == (100_300, ODDS_RUNS, 0.9)
    assert again.computed_at > stored.computed_at


def test_a_raw_count_below_the_requirement_fails_and_needs_at_least_the_difference(calexit):
    tallies(calexit, "19", valid=8_000, invalid=2_000)  # 10,000 raw of 546,651 required

    odds = odds_compute(petition=calexit)

    assert (odds.qualifies, odds.full_count, odds.fails) == (0.0, 0.0, 1.0)
    # 80 % valid: about 601,317 / 0.8 = 751,646 raw needed, 741,646 more.
    assert 741_000 < odds.raw_needed < 760_000


def test_the_petitions_legal_constants_are_used(near_the_line):
    near_the_line.qualify_percent = 105  # a line of 75,601: now the sample qualifies almost surely
    near_the_line.save()
    odds = odds_compute(petition=near_the_line)
    assert odds.qualifies > 0.99 and odds.raw_needed == 0


def test_nothing_filed_removes_the_odds(calexit):
    QualificationOdds.objects.create(
        petition=calexit, raw=1, runs=1, qualifies=0, full_count=0, fails=1, computed_at="2026-12-01T00:00Z"
    )
    assert odds_compute(petition=calexit) is None
    assert not QualificationOdds.objects.exists()


def test_the_task_runs_on_the_counting_queue_and_beat_schedules_it(settings):
    from celery import current_app

    assert current_app.amqp.router.route({}, "petitions.tasks.compute_qualification_odds")["queue"].name == "counting"
    entry = next(
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "petitions.tasks.compute_qualification_odds"
    )
    assert entry["options"]["expires"] == entry["schedule"].total_seconds() == settings.ODDS_INTERVAL
    task = tasks.compute_qualification_odds
    assert task.soft_time_limit < task.time_limit


def test_the_dashboard_shows_the_stored_odds_without_simulating(
    client, volunteer, near_the_line, django_assert_max_num_queries
):
    odds = odds_compute(petition=near_the_line)
    client.force_login(volunteer)

    # The odds add none: read with the petition (13 with the history chart).
    with django_assert_max_num_queries(13) as captured:
        page = client.get("/dashboard/").content.decode()
    assert [q["sql"] for q in captured.captured_queries if not q["sql"].startswith("SELECT")] == []

    def shown(element_id: str) -> str:
        match = re.search(rf'id="{element_id}">\s*(.*?)\s*<', page)
        assert match is not None, element_id
        return match.group(1)

    assert shown("odds-qualifies") == f"{100 * odds.qualifies:.1f} %"
    assert shown("odds-full-count") == f"{100 * odds.full_count:.1f} %"
    assert shown("odds-fails") == "0.0 %"
    assert shown("odds-raw-needed") == f"{odds.raw_needed:,} more"
    assert "20,000 simulated random samples of every county" in page
    assert "at 100,300 raw signatures" in page


def test_the_dashboard_says_when_the_odds_are_not_computed_yet_or_already_there(client, volunteer, calexit):
    client.force_login(volunteer)
    assert 'id="odds-none"' in client.get("/dashboard/").content.decode()

    tallies(calexit, "19", valid=650_000)  # every signature valid: 650,000 > 601,316
    odds_compute(petition=calexit)
    page = client.get("/dashboard/").content.decode()
    assert re.search(r'id="odds-qualifies">100.0 %<', page)
    assert re.search(r'id="odds-raw-needed">none: already there<', page)


def test_export_counts_json_adds_the_odds_to_the_projection(near_the_line):
    assert json.loads(export("--format", "json"))["projection"]["odds"] is None
    odds = odds_compute(petition=near_the_line)

    exported = json.loads(export("--format", "json"))

    assert exported["projection"]["odds"] == {
        "qualifies": round(odds.qualifies, 4),
        "full_count": round(odds.full_count, 4),
        "fails": 0.0,
        "raw_needed": odds.raw_needed,
        "target": 0.9,
        "runs": 20_000,
        "raw": 100_300,
        "computed_at": odds.computed_at.isoformat(),
    }
    assert exported["counts"]["raw"] == 100_300  # the counts keep their shape


def test_export_counts_csv_keeps_its_columns_and_adds_the_odds_when_asked(near_the_line):
    odds = odds_compute(petition=near_the_line)
    plain = list(csv.reader(io.StringIO(export())))

    rows = list(csv.reader(io.StringIO(export("--odds"))))

    assert rows[0] == [*plain[0], "odds_qualifies", "odds_full_count", "odds_fails", "raw_needed_90"]
    assert [row[: len(plain[0])] for row in rows] == plain
    assert rows[19][-4:] == ["", "", "", ""]
    assert rows[59][:2] == ["00", "Statewide"]
    assert rows[59][-4:] == [f"{odds.qualifies:.4f}", f"{odds.full_count:.4f}", "0.0000", str(odds.raw_needed)]


def test_export_counts_recompute_simulates_the_odds_too(calexit):
    paper_line(calexit, county="01", name="Nobody Unknown", address="1 Nowhere St")  # invalid, a full check
    tallies_count()

    rows = list(csv.reader(io.StringIO(export("--recompute", "--odds"))))

    assert rows[59][-4:] == ["0.0000", "0.0000", "1.0000", ""]  # 1 raw of 546,651; no valid signature: no rate
