"""The campaign's history: each county's counts at the end of each day (DailySnapshot).

The counting run (services.tallies.counts_publish) writes today's row of every county after each run
that changed the tallies, from the counts it has just read; only the rows whose numbers changed are
rewritten (an upsert on petition, day and county), so the last run of a day leaves that day's final
numbers and a second run with the same tallies writes nothing. A day on which nothing changed gets
its rows from the first counting run of the day (tallies_count asks snapshots_missing).

snapshots_backfill rebuilds past days from the signature rows' timestamps: for the demo campaign,
or for a campaign that began before this table existed.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from petitions.models import County, DailySnapshot, Petition, Signature
from petitions.selectors import COUNT_FIELDS, PetitionCounts

logger = logging.getLogger(__name__)

#: Days after its deadline that a petition's counts are still snapshot (forms mailed before the
#: deadline arrive after it, and the last decisions are made).
KEEP_AFTER_DEADLINE_DAYS = 60


def petitions_snapshot_on(day: date):
    """Petitions whose counts are kept on `day`: from their summary date (if set) to
    KEEP_AFTER_DEADLINE_DAYS after their deadline (if set)."""
    return Petition.objects.filter(
        Q(summary_date__isnull=True) | Q(summary_date__lte=day),
        Q(deadline__isnull=True) | Q(deadline__gte=day - timedelta(days=KEEP_AFTER_DEADLINE_DAYS)),
    )


def kept_on(petition: Petition, day: date) -> bool:
    """petitions_snapshot_on for one petition at hand."""
    return (petition.summary_date is None or petition.summary_date <= day) and (
        petition.deadline is None or day - timedelta(days=KEEP_AFTER_DEADLINE_DAYS) <= petition.deadline
    )


def snapshots_missing(*, day: date | None = None) -> bool:
    """Whether a petition that is kept today has no snapshot yet today (one indexed look-up per
    petition): the counting run then writes one even without a change."""
    day = day or timezone.localdate()
    today_rows = DailySnapshot.objects.filter(petition=OuterRef("pk"), day=day)
    return petitions_snapshot_on(day).filter(~Exists(today_rows)).exists()


def snapshots_record(counts: PetitionCounts, *, day: date | None = None, now: datetime | None = None) -> int:
    """Write the petition's row of every county for `day` (today) from `counts` (read from the
    tallies), rewriting only those that changed. Returns how many rows were written. A petition
    outside its snapshot window is skipped."""
    now = now or timezone.now()
    day = day or timezone.localtime(now).date()
    petition = counts.petition
    if not kept_on(petition, day):
        return 0
    rows = {
        row.code: DailySnapshot(
            petition=petition, county_id=row.code, day=day, recorded_at=now, **{f: row.count(f) for f in COUNT_FIELDS}
        )
        for row in counts.by_county
    }
    return _upsert_changed(petition, day, rows)


def _upsert_changed(petition: Petition, day: date, rows: dict[str, DailySnapshot]) -> int:
    stored = {
        values[0]: values[1:]
        for values in DailySnapshot.objects.filter(petition=petition, day=day).values_list("county_id", *COUNT_FIELDS)
    }
    changed = [
        snapshot
        for code, snapshot in rows.items()
        if stored.get(code) != tuple(getattr(snapshot, f) for f in COUNT_FIELDS)
    ]
    if changed:
        DailySnapshot.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["petition", "day", "county"],
            update_fields=[*COUNT_FIELDS, "recorded_at"],
        )
    return len(changed)


def snapshots_record_safely(counts: PetitionCounts) -> None:
    """snapshots_record for the counting run, after its transaction committed: a failure is logged
    and the next run writes the row (the counts themselves are already safe)."""
    try:
        snapshots_record(counts)
    except DatabaseError:
        logger.exception("daily snapshot of petition %s not written; the next counting run will", counts.petition.pk)


# --- Rebuilding past days from the rows ----------------------------------------------------------


def _counted_status(status: str, voter_id: int | None) -> str:
    """tallies.counted_status on plain values: an unregistered person's second signature counts invalid."""
    if status == Signature.Status.DUPLICATE and voter_id is None:
        return Signature.Status.INVALID
    return status


def snapshots_backfill(petition: Petition, *, start: date, end: date, now: datetime | None = None) -> int:
    """Rebuild the petition's rows for the days `start` to `end` from its signature rows' timestamps
    and write them (every county, every day). Returns how many rows were written.

    A signature counts from its confirmation (online) or its keying (paper: created_at) as pending,
    and from its last decision (validated_at) in its present status; an online one is filed from
    the day its wet-ink form was received. So the rebuilt days are what the counting run would have
    recorded, except where a decision was changed later (a take-over, a reviewer's decision): the
    rows keep only the last one. The last day equals the tallies when every change is counted."""
    now = now or timezone.now()
    directly = petition.online_counts_directly
    zone = timezone.get_current_timezone()
    # per (day, county): field -> change in that day's end-of-day count
    changes: dict[date, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))

    def add(day: date, county: str, filed: bool, status: str, sign: int) -> None:
        counts = changes[max(day, start)][county]
        if filed:
            counts["raw"] += sign
            counts[status] += sign
        elif status == Signature.Status.VALID:
            counts["pledged"] += sign

    rows = (
        Signature.objects.filter(petition=petition)
        .exclude(status=Signature.Status.UNCONFIRMED)
        .values_list(
            "county_id",
            "channel",
            "status",
            "voter_id",
            "created_at",
            "confirmed_at",
            "validated_at",
            "wet_ink_received_at",
        )
    )
    for county, channel, status, voter_id, created, confirmed, validated, received in rows.iterator(chunk_size=5000):
        entered = (confirmed or created) if channel == Signature.Channel.ONLINE else created
        final = _counted_status(status, voter_id)
        filed_always = channel == Signature.Channel.PAPER or directly
        decided = (validated or entered) if final != Signature.Status.PENDING else entered
        form_back = None if filed_always else received
        moments = sorted({entered, *(max(moment, entered) for moment in (decided, form_back) if moment is not None)})
        previous: tuple[bool, str] | None = None
        for moment in moments:
            day = moment.astimezone(zone).date()
            if day > end:
                break
            filed = filed_always or (form_back is not None and form_back <= moment)
            counted = final if decided is not None and decided <= moment else Signature.Status.PENDING
            if (filed, counted) == previous:
                continue
            if previous is not None:
                add(day, county, *previous, -1)
            add(day, county, filed, counted, +1)
            previous = (filed, counted)

    counties = list(County.objects.order_by("code").values_list("code", flat=True))
    with transaction.atomic():
        return _days_write(petition, changes, counties, start=start, end=end, now=now)


def _days_write(
    petition: Petition,
    changes: dict[date, dict[str, Counter[str]]],
    counties: list[str],
    *,
    start: date,
    end: date,
    now: datetime,
) -> int:
    """Each day's rows: the running sums of the changes up to that day."""
    running: dict[str, Counter[str]] = {code: Counter() for code in counties}
    written = 0
    day = start
    while day <= end:
        for code, delta in changes.get(day, {}).items():
            running[code].update(delta)
        snapshots = {
            code: DailySnapshot(
                petition=petition,
                county_id=code,
                day=day,
                recorded_at=now,
                **{f: running[code][f] for f in COUNT_FIELDS},
            )
            for code in counties
        }
        written += _upsert_changed(petition, day, snapshots)
        day += timedelta(days=1)
    return written
