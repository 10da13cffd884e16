"""A synthetic voter file and signatures with known truth, for `make bench-accuracy`.

    .venv/bin/python -m bench.generate OUTDIR [--seed N] [--voters 20000] [--signatures 5000] [--gzip]

writes into OUTDIR:

- `voters.tsv` (`voters.tsv.gz` with --gzip): the Secretary of State's layout
  (petitions.demo.voters.synthetic_header: with columns the software must ignore), one row
  per registered voter of a population from bench.synthetic (households, Jr/Sr,
  similar given names, compound surnames, apartment buildings). About a quarter
  of the counties write names and streets in upper case, as some exports do.
- `paper.csv`: keyed paper signatures, `section,line,county,name,address,city,zip,date_signed`;
  each section circulates in one county and holds 10-30 lines.
- `online.csv`: online signatures, `first_name,middle_name,last_name,suffix,address,unit,city,zip,county,email,dob`,
  for bench.load_online to create and confirm through the signing services.
- `truth.csv`: one row per signature (see TRUTH_HEADER): who truly signed (the
  RegistrantID, or a made-up person id for someone not registered), what the
  counties would decide, the variation it carries.
- `manifest.json`: the seed, the sizes, the mix.

Deterministic: the same seed and sizes give byte-identical files.

The mix (share of signatures, MIX):
  clean 77 %        a registered voter in their own county, written the ways
                    people write: middle name full, as an initial or left out;
                    Jr/Sr; accents or none; St/Street, N/North, 5th/Fifth; the unit
                    as Apt 4, #4, Unit 4, left out or wrong (still valid, EC rules);
                    compound surnames with a hyphen, a space, or only the first.
                    Signers are drawn more often from the hard households (Jr/Sr,
                    Maria/Mario, compound surnames).
  typo 3 %          one or two letters wrong in the given name, surname or street
                    (never the first letter, never the house number)
  nickname 2.5 %    Bob for Robert, Liz for Elizabeth, Pepe for Jose, ...
  moved 4 %         a registered voter signing at a new address in the same county:
                    invalid / address_mismatch (only voters nobody else in the
                    county answers to by name: bench.synthetic.name_keys, with
                    nicknames, Spanish/English forms, middle names, surname words)
  wrong_county 2 %  registered in county X, signing a section (or the online form)
                    of county Y, where nobody answers to their name, with their
                    real address: invalid / wrong_county
  unregistered 6 %  people not in the file and sharing no name key with anyone in
                    their county; 30 % live with registered relatives (same address
                    and surname, a given name neither within two letters of nor
                    equivalent to theirs); about one in eight signs twice:
                    invalid / not_registered, then duplicate
  repeat 4 %        a second signature of a registered voter who signed already
                    (paper and online, or two paper sections): duplicate
  incomplete 1.5 %  paper lines missing the address, the house number, the surname
                    or the city: invalid / incomplete
Signatures are online for about 30 % of signers (paper only for incomplete ones).

Truth of duplicates: for one person with several signatures, the first in
processing order (paper in file order, then online in file order) carries the
person's outcome and the others are `duplicate` of it. bench.score reads this
without caring which one of the group the engine keeps.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from bench.synthetic import (
    NICKNAMES,
    Address,
    Draw,
    Person,
    Population,
    accented,
    build_population,
    distance,
    first_given,
    fold,
    name_keys,
    unregistered_person,
)
from petitions.demo import voters as demo

MIX = {
    "clean": 0.77,
    "typo": 0.03,
    "nickname": 0.025,
    "moved": 0.04,
    "wrong_county": 0.02,
    "unregistered": 0.06,
    "repeat": 0.04,
    "incomplete": 0.015,
}
ONLINE_SHARE = 0.30
UNREGISTERED_REPEAT_SHARE = 0.13  # of unregistered signatures, those that are someone's second
HOUSEMATE_SHARE = 0.30  # of unregistered people, those living with registered relatives
UPPER_CASE_COUNTIES = 0.25  # share of counties whose file writes names and streets in upper case
SIGNING_DAYS = (date(2026, 1, 12), date(2026, 6, 10))

PAPER_HEADER = ["section", "line", "county", "name", "address", "city", "zip", "date_signed"]
ONLINE_HEADER = [
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "address",
    "unit",
    "city",
    "zip",
    "county",
    "email",
    "dob",
]
TRUTH_HEADER = [
    "key",  # paper: P:<section>:<line>; online: O:<email>
    "channel",
    "section",
    "line",
    "email",
    "county",  # the section's county (paper) or the county chosen on the form (online)
    "person",  # RegistrantID of the signer, or U<nnnnnn> for someone not registered
    "registrant_id",  # the signer's RegistrantID; empty when not registered
    "expected_status",
    "expected_reason",
    "duplicate_of",  # key of the signature this one duplicates (the person's first)
    "category",
    "tags",
    "written",  # what the signature says, for reading errors
    "registered_as",  # the voter file's row, for reading errors
]

ORDINAL_WORDS = {
    "1st": "First",
    "2nd": "Second",
    "3rd": "Third",
    "4th": "Fourth",
    "5th": "Fifth",
    "6th": "Sixth",
    "7th": "Seventh",
    "8th": "Eighth",
    "9th": "Ninth",
    "10th": "Tenth",
    "11th": "Eleventh",
    "12th": "Twelfth",
}
STREET_TYPE_WORDS = {
    **demo.SPELLED_TYPES,
    "Ct": "Court",
    "Way": "Way",
    "Pl": "Place",
    "Cir": "Circle",
    "Ter": "Terrace",
    "Pkwy": "Parkway",
}
STREET_TYPE_ALTERNATES = {"Ave": "Av", "Blvd": "Boul", "Ct": "Crt", "St": "Str", "Dr": "Drv", "Pkwy": "Pky"}
DIRECTION_WORDS = {"N": "North", "S": "South", "E": "East", "W": "West"}
UNIT_WORDS = {"Apt": "Apartment", "Spc": "Space", "Ste": "Suite", "Unit": "Unit", "#": "#"}
KEYBOARD_NEIGHBOURS = {
    "a": "qwsz",
    "b": "vghn",
    "c": "xdfv",
    "d": "serfcx",
    "e": "wsdr",
    "f": "drtgvc",
    "g": "ftyhbv",
    "h": "gyujnb",
    "i": "ujko",
    "j": "huikmn",
    "k": "jiolm",
    "l": "kop",
    "m": "njk",
    "n": "bhjm",
    "o": "iklp",
    "p": "ol",
    "q": "wa",
    "r": "edft",
    "s": "awedxz",
    "t": "rfgy",
    "u": "yhji",
    "v": "cfgb",
    "w": "qase",
    "x": "zsdc",
    "y": "tghu",
    "z": "asx",
}
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "inbox.example")


@dataclass
class Sig:
    """One signature as generated, before it has a section line or a key."""

    person: Person
    category: str
    channel: str  # "paper" or "online"
    county: str  # of the section / chosen on the form
    fields: dict[str, str]
    tags: list[str] = field(default_factory=list)
    base_status: str = "valid"
    base_reason: str = ""
    section: str = ""
    line: int = 0
    key: str = ""


class Pen:
    """How people (and the volunteers keying paper) write names and addresses."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def case(self, text: str, style: str) -> str:
        return text.upper() if style == "upper" else text.lower() if style == "lower" else text

    def case_style(self, channel: str) -> str:
        roll = self.rng.random()
        if channel == "paper":
            return "upper" if roll < 0.25 else "lower" if roll < 0.28 else "as"
        return "lower" if roll < 0.12 else "upper" if roll < 0.18 else "as"

    # Names ------------------------------------------------------------------------

    def name_parts(self, person: Person, tags: list[str], *, first: str | None = None) -> tuple[str, str, str, str]:
        first = first or person.first
        last = person.last
        if self.chance(0.35) and (accented(first) != first or accented(last) != last):
            first, last = accented(first), accented(last)
            tags.append("accents")
        if "compound_surname" in person.tags:
            roll = self.rng.random()
            if roll < 0.10:
                last = last.replace("-", " ").split(" ")[0]
                tags.append("first_surname_only")
            elif roll < 0.45:
                last = last.replace("-", " ") if "-" in last else last.replace(" ", "-", 1)
                tags.append("surname_joiner")
        middle = ""
        if person.middle:
            roll = self.rng.random()
            if roll < 0.4:
                middle = person.middle
            elif roll < 0.75:
                middle = person.middle[0] + ("." if self.chance(0.4) else "")
                tags.append("middle_initial")
            else:
                tags.append("middle_missing")
        suffix = ""
        if person.suffix and ("jr_sr" in person.tags or self.chance(0.9)):
            suffix = person.suffix
            roll = self.rng.random()
            if roll < 0.3:
                suffix += "."
            elif roll < 0.35 and person.suffix in ("Jr", "Sr"):
                suffix = {"Jr": "Junior", "Sr": "Senior"}[person.suffix]
        elif person.suffix:
            tags.append("suffix_missing")
        return first, middle, last, suffix

    def printed_name(self, parts: tuple[str, str, str, str], tags: list[str]) -> str:
        first, middle, last, suffix = parts
        if self.chance(0.05) and last:
            tags.append("last_first")
            return f"{last}, " + " ".join(p for p in (first, middle, suffix) if p)
        return " ".join(p for p in (first, middle, last, suffix) if p)

    # Addresses --------------------------------------------------------------------

    def street(self, address: Address, tags: list[str], *, house: bool = True) -> str:
        parts: list[str] = []
        if house:
            parts.append(address.number + address.number_suffix)
            if address.fraction:
                parts.append(address.fraction)
        if address.prefix:
            roll = self.rng.random()
            if roll < 0.6:
                parts.append(address.prefix)
            elif roll < 0.7:
                parts.append(address.prefix + ".")
            elif roll < 0.97:
                parts.append(DIRECTION_WORDS[address.prefix])
                tags.append("direction_spelled")
            else:
                tags.append("direction_missing")
        street = address.street
        if street in ORDINAL_WORDS and self.chance(0.25):
            street = ORDINAL_WORDS[street]
            tags.append("ordinal_word")
        parts.append(street)
        if address.street_type:
            roll = self.rng.random()
            if roll < 0.5:
                parts.append(address.street_type)
            elif roll < 0.6:
                parts.append(address.street_type + ".")
            elif roll < 0.85:
                parts.append(STREET_TYPE_WORDS.get(address.street_type, address.street_type))
                tags.append("type_spelled")
            elif roll < 0.9 and address.street_type in STREET_TYPE_ALTERNATES:
                parts.append(STREET_TYPE_ALTERNATES[address.street_type])
                tags.append("type_alternate")
            else:
                tags.append("type_missing")
        return " ".join(parts)

    def unit(self, address: Address, tags: list[str]) -> str:
        if not address.unit:
            return ""
        roll = self.rng.random()
        designator = address.unit_type or "#"
        if roll < 0.40:
            return f"#{address.unit}" if designator == "#" else f"{designator} {address.unit}"
        if roll < 0.58:
            tags.append("unit_hash")
            return f"#{address.unit}"
        if roll < 0.66:
            tags.append("unit_word")
            return f"{UNIT_WORDS.get(designator, 'Unit')} {address.unit}"
        if roll < 0.72:
            tags.append("unit_word")
            return f"Unit {address.unit}"
        if roll < 0.93:
            tags.append("unit_missing")
            return ""
        tags.append("unit_wrong")
        wrong = str(int(address.unit) + self.rng.choice((-2, -1, 1, 10, 100))) if address.unit.isdigit() else "9"
        return f"{designator if designator != '#' else 'Apt'} {wrong.lstrip('-') or '1'}"

    # Mistakes ---------------------------------------------------------------------

    def typo(self, word: str, *, avoid: tuple[str, ...] = ()) -> str:
        """One or two keying mistakes, never on the first letter. The result stays
        strictly closer to `word` than to any name in `avoid` (a housemate's), so
        that a misspelt Maria cannot be read as her brother Mario."""
        letters = [i for i, c in enumerate(word) if c.isalpha() and i > 0]
        edits = 2 if len(letters) >= 6 and self.chance(0.3) else 1
        for _ in range(50):
            text = list(word)
            for _ in range(edits):
                positions = [i for i, c in enumerate(text) if c.isalpha() and i > 0]
                if not positions:
                    break
                i = self.rng.choice(positions)
                kind = self.rng.random()
                lower = text[i].lower()
                if kind < 0.35 and lower in KEYBOARD_NEIGHBOURS:
                    swap = self.rng.choice(KEYBOARD_NEIGHBOURS[lower])
                    text[i] = swap.upper() if text[i].isupper() else swap
                elif kind < 0.6 and len(positions) > 3:
                    del text[i]
                elif kind < 0.8:
                    text.insert(i, text[i].lower())
                elif i + 1 < len(text) and text[i + 1].isalpha() and text[i + 1] != text[i]:
                    text[i], text[i + 1] = text[i + 1], text[i]
                else:
                    text.insert(i, text[i].lower())
            candidate = "".join(text)
            own = distance(fold(candidate), fold(word))
            if own and all(distance(fold(candidate), fold(other)) > own for other in avoid):
                return candidate
        return word + "e"


