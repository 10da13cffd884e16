"""Importing the Secretary of State's voter file: `import_voters` and `voters_import`.

Runs on SQLite and on PostgreSQL (DATABASE_URL); the import takes a different
path on each (executemany vs COPY into the staging table), so run both.
"""

from __future__ import annotations

import gzip
import inspect
import io
import multiprocessing
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection

from petitions.demo.voters import DEMO_VOTERS, synthetic_header, write_synthetic_voter_file
from petitions.matching.keys import voter_keys
from petitions.models import AuditLog, Voter
from petitions.services import voter_import
from petitions.services.voter_import import VoterFileRefused, voters_import
from petitions.voterfile import COLUMNS, REQUIRED_COLUMNS, parse_date

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


# --- Helpers -------------------------------------------------------------------


def generated(tmp_path: Path, name: str = "voters.tsv", *, count: int = 120, seed: int = 1, **options) -> Path:
    path = tmp_path / name
    write_synthetic_voter_file(path, count=count, seed=seed, demo_voters=options.pop("demo_voters", False), **options)
    return path


def read_lines(path: Path) -> list[str]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        return handle.read().split("\n")[:-1]


def write_lines(path: Path, lines: list[str], *, newline: str = "\n") -> Path:
    path.write_text("".join(line + newline for line in lines), encoding="utf-8", newline="")
    return path


class Rows:
    """A voter file's lines, edited by FILE line number (the header is line 1)."""

    def __init__(self, path: Path):
        self.path = path
        self.lines = read_lines(path)
        self.header = self.lines[0].split("\t")

    def get(self, line: int, column: str) -> str:
        return self.lines[line - 1].split("\t")[self.header.index(column)]

    def set(self, line: int, column: str, value: str) -> None:
        fields = self.lines[line - 1].split("\t")
        fields[self.header.index(column)] = value
        self.lines[line - 1] = "\t".join(fields)

    def save(self, path: Path | None = None) -> Path:
        return write_lines(path or self.path, self.lines)


def hand_made(
    tmp_path: Path, header: list[str], rows: list[dict[str, str]], *, name: str = "hand.tsv", newline: str = "\n"
) -> Path:
    lines = ["\t".join(header)] + ["\t".join(row.get(column, "") for column in header) for row in rows]
    return write_lines(tmp_path / name, lines, newline=newline)


def snapshot() -> list[tuple]:
    return list(
        Voter.objects.order_by("registrant_id").values_list(
            "registrant_id",
            "county_id",
            "last_name",
            "first_name",
            "street_name",
            "city",
            "dob",
            "registered",
            "key_street",
            "updated_at",
        )
    )


# --- Bad rows ---------------------------------------------------------------------


