"""Deciding a signature: find the voters it could be, then apply the county's rules.

Candidates come from the blocks (blocks.py, candidates.py), are scored in Python
(petitions.matching.scoring), and the county's rules decide:

- a required item missing (a name, a house number or street) -> invalid/incomplete;
- the house number must match; the street may be abbreviated or misspelled; a missing or wrong unit
  number does not matter;
- exactly one plausible voter at the written address in the signature's county, above the confidence
  bar -> valid; where several people of one name live at one address, suffix, middle name and birth
  date tell them apart, and a voter matching exactly is preferred to one matching through a typo;
- two or more plausible voters, or one below the bar -> review, with `match_candidates`;
- nobody plausible at the address, but the same person registered at that address in another county
  -> wrong_county; registered elsewhere in the signature's county -> address_mismatch;
- nobody -> not_registered (voters no longer registered are never candidates).

Which voter an invalid signature names is naming.py's question.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date

from petitions.matching.addresses import parse_address
from petitions.matching.keys import zip_key
from petitions.matching.names import (
    SURNAME_PARTICLES,
    NameParts,
    canonical_given_name,
    given_name_relatives,
    name_key,
    parse_printed_name,
    suffix_key,
    surname_parts,
    surname_phonetic,
)
from petitions.matching.scoring import (
    MARGIN,
    PLAUSIBLE,
    SAME_PERSON,
    STRONG,
    SWAPPED_PENALTY,
    VALID_BAR,
    Fit,
    NameReading,
    WrittenSignature,
    fit,
)
from petitions.matching.voters import VoterRow
from petitions.models import Signature, Voter
from petitions.speedups import model_from_row
from petitions.validation import by_address
from petitions.validation.blocks import SearchKeys, street_after
from petitions.validation.candidates import candidate_voters, candidate_voters_chunks
from petitions.validation.naming import identify, identify_by_address, identify_by_one_name

Status = Signature.Status
Reason = Signature.Reason

MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Decision:
    status: str
    reason: str = ""
    voter: Voter | None = None
    candidates: list[Voter] = field(default_factory=list)
    score: float | None = None
    scored: list[dict] = field(default_factory=list)  # [{"voter": id, "score": 0-1}], best first, for match_candidates
    person_key: str = ""
    by_matcher: bool = False  # the matcher's: its score, candidates and person key are recorded


def signature_name(signature: Signature) -> NameParts:
    if signature.first_name or signature.last_name:
        return NameParts(
            first=" ".join(name_key(w) for w in signature.first_name.split()),
            middle=" ".join(name_key(w) for w in signature.middle_name.split()),
            last=" ".join(name_key(w) for w in signature.last_name.replace("-", " ").split()),
            suffix=suffix_key(signature.suffix),
        )
    return parse_printed_name(signature.name_as_written)


def readings(name: NameParts) -> tuple[NameReading, ...]:
    """The ways a written name can be read. "Ana Maria G Hernandez Vasquez": the
    given name may be one word or two (Ana / Ana Maria), the surname one word or
    two (Vasquez / Hernandez Vasquez), what is left between is the middle name;
    and the surname may have been written first ("Nguyen Linh")."""
    readings = []
    middle_words = name.middle.split()
    givens = [(name.first, middle_words)]
    if middle_words and len(middle_words[0]) > 1:
        givens.append((f"{name.first} {middle_words[0]}", middle_words[1:]))
    for given, rest in givens:
        surnames = [(name.last, rest)]
        if rest and len(rest[-1]) > 1:
            surnames.append((f"{rest[-1]} {name.last}", rest[:-1]))
        last_words = name.last.split()
        if len(last_words) > 1 and last_words[0] in SURNAME_PARTICLES and not rest:
            # "Hieu Van Vu": Van may be a middle name rather than a particle of the surname.
            surnames.append((" ".join(last_words[1:]), [last_words[0]]))
        for surname, middle in surnames:
            readings.append(
                NameReading(given=name_key(given), middle=name_key(middle[0]) if middle else "", surname=surname)
            )
    if name.first and name.last:
        # Written surname first ("Nguyen Linh", "Nguyen Thi Linh") or the two fields swapped.
        readings.append(
            NameReading(
                given=name_key(name.last),
                middle="",
                surname=f"{name.first} {name.middle}".strip(),
                penalty=SWAPPED_PENALTY,
            )
        )
    return tuple(readings)


def person_key(*, county: str, house: str, street: str, name: NameParts) -> str:
    """One unregistered person's signatures share this key: surname, given name
    (nickname mapped: Bob -> ROBERT), house number, the street's name (without
    direction or type, which signers leave out: '9710 Sequoia' is '9710
    Sequoia Dr'), county."""
    surname, given = name_key(name.last), canonical_given_name(name.first)
    if not (surname and house and street):
        return ""
    return f"{surname}|{given}|{house}|{street}|{county}"[:200]


