"""Deciding a signature by the county's rules, with fuzzy matching of names and addresses."""

from datetime import date

import pytest

from petitions.validation.validate import signature_validate
from tests.factories import SignatureFactory, VoterFactory, paper_line, validated

pytestmark = pytest.mark.django_db


# --- Names ----------------------------------------------------------------------------------


def test_a_voter_who_wrote_bob_matches_robert():
    robert = VoterFactory(first_name="Robert", last_name="Smith")
    assert validated(first_name="Bob", last_name="Smith").voter == robert


def test_a_voter_who_wrote_peggy_matches_margaret():
    margaret = VoterFactory(first_name="Margaret", last_name="Jones")
    signature = validated(first_name="Peggy", last_name="Jones")
    assert (signature.status, signature.voter) == ("valid", margaret)


def test_a_typo_in_the_surname_is_tolerated():
    maria = VoterFactory()
    signature = validated(last_name="Garica")
    assert (signature.status, signature.voter) == ("valid", maria)


def test_a_typo_in_the_given_name_is_tolerated_when_nobody_else_at_the_address_fits():
    maria = VoterFactory()
    assert validated(first_name="Mraia").voter == maria


def test_a_printed_name_in_last_first_form_matches(calexit):
    maria = VoterFactory()
    assert paper_line(calexit, name="GARCIA, MARIA", address="1200 J St", zip="").voter == maria


def test_a_name_written_surname_first_matches(calexit):
    linh = VoterFactory(first_name="Linh", last_name="Nguyen")
    assert paper_line(calexit, name="Nguyen Linh", address="1200 J St", zip="").voter == linh


def test_a_hyphenated_surname_matches_the_two_surnames_of_the_voter_file(calexit):
    jose = VoterFactory(first_name="JOSE", last_name="GARCIA LOPEZ")
    assert paper_line(calexit, name="José García-López", address="1200 J St", zip="").voter == jose


def test_one_of_two_surnames_is_enough(calexit):
    jose = VoterFactory(first_name="JOSE", last_name="GARCIA LOPEZ")
    assert paper_line(calexit, name="Jose Garcia", address="1200 J St", zip="").voter == jose


def test_two_surnames_written_apart_match_the_compound_surname(calexit):
    jose = VoterFactory(first_name="JOSE", last_name="GARCIA LOPEZ")
    assert paper_line(calexit, name="Jose Garcia Lopez", address="1200 J St", zip="").voter == jose


def test_a_compound_surname_with_particles_matches_written_together(calexit):
    maria = VoterFactory(first_name="Maria", last_name="De La Cruz")
    assert paper_line(calexit, name="Maria Delacruz", address="1200 J St", zip="").voter == maria


def test_an_initial_for_the_given_name_is_accepted():
    james = VoterFactory(first_name="James", last_name="Smith")
    assert validated(first_name="J", last_name="Smith").voter == james


def test_another_given_name_at_the_voter_address_is_another_person():
    VoterFactory(first_name="Aidan", last_name="Leslie")
    signature = validated(first_name="Shenae", last_name="Leslie")
    assert (signature.status, signature.reason) == ("invalid", "not_registered")


@pytest.mark.parametrize("printed", ["Garcia", "Maria", "Garcia,"])
def test_a_printed_name_without_given_name_or_surname_is_incomplete(calexit, printed):
    VoterFactory()
    assert paper_line(calexit, name=printed, address="1200 J St", zip="").reason == "incomplete"


def test_a_compound_given_name_and_two_surnames_with_a_middle_initial_match(calexit):
    ana = VoterFactory(first_name="Ana Maria", middle_name="G", last_name="Hernandez-Vasquez")
    assert paper_line(calexit, name="Ana Maria G Hernandez Vasquez", address="1200 J St", zip="").voter == ana


def test_a_compound_given_name_registered_as_given_and_middle_matches(calexit):
    maria = VoterFactory(first_name="Maria", middle_name="Elena", last_name="Rojas")
    assert paper_line(calexit, name="Maria Elena Rojas", address="1200 J St", zip="").voter == maria


