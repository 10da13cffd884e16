"""Who signed, where the voter file says people do not share addresses (petitions.validation.by_address).

A real voter file is full of households, so a different name at a registered
address is a housemate and names nobody. A file where nobody shares an
address (FEBRL4's) says the address identifies the person: there a line the
county's rules leave unnamed names the voter most of its fields point at,
and its status is not touched.
"""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from petitions.models import Signature, VoterFileShape
from petitions.services.voter_import import voters_import
from petitions.validation import by_address
from petitions.validation.validate import signature_validate, signatures_validate
from tests.factories import SignatureFactory, VoterFactory

pytestmark = pytest.mark.django_db

STREETS = ["Elm", "Oak", "Pine", "Cedar", "Maple", "Birch"]


def a_file(*, households: bool) -> None:
    """1,200 other voters in Sacramento (enough for the share to mean something):
    each at an address of their own, or two to an address."""
    for number in range(1200):
        house = number // 2 if households else number
        VoterFactory(
            first_name=f"Person{number}",
            last_name=f"Surname{number}",
            address_number=str(100 + house),
            street_name=STREETS[house % len(STREETS)],
            street_type="ST",
            zip="95630",
        )


def bradley_sribar(**fields) -> Signature:
    values = {
        "first_name": "Bradley",
        "last_name": "Sribar",
        "address": "32 Sturt Ave",
        "city": "Sacramento",
        "zip": "95814",
    }
    values.update(fields)
    signature = SignatureFactory.create(**values)
    signature_validate(signature_id=signature.pk)
    signature.refresh_from_db()
    return signature


@pytest.fixture
def giaan():
    return VoterFactory(
        first_name="Giaan", last_name="Sribar", address_number="32", street_name="Sturt", street_type="AVE", zip="95814"
    )


def test_in_a_file_without_households_another_given_name_at_the_address_names_the_voter_there(giaan):
    a_file(households=False)
    shape = by_address.measure(file_name="no-households.tsv")
    assert (
        shape.shared_address_share == 0.0
        and shape.voters == 1201
        and by_address.in_force() == (shape.id, shape.measured_at)
    )
    signature = bradley_sribar()
    # The county compares the name: not registered as Bradley. Who signed: Giaan, keyed wrong.
    assert (signature.status, signature.reason, signature.voter) == ("invalid", "not_registered", giaan)


def test_in_a_file_of_households_another_given_name_at_the_address_is_a_housemate_and_names_nobody(giaan):
    a_file(households=True)
    shape = by_address.measure()
    assert shape.shared_address_share > 0.99 and by_address.in_force() is None
    signature = bradley_sribar()
    assert (signature.status, signature.reason, signature.voter) == ("invalid", "not_registered", None)


def test_voters_not_measured_name_nobody_by_the_address(giaan):
    a_file(households=False)  # loaded without an import: nothing says how people live
    assert by_address.in_force() is None
    assert bradley_sribar().voter is None


def test_a_small_file_says_nothing_about_households(giaan):
    for number in range(20):
        VoterFactory(last_name=f"Surname{number}", address_number=str(500 + number))
    assert by_address.measure().shared_address_share == 0.0
    assert by_address.in_force() is None
    assert bradley_sribar().voter is None


def test_a_house_number_keyed_wrong_with_the_name_slipped_names_the_voter():
    a_file(households=False)
    lily = VoterFactory(
        first_name="Lily",
        last_name="Krishnan",
        address_number="25",
        street_name="Bourne",
        street_type="ST",
        city="Keysborough",
        zip="92640",
    )
    by_address.measure()
    # The ZIP's last two digits swapped and the house number keyed short: the engine's blocks miss her.
    signature = SignatureFactory(
        first_name="Lily", last_name="Krishnqn", address="2 Bourne Street", city="Keysborough", zip="92604"
    )
    signature_validate(signature_id=signature.pk)
    signature.refresh_from_db()
    assert (signature.reason, signature.voter) == ("not_registered", lily)


def test_two_voters_the_fields_point_at_alike_name_nobody():
    a_file(households=False)
    for given, house in (("Ann", "7"), ("Joan", "9")):
        VoterFactory(
            first_name=given,
            last_name="Sribar",
            address_number=house,
            street_name="Sturt",
            street_type="AVE",
            zip="95814",
        )
    by_address.measure()
    # Surname, street, ZIP and city agree with both; the house number with neither.
    assert bradley_sribar(address="40 Sturt Ave").voter is None


def test_a_search_cut_short_names_nobody(giaan):
    a_file(households=False)
    for number in range(by_address.WIDE_LIMITS["zip_slip"]):
        VoterFactory(last_name=f"Neighbour{number}", address_number=str(900 + number), zip="95819")
    by_address.measure()
    # The voters of the ZIPs one slip away fill their block: one of those not read could fit as well.
    assert bradley_sribar().voter is None


def test_a_zip_too_dense_to_search_in_full_names_nobody_and_is_remembered(giaan):
    a_file(households=False)
    for number in range(by_address.WIDE_LIMITS["zip"]):
        VoterFactory(last_name=f"Neighbour{number}", address_number=str(900 + number), zip="95814")
    by_address.measure()

    def zip_counts(**fields) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert bradley_sribar(**fields).voter is None
        asks = f"key_zip = %s LIMIT {by_address.WIDE_LIMITS['zip']}) z"  # by_address asking whether the ZIP is full
        return sum(asks.replace("%s", "'95814'") in query["sql"] for query in captured.captured_queries)

    assert zip_counts() == 1
    assert zip_counts(first_name="Conrad") == 0  # known to be full: no wider search


def test_the_batch_path_names_the_same_voter_and_keeps_the_status(giaan):
    a_file(households=False)
    by_address.measure()
    signature = SignatureFactory(
        first_name="Bradley", last_name="Sribar", address="32 Sturt Ave", city="Sacramento", zip="95814"
    )
    signatures_validate(signature_ids=[signature.pk])
    signature.refresh_from_db()
    assert (signature.status, signature.reason, signature.voter) == ("invalid", "not_registered", giaan)


def test_the_import_records_how_many_voters_share_an_address(tmp_path: Path):
    header = [
        "CountyCode",
        "RegistrantID",
        "LastName",
        "FirstName",
        "AddressNumber",
        "StreetName",
        "StreetType",
        "City",
        "Zip",
        "Status",
    ]
    rows = [
        ["34", "A1", "Sribar", "Giaan", "32", "Sturt", "AVE", "Sacramento", "95814", "A"],
        ["34", "A2", "Sribar", "Nadia", "32", "Sturt", "AVE", "Sacramento", "95814", "A"],
        ["34", "A3", "Lee", "Ann", "7", "Elm", "ST", "Sacramento", "95814", "A"],
        ["34", "A4", "Vu", "Hieu", "9", "Elm", "ST", "Sacramento", "95814", "A"],
    ]
    path = tmp_path / "voters.tsv"
    path.write_text("\n".join("\t".join(row) for row in [header, *rows]) + "\n", encoding="utf-8")
    voters_import(path)
    shape = VoterFileShape.objects.latest()
    assert (shape.file_name, shape.voters, shape.sampled, shape.shared_address_share) == ("voters.tsv", 4, 4, 0.5)
    voters_import(path)  # nothing changed: nothing measured again
    assert VoterFileShape.objects.count() == 1
