"""History and pace: the counting run keeps a daily snapshot of every county's counts, and the
dashboard's pace and chart are read from them.

A simulated 60-day campaign runs on a clock the test moves (django.utils.timezone.now: the rows'
timestamps, the counting runs and "today" all follow it), signing and receiving forms each day,
counting at noon and at night, with quiet days in between. No sleeps."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from django.db import DatabaseError
from django.utils import timezone

from petitions.codes import form_code
from petitions.models import County, DailySnapshot, Petition, Signature
from petitions.pace import (
    DayCounts,
    chart_data,
    finish_milestone,
    milestones_for,
    pace_compute,
    series_fill,
)
from petitions.selectors import petition_counts, petition_history
from petitions.services import history
from petitions.services.tallies import tallies_count, tallies_recount
from petitions.services.wet_ink import signature_receive_form
from tests.conftest import login_verified
from tests.factories import SignatureFactory, paper_line

START = date(2026, 3, 2)  # a Monday
DAYS = 60
REQUIRED = 5_000


# --- The pace's arithmetic (no database) ----------------------------------------------------------


def _milestones(today: date, **dates: date | None):
    return milestones_for(
        today=today,
        deadline=dates.get("deadline"),
        random_sample=dates.get("random_sample"),
        full_count=dates.get("full_count"),
    )


def test_a_day_without_a_snapshot_has_the_counts_of_the_day_before_and_nothing_before_the_first():
    points = [DayCounts(date(2026, 3, 3), raw=5, valid=4), DayCounts(date(2026, 3, 6), raw=9, valid=7)]
    filled = series_fill(points, start=date(2026, 3, 2), end=date(2026, 3, 7))
    assert [(p.day.day, p.raw, p.valid) for p in filled] == [
        (2, 0, 0),
        (3, 5, 4),
        (4, 5, 4),
        (5, 5, 4),
        (6, 9, 7),
        (7, 9, 7),
    ]


def test_the_7_day_pace_is_over_the_last_seven_complete_days_and_the_pace_needed_over_the_days_left():
    today = START + timedelta(days=30)
    # 100 valid a day until the last week, then 150; today's partial day is left out of the pace.
    series = [DayCounts(START + timedelta(days=n), raw=0, valid=0) for n in range(31)]
    valid = 0
    for n in range(31):
        valid += 150 if n >= 23 else 100
        series[n] = DayCounts(series[n].day, raw=valid + 10 * n, valid=valid)
    deadline = START + timedelta(days=180)
    pace = pace_compute(
        series,
        today=today,
        required=REQUIRED * 4,
        milestones=_milestones(today, deadline=deadline),
        origin=START,
    )
    assert pace.window_days == 7
    assert pace.valid_per_day == 150
    assert pace.raw_per_day == 160
    assert pace.valid == series[-1].valid
    assert pace.finish is not None and pace.finish.key == "deadline" and pace.finish.days_left == 150
    assert pace.needed_per_day == pytest.approx((20_000 - pace.valid) / 150)
    assert pace.status == "on_pace"
    assert pace.projected_at_finish == pace.valid + 150 * 150


def test_a_young_campaign_measures_its_pace_over_the_days_it_has_and_has_none_on_its_first_day():
    deadline = START + timedelta(days=180)
    first_day = pace_compute(
        [DayCounts(START, raw=40, valid=30)],
        today=START,
        required=REQUIRED,
        milestones=_milestones(START, deadline=deadline),
        origin=START,
    )
    assert first_day.window_days == 0 and first_day.valid_per_day is None
    assert first_day.status == "unknown"

    series = [DayCounts(START + timedelta(days=n), raw=0, valid=30 * (n + 1)) for n in range(4)]
    today = START + timedelta(days=3)
    young = pace_compute(
        series, today=today, required=REQUIRED, milestones=_milestones(today, deadline=deadline), origin=START
    )
    assert young.window_days == 3  # the summary date and the two days after: from nothing
    assert young.valid_per_day == 30

    # Without the campaign's start, the day before the first snapshot is unknown: one day less.
    unknown_start = pace_compute(
        series, today=today, required=REQUIRED, milestones=_milestones(today, deadline=deadline)
    )
    assert unknown_start.window_days == 2 and unknown_start.valid_per_day == 30


def test_the_finish_is_the_suggested_random_sample_date_while_it_is_ahead_then_the_deadline():
    deadline, sample, full = date(2027, 4, 4), date(2027, 3, 7), date(2027, 2, 1)
    ahead = _milestones(date(2027, 1, 1), deadline=deadline, random_sample=sample, full_count=full)
    assert [m.key for m in ahead] == ["full_count", "random_sample", "deadline"]
    assert finish_milestone(ahead).key == "random_sample"
    assert [m.days_left for m in ahead] == [31, 65, 93]

    later = _milestones(date(2027, 3, 8), deadline=deadline, random_sample=sample, full_count=full)
    assert finish_milestone(later).key == "deadline"
    assert [m.passed for m in later] == [True, True, False]

    assert finish_milestone(_milestones(date(2027, 1, 1))) is None


def test_the_requirement_met_needs_no_more_pace_and_a_finish_gone_by_is_said():
    today = date(2027, 5, 1)
    series = [DayCounts(today - timedelta(days=1), valid=900), DayCounts(today, valid=1_000)]
    met = pace_compute(series, today=today, required=1_000, milestones=_milestones(today, deadline=date(2027, 6, 1)))
    assert met.needed_per_day == 0 and met.status == "reached" and met.missing == 0
    past = pace_compute(series, today=today, required=2_000, milestones=_milestones(today, deadline=date(2027, 4, 4)))
    assert past.status == "past" and past.needed_per_day is None and past.projected_at_finish is None


def test_the_chart_draws_the_line_to_the_requirement_by_the_finish_and_the_pace_from_today():
    today = START + timedelta(days=10)
    finish_day = START + timedelta(days=40)
    series = series_fill(
        [DayCounts(START + timedelta(days=n), raw=12 * n, valid=10 * n) for n in range(11)], start=START, end=today
    )
    pace = pace_compute(
        series,
        today=today,
        required=800,
        milestones=_milestones(today, random_sample=finish_day, deadline=START + timedelta(days=50)),
        origin=START,
    )
    chart = chart_data(series, pace, end=START + timedelta(days=50))
    assert len(chart["labels"]) == 51 and chart["labels"][0] == START.isoformat()
    assert chart["needed"][0] == 0 and chart["needed"][40] == 800 and chart["needed"][20] == 400
    assert chart["needed"][50] == 800  # level after the finish
    assert chart["valid"][10] == 100 and chart["valid"][11] is None  # nothing drawn after today
    assert chart["projected"][9] is None and chart["projected"][10] == 100
    assert chart["projected"][40] == 100 + round(pace.valid_per_day * 30)
    assert chart["finish"] == finish_day.isoformat()
    assert [m["key"] for m in chart["milestones"]] == ["random_sample", "deadline"]


# --- The snapshots, over a simulated 60 days ------------------------------------------------------


class Clock:
    """The time everything reads (timezone.now), moved by the test."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def at(self, day: date, hour: int, minute: int = 0) -> None:
        self.now = datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(datetime.combine(START, time(8), tzinfo=timezone.get_current_timezone()))
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def _statewide(day: date, petition: Petition) -> dict[str, int]:
    rows = DailySnapshot.objects.filter(petition=petition, day=day)
    fields = ("raw", "valid", "invalid", "pledged")
    return {f: sum(getattr(row, f) for row in rows) for f in fields}


