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
    "qualification_outcome",
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


def sample_size(raw: int) -> int:
    """Number of signatures a county verifies for a raw count of ``raw``.

    Elections Code 9030(d): "at least 500 or 3 percent of the signatures,
    whichever is greater"; 3 percent is rounded *up* to a whole signature (the
    regulation's example, 2 CCR 20540, samples 722 of 24,034, where 3 percent is
    721.02). A county with 500 or fewer signatures checks every one of them, so
    the "sample" is the raw count itself.

    >>> sample_size(100), sample_size(10_000), sample_size(16_667)
    (100, 500, 501)

    Raises ValueError when ``raw`` is negative.
    """
    raw = _count("raw", raw)
    if raw <= FULL_CHECK_MAX:
        return raw
    three_percent = -(-raw * SAMPLE_PERCENT // 100)  # exact integer ceiling
    return max(SAMPLE_MINIMUM, three_percent)


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


def expected_projection(raw: int, valid_rate: float | Decimal, duplicate_rate: float | Decimal) -> int:
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
    n = sample_size(raw)
    with localcontext(_CONTEXT):
        v = int((n * vr).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        d = int((n * dr).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return projected_valid(raw, n, v, d)


#: Results of :func:`qualification_outcome`.
QUALIFIES = "qualifies"
FULL_COUNT = "full_count"
FAILS = "fails"


def qualification_outcome(projected_total: int, required: int) -> str:
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
    and is not this function's business.

    Raises ValueError when ``required`` is not positive or
    ``projected_total`` is negative.
    """
    projected_total = _count("projected_total", projected_total)
    required = _count("required", required)
    if required == 0:
        raise ValueError("required must be a positive number of signatures")
    scaled = projected_total * 100
    if scaled > required * 110:
        return QUALIFIES
    if scaled >= required * 95:
        return FULL_COUNT
    return FAILS
