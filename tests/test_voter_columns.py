"""The import reads a plain piece of the voter file by columns (petitions/services/voter_columns.py):
what it stages must be, byte for byte, what the per-row parser stages, and any piece it cannot
read exactly so must go to the per-row parser, which reports each bad row with its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from petitions.demo.voters import synthetic_header, write_synthetic_voter_file
from petitions.models import Voter
from petitions.services import voter_columns, voter_import
from petitions.services.voter_import import voters_import
from petitions.voterfile import Layout

COUNTIES = frozenset(f"{code:02d}" for code in range(1, 59))
OFFSET, TAIL = 1000, "\tt\t2026-12-07T05:00:00+00:00"


def parsers(header: list[str]) -> tuple[voter_import._ChunkParser, voter_import._ChunkParser]:
    """(the import's parser, the same with its column reader turned off)."""
    layout = Layout(header)
    both = voter_import._ChunkParser(layout, COUNTIES, as_text=True, fast_keys=True)
    rows_only = voter_import._ChunkParser(layout, COUNTIES, as_text=True, fast_keys=True)
    rows_only.columns = None
    return both, rows_only


def staged(parsed: voter_import._Parsed) -> tuple:
    text = parsed.text if isinstance(parsed.text, bytes) else parsed.text.encode()
    return parsed.rows, parsed.staged, parsed.recoded, parsed.bad, parsed.present, text


def file_pieces(path: Path, size: int) -> tuple[list[str], list[tuple[int, bytes]]]:
    with path.open("rb") as handle:
        header = handle.readline().decode().rstrip("\n").split("\t")
        return header, list(voter_import._pieces(handle, 2, size))


def test_a_generated_file_is_read_by_columns_and_staged_as_the_rows_would_be(tmp_path):
    path = tmp_path / "voters.tsv"
    write_synthetic_voter_file(path, count=20_000, seed=7)  # accents, apostrophes, every county
    header, pieces = file_pieces(path, 256 << 10)
    both, rows_only = parsers(header)
    assert len(pieces) > 5

    for first_line, data in pieces:
        assert both.columns.copy_text(first_line, data, OFFSET, TAIL) is not None, first_line
        assert staged(both(first_line, data, OFFSET, TAIL)) == staged(rows_only(first_line, data, OFFSET, TAIL))
    assert sum(both(*piece, OFFSET, TAIL).rows for piece in pieces) == 20_000


HEADER = synthetic_header(extra_columns=True)


def good_row(number: int, **values: str) -> str:
    row = dict.fromkeys(HEADER, "")
    row.update(
        CountyCode="34",
        RegistrantID=str(500_000 + number),
        LastName="Garcia",
        FirstName="Maria",
        AddressNumber="1200",
        StreetName="J",
        StreetType="St",
        City="Sacramento",
        State="CA",
        Zip="95814-1234",
        DOB="03/12/1984",
        Status="A",
        RegistrationDate="2020-09-15",
    )
    row.update(values)
    return "\t".join(row[column] for column in HEADER)


def piece(*odd: str) -> bytes:
    """Forty good rows with the given lines among them."""
    lines = [good_row(n, LastName=f"Name{n}") for n in range(40)]
    for position, line in enumerate(odd):
        lines.insert(7 + 5 * position, line)
    return ("\n".join(lines) + "\n").encode()


# A piece with one of these lines is read by columns as well, the same as by rows.
READ_BY_COLUMNS = {
    "values padded with spaces": good_row(90, LastName="  Smith ", FirstName=" Ana", Zip="95814 "),
    "a decomposed accent, composed (NFC)": good_row(91, LastName="Jose\u0301", StreetName="Cañada\u0301"),
    "quotes and apostrophes": good_row(92, LastName='O"Brien', FirstName="D\u2019Andre", MiddleName="'Bo'"),
    "an empty first name and house number": good_row(93, FirstName="", AddressNumber=""),
    "dates in both layouts, one with a time": good_row(94, DOB="1980-07-04", RegistrationDate="7/4/2020 10:00"),
    "a value at its column's length": good_row(95, LastName="x" * 100, Suffix="y" * 20),
    # U+1AEB is a combining mark in a Unicode newer than Python 3.11's, which composes it differently.
    "a mark Python's Unicode does not know yet": good_row(96, LastName="Ka\u1aeb\u0301"),
}

# A piece with one of these lines is left to the per-row parser.
READ_BY_ROWS = {
    "a bad date": good_row(80, DOB="02/30/1990"),
    "an empty LastName": good_row(81, LastName=""),
    "an empty RegistrantID": good_row(82, RegistrantID="   "),
    "a county code of one digit": good_row(83, CountyCode="1"),
    "an unknown county": good_row(84, CountyCode="99"),
    "a value too long": good_row(85, LastName="x" * 101),
    "an extra empty field": good_row(86) + "\t",
    "a field too few": good_row(87).rsplit("\t", 1)[0],
    "a blank line": "",
    "a line of spaces": "   ",
    "a backslash": good_row(88, StreetName="A\\B"),
    "a NUL": good_row(89, LastName="A\x00B"),
    "a non-breaking space": good_row(90, LastName="Smith\u00a0"),
    "an ideographic space": good_row(91, FirstName="\u3000Ana"),
    "a vertical tab": good_row(92, FirstName="Ana\x0b"),
    "a file separator": good_row(93, FirstName="Ana\x1c"),
}


@pytest.mark.parametrize("line", READ_BY_COLUMNS.values(), ids=READ_BY_COLUMNS.keys())
def test_a_piece_with_unusual_good_values_is_read_by_columns(line):
    both, rows_only = parsers(HEADER)
    data = piece(line)

    assert both.columns.copy_text(2, data, OFFSET, TAIL) is not None
    parsed = both(2, data, OFFSET, TAIL)
    assert staged(parsed) == staged(rows_only(2, data, OFFSET, TAIL))
    assert parsed.staged == 41 and not parsed.bad


@pytest.mark.parametrize("line", READ_BY_ROWS.values(), ids=READ_BY_ROWS.keys())
def test_a_piece_with_anything_else_is_read_by_rows(line):
    both, rows_only = parsers(HEADER)
    data = piece(line)

    assert both.columns.copy_text(2, data, OFFSET, TAIL) is None
    assert staged(both(2, data, OFFSET, TAIL)) == staged(rows_only(2, data, OFFSET, TAIL))


@pytest.mark.parametrize(
    "data",
    [
        piece(good_row(70, LastName="Pe\u00f1a")).replace("Pe\u00f1a".encode(), "Pe\u00f1a".encode("cp1252")),
        piece(good_row(71, LastName="Pe\u00f1a", Email="jos\u00e9@example.org")).replace(
            "jos\u00e9".encode(), "jos\u00e9".encode("cp1252")
        ),
        piece() + b"\r\n",
        piece().replace(b"\n", b"\r\n").replace(b"Name7", b"Name7\r"),
        piece().replace(b"\n", b"\r\n").replace(b"Name7", b"Name7\r\r"),
        piece()[:-1],  # no newline at the end of the file
    ],
    ids=[
        "Windows-1252",
        "Windows-1252 in a column the import ignores",
        "a blank line with a carriage return",
        "a carriage return in a value",
        "two carriage returns at a line end",
        "no final newline",
    ],
)
def test_a_piece_that_is_not_plain_utf8_lines_is_read_by_rows(data):
    both, rows_only = parsers(HEADER)

    assert both.columns.copy_text(2, data, OFFSET, TAIL) is None
    assert staged(both(2, data, OFFSET, TAIL)) == staged(rows_only(2, data, OFFSET, TAIL))


def test_windows_line_ends_are_read_by_columns():
    both, rows_only = parsers(HEADER)
    data = piece(READ_BY_COLUMNS["values padded with spaces"]).replace(b"\n", b"\r\n")

    assert both.columns.copy_text(2, data, OFFSET, TAIL) == both.columns.copy_text(
        2, data.replace(b"\r", b""), OFFSET, TAIL
    )
    parsed = both(2, data, OFFSET, TAIL)
    assert parsed.by_columns and parsed.staged == 41
    assert staged(parsed) == staged(rows_only(2, data, OFFSET, TAIL))


def test_a_quoted_header_or_a_missing_optional_column_is_read_by_rows():
    quoted = [f'"{name}"' for name in HEADER]
    both, _ = parsers(quoted)
    assert both.columns.copy_text(2, piece(), OFFSET, TAIL) is None

    short = [name for name in HEADER if name != "MiddleName"]
    both, rows_only = parsers(short)
    data = b"".join(
        "\t".join(v for name, v in zip(HEADER, line.split("\t")) if name != "MiddleName").encode() + b"\n"
        for line in piece().decode().splitlines()
    )
    assert both.columns.copy_text(2, data, OFFSET, TAIL) is None
    assert staged(both(2, data, OFFSET, TAIL)) == staged(rows_only(2, data, OFFSET, TAIL))


# Values as people and systems write them, and as they break.
VALUE = st.one_of(
    st.sampled_from(["", " ", "  Smith ", "Jose\u0301", "Jos\u00e9", "O'Brien", 'A"B', "\u00a0", "x" * 101, "\\"]),
    st.text(alphabet=st.characters(exclude_characters="\t\n\r", max_codepoint=0x3100), max_size=12),
    st.sampled_from(["1", "99", "34", "02/30/1990", "1980-07-04", "7/4/1980", "\u0661\u0662"]),
)
# Good values as names are written anywhere: letters, marks (composed or not), digits, punctuation, spaces.
NAME = st.text(
    alphabet=st.characters(categories=["L", "M", "N", "P"], include_characters=" ", exclude_characters="\\"),
    min_size=1,
    max_size=15,
)
ROW = st.one_of(
    st.integers(0, 10_000).map(good_row),
    st.tuples(st.integers(0, 10_000), NAME, NAME, NAME).map(
        lambda v: good_row(v[0], LastName=v[1], FirstName=v[2], StreetName=v[3])
    ),
    st.fixed_dictionaries(
        {},
        optional=dict.fromkeys(
            ("CountyCode", "LastName", "FirstName", "AddressNumber", "StreetName", "Zip", "DOB"), VALUE
        ),
    ).flatmap(lambda values: st.integers(0, 10_000).map(lambda n: good_row(n, **values))),
    st.lists(VALUE, max_size=len(HEADER) + 2).map("\t".join),
)


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROW, min_size=1, max_size=12), line_end=st.sampled_from(["\n", "\r\n"]))
def test_any_piece_is_staged_as_the_per_row_parser_stages_it(rows, line_end):
    both, rows_only = parsers(HEADER)
    data = (line_end.join(rows) + line_end).encode()

    assert staged(both(2, data, OFFSET, TAIL)) == staged(rows_only(2, data, OFFSET, TAIL))