def test_bad_rows_are_reported_with_their_file_line_and_the_rest_is_imported(tmp_path):
    rows = Rows(generated(tmp_path, count=120))
    rows.set(5, "CountyCode", "99")
    rows.set(10, "RegistrantID", "")
    rows.set(20, "DOB", "13/45/1980")
    rows.lines[29] = rows.lines[29].rsplit("\t", 1)[0]  # line 30: one field short
    rows.set(40, "LastName", "  ")
    rows.set(50, "RegistrationDate", "2001-02-30")
    rows.set(60, "RegistrantID", rows.get(70, "RegistrantID"))
    rows.set(80, "LastName", "X" * 101)
    rows.set(90, "DOB", "1975-07-04")
    rows.set(91, "DOB", "07/04/1975")
    rows.set(92, "DOB", "7/4/1975")
    rows.set(93, "CountyCode", "1")  # a one-digit code is read as "01"
    rows.lines.append("")  # a blank line at the end is not a row
    path = rows.save()
    lost = {rows.get(n, "RegistrantID") for n in (5, 20, 40, 50, 80)}

    summary = voters_import(path)

    width = len(rows.header)
    assert summary.bad_rows == [
        (5, "unknown county code '99'"),
        (10, "empty RegistrantID"),
        (20, "bad DOB '13/45/1980' (expected YYYY-MM-DD or MM/DD/YYYY)"),
        (30, f"expected {width} fields, found {width - 1}"),
        (40, "empty LastName"),
        (50, "bad RegistrationDate '2001-02-30' (expected YYYY-MM-DD or MM/DD/YYYY)"),
        (60, "repeated RegistrantID, line 70 kept"),
        (80, "LastName longer than 100 characters"),
    ]
    assert (summary.rows_read, summary.bad_row_count, summary.inserted, summary.updated) == (120, 8, 112, 0)
    assert Voter.objects.count() == 112
    assert not Voter.objects.filter(registrant_id__in=lost).exists()
    kept = Voter.objects.get(registrant_id=rows.get(70, "RegistrantID"))
    assert (kept.last_name, kept.first_name) == (rows.get(70, "LastName"), rows.get(70, "FirstName"))
    for line in (90, 91, 92):
        assert Voter.objects.get(registrant_id=rows.get(line, "RegistrantID")).dob == date(1975, 7, 4)
    assert Voter.objects.get(registrant_id=rows.get(93, "RegistrantID")).county_id == "01"
    log = AuditLog.objects.get(action="voters.import")
    assert log.detail["file"] == "voters.tsv"
    assert (log.detail["rows"], log.detail["inserted"], log.detail["bad_rows"]) == (120, 112, 8)


def test_the_command_prints_bad_rows_on_stderr_and_one_summary_line_on_stdout(tmp_path):
    rows = Rows(generated(tmp_path, count=100))
    for line in range(2, 62):
        rows.set(line, "CountyCode", "99")
    path = rows.save()
    out, err = io.StringIO(), io.StringIO()

    call_command("import_voters", str(path), stdout=out, stderr=err)

    assert out.getvalue().count("\n") == 1
    assert out.getvalue().startswith(
        "Imported voters.tsv: 100 rows, 40 new, 0 updated, 0 unchanged, 60 bad rows, 0 no longer registered ("
    )
    messages = err.getvalue().splitlines()
    assert messages[:2] == ["line 2: unknown county code '99'", "line 3: unknown county code '99'"]
    assert len(messages) == 51 and messages[49] == "line 51: unknown county code '99'"
    assert messages[50] == "... and 10 more bad rows"


def test_a_line_that_is_not_utf8_is_read_as_windows_1252(tmp_path):
    path = hand_made(
        tmp_path,
        list(REQUIRED_COLUMNS),
        [
            {
                "CountyCode": "34",
                "RegistrantID": "R1",
                "LastName": "PENA",
                "FirstName": "ANA",
                "AddressNumber": "1",
                "StreetName": "K",
                "City": "Sacramento",
                "Zip": "95814",
                "Status": "A",
            },
        ],
    )
    path.write_bytes(path.read_bytes().replace(b"PENA", "Peña".encode("cp1252")))

    summary = voters_import(path)

    assert (summary.inserted, summary.recoded_lines, summary.bad_row_count) == (1, 1, 0)
    voter = Voter.objects.get(registrant_id="R1")
    assert (voter.last_name, voter.key_last) == ("Peña", "PENA")


# --- Refused files -------------------------------------------------------------------


