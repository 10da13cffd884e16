"""The given-name prescreen (scoring.another_given_name) sets a candidate
aside before its name is scored. It must never set aside a voter the name
score could have kept: these tests hold it to the scoring rules themselves,
over every pair of a list of names with nicknames, initials, shortenings,
C / K spellings, typos and look-alikes."""

from itertools import product

import pytest

from petitions.matching.addresses import parse_address
from petitions.matching.names import given_name_fit, parse_printed_name
from petitions.matching.scoring import (
    ANOTHER_PERSON,
    GIVEN_DIFFERENT,
    MIDDLE_FACTOR,
    WrittenSignature,
    another_given_name,
    given_name_could_be,
    name_fit,
)
from petitions.validation.engine import readings
from tests.factories import voter_row

GIVEN_NAMES = [
    "ROBERT",
    "BOB",
    "BOBBY",
    "ROB",
    "ROBERTO",
    "BETO",
    "R",
    "MARIA",
    "MARIE",
    "MARTA",
    "MRAIA",
    "MARIO",
    "MARY",
    "MARYANN",
    "CATHERINE",
    "KATHERINE",
    "KATHY",
    "CATHY",
    "KATE",
    "CHRISTINA",
    "KRISTINA",
    "CHRIS",
    "CHRISTOPHER",
    "KRIS",
    "JOSE",
    "PEPE",
    "JOSEPH",
    "JOE",
    "J",
    "JAMES",
    "JIM",
    "JAIME",
    "MARGARET",
    "PEGGY",
    "MAGGIE",
    "GUADALUPE",
    "LUPE",
    "DANIEL",
    "DANIELA",
    "DANNY",
    "AIDAN",
    "SHENAE",
    "LINH",
    "THI",
    "NGUYEN",
    "ANA",
    "ANNA",
    "ANN",
    "SARAH",
    "SANDRA",
    "ELIZABETH",
    "BETH",
    "LIZ",
    "ELISABETH",
    "WILLIAM",
    "BILL",
    "LIAM",
    "ALEJANDRO",
    "ALEX",
    "ALEXANDER",
    "MAX",
    "MAXIMILIANO",  # a shortening that Jaro-Winkler alone puts under the middle name's bar
]


@pytest.mark.parametrize("factor", [1.0, MIDDLE_FACTOR])
def test_the_prescreen_judges_a_given_name_pair_as_the_given_name_score_does(factor):
    for written, registered in product(GIVEN_NAMES, repeat=2):
        expected = factor * given_name_fit(written, registered)[0] >= GIVEN_DIFFERENT
        assert given_name_could_be(written, registered, factor) == expected, (written, registered, factor)


def test_an_empty_registered_name_could_be_nobody():
    assert not given_name_could_be("ROBERT", "", 1.0)


def _written(printed: str) -> WrittenSignature:
    name = parse_printed_name(printed)
    return WrittenSignature(
        readings=readings(name),
        suffix=name.suffix,
        address=parse_address("1200 J St"),
        county="34",
        zip="95814",
        dob=None,
    )


PRINTED = [
    "Robert Smith",
    "Bob Smith",
    "R Smith",
    "Mraia Smith",
    "Marta Smith",
    "Chris Smith",
    "Kathy Smith",
    "J Robert Smith",
    "Robert J Smith",
    "Maria Elena Smith",
    "Smith Linh",
    "Lupe Smith",
    "Shenae Smith",
]
REGISTERED = [
    ("ROBERT", ""),
    ("ROBERT", "JAMES"),
    ("JAMES", "ROBERT"),
    ("MARIA", ""),
    ("MARIA", "ELENA"),
    ("CHRISTOPHER", ""),
    ("KATHERINE", "ANN"),
    ("LINH", ""),
    ("GUADALUPE", ""),
    ("AIDAN", "SMITH"),
    ("R", ""),
    ("ELENA", "MARIA"),
    ("THI", "LINH"),
]


def test_a_voter_set_aside_by_the_prescreen_could_not_have_scored_above_another_person():
    set_aside = kept = 0
    for printed, (first, middle) in product(PRINTED, REGISTERED):
        written, voter = _written(printed), voter_row(first=first, middle=middle, last="SMITH")
        if another_given_name(written, voter):
            set_aside += 1
            assert name_fit(written, voter) <= ANOTHER_PERSON, (printed, first, middle)
        else:
            kept += 1
    assert set_aside and kept  # both sides of the screen were tried


def test_the_prescreen_keeps_the_voter_known_by_the_middle_name_and_sets_aside_a_neighbour():
    assert not another_given_name(_written("Robert Smith"), voter_row(first="JAMES", middle="ROBERT", last="SMITH"))
    assert another_given_name(_written("Shenae Smith"), voter_row(first="AIDAN", last="SMITH"))
    # No given name written: nobody is set aside.
    assert not another_given_name(_written("Smith"), voter_row(first="AIDAN", last="SMITH"))
