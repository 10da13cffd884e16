"""Residence addresses standardised to USPS Publication 28, as signers write them."""

import pytest

from petitions.matching.addresses import parse_address, street_key
from petitions.matching.keys import parse_street_address, voter_keys, zip_key


@pytest.mark.parametrize(
    "written, street",
    [
        ("1200 J Street", "J ST"),
        ("1200 J St.", "J ST"),
        ("100 Sunset Boulevard", "SUNSET BLVD"),
        ("100 Sunset Blvd", "SUNSET BLVD"),
        ("5 Oak Avenue", "OAK AVE"),
        ("5 Oak Av", "OAK AVE"),
        ("9 Elm Court", "ELM CT"),
        ("9 Palm Drive", "PALM DR"),
        ("70 Vista Parkway", "VISTA PKWY"),
    ],
)
def test_street_suffixes_are_written_as_usps_abbreviates_them(written, street):
    assert parse_address(written).street.key == street


@pytest.mark.parametrize(
    "written, street",
    [
        ("100 North Main Street", "N MAIN ST"),
        ("100 N. Main St", "N MAIN ST"),
        ("100 Main Street South", "MAIN ST S"),
        ("100 Northwest Hwy", "NORTHWEST HWY"),  # a directional that is the name is spelt out
    ],
)
def test_directionals_are_abbreviated_unless_they_are_the_name(written, street):
    assert parse_address(written).street.key == street


def test_a_street_named_north_keeps_its_name():
    assert parse_address("12 North St").street.name == "NORTH"


@pytest.mark.parametrize(
    "written, street",
    [
        ("456 Fifth Avenue", "5TH AVE"),
        ("456 5th Ave", "5TH AVE"),
        ("10 Twenty-First Street", "21ST ST"),
        ("10 21st St", "21ST ST"),
        ("3 Twelfth St", "12TH ST"),
    ],
)
def test_ordinal_street_names_are_written_as_numbers(written, street):
    assert parse_address(written).street.key == street


@pytest.mark.parametrize(
    "written, unit",
    [
        ("123 Main St Apt 4", "4"),
        ("123 Main St Apartment 4B", "4B"),
        ("123 Main St #4", "4"),
        ("123 Main St # 4", "4"),
        ("123 Main St Unit C", "C"),
        ("123 Main St Ste 200", "200"),
        ("123 Main St Spc 14", "14"),
        ("123 Main St Sp 14", "14"),
        ("123 Main St 4", "4"),
    ],
)
def test_unit_designators_are_recognised_and_kept_apart_from_the_street(written, unit):
    address = parse_address(written)
    assert (address.house, address.street.key, address.unit) == ("123", "MAIN ST", unit)


def test_the_online_form_unit_field_is_the_unit():
    assert parse_address("123 Main St", "Apt 7").unit == "7"
    assert parse_address("123 Main St", "#7").unit == "7"


@pytest.mark.parametrize("written", ["123 1/2 Main St", "123½ Main St", "123-1/2 Main St"])
def test_a_half_house_number_is_read_as_house_and_fraction(written):
    address = parse_address(written)
    assert (address.house, address.fraction, address.street.key) == ("123", "1/2", "MAIN ST")


def test_leading_zeros_and_a_letter_on_the_house_number():
    assert parse_address("0456 Oak St").house == "456"
    address = parse_address("123A Elm St")
    assert (address.house, address.house_number) == ("123A", "123")


def test_a_parking_lot_road_is_a_street_not_a_unit():
    assert parse_address("5 Parking Lot Rd").street.key == "PARKING LOT RD"


def test_an_address_without_a_leading_house_number_goes_to_usaddress():
    address = parse_address("PO Box 12")
    assert address.parser == "usaddress" or address.parser == "regex"
    assert address.house == ""


def test_usaddress_reads_what_the_tokenizer_cannot():
    address = parse_address("Apt 4, 77 W 3rd St")
    assert address.parser == "usaddress"
    assert (address.house, address.street.key, address.unit) == ("77", "W 3RD ST", "4")


def test_the_voter_file_and_the_signature_give_one_street_key():
    keys = voter_keys(
        last_name="Garcia",
        first_name="Maria",
        address_number="0456",
        street_dir_prefix="N",
        street_name="FIFTH",
        street_type="AVENUE",
        street_dir_suffix="",
        zip="95814-1234",
    )
    assert keys.key_street == parse_street_address("456 North 5th Ave Apt 3").street == street_key("N", "5th", "Ave")
    assert (keys.key_house, keys.key_zip, keys.key_first_initial, keys.key_last_phonetic) == (
        "456",
        "95814",
        "M",
        "KRX",
    )


def test_a_zip_needs_five_digits():
    assert zip_key("95814") == "95814"
    assert zip_key("95814-1234") == "95814"
    assert zip_key("958") == ""
