"""Importing the Secretary of State's voter file (`import_voters`): streamed into a staging table and
merged in one transaction, so a broken file changes nothing and memory stays flat at any size. The
steps, the bulk-load shortcut and the encodings are in docs/architecture.md ("Importing the voter
file"); tests/test_import_voters.py checks the stored keys equal matching.keys.voter_keys."""

from __future__ import annotations

import dataclasses
import gc
import gzip
import inspect
import io
import multiprocessing
import os
import queue
import threading
import time
import unicodedata
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from os import PathLike
from pathlib import Path
from typing import TextIO

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone

from petitions.matching.keys import VoterKeys, house_key, name_key, street_key, surname_phonetic, voter_keys, zip_key
from petitions.models import County, ZipCounty
from petitions.services.audit import audit_record
from petitions.services.voter_columns import ColumnReader
from petitions.validation import by_address
from petitions.validation.revalidate import signatures_revalidate
from petitions.voterfile import DATE_FIELDS, FIELDS, Layout, VoterFileRefused

__all__ = ["ImportSummary", "VoterFileRefused", "voters_import"]

COPY_BATCH_ROWS = 50_000
EXECUTEMANY_BATCH_ROWS = 5_000
MAX_BAD_ROW_DETAILS = 1_000
BULK_LOAD_MIN_ROWS = 50_000  # below this, rebuilding indexes is not worth an exclusive lock
CHUNK_BYTES = 4 << 20  # the file is parsed in pieces of about this many (decompressed) bytes
PARALLEL_MIN_BYTES = 16 << 20  # a smaller file (on disk) is parsed in this process alone
MAX_PARSE_WORKERS = 4
IN_FLIGHT_PER_WORKER = 2  # pieces queued or parsed ahead of the COPY, per worker
# Sort memory for the index builds: 32 MB for each of two processes (a parallel worker's minimum)
# sorts faster than more, in smaller runs (BENCHMARKS.md, "the import read by columns").
INDEX_BUILD_MEMORY_MIB = 64

STAGING = "voter_import_staging"
PRESENT = "voter_import_present"
# Whatever voter_keys returns is stored: a key added there is imported too.
KEY_FIELDS = tuple(f.name for f in dataclasses.fields(VoterKeys))
VOTER_COLUMNS = FIELDS + KEY_FIELDS  # columns of petitions_voter the file sets
STAGING_COLUMNS = ("line",) + VOTER_COLUMNS
TAB = "\t"
_DATE_POSITIONS = tuple(FIELDS.index(f) for f in DATE_FIELDS)
_LAST, _FIRST, _HOUSE = FIELDS.index("last_name"), FIELDS.index("first_name"), FIELDS.index("address_number")
_ZIP = FIELDS.index("zip")
_STREET = tuple(FIELDS.index(f) for f in ("street_dir_prefix", "street_name", "street_type", "street_dir_suffix"))
# voter_keys' arguments are Voter fields: where each one sits in a row of values.
_KEY_ARGUMENTS = tuple(
    (name, FIELDS.index(name if name in FIELDS else f"{name}_id")) for name in inspect.signature(voter_keys).parameters
)
# The shape of voter_keys the memoised fast path reproduces (checked by the tests).
_FAST_KEYS = KEY_FIELDS == (
    "key_last",
    "key_first",
    "key_house",
    "key_street",
    "key_last_phonetic",
    "key_first_initial",
    "key_zip",
) and tuple(name for name, _ in _KEY_ARGUMENTS) == (
    "last_name",
    "first_name",
    "address_number",
    "street_dir_prefix",
    "street_name",
    "street_type",
    "street_dir_suffix",
    "zip",
)

Progress = Callable[[int, int], None]


