"""Circulator quality: a circulator whose lines fail far more than their county's
norm is flagged for a closer look; honest ones, even a little worse or with few
lines, are not. Only people allowed to see personal data see the page, and
every view of it is audited."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from petitions.models import AuditLog, Circulator, PetitionSection, Signature
from petitions.reports.circulators import benjamini_hochberg, binomial_upper_tail, circulator_quality
from tests.conftest import login_verified
from tests.factories import SignatureFactory

PAGE = "/dashboard/circulators/"


def exact_upper_tail(successes: int, trials: int, p: Fraction) -> float:
    """P(X >= successes) in exact rational arithmetic: the reference."""
    return float(sum(math.comb(trials, k) * p**k * (1 - p) ** (trials - k) for k in range(successes, trials + 1)))


class Field:
    """Builds one county's circulators, sections and keyed lines."""

    def __init__(self, petition, county: str = "34"):
        self.petition, self.county, self.sections = petition, county, 0

    def circulator(
        self,
        name: str,
        *,
        valid: int,
        failing: dict[str, int] | None = None,
        duplicate: int = 0,
        undecided: int = 0,
        sections: int = 1,
    ) -> Circulator:
        person = Circulator.objects.create(
            petition=self.petition, name=name, city="Sacramento", phone="916-555-0100", email=f"{name[:3]}@example.org"
        )
        papers = []
        for _ in range(sections):
            self.sections += 1
            papers.append(
                PetitionSection.objects.create(
                    petition=self.petition,
                    number=f"{self.county}-{self.sections:04d}",
                    county_id=self.county,
                    circulator=person,
                    status=PetitionSection.Status.KEYED,
                )
            )
        outcomes = [{"status": "valid"}] * valid + [{"status": "pending"}] * undecided
        for reason, count in (failing or {}).items():
            outcomes += [{"status": "invalid", "reason": reason}] * count
        original = None
        for line, outcome in enumerate(outcomes, start=1):
            signature = self.line(papers[line % len(papers)], line, **outcome)
            original = original or signature
        for line in range(len(outcomes) + 1, len(outcomes) + duplicate + 1):
            self.line(papers[line % len(papers)], line, status="duplicate", duplicate_of=original)
        return person

    def line(self, section: PetitionSection, line: int, **fields) -> Signature:
        return SignatureFactory.create(
            petition=self.petition,
            channel="paper",
            section=section,
            line=line,
            county_id=self.county,
            email="",
            **fields,
        )


@pytest.fixture
def sacramento(calexit):
    """About 10 % of honest circulators' lines fail in Sacramento; one circulator fabricated lines."""
    field = Field(calexit)
    honest = [
        field.circulator("Ana Honest", valid=72, failing={"not_registered": 6, "address_mismatch": 2}),
        field.circulator("Ben Honest", valid=63, failing={"not_registered": 5}, duplicate=2, undecided=4),
        field.circulator("Cy Honest", valid=54, failing={"incomplete": 3, "not_registered": 3}),
        field.circulator("Di Honest", valid=81, failing={"not_registered": 7, "wrong_county": 2}, sections=2),
        # A little worse than the rest (20 %), as a circulator working a transient neighbourhood can be.
        field.circulator("Ed Unlucky", valid=48, failing={"not_registered": 9, "address_mismatch": 3}),
        # Few lines, most failing: too little to tell bad luck from a pattern.
        field.circulator("Flo Few", valid=3, failing={"not_registered": 5}),
    ]
    fabricator = field.circulator(
        "Gil Fabricator",
        valid=16,
        failing={"not_registered": 14, "address_mismatch": 6},
        duplicate=4,
        undecided=3,
        sections=2,
    )
    return {"honest": honest, "fabricator": fabricator}


def by_name(report) -> dict:
    return {row.name: row for row in report}


def test_the_binomial_tail_matches_exact_arithmetic():
    assert binomial_upper_tail(8, 10, 0.5) == pytest.approx(56 / 1024, rel=1e-12)
    assert binomial_upper_tail(3, 3, 0.5) == pytest.approx(1 / 8, rel=1e-12)
    for successes, trials, p in [
        (24, 40, Fraction(1, 10)),
        (5, 20, Fraction(1, 4)),
        (12, 60, Fraction(3, 25)),
        (90, 100, Fraction(1, 10)),
        (150, 1000, Fraction(3, 25)),
    ]:
        expected = exact_upper_tail(successes, trials, p)
        assert binomial_upper_tail(successes, trials, float(p)) == pytest.approx(expected, rel=1e-9)
    assert 0 < binomial_upper_tail(90, 100, 0.1) < 1e-70  # a tiny tail stays a number, not 0


def test_the_binomial_tail_at_its_edges():
    assert binomial_upper_tail(0, 10, 0.1) == 1.0  # at least no failures: certain
    assert binomial_upper_tail(11, 10, 0.1) == 0.0  # more failures than lines: impossible
    assert binomial_upper_tail(1, 10, 0.0) == 0.0  # a county where nothing fails: any failure is impossible
    assert binomial_upper_tail(1, 10, 0.2) == pytest.approx(1 - 0.8**10, rel=1e-12)