# --- Addresses --------------------------------------------------------------------------------


def test_an_abbreviated_or_spelt_out_street_matches():
    maria = VoterFactory(street_name="Sunset", street_type="BLVD", address_number="100")
    assert validated(address="100 Sunset Boulevard").voter == maria


def test_a_misspelled_street_matches():
    maria = VoterFactory(street_name="Washington", street_type="ST", address_number="100")
    assert validated(address="100 Washingotn St").voter == maria


def test_a_misspelled_street_and_a_surname_typo_match_through_the_zip():
    maria = VoterFactory(last_name="Thompson", street_name="Washington", street_type="ST", address_number="100")
    assert validated(last_name="Tomsen", address="100 Wshington St", zip="95814").voter == maria


def test_a_street_named_like_a_street_type_matches_without_its_type():
    marcus = VoterFactory(
        first_name="Marcus", last_name="Harris", street_dir_prefix="N", street_name="River", street_type="DR"
    )
    assert validated(first_name="Marcus", last_name="Harris", address="1200 N River").voter == marcus


def test_a_missing_directional_or_street_type_matches():
    maria = VoterFactory(street_dir_prefix="N", street_name="Main", street_type="ST", address_number="100")
    assert validated(address="100 Main").voter == maria


def test_a_missing_or_wrong_apartment_number_is_no_reason_to_reject():
    maria = VoterFactory(unit_type="APT", unit_number="4")
    assert validated(address="1200 J St").voter == maria
    assert validated(address="1200 J St Apt 9", email="second@example.com").status == "duplicate"


def test_a_half_house_number_written_as_the_voter_file_has_it():
    maria = VoterFactory(address_number="123", house_fraction="1/2")
    assert validated(address="123 1/2 J St").voter == maria


def test_the_house_number_must_match():
    VoterFactory(address_number="1201")
    signature = validated(address="1200 J St")
    assert (signature.status, signature.reason) == ("invalid", "address_mismatch")


def test_a_voter_at_another_address_in_the_county_is_address_mismatch_and_named():
    maria = VoterFactory(address_number="99", street_name="K")
    signature = validated()
    assert (signature.status, signature.reason, signature.voter) == ("invalid", "address_mismatch", maria)


def test_a_moved_voter_with_a_misspelt_surname_is_found_among_many_namesakes_in_the_zip():
    # The ZIP block reads the voters whose surname sounds alike AND whose given name could be
    # the written one (its initials): 25 other Garcias of the ZIP, entered first and so first
    # in the index, no longer fill the block before Maria is reached.
    for number, given in enumerate(["Jose", "Luis", "Ana", "Carlos", "Pedro"] * 5):
        VoterFactory(first_name=given, address_number=str(300 + number), street_name="P")
    maria = VoterFactory(address_number="99", street_name="K")
    signature = validated(last_name="Garsia")  # at 1200 J St, where nobody is registered
    assert (signature.status, signature.reason, signature.voter) == ("invalid", "address_mismatch", maria)


def test_a_voter_registered_at_the_address_in_another_county_is_wrong_county():
    maria = VoterFactory(county_id="19")
    signature = validated(county_id="34")
    assert (signature.status, signature.reason, signature.voter) == ("invalid", "wrong_county", maria)


def test_a_paper_signature_is_judged_by_its_section_county(calexit):
    VoterFactory(county_id="34")
    signature = paper_line(calexit, name="Maria Garcia", address="1200 J St", county="19", zip="")
    assert (signature.status, signature.reason) == ("invalid", "wrong_county")


@pytest.mark.parametrize(
    "fields",
    [
        {"address": ""},
        {"city": ""},
        {"first_name": ""},
        {"address": "J Street"},
        {"address": "1200"},
        {"first_name": "", "last_name": ""},
    ],
)
def test_a_required_item_missing_is_incomplete(fields):
    VoterFactory()
    signature = validated(**fields)
    assert (signature.status, signature.reason) == ("invalid", "incomplete")