@dataclass
class Scenario:
    population: Population
    signatures: list[Sig]
    paper: list[Sig]  # in file order
    online: list[Sig]  # in file order
    unregistered: list[Person]
    upper_case_counties: list[str]


def _date_signed(rng: random.Random, after: date | None = None) -> date:
    low, high = SIGNING_DAYS
    if after is not None:
        low = min(after + timedelta(days=1), high)
    return low + timedelta(days=rng.randint(0, (high - low).days))


def _ascii(text: str) -> str:
    return fold(text).lower() or "x"


def build_scenario(*, seed: int, voters: int, signatures: int) -> Scenario:
    rng = random.Random(seed)
    population = build_population(voters, rng)
    draw = Draw(rng)
    pen = Pen(rng)
    codes = draw.counties
    upper_counties = sorted(rng.sample(codes, round(len(codes) * UPPER_CASE_COUNTIES)))

    # Who could be taken for whom. A voter answers to the name keys
    # (bench.synthetic.name_keys) of their given name and of a middle name they may
    # go by (Arturo Antonio -> Antonio); name_count counts the voters of a county
    # per key, namesakes lists the given names under each surname key.
    def voter_keys(v: Person) -> set[tuple[str, str]]:
        keys = name_keys(v.first, v.last)
        if len(fold(v.middle)) > 1:
            keys |= name_keys(v.middle, v.last)
        return keys

    name_count: dict[tuple[str, str, str], int] = {}
    namesakes: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for v in population.voters:
        for key in voter_keys(v):
            k = (v.address.county, *key)
            name_count[k] = name_count.get(k, 0) + 1
        givens = {first_given(v.first)} | ({first_given(v.middle)} if len(fold(v.middle)) > 1 else set())
        for surname in sorted({surname for _, surname in name_keys(v.first, v.last)}):
            for given in sorted(givens):
                namesakes.setdefault((v.address.county, surname), []).append((given, v.pid))
    unregistered_keys: set[tuple[str, str, str]] = set()

    def clashes(county: str, first: str, middle: str, last: str, own: Person | None = None) -> bool:
        """Could a reader of `first middle last` in `county` take it for someone
        else: a voter answering to one of its name keys, read as written or with
        the middle name as a surname ("Anjali Kaur Van Der Berg" -> Anjali Kaur);
        a voter of the same surname whose given name is one letter away (Luisa /
        Luis); an unregistered signer already made up? `own` is the signer, who
        does not clash with themself."""
        keys = name_keys(first, last) | (name_keys(first, middle) if len(fold(middle)) > 1 else set())
        mine = voter_keys(own) if own is not None and own.address.county == county else set()
        if any(name_count.get((county, *key), 0) > (1 if key in mine else 0) for key in keys):
            return True
        if any((county, *key) in unregistered_keys for key in keys):
            return True
        given, me = first_given(first), own.pid if own is not None else ""
        return any(
            other != me and distance(given, theirs) <= 1
            for surname in {surname for _, surname in keys}
            for theirs, other in namesakes.get((county, surname), ())
        )

    household_of = {v.pid: population.households[v.household] for v in population.voters}

    counts = {cat: round(signatures * share) for cat, share in MIX.items() if cat != "clean"}
    counts["clean"] = signatures - sum(counts.values())

    order = list(population.voters)
    rng.shuffle(order)
    used: set[str] = set()

    def take(count: int, accept) -> list[Person]:
        chosen: list[Person] = []
        for person in order:
            if len(chosen) == count:
                break
            if person.pid not in used and accept(person):
                used.add(person.pid)
                chosen.append(person)
        if len(chosen) < count:
            raise SystemExit(f"the voter file is too small for {signatures} signatures; add voters")
        return chosen

    def channel(online_share: float = ONLINE_SHARE) -> str:
        return "online" if rng.random() < online_share else "paper"

    def sig(
        person: Person,
        category: str,
        chan: str,
        county: str,
        *,
        address: Address | None = None,
        first: str | None = None,
        tags: list[str] | None = None,
        after: date | None = None,
    ) -> Sig:
        """A signature written by `person` (at `address`, their registered one by default)."""
        tags = list(tags or [])
        tags.extend(
            t for t in person.tags if t in ("jr_sr", "similar_names", "compound_surname", "compound_given", "housemate")
        )
        address = address or person.address
        style = pen.case_style(chan)
        parts = pen.name_parts(person, tags, first=first)
        street = pen.street(address, tags)
        unit = pen.unit(address, tags)
        signed = _date_signed(rng, after)
        if chan == "paper":
            fields = {
                "name": pen.case(pen.printed_name(parts, tags), style),
                "address": pen.case(f"{street} {unit}".strip(), style),
                "city": pen.case(address.city, style),
                "zip": address.zip if rng.random() < 0.8 else "",
                "date_signed": signed.isoformat() if rng.random() < 0.96 else "",
            }
        else:
            in_address = unit and rng.random() < 0.2
            if unit and not in_address and rng.random() < 0.3:
                unit = unit.split(" ")[-1].lstrip("#")  # just the number in the unit box
            give_dob = "jr_sr" in person.tags or rng.random() < 0.6
            fields = {
                "first_name": pen.case(parts[0], style),
                "middle_name": pen.case(parts[1], style),
                # The form offers the suffix as a choice (Jr, Sr, II, ...), not as free text.
                "last_name": pen.case(parts[2], style),
                "suffix": person.suffix if parts[3] else "",
                "address": pen.case(f"{street} {unit}".strip() if in_address else street, style),
                "unit": "" if in_address else unit,
                "city": pen.case(address.city, style),
                "zip": address.zip,
                "county": county,
                "email": "",
                "dob": person.dob.isoformat() if give_dob else "",
                "date_signed": signed.isoformat(),
            }
        return Sig(person=person, category=category, channel=chan, county=county, fields=fields, tags=tags)

    made: list[Sig] = []

    # Clean: over-sample the hard households.
    n_clean = counts["clean"]
    special = [
        (round(n_clean * 0.08), lambda p: "jr_sr" in p.tags),
        (round(n_clean * 0.08), lambda p: "similar_names" in p.tags),
        (round(n_clean * 0.06), lambda p: "compound_surname" in p.tags),
    ]
    clean_people: list[Person] = []
    for count, accept in special:
        available = sum(1 for p in order if p.pid not in used and accept(p))
        clean_people += take(min(count, available), accept)
    clean_people += take(n_clean - len(clean_people), lambda p: True)
    for person in clean_people:
        made.append(sig(person, "clean", channel(), person.address.county))

    # Typos: in the given name, the surname or the street name.
    for person in take(counts["typo"], lambda p: len(fold(p.last)) >= 4 or len(fold(p.first)) >= 4):
        housemates = tuple(m.first for m in household_of[person.pid] if m is not person)
        targets = []
        if len(fold(person.first)) >= 4:
            targets.append("first")
        if len(fold(person.last)) >= 4:
            targets.append("last")
        if len(person.address.street) >= 5 and not person.address.street[0].isdigit():
            targets.append("street")
        target = rng.choice(targets)
        chan = channel()
        if target == "first":
            s = sig(
                person,
                "typo",
                chan,
                person.address.county,
                first=pen.typo(person.first, avoid=housemates),
                tags=["typo_first"],
            )
        elif target == "last":
            misspelt = replace(person, last=pen.typo(person.last))
            s = sig(misspelt, "typo", chan, person.address.county, tags=["typo_last"])
            s.person = person
        else:
            address = replace(person.address, street=pen.typo(person.address.street))
            s = sig(person, "typo", chan, person.address.county, address=address, tags=["typo_street"])
        made.append(s)

    # Nicknames: only where nobody else in the household could go by the same one.
    def nickname_fits(p: Person) -> bool:
        if p.first not in NICKNAMES or {"jr_sr", "similar_names"} & set(p.tags):
            return False
        others = [m.first for m in household_of[p.pid] if m is not p]
        return not any(
            nick == other or nick in NICKNAMES.get(other, ()) for nick in NICKNAMES[p.first] for other in others
        )

    for person in take(counts["nickname"], nickname_fits):
        nick = rng.choice(NICKNAMES[person.first])
        made.append(
            sig(
                person,
                "nickname",
                channel(),
                person.address.county,
                first=nick,
                tags=[f"nickname:{person.first}>{nick}"],
            )
        )

    # Moved within the county: a name unique in the county, a new address there.
    def unique_in(county: str, p: Person) -> bool:
        """Nobody else in `county` could be taken for p."""
        return not clashes(county, p.first, p.middle, p.last, own=p)

    def unique_here(p: Person) -> bool:
        return unique_in(p.address.county, p) and not p.partner

    for person in take(counts["moved"], unique_here):
        new_address = draw.address(person.address.county)
        while new_address.building == person.address.building:
            new_address = draw.address(person.address.county)
        s = sig(person, "moved", channel(), person.address.county, address=new_address)
        s.base_status, s.base_reason = "invalid", "address_mismatch"
        made.append(s)

    # Wrong county: their real address, another county's section or form, in a
    # county where nobody answers to their name (else "moved there" is as fair a reading).
    for person in take(counts["wrong_county"], lambda p: not p.partner):
        section_county = draw.county(exclude=person.address.county)
        for _ in range(100):
            if unique_in(section_county, person):
                break
            section_county = draw.county(exclude=person.address.county)
        s = sig(person, "wrong_county", channel(0.2), section_county)
        s.base_status, s.base_reason = "invalid", "wrong_county"
        made.append(s)

    # Incomplete paper lines.
    for person in take(counts["incomplete"], lambda p: True):
        s = sig(person, "incomplete", "paper", person.address.county)
        roll = rng.random()
        if roll < 0.35:
            s.fields["address"] = ""
            s.tags.append("no_address")
        elif roll < 0.65:
            s.fields["address"] = pen.case(pen.street(person.address, [], house=False), "as")
            s.tags.append("no_house_number")
        elif roll < 0.85:
            s.fields["name"] = person.first.split(" ")[0]
            s.tags.append("no_surname")
        else:
            s.fields["city"] = ""
            s.tags.append("no_city")
        s.base_status, s.base_reason = "invalid", "incomplete"
        made.append(s)

    # Not registered: some live with registered relatives; some sign twice.
    n_unregistered = counts["unregistered"]
    n_second = round(n_unregistered * UNREGISTERED_REPEAT_SHARE)
    unregistered: list[Person] = []
    for index in range(n_unregistered - n_second):
        pid = f"U{index + 1:06d}"
        household = len(population.households) + index
        if rng.random() < HOUSEMATE_SHARE:
            members = population.households[rng.randrange(len(population.households))]
            person = unregistered_person(
                draw, pid, members[0].address.county, household, rejects=clashes, housemates=members
            )
        else:
            person = unregistered_person(draw, pid, draw.county(), household, rejects=clashes)
        unregistered_keys.update((person.address.county, *key) for key in name_keys(person.first, person.last))
        unregistered.append(person)
        s = sig(person, "unregistered", channel(), person.address.county)
        s.base_status, s.base_reason = "invalid", "not_registered"
        made.append(s)
    firsts = {id(s.person): s for s in made if s.category == "unregistered"}
    for person in rng.sample(unregistered, min(n_second, len(unregistered))):
        first = firsts[id(person)]
        s = sig(
            person,
            "unregistered",
            "paper" if first.channel == "online" or rng.random() < 0.5 else "online",
            person.address.county,
            tags=["second_signature"],
            after=_signed_on(first),
        )
        s.base_status, s.base_reason = "invalid", "not_registered"
        made.append(s)

    # Repeats: registered voters who signed already (clean, typo or nickname) sign again.
    signed_once = [s for s in made if s.category in ("clean", "typo", "nickname")]
    for first in rng.sample(signed_once, counts["repeat"]):
        person = first.person
        if first.channel == "paper":
            chan = "online" if rng.random() < 0.5 else "paper"
        else:
            chan = "paper" if rng.random() < 0.7 else "online"
        made.append(
            sig(
                person, "repeat", chan, person.address.county, tags=[f"{first.channel}+{chan}"], after=_signed_on(first)
            )
        )

    paper, online = _arrange(made, rng)
    _assign_keys_and_emails(paper, online)
    return Scenario(
        population=population,
        signatures=made,
        paper=paper,
        online=online,
        unregistered=unregistered,
        upper_case_counties=upper_counties,
    )


