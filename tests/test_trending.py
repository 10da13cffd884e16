"""Trending: a reviewer sees which client addresses and email domains sign far
above their own normal in the last hour, and steady traffic stays off the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from petitions.models import AuditLog, Signature
from petitions.reports.trending import trending_report
from petitions.services.abuse import client_ip_hash
from tests.conftest import login_verified

pytestmark = pytest.mark.django_db

TRENDING = "/dashboard/trending/?petition=calexit"
BURST_ADDRESS = client_ip_hash("198.51.100.66")
STEADY_ADDRESS = client_ip_hash("198.51.100.10")


def signed(calexit, *, count: int, minutes_ago: float, ip_hash: str, email: str, held: int = 0) -> None:
    """`count` online signatures made `minutes_ago`, the first `held` of them held."""
    rows = Signature.objects.bulk_create(
        [
            Signature(
                petition=calexit,
                channel="online",
                status="unconfirmed",
                county_id="34",
                ip_hash=ip_hash,
                email=email.format(n=n),
                hold="address_rate" if n < held else "",
            )
            for n in range(count)
        ]
    )
    Signature.objects.filter(pk__in=[s.pk for s in rows]).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


def steady(calexit, *, per_hour: int, ip_hash: str, email: str) -> None:
    """The same number every hour for the last 7 days and this hour."""
    for hour in range(7 * 24 + 1):
        signed(calexit, count=per_hour, minutes_ago=hour * 60 + 30, ip_hash=ip_hash, email=email)


@pytest.fixture
def traffic(calexit):
    steady(calexit, per_hour=12, ip_hash=STEADY_ADDRESS, email="steady{n}@gmail.com")  # busy, but normal for it
    signed(calexit, count=30, minutes_ago=20, ip_hash=BURST_ADDRESS, email="burst{n}@example.net", held=25)
    signed(calexit, count=3, minutes_ago=10, ip_hash=client_ip_hash("198.51.100.3"), email="new{n}@small.org")
    return calexit


def test_a_burst_from_one_address_and_one_domain_is_flagged_and_steady_traffic_is_not(traffic):
    report = trending_report(traffic)

    assert [(t.key, t.count, t.held) for t in report.addresses] == [(BURST_ADDRESS[:12], 30, 25)]
    assert [(t.key, t.count, t.held) for t in report.domains] == [("example.net", 30, 25)]


def test_a_steady_address_that_bursts_to_many_times_its_normal_is_flagged(calexit):
    steady(calexit, per_hour=2, ip_hash=STEADY_ADDRESS, email="s{n}@example.org")
    signed(calexit, count=20, minutes_ago=5, ip_hash=STEADY_ADDRESS, email="more{n}@example.org")

    (trend,) = trending_report(calexit).addresses
    assert (trend.count, round(trend.hourly_average, 1)) == (22, 2.0)


def test_the_page_shows_the_burst_with_a_short_hash_and_a_link_to_review(client, reviewer, traffic):
    login_verified(client, reviewer)

    page = client.get(TRENDING).content.decode()

    assert f'data-key="{BURST_ADDRESS[:12]}"' in page and BURST_ADDRESS not in page
    assert 'data-key="example.net"' in page and "gmail.com" not in page
    assert 'href="/dashboard/review/?petition=calexit"' in page
    assert AuditLog.objects.filter(action="trending.view", user=reviewer).count() == 1


def test_volunteers_cannot_see_the_trending_page(client, volunteer, calexit):
    client.force_login(volunteer)

    assert client.get(TRENDING).status_code == 403


def test_the_dashboard_links_to_the_trending_page_for_reviewers(client, reviewer, calexit):
    login_verified(client, reviewer)

    assert 'id="trending-link"' in client.get("/dashboard/?petition=calexit").content.decode()