def test_a_paper_signature_without_a_printed_name_is_incomplete(calexit):
    VoterFactory()
    assert paper_line(calexit, name="", address="1200 J St", zip="").reason == "incomplete"


def test_nobody_plausible_is_not_registered():
    VoterFactory()
    assert validated(first_name="Nobody", last_name="Known").reason == "not_registered"


def test_a_voter_no_longer_registered_is_never_a_candidate():
    VoterFactory(registered=False)
    signature = validated()
    assert (signature.reason, signature.voter) == ("not_registered", None)


# --- Several people of one name ---------------------------------------------------------------


def test_father_and_son_are_told_apart_by_the_suffix():
    father = VoterFactory(first_name="Robert", last_name="Smith")
    son = VoterFactory(first_name="Robert", last_name="Smith", suffix="JR")
    assert validated(first_name="Robert", last_name="Smith", suffix="Jr.").voter == son
    assert validated(first_name="Robert", last_name="Smith", email="dad@example.com").voter == father


def test_jr_and_sr_both_registered_and_no_suffix_written_goes_to_review():
    VoterFactory(first_name="Robert", last_name="Smith", suffix="SR")
    VoterFactory(first_name="Robert", last_name="Smith", suffix="JR")
    assert validated(first_name="Robert", last_name="Smith").status == "review"


def test_father_and_son_are_told_apart_by_the_middle_initial():
    VoterFactory(first_name="Robert", middle_name="James", last_name="Smith")
    son = VoterFactory(first_name="Robert", middle_name="Michael", last_name="Smith")
    assert validated(first_name="Robert", middle_name="M", last_name="Smith").voter == son


def test_father_and_son_are_told_apart_by_the_birth_date_given_online():
    VoterFactory(first_name="Robert", last_name="Smith", dob=date(1960, 1, 1))
    son = VoterFactory(first_name="Robert", last_name="Smith", dob=date(1990, 1, 1))
    assert validated(first_name="Robert", last_name="Smith", dob=date(1990, 1, 1)).voter == son


def test_a_birth_date_that_differs_excludes_the_voter():
    VoterFactory(first_name="Robert", last_name="Smith", dob=date(1960, 1, 1))
    assert validated(first_name="Robert", last_name="Smith", dob=date(1990, 1, 1)).reason == "not_registered"


def test_an_exact_name_is_preferred_to_a_look_alike_in_the_household():
    maria = VoterFactory(first_name="Maria")
    VoterFactory(first_name="Mario")
    assert validated(first_name="Maria").voter == maria


def test_two_plausible_voters_go_to_review_with_their_candidates_best_first():
    a = VoterFactory(middle_name="A")
    b = VoterFactory(middle_name="B")
    signature = validated()
    assert signature.status == "review" and signature.voter is None
    assert [c["voter"] for c in signature.match_candidates] == sorted([a.pk, b.pk])
    assert all(0 <= c["score"] <= 1 for c in signature.match_candidates)
    assert signature.match_score == signature.match_candidates[0]["score"]


def test_a_typo_in_the_given_name_between_two_household_look_alikes_goes_to_review():
    VoterFactory(first_name="Maria")
    VoterFactory(first_name="Marta")
    assert validated(first_name="Marla").status == "review"


def test_one_plausible_voter_below_the_bar_goes_to_review(calexit):
    VoterFactory(first_name="James", last_name="Clarke")
    signature = paper_line(calexit, name="Jaemo Clatke", address="1200 J St", zip="")
    assert signature.status == "review"
    assert len(signature.match_candidates) == 1


def test_at_most_five_candidates_are_kept():
    for letter in "ABCDEFG":
        VoterFactory(middle_name=letter)
    assert len(validated().match_candidates) == 5


def test_a_valid_match_records_its_score():
    VoterFactory()
    exact = validated()
    assert exact.match_score == 1.0
    typo = validated(first_name="Mraia", last_name="Garcia", email="typo@example.com")
    assert 0.88 <= typo.match_score < 1.0