@dataclass
class ImportSummary:
    file_name: str
    replace: bool = False
    rows_read: int = 0  # data rows (the header and blank lines are not rows)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_row_count: int = 0  # all of them, repeated RegistrantIDs included
    bad_rows: list[tuple[int, str]] = field(default_factory=list)  # (file line, reason), the first MAX_BAD_ROW_DETAILS
    marked_unregistered: int = 0
    recoded_lines: int = 0  # lines that were not UTF-8 (read as Windows-1252)
    ignored_columns: tuple[str, ...] = ()
    bulk_load: bool = False  # PostgreSQL: indexes rebuilt rather than maintained row by row
    direct_load: bool = False  # PostgreSQL, empty voter table: copied straight into it, no staging table
    parse_workers: int = 1  # processes that parsed the file
    rows_by_columns: int = 0  # of rows_read, those in plain pieces read by columns (voter_columns.py)
    phases: dict[str, float] = field(default_factory=dict)  # seconds spent in each step, in order
    _lap: float = field(default_factory=time.monotonic, repr=False)
    revalidation_queued: int = 0  # signatures sent back to validation after the import (new or changed voters)
    seconds: float = 0.0

    def lap(self, phase: str) -> None:
        """Record the time since the last lap as `phase`."""
        now = time.monotonic()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - self._lap
        self._lap = now

    def add_bad(self, line: int, reason: str) -> None:
        self.bad_row_count += 1
        if len(self.bad_rows) < MAX_BAD_ROW_DETAILS:
            self.bad_rows.append((line, reason))

    @property
    def summary_line(self) -> str:
        return (
            f"Imported {self.file_name}: {self.rows_read:,} rows, {self.inserted:,} new, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged, {self.bad_row_count:,} bad rows, "
            f"{self.marked_unregistered:,} no longer registered ({self.seconds:.1f} s)"
        )

    def as_detail(self) -> dict:
        return {
            "file": self.file_name,
            "replace": self.replace,
            "rows": self.rows_read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "bad_rows": self.bad_row_count,
            "marked_unregistered": self.marked_unregistered,
            "recoded_lines": self.recoded_lines,
            "ignored_columns": list(self.ignored_columns),
            "bulk_load": self.bulk_load,
            "direct_load": self.direct_load,
            "parse_workers": self.parse_workers,
            "rows_by_columns": self.rows_by_columns,
            "phases": {name: round(seconds, 2) for name, seconds in self.phases.items()},
        }


# --- Reading -------------------------------------------------------------------


class _Source:
    """The file's lines as bytes, plain or gzip, and how far into the file we are."""

    def __init__(self, path: Path):
        self.raw = open(path, "rb")  # noqa: SIM115 (closed in close())
        self.size = os.fstat(self.raw.fileno()).st_size
        self.compressed = self.raw.read(2) == b"\x1f\x8b"
        self.raw.seek(0)
        self.stream = gzip.GzipFile(fileobj=self.raw, mode="rb") if self.compressed else self.raw

    def position(self) -> int:
        """Bytes of the file on disk consumed so far (the compressed position for gzip)."""
        return self.raw.tell()

    def close(self) -> None:
        if self.compressed:
            self.stream.close()
        self.raw.close()

    def __enter__(self) -> _Source:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _decode(raw: bytes) -> tuple[str, bool]:
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252"), True
        except UnicodeDecodeError:
            return raw.decode("latin-1"), True


class _Keys:
    """voter_keys on a row of values (FIELDS order) -> the KEY_FIELDS values.

    voter_keys costs ~25 us a row, mostly Unicode folding; names and streets
    repeat a great deal in a voter file, so when voter_keys has its known shape
    its parts are memoised for the length of one import (~2 us a row). If
    voter_keys changes shape, every row goes through voter_keys itself: slower,
    never wrong."""

    def __init__(self) -> None:
        self.surname = lru_cache(maxsize=1 << 18)(lambda last: (name_key(last), surname_phonetic(last)))
        self.given = lru_cache(maxsize=1 << 18)(lambda first: (key := name_key(first), key[:1]))
        self.house = lru_cache(maxsize=1 << 16)(house_key)
        self.street = lru_cache(maxsize=1 << 18)(street_key)
        self.zip = lru_cache(maxsize=1 << 16)(zip_key)

    def __call__(self, values: list) -> tuple[str, ...]:
        prefix, street, kind, suffix = _STREET
        last, phonetic = self.surname(values[_LAST])
        first, initial = self.given(values[_FIRST])
        return (
            last,
            first,
            self.house(values[_HOUSE]),
            self.street(values[prefix], values[street], values[kind], values[suffix]),
            phonetic,
            initial,
            self.zip(values[_ZIP]),
        )

    @staticmethod
    def generic(values: list) -> tuple[str, ...]:
        keys = voter_keys(**{name: values[position] or "" for name, position in _KEY_ARGUMENTS})
        return tuple(getattr(keys, name) for name in KEY_FIELDS)


# --- Staging: the per-database part ----------------------------------------------


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


