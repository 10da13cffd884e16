"""The review page's comparison table: what the signer wrote beside each
candidate voter, field by field, with the candidate's fields that differ from
it marked once both sides are normalised as the matcher normalises them.

Presentation only, for the review page: the candidate voters are read by
`selectors.review_candidate_voters` and passed in."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext

from petitions.matching.keys import fold, house_key, name_key, parse_street_address, street_key, suffix_key
from petitions.models import Signature, Voter
from petitions.selectors import CandidateVoter
from petitions.validation.engine import signature_name

# The keys that accept the first nine candidates.
CANDIDATE_KEYS = "123456789"


@dataclass
class Cell:
    value: str
    differs: bool = False


@dataclass
class Row:
    field: str
    label: str
    signature: str
    cells: list[Cell]
    compared: bool = True
    not_given: bool = False  # the signature leaves this (optional) field empty


@dataclass
class Candidate:
    number: int
    key: str  # "" beyond the ninth candidate
    voter: Voter | None
    voter_id: int
    score: float | None
    counted_signature_id: int | None = None


@dataclass
class Comparison:
    candidates: list[Candidate]
    rows: list[Row] = field(default_factory=list)


def _zip5(value: str) -> str:
    return re.sub(r"\D", "", value or "")[:5]


def _unit_key(value: str) -> str:
    return fold(value).replace("#", "").replace(" ", "")


def _same_middle(signed: str, registered: str) -> bool:
    """A middle initial matches the middle name it abbreviates."""
    a, b = name_key(signed), name_key(registered)
    if len(a) == 1 or len(b) == 1:
        return a[:1] == b[:1]
    return a == b


def _joined(*parts: str) -> str:
    return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class FieldSpec:
    field: str
    label: str
    signed: str  # the signature's value, as shown
    shown: Callable[[Voter], str]  # the voter's value, as shown
    same: Callable[[Voter], bool]  # compared on normalised values
    optional: bool = False  # an empty value on the signature is "not given", not a difference


def _field_specs(signature: Signature) -> list[FieldSpec]:
    name = signature_name(signature)
    address = parse_street_address(signature.address, signature.unit)
    dob = signature.dob.isoformat() if signature.dob else ""
    return [
        FieldSpec(
            "first_name",
            gettext("First name"),
            name.first,
            lambda v: v.first_name,
            lambda v: name_key(name.first) == name_key(v.first_name),
        ),
        FieldSpec(
            "middle_name",
            gettext("Middle name"),
            name.middle,
            lambda v: v.middle_name,
            lambda v: _same_middle(name.middle, v.middle_name),
            optional=True,
        ),
        FieldSpec(
            "last_name",
            gettext("Last name"),
            name.last,
            lambda v: v.last_name,
            lambda v: name_key(name.last) == name_key(v.last_name),
        ),
        FieldSpec(
            "suffix",
            gettext("Suffix"),
            name.suffix,
            lambda v: v.suffix,
            lambda v: suffix_key(name.suffix) == suffix_key(v.suffix),
        ),
        FieldSpec(
            "house",
            gettext("House number"),
            address.house,
            lambda v: _joined(v.address_number, v.house_fraction, v.address_number_suffix),
            lambda v: house_key(address.house) == house_key(v.address_number + v.address_number_suffix),
        ),
        FieldSpec(
            "street",
            gettext("Street"),
            address.street,
            lambda v: _joined(v.street_dir_prefix, v.street_name, v.street_type, v.street_dir_suffix),
            lambda v: (
                street_key(address.street)
                == street_key(v.street_dir_prefix, v.street_name, v.street_type, v.street_dir_suffix)
            ),
        ),
        FieldSpec(
            "unit",
            gettext("Unit"),
            address.unit,
            lambda v: _joined(v.unit_type, v.unit_number),
            lambda v: _unit_key(address.unit) == _unit_key(v.unit_number),
        ),
        FieldSpec(
            "city", gettext("City"), signature.city, lambda v: v.city, lambda v: fold(signature.city) == fold(v.city)
        ),
        FieldSpec(
            "zip",
            gettext("ZIP"),
            signature.zip,
            lambda v: v.zip,
            lambda v: _zip5(signature.zip) == _zip5(v.zip),
            optional=True,
        ),
        FieldSpec(
            "dob",
            gettext("Date of birth"),
            dob,
            lambda v: v.dob.isoformat() if v.dob else "",
            lambda v: signature.dob == v.dob,
            optional=True,
        ),
        FieldSpec(
            "county",
            gettext("County"),
            f"{signature.county_id} {signature.county.name}",
            lambda v: f"{v.county_id} {v.county.name}",
            lambda v: signature.county_id == v.county_id,
        ),
    ]


def comparison_build(signature: Signature, candidate_voters: list[CandidateVoter]) -> Comparison:
    """The signature beside its candidate voters (as `selectors.review_candidate_voters`
    reads them, best first), with the fields that differ once both sides are
    normalised as the matcher normalises them."""
    candidates = [
        Candidate(
            number=n,
            key=CANDIDATE_KEYS[n - 1] if n <= len(CANDIDATE_KEYS) else "",
            voter=candidate.voter,
            voter_id=candidate.voter_id,
            score=candidate.score,
            counted_signature_id=candidate.counted_signature_id,
        )
        for n, candidate in enumerate(candidate_voters, start=1)
    ]
    rows = [
        Row(
            field="name_as_written",
            label=gettext("Name as written") if signature.name_as_written else gettext("Name"),
            signature=signature.printed_name,
            compared=False,
            cells=[
                Cell(
                    _joined(c.voter.first_name, c.voter.middle_name, c.voter.last_name, c.voter.suffix)
                    if c.voter
                    else ""
                )
                for c in candidates
            ],
        )
    ]
    for spec in _field_specs(signature):
        not_given = spec.optional and not spec.signed.strip()
        cells = [
            Cell(spec.shown(c.voter), differs=not not_given and not spec.same(c.voter)) if c.voter else Cell("")
            for c in candidates
        ]
        rows.append(Row(field=spec.field, label=spec.label, signature=spec.signed, cells=cells, not_given=not_given))
    rows.append(
        Row(
            field="address_as_written",
            label=gettext("Address as written"),
            compared=False,
            signature=_joined(signature.address, signature.unit),
            cells=[Cell(c.voter.street_address if c.voter else "") for c in candidates],
        )
    )
    return Comparison(candidates=candidates, rows=rows)
