"""The Secretary of State's random-sample projection (EC 9030-9031; 2 CCR 20530-20540).

Plain pytest: no database, no Django settings. Every expected number below is
worked out by hand from the regulation's steps, in the comment next to it.
"""

import pytest

from petitions.projection import (
    expected_projection,
    projected_valid,
    qualification_outcome,
    sample_size,
)

# The requirement for an initiative statute this cycle: 5 % of 10,933,009.
REQUIRED_STATUTE = 546_651


# --- Sample size: EC 9030(d) --------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        (0, 0),  # nothing filed, nothing to check
        (1, 1),
        (100, 100),  # fewer than 500: every signature is checked
        (499, 499),
        (500, 500),  # 500 signatures: all 500 (no more than 500 -> full check)
        (501, 500),  # 3 % is 15.03: the 500 minimum applies
        (10_000, 500),  # 3 % is 300: the 500 minimum applies
        (16_666, 500),  # 3 % is 499.98 -> 500, equal to the minimum
        (16_667, 501),  # 3 % is 500.01 -> rounded UP to 501, more than 500
        (24_034, 722),  # 2 CCR 20540's own example: 3 % is 721.02 -> 722
        (100_000, 3_000),  # 3 % exactly
        (1_000_000, 30_000),  # 3 % exactly
    ],
)
def test_sample_is_500_or_3_percent_whichever_is_greater(raw, expected):
    assert sample_size(raw) == expected


def test_sample_size_of_a_negative_raw_count_is_an_error():
    with pytest.raises(ValueError):
        sample_size(-1)


# --- The projection: 2 CCR 20530-20532 ----------------------------------------


def test_worked_example_by_hand():
    # A county files R = 100,000 signatures; its 3 % sample is n = 3,000.
    # The sample finds v = 2,400 valid signatures and d = 3 duplicates.
    #
    # 20530(c) p = 2,400 / 3,000 = 0.8             -> 80.00 %
    # 20530(d) V = 100,000 x 0.8000 = 80,000       -> 80,000 (already whole)
    # 20531(a) A = 100,000 / 3,000 = 33.33333...   -> 33.3333 (four places)
    # 20531(b) B = 33.3333 x 32.3333
    #            = 33.3333 x 32      = 1,066.6656
    #            + 33.3333 x 0.3333  =    11.10998889
    #            =                     1,077.77558889
    # 20531(c) C = 3 x 1,077.77558889 = 3,233.32676667 -> rounded up: 3,234
    # 20532    80,000 - 3,234 = 76,766
    assert sample_size(100_000) == 3_000
    assert projected_valid(100_000, 3_000, 2_400, 3) == 76_766


def test_the_regulations_own_example_2_ccr_20540():
    # R = 24,034, n = 722 (3 % = 721.02, rounded up), v = 516, d = 2.
    # p = 516 / 722 = 71.468...%          -> 71.47 %
    # V = 24,034 x 0.7147 = 17,177.0998   -> 17,178
    # A = 24,034 / 722 = 33.28808...      -> 33.2881
    # B = 33.2881 x 32.2881 = 1,065.2192 + 9.59030161 = 1,074.80950161
    # C = 2 x 1,074.80950161 = 2,149.61900322 -> 2,150
    # 17,178 - 2,150 = 15,028, the number the regulation prints.
    assert projected_valid(24_034, 722, 516, 2) == 15_028


def test_no_duplicates_in_the_sample_projects_the_valid_rate_alone():
    # d = 0 -> C = 0, so the result is V: 100,000 x 80.00 % = 80,000.
    assert projected_valid(100_000, 3_000, 2_400, 0) == 80_000
    # 1,000,000 x (22,500 / 30,000 = 75.00 %) = 750,000.
    assert projected_valid(1_000_000, 30_000, 22_500, 0) == 750_000


def test_valid_rate_is_rounded_to_two_decimals_before_projecting():
    # R = 250,000, n = 7,500, v = 5,251.
    # Exactly, 5,251 / 7,500 = 70.01333...%, and 250,000 x 0.7001333... =
    # 175,033.33 would round up to 175,034.
    # The regulation first rounds p to 70.01 %: V = 250,000 x 0.7001 = 175,025.
    # The two-decimal rounding costs the campaign 9 signatures here.
    assert sample_size(250_000) == 7_500
    assert projected_valid(250_000, 7_500, 5_251, 0) == 175_025


