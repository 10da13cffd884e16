"""Email to the organizers, each sent once: the 25 % notice (EC 9034), the milestones (50, 75, 100
and 110 % of the requirement), the pace falling behind (at most once a day) and the daily summary.

The row is the claim. `notifications_check` works out from the tallies what is due and inserts one
Notification per (petition, kind, key) with ON CONFLICT DO NOTHING: two checks racing (two counting
runs' tasks, a retry and the daily task) insert one row between them. Then each unsent row is taken
with a lease, as services.outbox takes a signer's email: one conditional UPDATE sets `retry_at` to
now + EMAIL_SEND_LEASE and counts an attempt, so only one process sends it. Sent: `sent_at` is set.
Refused or timed out: `retry_at` moves to the back-off (outbox.retry_delay) and a later check (the
next counting run's, the sweep's or the daily task's) sends it. A worker dying mid-send leaves a
lease that expires. An email the server accepted just before its worker died would go out twice;
one whose record waits for a restarting database does not (outbox.record_sent).

A kind switched off (Petition.notifications_off) is recorded as settled without an email
(`skipped`), so that switching it back on does not send old news; so are lower milestones crossed
in the same check as a higher one (only the highest is sent), and a notification with no Organizer
to send it to. The emails carry numbers only, never a signer's name.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from petitions.models import Notification, Petition
from petitions.selectors import petition_counts, petition_history
from petitions.services.audit import audit_record
from petitions.services.history import kept_on
from petitions.services.outbox import lease_ends, record_sent, retry_delay

logger = logging.getLogger(__name__)

Kind = Notification.Kind
MILESTONE_PERCENTS = (50, 75, 100, 110)
RECIPIENT_GROUP = "Organizer"
SUBJECTS = {
    Kind.NOTICE: "{title}: {percent} % of the requirement collected, the EC 9034 certification is due",
    Kind.MILESTONE: "{title}: {percent} % of the requirement collected",
    Kind.PACE: "{title}: the pace has fallen behind",
    Kind.DAILY: "{title}: daily summary for {day}",
}


@dataclass(frozen=True)
class Due:
    """A notification the numbers call for."""

    kind: str
    key: str
    detail: dict[str, Any] = field(default_factory=dict)


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def notifications_due(petition: Petition, *, now: datetime, daily: bool = False) -> list[Due]:
    """What the petition's tallies call for now (the daily summary only when `daily`), switched off
    or not. By raw: the 25 % notice and the milestones; the pace: the 7-day valid pace below the
    daily pace needed to meet the requirement by the finish (petitions.pace)."""
    counts = petition_counts(petition)
    raw, valid = counts.statewide.raw, counts.statewide.valid
    required = petition.required_signatures
    today = timezone.localtime(now).date()
    numbers: dict[str, Any] = {
        "day": today.isoformat(),
        "raw": raw,
        "valid": valid,
        "required": required,
        "raw_percent": _percent(raw, required),
        "valid_percent": _percent(valid, required),
    }
    due: list[Due] = []
    if required and raw >= petition.notice_threshold:
        due.append(
            Due(
                Kind.NOTICE,
                f"notice-{petition.notice_percent}",
                {**numbers, "percent": petition.notice_percent, "threshold": petition.notice_threshold},
            )
        )
    for percent in MILESTONE_PERCENTS:
        threshold = math.ceil(required * percent / 100)
        if required and raw >= threshold:
            due.append(
                Due(Kind.MILESTONE, f"milestone-{percent}", {**numbers, "percent": percent, "threshold": threshold})
            )
    pace = petition_history(petition, counts, today=today).pace
    pace_numbers = {
        "valid_per_day": None if pace.valid_per_day is None else round(pace.valid_per_day, 1),
        "needed_per_day": None if pace.needed_per_day is None else round(pace.needed_per_day, 1),
        "window_days": pace.window_days,
        "finish": None if pace.finish is None else pace.finish.label,
        "finish_day": None if pace.finish is None else pace.finish.day.isoformat(),
        "days_left": None if pace.finish is None else pace.finish.days_left,
        "projected_at_finish": pace.projected_at_finish,
        "pace_status": pace.status,
    }
    if pace.status == "behind":
        due.append(Due(Kind.PACE, f"pace-{today.isoformat()}", {**numbers, **pace_numbers}))
    if daily:
        statewide = counts.statewide
        breakdown = {name: statewide.count(name) for name in ("invalid", "duplicate", "review", "pending", "pledged")}
        due.append(Due(Kind.DAILY, f"daily-{today.isoformat()}", {**numbers, **pace_numbers, **breakdown}))
    return due


def notifications_check(petition: Petition, *, now: datetime | None = None, daily: bool = False) -> int:
    """Claim what is due for the petition (one row each, ever) and send what is unsent and not
    backing off. Returns how many emails this call sent. Raises nothing for a failed send: it is
    recorded with its back-off and a later check sends it."""
    now = now or timezone.now()
    petition.refresh_from_db(fields=["notifications_off", "required_signatures", "notice_percent"])
    notifications_claim(petition, notifications_due(petition, now=now, daily=daily), now=now)
    sent, _ = notifications_send_due(petition=petition, now=now)
    return sent


def notifications_claim(petition: Petition, due: list[Due], *, now: datetime) -> None:
    """Insert a row for each due notification that has none (racing inserts: one wins). Switched-off
    kinds, and milestones below the highest one new in this check, are inserted settled."""
    off = set(petition.notifications_off or [])
    existing = set(
        Notification.objects.filter(petition=petition, key__in=[d.key for d in due]).values_list("key", flat=True)
    )
    new_milestones = [d for d in due if d.kind == Kind.MILESTONE and d.key not in existing]
    highest = max(new_milestones, key=lambda d: d.detail["percent"]).key if new_milestones else None
    rows = []
    for item in due:
        if item.key in existing:
            continue
        skipped = ""
        if item.kind in off:
            skipped = "switched_off"
        elif item.kind == Kind.MILESTONE and item.key != highest:
            skipped = "superseded"
        rows.append(
            Notification(
                petition=petition,
                kind=item.kind,
                key=item.key,
                detail=item.detail,
                skipped=skipped,
                sent_at=now if skipped else None,
            )
        )
    if rows:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)


def _unsent(now: datetime) -> Q:
    return Q(sent_at__isnull=True) & (Q(retry_at__isnull=True) | Q(retry_at__lte=now))


def notifications_send_due(
    *, petition: Petition | None = None, now: datetime | None = None, limit: int = 50, seconds: float = 30
) -> tuple[int, int]:
    """Send the unsent notifications that are not leased or backing off (one petition's, or all),
    oldest first, at most `limit` and for about `seconds`; stops at the first failure (the server is
    likely down for all). Returns (sent, failed)."""
    now = now or timezone.now()
    pending = Notification.objects.filter(_unsent(now))
    if petition is not None:
        pending = pending.filter(petition=petition)
    ids = list(pending.order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
    deadline = time.monotonic() + seconds
    sent = 0
    for notification_id in ids:
        if time.monotonic() > deadline:
            break
        try:
            sent += notification_send(notification_id, now=now)
        except Exception:  # noqa: BLE001 - recorded with its back-off; a later check sends it
            return sent, 1
    return sent, 0


def notification_recipients() -> list[str]:
    """Every active Organizer with an email address."""
    users = get_user_model().objects.filter(groups__name=RECIPIENT_GROUP, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def notification_send(notification_id: int, *, now: datetime | None = None) -> bool:
    """Send one notification unless it is sent, leased or backing off. True when this call sent it;
    raises what sending raised (after recording the back-off)."""
    now = now or timezone.now()
    lease = {"retry_at": now + timedelta(seconds=settings.EMAIL_SEND_LEASE), "attempts": F("attempts") + 1}
    ends = lease_ends()
    if Notification.objects.filter(_unsent(now), pk=notification_id).update(**lease) != 1:
        return False
    notification = Notification.objects.select_related("petition").get(pk=notification_id)
    petition = notification.petition
    settled = Notification.objects.filter(pk=notification_id, sent_at__isnull=True)
    if notification.kind in set(petition.notifications_off or []):  # switched off since it was claimed
        settled.update(sent_at=now, retry_at=None, skipped="switched_off")
        return False
    recipients = notification_recipients()
    if not recipients:
        settled.update(sent_at=now, retry_at=None, skipped="no_recipients")
        logger.warning("notification %s (%s): no active Organizer has an email address", notification.key, petition)
        return False
    try:
        _deliver(notification, recipients)
    except Exception:
        delay = retry_delay(notification.attempts)
        settled.update(retry_at=now + delay)
        logger.warning(
            "notification %s of petition %s not sent (attempt %d), next try in %d s",
            notification.key, petition.pk, notification.attempts, delay.total_seconds(),
        )  # fmt: skip
        raise
    record_sent(lambda: settled.update(sent_at=now, retry_at=None, recipients=len(recipients)), ends,
                f"notification {notification.key} of petition {petition.pk}")  # fmt: skip
    audit_record(
        action="notification.sent",
        actor="notifications",
        target=notification,
        detail={"petition": petition.slug, "key": notification.key, "recipients": len(recipients)},
    )
    return True


def _deliver(notification: Notification, recipients: list[str]) -> None:
    petition = notification.petition
    detail = notification.detail
    with translation.override(settings.LANGUAGE_CODE):  # to the organizers, in the dashboard's language
        subject = SUBJECTS[Kind(notification.kind)].format(title=petition.title, **detail)
        body = render_to_string(
            f"email/notification_{notification.kind}.txt",
            {"petition": petition, "n": detail, "dashboard_url": f"{settings.SITE_URL}/dashboard/"},
        )
    # Bcc: the organizers do not see each other's addresses.
    EmailMessage(subject=subject, body=body, bcc=recipients).send()


def notifications_daily(*, now: datetime | None = None) -> int:
    """The daily summary (and anything else due) for every petition whose counts are kept today
    (services.history.kept_on). Returns how many emails were sent."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    sent = 0
    for petition in Petition.objects.order_by("pk"):
        if kept_on(petition, today):
            sent += notifications_check(petition, now=now, daily=True)
    return sent