class _Stager:
    """SQLite (and any other database): executemany into a temporary table."""

    batch_rows = EXECUTEMANY_BATCH_ROWS
    date_type = "text"
    text_type = "text"
    temp_suffix = ""
    temp_schema = "temp"
    distinct = "IS NOT"
    as_text = False  # rows as tuples for executemany, not COPY text
    direct = False  # rows go to a staging table, then are merged
    offset = 0  # a row is staged as its line number ...
    tail = ""  # ... its values and keys, and this

    def __init__(self, cursor):
        self.cursor = cursor
        self.batch: list = []
        self.present: list[tuple[str]] = []
        self.staged = 0

    def create(self) -> None:
        columns = ", ".join(
            "line bigint NOT NULL"
            if c == "line"
            else f"{_q(c)} {self.date_type}"
            if c in DATE_FIELDS
            else f"{_q(c)} {self.text_type} NOT NULL"
            for c in STAGING_COLUMNS
        )
        self.drop()
        self.cursor.execute(f"CREATE TEMPORARY TABLE {STAGING} ({columns}){self.temp_suffix}")
        self.cursor.execute(
            f"CREATE TEMPORARY TABLE {PRESENT} (registrant_id {self.text_type} NOT NULL){self.temp_suffix}"
        )

    def add_parsed(self, parsed: _Parsed) -> None:
        self.batch.extend(parsed.tuples)
        if len(self.batch) >= self.batch_rows:
            self.flush()

    def add_present(self, registrant_id: str) -> None:
        """The RegistrantID of a bad row: not imported, but not absent from the file either."""
        self.present.append((registrant_id,))
        if len(self.present) >= EXECUTEMANY_BATCH_ROWS:
            self.flush_present()

    def flush(self) -> None:
        if self.batch:
            placeholders = ", ".join(["%s"] * len(STAGING_COLUMNS))
            self.cursor.executemany(
                f"INSERT INTO {STAGING} ({', '.join(map(_q, STAGING_COLUMNS))}) VALUES ({placeholders})", self.batch
            )
            self.staged += len(self.batch)
            self.batch = []

    def flush_present(self) -> None:
        if self.present:
            self.cursor.executemany(f"INSERT INTO {PRESENT} (registrant_id) VALUES (%s)", self.present)
            self.present = []

    def finish(self) -> None:
        """Everything read is in the staging tables."""
        self.flush()
        self.flush_present()

    def abort(self) -> None:
        """Reading failed: stop whatever is in flight (the transaction rolls back)."""

    def index(self) -> None:
        self.cursor.execute(f"CREATE UNIQUE INDEX {STAGING}_rid ON {STAGING} (registrant_id)")

    def deduplicate(self, summary: ImportSummary) -> int:
        """Make RegistrantID unique in staging: the last row of an ID wins.

        Returns how many rows were removed. Building the unique index is needed
        anyway; only when it fails are the repeated rows looked for."""
        return _deduplicate(self.cursor, self, summary, STAGING, "line", 0)

    def prepare(self) -> None:
        self.cursor.execute(f"CREATE INDEX {PRESENT}_rid ON {PRESENT} (registrant_id)")

    def drop(self) -> None:
        # Schema-qualified: never a permanent table that happens to share the name.
        self.cursor.execute(f"DROP TABLE IF EXISTS {self.temp_schema}.{STAGING}")
        self.cursor.execute(f"DROP TABLE IF EXISTS {self.temp_schema}.{PRESENT}")

    # The merge ------------------------------------------------------------

    def _insert_sql(self) -> str:
        columns = ", ".join(map(_q, VOTER_COLUMNS + ("registered", "updated_at")))
        selected = ", ".join(map(_q, VOTER_COLUMNS))
        return f"INSERT INTO petitions_voter ({columns}) SELECT {selected}, TRUE, %s FROM {STAGING}"

    def _upsert_sql(self) -> str:
        updates = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in VOTER_COLUMNS if c != "registrant_id")
        old = ", ".join(f"petitions_voter.{_q(c)}" for c in VOTER_COLUMNS)
        new = ", ".join(f"excluded.{_q(c)}" for c in VOTER_COLUMNS)
        return (
            f"{self._insert_sql()} WHERE TRUE "
            f"ON CONFLICT (registrant_id) DO UPDATE SET {updates}, registered = TRUE, updated_at = excluded.updated_at "
            f"WHERE ({old}) {self.distinct} ({new}) OR NOT petitions_voter.registered"
        )

    def upsert(self, now, staged: int, summary: ImportSummary, note) -> tuple[int, int]:
        """Merge staging into petitions_voter; return (inserted, updated)."""
        self.cursor.execute(
            f"SELECT COUNT(*) FROM {STAGING} s WHERE NOT EXISTS "
            f"(SELECT 1 FROM petitions_voter v WHERE v.registrant_id = s.registrant_id)"
        )
        inserted = self.cursor.fetchone()[0]
        self.cursor.execute(self._upsert_sql(), [now])
        self.cursor.execute("SELECT changes()")
        return inserted, self.cursor.fetchone()[0] - inserted