def _signed_on(s: Sig) -> date | None:
    text = s.fields.get("date_signed", "")
    return date.fromisoformat(text) if text else None


def _arrange(made: list[Sig], rng: random.Random) -> tuple[list[Sig], list[Sig]]:
    """Paper signatures into sections (one county each, 10-30 lines), a person's
    second paper signature in another section than their first; the sections and
    the online signatures in a random order."""
    paper_by_county: dict[str, list[Sig]] = {}
    seconds: list[Sig] = []
    seen_paper: dict[int, Sig] = {}
    for s in made:
        if s.channel != "paper":
            continue
        if id(s.person) in seen_paper:
            seconds.append(s)
        else:
            seen_paper[id(s.person)] = s
            paper_by_county.setdefault(s.county, []).append(s)
    sections: list[tuple[str, list[Sig]]] = []
    for county in sorted(paper_by_county):
        lines = paper_by_county[county]
        rng.shuffle(lines)
        while lines:
            size = rng.randint(10, 30)
            sections.append((county, lines[:size]))
            lines = lines[size:]
    for s in seconds:
        first = seen_paper[id(s.person)]
        choices = [
            i
            for i, (county, lines) in enumerate(sections)
            if county == s.county and first not in lines and len(lines) < 30
        ]
        if choices:
            lines = sections[rng.choice(choices)][1]
            lines.insert(rng.randint(0, len(lines)), s)
        else:
            sections.append((s.county, [s]))
    rng.shuffle(sections)
    paper: list[Sig] = []
    for number, (county, lines) in enumerate(sections, start=1):
        for line, s in enumerate(lines, start=1):
            s.section, s.line = f"{county}-{number:05d}", line
            paper.append(s)
    online = [s for s in made if s.channel == "online"]
    rng.shuffle(online)
    return paper, online


