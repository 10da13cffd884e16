"""The random-sample projection we expect from the counties: computed from the
tallies by a periodic task, stored, and shown on the dashboard and in
export_counts without being recomputed.

Expected numbers are worked out by hand from EC 9030(d) and 2 CCR 20530-20532
in the comments next to them."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re

import pytest
from django.core.management import call_command

from petitions import tasks
from petitions.models import CountyProjection, Petition, Signature, Tally
from petitions.projection import FULL_COUNT, QUALIFIES, qualification_outcome
from petitions.selectors import RAW_SHORT, projection_summary
from petitions.services.projections import projections_compute
from petitions.services.tallies import counts_publish, tallies_count, tallies_recount
from tests.conftest import login_verified
from tests.factories import VoterFactory, paper_line

pytestmark = pytest.mark.django_db

_houses = itertools.count(9000)


def unregistered(petition: Petition, county_id: str = "34") -> Signature:
    """A signer not in the voter file; each one a different person (the same
    unregistered person signing twice would be a duplicate)."""
    return paper_line(petition, county=county_id, name="Nobody Unknown", address=f"{next(_houses)} Nowhere St")


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("export_counts", "--petition", "calexit", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def sacramento_600(petition: Petition) -> None:
    """600 filed signatures in Sacramento, through the real write path:
    500 valid, 12 duplicates of them, 60 not registered, 3 in review, 25 pending."""
    for i in range(500):
        VoterFactory(address_number=str(1000 + i))
        assert paper_line(petition, address=f"{1000 + i} J St").status == "valid"
    for i in range(12):
        assert paper_line(petition, address=f"{1000 + i} J St").status == "duplicate"
    for _ in range(60):
        assert unregistered(petition).status == "invalid"
    # Two registered voters of one name at one address, neither with a suffix:
    # the machine cannot tell them apart, a person must decide.
    VoterFactory(first_name="Juan", last_name="Lopez", address_number="77", street_name="K")
    VoterFactory(first_name="Juan", last_name="Lopez", address_number="77", street_name="K")
    for _ in range(3):
        assert paper_line(petition, name="Juan Lopez", address="77 K St").status == "review"
    for _ in range(25):
        paper_line(petition, validate=False)  # pending: not validated yet
    tallies_count()


def sacramento_18(petition: Petition) -> None:
    """18 filed signatures in Sacramento, through the real write path: 10 valid,
    2 duplicates of them, 3 not registered, 1 in review, 2 pending."""
    for i in range(10):
        VoterFactory(address_number=str(2000 + i))
        assert paper_line(petition, address=f"{2000 + i} J St").status == "valid"
    for i in range(2):
        assert paper_line(petition, address=f"{2000 + i} J St").status == "duplicate"
    for _ in range(3):
        assert unregistered(petition).status == "invalid"
    VoterFactory(first_name="Juan", last_name="Lopez", address_number="77", street_name="K")
    VoterFactory(first_name="Juan", last_name="Lopez", address_number="77", street_name="K")
    assert paper_line(petition, name="Juan Lopez", address="77 K St").status == "review"
    for _ in range(2):
        paper_line(petition, validate=False)
    tallies_count()


def los_angeles_100_000(petition: Petition) -> None:
    """100,000 signatures are too many to build through the write path: these
    tally rows stand in for what the counting task would have written."""
    for status, count in {
        "valid": 72_000,
        "invalid": 18_000,
        "duplicate": 1_000,
        "review": 1_000,
        "pending": 8_000,
    }.items():
        Tally.objects.create(petition=petition, county_id="19", filed=True, status=status, count=count)
    Tally.objects.create(
        petition=petition, county_id="19", filed=False, status="valid", count=5_000
    )  # pledged: not filed
    counts_publish()  # as the counting run does once it commits: the public pages show these counts


@pytest.fixture
def filed(calexit):
    """Sacramento (18 raw, a full check: 12 projected, see below) and Los
    Angeles (100,000 raw: 79,122 projected, see the large-county test)."""
    sacramento_18(calexit)
    los_angeles_100_000(calexit)
    return calexit


def test_a_county_of_600_projects_what_the_regulation_gives_from_our_rates(calexit):
    sacramento_600(calexit)

    (row,) = projections_compute(petition=calexit)

    # Raw R = 600 (every filed signature: 500 + 12 + 60 + 3 review + 25 pending).
    # Decided = 500 valid + 60 invalid + 12 duplicate = 572; review and pending
    # are assumed to resolve at the decided rates.
    # Sample n: 3 % of 600 is 18, so the 500 minimum (EC 9030(d)).
    assert (row.county_id, row.raw, row.sample) == ("34", 600, 500)
    assert row.validity_rate == pytest.approx(500 / 572)
    assert row.duplicate_rate == pytest.approx(12 / 572)
    # What the county's sample is expected to show, f = n / R = 5/6 of the county drawn:
    #   a duplicate is caught only if its original is drawn too (5/6), otherwise it looks valid (1/6).
    #   v = 500 x (500 + 12 x 1/6) / 572 = 500 x 502 / 572 = 438.81 -> 439
    #   d = 500 x (12 x 5/6) / 572       = 500 x 10 / 572  =   8.74 ->   9
    # 20530(c) p = 439 / 500 = 87.80 %
    # 20530(d) V = ceil(600 x 0.8780) = ceil(526.8) = 527
    # 20531(a) A = 600 / 500 = 1.2000
    # 20531(b) B = 1.2 x 0.2 = 0.24
    # 20531(c) C = ceil(9 x 0.24) = ceil(2.16) = 3
    # 20532    527 - 3 = 524   (our own valid share of 600 is 524.5)
    assert row.projected_valid == 524


def test_a_county_of_500_or_fewer_is_a_full_check_at_our_rates(calexit):
    sacramento_18(calexit)

    (row,) = projections_compute(petition=calexit)

    # R = 18 <= 500: the county checks all 18, nothing is scaled. Decided = 15
    # (10 valid, 3 invalid, 2 duplicates); the review and the 2 pending
    # signatures resolve at 10/15: 18 x 10 / 15 = 12 valid.
    assert (row.raw, row.sample, row.projected_valid) == (18, 18, 12)
    assert (row.validity_rate, row.duplicate_rate) == (pytest.approx(10 / 15), pytest.approx(2 / 15))


def test_a_large_county_charges_a_duplicate_only_when_its_original_is_in_the_sample_too(calexit):
    los_angeles_100_000(calexit)

    (row,) = projections_compute(petition=calexit)

    # R = 100,000 (the 5,000 pledged online signatures are not filed); decided = 91,000.
    # n = 3 % of 100,000 = 3,000; f = 0.03.
    #   v = 3,000 x (72,000 + 1,000 x 0.97) / 91,000 = 2,405.60 -> 2,406
    #   d = 3,000 x (1,000 x 0.03) / 91,000          =     0.99 ->     1
    # 20530(c) p = 2,406 / 3,000 = 80.20 %
    # 20530(d) V = 100,000 x 0.8020 = 80,200
    # 20531(a) A = 33.3333;  (b) B = 33.3333 x 32.3333 = 1,077.77588889
    # 20531(c) C = ceil(1 x 1,077.7759) = 1,078
    # 20532    80,200 - 1,078 = 79,122  (our valid share of 100,000 is 79,121)
    # Feeding our 1.1 % duplicate rate in as if it were the sample's would give
    # d = 33 and C = 35,567: every duplicate charged 33 times over (43,563).
    assert (row.raw, row.sample, row.projected_valid) == (100_000, 3_000, 79_122)
    assert (row.validity_rate, row.duplicate_rate) == (pytest.approx(72 / 91), pytest.approx(1 / 91))


def test_a_county_with_nothing_decided_is_not_projected_and_says_so(calexit):
    for _ in range(4):
        paper_line(calexit, county="01", validate=False)  # Alameda: filed, still pending
    tallies_count()

    (row,) = projections_compute(petition=calexit)
    summary = projection_summary(calexit)

    assert (row.county_id, row.raw, row.projected_valid) == ("01", 4, 0)
    estimate = summary.by_county["01"]
    assert (estimate.raw, estimate.sample, estimate.validity_rate, estimate.projected_valid) == (4, None, None, None)
    assert (summary.unprojected_counties, summary.unprojected_raw, summary.projected_valid) == (1, 4, 0)
    assert summary.validity_rate is None

    rows = list(csv.reader(io.StringIO(export())))
    assert rows[1][:3] == ["01", "Alameda", "4"]
    assert rows[1][9:] == ["", "", "", ""]
    assert rows[59][9:] == ["", "", "", ""]


def test_the_95_and_110_percent_lines_use_exact_integer_arithmetic(calexit):
    summary = projection_summary(calexit)  # 546,651 required

    # 95 % is 519,318.45: 519,319 is the first total that reaches it.
    # 110 % is 601,316.1: "more than 110 %" starts at 601,317.
    assert (summary.line_95, summary.line_110) == (519_319, 601_317)
    assert qualification_outcome(519_318, 546_651) == "fails"
    assert qualification_outcome(519_319, 546_651) == FULL_COUNT
    assert qualification_outcome(601_316, 546_651) == FULL_COUNT
    assert qualification_outcome(601_317, 546_651) == QUALIFIES


@pytest.mark.parametrize(
    "required, outcome, words",
    [
        (10, "qualifies", "qualifies without a full count"),  # 12 x 100 = 1,200 > 10 x 110 = 1,100
        (11, "full_count", "goes to a full count"),  # 11 x 110 = 1,210 >= 1,200 >= 11 x 95 = 1,045
        (12, "full_count", "goes to a full count"),  # 12 x 95 = 1,140 <= 1,200
        (13, "fails", "fails"),  # 13 x 95 = 1,235 > 1,200
        (18, "fails", "fails"),  # raw 18 is 100 % of 18: sampled, and fails
        (19, "raw_short", "fails at the raw count: 1 short"),  # raw 18 < 19
    ],
)
def test_the_statewide_outcome(client, volunteer, calexit, required, outcome, words):
    sacramento_18(calexit)  # 12 projected (a full check)
    projections_compute(petition=calexit)
    calexit.required_signatures = required
    calexit.save()

    summary = projection_summary(calexit)

    assert (summary.raw, summary.sample, summary.projected_valid) == (18, 18, 12)
    assert summary.outcome == outcome
    assert summary.raw_missing == (1 if outcome == RAW_SHORT else 0)
    assert (summary.line_95, summary.line_110) == (-(-required * 95 // 100), required * 110 // 100 + 1)
    client.force_login(volunteer)
    card = re.search(r'id="projection-outcome">\s*(.*?)\s*</div>', client.get("/dashboard/").content.decode()).group(1)
    assert card == words


def test_the_dashboard_shows_the_card_and_the_column_without_recomputing(
    client, volunteer, filed, django_assert_max_num_queries
):
    projections_compute(petition=filed)
    computed_at = set(CountyProjection.objects.values_list("computed_at", flat=True))
    # Signatures counted after the projection: the page keeps showing the
    # stored projection until the task runs again.
    for _ in range(5):
        unregistered(filed, "38")
    tallies_count()
    client.force_login(volunteer)

    # session, user, permissions, counts, projection, the history chart
    with django_assert_max_num_queries(13) as captured:
        page = client.get("/dashboard/").content.decode()
    assert [q["sql"] for q in captured.captured_queries if not q["sql"].startswith("SELECT")] == []

    assert "Projected at the counties' random sample" in page
    assert re.search(r'id="projection-valid">79,134<', page)  # 12 + 79,122
    # 100,018 raw at the time of the projection, far below 546,651: the
    # counties stop at the raw count.
    assert "fails at the raw count: 446,633 short" in page
    assert re.search(r'id="projection-percent">14.47 %', page)  # 79,134 / 546,651 = 14.476 %, rounded down
    assert "519,319" in page and "601,317" in page
    assert 'id="projected-valid-column"' in page and 'id="projection-note"' in page
    sacramento = re.search(r'<tr data-county="34"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert 'title="Sample of 18 from 18 raw; 66.67 % valid, 13.33 % duplicates' in sacramento
    assert re.search(r'class="text-end projected"[^>]*>12<', sacramento)
    los_angeles = re.search(r'<tr data-county="19"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert 'title="Sample of 3,000 from 100,000 raw; 79.12 % valid, 1.10 % duplicates' in los_angeles
    assert re.search(r'class="text-end projected"[^>]*>79,122<', los_angeles)
    san_francisco = re.search(r'<tr data-county="38"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert ">5<" in san_francisco and re.search(r'class="text-end projected">—<', san_francisco)
    assert set(CountyProjection.objects.values_list("computed_at", flat=True)) == computed_at
    assert not CountyProjection.objects.filter(county_id="38").exists()


def test_the_dashboard_says_when_nothing_is_projected_yet(client, volunteer, calexit):
    client.force_login(volunteer)
    page = client.get("/dashboard/").content.decode()
    assert 'id="projection-none"' in page


def test_the_dashboard_names_the_counties_left_out(client, volunteer, calexit):
    paper_line(calexit, county="01", validate=False)
    paper_line(calexit, county="02", validate=False)
    tallies_count()
    projections_compute(petition=calexit)
    client.force_login(volunteer)

    page = client.get("/dashboard/").content.decode()

    assert "2 counties with 2 raw signatures have nothing decided yet" in page


def test_export_counts_adds_the_projection_columns_from_the_stored_rows(filed):
    projections_compute(petition=filed)

    rows = list(csv.reader(io.StringIO(export())))

    assert ",".join(rows[0]) == (
        "county_code,county,raw,valid,invalid,duplicate,review,pending,pledged,"
        "sample_size,validity_rate,duplicate_rate,projected_valid"
    )
    # 10 / 15 and 2 / 15; 72 / 91 and 1 / 91
    assert rows[34] == ["34", "Sacramento", "18", "10", "3", "2", "1", "2", "0", "18", "0.6667", "0.1333", "12"]
    assert rows[19] == [
        "19",
        "Los Angeles",
        "100000",
        "72000",
        "18000",
        "1000",
        "1000",
        "8000",
        "5000",
        "3000",
        "0.7912",
        "0.0110",
        "79122",
    ]
    assert rows[38][9:] == ["", "", "", ""]
    # Statewide rates weighted by raw count: (18 x 10/15 + 100,000 x 72/91) / 100,018 = 0.79119,
    # (18 x 2/15 + 100,000 x 1/91) / 100,018 = 0.01101.
    assert rows[59] == [
        "00",
        "Statewide",
        "100018",
        "72010",
        "18003",
        "1002",
        "1001",
        "8002",
        "5000",
        "3018",
        "0.7912",
        "0.0110",
        "79134",
    ]


def test_export_counts_reads_the_stored_projection_unless_asked_to_recompute(filed):
    projections_compute(petition=filed)
    unregistered(filed, "38")
    tallies_count()

    stored = list(csv.reader(io.StringIO(export())))
    assert stored[38][:3] == ["38", "San Francisco", "1"] and stored[38][9:] == ["", "", "", ""]
    assert stored[59][9] == "3018"

    recomputed = list(csv.reader(io.StringIO(export("--recompute"))))
    assert recomputed[38][9:] == ["1", "0.0000", "0.0000", "0"]  # a full check of 1 invalid signature
    assert recomputed[59][9] == "3019" and recomputed[59][-1] == "79134"


def test_export_counts_json_keeps_the_api_shape_and_adds_the_projection(filed, client):
    projections_compute(petition=filed)
    computed_at = CountyProjection.objects.first().computed_at

    exported = json.loads(export("--format", "json"))

    api = client.get("/api/petitions/calexit.json").json()
    assert "projection" not in api
    # The public API hides small county counts (an hourly snapshot); the operator's export shows them all.
    assert set(api) - set(exported) == {"by_county_as_of", "suppressed_below"}
    assert {k: v for k, v in exported.items() if k not in ("projection", "by_county")} == {
        k: v for k, v in api.items() if k in exported and k != "by_county"
    }
    assert [set(row) for row in exported["by_county"]] == [set(row) for row in api["by_county"]]
    projection = exported["projection"]
    assert (projection["raw"], projection["sample"], projection["projected_valid"]) == (100_018, 3_018, 79_134)
    assert (projection["line_95"], projection["line_110"]) == (519_319, 601_317)
    assert (projection["outcome"], projection["raw_missing"]) == ("raw_short", 446_633)
    assert projection["percent_of_required"] == 14.47
    assert projection["computed_at"] == computed_at.isoformat()
    assert projection["by_county"] == [
        {
            "code": "19",
            "raw": 100_000,
            "sample": 3_000,
            "validity_rate": 0.7912,
            "duplicate_rate": 0.011,
            "projected_valid": 79_122,
        },
        {
            "code": "34",
            "raw": 18,
            "sample": 18,
            "validity_rate": 0.6667,
            "duplicate_rate": 0.1333,
            "projected_valid": 12,
        },
    ]


def test_the_task_projects_every_petition_and_is_safe_to_run_twice(filed):
    paper_line(filed, county="01", validate=False)  # Alameda: one pending signature
    tallies_count()

    first = tasks.project_signatures.apply().get()
    after_first = list(CountyProjection.objects.values_list("county_id", "raw", "sample", "projected_valid"))
    second = tasks.project_signatures.apply().get()
    after_second = list(CountyProjection.objects.values_list("county_id", "raw", "sample", "projected_valid"))

    assert first == second == {"calexit": 3}
    assert after_first == after_second == [("01", 1, 0, 0), ("19", 100_000, 3_000, 79_122), ("34", 18, 18, 12)]
    assert CountyProjection.objects.count() == 3


def test_a_county_that_no_longer_has_signatures_loses_its_projection(calexit):
    signature = paper_line(calexit, county="01", validate=False)
    tallies_count()
    projections_compute(petition=calexit)
    assert CountyProjection.objects.filter(county_id="01").exists()

    signature.delete()  # e.g. keyed by mistake and removed; the recount follows the rows
    tallies_recount()
    projections_compute(petition=calexit)

    assert not CountyProjection.objects.exists()


def test_the_projection_is_read_only_in_the_admin(client, calexit, django_user_model):
    paper_line(calexit, county="01", validate=False)
    tallies_count()
    projections_compute(petition=calexit)
    login_verified(client, django_user_model.objects.create_superuser("root", password="x" * 12))

    assert client.get("/admin/petitions/countyprojection/").status_code == 200
    assert client.get("/admin/petitions/countyprojection/add/").status_code == 403
    page = client.get(f"/admin/petitions/countyprojection/{CountyProjection.objects.get().pk}/change/").content.decode()
    assert 'name="_save"' not in page
