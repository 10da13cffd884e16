"""California's random-sample projection of valid petition signatures.

Pure Python, standard library only (no Django), so it can be used from models,
management commands, the dashboard and plain tests alike.

Sources
-------
* Elections Code 9030(d): a county that receives more than 500 signatures
  verifies a random sample of "at least 500 or 3 percent of the signatures,
  whichever is greater", each signature with an equal chance of being drawn;
  with 500 or fewer it checks them all.
* 2 CCR 20530: percentage valid in the sample, "compute as a percentage to two
  decimal places"; multiply the raw count by it and "round up to the nearest
  whole number".
* 2 CCR 20531: value of each signature = raw count / sample size, "compute to
  four decimal places"; weight of each duplicate found in the sample = that
  value times (that value minus one); estimated duplicates in the whole county =
  duplicates found in the sample times the weight, "round up to the nearest
  whole number".
* 2 CCR 20532: projected valid signatures = 20530(d) minus 20531(c).
* 2 CCR 20540: the regulation's own worked example (raw 24,034, sample 722,
  516 valid, 2 duplicates -> 15,028), reproduced in the tests.
* Elections Code 9030(f)-(g), 9031(a): statewide, the Secretary of State sums
  the county projections; more than 110 percent of the requirement qualifies,
  95 to 110 percent orders a full count of every signature, less than 95
  percent fails.

All rounding is done with :class:`decimal.Decimal` (or exact integers), never
binary floating point: "two decimal places" is ROUND_HALF_UP, "round up" is a
ceiling.
"""

from __future__ import annotations

import operator
import random
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_HALF_UP, Context, Decimal, localcontext

__all__ = [
    "FAILS",
    "FULL_CHECK_MAX",
    "FULL_COUNT",
    "QUALIFIES",
    "SAMPLE_MINIMUM",
    "SAMPLE_PERCENT",
    "expected_projection",
    "projected_valid",
    "qualification_odds",
    "qualification_outcome",
    "raw_needed_for_odds",
    "sample_size",
]

#: EC 9030(d): counties with at most this many signatures check all of them.
FULL_CHECK_MAX = 500
#: EC 9030(d): the sample holds at least this many signatures...
SAMPLE_MINIMUM = 500
#: ...or this percentage of the raw count, whichever is greater.
SAMPLE_PERCENT = 3

_TWO_PLACES = Decimal("0.01")
_FOUR_PLACES = Decimal("0.0001")
# Plenty of digits: every intermediate value below is exact or is rounded
# explicitly, never by the context.
_CONTEXT = Context(prec=60)


