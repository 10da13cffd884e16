"""Trending: the client addresses and email domains signing far above their
own normal in the last hour, so that a person can look at what they signed.

A robust ratio rule, not a Poisson test: signing follows the news and the time of day, so counts are overdispersed
and a Poisson test would flag every large email domain each evening.
Flagged: in the last hour at least MIN_COUNT signatures and at least FACTOR
times the key's own hourly average over the 7 days before (FLOOR for a key
new to us). Two GROUP BY queries per kind over the window's signatures; the
signing path writes nothing for this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import CharField, Count, Expression, F, Q, QuerySet, Value
from django.db.models.functions import Lower, StrIndex, Substr
from django.utils import timezone

from petitions.models import Petition, Signature

WINDOW = timedelta(hours=1)
BASELINE = timedelta(days=7)
#: Expected signatures an hour for an address or domain not seen in the 7 days before.
FLOOR = 1.0
#: How many times its own normal an hour must be to be flagged.
FACTOR = 5.0
#: Fewer signatures than this in an hour is never a burst worth a look.
MIN_COUNT = 10
TOP = 20


@dataclass(frozen=True)
class Trend:
    key: str  # the address's keyed hash (first 12 characters), or the email domain
    count: int  # signatures in the last hour
    held: int  # of which held for review
    hourly_average: float  # over the 7 days before the last hour

    @property
    def expected(self) -> float:
        return max(self.hourly_average, FLOOR)

    @property
    def ratio(self) -> float:
        return self.count / self.expected


@dataclass(frozen=True)
class TrendingReport:
    since: datetime
    addresses: list[Trend]
    domains: list[Trend]


def _domain() -> Lower:
    """The email's domain, lower-cased, in SQL."""
    return Lower(Substr("email", StrIndex("email", Value("@")) + 1), output_field=CharField())


def _flagged(recent: dict[str, tuple[int, int]], before: dict[str, int]) -> list[Trend]:
    hours = BASELINE / timedelta(hours=1)
    trends = [
        Trend(key=key, count=count, held=held, hourly_average=before.get(key, 0) / hours)
        for key, (count, held) in recent.items()
    ]
    flagged = [t for t in trends if t.count >= MIN_COUNT and t.count >= FACTOR * t.expected]
    return sorted(flagged, key=lambda t: (-t.ratio, -t.count, t.key))[:TOP]


def _trends(signatures: QuerySet[Signature], field: Expression | F, *, since: datetime) -> list[Trend]:
    """Group the last hour's signatures by `field` (an expression), then the 7 days
    before for the keys of the hour only, and keep the flagged ones."""
    recent_rows = (
        signatures.filter(created_at__gte=since)
        .annotate(key=field)
        .values("key")
        .annotate(count=Count("id"), held=Count("id", filter=~Q(hold=Signature.Hold.NONE)))
        .filter(count__gte=MIN_COUNT)
    )
    recent = {row["key"]: (row["count"], row["held"]) for row in recent_rows}
    if not recent:
        return []
    before_rows = (
        signatures.filter(created_at__gte=since - BASELINE, created_at__lt=since)
        .annotate(key=field)
        .filter(key__in=list(recent))
        .values("key")
        .annotate(count=Count("id"))
    )
    return _flagged(recent, {row["key"]: row["count"] for row in before_rows})


def trending_report(petition: Petition, *, now: datetime | None = None) -> TrendingReport:
    """The petition's online signatures of the last hour, by client address and by email domain."""
    since = (now or timezone.now()) - WINDOW
    online = Signature.objects.filter(petition=petition, channel=Signature.Channel.ONLINE)
    addresses = _trends(online.exclude(ip_hash=""), F("ip_hash"), since=since)
    domains = _trends(online.filter(email__contains="@"), _domain(), since=since)
    return TrendingReport(
        since=since,
        addresses=[Trend(t.key[:12], t.count, t.held, t.hourly_average) for t in addresses],
        domains=domains,
    )