def _assign_keys_and_emails(paper: list[Sig], online: list[Sig]) -> None:
    for s in paper:
        s.key = f"P:{s.section}:{s.line}"
    for number, s in enumerate(online, start=1):
        person = s.person
        domain = EMAIL_DOMAINS[number % len(EMAIL_DOMAINS)]
        s.fields["email"] = f"{_ascii(person.first)}.{_ascii(person.last)}.{number}@{domain}"
        s.key = f"O:{s.fields['email']}"


# --- Writing the files ------------------------------------------------------------


def _file_value(text: str, upper: bool) -> str:
    return text.upper() if upper else text


def voter_row(person: Person, upper: bool, rng: random.Random) -> dict[str, str]:
    a = person.address
    first, last = (
        (accented(person.first), accented(person.last)) if person.file_accents else (person.first, person.last)
    )
    up = lambda text: _file_value(text, upper)  # noqa: E731
    return {
        "CountyCode": a.county,
        "RegistrantID": person.pid,
        "ExtractDate": demo.EXTRACT_DATE,
        "LastName": up(last),
        "FirstName": up(first),
        "MiddleName": up(person.middle),
        "Suffix": up(person.suffix),
        "AddressNumber": a.number,
        "HouseFractionNumber": a.fraction,
        "AddressNumberSuffix": a.number_suffix,
        "StreetDirPrefix": a.prefix,
        "StreetName": up(a.street),
        "StreetType": up(a.street_type),
        "StreetDirSuffix": a.dir_suffix,
        "UnitType": up(a.unit_type),
        "UnitNumber": a.unit,
        "City": up(a.city),
        "State": "CA",
        "Zip": a.zip,
        "Phone": "",
        "Email": "",
        "DOB": f"{person.dob.month:02d}/{person.dob.day:02d}/{person.dob.year}",
        "Gender": person.sex,
        "PartyCode": rng.choice(("DEM", "DEM", "REP", "NPP", "NPP", "AI", "GRN", "LIB")),
        "Status": person.status,
        "RegistrationDate": person.registration_date.strftime("%m/%d/%Y") if person.registration_date else "",
        "PrecinctName": f"{a.county}{rng.randint(1, 9999):04d}",
    }