QUIET_DAYS = {20, 21, 22, 41}  # nothing signed, received or counted as a change


@pytest.mark.django_db
def test_sixty_days_of_counting_leave_one_snapshot_per_county_and_day_and_the_pace_follows(calexit, clock, organizer):
    calexit.summary_date = START
    calexit.deadline = START + timedelta(days=180)
    calexit.suggested_filing_full_count = START + timedelta(days=118)
    calexit.suggested_filing_random_sample = START + timedelta(days=152)
    calexit.required_signatures = REQUIRED
    calexit.save()
    expected: dict[date, dict[str, int]] = {}
    totals: Counter[str] = Counter()
    pledges: list[Signature] = []
    applied_on_quiet_days = []
    for n in range(DAYS):
        day = START + timedelta(days=n)
        if n not in QUIET_DAYS:
            clock.at(day, 10)
            lines = 10 + n // 3
            for number in range(lines):
                county = "34" if number % 3 else "19"
                paper_line(calexit, county=county, validate=False, status=Signature.Status.VALID)
            paper_line(calexit, validate=False, status=Signature.Status.INVALID, reason=Signature.Reason.NOT_REGISTERED)
            pledges.append(SignatureFactory(petition=calexit, status=Signature.Status.VALID, county_id="38"))
            totals.update(raw=lines + 1, valid=lines, invalid=1, pledged=1)
            clock.at(day, 12)
            assert tallies_count()
            if n % 5 == 4:  # a form comes back: pledged falls by one, raw and valid grow by one
                clock.at(day, 15)
                received = signature_receive_form(code=form_code(pledges.pop(0).pk), petition=calexit, user=organizer)
                assert received.outcome == "received"
                totals.update(raw=1, valid=1, pledged=-1)
        clock.at(day, 23, 30)
        applied = tallies_count()
        if n in QUIET_DAYS:
            applied_on_quiet_days.append(applied)
        expected[day] = dict(totals)

    today = START + timedelta(days=DAYS - 1)
    assert applied_on_quiet_days == [0, 0, 0, 0]  # nothing to fold, and still each day has its rows
    assert DailySnapshot.objects.filter(petition=calexit).count() == DAYS * County.objects.count()
    assert sorted(set(DailySnapshot.objects.values_list("day", flat=True))) == sorted(expected)
    for day, numbers in expected.items():
        assert _statewide(day, calexit) == numbers, day
    sacramento = DailySnapshot.objects.get(petition=calexit, county_id="34", day=today)
    counts = petition_counts(calexit)
    assert {f: getattr(sacramento, f) for f in ("raw", "valid", "invalid")} == {
        f: getattr(next(r for r in counts.by_county if r.code == "34"), f) for f in ("raw", "valid", "invalid")
    }

    # The pace: the last seven complete days (to yesterday), against what is missing over the days left.
    result = petition_history(calexit, counts, today=today)
    yesterday, week_before = today - timedelta(days=1), today - timedelta(days=8)
    assert result.pace.valid_per_day == pytest.approx(
        (expected[yesterday]["valid"] - expected[week_before]["valid"]) / 7
    )
    assert result.pace.raw_per_day == pytest.approx((expected[yesterday]["raw"] - expected[week_before]["raw"]) / 7)
    finish = result.pace.finish
    assert finish is not None and finish.key == "random_sample" and finish.days_left == 152 - (DAYS - 1)
    assert result.pace.needed_per_day == pytest.approx((REQUIRED - counts.statewide.valid) / finish.days_left)
    assert result.pace.status == "behind"
    assert {m.key: m.days_left for m in result.pace.milestones} == {
        "full_count": 118 - 59,
        "random_sample": 152 - 59,
        "deadline": 180 - 59,
    }
    assert [d.valid for d in result.days] == [expected[d]["valid"] for d in sorted(expected)]
    assert result.chart["valid"][DAYS - 1] == counts.statewide.valid and result.chart["valid"][DAYS] is None

    # The same rows rebuilt from the signatures' timestamps: nothing differs, nothing is written.
    assert history.snapshots_backfill(calexit, start=START, end=today) == 0


