"""Who signed, where the voter file says people do not share addresses (docs/architecture.md, "Who
signed, in a file without households").

A different name at a registered address is usually a housemate, so the county's rules name nobody.
After each import `measure` records the share of voters who share their address with another
(VoterFileShape). Where fewer than SHARED_AT_MOST do, in a file of at least MIN_VOTERS, a signature the
rules leave unnamed names the voter most of its six fields agree with (`identify`: at least
AGREE_AT_LEAST agree, no other candidate within MARGIN, and no block of the wider search
`wide_candidates` stopped at its LIMIT). The status is never touched: the county still compares the name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.db import connection
from django.utils import timezone

from petitions.matching.keys import key_hash_sql
from petitions.matching.names import given_name_relatives, jaro_winkler, name_key
from petitions.matching.scoring import (
    STREET_AGREES,
    WrittenSignature,
    dob_conflict,
    house_agrees,
    street_similarity,
    voter_street,
)
from petitions.matching.voters import COLUMNS, VoterRow
from petitions.models import VoterFileShape
from petitions.validation.candidates import voter_row

SHARED_AT_MOST = 0.05  # fewer voters than this sharing an address: the address identifies a person
MIN_VOTERS = 1000  # fewer registered voters with an address: the share says nothing
SAMPLE = 20_000  # voters the share is measured on (all of them in a smaller file)
AGREE_AT_LEAST = 3  # of given name, surname, house number, street, ZIP, city
MARGIN = 1  # fields by which the voter named must lead every other candidate
NAME_AGREES = 0.85  # Jaro-Winkler: a name this close is the voter's, keyed with slips
WIDE_LIMITS = {"zip": 60, "zip_slip": 120, "sound": 60}


# --- The file's shape ---------------------------------------------------------------------------


def measure(*, file_name: str = "") -> VoterFileShape:
    """Measure the voter table's shared-address share and record it (a
    VoterFileShape). The registered voters are counted (one pass over the
    table); on PostgreSQL a sample of about SAMPLE of them is drawn from the
    table's pages (TABLESAMPLE SYSTEM) and each is looked up in the address
    index (0.6 s at 1 M voters here); on a smaller table every voter is."""
    # Through voter_address_key: its KeyHash of the county and house number, then the street.
    address = ("county_id", "key_house")
    shared_sql = (
        f"EXISTS (SELECT 1 FROM petitions_voter o WHERE o.registered "
        f"AND {key_hash_sql(connection.vendor, address, 'o')} = {key_hash_sql(connection.vendor, address, 'v')} "
        "AND o.county_id = v.county_id AND o.key_house = v.key_house AND o.key_street = v.key_street AND o.id <> v.id)"
    )
    where = "v.registered AND v.key_house <> '' AND v.key_street <> ''"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM petitions_voter v WHERE {where}")
        voters = cursor.fetchone()[0]
        sample = ""
        if connection.vendor == "postgresql" and voters > SAMPLE:
            # Whole pages, so neighbours in the file come together; each sampled voter is
            # still looked up against the whole table, so the share is not biased by it.
            sample = f" TABLESAMPLE SYSTEM ({100.0 * SAMPLE / voters:.6f}) REPEATABLE (2026)"
        cursor.execute(
            f"SELECT COUNT(*), COUNT(*) FILTER (WHERE {shared_sql}) FROM petitions_voter v{sample} WHERE {where}"
            if connection.vendor == "postgresql"
            else f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN {shared_sql} THEN 1 ELSE 0 END), 0) "
            f"FROM petitions_voter v WHERE {where}"
        )
        sampled, shared = cursor.fetchone()
    return VoterFileShape.objects.create(
        measured_at=timezone.now(),
        file_name=file_name[:255],
        voters=voters,
        sampled=sampled,
        shared_address_share=shared / sampled if sampled else 1.0,
    )


Shape = tuple  # (VoterFileShape id, measured_at): which measurement is in force


def in_force() -> Shape | None:
    """The last measurement when it says the address identifies a person;
    None otherwise, and when nothing was measured (voters loaded another way)."""
    shape = (
        VoterFileShape.objects.order_by("-measured_at", "-id")
        .values("id", "measured_at", "voters", "shared_address_share")
        .first()
    )
    if shape and shape["voters"] >= MIN_VOTERS and shape["shared_address_share"] < SHARED_AT_MOST:
        return shape["id"], shape["measured_at"]
    return None


# --- The wider search ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Wide:
    """A signature's candidates for `identify`: each voter with their city, and
    whether every block was read in full."""

    voters: list[tuple[VoterRow, str]]
    complete: bool


# The ZIPs whose block was found full, for the measurement in force (voters
# change only by an import, and each import is measured anew).
_full_zips: dict[Shape, set[str]] = {}


def _zip_full(cursor, zip_code: str, shape: Shape) -> bool:
    if shape not in _full_zips:
        _full_zips.clear()
        _full_zips[shape] = set()
    full = _full_zips[shape]
    if zip_code not in full:
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM petitions_voter WHERE registered AND key_zip = %s "
            f"LIMIT {WIDE_LIMITS['zip']}) z",
            [zip_code],
        )
        if cursor.fetchone()[0] < WIDE_LIMITS["zip"]:
            return False
        full.add(zip_code)
    return True


def wide_candidates(
    *, ids: list[int], zip_code: str, phonetics: tuple[str, ...], initials: tuple[str, ...], shape: Shape
) -> Wide:
    """The voters already found (`ids`) with the voters of the written ZIP, of
    the ZIPs one slip from it, and those whose surname sounds like a written
    one and whose given name has one of the written initials, statewide (the
    indexes' leading columns: voter_zip_house_key, voter_phonetic_zip_initial_key).

    The blocks are counted first (each up to its LIMIT, index only): when one
    is full the search cannot be complete, and nothing more is read. A full
    ZIP is remembered for the measurement in force (`shape`, from
    in_force): in a file of dense ZIPs, where nobody can be named
    this way, a signature then costs a set lookup."""
    blocks: dict[str, tuple[str, list]] = {}
    with connection.cursor() as cursor:
        if zip_code:
            if _zip_full(cursor, zip_code, shape):
                return Wide(voters=[], complete=False)
            blocks["zip"] = ("key_zip = %s", [zip_code])
            near = zip_slips(zip_code)
            blocks["zip_slip"] = (f"key_zip IN ({', '.join(['%s'] * len(near))})", near)
        if phonetics and initials:
            blocks["sound"] = (
                f"key_last_phonetic IN ({', '.join(['%s'] * len(phonetics))}) "
                f"AND key_first_initial IN ({', '.join(['%s'] * len(initials))})",
                [*phonetics, *initials],
            )
        counted = {name: value for name, value in blocks.items() if name != "zip"}
        if counted:
            cursor.execute(
                "SELECT "
                + ", ".join(
                    f"(SELECT COUNT(*) FROM (SELECT 1 FROM petitions_voter WHERE registered AND {where} "
                    f"LIMIT {WIDE_LIMITS[name]}) {name})"
                    for name, (where, _) in counted.items()
                ),
                [value for _, values in counted.values() for value in values],
            )
            if any(count >= WIDE_LIMITS[name] for name, count in zip(counted, cursor.fetchone())):
                return Wide(voters=[], complete=False)
        columns = ", ".join(COLUMNS) + ", city"
        parts = [
            f"SELECT {columns} FROM petitions_voter WHERE registered "
            f"AND id IN ({', '.join(['%s'] * len(ids)) or 'NULL'})"
        ]
        parts += [f"SELECT {columns} FROM petitions_voter WHERE registered AND {where}" for where, _ in blocks.values()]
        cursor.execute(" UNION ".join(parts), [*ids, *(value for _, values in blocks.values() for value in values)])
        rows = cursor.fetchall()
    voters = []
    for *values, city in rows:
        voters.append((voter_row(tuple(values)), city or ""))
    return Wide(voters=voters, complete=True)


def zip_slips(zip_code: str) -> list[str]:
    """The ZIPs one keying slip from a written one that stay in its area: two
    neighbouring digits swapped, or the last digit wrong."""
    return sorted(_zip_slip_set(zip_code))


@lru_cache(maxsize=4096)
def _zip_slip_set(zip_code: str) -> frozenset[str]:
    slips = {zip_code[:i] + zip_code[i + 1] + zip_code[i] + zip_code[i + 2 :] for i in range(len(zip_code) - 1)}
    slips |= {zip_code[:-1] + digit for digit in "0123456789"}
    slips.discard(zip_code)
    return frozenset(slips)


# --- Naming -------------------------------------------------------------------------------------


def _close(a: str, b: str) -> bool:
    return bool(a and b) and (a == b or jaro_winkler(a, b) >= NAME_AGREES)


def agreements(written: WrittenSignature, city: str, voter: VoterRow, voter_city: str) -> tuple[bool, ...]:
    """Which of given name, surname, house number, street, ZIP and city agree
    (a name in any of the ways the line can be read, a nickname counting as
    the given name, one name written as either; a street abbreviated or
    misspelt; the ZIP or the city keyed with slips)."""
    address = written.address
    given = any(
        r.given and (_close(r.given, voter.key_first) or voter.key_first in given_name_relatives(r.given))
        for r in written.readings
    )
    surname = any(_close(name_key(r.surname), voter.key_last) for r in written.readings)
    words = {w for r in written.readings for w in (r.given, name_key(r.surname)) if w}
    if len(words) == 1 and not (given or surname):
        # One name written: it may be either.
        word = next(iter(words))
        given, surname = _close(word, voter.key_first), _close(word, voter.key_last)
    house = house_agrees(address, voter)
    registered = voter_street(voter.street_dir_prefix, voter.street_name, voter.street_type, voter.street_dir_suffix)
    street = bool(address.street.name) and street_similarity(address.street, registered) >= STREET_AGREES
    zip_agrees = bool(written.zip) and (written.zip == voter.zip[:5] or voter.zip[:5] in _zip_slip_set(written.zip))
    city_agrees = _close(name_key(city), name_key(voter_city))
    return given, surname, house, street, zip_agrees, city_agrees


def identify(written: WrittenSignature, city: str, wide: Wide) -> VoterRow | None:
    """The voter most of the line's fields point at (see the module's docstring), or None."""
    if not wide.complete:
        return None
    counted = sorted(
        (
            (sum(agreements(written, city, voter, voter_city)), voter.id, voter)
            for voter, voter_city in wide.voters
            if not dob_conflict(written, voter)
        ),
        key=lambda item: (-item[0], item[1]),
    )
    if not counted or counted[0][0] < AGREE_AT_LEAST:
        return None
    if len(counted) > 1 and counted[0][0] - counted[1][0] < MARGIN:
        return None
    return counted[0][2]