def _search_keys(written: WrittenSignature, name: NameParts) -> SearchKeys:
    address = written.address
    houses = tuple(dict.fromkeys(h for h in (address.house, address.house_number) if h))
    surnames, phonetics = [], []
    for reading in written.readings:
        key = name_key(reading.surname)
        if key:
            surnames.append(key)
            phonetics.append(surname_phonetic(reading.surname))
        parts = surname_parts(reading.surname)
        if len(parts) > 1:
            surnames.append(name_key(parts[0]))
        if key and name_key(" ".join(parts)) != key:
            surnames.append(name_key(" ".join(parts)))  # "De La Cruz" may be registered "Cruz"
    first_word = name_key(name.first.split()[0]) if name.first.split() else ""
    relatives = sorted(given_name_relatives(first_word)) if len(first_word) > 1 else []
    givens = list(dict.fromkeys([r.given for r in written.readings if not r.penalty and len(r.given) > 1] + relatives))
    # Given-name initials, for the blocks that read only voters whose given name could be the
    # written one: every reading's (a swapped name's too) and those of its nicknames' names.
    initials = sorted(
        {n[0] for n in relatives}
        | ({first_word[0]} if first_word else set())
        | {r.given[0] for r in written.readings if r.given}
    )
    street_start = " ".join(p for p in (address.street.predirectional, address.street.name[:2]) if p)
    return SearchKeys(
        county=written.county,
        houses=houses,
        street=address.street.key,
        street_start=street_start,
        street_after=street_after(street_start),
        zip=written.zip,
        surnames=tuple(dict.fromkeys(surnames))[:6],
        phonetics=tuple(dict.fromkeys(p for p in phonetics if p))[:4],
        given_names=tuple(givens[:12]),
        initials=tuple(initials[:12]),
    )


def _voter(row: VoterRow) -> Voter:
    """The Voter a candidate row stands for, without a query: every field not in the row at its default."""
    return model_from_row(Voter, row)


def _scored(fits: list[Fit], key) -> list[dict]:
    return [{"voter": f.voter.id, "score": round(key(f), 3)} for f in fits[:MAX_CANDIDATES]]


def _choose(plausible: list[Fit], name: NameParts) -> Fit | None:
    """The voter the signature means, if it says: the one plausible voter above
    the bar, or, among people of one name at one address, the one that leads."""
    best = plausible[0]
    if best.score < STRONG:
        return best if len(plausible) == 1 and best.score >= VALID_BAR else None
    leaders = [f for f in plausible if best.score - f.score < MARGIN]
    if len(leaders) == 1:
        return best
    for exact in ([f for f in leaders if f.exact_name], [f for f in leaders if f.exact_given]):
        if len(exact) == 1 and exact[0].score >= STRONG:
            return exact[0]  # "Christina" is Christina, not Christine of the same household
        if exact:
            leaders = exact
            break
    if not name.suffix:
        # Father and son, the son registered "Jr": a name written without a suffix is the father's.
        without = [f for f in leaders if not suffix_key(f.voter.suffix)]
        if len(without) == 1 and without[0].score >= STRONG:
            return without[0]
    return None


@dataclass(frozen=True)
class Prepared:
    """A signature read once: its name and address normalised, and the keys to find its candidates
    with. `incomplete`: a required item is missing, so the signature is invalid whatever the voter
    file says, but enough is written to look its voter up."""

    name: NameParts
    written: WrittenSignature
    keys: SearchKeys
    person_key: str = ""
    incomplete: bool = False
    city: str = ""