def write_voter_file(path: Path, scenario: Scenario, seed: int) -> int:
    rng = random.Random(seed ^ 0x5EED)
    upper = set(scenario.upper_case_counties)
    voters = sorted(scenario.population.voters, key=lambda p: (p.address.county, int(p.pid)))
    rows = (voter_row(person, person.address.county in upper, rng) for person in voters)
    return demo.write_voter_rows(path, demo.synthetic_header(extra_columns=True), rows)


def _describe_person(person: Person) -> str:
    a = person.address
    name = " ".join(p for p in (person.first, person.middle, person.last, person.suffix) if p)
    street = " ".join(p for p in (a.number + a.number_suffix, a.fraction, a.prefix, a.street, a.street_type) if p)
    unit = f" {a.unit_type} {a.unit}" if a.unit else ""
    return f"{name} | {street}{unit}, {a.city} {a.zip} | county {a.county} | dob {person.dob.isoformat()}"


def _describe_sig(s: Sig) -> str:
    f = s.fields
    if s.channel == "paper":
        return f"{f['name']} | {f['address']}, {f['city']} {f['zip']}"
    name = " ".join(p for p in (f["first_name"], f["middle_name"], f["last_name"], f["suffix"]) if p)
    unit = f" [unit {f['unit']}]" if f["unit"] else ""
    return f"{name} | {f['address']}{unit}, {f['city']} {f['zip']} | dob {f['dob'] or '-'}"