def _count(name: str, value: int) -> int:
    """Return ``value`` as an int; reject non-integers and negatives."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a whole number, not a bool")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be a whole number of signatures, got {value!r}") from None
    if number < 0:
        raise ValueError(f"{name} cannot be negative (got {number})")
    return number


def _ceil(value: Decimal) -> int:
    """Round up to the nearest whole number (2 CCR 20530(d), 20531(c))."""
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def sample_size(raw: int, *, minimum: int = SAMPLE_MINIMUM, percent: int = SAMPLE_PERCENT) -> int:
    """Number of signatures a county verifies for a raw count of ``raw``.

    Elections Code 9030(d): "at least 500 or 3 percent of the signatures,
    whichever is greater"; 3 percent is rounded *up* to a whole signature (the
    regulation's example, 2 CCR 20540, samples 722 of 24,034, where 3 percent is
    721.02). A county with 500 or fewer signatures checks every one of them, so
    the "sample" is the raw count itself.

    >>> sample_size(100), sample_size(10_000), sample_size(16_667)
    (100, 500, 501)

    ``minimum`` and ``percent`` are the rule's 500 and 3 (a petition's own
    fields; California's values by default): a county with ``minimum`` or
    fewer signatures checks them all.

    Raises ValueError when ``raw`` is negative.
    """
    raw = _count("raw", raw)
    if raw <= minimum:
        return raw
    share = -(-raw * percent // 100)  # exact integer ceiling
    return max(minimum, share)


def projected_valid(raw: int, sample: int, valid: int, duplicates: int) -> int:
    """Projected valid signatures for one county (2 CCR 20530-20532).

    ``raw`` is the county's raw count R, ``sample`` the number of signatures
    verified n, ``valid`` the valid signatures found in the sample v, and
    ``duplicates`` the duplicate signatures found in the sample d. The steps,
    each rounded exactly as the regulation says:

    1. p = v / n as a percentage to two decimal places (20530(c)),
       rounded half up.
    2. V = R x p / 100, rounded up to a whole signature (20530(d)).
    3. A = R / n to four decimal places (20531(a)), rounded half up: the
       value of each sampled signature.
    4. B = A x (A - 1), kept exact (20531(b)): the weight of one duplicate
       found in the sample. The regulation does not round B.
    5. C = d x B, rounded up (20531(c)): estimated duplicates in the county.
    6. Projected valid = V - C (20532), but never below zero: the regulation
       is silent on a negative result, which could only arise from absurd
       inputs (many duplicates, almost no valid signatures) and would mean
       "no valid signatures", so it is reported as 0.

    Full check (``sample == raw``, which is always the case for 500 or fewer
    signatures, EC 9030(d)): nothing is projected; the county counted every
    signature, so the result is ``valid`` exactly. Duplicates found in a full
    check are simply not valid signatures, so they cost nothing more. (In
    the formula A would be 1 and B 0, but rounding p to two decimals could
    still move V by one: 200 valid of 300 is 66.67 %, and 300 x 0.6667 =
    200.01 would round up to 201. A full count is not a projection, so the
    exact count is returned.)

    The sample may be larger than :func:`sample_size` requires (a county may
    check more); it may not exceed the raw count.

    Raises ValueError for negative numbers, an empty sample of a non-empty
    county, a sample larger than the raw count, or more valid signatures or
    duplicates than signatures in the sample. Raises TypeError for
    non-integers.
    """
    raw = _count("raw", raw)
    sample = _count("sample", sample)
    valid = _count("valid", valid)
    duplicates = _count("duplicates", duplicates)

    if sample > raw:
        raise ValueError(f"sample ({sample}) cannot be larger than the raw count ({raw})")
    if sample == 0 and raw > 0:
        raise ValueError(f"sample cannot be 0 when the raw count is {raw}: nothing to project from")
    if valid > sample:
        raise ValueError(f"valid ({valid}) cannot exceed the sample size ({sample})")
    if duplicates > sample:
        raise ValueError(f"duplicates ({duplicates}) cannot exceed the sample size ({sample})")

    if sample == raw:
        # Full check (includes raw == 0): an exact count, not a projection.
        return valid

    with localcontext(_CONTEXT):
        R, n, v, d = Decimal(raw), Decimal(sample), Decimal(valid), Decimal(duplicates)
        # 20530(c): percentage valid, two decimal places.
        p = (v * 100 / n).quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)
        # 20530(d): raw count times that percentage, rounded up.
        V = _ceil(R * p / 100)
        # 20531(a): value of each signature, four decimal places.
        A = (R / n).quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP)
        # 20531(b): weight of each duplicate found in the sample (exact).
        B = A * (A - 1)
        # 20531(c): estimated duplicates in the whole county, rounded up.
        C = _ceil(d * B)
    # 20532: projected valid signatures.
    return max(0, V - C)


def _rate(name: str, value: float | Decimal) -> Decimal:
    """A rate between 0 and 1 as a Decimal (a float by its shortest repr)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TypeError(f"{name} must be a number between 0 and 1, got {value!r}")
    rate = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    if not rate.is_finite() or rate < 0 or rate > 1:
        raise ValueError(f"{name} must be between 0 and 1 (got {value!r})")
    return rate