def test_a_file_missing_required_columns_is_refused_whole_and_changes_nothing(tmp_path):
    voters_import(generated(tmp_path, count=50))
    before, logs = snapshot(), AuditLog.objects.count()
    rows = Rows(generated(tmp_path, "changed.tsv", count=60, seed=99))  # same IDs, other people
    dropped = [rows.header.index("StreetName"), rows.header.index("City")]
    lines = ["\t".join(f for i, f in enumerate(line.split("\t")) if i not in dropped) for line in rows.lines]
    path = write_lines(tmp_path / "no_street.tsv", lines)

    for replace in (False, True):
        with pytest.raises(CommandError) as refused:
            call_command(
                "import_voters",
                str(path),
                *(["--replace"] if replace else []),
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
        assert refused.value.returncode == 1
        assert "StreetName" in str(refused.value) and "City" in str(refused.value)

    with pytest.raises(VoterFileRefused) as refused:
        voters_import(path, replace=True)
    assert refused.value.missing == ("StreetName", "City")
    assert snapshot() == before
    assert AuditLog.objects.count() == logs


def test_a_damaged_gzip_file_is_refused_and_changes_nothing(tmp_path):
    voters_import(generated(tmp_path, count=50))
    before = snapshot()
    whole = generated(tmp_path, "big.tsv.gz", count=5000, seed=5).read_bytes()
    damaged = tmp_path / "damaged.tsv.gz"
    damaged.write_bytes(whole[: len(whole) // 2])

    with pytest.raises(VoterFileRefused, match="damaged"):
        voters_import(damaged, replace=True)
    assert snapshot() == before


def test_an_error_during_the_import_changes_nothing(tmp_path, monkeypatch):
    voters_import(generated(tmp_path, count=50))
    before = snapshot()

    def broken(**kwargs):
        raise RuntimeError("the audit log is unwritable")

    monkeypatch.setattr(voter_import, "audit_record", broken)
    with pytest.raises(RuntimeError):
        voters_import(generated(tmp_path, "more.tsv", count=80, seed=8), replace=True)
    assert snapshot() == before


def test_a_failed_copy_is_raised_and_changes_nothing(tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    voters_import(generated(tmp_path, count=50))
    before = snapshot()
    monkeypatch.setattr(voter_import, "COPY_BATCH_ROWS", 100)
    real_init = voter_import._PostgresStager.__init__

    def init(self, cursor):
        real_init(self, cursor)
        self.copy_sql = self.copy_sql.replace("FROM STDIN", "FROM STDIN WITH (FORMAT nonsense)")

    monkeypatch.setattr(voter_import._PostgresStager, "__init__", init)

    with pytest.raises(DatabaseError):
        voters_import(generated(tmp_path, "more.tsv", count=1000, seed=8), replace=True)
    assert snapshot() == before


def test_a_missing_file_exits_with_status_1(tmp_path):
    with pytest.raises(CommandError, match="no such file") as missing:
        call_command("import_voters", str(tmp_path / "nope.tsv"), stdout=io.StringIO(), stderr=io.StringIO())
    assert missing.value.returncode == 1


def test_replace_refuses_a_file_without_rows(tmp_path):
    voters_import(generated(tmp_path, count=30))
    empty = write_lines(tmp_path / "header_only.tsv", ["\t".join(synthetic_header())])

    with pytest.raises(VoterFileRefused, match="no voter rows"):
        voters_import(empty, replace=True)
    assert Voter.objects.filter(registered=True).count() == 30
    assert voters_import(empty).rows_read == 0  # without replace it is harmless


# --- Re-import, gzip, replace ------------------------------------------------------------


def test_reimporting_the_same_file_adds_no_duplicates_and_rewrites_nothing(tmp_path):
    path = generated(tmp_path, count=200)
    first = voters_import(path)
    before = snapshot()

    again = voters_import(path)

    assert (first.inserted, first.updated, first.unchanged) == (200, 0, 0)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 200)
    assert snapshot() == before  # not even updated_at moved

    rows = Rows(path)
    rows.set(7, "City", "Somewhere Else")
    changed = voters_import(rows.save())

    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 199)
    assert Voter.objects.count() == 200
    moved = Voter.objects.get(registrant_id=rows.get(7, "RegistrantID"))
    assert moved.city == "Somewhere Else" and moved.updated_at > before[0][-1]
    untouched = Voter.objects.get(registrant_id=rows.get(8, "RegistrantID"))
    assert next(v for v in before if v[0] == untouched.registrant_id)[-1] == untouched.updated_at


def test_a_gzip_file_is_read_whatever_its_name(tmp_path):
    path = generated(tmp_path, "voters.tsv.gz", count=300)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    calls = []

    summary = voters_import(path, progress=lambda done, total: calls.append((done, total)))

    assert (summary.rows_read, summary.inserted) == (300, 300)
    assert calls[-1] == (path.stat().st_size, path.stat().st_size)
    renamed = tmp_path / "voters.txt"
    shutil.copy(path, renamed)
    assert voters_import(renamed).unchanged == 300


def test_replace_marks_voters_missing_from_the_new_file_no_longer_registered(tmp_path):
    path = generated(tmp_path, count=100, seed=3)
    voters_import(path)
    rows = Rows(path)
    gone = [rows.get(n, "RegistrantID") for n in range(2, 12)]
    bad_but_present = rows.get(20, "RegistrantID")
    rows.set(20, "DOB", "not a date")
    newer = rows.lines[:1] + rows.lines[11:]
    for n in range(5):
        fields = rows.lines[-1].split("\t")
        fields[rows.header.index("RegistrantID")] = f"NEW{n}"
        newer.append("\t".join(fields))
    new_path = write_lines(tmp_path / "newer.tsv", newer)

    summary = voters_import(new_path, replace=True)

    assert (summary.inserted, summary.marked_unregistered, summary.bad_row_count) == (5, 10, 1)
    assert set(Voter.objects.filter(registered=False).values_list("registrant_id", flat=True)) == set(gone)
    assert Voter.objects.get(registrant_id=bad_but_present).registered  # its row was bad, but it is in the file
    assert Voter.objects.filter(registered=True).count() == 95

    back = voters_import(path)  # the older file again, without --replace

    assert (back.inserted, back.updated, back.marked_unregistered) == (0, 10, 0)
    assert not Voter.objects.filter(registered=False).exists()


def test_the_command_with_replace_reports_voters_no_longer_registered(tmp_path):
    voters_import(generated(tmp_path, count=40))
    smaller = generated(tmp_path, "smaller.tsv", count=30)
    out = io.StringIO()

    call_command("import_voters", str(smaller), "--replace", stdout=out, stderr=io.StringIO())

    assert "30 rows, 0 new, 0 updated, 30 unchanged, 0 bad rows, 10 no longer registered" in out.getvalue()


def _voter_table_structure() -> list[tuple]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Voter._meta.db_table)
    return sorted(
        (name, tuple(c["columns"]), c["unique"], c["primary_key"], tuple(c["foreign_key"] or ()), c["index"])
        for name, c in constraints.items()
    )


def test_a_bulk_load_puts_the_voter_table_indexes_and_foreign_keys_back(tmp_path, monkeypatch):
    # On PostgreSQL a file that at least doubles the table drops the plain indexes
    # and foreign keys and rebuilds them after the merge; made to happen here on a small file.
    monkeypatch.setattr(voter_import, "BULK_LOAD_MIN_ROWS", 1)
    before = _voter_table_structure()

    into_empty = voters_import(generated(tmp_path, count=100))
    rows = Rows(generated(tmp_path, "more.tsv", count=300, seed=2))  # the same first 100 IDs, other people
    rows.set(50, "RegistrantID", rows.get(60, "RegistrantID"))
    growing = voters_import(rows.save())

    assert _voter_table_structure() == before
    assert into_empty.bulk_load == growing.bulk_load == (connection.vendor == "postgresql")
    assert (into_empty.inserted, growing.inserted, growing.updated) == (100, 200, 99)
    assert growing.bad_rows == [(50, "repeated RegistrantID, line 60 kept")]
    assert Voter.objects.count() == 300
    assert Voter.objects.filter(county__code="34").count() == Voter.objects.filter(county_id="34").count() > 0


def test_a_file_parsed_in_pieces_by_worker_processes_keeps_line_numbers_and_keys(tmp_path, monkeypatch):
    # A large file on PostgreSQL is parsed in pieces by forked processes (COPY text); made to happen
    # here on a small one. Elsewhere the same pieces are parsed in this process.
    rows = Rows(generated(tmp_path, count=3000, seed=21, demo_voters=True))
    rows.set(5, "CountyCode", "99")
    rows.set(1500, "DOB", "13/45/1980")
    rows.set(2999, "RegistrantID", rows.get(40, "RegistrantID"))
    path = rows.save()
    monkeypatch.setattr(voter_import, "CHUNK_BYTES", 20_000)  # about 60 pieces
    monkeypatch.setattr(voter_import, "parse_workers", lambda file_bytes: 2)

    summary = voters_import(path)

    assert summary.parse_workers == (2 if connection.vendor == "postgresql" else 1)
    assert summary.direct_load == (connection.vendor == "postgresql")  # the voter table was empty
    assert summary.bad_rows == [
        (5, "unknown county code '99'"),
        (40, "repeated RegistrantID, line 2999 kept"),
        (1500, "bad DOB '13/45/1980' (expected YYYY-MM-DD or MM/DD/YYYY)"),
    ]
    assert (summary.rows_read, summary.inserted, Voter.objects.count()) == (3000, 2997, 2997)
    assert Voter.objects.get(registrant_id=rows.get(40, "RegistrantID")).last_name == rows.get(2999, "LastName")
    _assert_keys_are_voter_keys()
    assert Voter.objects.filter(registered=True, updated_at__isnull=False).count() == 2997
    if connection.vendor == "postgresql":  # numbered by file line, as a row-by-row insert numbers them
        with connection.cursor() as cursor:  # the defaults the COPY used are gone again
            cursor.execute(
                "SELECT column_name, column_default FROM information_schema.columns "
                "WHERE table_name = 'petitions_voter' AND column_name IN ('registered', 'updated_at')"
            )
            assert sorted(cursor.fetchall()) == [("registered", None), ("updated_at", None)]
        first, last = (Voter.objects.get(registrant_id=rows.get(n, "RegistrantID")).pk for n in (2, 3001))
        assert last - first == 3001 - 2
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('petitions_voter', 'id'))")
            assert cursor.fetchone()[0] > last

    again = voters_import(path)  # into a full table: staged and merged, still in pieces

    assert (again.direct_load, again.inserted, again.updated, again.unchanged) == (False, 0, 0, 2997)
    assert again.bad_rows == summary.bad_rows


