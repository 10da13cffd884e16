"""Naming the voter of a signature the county's rules do not accept: who signed is a question apart
from the status. An address_mismatch, wrong_county or incomplete signature names the one registered
voter the evidence points at, and nobody when two voters fit, the evidence is thin or the search may
have been cut short (review and not_registered name nobody, except by the address in a voter file
without households: by_address).
"""

from __future__ import annotations

from petitions.matching.scoring import (
    PLAUSIBLE,
    SAME_PERSON,
    Fit,
    WrittenSignature,
    fit,
    middle_agrees,
    name_agrees_but_for_slips,
    one_name_agrees,
    same_street,
    surname_slip,
    zip_near,
)
from petitions.matching.voters import VoterRow
from petitions.validation import by_address
from petitions.validation.blocks import SearchKeys, cut_off


def identifies(f: Fit, written: WrittenSignature) -> bool:
    """Whether the evidence names this voter as the signer although the
    county's rules do not accept the signature for them:
    the written name is the voter's but for nicknames, initials and keying
    slips (not another given name or surname that looks alike, no middle
    initial or suffix telling another person: name_agrees_but_for_slips), and
    - it scores as the same person (>= SAME_PERSON) with the street, the ZIP
      or a middle name or initial agreeing, or, in the signature's county,
      the house number agreeing and the ZIP one keying slip away;
    - or it scores >= PLAUSIBLE with two of house number, street and ZIP
      agreeing.
    A street counts only when its own name agrees (scoring.same_street).
    Given name and surname alone name nobody: on FEBRL4, naming the one
    namesake in the county named more wrong voters than right ones
    (BENCHMARKS.md)."""
    if f.dob_conflict:
        return False
    if f.name < PLAUSIBLE or not name_agrees_but_for_slips(written, f.voter):
        return False
    if f.name >= SAME_PERSON:
        return (
            f.zip_agrees
            or _same_street(f, written)
            or middle_agrees(written, f.voter)
            or (f.same_county and f.house and zip_near(written, f.voter))
        )
    return _agreements(f, written) >= 2


def identify(fits: list[Fit], written: WrittenSignature, keys: SearchKeys, candidates: list[VoterRow]) -> Fit | None:
    """The voter the evidence names (see identifies): the only one, or the
    one with more of house number, street and ZIP agreeing than any other
    (the voter at the written address rather than a namesake of the ZIP)."""
    named = sorted(
        ((_agreements(f, written), f) for f in fits if identifies(f, written)),
        key=lambda pair: (-pair[0], pair[1].voter.id),
    )
    if not named or (len(named) > 1 and named[1][0] >= named[0][0]):
        return None
    best = named[0][1]
    return best if searched_in_full(keys, candidates, at_address=best.house and _same_street(best, written)) else None


def _same_street(f: Fit, written: WrittenSignature) -> bool:
    return same_street(written.address.street, f.voter)


def _agreements(f: Fit, written: WrittenSignature) -> int:
    return f.house + f.zip_agrees + _same_street(f, written)


def searched_in_full(keys: SearchKeys, candidates: list[VoterRow], *, at_address: bool = False) -> bool:
    """Whether the blocks that find the voters who could tie with the one named held every voter they
    match rather than stopping at their LIMIT: only then does "only one voter fits" mean only one in the
    voter file (a common surname in a large county fills a block). For a voter at the written house
    number and street, the address block; for any other, also those by surname."""
    return not cut_off(TIES_AT_ADDRESS if at_address else TIES, keys, candidates)


TIES_AT_ADDRESS = ("address",)
TIES = ("address", "house_name", "zip_name", "zip_surname", "county_name")


def identify_by_one_name(
    word: str, written: WrittenSignature, keys: SearchKeys, candidates: list[VoterRow]
) -> Fit | None:
    """Only a given name or only a surname written (a one-word name may be
    either): the one voter whose given name or surname that word is, at the
    written house number and street (in the signature's county or ZIP); or,
    the house number or the street not written, the one voter of that surname
    at the other of the two in the written ZIP. A house number or street
    written that is not the voter's names nobody: one name is too little to
    outweigh it."""
    address = written.address
    named = []
    for f in (fit(written, voter) for voter in candidates):
        if f is None or f.dob_conflict:  # (never None without a least_name)
            continue
        street = same_street(address.street, f.voter)
        if f.house and street and (f.zip_agrees or f.same_county):
            if one_name_agrees(word, f.voter):
                named.append(f)
        elif (
            f.zip_agrees
            and ((street and not address.house) or (f.house and not address.street.name))
            and surname_slip(word, f.voter.last_name)
        ):
            named.append(f)
    if len(named) != 1:
        return None
    at_address = named[0].house and same_street(address.street, named[0].voter)
    return named[0] if searched_in_full(keys, candidates, at_address=at_address) else None


def identify_by_address(
    written: WrittenSignature, city: str, keys: SearchKeys, candidates: list[VoterRow], *, shape: by_address.Shape
) -> VoterRow | None:
    """The voter most of the line's fields point at (by_address.identify), in a voter file where people
    do not share addresses (by_address.in_force): for a decision that names nobody otherwise."""
    wide = by_address.wide_candidates(
        ids=[c.id for c in candidates],
        zip_code=written.zip,
        phonetics=keys.phonetics,
        initials=keys.initials,
        shape=shape,
    )
    return by_address.identify(written, city, wide)
