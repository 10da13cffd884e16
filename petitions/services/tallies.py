"""Counting. Signature rows are the truth. A status change writes TallyChange
rows in its own transaction; one periodic job, behind an advisory lock, folds
them into Tally; a recount rebuilds Tally from the rows and reports drift.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Case, CharField, Count, F, Q, Value, When
from django.utils import timezone

from petitions import queue
from petitions.models import CountingRun, Petition, Signature, Tally, TallyChange
from petitions.selectors import petition_counts_store, public_memo_clear
from petitions.services import history

logger = logging.getLogger(__name__)

COUNTING_LOCK_KEY = 0x43414C58  # 'CALX': the one lock all counting runs share
BATCH = 20_000

Bucket = tuple[int, str, bool, str]  # petition id, county code, filed, status


def is_filed(signature: Signature, petition: Petition) -> bool:
    """Whether the signature would be filed with the county under the petition's rules."""
    return (
        signature.channel == Signature.Channel.PAPER
        or petition.online_counts_directly
        or signature.wet_ink_received_at is not None
    )


def filing_rank(signature: Signature, petition: Petition) -> tuple:
    """Which of one voter's signatures counts: the lowest rank, and of equal
    ranks the one counting already. A filed one before a pledge (under the
    wet-ink rule a pledge is never filed), and the earliest filed (a paper line
    when keyed, a wet-ink form when received) before a later one."""
    if not is_filed(signature, petition):
        return (1,)
    returned_form = signature.channel == Signature.Channel.ONLINE and not petition.online_counts_directly
    return (0, signature.wet_ink_received_at if returned_form else signature.created_at)


def counted_status(signature: Signature) -> str:
    """The status a signature is counted under: its own, except that the second
    signature of someone who is not registered counts as `invalid`. The county
    finds a duplicate only among registered voters; to it, each signature of an
    unregistered person is simply not registered. (The row keeps `duplicate`
    and `duplicate_of`, so the duplicate report is complete.)"""
    if signature.status == Signature.Status.DUPLICATE and signature.voter_id is None:
        return Signature.Status.INVALID
    return signature.status


def bucket_of(signature: Signature, petition: Petition) -> Bucket | None:
    if signature.status == Signature.Status.UNCONFIRMED:
        return None  # never counted
    return (petition.pk, signature.county_id, is_filed(signature, petition), counted_status(signature))


def tally_move(deltas: Counter, *, before: Bucket | None, after: Bucket | None) -> None:
    """Add one signature's move between buckets to `deltas` ({bucket: +n or -n})."""
    if before != after:
        if before is not None:
            deltas[before] -= 1
        if after is not None:
            deltas[after] += 1


def tally_change_record(*, before: Bucket | None, after: Bucket | None) -> None:
    """Record a signature's move between buckets. Call inside the transaction that changes it."""
    deltas: Counter = Counter()
    tally_move(deltas, before=before, after=after)
    tally_changes_record(deltas)


def tally_changes_record(deltas: Counter) -> None:
    """Record many moves at once, summed per bucket: {bucket: +n or -n}. Call
    inside the transaction that changes the signatures."""
    rows = [
        TallyChange(petition_id=petition_id, county_id=county_id, filed=filed, status=status, delta=delta)
        for (petition_id, county_id, filed, status), delta in deltas.items()
        if delta
    ]
    if rows:
        TallyChange.objects.bulk_create(rows)