def test_validation_costs_a_fixed_handful_of_queries(django_assert_max_num_queries):
    for number in range(40):
        VoterFactory(address_number=str(1000 + number), first_name=f"Maria{number}")
    signatures = [
        SignatureFactory(first_name="Maria7", address="1007 J St"),
        SignatureFactory(first_name="Nobody"),
        SignatureFactory(first_name="Maria9", address="1200 K St"),
    ]
    for signature in signatures:
        # (the tenth: for a line the rules leave unnamed, whether the voter file is one without households)
        with django_assert_max_num_queries(10):
            signature_validate(signature_id=signature.pk)


def test_an_exact_name_is_preferred_even_to_a_very_close_one():
    christina = VoterFactory(first_name="Christina")
    VoterFactory(first_name="Christine")
    assert validated(first_name="Christina").voter == christina


def test_a_similar_but_different_given_name_goes_to_review_rather_than_valid():
    VoterFactory(first_name="Sarah", middle_name="J", last_name="Olsen")
    assert validated(first_name="Sandra", middle_name="Jean", last_name="Olsen").status == "review"


def test_van_as_a_vietnamese_middle_name_is_not_taken_for_a_surname_particle(calexit):
    hieu = VoterFactory(first_name="Hieu", middle_name="Van", last_name="Vu", address_number="9", street_name="K")
    signature = paper_line(calexit, name="HIEU VAN VU", address="3125 Lemon Blvd", zip="")
    assert (signature.reason, signature.voter) == ("address_mismatch", hieu)


def test_a_moved_voter_without_zip_is_found_in_the_county(calexit):
    grace = VoterFactory(
        first_name="Grace",
        middle_name="Y",
        last_name="Tsai",
        county_id="36",
        address_number="3822",
        street_name="Orange",
        street_type="AVE",
        zip="92335",
    )
    signature = paper_line(calexit, name="Grace Y Tsai", address="3550 Herndon St. Unit 321", county="36", zip="")
    assert (signature.reason, signature.voter) == ("address_mismatch", grace)


def test_an_ordinal_street_without_house_number_is_incomplete():
    VoterFactory()
    assert validated(address="14th Ave").reason == "incomplete"


# --- Naming the voter of an invalid signature --------------------------------------------------
# The county's rules decide the status; the voter a signature names is who signed, when the
# evidence says so. A wrong house number stays address_mismatch, a line without a city stays
# incomplete: naming the voter changes neither.


def test_a_voter_who_moved_along_the_street_is_named_and_the_house_number_still_makes_it_address_mismatch():
    maria = VoterFactory(address_number="1300")
    signature = validated(address="1200 J St", zip="")
    assert (signature.status, signature.reason, signature.voter) == ("invalid", "address_mismatch", maria)


def test_a_namesake_elsewhere_in_the_county_with_nothing_of_the_address_in_common_is_not_named():
    VoterFactory(address_number="99", street_name="K", zip="95820")
    signature = validated(address="1200 J St", zip="95814")
    assert (signature.status, signature.reason, signature.voter) == ("invalid", "address_mismatch", None)


def test_the_same_name_at_the_same_house_number_with_the_zip_one_slip_away_names_the_voter():
    # The street written is not the voter's (miswritten, or another name for it); the house
    # number is, and the ZIP is theirs with two digits swapped.
    maria = VoterFactory(address_number="1200", street_name="Oak", street_type="AVE", zip="95841")
    signature = validated(address="1200 J St", zip="95814")
    assert (signature.reason, signature.voter) == ("address_mismatch", maria)


def test_the_same_name_at_the_same_house_number_on_another_street_in_another_zip_is_not_named():
    VoterFactory(address_number="1200", street_name="Oak", street_type="AVE", zip="95820")
    signature = validated(address="1200 J St", zip="95814")
    assert (signature.reason, signature.voter) == ("address_mismatch", None)


