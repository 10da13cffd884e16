"""Candidate search: the voters a signature could be, in ONE indexed query.

Each block below is an index range (petitions.models.Voter.Meta.indexes) cut
off at a LIMIT, so a signature reads a few dozen rows at most whatever the
size of the voter file; the blocks are combined with UNION into one round
trip. Blocks that need a value the signature lacks (a ZIP) are left out.

  address       county + house number + standardised street  (voter_address_key)
  street_start  county + house number + the street's first letters: a misspelled
                street whose start is right                   (voter_address_key, a range)
  house_name    county + house number + phonetic surname     (voter_house_phonetic_key)
  zip_house     ZIP + house number: a misspelled street and surname (voter_zip_house_key)
  zip_name      phonetic surname + ZIP + given-name initials: moved, or registered across a
                county line (voter_phonetic_zip_initial_key)
  zip_surname   phonetic surname + ZIP, for a line with no given name written (the same index)
  county_name   county + surname + given-name initials: moved within the county (voter_surname_initial_key)
  statewide     surname + given name (or a nickname) + house number, any county (voter_statewide_key)

Voters no longer registered are never candidates.

`candidate_voters` serves one signature (a prepared statement on PostgreSQL);
`candidate_voters_many` runs the same blocks for a chunk of signatures in one
query, and `candidate_voters_chunks` fetches the next chunks on helper
connections while the caller judges (the workers' batch path,
petitions.services.signatures.signatures_validate).
"""

from __future__ import annotations

import os
import weakref
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.db import connection, connections

LIMITS = {
    "address": 30,
    "street_start": 20,
    "house_name": 20,
    "zip_house": 30,
    "zip_name": 20,
    "zip_surname": 20,
    "county_name": 20,
    "statewide": 10,
}

COLUMNS = (
    "id",
    "county_id",
    "last_name",
    "first_name",
    "middle_name",
    "suffix",
    "address_number",
    "house_fraction",
    "address_number_suffix",
    "street_dir_prefix",
    "street_name",
    "street_type",
    "street_dir_suffix",
    "zip",
    "dob",
    "key_last",
    "key_first",
    "key_house",
    "key_street",
)


class VoterRow(NamedTuple):
    """The columns of a voter that matching reads, in COLUMNS order (a tuple:
    far cheaper to make from a database row than a model instance)."""

    id: int
    county_id: str
    last_name: str
    first_name: str
    middle_name: str
    suffix: str
    address_number: str
    house_fraction: str
    address_number_suffix: str
    street_dir_prefix: str
    street_name: str
    street_type: str
    street_dir_suffix: str
    zip: str
    dob: date | None
    key_last: str
    key_first: str
    key_house: str
    key_street: str


@dataclass(frozen=True)
class SearchKeys:
    county: str
    houses: tuple[str, ...]  # the house number as written, and its digits alone
    street: str
    street_start: str  # the standardised street up to its name's second letter: 'N MA' for 'N MAIN ST'
    zip: str
    surnames: tuple[str, ...]  # surname keys to look up exactly
    phonetics: tuple[str, ...]  # surname codes (the written surname, a compound's first part, a swapped name)
    given_names: tuple[str, ...]  # given-name keys: the written one and its nickname relatives
    initials: tuple[str, ...]


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def candidate_voters(keys: SearchKeys) -> list[VoterRow]:
    """The registered voters any block finds, each once."""
    if connection.vendor == "postgresql":
        return _candidates_prepared(keys)
    blocks: list[tuple[str, str, list]] = []
    if keys.houses and keys.street:
        blocks.append(
            (
                "address",
                f"county_id = %s AND key_house IN {_in(keys.houses)} AND key_street = %s",
                [keys.county, *keys.houses, keys.street],
            )
        )
    if keys.houses and len(keys.street_start) >= 2:
        # Every key starting with street_start sorts between it and the same with its last letter's successor.
        after = keys.street_start[:-1] + chr(ord(keys.street_start[-1]) + 1)
        blocks.append(
            (
                "street_start",
                f"county_id = %s AND key_house IN {_in(keys.houses)} AND key_street >= %s AND key_street < %s",
                [keys.county, *keys.houses, keys.street_start, after],
            )
        )
    if keys.houses and keys.phonetics:
        blocks.append(
            (
                "house_name",
                f"county_id = %s AND key_house IN {_in(keys.houses)} AND key_last_phonetic IN {_in(keys.phonetics)}",
                [keys.county, *keys.houses, *keys.phonetics],
            )
        )
    if keys.houses and keys.zip:
        blocks.append(("zip_house", f"key_zip = %s AND key_house IN {_in(keys.houses)}", [keys.zip, *keys.houses]))
    if keys.zip and keys.phonetics and keys.initials:
        blocks.append(
            (
                "zip_name",
                f"key_last_phonetic IN {_in(keys.phonetics)} AND key_zip = %s "
                f"AND key_first_initial IN {_in(keys.initials)}",
                [*keys.phonetics, keys.zip, *keys.initials],
            )
        )
    if keys.zip and keys.phonetics and not keys.initials:
        blocks.append(
            ("zip_surname", f"key_last_phonetic IN {_in(keys.phonetics)} AND key_zip = %s", [*keys.phonetics, keys.zip])
        )
    if keys.surnames and keys.initials:
        blocks.append(
            (
                "county_name",
                f"county_id = %s AND key_last IN {_in(keys.surnames)} AND key_first_initial IN {_in(keys.initials)}",
                [keys.county, *keys.surnames, *keys.initials],
            )
        )
    if keys.surnames and keys.given_names and keys.houses:
        blocks.append(
            (
                "statewide",
                f"key_last IN {_in(keys.surnames)} AND key_first IN {_in(keys.given_names)} "
                f"AND key_house IN {_in(keys.houses)}",
                [*keys.surnames, *keys.given_names, *keys.houses],
            )
        )
    if not blocks:
        return []
    columns = ", ".join(COLUMNS)
    parts, params = [], []
    for number, (name, where, values) in enumerate(blocks):
        parts.append(
            f"SELECT * FROM (SELECT {columns} FROM petitions_voter WHERE registered AND {where} "
            f"LIMIT {LIMITS[name]}) b{number}"
        )
        params.extend(values)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ".join(parts), params)
        rows = cursor.fetchall()
    if connection.vendor != "postgresql":
        rows = [_sqlite_row(row) for row in rows]
    return [VoterRow._make(row) for row in rows]


