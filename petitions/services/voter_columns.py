"""A plain piece of the voter file read column by column (pyarrow), for the import's COPY.

Python's per-row parser (voter_import._ChunkParser) makes a string object of every field of
every row; that alone costs more than PostgreSQL spends storing the row. Here pyarrow splits
and checks the piece in C++, and Python composes (NFC) and computes keys and dates only for
each distinct value of a piece. The result is the very COPY text the per-row parser writes
(tests/test_voter_columns.py compares them byte for byte).

Only a plain piece is read here: every line well formed and every value valid, in UTF-8, with
no character the per-row parser treats specially beyond NFC, stripping spaces and Windows line
ends (no backslash, other carriage return, NUL, blank line, or white space other than tabs,
newlines and ASCII spaces).
For any other piece `copy_text` returns None and the per-row parser reads it, so that each bad
row is reported with its line and reason exactly as before.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from petitions.voterfile import COLUMNS, FIELDS, Layout, iso_date

# White space that str.strip() removes, other than what the piece is split on and the ASCII
# space: a piece holding any of it is left to the per-row parser.
_ASCII_SPACES = (b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\x1f")
_UNICODE_SPACES = "\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
_UNICODE_SPACE_BYTES = tuple(c.encode() for c in _UNICODE_SPACES)
_PADDING = (b" \t", b"\t ", b" \n", b"\n ")  # a value with leading or trailing spaces
_STREET = ("street_dir_prefix", "street_name", "street_type", "street_dir_suffix")


def _composed(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def _iso_or_null(value: str) -> str:
    """A date as the COPY text holds it (raises ValueError for a bad one, as the row parser)."""
    return iso_date(value) if value else "\\N"


class ColumnReader:
    """copy_text(first_line, data, offset, tail) for one file's layout.

    keys: the per-row parser's memoised key functions (voter_import._Keys), so that both
    paths compute a key by one function and remember it for the whole import."""

    def __init__(self, layout: Layout, county_codes: frozenset[str], keys) -> None:
        self.usable = not layout.quoted and not layout.absent
        self.keys = keys
        self.counties = pa.array(sorted(county_codes), pa.string())
        self.names = [f"c{i}" for i in range(layout.width)]  # the header's own names may repeat
        self.columns = [(column, self.names[layout.index[column.field]]) for column in COLUMNS if self.usable]

    def plain(self, data: bytes) -> bool:
        """Whether a piece is UTF-8 and has none of what only the per-row parser handles."""
        if not data.endswith(b"\n") or data.startswith(b"\n") or b"\n\n" in data:
            return False
        if b"\\" in data or b"\x00" in data or any(c in data for c in _ASCII_SPACES):
            return False
        if data.isascii():
            return True
        try:  # the whole piece: pyarrow checks only the columns it keeps, the per-row parser each line
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return not any(space in data for space in _UNICODE_SPACE_BYTES)

    def copy_text(self, first_line: int, data: bytes, offset: int, tail: str) -> bytes | None:
        """The COPY text of a plain piece (each row `offset + line`, values, keys, `tail`),
        or None when the piece is not plain or one of its rows is bad."""
        if b"\r" in data:  # Windows line ends are read as the per-row parser reads them; any other CR is not
            if data.count(b"\r") != data.count(b"\r\n"):
                return None
            data = data.replace(b"\r\n", b"\n")
        if not self.usable or not self.plain(data):
            return None
        table = self._read(data)
        if table is None:
            return None
        padded = data.startswith(b" ") or any(p in data for p in _PADDING)
        values: dict[str, pa.Array] = {}
        for column, name in self.columns:
            array = table.column(name).combine_chunks()
            if not pc.all(pc.string_is_ascii(array)).as_py():
                # Composed by Python's own tables, as the row parser composes a line: pyarrow's
                # utf8_normalize follows a newer Unicode, which orders some marks Python does not know.
                (array,) = self._mapped(array, _composed)
            if padded:
                array = pc.utf8_trim(array, " ")
            limited = column.kind == "text" and column.field != "county_id"
            if limited and pc.max(pc.utf8_length(array)).as_py() > column.max_length:
                return None
            values[column.field] = array
        if not self._valid(values):
            return None
        try:
            for name in ("dob", "registration_date"):
                (values[name],) = self._mapped(values[name], _iso_or_null)
        except ValueError:
            return None
        keys = self.keys
        key_last, phonetic = self._mapped(values["last_name"], keys.surname, 2)
        key_first, initial = self._mapped(values["first_name"], keys.given, 2)
        street = pc.binary_join_element_wise(*(values[f] for f in _STREET), "\t")
        (key_house,) = self._mapped(values["address_number"], keys.house)
        (key_street,) = self._mapped(street, lambda joined: keys.street(*joined.split("\t")))
        (key_zip,) = self._mapped(values["zip"], keys.zip)
        lines = pa.array(range(first_line + offset, first_line + offset + table.num_rows), pa.int64())
        rows = pc.binary_join_element_wise(
            pc.cast(lines, pa.string()),
            *(values[f] for f in FIELDS),
            key_last,
            key_first,
            key_house,
            key_street,
            phonetic,
            initial,
            key_zip,
            "\t",
        )
        return _joined(pc.binary_join_element_wise(rows, tail + "\n", ""))

    def _read(self, data: bytes) -> pa.Table | None:
        """Every line split on tabs into text columns, or None if a line has another number of
        fields than the header or the piece is not UTF-8."""
        try:
            return pa_csv.read_csv(
                io.BytesIO(data),
                read_options=pa_csv.ReadOptions(column_names=self.names, use_threads=False, block_size=len(data) + 1),
                parse_options=pa_csv.ParseOptions(
                    delimiter="\t", quote_char=False, escape_char=False, ignore_empty_lines=False
                ),
                convert_options=pa_csv.ConvertOptions(
                    column_types=dict.fromkeys(self.names, pa.string()),
                    include_columns=[name for _, name in self.columns],
                    null_values=[],
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid:
            return None

    def _valid(self, values: dict[str, pa.Array]) -> bool:
        """No empty RegistrantID or LastName, and every county code one of the counties as written."""
        for name in ("registrant_id", "last_name"):
            if pc.any(pc.equal(values[name], "")).as_py():
                return False
        return bool(pc.all(pc.is_in(values["county_id"], value_set=self.counties)).as_py())

    @staticmethod
    def _mapped(array: pa.Array, function: Callable, parts: int = 1) -> Sequence[pa.Array]:
        """`function` of each value of `array`, computed once per distinct value; with parts > 1
        `function` returns a tuple and each of its parts becomes an array."""
        encoded = array.dictionary_encode()
        distinct = list(map(function, encoded.dictionary.to_pylist()))
        if parts == 1:
            return [pa.array(distinct, pa.string()).take(encoded.indices)]
        return [pa.array([d[part] for d in distinct], pa.string()).take(encoded.indices) for part in range(parts)]


def _joined(rows: pa.Array) -> bytes:
    """A string array's values one after another (its data buffer between its first and last offsets)."""
    _, offsets, text = rows.buffers()
    bounds = pa.Array.from_buffers(pa.int32(), len(rows) + 1, [None, offsets], offset=rows.offset)
    return memoryview(text)[bounds[0].as_py() : bounds[-1].as_py()].tobytes()