def test_the_white_space_left_to_the_rows_is_all_that_str_strip_removes():
    """Beside tabs, newlines, carriage returns (never plain) and the ASCII space (trimmed by columns)."""
    removed = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    known = {b.decode() for b in voter_columns._ASCII_SPACES} | set(voter_columns._UNICODE_SPACES)

    assert removed - {"\t", "\n", "\r", " "} == known


def _voter_table() -> list[tuple]:
    fields = [f.attname for f in Voter._meta.concrete_fields if f.attname not in ("id", "updated_at")]
    return list(Voter.objects.order_by("registrant_id").values_list(*fields))


@pytest.mark.django_db
def test_an_import_by_columns_stores_what_an_import_by_rows_stores(tmp_path, monkeypatch):
    path = tmp_path / "voters.tsv"
    write_synthetic_voter_file(path, count=3000, seed=11)
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[1500] = lines[1500].replace("\t", "\t\t", 1)  # one bad row: a field too many
    path.write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.setattr(voter_import, "CHUNK_BYTES", 40_000)  # pieces of about 270 rows ...
    monkeypatch.setattr(voter_import, "parse_workers", lambda file_bytes: 2)  # ... parsed in two processes

    by_columns = voters_import(path)
    stored = _voter_table()
    Voter.objects.all().delete()
    monkeypatch.setattr(voter_import, "ColumnReader", lambda *args: None)
    by_rows = voters_import(path)

    assert by_columns.bad_rows == by_rows.bad_rows == [(1501, "expected 27 fields, found 28")]
    assert by_columns.rows_read == by_rows.rows_read == 3000
    assert 2400 < by_columns.rows_by_columns < 3000  # all but the bad row's piece
    assert by_rows.rows_by_columns == 0
    assert by_columns.direct_load and by_rows.direct_load
    assert len(stored) == 2999 and _voter_table() == stored