class _PostgresStager(_Stager):
    """PostgreSQL: COPY into a temporary table, from a helper thread."""

    batch_rows = COPY_BATCH_ROWS
    date_type = "date"
    text_type = 'text COLLATE "C"'  # as the voter table's keys (migration 0020): sorts and joins byte by byte
    temp_suffix = " ON COMMIT DROP"
    temp_schema = "pg_temp"
    distinct = "IS DISTINCT FROM"
    as_text = True

    def __init__(self, cursor):
        super().__init__(cursor)
        self.raw = cursor.cursor  # the driver's cursor: only the helper thread uses it while reading
        self.database = connections[DEFAULT_DB_ALIAS]  # this thread's, for translating driver errors
        self.copy_sql = f"COPY {STAGING} ({', '.join(map(_q, STAGING_COLUMNS))}) FROM STDIN"
        self.batch_count = 0
        self.jobs: queue.Queue = queue.Queue(maxsize=2)
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    # The helper thread runs the staging statements in order while the main
    # thread parses; psycopg releases the GIL while the server works.
    def _work(self) -> None:
        while (job := self.jobs.get()) is not None:
            if self.error is None:
                try:
                    with self.database.wrap_database_errors:
                        job()
                except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                    self.error = exc

    def _submit(self, job) -> None:
        if self.error is not None:
            raise self.error
        if self.thread is None:
            self.thread = threading.Thread(target=self._work, name="voter-import-copy", daemon=True)
            self.thread.start()
        self.jobs.put(job)

    def _join(self) -> None:
        if self.thread is not None:
            self.jobs.put(None)
            self.thread.join()
            self.thread = None

    def add_parsed(self, parsed: _Parsed) -> None:
        if parsed.staged:
            self.batch.append(parsed.text)
            self.batch_count += parsed.staged
        if self.batch_count >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        # Bytes, not a StringIO: a StringIO holds 4 bytes a character (200 MiB for 50 MB of text,
        # measured), and a few batches are in flight at once.
        data = b"".join(t if isinstance(t, bytes) else t.encode() for t in self.batch)
        count, self.batch, self.batch_count = self.batch_count, [], 0
        raw, sql = self.raw, self.copy_sql

        def copy() -> None:
            if hasattr(raw, "copy_expert"):  # psycopg2
                raw.copy_expert(sql, io.BytesIO(data), size=1 << 20)
            else:  # psycopg 3
                with raw.copy(sql) as stream:
                    stream.write(data)

        self._submit(copy)
        self.staged += count

    def flush_present(self) -> None:
        if self.present:
            rows, self.present = self.present, []
            self._submit(lambda: self.raw.executemany(f"INSERT INTO {PRESENT} (registrant_id) VALUES (%s)", rows))

    def finish(self) -> None:
        super().finish()
        self._join()
        if self.error is not None:
            raise self.error

    def abort(self) -> None:
        self._join()

    def index(self) -> None:
        self.cursor.execute(f"ALTER TABLE {STAGING} ADD PRIMARY KEY (registrant_id)")

    def prepare(self) -> None:
        super().prepare()
        # Temporary tables are never analysed by autovacuum; the merge's plan needs the numbers.
        self.cursor.execute(f"ANALYZE {STAGING}")
        self.cursor.execute(f"ANALYZE {PRESENT}")

    def upsert(self, now, staged: int, summary: ImportSummary, note) -> tuple[int, int]:
        self.cursor.execute("SELECT COUNT(*) FROM petitions_voter")
        existing = self.cursor.fetchone()[0]
        restore: list[str] = []
        if staged >= BULK_LOAD_MIN_ROWS and staged - existing >= existing:
            summary.bulk_load = True
            restore = self._drop_indexes_and_foreign_keys()
            note("Bulk load: the voter table's plain indexes and foreign keys are rebuilt after the merge")
        if summary.bulk_load and existing == 0 and self._still_empty():
            # An empty table, locked exclusively by the DROP INDEX above, and
            # RegistrantIDs made unique in staging: nothing can conflict.
            self.cursor.execute(self._insert_sql(), [now])
            inserted, updated = self.cursor.rowcount, 0
        else:
            self.cursor.execute(
                f"WITH merged AS ({self._upsert_sql()} RETURNING (xmax = 0) AS inserted) "
                f"SELECT COUNT(*) FILTER (WHERE inserted), COUNT(*) FILTER (WHERE NOT inserted) FROM merged",
                [now],
            )
            inserted, updated = self.cursor.fetchone()
        if restore:
            summary.lap("merge")
            self._restore(restore, note)
            summary.lap("indexes")
        if inserted + updated >= max(BULK_LOAD_MIN_ROWS, existing // 10):
            self.cursor.execute("ANALYZE petitions_voter")
        return inserted, updated

    def _restore(self, statements: list[str], note) -> None:
        """Build the dropped indexes and foreign keys again."""
        self._index_build_memory()
        for statement in statements:
            note(f"  {statement}")
            self.cursor.execute(statement)
        self.cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares them

    def _index_build_memory(self) -> None:
        self.cursor.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY_MIB}MB'")

    def _still_empty(self) -> bool:
        """Checked again now that the table is locked: someone may have added voters since the count."""
        self.cursor.execute("SELECT NOT EXISTS (SELECT 1 FROM petitions_voter)")
        return self.cursor.fetchone()[0]

    def _drop_indexes_and_foreign_keys(self) -> list[str]:
        """Drop the voter table's foreign keys and the indexes no constraint needs;
        return the statements that put them back exactly (same names, same definitions).

        A foreign key added back is checked in one pass over the table instead of
        one trigger per row (PostgreSQL's "Populating a Database" advice)."""
        self.cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = 'petitions_voter'::regclass AND NOT i.indisunique AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname"
        )
        indexes = self.cursor.fetchall()
        self.cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'petitions_voter'::regclass AND contype = 'f' ORDER BY conname"
        )
        foreign_keys = self.cursor.fetchall()
        # Checks still pending from earlier in an enclosing transaction would block ALTER TABLE.
        self.cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, _definition in foreign_keys:
            self.cursor.execute(f"ALTER TABLE petitions_voter DROP CONSTRAINT {_q(name)}")
        for name, _definition in indexes:
            self.cursor.execute(f"DROP INDEX {_q(name)}")
        return [definition for _name, definition in indexes] + [
            f"ALTER TABLE petitions_voter ADD CONSTRAINT {_q(name)} {definition}" for name, definition in foreign_keys
        ]