# PostgreSQL: one prepared statement per connection. Planning the eight-block
# UNION costs about 1 ms, three times what running it costs; a prepared
# statement is planned once (its generic plan keeps every block's index) and
# blocks without the values they need are switched off by a parameter.
_PREPARED_NAME = "calexit_voter_candidates"
_prepared_on: weakref.WeakSet = weakref.WeakSet()


def _prepared_sql() -> str:
    columns = ", ".join(COLUMNS)
    blocks = {
        "address": "county_id = $1 AND key_house = ANY($2) AND key_street = $3",
        "street_start": "county_id = $1 AND key_house = ANY($2) AND key_street >= $4 AND key_street < $5",
        "house_name": None,  # _house_name_block
        "zip_house": "key_zip = $6 AND key_house = ANY($2)",
        "zip_name": "key_last_phonetic = ANY($7) AND key_zip = $6 AND key_first_initial = ANY($9)",
        "zip_surname": "key_last_phonetic = ANY($7) AND key_zip = $6",
        "county_name": "county_id = $1 AND key_last = ANY($8) AND key_first_initial = ANY($9)",
        "statewide": "key_last = ANY($8) AND key_first = ANY($10) AND key_house = ANY($2)",
    }
    parts = [
        _house_name_block(number, switch=f"${11 + number}", county="$1", houses="$2", phonetics="$7", columns=columns)
        if where is None
        else f"SELECT * FROM (SELECT {columns} FROM petitions_voter WHERE ${11 + number} AND registered AND {where} "
        f"LIMIT {LIMITS[name]}) b{number}"
        for number, (name, where) in enumerate(blocks.items())
    ]
    types = "text, text[], text, text, text, text, text[], text[], text[], text[]" + ", boolean" * len(blocks)
    return f"PREPARE {_PREPARED_NAME} ({types}) AS " + " UNION ".join(parts)


def _candidates_prepared(keys: SearchKeys) -> list[VoterRow]:
    start = keys.street_start
    after = _after(start)
    houses, phonetics, surnames = list(keys.houses), list(keys.phonetics), list(keys.surnames)
    switches = _switches(keys, after)
    if not any(switches):
        return []
    raw = connection.connection
    with connection.cursor() as cursor:
        if raw is None or raw not in _prepared_on:
            cursor.execute(_prepared_sql())  # a session object: it outlives a rolled-back transaction
            _prepared_on.add(connection.connection)
        # The generic plan, not one planned again for each signature's values (PostgreSQL's
        # default after five runs only if it guesses the generic plan no dearer).
        cursor.execute(
            f"SET LOCAL plan_cache_mode = force_generic_plan; "
            f"EXECUTE {_PREPARED_NAME} ({', '.join(['%s'] * (10 + len(switches)))})",
            [
                keys.county,
                houses,
                keys.street,
                start,
                after,
                keys.zip,
                phonetics,
                surnames,
                list(keys.initials),
                list(keys.given_names),
                *switches,
            ],
        )
        return [VoterRow._make(row) for row in cursor.fetchall()]


