"""Retention: signers' personal data is removed once it is no longer needed; the counts stay.

A closed petition's signatures (and its circulators, and double-entry keyed
lines) lose names, addresses, dates of birth, emails and the keys derived from
them `retention_days` after the deadline (`signatures_purge_personal_data`,
command `purge_personal_data`). Each row is kept with what the count is made
of: channel, county, section and line, status, reason, duplicate_of and the
voter link. The voter link stays because a duplicate of a registered voter and
one of an unregistered person count in different buckets (tallies.counted_status),
and the voter row is the Secretary of State's file, not something the signer
gave us. Unconfirmed online signatures were never counted: they lose their
data `UNCONFIRMED_RETENTION_DAYS` after they were made (`signatures_purge_unconfirmed`,
a daily beat task).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from petitions.models import Circulator, KeyedLine, Petition, Signature
from petitions.services.audit import audit_record

PURGE_BATCH = 5_000

# What a signature keeps nothing of: everything the signer wrote or that is derived from it.
PURGED_SIGNATURE_FIELDS: dict[str, object] = {
    "first_name": "",
    "middle_name": "",
    "last_name": "",
    "suffix": "",
    "name_as_written": "",
    "address": "",
    "unit": "",
    "city": "",
    "zip": "",
    "dob": None,
    "email": "",
    "person_key": "",
    "ip_hash": "",
    "confirm_nonce": "",
    "match_candidates": [],
}
PURGED_CIRCULATOR_FIELDS = {"name": "", "address": "", "city": "", "zip": "", "phone": "", "email": ""}
PURGED_KEYED_LINE_FIELDS = {"name": "", "address": "", "city": "", "zip": ""}


class RetentionNotOver(Exception):
    """The petition is open, or its retention period has not passed: nothing was purged."""


@dataclass(frozen=True)
class PurgeSummary:
    signatures: int
    circulators: int
    keyed_lines: int
    dry_run: bool = False


def petition_closed(petition: Petition, *, today: date | None = None) -> bool:
    """No longer gathering signatures: closed by hand, or past its deadline."""
    today = today or timezone.localdate()
    return not petition.is_open or (petition.deadline is not None and today > petition.deadline)


def retention_ends(petition: Petition) -> date | None:
    """The first day personal data may be purged: `retention_days` after the
    deadline; without a deadline, after the day the petition's last signature
    was recorded (the last day it was in use). None: nothing recorded yet."""
    start = petition.deadline
    if start is None:
        last = Signature.objects.filter(petition=petition).aggregate(last=Max("created_at"))["last"]
        if last is None:
            return None
        start = timezone.localdate(last)
    return start + timedelta(days=petition.retention_days + 1)


def _purge_in_batches(queryset: QuerySet, fields: dict, *, batch: int) -> int:
    """Overwrite `fields` on every row of `queryset`, PURGE_BATCH ids at a
    time in their own transaction (memory and locks stay bounded whatever the
    table's size; an interrupted run resumes where it stopped)."""
    done = 0
    last_id = 0
    while True:
        ids = list(queryset.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return done
        with transaction.atomic():
            done += queryset.filter(pk__in=ids).update(**fields)  # rows that changed meanwhile stay out
        last_id = ids[-1]


def signatures_purge_personal_data(
    *, petition: Petition, actor: str, dry_run: bool = False, today: date | None = None, batch: int = PURGE_BATCH
) -> PurgeSummary:
    """Remove the personal data of a closed petition's signers and circulators
    once its retention period is over, keeping every row (the counts and a
    recount do not change). Idempotent: purged rows are skipped. Raises
    RetentionNotOver before the period ends. Writes one audit row."""
    today = today or timezone.localdate()
    if not petition_closed(petition, today=today):
        raise RetentionNotOver(f"{petition.slug} is still open (is_open, or its deadline has not passed).")
    ends = retention_ends(petition)
    if ends is not None and today < ends:
        raise RetentionNotOver(
            f"{petition.slug}'s personal data is kept {petition.retention_days} days after "
            f"{petition.deadline or 'its last signature'}: it may be purged from {ends.isoformat()}."
        )
    signatures = Signature.objects.filter(petition=petition, purged_at__isnull=True)
    circulators = Circulator.objects.filter(petition=petition).exclude(**PURGED_CIRCULATOR_FIELDS)
    keyed_lines = KeyedLine.objects.filter(section__petition=petition).exclude(**PURGED_KEYED_LINE_FIELDS)
    if dry_run:
        return PurgeSummary(
            signatures=signatures.count(),
            circulators=circulators.count(),
            keyed_lines=keyed_lines.count(),
            dry_run=True,
        )
    now = timezone.now()
    summary = PurgeSummary(
        signatures=_purge_in_batches(
            signatures, {**PURGED_SIGNATURE_FIELDS, "purged_at": now, "updated_at": now}, batch=batch
        ),
        circulators=_purge_in_batches(circulators, PURGED_CIRCULATOR_FIELDS, batch=batch),
        keyed_lines=_purge_in_batches(keyed_lines, {**PURGED_KEYED_LINE_FIELDS, "updated_at": now}, batch=batch),
    )
    audit_record(
        action="signatures.purge_personal_data",
        actor=actor,
        target=petition,
        detail={
            "signatures": summary.signatures,
            "circulators": summary.circulators,
            "keyed_lines": summary.keyed_lines,
            "retention_days": petition.retention_days,
        },
    )
    return summary


def signatures_purge_unconfirmed(
    *, older_than_days: int | None = None, actor: str = "purge_unconfirmed", batch: int = PURGE_BATCH
) -> int:
    """Remove the personal data of online signatures never confirmed within
    `older_than_days` (UNCONFIRMED_RETENTION_DAYS) of being made. They were
    never counted; their rows stay (signing trends). Returns how many;
    writes an audit row when there were any."""
    days = settings.UNCONFIRMED_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    stale = Signature.objects.filter(status=Signature.Status.UNCONFIRMED, purged_at__isnull=True, created_at__lt=cutoff)
    now = timezone.now()
    purged = _purge_in_batches(stale, {**PURGED_SIGNATURE_FIELDS, "purged_at": now, "updated_at": now}, batch=batch)
    if purged:
        audit_record(
            action="signatures.purge_unconfirmed", actor=actor, detail={"signatures": purged, "older_than_days": days}
        )
    return purged