class _DirectStager(_PostgresStager):
    """PostgreSQL, the first import into an empty voter table: COPY straight into it.

    No staging table, no merge: the table is locked (it is empty: nobody is
    kept from anything), its foreign keys and every index but the primary key
    are dropped, the rows are copied in, and each index is built once at the
    end, in the same transaction. A row's id is a base reserved from the
    table's sequence plus its file line, so that the last row of a repeated
    RegistrantID is still known when the unique constraint, built first, finds
    one."""

    direct = True

    @staticmethod
    def applies(cursor) -> bool:
        cursor.execute("SELECT NOT EXISTS (SELECT 1 FROM petitions_voter)")
        if not cursor.fetchone()[0]:
            return False
        cursor.execute("LOCK TABLE petitions_voter IN ACCESS EXCLUSIVE MODE")
        cursor.execute("SELECT NOT EXISTS (SELECT 1 FROM petitions_voter)")  # still, now that it is ours
        return cursor.fetchone()[0]

    def create(self) -> None:
        self.cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'petitions_voter'::regclass AND contype = 'u' ORDER BY conname"
        )
        unique = self.cursor.fetchall()
        self.restore = self._drop_indexes_and_foreign_keys()  # SET CONSTRAINTS ALL IMMEDIATE first
        for name, _definition in unique:
            self.cursor.execute(f"ALTER TABLE petitions_voter DROP CONSTRAINT {_q(name)}")
        self.unique = [f"ALTER TABLE petitions_voter ADD CONSTRAINT {_q(name)} {d}" for name, d in unique]
        self.cursor.execute("SELECT pg_get_serial_sequence('petitions_voter', 'id')")
        self.sequence = self.cursor.fetchone()[0]
        self.cursor.execute("SELECT nextval(%s)", [self.sequence])
        self.reserved = self.cursor.fetchone()[0]
        # Row id = offset + file line: the first data row (line 2) takes the id reserved, so a file
        # without bad rows is numbered 1, 2, ... as the staging table's INSERT ... SELECT numbered it.
        self.offset = self.reserved - 2
        # registered and updated_at, the same in every row, are column defaults while the rows are
        # copied: the server parses no timestamp a row.
        self.cursor.execute(
            "ALTER TABLE petitions_voter ALTER COLUMN registered SET DEFAULT TRUE, "
            "ALTER COLUMN updated_at SET DEFAULT %s",
            [timezone.now()],
        )
        columns = ("id", *VOTER_COLUMNS)
        self.copy_sql = f"COPY petitions_voter ({', '.join(map(_q, columns))}) FROM STDIN"

    def add_present(self, registrant_id: str) -> None:
        """Nobody was registered before this file: a bad row de-registers nobody."""

    def prepare(self) -> None:
        self.cursor.execute(
            "ALTER TABLE petitions_voter ALTER COLUMN registered DROP DEFAULT, ALTER COLUMN updated_at DROP DEFAULT"
        )

    def drop(self) -> None:
        pass

    def index(self) -> None:
        self._index_build_memory()
        for statement in self.unique:
            self.cursor.execute(statement)

    def deduplicate(self, summary: ImportSummary) -> int:
        return _deduplicate(self.cursor, self, summary, "petitions_voter", "id", self.offset)

    def upsert(self, now, staged: int, summary: ImportSummary, note) -> tuple[int, int]:
        summary.bulk_load = summary.direct_load = True
        self._restore(self.restore, note)
        summary.lap("indexes")
        self.cursor.execute(
            "SELECT setval(%s, GREATEST(%s, (SELECT MAX(id) FROM petitions_voter)))", [self.sequence, self.reserved]
        )
        self.cursor.execute("ANALYZE petitions_voter")
        return staged, 0