def test_the_regulations_example_also_shows_p_rounding_matters():
    # Without rounding p, 24,034 x 516 / 722 = 17,176.65... -> 17,177;
    # with p = 71.47 % it is 17,177.0998 -> 17,178 (see 2 CCR 20540).
    assert projected_valid(24_034, 722, 516, 0) == 17_178


def test_valid_rate_rounds_half_up():
    # R = 133,333: 3 % = 3,999.99 -> n = 4,000. v = 3,001.
    # p = 3,001 / 4,000 = 75.025 % exactly: half up -> 75.03 % (half-even
    # would give 75.02 %).
    # V = 133,333 x 0.7503 = 100,039.7499 -> 100,040
    #   (with 75.02 %: 133,333 x 0.7502 = 100,026.4166 -> 100,027).
    assert sample_size(133_333) == 4_000
    assert projected_valid(133_333, 4_000, 3_001, 0) == 100_040


def test_value_of_each_signature_is_rounded_to_four_decimals():
    # R = 22,492: 3 % = 674.76 -> n = 675. One duplicate in the sample.
    # A = 22,492 / 675 = 33.321481... -> 33.3215
    # B = 33.3215 x 32.3215 = 1,066.288 + 10.71286225 = 1,077.00086225
    # C = 1 x 1,077.00086225 -> rounded up: 1,078.
    # Without rounding A: 22,492 x 21,817 / 675^2 = 490,707,964 / 455,625
    # = 1,076.99964... -> 1,077. The four-place rounding costs one more.
    assert sample_size(22_492) == 675
    all_valid = projected_valid(22_492, 675, 675, 0)
    assert all_valid == 22_492  # 100.00 % of 22,492
    assert all_valid - projected_valid(22_492, 675, 675, 1) == 1_078


def test_one_duplicate_in_a_3_percent_sample_costs_about_a_thousand():
    # R = 1,000,000, n = 30,000: A = 33.3333, B = 1,077.77558889 -> C = 1,078.
    v = 24_000  # 80.00 % -> V = 800,000
    assert projected_valid(1_000_000, 30_000, v, 0) == 800_000
    assert projected_valid(1_000_000, 30_000, v, 1) == 800_000 - 1_078
    # Two duplicates: 2 x 1,077.77558889 = 2,155.55117778 -> 2,156.
    assert projected_valid(1_000_000, 30_000, v, 2) == 800_000 - 2_156


@pytest.mark.parametrize("raw", [16_667, 24_034, 100_000, 250_000, 3_000_000])
def test_a_duplicate_costs_about_a_thousand_whenever_the_sample_is_3_percent(raw):
    n = sample_size(raw)
    cost = projected_valid(raw, n, n, 0) - projected_valid(raw, n, n, 1)
    # A is just under 1 / 3 % = 33.33, so B = A x (A - 1) is just under 1,078.
    assert 1_000 <= cost <= 1_078


def test_with_the_500_minimum_a_duplicate_weighs_less():
    # R = 10,000, n = 500: A = 20.0000, B = 20 x 19 = 380 -> C = 380 per duplicate.
    # p = 400 / 500 = 80.00 % -> V = 8,000.
    assert projected_valid(10_000, 500, 400, 1) == 8_000 - 380


def test_full_check_when_fewer_than_500_signatures():
    # A county with 300 signatures checks all 300: nothing is projected.
    # 200 found valid -> 200 valid. (Run through the formula, p = 66.67 % and
    # 300 x 0.6667 = 200.01 would round up to 201: a full count is no
    # projection.)
    n = sample_size(300)
    assert n == 300
    assert projected_valid(300, n, 200, 0) == 200
    # Duplicates found in a full check are simply not valid signatures:
    # A = 1, B = 0, so they cost nothing beyond not being counted as valid.
    assert projected_valid(300, n, 200, 5) == 200
    assert projected_valid(3, 3, 2, 0) == 2
    assert projected_valid(0, 0, 0, 0) == 0


def test_projection_never_goes_below_zero():
    # R = 100,000, n = 3,000, v = 10 (0.33 %) -> V = 330; d = 10 -> C = 10,778.
    # 330 - 10,778 is negative: reported as no valid signatures.
    assert projected_valid(100_000, 3_000, 10, 10) == 0