@contextmanager
def _counting_lock() -> Iterator[bool]:
    """True when this run holds the counting lock; take it outside a transaction.

    PostgreSQL: a session advisory lock, taken before the run's transaction
    starts (so a recount's snapshot sees everything the previous run
    committed) and released after it ends; a crashed worker's connection
    closes and frees it. SQLite serialises writers itself."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [COUNTING_LOCK_KEY])
        locked = bool(cursor.fetchone()[0])
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [COUNTING_LOCK_KEY])


def _apply(totals: Counter[Bucket]) -> None:
    for (petition_id, county_id, filed, status), delta in totals.items():
        if delta == 0:
            continue
        tally, _ = Tally.objects.get_or_create(petition_id=petition_id, county_id=county_id, filed=filed, status=status)
        Tally.objects.filter(pk=tally.pk).update(count=F("count") + delta)


def tallies_count() -> int | None:
    """Fold pending changes into the tallies. Returns how many changes were
    applied, or None when another counting run holds the lock."""
    started = timezone.now()
    applied = 0
    with _counting_lock() as locked, transaction.atomic():
        if not locked:
            return None
        while True:
            batch = list(
                TallyChange.objects.order_by("id").values_list(
                    "id", "petition_id", "county_id", "filed", "status", "delta"
                )[:BATCH]
            )
            if not batch:
                break
            totals: Counter[Bucket] = Counter()
            for _, petition_id, county_id, filed, status, delta in batch:
                totals[(petition_id, county_id, filed, status)] += delta
            _apply(totals)
            TallyChange.objects.filter(id__in=[row[0] for row in batch]).delete()
            applied += len(batch)
        if applied:
            CountingRun.objects.create(
                kind=CountingRun.Kind.COUNT, started_at=started, finished_at=timezone.now(), changes_applied=applied
            )
    if applied or history.snapshots_missing():  # a quiet day gets its snapshot from its first run
        counts_publish()
    return applied


def counts_publish() -> None:
    """Store every petition's counts in its cache entry, which the public pages
    and the API read (selectors.petition_counts_cached), and as today's daily
    snapshot (services.history), and queue each petition's notification check
    (services.notifications, on the email queue: the count never waits on SMTP).
    Called after a counting run commits, so none of them ever shows what a
    rolled-back run wrote."""
    today = timezone.localdate()
    for petition in Petition.objects.all():
        history.snapshots_record_safely(petition_counts_store(petition))
        if history.kept_on(petition, today):  # the organizers' notifications, on the email queue
            queue.enqueue_on_commit("check_notifications", petition.pk)
    public_memo_clear()  # this process shows the new counts at once; the others within PUBLIC_MEMO_SECONDS


def _rows_by_bucket() -> Counter[Bucket]:
    """The truth, from the signature rows."""
    truth: Counter[Bucket] = Counter()
    online_direct = set(Petition.objects.filter(online_counts_directly=True).values_list("pk", flat=True))
    counted = Case(  # counted_status, in SQL
        When(status=Signature.Status.DUPLICATE, voter__isnull=True, then=Value(Signature.Status.INVALID)),
        default=F("status"),
        output_field=CharField(),
    )
    grouped = (
        Signature.objects.exclude(status=Signature.Status.UNCONFIRMED)
        .annotate(counted=counted)
        .values("petition_id", "county_id", "channel", "counted")
        .annotate(returned=Count("id", filter=Q(wet_ink_received_at__isnull=False)), total=Count("id"))
    )
    for row in grouped.iterator():
        petition_id, county_id, status = row["petition_id"], row["county_id"], row["counted"]
        if row["channel"] == Signature.Channel.PAPER or petition_id in online_direct:
            truth[(petition_id, county_id, True, status)] += row["total"]
        else:
            truth[(petition_id, county_id, True, status)] += row["returned"]
            truth[(petition_id, county_id, False, status)] += row["total"] - row["returned"]
    return +truth  # drop zero buckets


def tallies_recount() -> CountingRun | None:
    """Rebuild the tallies from the signature rows and report any drift.

    Reads the rows and the pending changes in one snapshot: a change visible in
    that snapshot is already in the rows, so it is dropped; one committed later
    stays for the next counting run. Returns None when the lock is taken."""
    started = timezone.now()
    outermost = not connection.in_atomic_block
    with _counting_lock() as locked, transaction.atomic():
        if not locked:
            return None
        if connection.vendor == "postgresql" and outermost:  # (a caller's transaction has its own snapshot)
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        truth = _rows_by_bucket()
        pending_ids = list(TallyChange.objects.values_list("id", flat=True))
        expected: Counter[Bucket] = Counter()
        for tally in Tally.objects.values_list("petition_id", "county_id", "filed", "status", "count"):
            expected[tally[:4]] += tally[4]
        for change in TallyChange.objects.filter(id__in=pending_ids).values_list(
            "petition_id", "county_id", "filed", "status", "delta"
        ):
            expected[change[:4]] += change[4]
        drift = []
        for bucket in sorted(set(truth) | set(expected), key=str):
            if truth[bucket] != expected[bucket]:
                petition_id, county_id, filed, status = bucket
                drift.append(
                    {
                        "petition": petition_id,
                        "county": county_id,
                        "filed": filed,
                        "status": status,
                        "tally": expected[bucket],
                        "rows": truth[bucket],
                    }
                )
        for start in range(0, len(pending_ids), BATCH):
            TallyChange.objects.filter(id__in=pending_ids[start : start + BATCH]).delete()
        Tally.objects.all().delete()
        Tally.objects.bulk_create(
            [Tally(petition_id=p, county_id=c, filed=f, status=s, count=n) for (p, c, f, s), n in truth.items()]
        )
        run = CountingRun.objects.create(
            kind=CountingRun.Kind.RECOUNT,
            started_at=started,
            finished_at=timezone.now(),
            changes_applied=len(pending_ids),
            drift=drift,
        )
    counts_publish()
    if drift:
        logger.error("recount found drift in %d tally buckets: %s", len(drift), drift)
    return run


#: Counting runs of kind `count` are kept this many days (one every COUNT_INTERVAL seconds
#: while signatures come in: about 1.5 M over a campaign); recounts are kept, with their drift.
COUNTING_RUNS_KEEP_DAYS = 7
PRUNE_BATCH = 10_000


def counting_runs_prune(*, keep_days: int = COUNTING_RUNS_KEEP_DAYS) -> int:
    """Delete `count` runs older than `keep_days` (the last run is always kept:
    it dates the public counts), in batches of PRUNE_BATCH rows with a
    transaction each. Recounts are kept. Returns how many were deleted."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    last = CountingRun.objects.order_by("-finished_at").values_list("pk", flat=True).first()
    if last is None:
        return 0
    old = CountingRun.objects.filter(kind=CountingRun.Kind.COUNT, finished_at__lt=cutoff).exclude(pk=last)
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(old.order_by("finished_at").values_list("pk", flat=True)[:PRUNE_BATCH])
            if not ids:
                return deleted
            deleted += CountingRun.objects.filter(pk__in=ids).delete()[0]
