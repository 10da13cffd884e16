"""The candidate blocks on their indexes: hashed keys probed in the index's order, each block read
through an index (a hashed one through the index on its own hash), and a block cut off at its LIMIT
keeping the voters the keys' own order gives."""

from collections import Counter
from dataclasses import replace

import pytest
from django.db import connection

from petitions.validation import candidates
from petitions.validation.blocks import BLOCKS, BY_NAME, SearchKeys, switches
from tests.factories import VoterFactory

EVERY_BLOCK = SearchKeys(
    county="34",
    houses=("12A", "12"),
    street="J ST",
    street_start="J S",
    street_after="J T",
    zip="95814",
    surnames=("SMITH", "GARCIA"),
    phonetics=("SM0", "KRS"),
    given_names=("ROBERT", "BOB"),
    initials=("R", "B"),
)
ONLY_COUNTY_NAME = replace(EVERY_BLOCK, houses=(), street="", zip="")
ZIP_INDEXES = {"voter_zip_house_key", "voter_phonetic_zip_initial_key"}


def test_a_hashed_block_probes_every_combination_of_its_keys_sorted_as_an_index_on_them_reads():
    assert BY_NAME["statewide"].probes(EVERY_BLOCK) == [
        "GARCIA|BOB|12",
        "GARCIA|BOB|12A",
        "GARCIA|ROBERT|12",
        "GARCIA|ROBERT|12A",
        "SMITH|BOB|12",
        "SMITH|BOB|12A",
        "SMITH|ROBERT|12",
        "SMITH|ROBERT|12A",
    ]
    # The columns' order, not the joined text's: 'AB|Z' comes before 'ABC|A' although '|' > 'C'.
    keys = replace(EVERY_BLOCK, surnames=("ABC", "AB"))
    assert BY_NAME["county_name"].probes(keys) == ["34|AB", "34|ABC"]


def test_a_block_of_pairs_probes_in_the_order_its_lists_are_written():
    assert BY_NAME["house_name"].probes(EVERY_BLOCK) == ["34|12A|SM0", "34|12A|KRS", "34|12|SM0", "34|12|KRS"]


def test_only_the_county_name_block_runs_for_a_line_without_address():
    assert [block.name for block, runs in zip(BLOCKS, switches(ONLY_COUNTY_NAME)) if runs] == ["county_name"]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the query plan is PostgreSQL's")
def test_every_block_reads_an_index_and_a_hashed_block_the_one_on_its_own_hash():
    VoterFactory(last_name="Smith", first_name="Robert", address_number="12")
    sql = candidates._MANY_SQL.rsplit("; ", 1)[1]
    with connection.cursor() as cursor:
        # Seq scans off: a query whose expression is not the index's could then still only scan the table.
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL jit = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", candidates._many_arrays([EVERY_BLOCK]))
        plan = cursor.fetchone()[0][0]["Plan"]
    scans = []

    def walk(node):
        if node.get("Relation Name") == "petitions_voter":
            scans.append((node["Node Type"], node.get("Index Name")))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    # The hashed blocks must find the index on their own expression. (The UNION's branches come out
    # in the planner's order, and on a one-voter table it may read the ZIP blocks through either index
    # that leads with key_zip, so those are only counted.)
    hashed = Counter(index for _, index in scans if index not in ZIP_INDEXES)
    assert hashed == Counter(
        {
            "voter_address_key": 2,  # address, street_start
            "voter_house_phonetic_key": 1,
            "voter_surname_initial_key": 1,
            "voter_statewide_key": 1,
        }
    )
    assert len(scans) == len(BLOCKS)
    assert {node for node, _ in scans} == {"Index Scan"}


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the order of an index scan is PostgreSQL's")
def test_a_block_cut_off_at_its_limit_keeps_the_voters_of_the_first_keys_in_order():
    limit = BY_NAME["county_name"].limit
    smiths = [VoterFactory(last_name="Smith", first_name="Robert", address_number=str(n)) for n in range(limit)]
    garcias = [VoterFactory(last_name="Garcia", first_name="Bob", address_number=str(n)) for n in range(limit)]
    found = candidates.candidate_voters_many([ONLY_COUNTY_NAME])[0]
    # GARCIA before SMITH, as an index on (county, surname, initial) reads them.
    assert {row.id for row in found} == {voter.id for voter in garcias}
    assert not {row.id for row in found} & {voter.id for voter in smiths}