def test_an_error_in_a_parsing_process_is_raised_and_changes_nothing(tmp_path, monkeypatch):
    path = generated(tmp_path, count=2000, seed=22)
    monkeypatch.setattr(voter_import, "CHUNK_BYTES", 20_000)
    monkeypatch.setattr(voter_import, "parse_workers", lambda file_bytes: 2)
    real_parse = voter_import._ChunkParser._parse

    def parse(self, first_line, data, offset, tail):
        if first_line > 1000:
            raise RuntimeError("a parsing process failed")
        return real_parse(self, first_line, data, offset, tail)

    monkeypatch.setattr(voter_import._ChunkParser, "_parse", parse)

    with pytest.raises(RuntimeError, match="a parsing process failed"):
        voters_import(path)
    assert not Voter.objects.exists()
    assert not AuditLog.objects.filter(action="voters.import").exists()


def test_parsing_processes_only_for_a_large_file_and_never_from_a_daemonic_process(monkeypatch):
    large = voter_import.PARALLEL_MIN_BYTES
    assert voter_import.parse_workers(large - 1) == 1
    assert voter_import.parse_workers(large) == max(1, min(voter_import.MAX_PARSE_WORKERS, os.cpu_count() or 1))
    # A Celery pool process is daemonic: it may not start children.
    monkeypatch.setitem(multiprocessing.current_process()._config, "daemon", True)
    assert voter_import.parse_workers(large) == 1