# --- The import --------------------------------------------------------------------


def voters_import(
    path: str | PathLike,
    *,
    replace: bool = False,
    progress: Progress | None = None,
    stdout: TextIO | None = None,
    actor: str = "import_voters",
) -> ImportSummary:
    """Import a voter file; see the module's docstring.

    progress(bytes_done, bytes_total) is called as the file is read (bytes of
    the file on disk, compressed ones for gzip). stdout, when given, receives a
    line when a long phase starts (merging, marking). Raises VoterFileRefused
    (nothing changed) for a file that cannot be imported, OSError when the file
    cannot be read.
    """
    started = time.monotonic()
    path = Path(path)
    summary = ImportSummary(file_name=path.name, replace=replace)

    def note(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")
            stdout.flush()

    with _Source(path) as source:
        try:
            first = source.stream.readline()
            if not first:
                raise VoterFileRefused(f"{path.name} is empty: no header row")
            layout = Layout.from_header_line(_decode(first)[0])
            summary.ignored_columns = layout.ignored
            county_codes = frozenset(County.objects.values_list("code", flat=True))
            if not county_codes:
                raise VoterFileRefused("the county table is empty: run `manage.py migrate` first")
            with transaction.atomic():
                with connection.cursor() as cursor:
                    stager: _Stager
                    if connection.vendor != "postgresql":
                        stager = _Stager(cursor)
                    elif _DirectStager.applies(cursor):
                        stager = _DirectStager(cursor)
                    else:
                        stager = _PostgresStager(cursor)
                    stager.create()
                    summary.lap("prepare")
                    try:
                        _stage(source.stream, layout, county_codes, stager, summary, source, progress)
                    except BaseException:
                        stager.abort()
                        raise
                    summary.lap("read and copy")
                    if progress is not None:
                        progress(source.size, source.size)
                    if replace and summary.rows_read == 0:
                        raise VoterFileRefused(
                            f"{path.name} holds no voter rows; --replace would mark every voter no longer registered"
                        )
                    stager.prepare()
                    staged = stager.staged - stager.deduplicate(summary)
                    summary.lap("unique RegistrantID")
                    note(f"Merging {staged:,} rows into the voter table ...")
                    now = connection.ops.adapt_datetimefield_value(timezone.now())
                    summary.inserted, summary.updated = stager.upsert(now, staged, summary, note)
                    summary.unchanged = staged - summary.inserted - summary.updated
                    summary.lap("merge")
                    if replace and not stager.direct:  # a table that was empty holds nobody to mark
                        note("Marking voters absent from the file ...")
                        cursor.execute(
                            f"UPDATE petitions_voter SET registered = FALSE, updated_at = %s WHERE registered "
                            f"AND NOT EXISTS (SELECT 1 FROM {STAGING} s "
                            "WHERE s.registrant_id = petitions_voter.registrant_id) "
                            f"AND NOT EXISTS (SELECT 1 FROM {PRESENT} p "
                            "WHERE p.registrant_id = petitions_voter.registrant_id)",
                            [now],
                        )
                        summary.marked_unregistered = cursor.rowcount
                        summary.lap("mark absent")
                    stager.drop()
                summary.bad_rows.sort()
                summary.seconds = time.monotonic() - started
                audit_record(action="voters.import", actor=actor, detail=summary.as_detail())
            summary.lap("commit")
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise VoterFileRefused(f"{path.name} is damaged ({exc}); nothing was imported") from exc
    if summary.inserted or summary.updated or summary.marked_unregistered:
        # How people live, as this file shows it: whether the address alone identifies a person.
        note("Measuring how many voters share an address ...")
        by_address.measure(file_name=path.name)
        summary.lap("measure addresses")
        note("Finding the ZIP codes that lie in one county ...")
        zip_counties_refresh()
        summary.lap("ZIP codes to counties")
    if summary.inserted or summary.updated:
        # People register during the campaign: what the machine found not
        # registered (or in review) is looked at again against the new file.
        note("Queueing signatures for re-validation ...")
        summary.revalidation_queued = signatures_revalidate()
        summary.lap("re-validation queued")
    summary.seconds = time.monotonic() - started
    return summary


ZIP_COUNTIES = (
    "SELECT key_zip, MIN(county_id) FROM petitions_voter "
    "WHERE registered = %s AND key_zip <> '' "  # key_zip: the 5 digits, or ''
    "GROUP BY key_zip HAVING MIN(county_id) = MAX(county_id)"
)


def zip_counties_refresh() -> int:
    """Rebuild ZipCounty from the voter table: each 5-digit ZIP whose registered voters all
    live in one county (the sign form suggests it; a ZIP that straddles counties gets none).
    One grouped scan of the voters, in one transaction (readers see the old rows until it
    commits). Returns the number of ZIP codes kept."""
    with transaction.atomic(), connection.cursor() as cursor:
        # A SELECT, then the few thousand rows inserted: PostgreSQL scans the voters with parallel
        # workers for a SELECT, never for an INSERT ... SELECT.
        cursor.execute(ZIP_COUNTIES, [True])
        kept = [ZipCounty(zip=zip_code, county_id=county) for zip_code, county in cursor.fetchall()]
        cursor.execute("DELETE FROM petitions_zipcounty")
        ZipCounty.objects.bulk_create(kept, batch_size=1000)
    return len(kept)


class _Parsed:
    """What one piece of the file became: rows ready for the staging table, and its bad rows."""

    __slots__ = ("bad", "by_columns", "present", "recoded", "rows", "staged", "text", "tuples")

    def __init__(self) -> None:
        self.rows = self.recoded = self.staged = 0
        self.by_columns = False
        self.bad: list[tuple[int, str]] = []
        self.present: list[str] = []  # RegistrantIDs of bad rows that have one
        self.text: str | bytes = ""  # COPY text (PostgreSQL)
        self.tuples: list[tuple] = []  # rows for executemany (other databases)


class _ChunkParser:
    """Turns a piece of the file (whole lines, as bytes) into staging rows.

    The same code runs in this process or in forked worker processes (a large
    file on PostgreSQL): each line is decoded (UTF-8, else Windows-1252, else
    Latin-1), composed (NFC), checked (Layout.parse_values) and given its keys.
    The checks that cost a pass over each line (decoding, non-ASCII, NUL,
    COPY escapes) are made once for the whole piece first. Python's cycle
    collector is paused while a piece is parsed: a piece makes a million
    short-lived lists and strings, none in a cycle, and the collections they
    would start cost nearly as much as the parsing (measured: 12.2 against
    7.7 us a row)."""

    def __init__(self, layout: Layout, county_codes: frozenset[str], *, as_text: bool, fast_keys: bool) -> None:
        self.parse_values = layout.parse_values
        self.registrant_id = layout.registrant_id
        self.county_codes = county_codes
        self.as_text = as_text
        self.keys = _Keys() if fast_keys else _Keys.generic
        # A plain piece is read by columns, far faster; any other by the rows below.
        self.columns = ColumnReader(layout, county_codes, self.keys) if as_text and fast_keys else None

    def _lines(self, data: bytes, parsed: _Parsed) -> tuple[list[str], bool]:
        """The piece's lines (without their newline) and whether all of them are ASCII."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            lines = []
            for raw in data.split(b"\n"):
                try:
                    lines.append(raw.decode("utf-8"))
                except UnicodeDecodeError:
                    lines.append(_decode(raw)[0])
                    parsed.recoded += 1
            if data.endswith(b"\n"):
                lines.pop()
            return lines, False
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        return lines, text.isascii()

    def __call__(self, first_line: int, data: bytes, offset: int, tail: str) -> _Parsed:
        """first_line: the file line number of the piece's first line. Each row is
        staged as `offset + line number`, its values, its keys, then `tail`."""
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._parse(first_line, data, offset, tail)
        finally:
            if collecting:
                gc.enable()

    def _parse(self, first_line: int, data: bytes, offset: int, tail: str) -> _Parsed:
        parsed = _Parsed()
        if self.columns is not None and (text := self.columns.copy_text(first_line, data, offset, tail)) is not None:
            parsed.rows = parsed.staged = data.count(b"\n")  # a plain piece: no blank line, every row good
            parsed.text, parsed.by_columns = text, True
            return parsed
        lines, ascii_only = self._lines(data, parsed)
        # None of these bytes comes from decoding anything else: checked once for the piece.
        nul = b"\x00" in data
        escapes = b"\\" in data or b"\r" in data
        parse_values, county_codes, keys, as_text = self.parse_values, self.county_codes, self.keys, self.as_text
        bad, present = parsed.bad, parsed.present
        out: list = []  # tuples, or COPY lines
        rows = 0
        for number, whole in enumerate(lines, start=first_line):
            line = whole.rstrip("\r") if whole.endswith("\r") else whole
            if not line or line.isspace():
                continue
            if not ascii_only and not line.isascii():  # 'Jose' + U+0301 is stored, and matched, as 'José'
                line = unicodedata.normalize("NFC", line)
            rows += 1
            fields = line.split("\t")
            reason: str | None
            if nul and "\x00" in line:
                values, reason = None, "contains a NUL character"
            else:
                values, reason = parse_values(fields, county_codes)
            if values is None:
                bad.append((number, reason or "unreadable"))
                known = self.registrant_id(fields).replace("\x00", "")
                if known and len(known) <= 20:
                    present.append(known)
                continue
            key_values = keys(values)
            if not as_text:
                out.append((number + offset, *values, *key_values))
                continue
            if escapes and ("\\" in line or "\r" in line):
                values = [v.translate(_ESCAPES) if v else v for v in values]
            for position in _DATE_POSITIONS:
                if values[position] is None:
                    values[position] = "\\N"
            out.append(f"{number + offset}\t{TAB.join(values)}\t{TAB.join(key_values)}{tail}\n")  # type: ignore[arg-type]
        parsed.rows, parsed.staged = rows, len(out)
        if as_text:
            parsed.text = "".join(out)
        else:
            parsed.tuples = out
        return parsed


_ESCAPES = str.maketrans({"\\": "\\\\", "\r": "\\r", "\n": "\\n", "\t": "\\t"})
_in_worker: dict[str, _ChunkParser] = {}  # a forked worker's parser


def _start_worker(parser: _ChunkParser) -> None:
    _in_worker["parser"] = parser  # inherited through fork, never pickled


def _parse_in_worker(first_line: int, data: bytes, offset: int, tail: str) -> _Parsed:
    return _in_worker["parser"](first_line, data, offset, tail)


def _pieces(stream, first_line: int, size: int) -> Iterator[tuple[int, bytes]]:
    """The rest of the file in pieces of whole lines: (line number of the first, bytes)."""
    rest = b""
    line = first_line
    while block := stream.read(size):
        block = rest + block if rest else block
        cut = block.rfind(b"\n") + 1
        if not cut:
            rest = block
            continue
        piece, rest = block[:cut], block[cut:]
        yield line, piece
        line += piece.count(b"\n")
    if rest:
        yield line, rest


def parse_workers(file_bytes: int) -> int:
    """How many processes parse a file of this size on disk: one for a small file
    (forking costs more than it saves), else one per core."""
    if file_bytes < PARALLEL_MIN_BYTES or multiprocessing.current_process().daemon:
        return 1  # a daemonic process (a Celery pool process) may not start children
    return max(1, min(MAX_PARSE_WORKERS, os.cpu_count() or 1))


def _stage(
    stream,
    layout: Layout,
    county_codes: frozenset[str],
    stager: _Stager,
    summary: ImportSummary,
    source: _Source,
    progress: Progress | None,
) -> None:
    """Read the file after its header into the staging table (or, on a first
    import, straight into the voter table)."""
    parser = _ChunkParser(layout, county_codes, as_text=stager.as_text, fast_keys=_FAST_KEYS)
    offset, tail = stager.offset, stager.tail
    workers = parse_workers(source.size) if stager.as_text else 1

    def take(parsed: _Parsed) -> None:
        summary.rows_read += parsed.rows
        summary.rows_by_columns += parsed.rows if parsed.by_columns else 0
        summary.recoded_lines += parsed.recoded
        for line, reason in parsed.bad:
            summary.add_bad(line, reason)
        for registrant_id in parsed.present:
            stager.add_present(registrant_id)
        stager.add_parsed(parsed)
        if progress is not None:
            progress(source.position(), source.size)

    pieces = _pieces(stream, 2, CHUNK_BYTES)
    if workers == 1:
        for first_line, data in pieces:
            take(parser(first_line, data, offset, tail))
    else:
        # Forked before the COPY thread starts; the workers only parse (never the database).
        summary.parse_workers = workers
        with multiprocessing.get_context("fork").Pool(workers, _start_worker, (parser,)) as pool:
            pending: deque = deque()
            for first_line, data in pieces:
                pending.append(pool.apply_async(_parse_in_worker, (first_line, data, offset, tail)))
                if len(pending) > workers * IN_FLIGHT_PER_WORKER:  # memory stays flat
                    take(pending.popleft().get())
            while pending:
                take(pending.popleft().get())
    stager.finish()


def _deduplicate(cursor, stager: _Stager, summary: ImportSummary, table: str, column: str, offset: int) -> int:
    """Make RegistrantID unique in `table`, whose `column` is `offset` + the file line:
    the last row of an ID wins. Returns how many rows were removed."""
    try:
        with transaction.atomic():
            stager.index()
        return 0
    except IntegrityError:
        pass
    removed = 0
    repeated = (
        f"SELECT {column}, kept FROM (SELECT {column}, "
        f"MAX({column}) OVER (PARTITION BY registrant_id) AS kept FROM {table}) t WHERE {column} < kept"
    )
    cursor.execute(f"SELECT {column} - {int(offset)}, kept - {int(offset)} FROM ({repeated}) r ORDER BY 1")
    while True:
        chunk = cursor.fetchmany(10_000)
        if not chunk:
            break
        for line, kept in chunk:
            summary.add_bad(line, f"repeated RegistrantID, line {kept} kept")
            removed += 1
    cursor.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT {column} FROM ({repeated}) d)")
    stager.index()
    return removed
