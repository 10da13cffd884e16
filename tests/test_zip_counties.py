"""The ZIP codes that lie in one county (models.ZipCounty): rebuilt from the voter table at the
end of each voter import (and so by load_demo), served to the sign form as /zip-counties.json.
The form's use of it, in Chromium: tests/test_accessibility_public.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db.models import Max, Min

from petitions.demo.voters import write_synthetic_voter_file
from petitions.models import Voter, ZipCounty
from petitions.services.voter_import import voters_import, zip_counties_refresh
from petitions.views import public
from tests.factories import VoterFactory


@pytest.mark.django_db
def test_only_zip_codes_whose_registered_voters_share_one_county_are_kept():
    VoterFactory(registrant_id="A1", county_id="34", zip="95814")
    VoterFactory(registrant_id="A2", county_id="34", zip="95814-2201")
    VoterFactory(registrant_id="B1", county_id="07", zip="94505")  # Discovery Bay straddles Contra Costa
    VoterFactory(registrant_id="B2", county_id="39", zip="94505")  # and San Joaquin
    VoterFactory(registrant_id="C1", county_id="19", zip="90001")
    VoterFactory(registrant_id="C2", county_id="30", zip="90001", registered=False)  # moved away: not counted
    VoterFactory(registrant_id="D1", county_id="19", zip="9000")  # no 5-digit ZIP

    assert zip_counties_refresh() == 2
    assert dict(ZipCounty.objects.values_list("zip", "county_id")) == {"95814": "34", "90001": "19"}

    VoterFactory(registrant_id="A3", county_id="31", zip="95814")  # now it straddles too
    assert zip_counties_refresh() == 1
    assert dict(ZipCounty.objects.values_list("zip", "county_id")) == {"90001": "19"}


@pytest.mark.django_db
def test_a_voter_import_rebuilds_the_map(tmp_path: Path):
    path = tmp_path / "voters.tsv"
    write_synthetic_voter_file(path, count=300, seed=3, demo_voters=False)
    voters_import(path)

    by_zip = {
        row["key_zip"]: row
        for row in Voter.objects.filter(registered=True)
        .values("key_zip")
        .annotate(low=Min("county_id"), high=Max("county_id"))
    }
    expected = {z: row["low"] for z, row in by_zip.items() if z and row["low"] == row["high"]}
    assert expected and dict(ZipCounty.objects.values_list("zip", "county_id")) == expected


@pytest.mark.django_db
def test_the_map_is_served_as_cacheable_json(client, monkeypatch):
    monkeypatch.setattr(public, "_zip_counties_memo", {})
    VoterFactory(registrant_id="A1", county_id="34", zip="95814")
    zip_counties_refresh()

    response = client.get("/zip-counties.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"95814": "34"}
    assert "max-age=21600" in response["Cache-Control"] and "public" in response["Cache-Control"]
    assert client.get("/zip-counties.json", headers={"If-None-Match": response["ETag"]}).status_code == 304
    assert client.post("/zip-counties.json").status_code == 405