# --- Columns and keys ----------------------------------------------------------------------


def test_unknown_columns_are_ignored_and_columns_are_found_by_name(tmp_path):
    header = [
        "Phone",
        "Zip",
        "City",
        "StreetName",
        "VoterScore",
        "AddressNumber",
        "FirstName",
        "LastName",
        "RegistrantID",
        "Status",
        "CountyCode",
        "Email",
        "UnitNumber",
    ]
    path = hand_made(
        tmp_path,
        header,
        [
            {
                "Phone": "(916) 555-0100",
                "Zip": "95814",
                "City": "Sacramento",
                "StreetName": "J",
                "VoterScore": "87",
                "AddressNumber": "1200",
                "FirstName": "Maria",
                "LastName": "Garcia",
                "RegistrantID": "X1",
                "Status": "A",
                "CountyCode": "34",
                "Email": "maria@example.com",
                "UnitNumber": "4",
            },
        ],
        newline="\r\n",
    )

    summary = voters_import(path)

    assert summary.inserted == 1 and summary.bad_row_count == 0
    assert set(summary.ignored_columns) == {"Phone", "VoterScore", "Email"}
    voter = Voter.objects.get(registrant_id="X1")
    assert (voter.county_id, voter.last_name, voter.first_name, voter.address_number, voter.street_name) == (
        "34",
        "Garcia",
        "Maria",
        "1200",
        "J",
    )
    assert (voter.city, voter.zip, voter.voter_status, voter.unit_number) == ("Sacramento", "95814", "A", "4")
    assert (voter.middle_name, voter.street_type, voter.dob, voter.registration_date, voter.registered) == (
        "",
        "",
        None,
        None,
        True,
    )