def prepare(signature: Signature) -> Prepared | Decision:
    """The signature read once, or the decision when it needs no voter file (nothing to look up by)."""
    name = signature_name(signature)
    address = parse_address(signature.address, signature.unit)
    county = signature.county_id
    # The printed name (given name and surname), the residence address
    # (number and street) and the city are what a signer must write.
    incomplete = not (name.first and name.last and address.house and address.street.name and signature.city.strip())
    if not county or (incomplete and not ((name.first or name.last) and (address.house or address.street.name))):
        # Nothing to look the voter up by: no county, or no name or no address at all.
        return Decision(status=Status.INVALID, reason=Reason.INCOMPLETE, by_matcher=True)
    written = WrittenSignature(
        readings=readings(name),
        suffix=name.suffix,
        address=address,
        county=county,
        zip=zip_key(signature.zip),
        dob=signature.dob if isinstance(signature.dob, date) else None,
    )
    key = (
        ""
        if incomplete
        else person_key(county=county, house=address.house_number, street=address.street.name, name=name)
    )
    return Prepared(
        name=name,
        written=written,
        keys=_search_keys(written, name),
        person_key=key,
        incomplete=incomplete,
        city=signature.city.strip(),
    )


def decide(signature: Signature) -> Decision:
    """One signature: prepare, fetch its candidates, judge (and, in a voter
    file without households, name the signer by the address: by_address)."""
    prepared = prepare(signature)
    if isinstance(prepared, Decision):
        return prepared
    candidates = candidate_voters(prepared.keys)
    decision = judge(prepared, candidates)
    if decision.voter is None and (shape := by_address.in_force()) is not None:
        decision = _named_by_address(prepared, decision, candidates, shape)
    return decision


def _named_by_address(prepared: Prepared, decision: Decision, candidates: list[VoterRow], shape) -> Decision:
    """A decision that names nobody, naming the voter most of the line's fields point at, its status
    unchanged: only for a voter file where people do not share addresses (by_address.in_force)."""
    if decision.voter is not None:
        return decision
    voter = identify_by_address(prepared.written, prepared.city, prepared.keys, candidates, shape=shape)
    return decision if voter is None else replace(decision, voter=_voter(voter))


CHUNK = 100  # signatures whose candidates one query fetches
FIRST_CHUNK = 25  # a batch's first chunk: with `ahead`, judging waits for its fetch with nothing to overlap it


def decide_many(signatures: list[Signature], *, ahead: bool = False) -> list[Decision]:
    """decide() for many signatures (the workers' batch path): their candidates
    are fetched CHUNK signatures per query, and with `ahead` the next chunks
    are fetched on helper connections while the current one is judged
    (candidates.candidate_voters_chunks). Signatures are read (`prepare`)
    chunk by chunk as the fetches ask for them."""
    decisions: list[Decision | None] = [None] * len(signatures)
    chunks: list[list[tuple[int, Prepared]]] = []
    shape = by_address.in_force()  # a voter file without households: name the signer by the address

    def keys_of_chunks() -> Iterator[list[SearchKeys]]:
        chunk: list[tuple[int, Prepared]] = []
        for index, signature in enumerate(signatures):
            prepared = prepare(signature)
            if isinstance(prepared, Decision):
                decisions[index] = prepared
                continue
            chunk.append((index, prepared))
            if len(chunk) == (CHUNK if chunks else FIRST_CHUNK):
                chunks.append(chunk)
                yield [p.keys for _, p in chunk]
                chunk = []
        if chunk:
            chunks.append(chunk)
            yield [p.keys for _, p in chunk]

    for number, found in enumerate(candidate_voters_chunks(keys_of_chunks(), ahead=ahead)):
        for (index, prepared), candidates in zip(chunks[number], found):
            decision = judge(prepared, candidates)
            if shape is not None and decision.voter is None:
                decision = _named_by_address(prepared, decision, candidates, shape)
            decisions[index] = decision
    decided = [decision for decision in decisions if decision is not None]
    assert len(decided) == len(signatures)  # noqa: S101 - each was decided early or judged
    return decided