def test_a_zip_one_slip_away_alone_does_not_name_a_moved_voter():
    VoterFactory(address_number="99", street_name="K", zip="95841")
    signature = validated(address="1200 J St", zip="95814")
    assert (signature.reason, signature.voter) == ("address_mismatch", None)


def test_a_zip_one_slip_away_does_not_name_a_voter_in_another_county():
    VoterFactory(county_id="19", address_number="1200", street_name="Oak", street_type="AVE", zip="95841")
    signature = validated(address="1200 J St", zip="95814", county_id="34", city="")
    assert (signature.reason, signature.voter) == ("incomplete", None)


def test_a_voter_told_apart_by_a_middle_initial_is_not_named_for_another_initial():
    VoterFactory(first_name="Robert", middle_name="Michael", last_name="Smith", address_number="1300")
    signature = validated(first_name="Robert", middle_name="J", last_name="Smith", address="1200 J St", city="")
    assert (signature.reason, signature.voter) == ("incomplete", None)


def test_a_voter_on_k_street_is_not_named_for_a_line_on_j_street():
    VoterFactory(address_number="1300", street_name="K", zip="95820")
    signature = validated(address="1200 J St", zip="")
    assert (signature.reason, signature.voter) == ("address_mismatch", None)


def test_a_lettered_street_of_the_grid_is_another_street_at_the_same_house_number():
    # 'J St' and 'K St' look alike to string similarity (0.9); in Sacramento's grid they
    # are two streets, so the registered address is not the one written.
    maria = VoterFactory(street_name="K")
    signature = validated(address="1200 J St")
    assert (signature.status, signature.reason) == ("invalid", "address_mismatch")
    assert signature.voter == maria  # house number and ZIP agree, and the name: it is her


def test_a_numbered_street_is_another_street_when_its_number_differs():
    VoterFactory(street_name="15TH")
    assert validated(address="1200 5th St").reason == "address_mismatch"
    VoterFactory(first_name="Ana", street_name="7TH")
    assert validated(first_name="Ana", address="1200 Seventh St").status == "valid"  # 7th written out


def test_a_typo_in_a_short_street_name_still_agrees():
    maria = VoterFactory(street_name="MAIN")
    assert validated(address="1200 Mian St").voter == maria


def test_a_voter_on_15th_street_is_not_named_for_a_line_on_5th_street():
    VoterFactory(address_number="1300", street_name="15TH", zip="95820")
    signature = validated(address="1200 5th St", zip="")
    assert (signature.reason, signature.voter) == ("address_mismatch", None)


def test_another_surname_that_looks_alike_is_not_named_however_much_of_the_address_agrees():
    # Garza and Garcia score close (Jaro-Winkler 0.88), but Garza is a surname of its own,
    # not a keying slip of Garcia.
    VoterFactory(address_number="1200", street_name="Oak", street_type="AVE")
    signature = validated(last_name="Garza", address="1200 J St", zip="95814")
    assert signature.voter is None


def test_a_surname_with_two_letters_swapped_is_a_slip_and_names_the_voter():
    maria = VoterFactory(address_number="1300")
    signature = validated(last_name="Gracia", address="1200 J St", zip="95814")
    assert (signature.reason, signature.voter) == ("address_mismatch", maria)


def test_two_namesakes_on_the_street_name_nobody():
    VoterFactory(address_number="1300")
    VoterFactory(address_number="1400")
    signature = validated(address="1200 J St")
    assert (signature.reason, signature.voter) == ("address_mismatch", None)


def test_a_namesake_in_a_county_with_more_of_that_name_than_the_search_reads_is_not_named():
    # 24 Garcias of the ZIP whose given names start with M fill the searches by county,
    # surname and initial and by ZIP and surname (each reads 20): Maria at 1200 Oak Ave,
    # found by her house number, may not be the only Maria Garcia of the ZIP.
    for number in range(24):
        VoterFactory(first_name=f"Mateo{chr(65 + number)}", address_number=str(10 + number), street_name="K")
    VoterFactory(address_number="1200", street_name="Oak", street_type="AVE")
    signature = validated(address="1200 J St", zip="95814")
    assert (signature.reason, signature.voter) == ("address_mismatch", None)


