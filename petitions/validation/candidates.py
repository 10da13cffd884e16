"""Candidate search: the voters a signature could be, the blocks of blocks.py in one query.

On PostgreSQL the blocks run for a chunk of signatures at once: a LATERAL subquery over the
signatures' keys passed as parallel arrays (unnest), so a chunk costs one round trip and one plan.
A list of keys travels as one text joined by '|' (no key holds one), a block's probes (blocks.py) as one
text joined by the unit separator, chr(31). `candidate_voters_chunks` fetches
the next chunks on helper connections while the caller judges (the workers' batch path). SQLite (the
embedded mode) runs one UNION per signature.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from django.db import connection, connections

from petitions.matching.keys import key_hash_sql
from petitions.matching.voters import COLUMNS, VoterRow
from petitions.validation.blocks import BLOCKS, LIST_KEYS, Block, Condition, SearchKeys, switches

_SELECT = ", ".join(COLUMNS)


def candidate_voters(keys: SearchKeys) -> list[VoterRow]:
    """The registered voters any block finds, each once."""
    if connection.vendor == "postgresql":
        return candidate_voters_many([keys])[0]
    parts, params = [], []
    for number, (block, runs) in enumerate(zip(BLOCKS, switches(keys))):
        if runs:
            where, values = _sqlite_where(block, keys)
            parts.append(
                f"SELECT * FROM (SELECT {_SELECT} FROM petitions_voter WHERE registered AND {where} "
                f"LIMIT {block.limit}) b{number}"
            )
            params.extend(values)
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ".join(parts), params)
        return [voter_row(row) for row in cursor.fetchall()]


def _sqlite_where(block: Block, keys: SearchKeys) -> tuple[str, list]:
    terms, values = [], []
    if block.hashed:
        probes = block.probes(keys)
        terms.append(f"{key_hash_sql('sqlite', block.hash_columns)} IN ({', '.join(['%s'] * len(probes))})")
        values.extend(probes)
    for condition in block.conditions[block.hashed :]:
        value = getattr(keys, condition.key)
        if condition.op == "in":
            terms.append(f"{condition.column} IN ({', '.join(['%s'] * len(value))})")
            values.extend(value)
        else:
            terms.append(f"{condition.column} {condition.op} %s")
            values.append(value)
    return " AND ".join(terms), values


def voter_row(row: tuple) -> VoterRow:
    """A row of COLUMNS read by SQLite, which returns dates as text."""
    dob = row[_DOB]
    if isinstance(dob, str):
        row = (*row[:_DOB], date.fromisoformat(dob), *row[_DOB + 1 :])
    return VoterRow._make(row)


_DOB = COLUMNS.index("dob")


def _many_term(condition: Condition) -> str:
    """A condition on the keys of the LATERAL join's row `k`."""
    if condition.op == "in":
        return f"{condition.column} = ANY(string_to_array(k.{condition.key}, '|'))"
    return f"{condition.column} {condition.op} k.{condition.key}"


PROBES = chr(31)  # joins a block's probes: no key holds it


def _many_block(number: int, block: Block) -> str:
    switch = f"k.s{number}"
    if block.hashed:
        # One index probe per combination of the hashed keys (Block.probes), its joined keys checked
        # too (a 64-bit hash could, once in billions, be another's).
        where = " AND ".join(
            [
                f"{key_hash_sql('postgresql', block.hash_columns)} = hashtextextended(u, 0)",
                f"{key_hash_sql('sqlite', block.hash_columns)} = u",
                *(_many_term(c) for c in block.conditions[block.hashed :]),
            ]
        )
        return (
            f"SELECT * FROM (SELECT v.* FROM unnest(string_to_array(k.p{number}, chr(31))) u CROSS JOIN LATERAL "
            f"(SELECT {_SELECT} FROM petitions_voter WHERE registered AND {where} LIMIT {block.limit}) v "
            f"LIMIT {block.limit}) b{number}"
        )
    if not block.pairs:
        where = " AND ".join(_many_term(c) for c in block.conditions)
        return (
            f"SELECT * FROM (SELECT {_SELECT} FROM petitions_voter WHERE {switch} AND registered AND {where} "
            f"LIMIT {block.limit}) b{number}"
        )
    # One index probe per combination of the listed values, each an equality on the index's columns.
    lists = [c for c in block.conditions if c.op == "in"]
    unnests = " CROSS JOIN ".join(f"unnest(string_to_array(k.{c.key}, '|')) u{i}" for i, c in enumerate(lists))
    where = " AND ".join(
        [_many_term(c) for c in block.conditions if c.op != "in"] + [f"{c.column} = u{i}" for i, c in enumerate(lists)]
    )
    return (
        f"SELECT * FROM (SELECT v.* FROM {unnests} CROSS JOIN LATERAL (SELECT {_SELECT} FROM petitions_voter "
        f"WHERE {switch} AND registered AND {where} LIMIT {block.limit}) v LIMIT {block.limit}) b{number}"
    )


