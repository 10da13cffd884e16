"""Compare `export_signatures` output with the generator's truth (bench.generate).

Signatures are matched by key: a paper signature by (section, line), an online
one by its email (the generator gives every online signature its own).

A *group* is everything one person signed: a registered voter's signatures, or
an unregistered person's. The group's *outcome* is what its first signature is
expected to get (valid, or invalid with a reason); every other signature of the
group should be `duplicate` of the one that counts. Which signature of a group
the engine keeps depends on the order the workers happen to run in, so nothing
below depends on it.

Measures (targets from issue 3, item 8):
- precision: of the signatures marked `valid`, the share whose group's outcome
  is valid AND whose `registrant_id` is the signer's.
- recall: of the signers (groups) whose outcome is valid, the share with a
  signature marked `valid` with the signer's `registrant_id`. `review` is not
  found.
- duplicate precision: of the signatures marked `duplicate`, the share whose
  group has two or more signatures, whose `duplicate_of` is a signature of the
  same group, and whose `registrant_id` is the signer's (empty for someone not
  registered).
- duplicate recall: correctly marked duplicates (at most n-1 per group of n)
  over the true duplicates (n-1 per group of n).
- review share: signatures marked `review` over all signatures.
- reason accuracy: of the signers whose outcome is invalid, the share with a
  signature marked `invalid` with the expected reason (a group of n keeps one
  invalid signature; the others are judged as duplicates above).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Target:
    name: str
    label: str
    direction: str  # ">=" or "<="
    threshold: float

    def passes(self, value: float | None) -> bool:
        if value is None:
            return False
        return value >= self.threshold if self.direction == ">=" else value <= self.threshold


TARGETS: tuple[Target, ...] = (
    Target("precision", "precision (valid -> the right voter)", ">=", 0.995),
    Target("recall", "recall (valid signers found)", ">=", 0.98),
    Target("duplicate_precision", "duplicate precision", ">=", 0.995),
    Target("duplicate_recall", "duplicate recall", ">=", 0.97),
    Target("review_share", "review share", "<=", 0.02),
    Target("reason_accuracy", "invalid reason right", ">=", 0.90),
)


@dataclass
class Observed:
    id: str
    key: str
    status: str
    reason: str
    registrant_id: str
    duplicate_of: str  # an export id


@dataclass
class Measure:
    hits: int = 0
    total: int = 0

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None


@dataclass
class Report:
    measures: dict[str, Measure]
    signatures: int
    missing: list[str]  # truth keys absent from the export
    unexpected: list[str]  # export keys absent from the truth
    statuses: Counter
    by_category: dict[str, Counter]
    confusion: dict[str, Counter]  # expected outcome -> observed outcome
    precision_misses: Counter = field(default_factory=Counter)  # why a `valid` was wrong
    errors: list[dict[str, str]] = field(default_factory=list)

    def passed(self) -> dict[str, bool]:
        return {t.name: t.passes(self.measures[t.name].value) for t in TARGETS}


def read_truth(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def export_key(row: dict[str, str]) -> str:
    if row["channel"] == "paper":
        return f"P:{row['section']}:{row['line']}"
    return f"O:{row['email']}"


def read_export(path: Path) -> list[Observed]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Observed(
                id=row["id"],
                key=export_key(row),
                status=row["status"],
                reason=row["reason"],
                registrant_id=row["registrant_id"],
                duplicate_of=row["duplicate_of"],
            )
            for row in csv.DictReader(handle)
        ]


def _outcome(status: str, reason: str) -> str:
    return f"{status}:{reason}" if reason else status


def score(truth: list[dict[str, str]], export: list[Observed]) -> Report:
    observed = {o.key: o for o in export}
    key_of_id = {o.id: o.key for o in export}
    truth_by_key = {t["key"]: t for t in truth}
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for t in truth:
        groups[t["person"]].append(t)
    base = {person: next(t for t in rows if not t["duplicate_of"]) for person, rows in groups.items()}

    def label(t: dict[str, str], o: Observed | None) -> str:
        """The observed outcome, judged: e.g. 'valid', 'valid/wrong voter', 'duplicate/wrong'."""
        if o is None:
            return "missing"
        if o.status == "valid":
            return "valid" if o.registrant_id == t["registrant_id"] and t["registrant_id"] else "valid/wrong voter"
        if o.status == "duplicate":
            return "duplicate" if duplicate_right(t, o) else "duplicate/wrong"
        return _outcome(o.status, o.reason)

    def duplicate_right(t: dict[str, str], o: Observed) -> bool:
        group = groups[t["person"]]
        original = truth_by_key.get(key_of_id.get(o.duplicate_of, ""))
        return (
            len(group) > 1
            and original is not None
            and original["person"] == t["person"]
            and original["key"] != t["key"]
            and o.registrant_id == t["registrant_id"]
        )

    measures = {t.name: Measure() for t in TARGETS}
    statuses: Counter = Counter()
    by_category: dict[str, Counter] = defaultdict(Counter)
    confusion: dict[str, Counter] = defaultdict(Counter)
    precision_misses: Counter = Counter()
    errors: list[dict[str, str]] = []
    missing = [t["key"] for t in truth if t["key"] not in observed]
    unexpected = [o.key for o in export if o.key not in truth_by_key]

    for t in truth:
        o = observed.get(t["key"])
        seen = label(t, o)
        statuses[o.status if o else "missing"] += 1
        by_category[t["category"]][seen] += 1
        group_base = base[t["person"]]
        expected_base = _outcome(group_base["expected_status"], group_base["expected_reason"])
        confusion[_outcome(t["expected_status"], t["expected_reason"])][seen] += 1
        if o is not None and o.status == "valid":
            measures["precision"].total += 1
            if seen == "valid" and group_base["expected_status"] == "valid":
                measures["precision"].hits += 1
            elif not t["registrant_id"]:
                precision_misses["for someone not registered"] += 1
            elif seen != "valid":
                precision_misses["for another voter"] += 1
            else:
                precision_misses[f"for the right voter where {expected_base} is expected"] += 1
        if o is not None and o.status == "duplicate":
            measures["duplicate_precision"].total += 1
            measures["duplicate_precision"].hits += seen == "duplicate"
        if o is not None and o.status == "review":
            measures["review_share"].hits += 1
        measures["review_share"].total += 1
        right = (
            seen == "duplicate"
            or (seen == "valid" and expected_base == "valid")
            or (seen == expected_base and expected_base.startswith("invalid"))
        )
        if not right:
            errors.append(
                {
                    "key": t["key"],
                    "id": o.id if o else "",
                    "category": t["category"],
                    "tags": t["tags"],
                    "expected": _outcome(t["expected_status"], t["expected_reason"])
                    + (f" of {t['duplicate_of']}" if t["duplicate_of"] else ""),
                    "observed": seen
                    + (f" of {key_of_id.get(o.duplicate_of, o.duplicate_of)}" if o and o.duplicate_of else ""),
                    "registrant_id": t["registrant_id"],
                    "observed_registrant_id": o.registrant_id if o else "",
                    "written": t["written"],
                    "registered_as": t["registered_as"],
                }
            )

    for person, rows in groups.items():
        group_base = base[person]
        found = [observed.get(t["key"]) for t in rows]
        if group_base["expected_status"] == "valid":
            measures["recall"].total += 1
            measures["recall"].hits += any(
                o is not None and o.status == "valid" and o.registrant_id == group_base["registrant_id"] for o in found
            )
        else:
            measures["reason_accuracy"].total += 1
            measures["reason_accuracy"].hits += any(
                o is not None and o.status == "invalid" and o.reason == group_base["expected_reason"] for o in found
            )
        if len(rows) > 1:
            measures["duplicate_recall"].total += len(rows) - 1
            duplicates_right = sum(
                1 for t, o in zip(rows, found) if o is not None and o.status == "duplicate" and duplicate_right(t, o)
            )
            measures["duplicate_recall"].hits += min(duplicates_right, len(rows) - 1)

    return Report(
        measures=measures,
        signatures=len(truth),
        missing=missing,
        unexpected=unexpected,
        statuses=statuses,
        by_category=dict(by_category),
        confusion=dict(confusion),
        precision_misses=precision_misses,
        errors=errors,
    )


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f} %"


def format_report(report: Report) -> str:
    lines = []
    passed = report.passed()
    lines.append(f"{'measure':<38} {'value':>9}  {'(count)':>15}  {'target':>10}  result")
    for target in TARGETS:
        m = report.measures[target.name]
        count = f"({m.hits}/{m.total})"
        goal = f"{target.direction} {100 * target.threshold:g} %"
        lines.append(
            f"{target.label:<38} {_percent(m.value):>9}  {count:>15}  {goal:>10}  "
            f"{'PASS' if passed[target.name] else 'FAIL'}"
        )
    if report.precision_misses:
        lines.append("  wrong valid: " + ", ".join(f"{n} {why}" for why, n in report.precision_misses.most_common()))
    lines.append("")
    lines.append("Observed statuses: " + ", ".join(f"{s} {n:,}" for s, n in sorted(report.statuses.items())))
    if report.missing:
        lines.append(f"MISSING from the export: {len(report.missing)} signatures, e.g. {report.missing[:5]}")
    if report.unexpected:
        lines.append(f"NOT in the truth: {len(report.unexpected)} exported signatures, e.g. {report.unexpected[:5]}")
    lines.append("")
    lines.append("By category (observed outcome, judged against the truth):")
    for category in sorted(report.by_category):
        counts = report.by_category[category]
        total = sum(counts.values())
        parts = ", ".join(f"{name} {n}" for name, n in counts.most_common())
        lines.append(f"  {category:<13} {total:>5}: {parts}")
    lines.append("")
    lines.append("Expected outcome -> observed:")
    for expected in sorted(report.confusion):
        counts = report.confusion[expected]
        parts = ", ".join(f"{name} {n}" for name, n in counts.most_common())
        lines.append(f"  {expected:<26} {sum(counts.values()):>5}: {parts}")
    return "\n".join(lines)


def report_as_dict(report: Report) -> dict:
    passed = report.passed()
    return {
        "signatures": report.signatures,
        "measures": {
            t.name: {
                "value": report.measures[t.name].value,
                "hits": report.measures[t.name].hits,
                "total": report.measures[t.name].total,
                "target": f"{t.direction} {t.threshold}",
                "pass": passed[t.name],
            }
            for t in TARGETS
        },
        "statuses": dict(report.statuses),
        "by_category": {k: dict(v) for k, v in sorted(report.by_category.items())},
        "confusion": {k: dict(v) for k, v in sorted(report.confusion.items())},
        "precision_misses": dict(report.precision_misses),
        "missing": len(report.missing),
        "unexpected": len(report.unexpected),
        "errors": len(report.errors),
    }


ERRORS_HEADER = [
    "key",
    "id",
    "category",
    "tags",
    "expected",
    "observed",
    "registrant_id",
    "observed_registrant_id",
    "written",
    "registered_as",
]


def write_errors(report: Report, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=ERRORS_HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(report.errors)