# Many signatures at once (the batch path): the same eight blocks, run for each
# signature's keys in a LATERAL subquery over the keys passed as parallel
# arrays (unnest), so a batch of hundreds of signatures costs one round trip
# and one plan. A list of keys travels as one text joined by '|' (no key holds
# one), split by string_to_array once per index scan.
_MANY_BLOCKS: dict[str, str | None] = {
    "address": "county_id = k.county AND key_house = ANY(string_to_array(k.houses, '|')) AND key_street = k.street",
    "street_start": "county_id = k.county AND key_house = ANY(string_to_array(k.houses, '|')) "
    "AND key_street >= k.start AND key_street < k.after",
    # Each (house, phonetic code) pair as an equality on all three columns of
    # voter_house_phonetic_key: with two arrays, the planner would rather scan
    # every voter at that house number in the county (voter_address_key) and
    # filter, a hundred index pages per signature in a large county.
    "house_name": None,  # _house_name_block
    "zip_house": "key_zip = k.zip AND key_house = ANY(string_to_array(k.houses, '|'))",
    "zip_name": "key_last_phonetic = ANY(string_to_array(k.phonetics, '|')) AND key_zip = k.zip "
    "AND key_first_initial = ANY(string_to_array(k.initials, '|'))",
    "zip_surname": "key_last_phonetic = ANY(string_to_array(k.phonetics, '|')) AND key_zip = k.zip",
    "county_name": "county_id = k.county AND key_last = ANY(string_to_array(k.surnames, '|')) "
    "AND key_first_initial = ANY(string_to_array(k.initials, '|'))",
    "statewide": "key_last = ANY(string_to_array(k.surnames, '|')) AND key_first = ANY(string_to_array(k.givens, '|')) "
    "AND key_house = ANY(string_to_array(k.houses, '|'))",
}
_MANY_KEYS = ("county", "houses", "street", "start", "after", "zip", "phonetics", "surnames", "initials", "givens")


def _house_name_block(number: int, *, switch: str, county: str, houses: str, phonetics: str, columns: str) -> str:
    """The house_name block: one index probe per (house, phonetic code) pair, each
    an equality on all three columns of voter_house_phonetic_key. Given the two
    arrays as `= ANY(...)`, the planner would rather read every voter at that
    house number in the county (voter_address_key) and filter them: a hundred
    index pages per signature in a large county."""
    limit = LIMITS["house_name"]
    return (
        f"SELECT * FROM (SELECT v.* FROM unnest({houses}) h CROSS JOIN unnest({phonetics}) p "
        f"CROSS JOIN LATERAL (SELECT {columns} FROM petitions_voter WHERE {switch} AND registered "
        f"AND county_id = {county} AND key_house = h AND key_last_phonetic = p LIMIT {limit}) v "
        f"LIMIT {limit}) b{number}"
    )


def _many_block(number: int, name: str, where: str | None, columns: str) -> str:
    if name == "house_name":
        return _house_name_block(
            number,
            switch=f"k.s{number}",
            county="k.county",
            houses="string_to_array(k.houses, '|')",
            phonetics="string_to_array(k.phonetics, '|')",
            columns=columns,
        )
    return (
        f"SELECT * FROM (SELECT {columns} FROM petitions_voter WHERE k.s{number} AND registered AND {where} "
        f"LIMIT {LIMITS[name]}) b{number}"
    )


def _many_sql() -> str:
    columns = ", ".join(COLUMNS)
    blocks = " UNION ".join(  # a voter several blocks of one signature find comes once
        _many_block(number, name, where, columns) for number, (name, where) in enumerate(_MANY_BLOCKS.items())
    )
    arrays = ", ".join(["%s::integer[]"] + ["%s::text[]"] * len(_MANY_KEYS) + ["%s::boolean[]"] * len(_MANY_BLOCKS))
    names = ", ".join(["n", *_MANY_KEYS, *(f"s{number}" for number in range(len(_MANY_BLOCKS)))])
    # The planner prices the LATERAL join by its worst case (every block's index
    # range in full) and would JIT-compile it, which takes longer than running it.
    return f"SET LOCAL jit = off; SELECT k.n, c.* FROM unnest({arrays}) AS k({names}) CROSS JOIN LATERAL ({blocks}) c"


def _switches(keys: SearchKeys, after: str) -> list[bool]:
    """Which blocks (in LIMITS order) have the values they need."""
    houses, phonetics, surnames = keys.houses, keys.phonetics, keys.surnames
    return [
        bool(houses and keys.street),
        bool(houses and after),
        bool(houses and phonetics),
        bool(houses and keys.zip),
        bool(keys.zip and phonetics and keys.initials),
        bool(keys.zip and phonetics and not keys.initials),
        bool(surnames and keys.initials),
        bool(surnames and keys.given_names and houses),
    ]