def truth_rows(scenario: Scenario) -> list[dict[str, str]]:
    """Processing order: paper in file order, then online; a person's first signature carries the outcome."""
    rows = []
    first_key: dict[str, str] = {}
    for s in scenario.paper + scenario.online:
        person = s.person
        duplicate_of = first_key.get(person.pid, "")
        if not duplicate_of:
            first_key[person.pid] = s.key
        rows.append(
            {
                "key": s.key,
                "channel": s.channel,
                "section": s.section,
                "line": str(s.line) if s.line else "",
                "email": s.fields.get("email", "") if s.channel == "online" else "",
                "county": s.county,
                "person": person.pid,
                "registrant_id": person.pid if person.registered else "",
                "expected_status": "duplicate" if duplicate_of else s.base_status,
                "expected_reason": "" if duplicate_of else s.base_reason,
                "duplicate_of": duplicate_of,
                "category": s.category,
                "tags": ";".join(dict.fromkeys(s.tags)),
                "written": _describe_sig(s),
                "registered_as": _describe_person(person) if person.registered else "",
            }
        )
    return rows


def write_files(out_dir: Path, *, seed: int, voters: int, signatures: int, gzip_voters: bool = False) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    scenario = build_scenario(seed=seed, voters=voters, signatures=signatures)
    voter_path = out_dir / ("voters.tsv.gz" if gzip_voters else "voters.tsv")
    write_voter_file(voter_path, scenario, seed)
    with (out_dir / "paper.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(PAPER_HEADER)
        for s in scenario.paper:
            f = s.fields
            writer.writerow(
                [s.section, s.line, s.county, f["name"], f["address"], f["city"], f["zip"], f["date_signed"]]
            )
    with (out_dir / "online.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(ONLINE_HEADER)
        for s in scenario.online:
            writer.writerow([s.fields[name] for name in ONLINE_HEADER])
    rows = truth_rows(scenario)
    with (out_dir / "truth.csv").open("w", newline="", encoding="utf-8") as handle:
        truth = csv.DictWriter(handle, fieldnames=TRUTH_HEADER, lineterminator="\n")
        truth.writeheader()
        truth.writerows(rows)
    by_category: dict[str, int] = {}
    by_expected: dict[str, int] = {}
    for row in rows:
        by_category[row["category"]] = by_category.get(row["category"], 0) + 1
        outcome = row["expected_status"] + (f":{row['expected_reason']}" if row["expected_reason"] else "")
        by_expected[outcome] = by_expected.get(outcome, 0) + 1
    manifest = {
        "seed": seed,
        "voters": len(scenario.population.voters),
        "households": len(scenario.population.households),
        "signatures": len(rows),
        "paper": len(scenario.paper),
        "online": len(scenario.online),
        "sections": len({s.section for s in scenario.paper}),
        "unregistered_people": len(scenario.unregistered),
        "upper_case_counties": scenario.upper_case_counties,
        "mix": MIX,
        "by_category": dict(sorted(by_category.items())),
        "by_expected": dict(sorted(by_expected.items())),
        "voter_file": voter_path.name,
        "jr_sr_voters": sum(1 for v in scenario.population.voters if "jr_sr" in v.tags),
        "similar_name_voters": sum(1 for v in scenario.population.voters if "similar_names" in v.tags),
        "compound_surname_voters": sum(1 for v in scenario.population.voters if "compound_surname" in v.tags),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--signatures", type=int, default=5_000)
    parser.add_argument("--gzip", action="store_true", help="write voters.tsv.gz instead of voters.tsv")
    args = parser.parse_args(argv)
    manifest = write_files(
        args.out_dir, seed=args.seed, voters=args.voters, signatures=args.signatures, gzip_voters=args.gzip
    )
    print(
        f"Wrote {manifest['voters']:,} voters and {manifest['signatures']:,} signatures "
        f"({manifest['paper']:,} paper in {manifest['sections']:,} sections, {manifest['online']:,} online) "
        f"to {args.out_dir} (seed {args.seed})"
    )
    print("Expected outcomes: " + ", ".join(f"{k} {v:,}" for k, v in manifest["by_expected"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