# The keys the query reads as such (a hashed block reads its leading keys as probes), and the blocks
# that pass probes.
_KEYS = tuple(
    dict.fromkeys(
        c.key for block in BLOCKS for c in (block.conditions[block.hashed :] if block.hashed else block.conditions)
    )
)
_HASHED = tuple(number for number, block in enumerate(BLOCKS) if block.hashed)


def _many_sql() -> str:
    blocks = " UNION ".join(_many_block(number, block) for number, block in enumerate(BLOCKS))
    arrays = ", ".join(
        ["%s::integer[]"] + ["%s::text[]"] * (len(_KEYS) + len(_HASHED)) + ["%s::boolean[]"] * len(BLOCKS)
    )
    names = ", ".join(
        ["n", *_KEYS, *(f"p{number}" for number in _HASHED), *(f"s{number}" for number in range(len(BLOCKS)))]
    )
    # The planner prices the LATERAL join by its worst case (every block's index range in full) and
    # would JIT-compile it, which takes longer than running it. A bitmap scan would read a block's
    # index range in full and return it in the table's order, not the index's: its LIMIT would keep
    # other voters.
    return (
        "SET LOCAL jit = off; SET LOCAL enable_bitmapscan = off; "
        f"SELECT k.n, c.* FROM unnest({arrays}) AS k({names}) CROSS JOIN LATERAL ({blocks}) c"
    )


_MANY_SQL = _many_sql()


def candidate_voters_many(many: list[SearchKeys]) -> list[list[VoterRow]]:
    """candidate_voters for each of `many`, in order; on PostgreSQL in one query."""
    if connection.vendor != "postgresql":
        return [candidate_voters(keys) for keys in many]
    found: list[list[VoterRow]] = [[] for _ in many]
    columns = _many_arrays(many)
    if not columns[0]:
        return found
    with connection.cursor() as cursor:
        cursor.execute(_MANY_SQL, columns)
        rows = cursor.fetchall()
    make = VoterRow._make
    for row in rows:
        found[row[0]].append(make(row[1:]))
    return found


_KEY_FORMS = tuple((key, key in LIST_KEYS) for key in _KEYS)  # a list of keys travels joined by '|'


def _many_arrays(many: list[SearchKeys]) -> list[list]:
    """_MANY_SQL's parameters: one array per column of `k`, a row per signature any block runs for."""
    columns: list[list] = [[] for _ in range(1 + len(_KEYS) + len(_HASHED) + len(BLOCKS))]
    for number, keys in enumerate(many):
        runs = switches(keys)
        if not any(runs):
            continue
        given = keys.__dict__
        values = (
            number,
            *["|".join(given[key]) if listed else given[key] for key, listed in _KEY_FORMS],
            *[PROBES.join(BLOCKS[block].probes(keys)) if runs[block] else None for block in _HASHED],
            *runs,
        )
        for column, value in zip(columns, values):
            column.append(value)
    return columns


# --- Fetching ahead -----------------------------------------------------------------
# With `ahead`, the next chunks' queries run on helper threads' own connections while the caller
# judges the current chunk, so the worker does not wait for PostgreSQL (a quarter of a batch's time).
# Those connections see only committed voters, as a worker's transaction does; callers inside a
# transaction of their own (tests) fetch in line.

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
                following_chunk = next(following, None)  # computed by the caller while the queries run
                if following_chunk is not None:
                    send(following_chunk)
            yield pending.popleft().result()  # the caller judges it while the next ones are fetched
    finally:
        for future in pending:  # never leave a query running behind a failed caller
            future.cancel() or future.exception()
