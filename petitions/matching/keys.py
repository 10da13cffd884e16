"""Normalised keys for names and street addresses.

The same functions compute a voter's keys at import and a signature's keys at
validation, so that both sides of a comparison are normalised alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# USPS Publication 28, appendix C1 (street suffixes), the common ones.
STREET_SUFFIXES = {
    "ALLEY": "ALY", "ALLY": "ALY", "ANNEX": "ANX", "ARCADE": "ARC", "AVENUE": "AVE", "AVEN": "AVE", "AV": "AVE",
    "AVENU": "AVE", "AVN": "AVE", "AVNUE": "AVE", "BAYOU": "BYU", "BEACH": "BCH", "BEND": "BND", "BLUFF": "BLF",
    "BOULEVARD": "BLVD", "BOUL": "BLVD", "BOULV": "BLVD", "BRANCH": "BR", "BRIDGE": "BRG", "BROOK": "BRK",
    "BYPASS": "BYP", "CANYON": "CYN", "CAPE": "CPE", "CAUSEWAY": "CSWY", "CENTER": "CTR", "CENTRE": "CTR",
    "CIRCLE": "CIR", "CIRC": "CIR", "CIRCL": "CIR", "CRCL": "CIR", "CLIFF": "CLF", "CLUB": "CLB", "COMMON": "CMN",
    "CORNER": "COR", "COURSE": "CRSE", "COURT": "CT", "CRT": "CT", "COVE": "CV", "CREEK": "CRK", "CRESCENT": "CRES",
    "CREST": "CRST", "CROSSING": "XING", "CRSSNG": "XING", "DALE": "DL", "DAM": "DM", "DIVIDE": "DV", "DRIVE": "DR",
    "DRIV": "DR", "DRV": "DR", "ESTATE": "EST", "ESTATES": "ESTS", "EXPRESSWAY": "EXPY", "EXPRESS": "EXPY",
    "EXTENSION": "EXT", "FALLS": "FLS", "FERRY": "FRY", "FIELD": "FLD", "FIELDS": "FLDS", "FLAT": "FLT", "FOREST": "FRST",
    "FORK": "FRK", "FORT": "FT", "FREEWAY": "FWY", "GARDEN": "GDN", "GARDENS": "GDNS", "GATEWAY": "GTWY", "GLEN": "GLN",
    "GREEN": "GRN", "GROVE": "GRV", "HARBOR": "HBR", "HAVEN": "HVN", "HEIGHTS": "HTS", "HIGHWAY": "HWY", "HIWAY": "HWY",
    "HILL": "HL", "HILLS": "HLS", "HOLLOW": "HOLW", "ISLAND": "IS", "JUNCTION": "JCT", "KNOLL": "KNL", "LAKE": "LK",
    "LAKES": "LKS", "LANDING": "LNDG", "LANE": "LN", "LOOP": "LOOP", "MALL": "MALL", "MANOR": "MNR", "MEADOW": "MDW",
    "MEADOWS": "MDWS", "MILL": "ML", "MISSION": "MSN", "MOUNT": "MT", "MOUNTAIN": "MTN", "ORCHARD": "ORCH", "OVAL": "OVAL",
    "PARK": "PARK", "PARKWAY": "PKWY", "PARKWY": "PKWY", "PKY": "PKWY", "PASS": "PASS", "PATH": "PATH", "PIKE": "PIKE",
    "PINE": "PNE", "PINES": "PNES", "PLACE": "PL", "PLAIN": "PLN", "PLAZA": "PLZ", "POINT": "PT", "PORT": "PRT",
    "PRAIRIE": "PR", "RANCH": "RNCH", "RIDGE": "RDG", "RIVER": "RIV", "ROAD": "RD", "ROUTE": "RTE", "ROW": "ROW",
    "RUN": "RUN", "SHORE": "SHR", "SHORES": "SHRS", "SPRING": "SPG", "SPRINGS": "SPGS", "SQUARE": "SQ", "STATION": "STA",
    "STREET": "ST", "STR": "ST", "STRT": "ST", "SUMMIT": "SMT", "TERRACE": "TER", "TERR": "TER", "TRAIL": "TRL",
    "TRAILS": "TRL", "TRACE": "TRCE", "TUNNEL": "TUNL", "TURNPIKE": "TPKE", "VALLEY": "VLY", "VIEW": "VW",
    "VILLAGE": "VLG", "VILLE": "VL", "VISTA": "VIS", "WALK": "WALK", "WAY": "WAY", "WELLS": "WLS",
}
STREET_SUFFIX_CODES = set(STREET_SUFFIXES.values())
DIRECTIONALS = {
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
    "NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
}
DIRECTIONAL_CODES = set(DIRECTIONALS.values())
ORDINAL_WORDS = {
    "FIRST": "1ST", "SECOND": "2ND", "THIRD": "3RD", "FOURTH": "4TH", "FIFTH": "5TH", "SIXTH": "6TH",
    "SEVENTH": "7TH", "EIGHTH": "8TH", "NINTH": "9TH", "TENTH": "10TH", "ELEVENTH": "11TH", "TWELFTH": "12TH",
}
UNIT_DESIGNATORS = {
    "APARTMENT": "APT", "APT": "APT", "UNIT": "UNIT", "STE": "STE", "SUITE": "STE", "#": "#", "NO": "#",
    "SPACE": "SPC", "SPC": "SPC", "SP": "SPC", "BUILDING": "BLDG", "BLDG": "BLDG", "FLOOR": "FL", "FL": "FL",
    "ROOM": "RM", "RM": "RM", "TRAILER": "TRLR", "TRLR": "TRLR", "LOT": "LOT", "DEPT": "DEPT",
}
NAME_SUFFIXES = {"JR": "JR", "JUNIOR": "JR", "SR": "SR", "SENIOR": "SR", "II": "II", "III": "III", "IV": "IV", "V": "V"}


def fold(text: str) -> str:
    """Upper case, accents removed, punctuation to spaces, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = re.sub(r"[^A-Za-z0-9#/ ]+", " ", ascii_text.replace("'", "").replace("\u2019", ""))
    return " ".join(cleaned.upper().split())


