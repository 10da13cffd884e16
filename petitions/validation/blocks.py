"""The candidate blocks: which voters a signature could be, as one table.

Each block is an index range of the voter table (petitions.models.Voter.Meta.indexes) cut off at a
LIMIT, so a signature reads a few dozen rows whatever the size of the voter file. Everything else is
generated from BLOCKS: the SQLite query and the batched PostgreSQL query (candidates.py), which
blocks a signature's keys can run (`switches`), and whether a block may have been cut off by its
LIMIT (`cut_off`, which naming a voter needs). Adding a block is one row below, plus its index.
Voters no longer registered are never candidates.

A block whose index leads with a KeyHash (petitions.matching.keys) looks each combination of its
leading keys up as one probe (`probes`), in the order the index on the keys themselves would give:
a block cut off at its LIMIT keeps the same voters as it would with that index.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from petitions.matching.keys import KEY_JOIN
from petitions.matching.voters import VoterRow


@dataclass(frozen=True)
class SearchKeys:
    """A signature's keys, computed like the voter's at import (petitions.matching.keys)."""

    county: str
    houses: tuple[str, ...]  # the house number as written, and its digits alone
    street: str
    street_start: str  # the standardised street up to its name's second letter: 'N MA' for 'N MAIN ST'
    street_after: str  # the first key after every key starting with street_start ('' when too short)
    zip: str
    surnames: tuple[str, ...]  # surname keys to look up exactly
    phonetics: tuple[str, ...]  # surname codes (the written surname, a compound's first part, a swapped name)
    given_names: tuple[str, ...]  # given-name keys: the written one and its nickname relatives
    initials: tuple[str, ...]


def street_after(start: str) -> str:
    """The first key after every key that starts with `start`; '' when `start` is too short to search by."""
    return start[:-1] + chr(ord(start[-1]) + 1) if len(start) >= 2 else ""


@dataclass(frozen=True)
class Condition:
    column: str  # an indexed column of petitions_voter
    op: str  # "=" (a key), "in" (one of a list of keys), ">=" or "<" (a key)
    key: str  # a SearchKeys field


@dataclass(frozen=True)
class Block:
    name: str
    limit: int
    conditions: tuple[Condition, ...]
    without: str = ""  # a SearchKeys field that must be EMPTY for the block to run
    # PostgreSQL: probe each pair of the listed values as an equality on every column of the index, in
    # the lists' order. Given two lists as `= ANY(...)`, the planner would rather read every voter at
    # the house number in the county and filter: a hundred index pages per signature in a large county.
    pairs: bool = False
    # The index leads with KeyHash of the first `hashed` conditions' columns (each "=" or "in").
    hashed: int = 0

    @property
    def hash_columns(self) -> tuple[str, ...]:
        return tuple(c.column for c in self.conditions[: self.hashed])

    def probes(self, keys: SearchKeys) -> list[str]:
        """Each combination of the hashed keys' values, joined as KeyHash joins the columns: sorted,
        as an index on the columns returns them, or for `pairs` in the lists' order."""
        values = [
            getattr(keys, c.key) if c.op == "in" else (getattr(keys, c.key),) for c in self.conditions[: self.hashed]
        ]
        combinations = product(*values) if self.pairs else sorted(set(product(*values)))
        return [KEY_JOIN.join(combination) for combination in combinations]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.key for c in self.conditions))

    def runs_for(self, keys: SearchKeys) -> bool:
        """Whether `keys` hold every value this block searches by."""
        return all(getattr(keys, key) for key in self.keys) and not (self.without and getattr(keys, self.without))

    def matches(self, row: VoterRow, keys: SearchKeys) -> bool:
        """Whether the block, run for `keys`, would find this voter (were it not for its LIMIT)."""
        return all(_holds(getattr(row, c.column), c.op, getattr(keys, c.key)) for c in self.conditions)


def _holds(value: str, op: str, key) -> bool:
    if op == "=":
        return value == key
    if op == "in":
        return value in key
    # Python compares code points, PostgreSQL by the column's collation: a range is not re-checked here.
    raise ValueError(f"no Python reading of {op!r}")


def _eq(column: str, key: str) -> Condition:
    return Condition(column, "=", key)


def _in(column: str, key: str) -> Condition:
    return Condition(column, "in", key)


BLOCKS = (
    # county + house number + standardised street (voter_address_key)
    Block(
        "address",
        30,
        (_eq("county_id", "county"), _in("key_house", "houses"), _eq("key_street", "street")),
        hashed=2,
    ),
    # a misspelled street whose start is right: a range of voter_address_key
    Block(
        "street_start",
        20,
        (
            _eq("county_id", "county"),
            _in("key_house", "houses"),
            Condition("key_street", ">=", "street_start"),
            Condition("key_street", "<", "street_after"),
        ),
        hashed=2,
    ),
    # county + house number + phonetic surname (voter_house_phonetic_key)
    Block(
        "house_name",
        20,
        (_eq("county_id", "county"), _in("key_house", "houses"), _in("key_last_phonetic", "phonetics")),
        pairs=True,
        hashed=3,
    ),
    # ZIP + house number: a misspelled street and surname (voter_zip_house_key)
    Block("zip_house", 30, (_eq("key_zip", "zip"), _in("key_house", "houses"))),
    # phonetic surname + ZIP + given-name initial: moved, or registered across a county line
    # (voter_phonetic_zip_initial_key)
    Block(
        "zip_name",
        20,
        (_in("key_last_phonetic", "phonetics"), _eq("key_zip", "zip"), _in("key_first_initial", "initials")),
    ),
    # the same without the initial, for a line with no given name written
    Block("zip_surname", 20, (_in("key_last_phonetic", "phonetics"), _eq("key_zip", "zip")), without="initials"),
    # county + surname + given-name initial: moved within the county (voter_surname_initial_key)
    Block(
        "county_name",
        20,
        (_eq("county_id", "county"), _in("key_last", "surnames"), _in("key_first_initial", "initials")),
        hashed=2,
    ),
    # surname + given name (or a nickname) + house number, any county (voter_statewide_key)
    Block(
        "statewide",
        10,
        (_in("key_last", "surnames"), _in("key_first", "given_names"), _in("key_house", "houses")),
        hashed=3,
    ),
)
BY_NAME = {block.name: block for block in BLOCKS}


LIST_KEYS = frozenset(c.key for block in BLOCKS for c in block.conditions if c.op == "in")
_NEEDS = tuple((block.keys, block.without) for block in BLOCKS)


def switches(keys: SearchKeys) -> list[bool]:
    """Which blocks (in BLOCKS order) run for these keys: Block.runs_for of each, read off the keys'
    __dict__ once (this runs for every signature)."""
    values = keys.__dict__
    value = values.__getitem__
    return [all(map(value, needs)) and not (without and values[without]) for needs, without in _NEEDS]


def cut_off(names: tuple[str, ...], keys: SearchKeys, candidates: list[VoterRow]) -> bool:
    """Whether any of the named blocks that ran may have stopped at its LIMIT, so that voters it matches
    can be missing from `candidates`: the candidates it matches are as many as its LIMIT."""
    for name in names:
        block = BY_NAME[name]
        if block.runs_for(keys) and sum(block.matches(row, keys) for row in candidates) >= block.limit:
            return True
    return False
