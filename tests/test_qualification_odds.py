"""The odds of qualifying: petitions.projection.qualification_odds simulates
every county's random sample (EC 9030(d)) and the regulation's projection
(2 CCR 20530-20532), and raw_needed_for_odds searches for the raw signatures
that give a 90 % chance. Each case has an answer known independently of the
simulation: a normal approximation, an exact count of the possible samples
(math.comb), or certainty.

Plain pytest: no database."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import pytest

from petitions.projection import (
    FAILS,
    FULL_COUNT,
    QUALIFIES,
    _hypergeometric,
    _pairs_whole,
    projected_valid,
    qualification_odds,
    qualification_outcome,
    raw_needed_for_odds,
    sample_size,
)

RUNS = 20_000


def tolerance(p: float) -> float:
    """Four standard errors of a share of RUNS runs, and at least 0.005."""
    return max(0.005, 4 * math.sqrt(p * (1 - p) / RUNS))


def assert_close(odds: dict[str, float], expected: dict[str, float]) -> None:
    assert set(odds) == {QUALIFIES, FULL_COUNT, FAILS}
    assert sum(odds.values()) == pytest.approx(1)
    for outcome, p in expected.items():
        assert abs(odds[outcome] - p) <= tolerance(p), (outcome, odds, expected)


def normal_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


# --- No duplicates: the sample proportion is normal to a good approximation ----

#: Five large counties, no duplicates: (raw, valid). Samples of 6,000 down to 900.
LARGE = [(200_000, 156_000), (150_000, 114_000), (100_000, 80_000), (60_000, 45_000), (30_000, 24_300)]


def normal_odds(counties: list[tuple[int, int]], required: int) -> dict[str, float]:
    """The sum of the county projections R x v / n as a normal variable: v is
    hypergeometric (mean n V / R, variance n p q (R - n) / (R - 1)), so R v / n
    has mean V and variance R^2 p q (R - n) / (n (R - 1)). The regulation's
    rounding (p to 0.01 %, then up to a whole signature) moves it by a few
    signatures, against a standard deviation of about 1,800."""
    mean = variance = 0.0
    for raw, valid in counties:
        n = sample_size(raw)
        p = valid / raw
        mean += valid
        variance += raw**2 * p * (1 - p) * (raw - n) / (n * (raw - 1))
    sd = math.sqrt(variance)
    # Qualifies: more than 110 %, i.e. at least the next whole signature; a full count from 95 %.
    below_110 = normal_cdf((required * 110 // 100 + 0.5 - mean) / sd)
    below_95 = normal_cdf((-(-required * 95 // 100) - 0.5 - mean) / sd)
    return {QUALIFIES: 1 - below_110, FULL_COUNT: below_110 - below_95, FAILS: below_95}


@pytest.mark.parametrize(
    "required",
    [
        # 419,300 expected valid: the 110 % line (418,000 + 1) is 0.7 sd below it.
        380_000,
        # The 110 % line 0.5 sd above: mostly a full count.
        382_000,
        # The 95 % line (418,000) 0.7 sd below the mean, 110 % far above: a full count or a failure.
        440_000,
    ],
)
def test_without_duplicates_the_odds_match_the_normal_approximation(required):
    counties = [{"raw": raw, "valid": valid, "duplicates": 0} for raw, valid in LARGE]

    odds = qualification_odds(counties, required, RUNS, seed=1)

    expected = normal_odds(LARGE, required)
    assert 0.15 < max(expected.values()) < 0.95  # a case where the odds are not all or nothing
    assert_close(odds, expected)


# --- Certain qualification, certain failure ----------------------------------------


def test_every_signature_valid_qualifies_for_certain():
    # No invalid and no duplicate signature: every sample is 100 % valid and
    # projects the raw count, 120 % of the requirement.
    counties = [{"raw": 60_000, "valid": 60_000, "duplicates": 0}, {"raw": 60_000, "valid": 60_000, "duplicates": 0}]
    assert qualification_odds(counties, 100_000, RUNS, seed=2) == {QUALIFIES: 1.0, FULL_COUNT: 0.0, FAILS: 0.0}


def test_counties_that_check_everything_are_counted_not_drawn():
    # 500 or fewer signatures: the county checks them all (EC 9030(d)), so
    # its count is exact: 3 x 300 = 900 valid.
    counties = [{"raw": 400, "valid": 300, "duplicates": 20}] * 3
    assert qualification_odds(counties, 800, 100, seed=3)[QUALIFIES] == 1.0  # 900 > 880
    assert qualification_odds(counties, 900, 100, seed=3)[FULL_COUNT] == 1.0  # 855 <= 900 <= 990
    assert qualification_odds(counties, 1_000, 100, seed=3)[FAILS] == 1.0  # 900 < 950 (and raw 1,200 >= 1,000)


def test_a_raw_count_below_the_requirement_fails_for_certain():
    counties = [{"raw": 99_999, "valid": 99_999, "duplicates": 0}]
    assert qualification_odds(counties, 100_000, RUNS, seed=4) == {QUALIFIES: 0.0, FULL_COUNT: 0.0, FAILS: 1.0}


def test_half_valid_fails_for_certain():
    # 50 % valid: the full-count line, 95 % of 120,000 = 114,000 of 200,000,
    # needs 57 % valid in a sample of 6,000, 7 points above the rate: 10
    # standard errors (0.65 points).
    counties = [{"raw": 200_000, "valid": 100_000, "duplicates": 0}]
    assert qualification_odds(counties, 120_000, RUNS, seed=5) == {QUALIFIES: 0.0, FULL_COUNT: 0.0, FAILS: 1.0}


# --- Duplicates that sink a county --------------------------------------------------


def exact_outcomes(raw: int, valid: int, duplicates: int, required: int) -> dict[str, float]:
    """Count every possible sample (math.comb, exact integers): the county's R
    signatures are I invalid, D duplicates, their D originals and S = V - D
    other valid ones; a sample of n holds i invalid, b whole pairs, h halves of
    a pair (2 ways each) and the rest from S. It shows d = b duplicates and
    v = n - i - b valid; each (i, b) is projected and judged."""
    n = sample_size(raw)
    invalid, singles = raw - valid - duplicates, valid - duplicates
    weights: dict[str, int] = {QUALIFIES: 0, FULL_COUNT: 0, FAILS: 0}
    for i in range(min(invalid, n) + 1):
        for b in range(min(duplicates, (n - i) // 2) + 1):
            ways = sum(
                math.comb(duplicates - b, h) * 2**h * math.comb(singles, n - i - 2 * b - h)
                for h in range(min(duplicates - b, n - i - 2 * b) + 1)
            )
            if ways:
                outcome = qualification_outcome(projected_valid(raw, n, n - i - b, b), required)
                weights[outcome] += math.comb(invalid, i) * math.comb(duplicates, b) * ways
    total = math.comb(raw, n)
    assert sum(weights.values()) == total
    return {outcome: float(Fraction(weight, total)) for outcome, weight in weights.items()}


def test_duplicates_sink_a_county_that_would_qualify_without_them():
    # 15,000 valid signatures, no invalid one: alone they qualify for certain
    # (raw 15,000, a sample of 500 all valid, 15,000 > 110 % of 13,000 = 14,300).
    assert (
        qualification_odds([{"raw": 15_000, "valid": 15_000, "duplicates": 0}], 13_000, RUNS, seed=6)[QUALIFIES] == 1.0
    )
    # File 5,000 duplicates of them as well: raw 20,000, a sample of 600, each
    # signature worth A = 33.3333 and each duplicate caught B = A(A - 1) =
    # 1,077.78 (2 CCR 20531). A duplicate is caught only with its original,
    # 4.49 pairs on average. With b caught: b = 0 projects 20,000, 5 projects
    # ceil(20,000 x 99.17 %) - ceil(5 x 1,077.78) = 19,834 - 5,389 = 14,445
    # (qualifies), 6: 19,800 - 6,467 = 13,333 (a full count), 7: 19,766 - 7,545
    # = 12,221 (fails: below 12,350).
    county = {"raw": 20_000, "valid": 15_000, "duplicates": 5_000}
    assert projected_valid(20_000, 600, 595, 5) == 14_445
    assert projected_valid(20_000, 600, 594, 6) == 13_333
    assert projected_valid(20_000, 600, 593, 7) == 12_221

    odds = qualification_odds([county], 13_000, RUNS, seed=7)

    exact = exact_outcomes(20_000, 15_000, 5_000, 13_000)
    assert exact[FAILS] > 0.15 and exact[FULL_COUNT] > 0.1
    assert_close(odds, exact)


def test_a_small_county_with_invalid_and_duplicate_signatures_matches_the_exact_odds():
    # Raw 600, a sample of 500 (5/6 of the county): 60 invalid, 12 duplicates
    # and their originals among 500 valid; most pairs drawn whole are caught.
    county = {"raw": 600, "valid": 500, "duplicates": 12}
    exact = exact_outcomes(600, 500, 12, 450)
    assert 0.1 < exact[QUALIFIES] < 0.9

    assert_close(qualification_odds([county], 450, RUNS, seed=8), exact)


# --- The exact draws behind the simulation -----------------------------------------


@pytest.mark.parametrize("population, marked, drawn", [(600, 60, 500), (20_000, 10_000, 600), (100_000, 2_000, 3_000)])
def test_the_tabulated_hypergeometric_is_the_exact_one(population, marked, drawn):
    values, cumulative = _hypergeometric(population, marked, drawn)
    total = cumulative[-1]
    weights = [cumulative[0], *(b - a for a, b in itertools.pairwise(cumulative))]
    for x, weight in zip(values, weights):
        exact = math.comb(marked, x) * math.comb(population - marked, drawn - x) / math.comb(population, drawn)
        assert weight / total == pytest.approx(exact, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("pairs, drawn", [(12, 10), (5_000, 300), (3, 5)])
def test_the_tabulated_whole_pairs_are_the_exact_ones(pairs, drawn):
    values, cumulative = _pairs_whole(pairs, drawn)
    total = cumulative[-1]
    weights = [cumulative[0], *(b - a for a, b in itertools.pairwise(cumulative))]
    for b, weight in zip(values, weights):
        exact = (
            math.comb(pairs, b)
            * math.comb(pairs - b, drawn - 2 * b)
            * 2 ** (drawn - 2 * b)
            / math.comb(2 * pairs, drawn)
        )
        assert weight / total == pytest.approx(exact, rel=1e-9, abs=1e-15)


# --- The contract --------------------------------------------------------------------


def test_the_same_seed_gives_the_same_odds_and_they_sum_to_one():
    counties = [{"raw": 30_000, "valid": 24_000, "duplicates": 300}, {"raw": 9_000, "valid": 7_000, "duplicates": 50}]
    first = qualification_odds(counties, 28_000, 2_000, seed=9)
    assert first == qualification_odds(counties, 28_000, 2_000, seed=9)
    assert sum(first.values()) == pytest.approx(1)


@pytest.mark.parametrize(
    "county, required, error",
    [
        ({"raw": 10, "valid": 8, "duplicates": 3}, 5, "cannot exceed raw"),
        ({"raw": 10, "valid": 2, "duplicates": 3}, 5, "original among the valid"),
        ({"raw": -1, "valid": 0, "duplicates": 0}, 5, "cannot be negative"),
        ({"raw": 10, "valid": 5, "duplicates": 0}, 0, "must be positive"),
    ],
)
def test_impossible_counts_are_refused(county, required, error):
    with pytest.raises(ValueError, match=error):
        qualification_odds([county], required, 10)


def test_the_legal_lines_are_parameters():
    # 95 % / 110 % by default; a petition may carry other lines.
    counties = [{"raw": 1_000, "valid": 1_000, "duplicates": 0}]  # a sample of 500, all valid: 1,000
    assert qualification_odds(counties, 900, 10, seed=1)[QUALIFIES] == 1.0  # 1,000 > 990
    assert qualification_odds(counties, 900, 10, seed=1, qualify_percent=120)[FULL_COUNT] == 1.0
    # A sample rule of at least 1,000: the county checks all 1,000 (a full check, exact).
    assert qualification_odds([{"raw": 1_000, "valid": 700, "duplicates": 0}], 700, 10, sample_minimum=1_000) == {
        QUALIFIES: 0.0,
        FULL_COUNT: 1.0,
        FAILS: 0.0,
    }


# --- The raw signatures still needed --------------------------------------------------


def test_the_raw_needed_when_every_signature_is_valid():
    # Every signature valid: the projection is the raw count exactly, so the
    # measure qualifies from 110,001 raw: 10,001 more. The search stops within
    # 0.05 % of the requirement (50 signatures).
    counties = [{"raw": 60_000, "valid": 60_000, "duplicates": 0}, {"raw": 40_000, "valid": 40_000, "duplicates": 0}]
    needed = raw_needed_for_odds(counties, 100_000)
    assert needed is not None and 10_001 <= needed <= 10_051


def test_the_raw_needed_gives_the_target_chance():
    counties = [
        {"raw": 200_000, "valid": 150_000, "duplicates": 2_000},
        {"raw": 50_000, "valid": 40_000, "duplicates": 0},
    ]
    needed = raw_needed_for_odds(counties, 200_000)
    assert needed is not None and needed > 0
    # Spread by the counties' shares (4:1) at their own rates: the chance is
    # about 90 % there (checked with other random numbers and more runs), and
    # well below 90 % a few thousand signatures short.
    more = [
        {
            "raw": 200_000 + needed * 4 // 5,
            "valid": 150_000 + needed * 4 // 5 * 3 // 4,
            "duplicates": 2_000 + needed * 4 // 5 // 100,
        },
        {"raw": 50_000 + needed // 5, "valid": 40_000 + needed // 5 * 4 // 5, "duplicates": 0},
    ]
    assert qualification_odds(more, 200_000, RUNS, seed=11)[QUALIFIES] == pytest.approx(0.9, abs=0.03)


def test_the_raw_needed_is_0_when_the_odds_are_there_and_none_without_any_valid_signature():
    assert raw_needed_for_odds([{"raw": 120_000, "valid": 120_000, "duplicates": 0}], 100_000) == 0
    assert raw_needed_for_odds([{"raw": 1_000, "valid": 0, "duplicates": 0}], 100_000) is None
    assert raw_needed_for_odds([], 100_000) is None
