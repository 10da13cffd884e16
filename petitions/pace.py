"""The campaign's pace: how fast valid signatures come in against how fast they must, and the dates
that bound it. Pure arithmetic on a statewide daily series (no database): selectors.petition_history
reads the series from the daily snapshots and calls this.

- The 7-day pace is the valid (and raw) signatures gained over the last seven complete days (to
  yesterday), per day; a campaign younger than that uses the days it has (its counts start at 0),
  and one in its first day has no pace yet.
- The finish is the day the requirement must be met by: the Secretary of State's suggested last day
  to file for the random sample when it is set and still ahead, else the circulation deadline.
- The pace needed is the valid signatures still missing over the days left to the finish.
- The chart's needed line goes straight from nothing on the first day to the requirement on the
  finish; the projection goes from today's count at the 7-day pace to the finish.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

PACE_WINDOW_DAYS = 7


@dataclass(frozen=True)
class DayCounts:
    """The statewide counts at the end of a day (today: now)."""

    day: date
    raw: int = 0
    valid: int = 0


@dataclass(frozen=True)
class Milestone:
    """A date the campaign works to, and the days left to it from today (negative once passed)."""

    key: str  # "deadline", "random_sample", "full_count"
    label: str
    day: date
    days_left: int

    @property
    def passed(self) -> bool:
        return self.days_left < 0


MILESTONE_LABELS = {
    "deadline": _("Circulation deadline"),
    "random_sample": _("Suggested filing date, random sample"),
    "full_count": _("Suggested filing date, full count"),
}
MILESTONE_SHORT = {
    "deadline": _("deadline"),
    "random_sample": _("random sample filing"),
    "full_count": _("full count filing"),
}


def milestones_for(
    *, today: date, deadline: date | None, random_sample: date | None, full_count: date | None
) -> list[Milestone]:
    """The dates that are set, earliest first."""
    dates = {"deadline": deadline, "random_sample": random_sample, "full_count": full_count}
    found = [
        Milestone(key=key, label=str(MILESTONE_LABELS[key]), day=day, days_left=(day - today).days)
        for key, day in dates.items()
        if day is not None
    ]
    return sorted(found, key=lambda m: (m.day, m.key))


def finish_milestone(milestones: Sequence[Milestone]) -> Milestone | None:
    """The day the requirement must be met by: the suggested random-sample filing date while it is
    ahead (today included), else the circulation deadline (even once passed), else nothing."""
    by_key = {m.key: m for m in milestones}
    ahead = [by_key[key] for key in ("random_sample", "deadline") if key in by_key and not by_key[key].passed]
    if ahead:
        return min(ahead, key=lambda m: m.day)
    return by_key.get("deadline") or by_key.get("random_sample")


def series_fill(points: Iterable[DayCounts], *, start: date, end: date) -> list[DayCounts]:
    """One DayCounts per day from `start` to `end`: a day without a point has the counts of the day
    before it (nothing changed), a day before the first point has none."""
    by_day = {p.day: p for p in points}
    filled: list[DayCounts] = []
    raw = valid = 0
    # Points before `start` set where the series begins.
    for day in sorted(d for d in by_day if d < start):
        raw, valid = by_day[day].raw, by_day[day].valid
    day = start
    while day <= end:
        point = by_day.get(day)
        if point is not None:
            raw, valid = point.raw, point.valid
        filled.append(DayCounts(day=day, raw=raw, valid=valid))
        day += timedelta(days=1)
    return filled


@dataclass(frozen=True)
class Pace:
    today: date
    required: int
    raw: int
    valid: int
    window_days: int  # the complete days the pace is measured over (0: none yet)
    valid_per_day: float | None
    raw_per_day: float | None
    finish: Milestone | None
    needed_per_day: float | None  # valid per day to meet the requirement by the finish; 0 once met
    milestones: list[Milestone] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return max(0, self.required - self.valid)

    @property
    def status(self) -> str:
        """reached, on_pace, behind, past (the finish went by short of it) or unknown (no pace or no finish yet)."""
        if self.missing == 0:
            return "reached"
        if self.finish is not None and self.finish.passed:
            return "past"
        if self.needed_per_day is None or self.valid_per_day is None:
            return "unknown"
        return "on_pace" if self.valid_per_day >= self.needed_per_day else "behind"

    @property
    def projected_at_finish(self) -> int | None:
        """The valid count on the finish day at the 7-day pace."""
        if self.finish is None or self.valid_per_day is None or self.finish.passed:
            return None
        return self.valid + round(self.valid_per_day * self.finish.days_left)

    @property
    def pace_percent_of_needed(self) -> float | None:
        if not self.needed_per_day or self.valid_per_day is None:
            return None
        return 100.0 * self.valid_per_day / self.needed_per_day


def pace_compute(
    series: Sequence[DayCounts],
    *,
    today: date,
    required: int,
    milestones: Sequence[Milestone],
    origin: date | None = None,
    window: int = PACE_WINDOW_DAYS,
) -> Pace:
    """The pace from a filled daily series ending today (series_fill up to `today`). `origin`: the
    day the campaign's counts started from nothing (the summary date); without it, or when the
    series starts later, the pace is measured only over days the series holds."""
    by_day = {p.day: p for p in series}
    now = by_day.get(today) or (series[-1] if series else DayCounts(day=today))
    first = series[0].day if series else today
    yesterday = today - timedelta(days=1)
    # The day before the window must be known: in the series, or before the origin (nothing then).
    earliest_before = origin - timedelta(days=1) if origin is not None and origin <= first else first
    window_days = max(0, min(window, (yesterday - earliest_before).days))
    valid_per_day = raw_per_day = None
    if window_days:
        end = by_day.get(yesterday, DayCounts(day=yesterday))
        before_day = yesterday - timedelta(days=window_days)
        before = by_day.get(before_day, DayCounts(day=before_day))
        valid_per_day = (end.valid - before.valid) / window_days
        raw_per_day = (end.raw - before.raw) / window_days
    finish = finish_milestone(milestones)
    needed: float | None = None
    missing = max(0, required - now.valid)
    if missing == 0:
        needed = 0.0
    elif finish is not None and not finish.passed:
        needed = missing / max(1, finish.days_left)
    return Pace(
        today=today,
        required=required,
        raw=now.raw,
        valid=now.valid,
        window_days=window_days,
        valid_per_day=valid_per_day,
        raw_per_day=raw_per_day,
        finish=finish,
        needed_per_day=needed,
        milestones=list(milestones),
    )


def chart_data(series: Sequence[DayCounts], pace: Pace, *, end: date) -> dict:
    """What the dashboard's chart draws (JSON-ready): a label per day from the series' first day to
    `end`; raw and valid up to today (null after); the needed line, straight from nothing on the
    first day to the requirement on the finish (then level); valid at the 7-day pace from today to
    the finish; and the milestones that fall on the chart."""
    if not series:
        return {"labels": [], "raw": [], "valid": [], "needed": [], "projected": [], "milestones": []}
    first = series[0].day
    days = [first + timedelta(days=n) for n in range((max(end, series[-1].day) - first).days + 1)]
    by_day = {p.day: p for p in series}
    finish = pace.finish
    span = (finish.day - first).days if finish else 0
    needed: list[int | None] = []
    projected: list[int | None] = []
    for day in days:
        if finish is None or span <= 0:
            needed.append(None)
        else:
            needed.append(round(pace.required * min(1.0, (day - first).days / span)))
        if pace.valid_per_day is not None and finish is not None and pace.today <= day <= finish.day:
            projected.append(pace.valid + round(pace.valid_per_day * (day - pace.today).days))
        else:
            projected.append(None)
    return {
        "labels": [day.isoformat() for day in days],
        "raw": [by_day[day].raw if day in by_day and day <= pace.today else None for day in days],
        "valid": [by_day[day].valid if day in by_day and day <= pace.today else None for day in days],
        "needed": needed,
        "projected": projected,
        "required": pace.required,
        "today": pace.today.isoformat(),
        "finish": finish.day.isoformat() if finish else None,
        "milestones": [
            {"key": m.key, "label": str(MILESTONE_SHORT[m.key]), "day": m.day.isoformat()}
            for m in pace.milestones
            if first <= m.day
        ],
    }