def test_the_same_name_in_the_same_zip_is_named_when_the_county_has_few_of_that_name():
    for number in range(5):
        VoterFactory(first_name=f"Mateo{chr(65 + number)}", address_number=str(10 + number), street_name="K")
    maria = VoterFactory(address_number="1200", street_name="Oak", street_type="AVE")
    signature = validated(address="1200 J St", zip="95814")
    assert (signature.reason, signature.voter) == ("address_mismatch", maria)


def test_the_voter_registered_at_the_address_in_another_county_is_named_for_a_wrong_county_signature():
    maria = VoterFactory(county_id="19", zip="90012")
    signature = validated(county_id="34", zip="90012")
    assert (signature.reason, signature.voter) == ("wrong_county", maria)


def test_the_voter_at_the_written_address_in_another_county_is_named_rather_than_a_namesake_of_the_zip():
    maria = VoterFactory(county_id="19", zip="95814")
    VoterFactory(county_id="19", address_number="99", street_name="K", zip="95814")
    signature = validated(county_id="34", zip="95814")
    assert (signature.reason, signature.voter) == ("wrong_county", maria)


def test_the_voter_at_the_written_address_is_named_even_where_the_county_has_more_of_that_name_than_the_search_reads():
    # Whoever else of that name the search did not read, none of them lives at 1200 J St:
    # the search by house number and street read everyone there.
    for number in range(24):
        VoterFactory(
            county_id="19", first_name=f"Mateo{chr(65 + number)}", address_number=str(10 + number), street_name="K"
        )
    maria = VoterFactory(county_id="19")
    signature = validated(county_id="34")
    assert (signature.reason, signature.voter) == ("wrong_county", maria)


def test_two_namesakes_with_as_much_of_the_address_agreeing_name_nobody():
    VoterFactory(county_id="19", address_number="99", street_name="K", zip="95814")
    VoterFactory(county_id="19", address_number="98", street_name="L", zip="95814")
    VoterFactory(county_id="19", zip="95814", first_name="Maria", middle_name="A")
    VoterFactory(county_id="19", zip="95814", first_name="Maria", middle_name="B")
    signature = validated(county_id="34", zip="95814")
    assert (signature.reason, signature.voter) == ("wrong_county", None)


# --- Lines missing a required item: still incomplete, still looked up ----------------------------


def test_a_line_without_a_city_is_incomplete_and_names_its_voter():
    maria = VoterFactory()
    signature = validated(city="")
    assert (signature.status, signature.reason, signature.voter) == ("invalid", "incomplete", maria)


def test_a_line_without_a_city_and_two_voters_it_could_be_names_nobody():
    VoterFactory(middle_name="A")
    VoterFactory(middle_name="B")
    signature = validated(city="")
    assert (signature.status, signature.reason, signature.voter) == ("invalid", "incomplete", None)


def test_a_line_without_a_house_number_names_the_voter_of_that_name_on_that_street():
    maria = VoterFactory()
    signature = validated(address="J St")
    assert (signature.status, signature.reason, signature.voter) == ("invalid", "incomplete", maria)


def test_a_line_with_only_a_house_number_names_the_voter_of_that_name_at_that_number_in_that_zip():
    maria = VoterFactory()
    signature = validated(address="1200", zip="95814")
    assert (signature.reason, signature.voter) == ("incomplete", maria)


def test_a_slip_in_the_given_name_with_street_and_zip_agreeing_names_the_voter_of_a_line_without_a_city():
    ben = VoterFactory(first_name="Ben", last_name="Armiento", address_number="17")
    signature = validated(first_name="Bwn", last_name="Armiento", address="40 J St", city="", zip="95814")
    assert (signature.reason, signature.voter) == ("incomplete", ben)


def test_a_line_without_a_house_number_does_not_name_a_voter_of_another_surname_on_the_street():
    VoterFactory(first_name="Maria", last_name="Gomez")
    signature = validated(first_name="Maria", last_name="Garcia", address="J St", zip="95814")
    assert (signature.reason, signature.voter) == ("incomplete", None)


