"""Candidate search: the voters a signature could be, in ONE indexed query.

Each block below is an index range (petitions.models.Voter.Meta.indexes) cut
off at a LIMIT, so a signature reads a few dozen rows at most whatever the
size of the voter file; the blocks are combined with UNION into one round
trip. Blocks that need a value the signature lacks (a ZIP) are left out.

  address       county + house number + standardised street  (voter_address_key)
  house_name    county + house number + phonetic surname     (voter_house_phonetic_key)
  zip_house     ZIP + house number: a misspelled street and surname (voter_zip_house_key)
  zip_name      phonetic surname + ZIP: moved, or registered across a county line (voter_phonetic_zip_key)
  county_name   county + surname + given-name initials: moved within the county (voter_surname_initial_key)
  statewide     surname + given name (or a nickname) + house number, any county (voter_statewide_key)

Voters no longer registered are never candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection

LIMITS = {"address": 30, "house_name": 20, "zip_house": 30, "zip_name": 20, "county_name": 20, "statewide": 10}

COLUMNS = (
    "id", "county_id", "last_name", "first_name", "middle_name", "suffix", "address_number", "house_fraction",
    "address_number_suffix", "street_dir_prefix", "street_name", "street_type", "street_dir_suffix", "zip", "dob",
    "key_last", "key_first", "key_house", "key_street",
)


@dataclass(frozen=True, slots=True)
class VoterRow:
    """The columns of a voter that matching reads (cheaper than a model instance)."""

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
    zip: str
    surnames: tuple[str, ...]  # surname keys to look up exactly
    phonetics: tuple[str, ...]  # surname codes (the written surname, a compound's first part, a swapped name)
    given_names: tuple[str, ...]  # given-name keys: the written one and its nickname relatives
    initials: tuple[str, ...]


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def candidate_voters(keys: SearchKeys) -> list[VoterRow]:
    """The registered voters any block finds, each once."""
    blocks: list[tuple[str, str, list]] = []
    if keys.houses and keys.street:
        blocks.append(("address", f"county_id = %s AND key_house IN {_in(keys.houses)} AND key_street = %s",
                       [keys.county, *keys.houses, keys.street]))
    if keys.houses and keys.phonetics:
        blocks.append(("house_name",
                       f"county_id = %s AND key_house IN {_in(keys.houses)} AND key_last_phonetic IN {_in(keys.phonetics)}",
                       [keys.county, *keys.houses, *keys.phonetics]))
    if keys.houses and keys.zip:
        blocks.append(("zip_house", f"key_zip = %s AND key_house IN {_in(keys.houses)}", [keys.zip, *keys.houses]))
    if keys.zip and keys.phonetics:
        blocks.append(("zip_name", f"key_last_phonetic IN {_in(keys.phonetics)} AND key_zip = %s",
                       [*keys.phonetics, keys.zip]))
    if keys.surnames and keys.initials:
        blocks.append(("county_name",
                       f"county_id = %s AND key_last IN {_in(keys.surnames)} AND key_first_initial IN {_in(keys.initials)}",
                       [keys.county, *keys.surnames, *keys.initials]))
    if keys.surnames and keys.given_names and keys.houses:
        blocks.append(("statewide",
                       f"key_last IN {_in(keys.surnames)} AND key_first IN {_in(keys.given_names)} "
                       f"AND key_house IN {_in(keys.houses)}",
                       [*keys.surnames, *keys.given_names, *keys.houses]))
    if not blocks:
        return []
    columns = ", ".join(COLUMNS)
    parts, params = [], []
    for number, (name, where, values) in enumerate(blocks):
        parts.append(f"SELECT * FROM (SELECT {columns} FROM petitions_voter WHERE registered AND {where} "
                     f"LIMIT {LIMITS[name]}) b{number}")
        params.extend(values)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ".join(parts), params)
        rows = cursor.fetchall()
    if connection.vendor != "postgresql":
        rows = [_sqlite_row(row) for row in rows]
    return [VoterRow(*row) for row in rows]


def _sqlite_row(row: tuple) -> tuple:
    """SQLite returns dates as text."""
    dob = row[14]
    if isinstance(dob, str):
        row = (*row[:14], date.fromisoformat(dob), *row[15:])
    return row