def test_matching_keys_are_computed_at_import(tmp_path):
    path = hand_made(
        tmp_path,
        synthetic_header(extra_columns=False),
        [
            {
                "CountyCode": "19",
                "RegistrantID": "K1",
                "LastName": "O'Brien",
                "FirstName": "José",
                "AddressNumber": "0123",
                "StreetDirPrefix": "North",
                "StreetName": "Main",
                "StreetType": "Street",
                "City": "Los Angeles",
                "Zip": "90012",
                "Status": "A",
                "DOB": "1970-01-31",
            },
        ],
    )

    voters_import(path)

    voter = Voter.objects.get(registrant_id="K1")
    assert (voter.key_last, voter.key_first, voter.key_house, voter.key_street) == (
        "OBRIEN",
        "JOSE",
        "123",
        "N MAIN ST",
    )


def _assert_keys_are_voter_keys() -> None:
    arguments = inspect.signature(voter_keys).parameters
    for voter in Voter.objects.all():
        expected = voter_keys(**{name: getattr(voter, name) for name in arguments})
        assert {name: getattr(voter, name) for name in voter_import.KEY_FIELDS} == vars(expected), voter.registrant_id


def test_keys_equal_voter_keys_for_every_row(tmp_path):
    voters_import(generated(tmp_path, count=1000, seed=11, demo_voters=True))

    _assert_keys_are_voter_keys()


def test_keys_are_right_when_voter_keys_changes_shape(tmp_path, monkeypatch):
    monkeypatch.setattr(voter_import, "_FAST_KEYS", False)  # every row through voter_keys itself

    voters_import(generated(tmp_path, count=300, seed=12, demo_voters=True))

    _assert_keys_are_voter_keys()


def test_the_layout_lengths_are_the_voter_columns():
    for column in COLUMNS:
        model_field = Voter._meta.get_field(column.field)
        if model_field.is_relation:
            model_field = model_field.target_field
        if column.kind == "date":
            assert model_field.get_internal_type() == "DateField"
        else:
            assert model_field.max_length == column.max_length, column.header


def test_parse_date_accepts_the_two_layouts_only():
    assert parse_date("1980-07-04") == parse_date("07/04/1980") == parse_date("7/4/1980") == date(1980, 7, 4)
    assert parse_date("1980-07-04 00:00:00") == date(1980, 7, 4)
    for bad in ("04.07.1980", "1980/07/04", "07/04/80", "1980-7-4x", "02/30/2001", ""):
        with pytest.raises(ValueError):
            parse_date(bad)