@pytest.mark.parametrize(
    "raw, sample, valid, duplicates",
    [
        (-1, 0, 0, 0),  # negative raw count
        (1_000, -1, 0, 0),  # negative sample
        (1_000, 500, -1, 0),  # negative valid
        (1_000, 500, 400, -1),  # negative duplicates
        (1_000, 0, 0, 0),  # empty sample of a county that filed signatures
        (1_000, 500, 501, 0),  # more valid than signatures sampled
        (1_000, 500, 400, 501),  # more duplicates than signatures sampled
        (1_000, 1_001, 400, 0),  # sample larger than the raw count
    ],
)
def test_impossible_counts_are_refused(raw, sample, valid, duplicates):
    with pytest.raises(ValueError):
        projected_valid(raw, sample, valid, duplicates)


def test_error_messages_name_the_problem():
    with pytest.raises(ValueError, match="valid"):
        projected_valid(1_000, 500, 501, 0)
    with pytest.raises(ValueError, match="duplicates"):
        projected_valid(1_000, 500, 0, 501)
    with pytest.raises(ValueError, match="sample"):
        projected_valid(1_000, 0, 0, 0)


def test_fractional_counts_are_refused():
    with pytest.raises(TypeError):
        projected_valid(1_000.0, 500, 400, 0)


# --- Campaign-side estimate ------------------------------------------------------


def test_expected_projection_matches_the_worked_example():
    # n = 3,000; v = 3,000 x 0.8 = 2,400; d = 3,000 x 0.001 = 3 -> 76,766.
    assert expected_projection(100_000, 0.8, 0.001) == 76_766


def test_expected_projection_rounds_counts_half_up():
    # R = 10,000, n = 500: v = 500 x 0.701 = 350.5 -> 351 (half-even: 350).
    # p = 351 / 500 = 70.20 % -> V = 7,020.
    assert expected_projection(10_000, 0.701, 0.0) == 7_020


def test_expected_projection_full_check_for_a_small_county():
    # 300 signatures, all checked: 300 x 0.7 = 210 valid.
    assert expected_projection(300, 0.7, 0.01) == 210


@pytest.mark.parametrize(
    "raw, valid_rate, duplicate_rate",
    [(-1, 0.8, 0.0), (1_000, 1.2, 0.0), (1_000, -0.1, 0.0), (1_000, 0.8, 1.5)],
)
def test_expected_projection_refuses_impossible_inputs(raw, valid_rate, duplicate_rate):
    with pytest.raises(ValueError):
        expected_projection(raw, valid_rate, duplicate_rate)


# --- Statewide outcome: EC 9030(f)-(g), 9031(a) -----------------------------------


@pytest.mark.parametrize(
    "projected, outcome",
    [
        # 95 % of 546,651 = 519,318.45
        (519_318, "fails"),  # 94.99992 %: less than 95 percent
        (519_319, "full_count"),  # 95.00001 %
        (546_651, "full_count"),  # exactly 100 %: still a full count
        # 110 % of 546,651 = 601,316.1
        (601_316, "full_count"),  # 109.99998 %: within 95 to 110 percent
        (601_317, "qualifies"),  # 110.00016 %: more than 110 percent
        (0, "fails"),
        (1_000_000, "qualifies"),
    ],
)
def test_outcome_for_an_initiative_statute(projected, outcome):
    assert qualification_outcome(projected, REQUIRED_STATUTE) == outcome


@pytest.mark.parametrize(
    "projected, outcome",
    [
        (949, "fails"),
        (950, "full_count"),  # exactly 95 %: "95 to 110 percent" -> full count
        (1_100, "full_count"),  # exactly 110 %: not "more than 110 percent"
        (1_101, "qualifies"),  # just above 110 %
    ],
)
def test_outcome_at_exactly_95_and_110_percent(projected, outcome):
    # 546,651 has no whole-signature 95 % or 110 %; a requirement of 1,000 does.
    assert qualification_outcome(projected, 1_000) == outcome


def test_outcome_refuses_impossible_inputs():
    with pytest.raises(ValueError):
        qualification_outcome(600_000, 0)
    with pytest.raises(ValueError):
        qualification_outcome(-1, REQUIRED_STATUTE)