def judge(prepared: Prepared, candidates: list[VoterRow]) -> Decision:
    """The county's rules applied to a prepared signature and its candidates."""
    if prepared.incomplete:
        return _judge_incomplete(prepared, candidates)
    written, name, key = prepared.written, prepared.name, prepared.person_key
    # Only a voter whose name scores PLAUSIBLE can matter below (a Fit's score
    # never exceeds its name score, and SAME_PERSON is higher still).
    fits = [f for f in (fit(written, voter, least_name=PLAUSIBLE) for voter in candidates) if f is not None]

    here = sorted(
        (f for f in fits if f.same_county and f.at_address and not f.dob_conflict), key=lambda f: (-f.score, f.voter.id)
    )
    plausible = [f for f in here if f.score >= PLAUSIBLE]
    if plausible:
        chosen = _choose(plausible, name)
        if chosen is not None:
            return Decision(
                status=Status.VALID,
                voter=_voter(chosen.voter),
                score=round(chosen.score, 3),
                scored=_scored(plausible, lambda f: f.score),
                person_key=key,
                by_matcher=True,
            )
        return Decision(
            status=Status.REVIEW,
            score=round(plausible[0].score, 3),
            scored=_scored(plausible, lambda f: f.score),
            person_key=key,
            by_matcher=True,
        )

    same_person = sorted(
        (f for f in fits if f.name >= SAME_PERSON and not f.dob_conflict), key=lambda f: (-f.name, f.voter.id)
    )
    elsewhere = [f for f in same_person if not f.same_county and f.at_address]
    if elsewhere:
        named = identify([f for f in fits if not f.same_county], written, prepared.keys, candidates)
        return _invalid(Reason.WRONG_COUNTY, elsewhere, named, key)
    moved = [f for f in same_person if f.same_county]
    if moved:
        named = identify([f for f in fits if f.same_county], written, prepared.keys, candidates)
        return _invalid(Reason.ADDRESS_MISMATCH, moved, named, key)
    return Decision(status=Status.INVALID, reason=Reason.NOT_REGISTERED, person_key=key, by_matcher=True)


def _invalid(reason: str, fits: list[Fit], named: Fit | None, key: str) -> Decision:
    """Invalid, naming the registered voter the evidence identifies (first among the candidates kept)."""
    if named is not None:
        fits = [named, *(f for f in fits if f.voter.id != named.voter.id)]
    return Decision(
        status=Status.INVALID,
        reason=reason,
        voter=_voter(named.voter) if named else None,
        candidates=[_voter(f.voter) for f in fits[:MAX_CANDIDATES]],
        score=round(fits[0].name, 3),
        scored=_scored(fits, lambda f: f.name),
        person_key=key,
        by_matcher=True,
    )


def _judge_incomplete(prepared: Prepared, candidates: list[VoterRow]) -> Decision:
    """A signature missing a required item is invalid/incomplete whatever the
    voter file says. The voter it names: with both names written, the one it
    would name if it were complete (valid, or identified); with one name
    written, see naming.identify_by_one_name."""
    named: Fit | None = None
    if prepared.name.first and prepared.name.last:
        complete = judge(replace(prepared, incomplete=False), candidates)
        if complete.status != Status.REVIEW:
            fits = [f for f in (fit(prepared.written, voter, least_name=PLAUSIBLE) for voter in candidates) if f]
            if complete.status == Status.VALID:
                assert complete.voter is not None  # noqa: S101 - a valid decision names its voter
                named = next(f for f in fits if f.voter.id == complete.voter.pk)
            else:
                named = identify(fits, prepared.written, prepared.keys, candidates)
    else:
        word = prepared.name.first or prepared.name.last
        named = identify_by_one_name(word, prepared.written, prepared.keys, candidates)
    if named is None:
        return Decision(status=Status.INVALID, reason=Reason.INCOMPLETE, by_matcher=True)
    return Decision(
        status=Status.INVALID,
        reason=Reason.INCOMPLETE,
        voter=_voter(named.voter),
        score=round(named.name, 3),
        scored=_scored([named], lambda f: f.name),
        by_matcher=True,
    )