@pytest.mark.django_db
def test_a_second_run_with_the_same_counts_writes_nothing_and_a_change_rewrites_its_county_only(calexit, clock):
    paper_line(calexit, county="34", validate=False, status=Signature.Status.VALID)
    tallies_count()
    first = {row.county_id: row.recorded_at for row in DailySnapshot.objects.filter(petition=calexit)}
    assert len(first) == County.objects.count()

    clock.now += timedelta(hours=2)
    assert tallies_count() == 0
    assert history.snapshots_record(petition_counts(calexit)) == 0
    paper_line(calexit, county="19", validate=False, status=Signature.Status.VALID)
    tallies_count()
    after = {row.county_id: row.recorded_at for row in DailySnapshot.objects.filter(petition=calexit)}
    assert {code for code in after if after[code] != first[code]} == {"19"}
    assert DailySnapshot.objects.get(petition=calexit, county_id="19").valid == 1


@pytest.mark.django_db
def test_a_recount_keeps_today_s_snapshot_too(calexit, clock):
    paper_line(calexit, county="34", validate=False, status=Signature.Status.VALID)
    assert tallies_recount().drift == []  # the recount folds the pending change itself
    assert DailySnapshot.objects.get(petition=calexit, county_id="34", day=START).valid == 1


@pytest.mark.django_db
def test_snapshots_are_kept_from_the_summary_date_to_sixty_days_after_the_deadline(calexit, clock):
    calexit.summary_date = START + timedelta(days=1)
    calexit.save()
    tallies_count()
    assert not DailySnapshot.objects.exists()
    assert not history.snapshots_missing()

    calexit.summary_date, calexit.deadline = START - timedelta(days=250), START - timedelta(days=61)
    calexit.save()
    assert not history.snapshots_missing()
    calexit.deadline = START - timedelta(days=60)
    calexit.save()
    assert history.snapshots_missing()
    tallies_count()
    assert DailySnapshot.objects.filter(petition=calexit, day=START).count() == County.objects.count()


