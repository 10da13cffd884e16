"""Names as signers write them: parts, compound surnames, suffixes, accents, nicknames, typos."""

import pytest

from petitions.matching.names import (
    are_nicknames,
    canonical_given_name,
    given_name_similarity,
    name_key,
    parse_printed_name,
    surname_phonetic,
    surname_similarity,
)


@pytest.mark.parametrize(
    "written, parts",
    [
        ("Robert J. Smith Jr.", ("ROBERT", "J", "SMITH", "JR")),
        ("Smith, Robert J", ("ROBERT", "J", "SMITH", "")),
        ("SMITH JR, ROBERT", ("ROBERT", "", "SMITH", "JR")),
        ("Dr. John Q Public III", ("JOHN", "Q", "PUBLIC", "III")),
        ("Henry Ford II", ("HENRY", "", "FORD", "II")),
        ("Robert Smith Senior", ("ROBERT", "", "SMITH", "SR")),
        ("Mary Ann Smith", ("MARY", "ANN", "SMITH", "")),
    ],
)
def test_a_printed_name_is_read_as_given_middle_surname_and_suffix(written, parts):
    name = parse_printed_name(written)
    assert (name.first, name.middle, name.last, name.suffix) == parts


def test_a_compound_surname_with_particles_stays_whole():
    assert parse_printed_name("Maria de la Cruz").last == "DE LA CRUZ"
    assert parse_printed_name("Jan Van Der Berg").last == "VAN DER BERG"
    assert parse_printed_name("de la Cruz, Maria").last == "DE LA CRUZ"


def test_a_hyphenated_surname_stays_one_surname():
    name = parse_printed_name("José García-López")
    assert (name.first, name.last) == ("JOSE", "GARCIA-LOPEZ")


def test_accents_case_and_apostrophes_are_folded():
    assert name_key("O'Brien") == name_key("OBRIEN") == name_key("o’brien") == "OBRIEN"  # noqa: RUF001 - the typographic apostrophe on purpose
    assert name_key("José") == name_key("JOSE")
    assert name_key("Nuñez") == "NUNEZ"


def test_a_hyphenated_surname_matches_the_voter_file_written_with_a_space():
    assert surname_similarity("Garcia-Lopez", "GARCIA LOPEZ") == 1.0


def test_one_of_two_surnames_matches_the_voter_file_compound_surname():
    assert surname_similarity("Garcia", "GARCIA LOPEZ") >= 0.9
    assert surname_similarity("Lopez", "GARCIA LOPEZ") >= 0.85


def test_a_surname_written_with_or_without_its_particles_matches():
    assert surname_similarity("de la Cruz", "DELACRUZ") == 1.0
    assert surname_similarity("Van Der Berg", "VANDERBERG") == 1.0
    assert surname_similarity("Cruz", "DE LA CRUZ") >= 0.95


def test_a_surname_typo_is_tolerated_but_another_surname_is_not():
    assert surname_similarity("Smtih", "SMITH") > 0.9
    assert surname_similarity("Jones", "SMITH") < 0.6


@pytest.mark.parametrize(
    "nickname, given",
    [
        ("Bob", "Robert"),
        ("Bill", "William"),
        ("Peggy", "Margaret"),
        ("Kathy", "Katherine"),
        ("Jim", "James"),
        ("Dick", "Richard"),
        ("Betty", "Elizabeth"),
        ("Tony", "Anthony"),
        ("Pepe", "Jose"),
        ("Lupe", "Guadalupe"),
        ("Alex", "Alejandro"),
        ("Beto", "Roberto"),
        ("Kate", "Catherine"),
        ("Chuy", "Jesus"),
    ],
)
def test_a_voter_who_wrote_a_nickname_matches_the_given_name(nickname, given):
    assert are_nicknames(name_key(nickname), name_key(given))
    assert given_name_similarity(name_key(nickname), name_key(given)) >= 0.95


@pytest.mark.parametrize(
    "nickname, given",
    [
        ("Bob", "Robert"),
        ("Bobby", "Robert"),
        ("Bill", "William"),
        ("Will", "William"),
        ("Peggy", "Margaret"),
        ("Kathy", "Katherine"),
        ("Jim", "James"),
        ("Mike", "Michael"),
        ("Tony", "Anthony"),
        ("Jack", "John"),
    ],
)
def test_a_nickname_and_its_given_name_have_one_canonical_form(nickname, given):
    assert canonical_given_name(nickname) == canonical_given_name(given) == name_key(given)


def test_a_given_name_the_nickname_list_does_not_know_is_its_own_canonical_form():
    assert canonical_given_name("Xochitl") == "XOCHITL"


def test_an_initial_matches_a_given_name_starting_with_it():
    assert given_name_similarity("J", "JAMES") == 0.85
    assert given_name_similarity("K", "JAMES") == 0.0


def test_a_given_name_typo_scores_high_and_another_name_low():
    assert given_name_similarity("MAIRA", "MARIA") > 0.9
    assert given_name_similarity("CHRIS", "CHRISTOPHER") >= 0.9
    assert given_name_similarity("BRADLEY", "GIAAN") < 0.6


def test_the_phonetic_key_is_shared_by_spellings_that_sound_alike_and_by_a_compound_surname():
    assert surname_phonetic("Smith") == surname_phonetic("Smyth")
    assert surname_phonetic("Garcia-Lopez") == surname_phonetic("GARCIA LOPEZ") == surname_phonetic("Garcia")
    assert surname_phonetic("de la Cruz") == surname_phonetic("Cruz")
