"""factory_boy factories for voters and signatures, and the signatures the tests make with them
(`validated`, `paper_line`): one place for what several test modules need."""

import inspect
import itertools
from datetime import date
from typing import Any

import factory

from petitions.matching.keys import voter_keys
from petitions.matching.names import name_key, surname_phonetic
from petitions.matching.voters import VoterRow
from petitions.models import County, Petition, PetitionSection, Signature, Voter
from petitions.services.sections import CirculatorInput, section_return, sections_issue
from petitions.services.tallies import bucket_of, tally_change_record
from petitions.validation.validate import signature_validate

_VOTER_KEYS_ARGUMENTS = tuple(inspect.signature(voter_keys).parameters)


class VoterFactory(factory.django.DjangoModelFactory[Voter]):
    """A registered voter; matching keys are computed as the import does."""

    class Meta:
        model = Voter

    registrant_id = factory.Sequence(lambda n: f"V{n:09d}")
    county_id = "34"
    first_name = "Maria"
    last_name = "Garcia"
    address_number = "1200"
    street_name = "J"
    street_type = "ST"
    city = "Sacramento"
    state = "CA"
    zip = "95814"
    voter_status = "A"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # voter_keys' parameters are Voter field names: pass every one of them, as the
        # import does (petitions.services.voter_import), ZIP included; a field not given is "".
        keys = voter_keys(**{name: kwargs.get(name) or "" for name in _VOTER_KEYS_ARGUMENTS})
        kwargs.update(vars(keys))
        return super()._create(model_class, *args, **kwargs)


class SignatureFactory(factory.django.DjangoModelFactory[Signature]):
    """A pending online signature; pass status/channel to vary."""

    class Meta:
        model = Signature

    petition = factory.LazyFunction(lambda: Petition.objects.get(slug="calexit"))
    channel = Signature.Channel.ONLINE
    county_id = "34"
    first_name = "Maria"
    last_name = "Garcia"
    address = "1200 J St"
    city = "Sacramento"
    zip = "95814"
    email = factory.Sequence(lambda n: f"signer{n}@example.com")
    status = Signature.Status.PENDING

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Record the tally change the write path would have recorded, so tallies stay true."""
        signature = super()._create(model_class, *args, **kwargs)
        tally_change_record(before=None, after=bucket_of(signature, signature.petition))
        return signature


def validated(**fields: Any) -> Signature:
    """A SignatureFactory signature (online and pending unless `fields` say otherwise), validated
    one at a time (signature_validate) and read back."""
    return _validate(SignatureFactory.create(**fields))


_paper_line_numbers = itertools.count(1)


def paper_line(
    petition: Petition | None = None,
    *,
    name: str = "Maria Garcia",
    address: str = "1200 J St",
    county: str = "34",
    line: int | None = None,
    validate: bool = True,
    **fields: Any,
) -> Signature:
    """A line keyed from a paper petition section, as data entry and the CSV import save it: the
    name as printed (`name_as_written`), the address as written, no email. The county's section
    ("S-<county>") is made on first use; `line` defaults to a number no other line of this run has.
    Validated one at a time and read back, unless `validate=False` (then it stays pending, for a
    batch or a count to take). Other Signature fields (zip, city, dob, ...) go in `fields`."""
    petition = petition or Petition.objects.get(slug="calexit")
    section, _ = PetitionSection.objects.get_or_create(
        petition=petition, number=f"S-{county}", defaults={"county_id": county}
    )
    signature = SignatureFactory.create(
        petition=petition,
        channel=Signature.Channel.PAPER,
        section=section,
        line=next(_paper_line_numbers) if line is None else line,
        county_id=county,
        **{"first_name": "", "last_name": "", "name_as_written": name, "address": address, "email": "", **fields},
    )
    return _validate(signature) if validate else signature


def in_review(*voters: Voter, **fields: Any) -> Signature:
    """A signature waiting in the review queue for a person's decision, `voters` its candidates
    (best first: scores 0.9, 0.8, ...)."""
    candidates = [{"voter": voter.pk, "score": round(0.9 - n / 10, 2)} for n, voter in enumerate(voters)]
    return SignatureFactory.create(status=Signature.Status.REVIEW, match_candidates=candidates, **fields)


def voter_row(*, first: str, last: str, middle: str = "", suffix: str = "", id: int = 1) -> VoterRow:
    """A voter as the candidates query gives it to matching (no database): at 1200 J ST, Sacramento
    95814 (county 34), the name keys made from the names given."""
    return VoterRow(
        id=id,
        county_id="34",
        last_name=last,
        first_name=first,
        middle_name=middle,
        suffix=suffix,
        address_number="1200",
        house_fraction="",
        address_number_suffix="",
        street_dir_prefix="",
        street_name="J",
        street_type="ST",
        street_dir_suffix="",
        zip="95814",
        dob=None,
        key_last=name_key(last),
        key_first=name_key(first),
        key_house="1200",
        key_street="J ST",
        key_last_phonetic=surname_phonetic(last),
        key_first_initial=name_key(first)[:1],
        key_zip="95814",
    )


def _validate(signature: Signature) -> Signature:
    signature_validate(signature_id=signature.pk)
    signature.refresh_from_db()
    return signature


# What a voter types into the sign form (/p/<slug>/sign/): the matching VoterFactory's details.
SIGN_FORM = {
    "first_name": "Maria",
    "middle_name": "",
    "last_name": "Garcia",
    "suffix": "",
    "address": "1200 J St",
    "unit": "",
    "city": "Sacramento",
    "zip": "95814",
    "county": "34",
    "email": "maria@example.com",
    "dob": "",
    "attest": "on",
}


def returned_section(user, *, petition: Petition | None = None, double_entry: bool = False) -> PetitionSection:
    """A Sacramento section issued and back from its circulator (Ana Ruiz, signatures of
    1-20 March 2026), ready to key. Without `petition`: calexit, circulating from
    1 February to 30 July 2026."""
    if petition is None:
        petition = Petition.objects.get(slug="calexit")
        petition.summary_date, petition.deadline = date(2026, 2, 1), date(2026, 7, 30)
        petition.save()
    section = sections_issue(
        petition=petition, county=County.objects.get(code="34"), count=1, user=user, double_entry=double_entry
    )[0]
    return section_return(
        section=section,
        circulator=CirculatorInput(name="Ana Ruiz", city="Sacramento"),
        signed_from=date(2026, 3, 1),
        signed_to=date(2026, 3, 20),
        declaration_date=date(2026, 3, 21),
        declaration_place="Sacramento, CA",
        user=user,
    )
