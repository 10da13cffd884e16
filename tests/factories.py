"""factory_boy factories for voters and signatures."""

import inspect

import factory

from petitions.matching.keys import voter_keys
from petitions.models import Petition, Signature, Voter
from petitions.services.tallies import bucket_of, tally_change_record

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