def expected_projection(
    raw: int,
    valid_rate: float | Decimal,
    duplicate_rate: float | Decimal,
    *,
    sample_minimum: int = SAMPLE_MINIMUM,
    sample_percent: int = SAMPLE_PERCENT,
) -> int:
    """Campaign-side estimate of what a county will project.

    Assumes the county's sample (of :func:`sample_size` signatures, EC 9030(d))
    finds valid signatures and duplicates at the given rates (fractions of the
    sample, 0 to 1): v = n x ``valid_rate`` and d = n x ``duplicate_rate``,
    each rounded half up to a whole signature, then applies
    :func:`projected_valid` (2 CCR 20530-20532).

    ``duplicate_rate`` is the share of the *sample* the county would flag as
    duplicates, not the share of duplicates in the whole filing: duplicate
    pairs show up in a sample far less often than in the full filing, which is
    exactly why 2 CCR 20531 weighs each one so heavily.

    Raises ValueError for a negative raw count or a rate outside 0..1.
    """
    raw = _count("raw", raw)
    vr = _rate("valid_rate", valid_rate)
    dr = _rate("duplicate_rate", duplicate_rate)
    n = sample_size(raw, minimum=sample_minimum, percent=sample_percent)
    with localcontext(_CONTEXT):
        v = int((n * vr).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        d = int((n * dr).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return projected_valid(raw, n, v, d)


#: Results of :func:`qualification_outcome`.
QUALIFIES = "qualifies"
FULL_COUNT = "full_count"
FAILS = "fails"


#: EC 9030(f)-(g): the statewide lines, in percent of the requirement.
FULL_COUNT_PERCENT = 95
QUALIFY_PERCENT = 110


def qualification_outcome(
    projected_total: int,
    required: int,
    *,
    full_count_percent: int = FULL_COUNT_PERCENT,
    qualify_percent: int = QUALIFY_PERCENT,
) -> str:
    """What the Secretary of State does with the statewide projected total.

    Elections Code 9030(f)-(g) and 9031(a), the totals being the sum of the
    county projections (:func:`projected_valid`):

    * ``"qualifies"``: *more than* 110 percent of ``required``;
    * ``"full_count"``: 95 to 110 percent, both ends included: every
      signature is verified (EC 9031);
    * ``"fails"``: *less than* 95 percent.

    The comparisons are exact integer arithmetic (``projected * 100`` against
    ``required * 110`` and ``required * 95``), so e.g. with 546,651 required
    601,316 (109.99998 %) is a full count and 601,317 qualifies.

    A raw count below 100 percent (EC 9030(b)) is decided before any sampling
    and is not this function's business. ``full_count_percent`` and
    ``qualify_percent`` are the 95 and 110 (a petition's own fields).

    Raises ValueError when ``required`` is not positive or
    ``projected_total`` is negative.
    """
    projected_total = _count("projected_total", projected_total)
    required = _count("required", required)
    if required == 0:
        raise ValueError("required must be a positive number of signatures")
    scaled = projected_total * 100
    if scaled > required * qualify_percent:
        return QUALIFIES
    if scaled >= required * full_count_percent:
        return FULL_COUNT
    return FAILS


# --- The odds of qualifying ------------------------------------------------------
#
# qualification_odds simulates what expected_projection only averages: each
# county's sample is a random draw (EC 9030(d): every signature an equal
# chance), so its valid and duplicate counts, and the projection, vary from one
# draw to the next. The draw is exact: a uniformly random sample of n from a
# county's R signatures made of I invalid, D duplicates each paired with one
# valid original, and V - D other valid ones is drawn in three steps, each from
# its exact distribution, tabulated once per county (or per value it is
# conditioned on) and sampled by inverse transform, one uniform number each:
#   k, pair members drawn (originals and duplicates):  hypergeometric(R, 2D, n)
#   b, pairs drawn whole, given k: P(b) = C(D, b) C(D - b, k - 2b) 2^(k - 2b) / C(2D, k)
#   i, invalid drawn, given k:      hypergeometric(R - 2D, I, n - k)
# The county's sample then shows d = b duplicates and v = n - i - b valid
# signatures (a duplicate drawn without its original looks valid), and
# projected_valid(R, n, v, d) is its projection. Tabulated distributions are
# cut where a tail's weight falls below _TAIL of the mode's, so the mass left
# out is below 1e-12: the draw is exact to floating point.

#: Relative weight (the mode's is 1) below which a tabulated tail is cut off.
_TAIL = 1e-16

#: The probability of qualifying raw_needed_for_odds looks for by default.
ODDS_TARGET = 0.9


def _tabulate(lo: int, hi: int, start: int, ratio: Callable[[int], float]) -> tuple[list[int], list[float]]:
    """A unimodal distribution on ``lo..hi`` given by ``ratio(x) = P(x + 1) / P(x)``
    (positive on ``lo..hi - 1``), tabulated from its mode outward: the values and
    their cumulative weights (not normalised). The values hold one more copy of
    the last one, for a ``u * total`` that float rounding puts at the very end."""
    x = min(max(start, lo), hi)
    while x < hi and ratio(x) > 1.0:
        x += 1
    while x > lo and ratio(x - 1) < 1.0:
        x -= 1
    mode = x
    down: list[float] = []
    weight = 1.0
    while x > lo:
        x -= 1
        weight /= ratio(x)
        if weight < _TAIL:
            break
        down.append(weight)
    up: list[float] = []
    weight, x = 1.0, mode
    while x < hi:
        weight *= ratio(x)
        x += 1
        if weight < _TAIL:
            break
        up.append(weight)
    first = mode - len(down)
    values = list(range(first, mode + len(up) + 1))
    values.append(values[-1])
    cumulative: list[float] = []
    total = 0.0
    for weight in (*reversed(down), 1.0, *up):
        total += weight
        cumulative.append(total)
    return values, cumulative


def _hypergeometric(population: int, marked: int, drawn: int) -> tuple[list[int], list[float]]:
    """How many of ``marked`` are among ``drawn`` taken from ``population`` without replacement."""
    lo, hi = max(0, drawn - (population - marked)), min(drawn, marked)
    rest = population - marked - drawn

    def ratio(x: int) -> float:
        return (marked - x) * (drawn - x) / ((x + 1) * (rest + x + 1))

    return _tabulate(lo, hi, (drawn + 1) * (marked + 1) // (population + 2), ratio)


def _pairs_whole(pairs: int, drawn: int) -> tuple[list[int], list[float]]:
    """How many of ``pairs`` pairs are drawn whole when ``drawn`` of their 2 x ``pairs``
    members are taken at random: C(D, b) C(D - b, k - 2b) 2^(k - 2b) / C(2D, k)."""
    lo, hi = max(0, drawn - pairs), drawn // 2

    def ratio(b: int) -> float:
        return (drawn - 2 * b) * (drawn - 2 * b - 1) / (4 * (b + 1) * (pairs - drawn + b + 1))

    return _tabulate(lo, hi, drawn * (drawn - 1) // (4 * pairs), ratio)


def _draw(table: tuple[list[int], list[float]], u: float) -> int:
    values, cumulative = table
    return values[bisect_right(cumulative, u * cumulative[-1])]


def _county_input(county: Mapping[str, int]) -> tuple[int, int, int]:
    raw = _count("raw", county["raw"])
    valid = _count("valid", county["valid"])
    duplicates = _count("duplicates", county["duplicates"])
    if valid + duplicates > raw:
        raise ValueError(f"valid ({valid}) and duplicates ({duplicates}) cannot exceed raw ({raw})")
    if duplicates > valid:
        raise ValueError(f"each duplicate needs its original among the valid: {duplicates} > {valid}")
    return raw, valid, duplicates


def _simulate_county(
    raw: int, valid: int, duplicates: int, n: int, rand: Callable[[], float], totals: list[int]
) -> None:
    """Add one draw of the county's projection to each run's total (see above)."""
    invalid = raw - valid - duplicates
    if duplicates == 0:
        values, cumulative = _hypergeometric(raw, invalid, n)
        projections = [projected_valid(raw, n, n - i, 0) for i in values]
        total = cumulative[-1]
        for run in range(len(totals)):
            totals[run] += projections[bisect_right(cumulative, rand() * total)]
        return
    members = _hypergeometric(raw, 2 * duplicates, n)
    whole: dict[int, tuple[list[int], list[float]]] = {}
    invalids: dict[int, tuple[list[int], list[float]]] = {}
    memo: dict[tuple[int, int], int] = {}
    for run in range(len(totals)):
        k = _draw(members, rand())
        table = whole.get(k)
        if table is None:
            table = whole[k] = _pairs_whole(duplicates, k)
        b = _draw(table, rand())
        table = invalids.get(k)
        if table is None:
            table = invalids[k] = _hypergeometric(raw - 2 * duplicates, invalid, n - k)
        v = n - _draw(table, rand()) - b
        projection = memo.get((v, b))
        if projection is None:
            projection = memo[(v, b)] = projected_valid(raw, n, v, b)
        totals[run] += projection


def qualification_odds(
    counties: Sequence[Mapping[str, int]],
    required: int,
    runs: int = 20000,
    seed: int | None = None,
    *,
    sample_minimum: int = SAMPLE_MINIMUM,
    sample_percent: int = SAMPLE_PERCENT,
    full_count_percent: int = FULL_COUNT_PERCENT,
    qualify_percent: int = QUALIFY_PERCENT,
) -> dict[str, float]:
    """The probabilities that the counties' random samples qualify the measure.

    ``counties``: one mapping per county with ``raw`` (signatures filed there),
    ``valid`` (of those, how many are valid and not duplicates) and
    ``duplicates`` (of those, how many duplicate another signature of the same
    raw count, each with its original among the valid; two duplicates of one
    voter are counted as two pairs). Each run draws every county's sample
    (:func:`sample_size`) at random, exactly as the county would (see the
    comment above), projects it with :func:`projected_valid` and sums the
    counties (a county that checks everything adds ``valid``); the statewide
    total is then judged as :func:`qualification_outcome` does.

    Returns ``{"qualifies": p, "full_count": p, "fails": p}``, the shares of
    ``runs`` runs ending each way (they sum to 1). A raw count below
    ``required`` fails every run (EC 9030(b)). ``seed`` makes it repeatable.
    The keyword arguments are the legal constants (a petition's fields).

    Raises ValueError for a non-positive ``required`` or ``runs``, negative
    counts, or valid and duplicates that do not fit in the raw count.
    """
    required = _count("required", required)
    runs = _count("runs", runs)
    if required == 0 or runs == 0:
        raise ValueError("required and runs must be positive")
    inputs = [_county_input(county) for county in counties]
    if sum(raw for raw, _, _ in inputs) < required:
        return {QUALIFIES: 0.0, FULL_COUNT: 0.0, FAILS: 1.0}
    rand = random.Random(seed).random  # noqa: S311 - a simulation, not a secret
    base = 0
    random_counties = []
    for raw, valid, duplicates in inputs:
        n = sample_size(raw, minimum=sample_minimum, percent=sample_percent)
        if n == raw:  # a full check (or nothing filed): exactly the valid ones
            base += valid
        else:
            random_counties.append((raw, valid, duplicates, n))
    totals = [base] * runs
    for raw, valid, duplicates, n in random_counties:
        _simulate_county(raw, valid, duplicates, n, rand, totals)
    qualify_line = required * qualify_percent
    count_line = required * full_count_percent
    qualifies = full_count = 0
    for total in totals:
        scaled = total * 100
        if scaled > qualify_line:
            qualifies += 1
        elif scaled >= count_line:
            full_count += 1
    return {QUALIFIES: qualifies / runs, FULL_COUNT: full_count / runs, FAILS: (runs - qualifies - full_count) / runs}


def _spread(counties: list[tuple[int, int, int]], extra: int) -> list[dict[str, int]]:
    """The counties with ``extra`` more raw signatures, shared by their raw counts
    (largest remainders) and each county's extra at its own valid and duplicate
    rates (valid rounded half up, duplicates down)."""
    if extra == 0:
        return [{"raw": raw, "valid": valid, "duplicates": duplicates} for raw, valid, duplicates in counties]
    total_raw = sum(raw for raw, _, _ in counties)
    quotas = [divmod(extra * raw, total_raw) for raw, _, _ in counties]
    shares = [whole for whole, _ in quotas]
    by_remainder = sorted(range(len(counties)), key=lambda c: quotas[c][1], reverse=True)
    for c in by_remainder[: extra - sum(shares)]:
        shares[c] += 1
    spread = []
    for (raw, valid, duplicates), more in zip(counties, shares):
        more_valid = (2 * more * valid + raw) // (2 * raw) if raw else 0
        more_duplicates = more * duplicates // raw if raw else 0
        spread.append({"raw": raw + more, "valid": valid + more_valid, "duplicates": duplicates + more_duplicates})
    return spread


def raw_needed_for_odds(
    counties: Sequence[Mapping[str, int]],
    required: int,
    target: float = ODDS_TARGET,
    runs: int = 2000,
    seed: int = 0,
    **rules: int,
) -> int | None:
    """The extra raw signatures, collected at current rates, that give at least
    ``target`` chance of qualifying without a full count.

    The extra signatures are shared among the counties by their current raw
    counts, each county's at its own rates (``valid / raw``, ``duplicates /
    raw``); for each candidate :func:`qualification_odds` runs ``runs`` runs with
    the same ``seed`` (the same random numbers for every candidate, so the
    chance grows smoothly with the extra). A doubling search brackets the
    answer, a bisection narrows it to 0.05 % of ``required``; the smallest
    extra found enough is returned, so it errs by at most that step (and by
    the simulation's noise, about 0.007 in the chance at 2,000 runs). 0 when
    the current counts already reach ``target``; None when nothing filed is
    valid yet (no rate to collect at) or no extra up to 1,000 x ``required``
    reaches it. ``rules``: the keyword arguments of :func:`qualification_odds`.
    """
    inputs = [_county_input(county) for county in counties]
    required = _count("required", required)

    def chance(extra: int) -> float:
        return qualification_odds(_spread(inputs, extra), required, runs, seed, **rules)[QUALIFIES]

    if chance(0) >= target:
        return 0
    total_raw = sum(raw for raw, _, _ in inputs)
    total_valid = sum(valid for _, valid, _ in inputs)
    if total_valid == 0:
        return None
    # First guess: the raw count whose valid share reaches the 110 % line.
    line = required * rules.get("qualify_percent", QUALIFY_PERCENT) // 100 + 1
    low, high = 0, max(1, required - total_raw, -(-line * total_raw // total_valid) - total_raw)
    while chance(high) < target:
        low, high = high, high * 2
        if high > 1000 * required:
            return None
    step = max(1, required // 2000)
    while high - low > step:
        middle = (low + high) // 2
        if chance(middle) >= target:
            high = middle
        else:
            low = middle
    return high
