"""Circulator quality: how the lines of each circulator's sections fare, set
against the rest of their county, and who fails far more often than chance
allows (fabricated or copied sections are what county officials look for).

Each (circulator, county) pair is tested once: a one-sided exact binomial test
of its failing lines against the failure share of every other circulator's
decided lines in that county (leave-one-out, so a fabricator does not raise
their own norm). The tail is summed exactly with `math` in log space: one
function does not justify adding scipy to the image. Flags hold the false
discovery rate across all pairs tested (Benjamini-Hochberg, q = 0.01) rather
than Holm's family-wise rate: a flag asks for a closer look, not a verdict, and
over hundreds of circulators Holm would let most fabricators through.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from petitions.models import Circulator, County, Petition, PetitionSection, Signature

Status = Signature.Status
REASONS: tuple[str, ...] = tuple(reason for reason in Signature.Reason.values if reason)

#: Decided lines a circulator needs in a county before they are tested: below
#: this a few bad lines are bad luck, not a pattern.
MIN_DECIDED = 20
#: Decided lines the other circulators of the county need for their share to be a norm.
MIN_NORM_DECIDED = 100
#: Benjamini-Hochberg: the share of flags expected to be bad luck alone.
FALSE_DISCOVERY_RATE = 0.01


@dataclass
class CirculatorQuality:
    """One circulator's lines in one county, and the test against the county's norm."""

    circulator_id: int
    name: str
    city: str
    phone: str
    email: str
    county_code: str
    county_name: str
    lines: int
    valid: int
    invalid_by_reason: dict[str, int]
    duplicate: int
    norm_decided: int  # the other circulators' decided lines in the county
    norm_failures: int
    sections: list[str] = field(default_factory=list)
    p_value: float | None = None  # None: not tested (too few lines, or no norm)
    flagged: bool = False

    @property
    def invalid(self) -> int:
        return sum(self.invalid_by_reason.values())

    @property
    def decided(self) -> int:
        return self.valid + self.invalid + self.duplicate

    @property
    def undecided(self) -> int:
        return self.lines - self.decided

    @property
    def failures(self) -> int:
        return self.invalid + self.duplicate

    @property
    def failure_share(self) -> float | None:
        return self.failures / self.decided if self.decided else None

    @property
    def norm_share(self) -> float | None:
        return self.norm_failures / self.norm_decided if self.norm_decided else None

    @property
    def failure_percent(self) -> float | None:
        return None if self.failure_share is None else 100 * self.failure_share

    @property
    def norm_percent(self) -> float | None:
        return None if self.norm_share is None else 100 * self.norm_share

    @property
    def tested(self) -> bool:
        return self.p_value is not None

    @property
    def invalid_reasons(self) -> list[tuple[str, int]]:
        """(label, count) of each reason that occurs, most frequent first."""
        labels = dict(Signature.Reason.choices)
        counts = [(labels[reason].capitalize(), count) for reason, count in self.invalid_by_reason.items() if count]
        return sorted(counts, key=lambda pair: -pair[1])

    @property
    def p_text(self) -> str:
        return "" if self.p_value is None else f"{self.p_value:.2g}"

    @property
    def chance(self) -> str:
        """The p-value in words: how often chance alone would give this many failing lines."""
        if self.p_value is None:
            return ""
        if self.p_value < 1e-6:
            return "less than once in a million"
        if self.p_value > 0.5:
            return "more often than not"
        return f"about once in {round(1 / self.p_value):,}"

    @property
    def untested_reason(self) -> str:
        if self.decided < MIN_DECIDED:
            return f"Not tested: fewer than {MIN_DECIDED} decided lines."
        if self.norm_decided < MIN_NORM_DECIDED:
            return f"Not tested: the county's other circulators have fewer than {MIN_NORM_DECIDED} decided lines."
        return ""


def binomial_upper_tail(successes: int, trials: int, p: float) -> float:
    """P(X >= successes) for X ~ Binomial(trials, p): each term's logarithm from
    lgamma, summed after scaling by the largest so that tiny tails do not underflow."""
    if successes <= 0 or p >= 1.0:
        return 1.0
    if successes > trials or p <= 0.0:
        return 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    log_n = math.lgamma(trials + 1)
    logs = [
        log_n - math.lgamma(k + 1) - math.lgamma(trials - k + 1) + k * log_p + (trials - k) * log_q
        for k in range(successes, trials + 1)
    ]
    top = max(logs)
    return min(1.0, math.exp(top) * math.fsum(math.exp(value - top) for value in logs))


def benjamini_hochberg(p_values: list[float], q: float) -> list[bool]:
    """Which hypotheses are rejected with the false discovery rate held at q."""
    order = sorted(range(len(p_values)), key=p_values.__getitem__)
    cutoff = 0
    for rank, index in enumerate(order, start=1):
        if p_values[index] <= q * rank / len(p_values):
            cutoff = rank
    rejected = [False] * len(p_values)
    for index in order[:cutoff]:
        rejected[index] = True
    return rejected


def _line_counts(petition: Petition) -> list[dict]:
    """Paper lines per (circulator, county) by outcome: one GROUP BY query."""
    by_reason = {f"invalid_{reason}": Count("id", filter=Q(status=Status.INVALID, reason=reason)) for reason in REASONS}
    return list(
        Signature.objects.filter(petition=petition, channel=Signature.Channel.PAPER, section__circulator__isnull=False)
        .values("section__circulator_id", "section__county_id")
        .annotate(
            lines=Count("id"),
            valid=Count("id", filter=Q(status=Status.VALID)),
            duplicate=Count("id", filter=Q(status=Status.DUPLICATE)),
            **by_reason,
        )
        .order_by()
    )


def circulator_quality(petition: Petition) -> list[CirculatorQuality]:
    """Every circulator with paper lines, per county, flagged ones first, then by p-value.

    A line is decided when valid, invalid or a duplicate (pending and review lines
    are left out of every share); it fails when invalid or a duplicate."""
    rows = _line_counts(petition)
    county_decided: dict[str, int] = defaultdict(int)
    county_failures: dict[str, int] = defaultdict(int)
    for row in rows:
        row["invalid_by_reason"] = {reason: row.pop(f"invalid_{reason}") for reason in REASONS}
        failures = sum(row["invalid_by_reason"].values()) + row["duplicate"]
        county_decided[row["section__county_id"]] += row["valid"] + failures
        county_failures[row["section__county_id"]] += failures

    circulators = Circulator.objects.in_bulk({row["section__circulator_id"] for row in rows})
    county_names = dict(County.objects.values_list("code", "name"))
    sections: dict[tuple[int, str], list[str]] = defaultdict(list)
    for circulator_id, county_id, number in (
        PetitionSection.objects.filter(petition=petition, circulator__in=circulators.keys())
        .order_by("number")
        .values_list("circulator_id", "county_id", "number")
    ):
        sections[(circulator_id, county_id)].append(number)

    report = []
    for row in rows:
        circulator = circulators[row["section__circulator_id"]]
        county = row["section__county_id"]
        quality = CirculatorQuality(
            circulator_id=circulator.pk,
            name=circulator.name,
            city=circulator.city,
            phone=circulator.phone,
            email=circulator.email,
            county_code=county,
            county_name=county_names[county],
            lines=row["lines"],
            valid=row["valid"],
            invalid_by_reason=row["invalid_by_reason"],
            duplicate=row["duplicate"],
            norm_decided=county_decided[county],
            norm_failures=county_failures[county],
            sections=sections[(circulator.pk, county)],
        )
        quality.norm_decided -= quality.decided  # leave the circulator out of their own norm
        quality.norm_failures -= quality.failures
        if quality.decided >= MIN_DECIDED and quality.norm_decided >= MIN_NORM_DECIDED:
            # Half a failure added to the norm: where the other lines never failed, one failure is not impossible.
            norm = (quality.norm_failures + 0.5) / (quality.norm_decided + 1)
            quality.p_value = binomial_upper_tail(quality.failures, quality.decided, norm)
        report.append(quality)

    tested = [(quality, quality.p_value) for quality in report if quality.p_value is not None]
    rejected = benjamini_hochberg([p_value for _, p_value in tested], FALSE_DISCOVERY_RATE)
    for (quality, _), flagged in zip(tested, rejected):
        quality.flagged = flagged
    report.sort(key=lambda q: (not q.flagged, q.p_value if q.p_value is not None else 2.0, q.county_code, q.name))
    return report
