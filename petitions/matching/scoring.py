"""How well one voter fits one signature: a name score and the address relation.

Scores are in 0-1. The name score is the best of the ways a printed name can
be read (as written; a middle word as the first part of a compound surname;
given name and surname swapped, as in "Nguyen Linh"), less what tells two
people of one name apart (a different suffix, middle initial or birth date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache

from rapidfuzz.distance import DamerauLevenshtein

from petitions.matching.addresses import DIRECTIONALS, SUFFIX_LONG, ParsedAddress, Street, street_parts
from petitions.matching.names import (
    given_name_fit,
    given_name_rule,
    jaro_winkler,
    looks_like_a_typo,
    name_key,
    suffix_key,
    surname_parts,
    surname_similarity,
)
from petitions.matching.voters import VoterRow
from petitions.speedups import PairTable

SURNAME_WEIGHT = 0.55
GIVEN_WEIGHT = 0.45
# Thresholds on Fit.score (0-1) that the county's rules apply (petitions.validation.engine).
PLAUSIBLE = 0.75  # worth a person's look
VALID_BAR = 0.88  # the one plausible voter at the address is accepted without a look
STRONG = 0.95  # exact or nickname given name, exact surname: preferred over weaker look-alikes
MARGIN = 0.03  # how far the best must lead the second for a preference
SAME_PERSON = 0.92  # name match strong enough to call a voter at another address "the same person"

SWAPPED_PENALTY = 0.04  # given name and surname written the other way round
GIVEN_DIFFERENT = 0.75  # below: another given name, not a typo, nickname or initial of it
UNSURE = 0.86  # the most such a name scores: under the bar, so it goes to review
ANOTHER_PERSON = 0.6  # the most a name with another given name scores: a relative at the address, not the voter
ONE_NAME_FACTOR = 0.8  # only a surname written (or registered): never enough by itself
MIDDLE_CONFLICT = 0.2  # "Robert J Smith" is not "Robert M Smith"
SUFFIX_CONFLICT = 0.3  # Jr is not Sr
SUFFIX_WRITTEN_NOT_REGISTERED = 0.06
SUFFIX_REGISTERED_NOT_WRITTEN = 0.04
STREET_AGREES = 0.85  # a street this similar is the voter's street, abbreviated or misspelled


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

    @cached_property  # (a frozen dataclass: cached_property writes the instance's __dict__ itself)
    def screened_givens(self) -> tuple[str, ...] | None:
        """The readings' given names, each once, for another_given_name; None
        when a reading has none (a one-name line: nobody is set aside by it)."""
        givens = tuple(dict.fromkeys(reading.given for reading in self.readings))
        return None if "" in givens else givens


@dataclass(frozen=True)
class Fit:
    voter: VoterRow
    name: float  # 0-1, the person
    street: float  # 0-1, the street as written against the registered one
    house: bool  # the house number agrees (a missing unit or letter does not matter)
    same_county: bool
    zip_agrees: bool
    dob_conflict: bool
    exact_name: bool = False  # given name and surname exactly as registered (after folding)
    exact_given: bool = False  # the given name exactly as registered

    @property
    def street_agrees(self) -> bool:
        return self.street >= STREET_AGREES

    @property
    def at_address(self) -> bool:
        return self.house and (self.street_agrees or (self.zip_agrees and self.street >= 0.7))

    @property
    def score(self) -> float:
        """Confidence that the signer is this voter at the registered address."""
        if self.dob_conflict:
            return 0.0
        return max(0.0, self.name - 0.3 * (1.0 - self.street))


@lru_cache(maxsize=1 << 16)
def voter_street(prefix: str, name: str, kind: str, suffix: str) -> Street:
    return street_parts(prefix, name, kind, suffix)


def _street_readings(street: Street) -> list[tuple[str, str, bool]]:
    """(letters of the street's name, predirectional, read as parsed): a street whose
    name is also a street type ("N River", "W Hill") written without its own type
    is parsed as direction + type; it is read as that name as well."""
    readings = [(street.name.replace(" ", ""), street.predirectional, True)]
    if street.type:
        readings.append((street.compact, street.predirectional, False))
        if street.name in DIRECTIONALS and not street.predirectional:
            readings.append((SUFFIX_LONG.get(street.type, street.type), DIRECTIONALS[street.name], False))
    return readings


GRID_STREETS_DIFFER = 0.5  # the most a lettered or numbered street scores against another one


def _grid_streets_differ(written: Street, registered: Street) -> bool:
    """Streets of a city grid, lettered ('J St', 'K St') or numbered ('5th',
    '15th'), look alike to string similarity (0.9 and 0.97) but are different
    streets: two one-letter names, or two names with numbers, must be the same
    (a slip in an ordinal's letters, '7th' and '7yh', is not a new number)."""
    name_w, name_r = written.name.replace(" ", ""), registered.name.replace(" ", "")
    if name_w == name_r or written.compact == registered.compact:
        return False
    if len(name_w) == 1 and len(name_r) == 1:
        return True
    digits_w, digits_r = "".join(filter(str.isdigit, name_w)), "".join(filter(str.isdigit, name_r))
    return bool(digits_w and digits_r) and digits_w != digits_r


def street_similarity(written: Street, registered: Street) -> float:
    if written.key == registered.key:
        return 1.0
    if not written.name or not registered.name:
        return 0.0
    if _grid_streets_differ(written, registered):
        return min(GRID_STREETS_DIFFER, _similarity(written, registered))
    return _similarity(written, registered)


def _similarity(written: Street, registered: Street) -> float:
    best = 0.0
    for name_w, pre_w, parsed_w in _street_readings(written):
        for name_r, pre_r, parsed_r in _street_readings(registered):
            score = jaro_winkler(name_w, name_r)
            if parsed_w and parsed_r and written.type and registered.type and written.type != registered.type:
                score -= 0.08  # Main Ave is not quite Main St
            if pre_w and pre_r and pre_w != pre_r:
                score -= 0.3  # N Main St and S Main St are different streets
            best = max(best, score)
    if written.postdirectional and registered.postdirectional and written.postdirectional != registered.postdirectional:
        best -= 0.3
    return max(best, 0.0)


def same_street(written: Street, voter: VoterRow) -> bool:
    """Stricter than street_similarity >= STREET_AGREES, for naming a voter
    on evidence that leans on the street: the street's own name must agree,
    not only with its type run on ('J St' is not 'K St', though 'JSTREET' and
    'KSTREET' look alike), and a short or numbered name exactly ('5th' is not
    '15th', 'Elm' is not 'Ely')."""
    registered = voter_street(voter.street_dir_prefix, voter.street_name, voter.street_type, voter.street_dir_suffix)
    if written.key == registered.key:
        return bool(written.name)
    name_w, name_r = written.name.replace(" ", ""), registered.name.replace(" ", "")
    if not (name_w and name_r) or (
        written.predirectional and registered.predirectional and written.predirectional != registered.predirectional
    ):
        return False
    if name_w == name_r or written.compact == registered.compact:
        return True
    if min(len(name_w), len(name_r)) <= 4 or any(c.isdigit() for c in name_w + name_r):
        return False
    return max(jaro_winkler(name_w, name_r), jaro_winkler(written.compact, registered.compact)) >= STREET_AGREES


def dob_conflict(written: WrittenSignature, voter: VoterRow) -> bool:
    """A birth date written (online) that is not the voter's: another person."""
    return bool(written.dob and voter.dob and written.dob != voter.dob)


def house_agrees(address: ParsedAddress, voter: VoterRow) -> bool:
    if not address.house_number:
        return False
    registered = voter.key_house
    digits = registered.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if address.house_number not in (registered, digits):
        return False
    # 123 1/2 is another dwelling than 123 when both are written; a fraction left out is like a unit left out.
    return not (address.fraction and voter.house_fraction and address.fraction != voter.house_fraction.replace(" ", ""))


@lru_cache(maxsize=1 << 17)
def _given_fit(given: str, registered: str, registered_middle: str) -> tuple[float, bool]:
    """given_name_fit of a written given name (key) against a voter's given
    name (key), or their middle name (folded) when that fits better."""
    fit, spelling_only = given_name_fit(given, registered)
    if fit < 0.95 and registered_middle and len(given) > 1:
        # Known by the middle name: "J Robert Smith" signs "Robert Smith".
        by_middle, middle_spelling_only = given_name_fit(given, name_key(registered_middle))
        if 0.9 * by_middle > fit:
            fit, spelling_only = 0.9 * by_middle, middle_spelling_only
    return fit, spelling_only


def exact_given(written: WrittenSignature, voter: VoterRow) -> bool:
    return any(
        reading.given and not reading.penalty and reading.given == voter.key_first for reading in written.readings
    )


def exact_name(written: WrittenSignature, voter: VoterRow) -> bool:
    return any(
        reading.given
        and not reading.penalty
        and reading.given == voter.key_first
        and name_key(reading.surname) == voter.key_last
        for reading in written.readings
    )


def middle_agrees(written: WrittenSignature, voter: VoterRow) -> bool:
    """A middle name or initial written, and it is the voter's."""
    registered = name_key(voter.middle_name) if voter.middle_name else ""
    return bool(registered) and any(
        reading.middle
        and not reading.penalty
        and reading.middle[0] == registered[0]
        and (len(reading.middle) == 1 or len(registered) == 1 or jaro_winkler(reading.middle, registered) >= 0.8)
        for reading in written.readings
    )


def name_fit(written: WrittenSignature, voter: VoterRow) -> float:
    best = 0.0
    registered_middle = name_key(voter.middle_name) if voter.middle_name else ""
    for reading in written.readings:
        surname = surname_similarity(reading.surname, voter.last_name)
        if reading.given and voter.key_first:
            given, spelling_only = _given_fit(reading.given, voter.key_first, voter.middle_name)
            score = SURNAME_WEIGHT * surname + GIVEN_WEIGHT * given
            if given < GIVEN_DIFFERENT:
                score = min(score, ANOTHER_PERSON)
            elif spelling_only and not looks_like_a_typo(reading.given, voter.key_first):
                # Close to the registered name but not it, its nickname or initial: a typo ('Mraia')
                # is accepted; another name ('Marta' for Maria, 'Sandra' for Sarah) goes to a person.
                score = min(score, UNSURE)
        else:
            score = ONE_NAME_FACTOR * surname
        if reading.middle and registered_middle:
            if reading.middle[0] != registered_middle[0]:
                score -= MIDDLE_CONFLICT
            elif (
                len(reading.middle) > 1
                and len(registered_middle) > 1
                and jaro_winkler(reading.middle, registered_middle) < 0.8
            ):
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


def another_given_name(written: WrittenSignature, voter: VoterRow) -> bool:
    """Every reading of the written name has a given name that is not the
    voter's (nor a nickname, initial, shortening, typo or middle name of it):
    name_fit is then at most ANOTHER_PERSON. Cheap, so most of a block's
    neighbours are set aside before their names are scored: each (written
    name, registered name) pair is judged once per process and kept in a
    PairTable (petitions.speedups)."""
    registered = voter.key_first
    givens = written.screened_givens
    if not registered or givens is None:
        return False
    known = _GIVEN_PAIRS
    for given in givens:
        could = known.get((given, registered))
        if could is None:
            could = known.remember((given, registered), given_name_could_be(given, registered, 1.0))
        if could:
            return False
    middle = voter.middle_name
    if not middle:
        return True
    known = _MIDDLE_PAIRS
    for given in givens:
        if len(given) > 1:
            could = known.get((given, middle))
            if could is None:
                could = known.remember((given, middle), given_name_could_be(given, name_key(middle), MIDDLE_FACTOR))
            if could:
                return False
    return True


MIDDLE_FACTOR = 0.9  # known by the middle name: given_name_fit against it counts 0.9 (_given_fit)

# (written given name key, registered given name key) and (written given name key, registered middle
# name as registered): whether the one could be the other.
_GIVEN_PAIRS = PairTable(1 << 17)
_MIDDLE_PAIRS = PairTable(1 << 17)


def given_name_could_be(given: str, registered: str, factor: float) -> bool:
    """The written given name could be the registered one (a nickname, initial, shortening or typo of
    it, not another name): factor * given_name_fit(given, registered) reaches GIVEN_DIFFERENT
    (factor MIDDLE_FACTOR against a registered middle name)."""
    return factor * given_name_rule(given, registered)[0] >= GIVEN_DIFFERENT


def fit(written: WrittenSignature, voter: VoterRow, *, least_name: float = 0.0) -> Fit | None:
    """How `voter` fits the signature; None when the name scores under
    `least_name` (the address is then not worth comparing: most candidates of
    a block are neighbours of another name)."""
    if least_name > ANOTHER_PERSON and another_given_name(written, voter):
        return None
    name = name_fit(written, voter)
    if name < least_name:
        return None
    registered_street = voter_street(
        voter.street_dir_prefix, voter.street_name, voter.street_type, voter.street_dir_suffix
    )
    return Fit(
        voter=voter,
        name=name,
        street=street_similarity(written.address.street, registered_street),
        house=house_agrees(written.address, voter),
        same_county=voter.county_id == written.county,
        zip_agrees=bool(written.zip) and voter.zip[:5] == written.zip,
        dob_conflict=dob_conflict(written, voter),
        exact_name=exact_name(written, voter),
        exact_given=exact_given(written, voter),
    )


def name_agrees_but_for_slips(written: WrittenSignature, voter: VoterRow) -> bool:
    """The written given name and surname are the voter's, or a nickname,
    initial or shortening of them, or keying slips of them (not another name
    that looks alike: 'Marta' for Maria, 'Garza' for Garcia; see
    surname_slip), and no middle initial or suffix written tells another
    person ('Robert J Smith' is not Robert M Smith)."""
    if written.suffix and voter.suffix and written.suffix != suffix_key(voter.suffix):
        return False
    registered_middle = name_key(voter.middle_name) if voter.middle_name else ""
    for reading in written.readings:
        if not (reading.given and voter.key_first):
            continue
        if reading.middle and registered_middle and reading.middle[0] != registered_middle[0]:
            continue
        given, spelling_only = _given_fit(reading.given, voter.key_first, voter.middle_name)
        if given < GIVEN_DIFFERENT or (spelling_only and not looks_like_a_typo(reading.given, voter.key_first)):
            continue
        if surname_slip(reading.surname, voter.last_name):
            return True
    return False


def surname_slip(written: str, registered: str) -> bool:
    """The written surname is the registered one, one of its parts ('Garcia'
    for GARCIA LOPEZ, 'Cruz' for DE LA CRUZ), or keying slips of it (one, two
    in a name of six letters or more: 'Masojn', 'Thropr'), not another
    surname that looks alike ('Garza' is not Garcia, though Jaro-Winkler
    puts them 0.88 apart)."""
    a, b = name_key(written), name_key(registered)
    if not (a and b):
        return False
    if a == b:
        return True
    parts_a, parts_b = surname_parts(written), surname_parts(registered)
    if set(parts_a) <= set(parts_b) or set(parts_b) <= set(parts_a):
        return True
    pairs = [(a, b)] + [(x, y) for x in parts_a for y in parts_b if len(parts_a) > 1 or len(parts_b) > 1]
    return any(DamerauLevenshtein.distance(x, y) <= (2 if min(len(x), len(y)) >= 6 else 1) for x, y in pairs)


def zip_near(written: WrittenSignature, voter: VoterRow) -> bool:
    """The ZIP written is one keying slip from the voter's: a digit wrong, or two swapped."""
    registered = voter.zip[:5]
    return bool(written.zip) and len(registered) == 5 and DamerauLevenshtein.distance(written.zip, registered) == 1


def one_name_agrees(word: str, voter: VoterRow) -> bool:
    """The one name word written (the given name or the surname left out) is
    the voter's surname or a slip of it (surname_slip), or their given name,
    a nickname or shortening of it, or a keying slip of it."""
    key = name_key(word)
    if len(key) < 2:
        return False
    if surname_slip(word, voter.last_name):
        return True
    if not voter.key_first:
        return False
    given, spelling_only = _given_fit(key, voter.key_first, voter.middle_name)
    return given >= 0.9 and (not spelling_only or looks_like_a_typo(key, voter.key_first))
