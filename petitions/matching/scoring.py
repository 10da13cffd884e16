"""How well one voter fits one signature: a name score and the address relation.

Scores are in 0-1. The name score is the best of the ways a printed name can
be read (as written; a middle word as the first part of a compound surname;
given name and surname swapped, as in "Nguyen Linh"), less what tells two
people of one name apart (a different suffix, middle initial or birth date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from petitions.matching.addresses import ParsedAddress, Street, street_parts
from petitions.matching.candidates import VoterRow
from petitions.matching.names import (
    given_name_similarity,
    jaro_winkler,
    name_key,
    suffix_key,
    surname_similarity,
)

SURNAME_WEIGHT = 0.55
GIVEN_WEIGHT = 0.45
SWAPPED_PENALTY = 0.04  # given name and surname written the other way round
ONE_NAME_FACTOR = 0.8  # only a surname written (or registered): never enough by itself
MIDDLE_CONFLICT = 0.2  # "Robert J Smith" is not "Robert M Smith"
SUFFIX_CONFLICT = 0.3  # Jr is not Sr
SUFFIX_WRITTEN_NOT_REGISTERED = 0.06
SUFFIX_REGISTERED_NOT_WRITTEN = 0.04


@dataclass(frozen=True)
class NameReading:
    """One way to read a written name; `penalty` is what the reading costs."""

    given: str  # key
    middle: str  # key
    surname: str  # folded text (compound surnames keep their words)
    penalty: float = 0.0


@dataclass(frozen=True)
class WrittenSignature:
    """A signature's fields, normalised once before its candidates are scored."""

    readings: tuple[NameReading, ...]
    suffix: str
    address: ParsedAddress
    county: str
    zip: str
    dob: date | None


@dataclass(frozen=True)
class Fit:
    voter: VoterRow
    name: float  # 0-1, the person
    street: float  # 0-1, the street as written against the registered one
    house: bool  # the house number agrees (a missing unit or letter does not matter)
    same_county: bool
    zip_agrees: bool
    dob_conflict: bool

    @property
    def at_address(self) -> bool:
        return self.house and (self.street >= 0.85 or (self.zip_agrees and self.street >= 0.7))

    @property
    def score(self) -> float:
        """Confidence that the signer is this voter at the registered address."""
        if self.dob_conflict:
            return 0.0
        return max(0.0, self.name - 0.3 * (1.0 - self.street))


@lru_cache(maxsize=1 << 16)
def _voter_street(prefix: str, name: str, kind: str, suffix: str) -> Street:
    return street_parts(prefix, name, kind, suffix)


def street_similarity(written: Street, registered: Street) -> float:
    if written.key == registered.key:
        return 1.0
    if not written.name or not registered.name:
        return 0.0
    score = max(
        jaro_winkler(written.name.replace(" ", ""), registered.name.replace(" ", "")),
        jaro_winkler(written.compact, registered.compact),
    )
    if written.type and registered.type and written.type != registered.type and written.compact != registered.compact:
        score -= 0.08  # Main Ave is not quite Main St
    if written.predirectional and registered.predirectional and written.predirectional != registered.predirectional:
        score -= 0.3  # N Main St and S Main St are different streets
    if written.postdirectional and registered.postdirectional and written.postdirectional != registered.postdirectional:
        score -= 0.3
    return max(score, 0.0)


def _house_agrees(address: ParsedAddress, voter: VoterRow) -> bool:
    if not address.house_number:
        return False
    registered = voter.key_house
    digits = registered.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if address.house_number not in (registered, digits):
        return False
    # 123 1/2 is another dwelling than 123 when both are written; a fraction left out is like a unit left out.
    return not (address.fraction and voter.house_fraction and address.fraction != voter.house_fraction.replace(" ", ""))


def _given_fit(reading: NameReading, voter: VoterRow) -> float:
    fit = given_name_similarity(reading.given, voter.key_first)
    if fit < 0.95 and voter.middle_name and len(reading.given) > 1:
        # Known by the middle name: "J Robert Smith" signs "Robert Smith".
        fit = max(fit, 0.9 * given_name_similarity(reading.given, name_key(voter.middle_name)))
    return fit


def name_fit(written: WrittenSignature, voter: VoterRow) -> float:
    best = 0.0
    for reading in written.readings:
        surname = surname_similarity(reading.surname, voter.last_name)
        if reading.given and voter.key_first:
            score = SURNAME_WEIGHT * surname + GIVEN_WEIGHT * _given_fit(reading, voter)
        else:
            score = ONE_NAME_FACTOR * surname
        if reading.middle and voter.middle_name:
            registered_middle = name_key(voter.middle_name)
            if reading.middle[0] != registered_middle[0]:
                score -= MIDDLE_CONFLICT
            elif len(reading.middle) > 1 and len(registered_middle) > 1 and jaro_winkler(reading.middle, registered_middle) < 0.8:
                score -= MIDDLE_CONFLICT / 2
        best = max(best, score - reading.penalty)
    written_suffix, registered_suffix = written.suffix, suffix_key(voter.suffix)
    if written_suffix and registered_suffix and written_suffix != registered_suffix:
        best -= SUFFIX_CONFLICT
    elif written_suffix and not registered_suffix:
        best -= SUFFIX_WRITTEN_NOT_REGISTERED
    elif registered_suffix and not written_suffix:
        best -= SUFFIX_REGISTERED_NOT_WRITTEN
    return max(best, 0.0)


def fit(written: WrittenSignature, voter: VoterRow) -> Fit:
    registered_street = _voter_street(voter.street_dir_prefix, voter.street_name, voter.street_type, voter.street_dir_suffix)
    return Fit(
        voter=voter,
        name=name_fit(written, voter),
        street=street_similarity(written.address.street, registered_street),
        house=_house_agrees(written.address, voter),
        same_county=voter.county_id == written.county,
        zip_agrees=bool(written.zip) and voter.zip[:5] == written.zip,
        dob_conflict=bool(written.dob and voter.dob and written.dob != voter.dob),
    )