def test_benjamini_hochberg_steps_up_to_the_largest_p_value_under_its_line():
    # Lines at q*rank/m = 0.01, 0.02, 0.03, 0.04: 0.011 misses its own line, but 0.04 meets the last one,
    # so all four are rejected (Bonferroni would reject none).
    assert benjamini_hochberg([0.04, 0.011, 0.03, 0.02], 0.04) == [True, True, True, True]
    assert benjamini_hochberg([0.001, 0.3, 0.008, 0.9], 0.04) == [True, False, True, False]
    assert benjamini_hochberg([0.02, 0.5], 0.01) == [False, False]
    assert benjamini_hochberg([], 0.01) == []


def test_a_circulator_with_fabricated_lines_is_flagged_and_honest_ones_are_not(sacramento, calexit):
    report = circulator_quality(calexit)
    rows = by_name(report)

    assert [row.name for row in report if row.flagged] == ["Gil Fabricator"]
    assert report[0].name == "Gil Fabricator"  # flagged first
    for name in ["Ana Honest", "Ben Honest", "Cy Honest", "Di Honest", "Ed Unlucky"]:
        assert rows[name].tested and not rows[name].flagged, name
    assert not rows["Flo Few"].tested and not rows["Flo Few"].flagged
    assert rows["Flo Few"].failure_share == pytest.approx(5 / 8)  # worse than the fabricator, but 8 lines


def test_a_circulators_numbers_and_their_county_norm_leave_them_out(sacramento, calexit):
    gil = by_name(circulator_quality(calexit))["Gil Fabricator"]

    assert (gil.lines, gil.decided, gil.undecided) == (43, 40, 3)
    assert (gil.valid, gil.invalid, gil.duplicate, gil.failures) == (16, 20, 4, 24)
    assert gil.invalid_by_reason["not_registered"] == 14 and gil.invalid_by_reason["address_mismatch"] == 6
    assert gil.failure_share == pytest.approx(0.6)
    # The others' decided lines: 80 + 70 + 60 + 90 + 60 + 8; failing: 8 + 7 + 6 + 9 + 12 + 5.
    assert (gil.norm_decided, gil.norm_failures) == (368, 47)
    # Tested against the norm with half a failure added (47.5 of 369), so that a spotless norm is not a certainty.
    assert gil.p_value == pytest.approx(exact_upper_tail(24, 40, Fraction(95, 738)), rel=1e-9)
    assert gil.p_value < 1e-10
    assert gil.sections == ["34-0008", "34-0009"]
    assert gil.county_code == "34" and gil.county_name == "Sacramento"


def test_each_county_is_its_own_norm(sacramento, calexit):
    """A third of the lines fail everywhere in Los Angeles: there, a third is normal."""
    los_angeles = Field(calexit, county="19")
    for name in ["Hal", "Ike", "Jo"]:
        los_angeles.circulator(f"{name} Angeleno", valid=40, failing={"wrong_county": 20})

    rows = by_name(circulator_quality(calexit))

    assert rows["Hal Angeleno"].norm_share == pytest.approx(1 / 3)
    assert not any(rows[f"{name} Angeleno"].flagged for name in ["Hal", "Ike", "Jo"])
    assert rows["Gil Fabricator"].flagged


def test_where_the_other_circulators_never_failed_one_failing_line_is_not_a_flag(calexit):
    field = Field(calexit, county="01")
    for name in ["Kim", "Lou", "Max"]:
        field.circulator(f"{name} Perfect", valid=60)
    field.circulator("Ned Human", valid=29, failing={"not_registered": 1})

    ned = by_name(circulator_quality(calexit))["Ned Human"]

    assert ned.tested and ned.norm_failures == 0 and not ned.flagged


def test_the_counts_come_from_a_fixed_number_of_queries(sacramento, calexit, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        report = circulator_quality(calexit)
    assert len(report) == 7


def test_lines_of_another_petition_or_online_do_not_count(sacramento, calexit):
    SignatureFactory(status="invalid", reason="not_registered")  # online, Sacramento
    gil = by_name(circulator_quality(calexit))["Gil Fabricator"]
    assert (gil.norm_decided, gil.norm_failures) == (368, 47)


def test_anonymous_visitors_are_sent_to_sign_in(client, calexit):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_a_volunteer_cannot_see_circulators(client, volunteer, calexit):
    client.force_login(volunteer)
    assert client.get(PAGE).status_code == 403
    assert 'id="circulators-link"' not in client.get("/dashboard/").content.decode()
    assert not AuditLog.objects.filter(action="circulators.view").exists()


def test_a_reviewer_sees_the_flagged_circulator_first_and_the_view_is_audited(client, reviewer, sacramento, calexit):
    login_verified(client, reviewer)
    assert 'id="circulators-link"' in client.get("/dashboard/").content.decode()

    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    first_row = html[html.index('<tbody class="circulator') :].split("</tbody>")[0]
    assert "Gil Fabricator" in first_row and "FLAGGED" in first_row and "Far above the county's norm" in first_row
    assert "34-0008, 34-0009" in first_row
    assert html.count("FLAGGED") == 1
    assert "Not tested: fewer than 20 decided lines." in html  # Flo Few
    audit = AuditLog.objects.get(action="circulators.view")
    assert audit.user == reviewer and audit.object_id == str(calexit.pk)
    assert response["Cache-Control"].startswith("max-age=0")
