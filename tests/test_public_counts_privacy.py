"""Public per-county numbers cannot tell a watcher whether someone in a quiet
county signed: they refresh hourly and small counts are hidden. Statewide
numbers stay live; the staff dashboard stays live and complete."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from petitions.models import Tally
from petitions.selectors import public_memo_clear
from petitions.services.tallies import tallies_count
from tests.factories import SignatureFactory

pytestmark = pytest.mark.django_db


def pledges(county: str, how_many: int) -> None:
    for _ in range(how_many):
        SignatureFactory(county_id=county, status="valid")
    tallies_count()


def api(client) -> dict:
    return client.get("/api/petitions/calexit.json").json()


def row(payload: dict, code: str) -> dict:
    return next(r for r in payload["by_county"] if r["code"] == code)


@pytest.fixture
def clock(monkeypatch):
    """The selectors' idea of now, moved by hand."""
    from petitions import selectors

    now = [timezone.now()]
    monkeypatch.setattr(selectors.timezone, "now", lambda: now[0])
    return now


def test_a_county_with_few_signatures_shows_null_and_a_busy_one_its_number(client, private_cache, settings):
    settings.COUNTY_COUNTS_SUPPRESS_BELOW = 10
    pledges("34", 12)  # Sacramento
    pledges("02", 3)  # Alpine
    pledges("19", 15)  # Los Angeles

    payload = api(client)

    assert row(payload, "34")["pledged"] == 12 and row(payload, "19")["pledged"] == 15
    assert row(payload, "02")["pledged"] is None
    assert row(payload, "01")["pledged"] is None  # nobody yet is also too few to say
    assert payload["counts"]["pledged"] == 30  # statewide: exact
    assert payload["suppressed_below"] == 10 and payload["by_county_as_of"]


def test_when_one_county_alone_is_hidden_the_next_smallest_is_hidden_too(client, private_cache, settings, calexit):
    """Otherwise the statewide number minus the shown ones would give it back."""
    settings.COUNTY_COUNTS_SUPPRESS_BELOW = 10
    for code in [f"{n:02d}" for n in range(1, 59) if n != 2]:
        Tally.objects.create(petition=calexit, county_id=code, filed=False, status="valid", count=50 + int(code))
    Tally.objects.create(petition=calexit, county_id="02", filed=False, status="valid", count=4)

    payload = api(client)

    pledged = {r["code"]: r["pledged"] for r in payload["by_county"]}
    assert pledged["02"] is None and pledged["01"] is None  # 01 has the smallest shown count, 51
    assert pledged["03"] == 53
    assert payload["counts"]["pledged"] == sum(50 + n for n in range(1, 59) if n != 2) + 4


def test_county_numbers_follow_the_hourly_snapshot_while_statewide_ones_are_live(
    client, private_cache, settings, clock
):
    settings.COUNTY_COUNTS_SUPPRESS_BELOW = 10
    settings.COUNTY_COUNTS_REFRESH = 3600
    clock[0] = clock[0].replace(minute=5)
    pledges("34", 10)
    first = api(client)
    assert row(first, "34")["pledged"] == 10

    pledges("34", 1)
    clock[0] += timedelta(minutes=50)
    later = api(client)

    assert later["counts"]["pledged"] == 11  # live
    assert row(later, "34")["pledged"] == 10  # the snapshot of this hour
    assert later["by_county_as_of"] == first["by_county_as_of"]

    clock[0] += timedelta(minutes=10)  # the next hour
    public_memo_clear()  # a web process keeps the document a second (selectors.PUBLIC_MEMO_SECONDS)
    next_hour = api(client)
    assert row(next_hour, "34")["pledged"] == 11
    assert next_hour["by_county_as_of"] != first["by_county_as_of"]


def test_the_dashboard_shows_every_county_live_and_unsuppressed(client, private_cache, volunteer):
    pledges("02", 3)

    client.force_login(volunteer)
    page = client.get("/dashboard/").content.decode()

    alpine = re.search(r'<tr data-county="02"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r">(\d+)<", alpine)[-1] == "3"  # the pledged column


def test_the_public_petition_page_shows_live_numbers_statewide_only(client, private_cache):
    """Its county map and table show the hourly snapshot, small counts hidden (tests/test_public_progress.py)."""
    pledges("02", 3)

    page = client.get("/p/calexit/").content.decode()

    alpine = re.search(r'<tr id="county-map-02"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert "Alpine" in alpine and not re.search(r"\d", alpine)
    assert "3 more signed online" in page