def _after(start: str) -> str:
    """The first key after every key that starts with `start` ('' when `start` is too short to search by)."""
    return start[:-1] + chr(ord(start[-1]) + 1) if len(start) >= 2 else ""


def candidate_voters_many(many: list[SearchKeys]) -> list[list[VoterRow]]:
    """candidate_voters for each of `many`, in order; on PostgreSQL in one query."""
    if connection.vendor != "postgresql":
        return [candidate_voters(keys) for keys in many]
    found: list[list[VoterRow]] = [[] for _ in many]
    columns: list[list] = [[] for _ in range(1 + len(_MANY_KEYS) + len(_MANY_BLOCKS))]
    for number, keys in enumerate(many):
        after = _after(keys.street_start)
        switches = _switches(keys, after)
        if not any(switches):
            continue
        values = (
            number,
            keys.county,
            "|".join(keys.houses),
            keys.street,
            keys.street_start,
            after,
            keys.zip,
            "|".join(keys.phonetics),
            "|".join(keys.surnames),
            "|".join(keys.initials),
            "|".join(keys.given_names),
            *switches,
        )
        for column, value in zip(columns, values):
            column.append(value)
    if not columns[0]:
        return found
    with connection.cursor() as cursor:
        cursor.execute(_MANY_SQL, columns)
        rows = cursor.fetchall()
    make = VoterRow._make
    for row in rows:
        found[row[0]].append(make(row[1:]))
    return found


_MANY_SQL = _many_sql()


# --- Fetching ahead -----------------------------------------------------------------
# A worker spends about a quarter of a batch waiting for PostgreSQL to run the
# candidate query. With `ahead`, the query for the next chunk of signatures
# runs on a second connection, in a helper thread of this process, while the
# caller scores the current chunk: the database works on the other CPU and
# the worker process does not wait. The helper's connection sees only
# committed voters, which is all a worker's transaction sees of the voter
# file too; callers inside a transaction of their own (tests) fetch in line.

AHEAD = 2  # helper threads, each with its own connection: chunk i is fetched by helper i % AHEAD

_ahead_executors: list[ThreadPoolExecutor] = []
_ahead_pid: int | None = None


def _executors() -> list[ThreadPoolExecutor]:
    """AHEAD helper threads per process, made after a fork (Celery's prefork pool)."""
    global _ahead_executors, _ahead_pid  # noqa: PLW0603 - one pool per process, rebuilt after a fork
    if not _ahead_executors or _ahead_pid != os.getpid():
        _ahead_executors = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"candidates-ahead-{number}")
            for number in range(AHEAD)
        ]
        _ahead_pid = os.getpid()
    return _ahead_executors


def ahead_close() -> None:
    """Close the helper threads' database connections (a worker shutting down, a test ending)."""
    if _ahead_pid == os.getpid():
        for executor in _ahead_executors:
            executor.submit(connections.close_all).result()


def _fetch_in_helper(many: list[SearchKeys]) -> list[list[VoterRow]]:
    connection.close_if_unusable_or_obsolete()  # the helper's own connection, kept between batches
    return candidate_voters_many(many)


def candidate_voters_chunks(chunks: Iterable[list[SearchKeys]], *, ahead: bool) -> Iterator[list[list[VoterRow]]]:
    """candidate_voters_many of each chunk, in order. With `ahead` (PostgreSQL
    only), up to AHEAD chunks' queries run at once on the helpers' connections
    while the caller judges the chunk before them; the caller's iterable is
    read lazily, one chunk ahead of the queries. A single chunk is fetched in
    line: there is nothing to overlap."""
    following = iter(chunks)
    first = next(following, None)
    if first is None:
        return
    if not (ahead and connection.vendor == "postgresql"):
        yield candidate_voters_many(first)
        for chunk in following:
            yield candidate_voters_many(chunk)
        return
    second = next(following, None)
    if second is None:  # one chunk: nothing to overlap, fetch it in line
        yield candidate_voters_many(first)
        return
    executors = _executors()
    pending: deque = deque()
    sent = 0

    def send(chunk: list[SearchKeys]) -> None:
        nonlocal sent
        pending.append(executors[sent % len(executors)].submit(_fetch_in_helper, chunk))
        sent += 1

    send(first)
    send(second)
    try:
        while pending:
            if len(pending) < len(executors) + 1:
                chunk = next(following, None)  # computed by the caller while the queries run
                if chunk is not None:
                    send(chunk)
            yield pending.popleft().result()  # the caller judges it while the next ones are fetched
    finally:
        for future in pending:  # never leave a query running behind a failed caller
            future.cancel() or future.exception()


def _sqlite_row(row: tuple) -> tuple:
    """SQLite returns dates as text."""
    dob = row[14]
    if isinstance(dob, str):
        row = (*row[:14], date.fromisoformat(dob), *row[15:])
    return row
