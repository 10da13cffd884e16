"""The Secretary of State's voter file: its columns and how one row is read.

The statewide file is tab-delimited text with a header row, one registered
voter a row (docs/domain.md, "The voter file"). Columns are found by their
header name, in any order, and those this software does not use are ignored.
A header without a required column refuses the whole file (VoterFileRefused);
a row breaking a rule (Layout.parse_values) is reported and the rest imported.

No Django imports, so scripts and benchmarks can read a file without settings;
tests/test_import_voters.py checks the column lengths against petitions.models.Voter.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import gt, itemgetter
from pathlib import Path
from typing import Any, cast


class VoterFileRefused(Exception):
    """The file cannot be imported at all (nothing was changed)."""

    def __init__(self, message: str, *, missing: Sequence[str] = ()):
        super().__init__(message)
        self.missing = tuple(missing)


@dataclass(frozen=True)
class Column:
    header: str  # name in the Secretary of State's header row
    field: str  # petitions.models.Voter field
    required: bool
    max_length: int  # of the Voter field (0 for dates)
    kind: str = "text"  # "text" or "date"


# Required: what identifying a voter needs (who, which county, where), and Status,
# which a file without it would silently lose.
COLUMNS: tuple[Column, ...] = (
    Column("CountyCode", "county_id", True, 2),
    Column("RegistrantID", "registrant_id", True, 20),
    Column("LastName", "last_name", True, 100),
    Column("FirstName", "first_name", True, 100),
    Column("MiddleName", "middle_name", False, 100),
    Column("Suffix", "suffix", False, 20),
    Column("AddressNumber", "address_number", True, 20),
    Column("HouseFractionNumber", "house_fraction", False, 10),
    Column("AddressNumberSuffix", "address_number_suffix", False, 10),
    Column("StreetDirPrefix", "street_dir_prefix", False, 10),
    Column("StreetName", "street_name", True, 100),
    Column("StreetType", "street_type", False, 20),
    Column("StreetDirSuffix", "street_dir_suffix", False, 10),
    Column("UnitType", "unit_type", False, 20),
    Column("UnitNumber", "unit_number", False, 20),
    Column("City", "city", True, 100),
    Column("State", "state", False, 2),
    Column("Zip", "zip", True, 10),
    Column("DOB", "dob", False, 0, "date"),
    Column("Status", "voter_status", True, 20),
    Column("RegistrationDate", "registration_date", False, 0, "date"),
)
COLUMN_NAMES = tuple(c.header for c in COLUMNS)
REQUIRED_COLUMNS = tuple(c.header for c in COLUMNS if c.required)
OPTIONAL_COLUMNS = tuple(c.header for c in COLUMNS if not c.required)
FIELDS = tuple(c.field for c in COLUMNS)
DATE_FIELDS = tuple(c.field for c in COLUMNS if c.kind == "date")
TEXT_FIELDS = tuple(c.field for c in COLUMNS if c.kind == "text")

_NO_LIMIT = 1 << 30
_REGISTRANT = FIELDS.index("registrant_id")
_COUNTY = FIELDS.index("county_id")
_LAST = FIELDS.index("last_name")
_DATES = tuple((FIELDS.index(c.field), c.header) for c in COLUMNS if c.kind == "date")

COUNTIES_CSV = Path(__file__).resolve().parent / "data" / "ca_counties.csv"


def county_names() -> dict[str, str]:
    """{'01': 'Alameda', ..., '58': 'Yuba'} from petitions/data/ca_counties.csv."""
    with COUNTIES_CSV.open(newline="", encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


# --- Dates -------------------------------------------------------------------


@lru_cache(maxsize=100_000)
def parse_date(text: str) -> date:
    """'1980-07-04', '07/04/1980' or '7/4/1980' (a trailing time is ignored) -> date.

    Raises ValueError for anything else. Cached: a voter file holds a few tens
    of thousands of distinct birth dates for millions of rows."""
    value = text.split(" ", 1)[0].split("T", 1)[0]
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        year, month, day = value[:4], value[5:7], value[8:]
    elif "/" in value:
        parts = value.split("/")
        if len(parts) != 3 or len(parts[2]) != 4:
            raise ValueError(text)
        month, day, year = parts
    else:
        raise ValueError(text)
    if not (year.isdigit() and month.isdigit() and day.isdigit()):
        raise ValueError(text)
    return date(int(year), int(month), int(day))


@lru_cache(maxsize=100_000)
def iso_date(text: str) -> str:
    """parse_date(text) as 'YYYY-MM-DD' (cached alike)."""
    return parse_date(text).isoformat()


# --- The layout of one file ----------------------------------------------------


class Layout:
    """Where each used column sits in one file, read from its header row.

    The file has no quoting, but when the header's names are wrapped in double
    quotes every value's surrounding quotes are removed as well."""

    def __init__(self, header: Sequence[str]):
        names = [name.strip() for name in header]
        self.quoted = bool(names) and all(len(n) >= 2 and n[0] == '"' and n[-1] == '"' for n in names if n)
        if self.quoted:
            names = [n[1:-1].strip() if len(n) >= 2 and n[0] == n[-1] == '"' else n for n in names]
        self.width = len(names)
        by_lower: dict[str, list[int]] = {}
        for index, name in enumerate(names):
            by_lower.setdefault(name.lower(), []).append(index)
        missing = [c.header for c in COLUMNS if c.required and c.header.lower() not in by_lower]
        if missing:
            raise VoterFileRefused(
                f"the header lacks the required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"(required: {', '.join(REQUIRED_COLUMNS)})",
                missing=missing,
            )
        repeated = [c.header for c in COLUMNS if len(by_lower.get(c.header.lower(), ())) > 1]
        if repeated:
            raise VoterFileRefused(f"the header names {', '.join(repeated)} more than once")
        self.index = {c.field: by_lower[c.header.lower()][0] for c in COLUMNS if c.header.lower() in by_lower}
        self.absent = tuple(c.header for c in COLUMNS if c.field not in self.index)
        self.ignored = tuple(n for n in names if n.lower() not in {h.lower() for h in COLUMN_NAMES})
        # parse_values() picks every used column in FIELDS order with one
        # itemgetter (an absent column reads the empty field appended at `width`)
        # and checks lengths with C-level map(): a row costs a few microseconds.
        self._pick = itemgetter(*(self.index.get(c.field, self.width) for c in COLUMNS))
        self._pad = bool(self.absent)
        self._limits = tuple(
            c.max_length if c.kind == "text" and c.field != "county_id" else _NO_LIMIT for c in COLUMNS
        )
        self._registrant = self.index["registrant_id"]

    @classmethod
    def from_header_line(cls, line: str) -> Layout:
        return cls(line.lstrip("\ufeff").rstrip("\r\n").split("\t"))

    def split(self, line: str) -> list[str]:
        """A data line (without its newline) into fields."""
        return line.split("\t")

    def registrant_id(self, fields: Sequence[str]) -> str:
        """The RegistrantID as written, or '' (for bad rows: who the row was about)."""
        if len(fields) <= self._registrant:
            return ""
        value = fields[self._registrant].strip()
        if self.quoted and len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].strip()
        return value

    def parse_values(
        self, fields: list[str], county_codes: set[str] | frozenset[str]
    ) -> tuple[list[str | None] | None, str | None]:
        """One data row -> (values in FIELDS order, None) or (None, reason).

        A row is bad when it has another number of fields than the header (extra
        empty trailing fields are tolerated), an empty RegistrantID or LastName,
        a CountyCode that is not one of `county_codes` ("1" is read as "01"), a
        DOB or RegistrationDate that is not a real date (YYYY-MM-DD or MM/DD/YYYY,
        a trailing time ignored), or a value longer than its database column.
        FirstName and AddressNumber may be empty (one name; a described place).
        Text values are stripped strings ('' when the column is absent); dates
        are ISO strings 'YYYY-MM-DD' or None; the county code has two digits."""
        width = self.width
        if len(fields) != width:
            if len(fields) < width or any(f.strip() for f in fields[width:]):
                return None, f"expected {width} fields, found {len(fields)}"
            fields = fields[:width]
        if self._pad:
            fields = [*fields, ""]
        values = list(map(str.strip, self._pick(fields)))
        if self.quoted:
            values = [v[1:-1].strip() if len(v) >= 2 and v[0] == v[-1] == '"' else v for v in values]
        if any(map(gt, map(len, values), self._limits)):
            for column, value in zip(COLUMNS, values):
                if len(value) > column.max_length and column.field != "county_id" and column.kind == "text":
                    return None, f"{column.header} longer than {column.max_length} characters"
        if not values[_REGISTRANT]:
            return None, "empty RegistrantID"
        county = values[_COUNTY]
        if len(county) == 1:
            county = values[_COUNTY] = "0" + county
        if county not in county_codes:
            return None, f"unknown county code {values[_COUNTY]!r}" if county else "empty CountyCode"
        if not values[_LAST]:
            return None, "empty LastName"
        parsed = cast("list[str | None]", values)  # the same list: dates become ISO strings or None
        for position, header in _DATES:
            value = values[position]
            if value:
                try:
                    parsed[position] = iso_date(value)
                except ValueError:
                    return None, f"bad {header} {value!r} (expected YYYY-MM-DD or MM/DD/YYYY)"
            else:
                parsed[position] = None
        return parsed, None

    def parse(
        self, fields: list[str], county_codes: set[str] | frozenset[str]
    ) -> tuple[dict[str, Any] | None, str | None]:
        """One data row -> (clean dict of Voter fields, None) or (None, reason).

        Dates are datetime.date (or None); see parse_values for the rest."""
        values, reason = self.parse_values(fields, county_codes)
        if values is None:
            return None, reason
        row: dict[str, Any] = dict(zip(FIELDS, values))
        for name in DATE_FIELDS:
            if row[name] is not None:
                row[name] = date.fromisoformat(row[name])
        return row, None