def test_only_a_surname_at_the_voter_address_names_the_one_voter_of_that_surname_there(calexit):
    maria = VoterFactory()
    VoterFactory(first_name="Aidan", last_name="Leslie")
    signature = paper_line(calexit, name="Garcia", address="1200 J St", zip="")
    assert (signature.status, signature.reason, signature.voter) == ("invalid", "incomplete", maria)


def test_only_a_surname_with_a_keying_slip_at_the_voter_address_names_the_voter(calexit):
    maria = VoterFactory()
    signature = paper_line(calexit, name="Garica", address="1200 J St", zip="")
    assert (signature.reason, signature.voter) == ("incomplete", maria)


def test_only_another_surname_that_looks_alike_at_the_voter_address_names_nobody(calexit):
    VoterFactory()
    signature = paper_line(calexit, name="Garza", address="1200 J St", zip="")
    assert (signature.reason, signature.voter) == ("incomplete", None)


def test_only_a_surname_shared_by_two_voters_at_the_address_names_nobody(calexit):
    VoterFactory(first_name="Maria")
    VoterFactory(first_name="Jose")
    signature = paper_line(calexit, name="Garcia", address="1200 J St", zip="")
    assert (signature.reason, signature.voter) == ("incomplete", None)


def test_only_a_given_name_at_the_voter_address_names_the_voter(calexit):
    maria = VoterFactory(first_name="Mitchell", last_name="Webb")
    signature = paper_line(calexit, name="Mitchell", address="1200 J St", zip="")
    assert (signature.reason, signature.voter) == ("incomplete", maria)


def test_only_a_surname_with_a_house_number_that_differs_names_nobody(calexit):
    VoterFactory()
    signature = paper_line(calexit, name="Garcia", address="1300 J St", zip="95814")
    assert (signature.reason, signature.voter) == ("incomplete", None)


def test_only_a_surname_and_the_street_without_a_house_number_names_the_voter_in_that_zip(calexit):
    maria = VoterFactory()
    signature = paper_line(calexit, name="Garcia", address="J St", zip="95814")
    assert (signature.reason, signature.voter) == ("incomplete", maria)


def test_only_a_surname_names_nobody_when_the_zip_holds_more_namesakes_than_were_read(calexit):
    # The ZIP block of a line without a given name stops at its LIMIT (20): another Garcia
    # of J St may be among those it did not read, so "the one Garcia of J St" is not known.
    VoterFactory()
    for number in range(25):
        VoterFactory(first_name=f"Ana{number}", address_number=str(300 + number), street_name="P")
    signature = paper_line(calexit, name="Garcia", address="J St", zip="95814")
    assert (signature.reason, signature.voter) == ("incomplete", None)


def test_a_line_with_a_name_and_a_city_but_no_address_is_not_looked_up(calexit):
    VoterFactory()
    signature = paper_line(calexit, name="Maria Garcia", address="", zip="95814")
    assert (signature.reason, signature.voter) == ("incomplete", None)


def test_the_voter_a_decision_names_is_the_candidate_row_with_every_other_field_at_its_default(
    django_assert_num_queries,
):
    from petitions.matching.voters import VoterRow
    from petitions.models import Voter
    from petitions.validation.engine import decide

    assert set(VoterRow._fields) <= {field.attname for field in Voter._meta.concrete_fields}
    robert = VoterFactory(first_name="Robert", last_name="Smith", dob=date(1970, 1, 2))
    signature = SignatureFactory.build(first_name="Robert", last_name="Smith", address="1200 J St")
    with django_assert_num_queries(1):  # the candidates, and nothing more for the voter named
        decision = decide(signature)
        named = decision.voter
        assert named is not None and named == robert
        assert (named.first_name, named.key_street, named.dob) == ("Robert", robert.key_street, date(1970, 1, 2))
        assert named.city == ""  # not a column the candidates carry: the default
