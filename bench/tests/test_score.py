"""How bench.score judges an export against the truth."""

from __future__ import annotations

from bench.score import Observed, score

# Four people: V1 signs twice (paper and online), V2 once, U1 (not registered)
# twice, V3 once at a new address (address_mismatch).
TRUTH = [
    {
        "key": "P:1:1",
        "person": "V1",
        "registrant_id": "V1",
        "expected_status": "valid",
        "expected_reason": "",
        "duplicate_of": "",
        "category": "clean",
    },
    {
        "key": "O:v1@x",
        "person": "V1",
        "registrant_id": "V1",
        "expected_status": "duplicate",
        "expected_reason": "",
        "duplicate_of": "P:1:1",
        "category": "repeat",
    },
    {
        "key": "P:1:2",
        "person": "V2",
        "registrant_id": "V2",
        "expected_status": "valid",
        "expected_reason": "",
        "duplicate_of": "",
        "category": "clean",
    },
    {
        "key": "P:1:3",
        "person": "U1",
        "registrant_id": "",
        "expected_status": "invalid",
        "expected_reason": "not_registered",
        "duplicate_of": "",
        "category": "unregistered",
    },
    {
        "key": "P:2:1",
        "person": "U1",
        "registrant_id": "",
        "expected_status": "duplicate",
        "expected_reason": "",
        "duplicate_of": "P:1:3",
        "category": "unregistered",
    },
    {
        "key": "P:2:2",
        "person": "V3",
        "registrant_id": "V3",
        "expected_status": "invalid",
        "expected_reason": "address_mismatch",
        "duplicate_of": "",
        "category": "moved",
    },
]
for row in TRUTH:
    row.update(tags="", written="", registered_as="")


def perfect() -> list[Observed]:
    return [
        Observed("1", "P:1:1", "valid", "", "V1", ""),
        Observed("2", "O:v1@x", "duplicate", "", "V1", "1"),
        Observed("3", "P:1:2", "valid", "", "V2", ""),
        Observed("4", "P:1:3", "invalid", "not_registered", "", ""),
        Observed("5", "P:2:1", "duplicate", "", "", "4"),
        Observed("6", "P:2:2", "invalid", "address_mismatch", "", ""),
    ]


def values(export: list[Observed]) -> dict[str, float | None]:
    report = score(TRUTH, export)
    return {name: m.value for name, m in report.measures.items()}


def test_a_perfect_export_meets_every_target():
    report = score(TRUTH, perfect())
    assert all(report.passed().values())
    assert values(perfect()) == {
        "precision": 1.0,
        "recall": 1.0,
        "duplicate_precision": 1.0,
        "duplicate_recall": 1.0,
        "review_share": 0.0,
        "reason_accuracy": 1.0,
    }
    assert report.errors == []


def test_which_signature_of_a_repeat_signer_counts_does_not_matter():
    export = perfect()
    export[0] = Observed("1", "P:1:1", "duplicate", "", "V1", "2")
    export[1] = Observed("2", "O:v1@x", "valid", "", "V1", "")
    export[3] = Observed("4", "P:1:3", "duplicate", "", "", "5")
    export[4] = Observed("5", "P:2:1", "invalid", "not_registered", "", "")
    assert values(export) == values(perfect())


def test_a_valid_signature_for_the_wrong_voter_costs_precision_and_recall():
    export = perfect()
    export[2] = Observed("3", "P:1:2", "valid", "", "V9", "")
    result = values(export)
    assert result["precision"] == 1 / 2
    assert result["recall"] == 1 / 2


def test_a_moved_voter_called_valid_costs_precision_and_the_reason():
    export = perfect()
    export[5] = Observed("6", "P:2:2", "valid", "", "V3", "")
    result = values(export)
    assert result["precision"] == 2 / 3
    assert result["reason_accuracy"] == 1 / 2


def test_review_is_not_found_and_counts_towards_the_review_share():
    export = perfect()
    export[2] = Observed("3", "P:1:2", "review", "", "", "")
    result = values(export)
    assert result["recall"] == 1 / 2
    assert result["review_share"] == 1 / 6


def test_a_duplicate_of_someone_else_is_a_wrong_duplicate_and_a_missed_one():
    export = perfect()
    export[1] = Observed("2", "O:v1@x", "duplicate", "", "V2", "3")
    result = values(export)
    assert result["duplicate_precision"] == 1 / 2
    assert result["duplicate_recall"] == 1 / 2


def test_a_missed_duplicate_costs_duplicate_recall_only():
    export = perfect()
    export[4] = Observed("5", "P:2:1", "invalid", "not_registered", "", "")
    result = values(export)
    assert result["duplicate_recall"] == 1 / 2
    assert result["duplicate_precision"] == 1.0
    assert result["reason_accuracy"] == 1.0


def test_signatures_missing_from_the_export_are_reported():
    report = score(TRUTH, perfect()[:-1])
    assert report.missing == ["P:2:2"]
    assert report.measures["reason_accuracy"].value == 1 / 2