# --- The synthetic writer -------------------------------------------------------------


def test_the_synthetic_file_is_deterministic_and_covers_every_county(tmp_path):
    one = generated(tmp_path, "a.tsv", count=2000, seed=2026, demo_voters=True)
    two = generated(tmp_path, "b.tsv", count=2000, seed=2026, demo_voters=True)
    other = generated(tmp_path, "c.tsv", count=2000, seed=2027, demo_voters=True)
    assert one.read_bytes() == two.read_bytes() != other.read_bytes()
    rows = Rows(one)
    assert len(rows.lines) == 2001
    assert {line.split("\t")[0] for line in rows.lines[1:]} == {f"{n:02d}" for n in range(1, 59)}
    assert {"Phone", "Email", "PartyCode"} <= set(rows.header)

    summary = voters_import(one)

    assert (summary.inserted, summary.bad_row_count) == (2000, 0)
    for demo in DEMO_VOTERS:
        voter = Voter.objects.get(registrant_id=demo.registrant_id)
        assert (voter.first_name, voter.last_name, voter.county_id, voter.zip) == (
            demo.first,
            demo.last,
            demo.county,
            demo.zip,
        )
    maria = Voter.objects.get(registrant_id=DEMO_VOTERS[0].registrant_id)
    assert (maria.key_house, maria.key_street, maria.city) == ("1200", "J ST", "Sacramento")
    assert DEMO_VOTERS[0].describe() == "Maria Garcia, 1200 J St, Sacramento 95814, county 34 Sacramento"
    # Nobody else in the file is a Maria Garcia of Sacramento County: signing as her is unambiguous.
    assert Voter.objects.filter(county_id="34", key_last="GARCIA", key_first="MARIA").count() == 1


def test_the_synthetic_file_can_be_limited_to_some_counties(tmp_path):
    path = generated(tmp_path, "bay.tsv.gz", count=500, seed=4, counties=["38", "1"], extra_columns=False)
    rows = Rows(path)
    assert {line.split("\t")[0] for line in rows.lines[1:]} == {"01", "38"}
    assert rows.header == [c.header for c in COLUMNS]


# --- The real command in a real process --------------------------------------------------


def _child_database_url(tmp_path: Path) -> str:
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        user = quote(db.get("USER") or "postgres", safe="")
        password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
        return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    # The SQLite test database lives in this process's memory: the child gets its own migrated file.
    url = f"sqlite:///{tmp_path / 'child.sqlite3'}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        check=True,
        timeout=300,
        env={**os.environ, "DATABASE_URL": url, "DEBUG": "1"},
    )
    return url


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_command_in_a_real_process(tmp_path):
    env = {**os.environ, "DATABASE_URL": _child_database_url(tmp_path), "DEBUG": "1"}
    rows = Rows(generated(tmp_path, count=300))
    rows.set(7, "CountyCode", "99")
    path = rows.save()

    done = subprocess.run(
        [sys.executable, "manage.py", "import_voters", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1, done.stdout
    assert done.stdout.startswith("Imported voters.tsv: 300 rows, 299 new, 0 updated, 0 unchanged, 1 bad rows, ")
    assert done.stderr.splitlines() == ["line 7: unknown county code '99'"]  # no progress bar off a terminal
    if connection.vendor == "postgresql":
        assert Voter.objects.count() == 299

    header = rows.header
    refused_path = write_lines(
        tmp_path / "refused.tsv",
        ["\t".join(f for i, f in enumerate(line.split("\t")) if i != header.index("Zip")) for line in rows.lines],
    )
    refused = subprocess.run(
        [sys.executable, "manage.py", "import_voters", str(refused_path), "--replace"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert refused.returncode == 1
    assert refused.stdout == ""
    assert "Zip" in refused.stderr and "nothing changed" in refused.stderr
    if connection.vendor == "postgresql":
        assert Voter.objects.filter(registered=True).count() == 299