def name_key(name: str) -> str:
    """A surname or given name as one comparable token: 'O'Brien' -> 'OBRIEN',
    'García-López' -> 'GARCIALOPEZ'."""
    return fold(name).replace(" ", "").replace("#", "").replace("/", "")


def suffix_key(suffix: str) -> str:
    return NAME_SUFFIXES.get(name_key(suffix), name_key(suffix))


def house_key(number: str) -> str:
    """The house number without leading zeros: '0123' -> '123'; '123A' stays."""
    key = fold(number).replace(" ", "")
    return key.lstrip("0") or key


def street_key(*parts: str) -> str:
    """A street as USPS would write it: 'North Main Street' -> 'N MAIN ST'."""
    words = fold(" ".join(p for p in parts if p)).split()
    out = []
    for index, word in enumerate(words):
        last = index == len(words) - 1
        if word in DIRECTIONALS and (index == 0 or last):
            out.append(DIRECTIONALS[word])
        elif word in ORDINAL_WORDS:
            out.append(ORDINAL_WORDS[word])
        elif last and index > 0 and word in STREET_SUFFIXES:
            out.append(STREET_SUFFIXES[word])
        else:
            out.append(word)
    return " ".join(out)


@dataclass(frozen=True)
class StreetAddress:
    house: str
    street: str
    unit: str


_ADDRESS = re.compile(r"^\s*(?P<house>\d+[A-Z]?)(?:\s+(?P<fraction>1/2))?\s+(?P<rest>.+?)\s*$")
_UNIT = re.compile(r"\s(?:(?P<designator>" + "|".join(sorted(map(re.escape, UNIT_DESIGNATORS), key=len, reverse=True)) + r")\s*)(?P<unit>[A-Z0-9-]+)$")


def parse_street_address(address: str, unit: str = "") -> StreetAddress:
    """Split '123 N Main St Apt 4' into house '123', street 'N MAIN ST', unit '4'."""
    text = fold(address)
    match = _ADDRESS.match(text)
    if not match:
        return StreetAddress(house="", street=street_key(text), unit=fold(unit))
    rest = " " + match.group("rest")
    found_unit = fold(unit)
    unit_match = _UNIT.search(rest)
    if unit_match:
        found_unit = found_unit or unit_match.group("unit")
        rest = rest[: unit_match.start()]
    return StreetAddress(house=house_key(match.group("house")), street=street_key(rest), unit=found_unit)


@dataclass(frozen=True)
class VoterKeys:
    key_last: str
    key_first: str
    key_house: str
    key_street: str


def voter_keys(*, last_name: str, first_name: str, address_number: str, street_dir_prefix: str,
               street_name: str, street_type: str, street_dir_suffix: str) -> VoterKeys:
    return VoterKeys(
        key_last=name_key(last_name),
        key_first=name_key(first_name),
        key_house=house_key(address_number),
        key_street=street_key(street_dir_prefix, street_name, street_type, street_dir_suffix),
    )
