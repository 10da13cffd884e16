"""The accuracy generator's data: deterministic, readable by the real importers, truth consistent.

Run with `.venv/bin/python -m pytest bench/tests` (not part of `make test`).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from bench.generate import MIX, ONLINE_HEADER, PAPER_HEADER, write_files
from bench.synthetic import distance, first_given, name_keys
from petitions.voterfile import Layout, county_names

VOTERS, SIGNATURES = 4000, 800


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    write_files(out, seed=11, voters=VOTERS, signatures=SIGNATURES)
    return out


def _rows(path: Path, **kwargs) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, **kwargs))


def test_the_same_seed_writes_the_same_files(generated, tmp_path):
    write_files(tmp_path, seed=11, voters=VOTERS, signatures=SIGNATURES)
    for name in ("voters.tsv", "paper.csv", "online.csv", "truth.csv", "manifest.json"):
        assert (tmp_path / name).read_bytes() == (generated / name).read_bytes(), name


def test_another_seed_writes_other_files(generated, tmp_path):
    write_files(tmp_path, seed=12, voters=VOTERS, signatures=SIGNATURES)
    assert (tmp_path / "truth.csv").read_bytes() != (generated / "truth.csv").read_bytes()


def test_every_voter_row_is_read_by_the_import_layout(generated):
    lines = (generated / "voters.tsv").read_text(encoding="utf-8").splitlines()
    layout = Layout.from_header_line(lines[0])
    codes = frozenset(county_names())
    reasons = [layout.parse_values(layout.split(line), codes)[1] for line in lines[1:]]
    assert [r for r in reasons if r is not None] == []
    assert len(lines) - 1 == VOTERS
    assert "ExtractDate" in layout.ignored  # columns the software must ignore are there


def test_the_mix_is_the_documented_one(generated):
    truth = _rows(generated / "truth.csv")
    assert len(truth) == SIGNATURES
    counts = Counter(row["category"] for row in truth)
    for category, share in MIX.items():
        if category != "clean":
            assert counts[category] == round(SIGNATURES * share), category
    assert counts["clean"] == SIGNATURES - sum(round(SIGNATURES * s) for c, s in MIX.items() if c != "clean")


def test_each_person_has_one_signature_that_counts_and_the_others_point_at_it(generated):
    truth = _rows(generated / "truth.csv")
    by_key = {row["key"]: row for row in truth}
    groups = defaultdict(list)
    for row in truth:
        groups[row["person"]].append(row)
    for person, rows in groups.items():
        firsts = [r for r in rows if not r["duplicate_of"]]
        assert len(firsts) == 1, person
        for row in rows:
            if row["duplicate_of"]:
                assert row["expected_status"] == "duplicate"
                assert by_key[row["duplicate_of"]]["person"] == person
    repeated = [rows for rows in groups.values() if len(rows) > 1]
    assert any(r[0]["registrant_id"] for r in repeated) and any(not r[0]["registrant_id"] for r in repeated)
    assert any({r["channel"] for r in rows} == {"paper", "online"} for rows in repeated)


def test_paper_sections_hold_one_county_and_numbered_lines(generated):
    paper = _rows(generated / "paper.csv")
    assert list(paper[0]) == PAPER_HEADER
    sections = defaultdict(list)
    for row in paper:
        sections[row["section"]].append(row)
    for number, rows in sections.items():
        assert len({r["county"] for r in rows}) == 1, number
        assert [int(r["line"]) for r in rows] == list(range(1, len(rows) + 1)), number
        assert len(rows) <= 31, number
    assert max(len(rows) for rows in sections.values()) >= 20


def test_wrong_county_signatures_are_in_another_county_than_the_registration(generated):
    truth = _rows(generated / "truth.csv")
    voters = {row["RegistrantID"]: row for row in _rows(generated / "voters.tsv", delimiter="\t")}
    wrong = [row for row in truth if row["expected_reason"] == "wrong_county"]
    assert wrong
    for row in wrong:
        assert voters[row["registrant_id"]]["CountyCode"] != row["county"]
    for row in truth:
        if row["category"] in ("clean", "typo", "nickname", "moved"):
            assert voters[row["registrant_id"]]["CountyCode"] == row["county"]


def test_nobody_in_the_county_could_be_taken_for_an_unregistered_signer(generated):
    truth = _rows(generated / "truth.csv")
    keys = set()
    givens_by_surname = defaultdict(set)
    for voter in _rows(generated / "voters.tsv", delimiter="\t"):
        keys.update((voter["CountyCode"], *key) for key in name_keys(voter["FirstName"], voter["LastName"]))
        for _, surname in name_keys(voter["FirstName"], voter["LastName"]):
            givens_by_surname[(voter["CountyCode"], surname)].add(first_given(voter["FirstName"]))
    online = {f"O:{r['email']}": r for r in _rows(generated / "online.csv")}
    checked = 0
    for row in truth:
        if row["registrant_id"] or row["key"] not in online:
            continue
        signed = online[row["key"]]
        first, middle, last = signed["first_name"], signed["middle_name"], signed["last_name"]
        readings = name_keys(first, last) | (name_keys(first, middle) if len(middle) > 1 else set())
        assert not any((row["county"], *key) in keys for key in readings), row["written"]
        for _, surname in readings:
            near = [g for g in givens_by_surname[(row["county"], surname)] if distance(g, first_given(first)) <= 1]
            assert near == [], (row["written"], near)
        checked += 1
    assert checked > 10


@pytest.mark.django_db
def test_every_online_row_is_accepted_by_the_signing_form(generated):
    from petitions.forms import SignatureForm

    online = _rows(generated / "online.csv")
    assert list(online[0]) == ONLINE_HEADER
    refused = []
    for row in online:
        form = SignatureForm({**row, "attest": "on"})
        if not form.is_valid():
            refused.append((row, form.errors))
    assert refused == []
