"""Deciding a signature: find the voters it could be, then apply the county's rules.

Candidate search works on keys computed once at import (petitions.matching.keys)
and indexed, so each signature compares against a handful of voters whatever
the size of the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from petitions.matching.keys import NAME_SUFFIXES, fold, name_key, parse_street_address, suffix_key
from petitions.models import Signature, Voter

Status = Signature.Status
Reason = Signature.Reason


@dataclass(frozen=True)
class Decision:
    status: str
    reason: str = ""
    voter: Voter | None = None
    candidates: list[Voter] = field(default_factory=list)


@dataclass(frozen=True)
class NameParts:
    first: str
    middle: str
    last: str
    suffix: str


def parse_printed_name(text: str) -> NameParts:
    """A printed name as written on paper: 'Robert J. Smith Jr.' or 'Smith, Robert J'."""
    if "," in text:
        last, _, rest = text.partition(",")
        words = fold(rest).split()
        suffix = ""
        if words and words[-1] in NAME_SUFFIXES:
            suffix = words.pop()
        return NameParts(first=words[0] if words else "", middle=" ".join(words[1:]), last=fold(last), suffix=suffix)
    words = fold(text).split()
    suffix = ""
    if len(words) > 2 and words[-1] in NAME_SUFFIXES:
        suffix = words.pop()
    if len(words) < 2:
        return NameParts(first="", middle="", last=words[0] if words else "", suffix=suffix)
    return NameParts(first=words[0], middle=" ".join(words[1:-1]), last=words[-1], suffix=suffix)


def signature_name(signature: Signature) -> NameParts:
    if signature.first_name or signature.last_name:
        return NameParts(signature.first_name, signature.middle_name, signature.last_name, signature.suffix)
    return parse_printed_name(signature.name_as_written)


def _narrow(signature: Signature, name: NameParts, voters: list[Voter]) -> list[Voter]:
    """Tell apart people of one name at one address (father and son): suffix, then birth date, then middle initial."""
    if len(voters) < 2:
        return voters
    if name.suffix:
        voters = [v for v in voters if suffix_key(v.suffix) == suffix_key(name.suffix)] or voters
    else:
        without = [v for v in voters if not v.suffix]
        voters = without if len(without) == 1 else voters
    if signature.dob and len(voters) > 1:
        voters = [v for v in voters if v.dob == signature.dob] or voters
    initial = name_key(name.middle)[:1]
    if initial and len(voters) > 1:
        voters = [v for v in voters if name_key(v.middle_name)[:1] == initial] or voters
    return voters


def decide(signature: Signature) -> Decision:
    name = signature_name(signature)
    address = parse_street_address(signature.address, signature.unit)
    last, first = name_key(name.last), name_key(name.first)
    if not (last and first and address.house and address.street and signature.county_id):
        return Decision(status=Status.INVALID, reason=Reason.INCOMPLETE)

    same_person_here = list(
        Voter.objects.filter(registered=True, key_last=last, key_first=first, key_house=address.house, key_street=address.street)
    )
    in_county = [v for v in same_person_here if v.county_id == signature.county_id]
    if in_county:
        narrowed = _narrow(signature, name, in_county)
        if len(narrowed) == 1:
            return Decision(status=Status.VALID, voter=narrowed[0], candidates=in_county)
        return Decision(status=Status.REVIEW, candidates=narrowed)
    if same_person_here:
        return Decision(status=Status.INVALID, reason=Reason.WRONG_COUNTY, candidates=same_person_here)
    elsewhere_in_county = list(
        Voter.objects.filter(registered=True, county_id=signature.county_id, key_last=last, key_first=first)[:5]
    )
    if elsewhere_in_county:
        return Decision(status=Status.INVALID, reason=Reason.ADDRESS_MISMATCH, candidates=elsewhere_in_county)
    return Decision(status=Status.INVALID, reason=Reason.NOT_REGISTERED)
