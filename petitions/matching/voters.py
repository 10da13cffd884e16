"""The voter columns that matching reads (the candidate query selects them)."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple


class VoterRow(NamedTuple):
    """A voter as matching reads it (a tuple: far cheaper to make from a database row than a model
    instance). Each field is a petitions.models.Voter field of that name."""

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
    key_last_phonetic: str
    key_first_initial: str
    key_zip: str


COLUMNS = VoterRow._fields  # what the candidate query selects, in this order