@pytest.mark.django_db
def test_a_snapshot_that_cannot_be_written_does_not_undo_the_count(calexit, clock, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise DatabaseError("disk full")

    working = history.snapshots_record
    monkeypatch.setattr(history, "snapshots_record", refuse)
    paper_line(calexit, county="34", validate=False, status=Signature.Status.VALID)
    assert tallies_count() == 1
    assert petition_counts(calexit).statewide.valid == 1
    assert "daily snapshot of petition" in caplog.text
    monkeypatch.setattr(history, "snapshots_record", working)
    tallies_count()  # the next run writes it (today has no row yet)
    assert DailySnapshot.objects.get(petition=calexit, county_id="34", day=START).valid == 1


# --- The dashboard --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_dashboard_shows_the_pace_the_days_left_and_the_chart_as_a_table(client, calexit, clock, volunteer):
    calexit.summary_date = START
    calexit.deadline = START + timedelta(days=180)
    calexit.suggested_filing_random_sample = START + timedelta(days=150)
    calexit.required_signatures = 2_000
    calexit.save()
    for n in range(10):
        clock.at(START + timedelta(days=n), 12)
        for _ in range(7):
            paper_line(calexit, county="34", validate=False, status=Signature.Status.VALID)
        tallies_count()
    clock.at(START + timedelta(days=10), 9)
    login_verified(client, volunteer)
    page = client.get("/dashboard/").content.decode()

    assert 'id="history-chart"' in page and 'id="history-data"' in page
    assert "chart.umd.min.js" in page and "history-chart.js" in page
    assert '<span class="badge text-bg-danger">Behind pace</span>' in page
    assert '<div class="h4 mb-0" id="pace-valid">7</div>' in page  # 49 in the last 7 days
    needed = round((2_000 - 70) / 140)
    assert f'<div class="h4 mb-0" id="pace-needed">{needed}</div>' in page
    assert "140 days left" in page and "170 days left" in page
    assert page.count("<tr data-day=") == 11  # the table: the summary date to today
    assert '<tr data-day="2026-03-05">' in page


@pytest.mark.django_db
def test_a_petition_without_history_or_dates_says_so(client, calexit, volunteer):
    login_verified(client, volunteer)
    page = client.get("/dashboard/").content.decode()
    assert "Too early to tell" in page
    assert "No deadline or filing dates set" in page
    assert 'id="history-table"' in page  # today's point, from the live counts
