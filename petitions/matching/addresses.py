"""Street addresses as signers write them, standardised to USPS Publication 28.

"123 1/2 North Fifth Avenue Apt 4" -> house 123, fraction 1/2, street
"N 5TH AVE", unit 4. Street suffixes (Street/St, Avenue/Ave, Boulevard/Blvd),
directionals (North/N), ordinal street names (Fifth/5th, Twenty-First/21st)
and unit designators (Apt, #, Unit, Ste, Spc ...) are recognised; the unit is
kept apart, since a missing or wrong apartment number is no reason to reject
a signature.

Parsing: most signers write the plain shape "number [fraction] [direction]
name [type] [direction] [unit]", which a table-driven tokenizer reads. An
address that does not start with a house number (a PO Box, "One Main St", a
description) is handed to `usaddress`, the conditional random field parser for
US addresses, a hundred times dearer per call. When usaddress cannot label an
address either (RepeatedLabelError), a regular expression takes the leading
number as the house.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

# USPS Publication 28, appendix C1 (street suffixes): written forms -> standard abbreviation.
STREET_SUFFIXES = {
    "ALLEY": "ALY",
    "ALLEE": "ALY",
    "ALLY": "ALY",
    "ANNEX": "ANX",
    "ANEX": "ANX",
    "ARCADE": "ARC",
    "AVENUE": "AVE",
    "AVEN": "AVE",
    "AV": "AVE",
    "AVENU": "AVE",
    "AVN": "AVE",
    "AVNUE": "AVE",
    "BAYOU": "BYU",
    "BAYOO": "BYU",
    "BEACH": "BCH",
    "BEND": "BND",
    "BLUFF": "BLF",
    "BLUF": "BLF",
    "BOTTOM": "BTM",
    "BOT": "BTM",
    "BOTTM": "BTM",
    "BOULEVARD": "BLVD",
    "BOUL": "BLVD",
    "BOULV": "BLVD",
    "BRANCH": "BR",
    "BRNCH": "BR",
    "BRIDGE": "BRG",
    "BRDGE": "BRG",
    "BROOK": "BRK",
    "BYPASS": "BYP",
    "BYPA": "BYP",
    "BYPAS": "BYP",
    "BYPS": "BYP",
    "CAMP": "CP",
    "CMP": "CP",
    "CANYON": "CYN",
    "CANYN": "CYN",
    "CNYN": "CYN",
    "CAPE": "CPE",
    "CAUSEWAY": "CSWY",
    "CAUSWA": "CSWY",
    "CENTER": "CTR",
    "CEN": "CTR",
    "CENT": "CTR",
    "CENTR": "CTR",
    "CENTRE": "CTR",
    "CNTER": "CTR",
    "CNTR": "CTR",
    "CIRCLE": "CIR",
    "CIRC": "CIR",
    "CIRCL": "CIR",
    "CRCL": "CIR",
    "CRCLE": "CIR",
    "CLIFF": "CLF",
    "CLIFFS": "CLFS",
    "CLUB": "CLB",
    "COMMON": "CMN",
    "COMMONS": "CMNS",
    "CORNER": "COR",
    "CORNERS": "CORS",
    "COURSE": "CRSE",
    "COURT": "CT",
    "CRT": "CT",
    "COURTS": "CTS",
    "COVE": "CV",
    "CREEK": "CRK",
    "CRESCENT": "CRES",
    "CRSENT": "CRES",
    "CRSNT": "CRES",
    "CREST": "CRST",
    "CROSSING": "XING",
    "CRSSNG": "XING",
    "DALE": "DL",
    "DAM": "DM",
    "DIVIDE": "DV",
    "DIV": "DV",
    "DVD": "DV",
    "DRIVE": "DR",
    "DRIV": "DR",
    "DRV": "DR",
    "ESTATE": "EST",
    "ESTATES": "ESTS",
    "EXPRESSWAY": "EXPY",
    "EXP": "EXPY",
    "EXPR": "EXPY",
    "EXPRESS": "EXPY",
    "EXPW": "EXPY",
    "EXTENSION": "EXT",
    "EXTN": "EXT",
    "EXTNSN": "EXT",
    "FALLS": "FLS",
    "FERRY": "FRY",
    "FRRY": "FRY",
    "FIELD": "FLD",
    "FIELDS": "FLDS",
    "FLAT": "FLT",
    "FLATS": "FLTS",
    "FOREST": "FRST",
    "FORESTS": "FRST",
    "FORGE": "FRG",
    "FORK": "FRK",
    "FORKS": "FRKS",
    "FORT": "FT",
    "FRT": "FT",
    "FREEWAY": "FWY",
    "FREEWY": "FWY",
    "FRWAY": "FWY",
    "FRWY": "FWY",
    "GARDEN": "GDN",
    "GARDN": "GDN",
    "GRDEN": "GDN",
    "GRDN": "GDN",
    "GARDENS": "GDNS",
    "GRDNS": "GDNS",
    "GATEWAY": "GTWY",
    "GATEWY": "GTWY",
    "GATWAY": "GTWY",
    "GTWAY": "GTWY",
    "GLEN": "GLN",
    "GREEN": "GRN",
    "GROVE": "GRV",
    "GROV": "GRV",
    "HARBOR": "HBR",
    "HARB": "HBR",
    "HARBR": "HBR",
    "HRBOR": "HBR",
    "HAVEN": "HVN",
    "HEIGHTS": "HTS",
    "HT": "HTS",
    "HIGHWAY": "HWY",
    "HIGHWY": "HWY",
    "HIWAY": "HWY",
    "HIWY": "HWY",
    "HWAY": "HWY",
    "HILL": "HL",
    "HILLS": "HLS",
    "HOLLOW": "HOLW",
    "HLLW": "HOLW",
    "HOLLOWS": "HOLW",
    "HOLWS": "HOLW",
    "INLET": "INLT",
    "ISLAND": "IS",
    "ISLND": "IS",
    "ISLANDS": "ISS",
    "ISLNDS": "ISS",
    "JUNCTION": "JCT",
    "JCTION": "JCT",
    "JCTN": "JCT",
    "JUNCTN": "JCT",
    "JUNCTON": "JCT",
    "KEY": "KY",
    "KNOLL": "KNL",
    "KNOL": "KNL",
    "LAKE": "LK",
    "LAKES": "LKS",
    "LANDING": "LNDG",
    "LNDNG": "LNDG",
    "LANE": "LN",
    "LIGHT": "LGT",
    "LOCK": "LCK",
    "LODGE": "LDG",
    "LDGE": "LDG",
    "LODG": "LDG",
    "LOOP": "LOOP",
    "LOOPS": "LOOP",
    "MALL": "MALL",
    "MANOR": "MNR",
    "MANORS": "MNRS",
    "MEADOW": "MDW",
    "MEADOWS": "MDWS",
    "MEDOWS": "MDWS",
    "MILL": "ML",
    "MILLS": "MLS",
    "MISSION": "MSN",
    "MISSN": "MSN",
    "MSSN": "MSN",
    "MOTORWAY": "MTWY",
    "MOUNT": "MT",
    "MNT": "MT",
    "MOUNTAIN": "MTN",
    "MNTAIN": "MTN",
    "MNTN": "MTN",
    "MOUNTIN": "MTN",
    "MTIN": "MTN",
    "ORCHARD": "ORCH",
    "ORCHRD": "ORCH",
    "OVAL": "OVAL",
    "OVL": "OVAL",
    "OVERPASS": "OPAS",
    "PARK": "PARK",
    "PRK": "PARK",
    "PARKS": "PARK",
    "PARKWAY": "PKWY",
    "PARKWY": "PKWY",
    "PKWAY": "PKWY",
    "PKY": "PKWY",
    "PARKWAYS": "PKWY",
    "PKWYS": "PKWY",
    "PASS": "PASS",
    "PASSAGE": "PSGE",
    "PATH": "PATH",
    "PATHS": "PATH",
    "PIKE": "PIKE",
    "PIKES": "PIKE",
    "PINE": "PNE",
    "PINES": "PNES",
    "PLACE": "PL",
    "PLAIN": "PLN",
    "PLAINS": "PLNS",
    "PLAZA": "PLZ",
    "PLZA": "PLZ",
    "POINT": "PT",
    "POINTS": "PTS",
    "PORT": "PRT",
    "PORTS": "PRTS",
    "PRAIRIE": "PR",
    "PRR": "PR",
    "RADIAL": "RADL",
    "RAD": "RADL",
    "RADIEL": "RADL",
    "RANCH": "RNCH",
    "RANCHES": "RNCH",
    "RNCHS": "RNCH",
    "RAPID": "RPD",
    "RAPIDS": "RPDS",
    "REST": "RST",
    "RIDGE": "RDG",
    "RDGE": "RDG",
    "RIDGES": "RDGS",
    "RIVER": "RIV",
    "RVR": "RIV",
    "RIVR": "RIV",
    "ROAD": "RD",
    "ROADS": "RDS",
    "ROUTE": "RTE",
    "ROW": "ROW",
    "RUE": "RUE",
    "RUN": "RUN",
    "SHOAL": "SHL",
    "SHOALS": "SHLS",
    "SHORE": "SHR",
    "SHOAR": "SHR",
    "SHORES": "SHRS",
    "SHOARS": "SHRS",
    "SKYWAY": "SKWY",
    "SPRING": "SPG",
    "SPNG": "SPG",
    "SPRNG": "SPG",
    "SPRINGS": "SPGS",
    "SPNGS": "SPGS",
    "SPRNGS": "SPGS",
    "SPUR": "SPUR",
    "SPURS": "SPUR",
    "SQUARE": "SQ",
    "SQR": "SQ",
    "SQRE": "SQ",
    "SQU": "SQ",
    "SQUARES": "SQS",
    "SQRS": "SQS",
    "STATION": "STA",
    "STATN": "STA",
    "STN": "STA",
    "STRAVENUE": "STRA",
    "STREAM": "STRM",
    "STREME": "STRM",
    "STREET": "ST",
    "STRT": "ST",
    "STR": "ST",
    "STREETS": "STS",
    "SUMMIT": "SMT",
    "SUMIT": "SMT",
    "SUMITT": "SMT",
    "TERRACE": "TER",
    "TERR": "TER",
    "THROUGHWAY": "TRWY",
    "TRACE": "TRCE",
    "TRACES": "TRCE",
    "TRACK": "TRAK",
    "TRACKS": "TRAK",
    "TRK": "TRAK",
    "TRKS": "TRAK",
    "TRAFFICWAY": "TRFY",
    "TRAIL": "TRL",
    "TRAILS": "TRL",
    "TRLS": "TRL",
    "TRAILER": "TRLR",
    "TRLRS": "TRLR",
    "TUNNEL": "TUNL",
    "TUNEL": "TUNL",
    "TUNLS": "TUNL",
    "TUNNELS": "TUNL",
    "TUNNL": "TUNL",
    "TURNPIKE": "TPKE",
    "TRNPK": "TPKE",
    "TURNPK": "TPKE",
    "UNDERPASS": "UPAS",
    "UNION": "UN",
    "UNIONS": "UNS",
    "VALLEY": "VLY",
    "VALLY": "VLY",
    "VLLY": "VLY",
    "VALLEYS": "VLYS",
    "VIADUCT": "VIA",
    "VDCT": "VIA",
    "VIADCT": "VIA",
    "VIEW": "VW",
    "VIEWS": "VWS",
    "VILLAGE": "VLG",
    "VILL": "VLG",
    "VILLAG": "VLG",
    "VILLG": "VLG",
    "VILLIAGE": "VLG",
    "VILLAGES": "VLGS",
    "VILLE": "VL",
    "VISTA": "VIS",
    "VIST": "VIS",
    "VST": "VIS",
    "VSTA": "VIS",
    "WALK": "WALK",
    "WALKS": "WALK",
    "WALL": "WALL",
    "WAY": "WAY",
    "WY": "WAY",
    "WAYS": "WAYS",
    "WELL": "WL",
    "WELLS": "WLS",
}
STREET_SUFFIX_CODES = set(STREET_SUFFIXES.values())
SUFFIX_LONG: dict[str, str] = {}
for _written, _code in STREET_SUFFIXES.items():
    SUFFIX_LONG.setdefault(_code, _written)  # the first written form listed is the full word
DIRECTIONALS = {
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "NORTHEAST": "NE",
    "NORTHWEST": "NW",
    "SOUTHEAST": "SE",
    "SOUTHWEST": "SW",
    "N": "N",
    "S": "S",
    "E": "E",
    "W": "W",
    "NE": "NE",
    "NW": "NW",
    "SE": "SE",
    "SW": "SW",
}
_ORDINAL_UNITS = {
    "FIRST": 1,
    "SECOND": 2,
    "THIRD": 3,
    "FOURTH": 4,
    "FIFTH": 5,
    "SIXTH": 6,
    "SEVENTH": 7,
    "EIGHTH": 8,
    "NINTH": 9,
}
_ORDINAL_ALONE = {
    "TENTH": 10,
    "ELEVENTH": 11,
    "TWELFTH": 12,
    "THIRTEENTH": 13,
    "FOURTEENTH": 14,
    "FIFTEENTH": 15,
    "SIXTEENTH": 16,
    "SEVENTEENTH": 17,
    "EIGHTEENTH": 18,
    "NINETEENTH": 19,
    "TWENTIETH": 20,
    "THIRTIETH": 30,
    "FORTIETH": 40,
    "FIFTIETH": 50,
    "SIXTIETH": 60,
    "SEVENTIETH": 70,
    "EIGHTIETH": 80,
    "NINETIETH": 90,
    "HUNDREDTH": 100,
    **_ORDINAL_UNITS,
}
_TENS = {"TWENTY": 20, "THIRTY": 30, "FORTY": 40, "FIFTY": 50, "SIXTY": 60, "SEVENTY": 70, "EIGHTY": 80, "NINETY": 90}
# USPS Publication 28, appendix C2 (secondary unit designators), plus "#", "NO" and the California "SP"/"SPC".
UNIT_DESIGNATORS = {
    "APARTMENT": "APT",
    "APT": "APT",
    "UNIT": "UNIT",
    "STE": "STE",
    "SUITE": "STE",
    "#": "#",
    "NO": "#",
    "NUMBER": "#",
    "SPACE": "SPC",
    "SPC": "SPC",
    "SP": "SPC",
    "BUILDING": "BLDG",
    "BLDG": "BLDG",
    "FLOOR": "FL",
    "FL": "FL",
    "ROOM": "RM",
    "RM": "RM",
    "TRAILER": "TRLR",
    "TRLR": "TRLR",
    "LOT": "LOT",
    "DEPT": "DEPT",
    "DEPARTMENT": "DEPT",
    "PH": "PH",
    "PENTHOUSE": "PH",
    "BSMT": "BSMT",
    "BASEMENT": "BSMT",
    "REAR": "REAR",
    "FRONT": "FRNT",
    "FRNT": "FRNT",
    "UPPER": "UPPR",
    "UPPR": "UPPR",
    "LOWER": "LOWR",
    "LOWR": "LOWR",
    "HANGAR": "HNGR",
    "OFC": "OFC",
    "OFFICE": "OFC",
}
_UNIT_WITHOUT_NUMBER = {"REAR", "FRNT", "UPPR", "LOWR", "BSMT", "PH", "OFC"}
_HOUSE = re.compile(r"^(\d+)([A-Z]?)$")
_HOUSE_FALLBACK = re.compile(r"^\s*(\d+)[A-Z]?(?=\s|$)")  # not the "14" of "14th Ave"


def fold(text: str) -> str:
    """Upper case, accents removed, punctuation to spaces, spaces collapsed ('#' and '/' kept)."""
    text = (text or "").replace("\u00bd", " 1/2")  # the one-half sign of "123½"
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = re.sub(r"[^A-Za-z0-9#/ ]+", " ", ascii_text.replace("'", "").replace("\u2019", ""))
    cleaned = cleaned.replace("#", " # ")
    return " ".join(cleaned.upper().split())


def house_key(number: str) -> str:
    """The house number without leading zeros: '0123' -> '123'; '123A' stays."""
    key = fold(number).replace(" ", "")
    return key.lstrip("0") or key


def _ordinals(words: list[str]) -> list[str]:
    """'TWENTY FIRST' -> '21ST', 'FIFTH' -> '5TH', 'TWENTIETH' -> '20TH'."""
    out: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word in _TENS and index + 1 < len(words) and words[index + 1] in _ORDINAL_UNITS:
            number = _TENS[word] + _ORDINAL_UNITS[words[index + 1]]
            out.append(_ordinal(number))
            index += 2
            continue
        out.append(_ordinal(_ORDINAL_ALONE[word]) if word in _ORDINAL_ALONE else word)
        index += 1
    return out


def _ordinal(number: int) -> str:
    ending = "TH" if 10 <= number % 100 <= 20 else {1: "ST", 2: "ND", 3: "RD"}.get(number % 10, "TH")
    return f"{number}{ending}"


@dataclass(frozen=True)
class Street:
    """A street in USPS standard form: 'N 5TH AVE' = predirectional N, name 5TH, type AVE."""

    predirectional: str
    name: str
    type: str
    postdirectional: str

    @cached_property  # (a frozen dataclass: cached_property writes the instance's __dict__ itself)
    def key(self) -> str:
        return " ".join(p for p in (self.predirectional, self.name, self.type, self.postdirectional) if p)

    @cached_property
    def compact(self) -> str:
        """The name and type's letters, the type spelt out: catches words run
        together or split ('ABERNETH YSTREET' for 'ABERNETHY STREET')."""
        return (self.name + SUFFIX_LONG.get(self.type, self.type)).replace(" ", "")


def _is_type(word: str) -> bool:
    return word in STREET_SUFFIXES or word in STREET_SUFFIX_CODES


def _street_from_words(words: list[str]) -> Street:
    words = _ordinals(words)
    predirectional = postdirectional = kind = ""
    if len(words) > 1 and words[0] in DIRECTIONALS and not (len(words) == 2 and _is_type(words[1])):
        predirectional = DIRECTIONALS[words.pop(0)]  # but "North St" is a street named North
    if len(words) > 1 and words[-1] in DIRECTIONALS:
        postdirectional = DIRECTIONALS[words.pop()]
    if len(words) > 1 and _is_type(words[-1]):
        last = words.pop()
        kind = STREET_SUFFIXES.get(last, last)
    if len(words) > 1 and words[0] == "SAINT":
        words[0] = "ST"
    return Street(predirectional, " ".join(words), kind, postdirectional)


@lru_cache(maxsize=1 << 16)
def street_parts(*parts: str) -> Street:
    """A street as the voter file splits it (prefix, name, type, suffix) or as written, standardised."""
    return _street_from_words(fold(" ".join(p for p in parts if p)).replace("#", " ").split())


def street_key(*parts: str) -> str:
    """A street as USPS would write it: 'North Main Street' -> 'N MAIN ST'."""
    return street_parts(*parts).key


@dataclass(frozen=True)
class ParsedAddress:
    house: str  # digits and a letter suffix: '123', '123A' ('' when none was written)
    fraction: str  # '1/2' or ''
    street: Street
    unit: str  # the unit number or letter, '' when none
    parser: str = "tokens"  # which parser read it: tokens, usaddress or regex

    @property
    def house_number(self) -> str:
        """The house number's digits alone."""
        match = _HOUSE.match(self.house)
        return match.group(1) if match else self.house


def _split_unit(words: list[str]) -> tuple[list[str], str]:
    """Take the unit off the end of the street words: 'MAIN ST APT 4' -> (['MAIN', 'ST'], '4')."""
    for index in range(1, len(words)):
        designator = UNIT_DESIGNATORS.get(words[index])
        if designator is None:
            continue
        rest = words[index + 1 :]
        if rest and (rest[0] in STREET_SUFFIXES or rest[0] in STREET_SUFFIX_CODES):
            continue  # "Parking Lot Rd": a word of the street's name
        # "NO" and a few designators are also words of street names: a unit only when followed by a short identifier.
        if designator in _UNIT_WITHOUT_NUMBER and not rest:
            return words[:index], designator
        if (rest and len(rest) <= 2 and len(rest[0]) <= 6 and any(c.isdigit() for c in "".join(rest))) or (
            rest and len(rest) == 1 and len(rest[0]) <= 2
        ):
            return words[:index], "".join(rest)
    # A bare identifier after the street type: "MAIN ST 4", "MAIN ST 4B".
    if (
        len(words) > 2
        and (words[-2] in STREET_SUFFIXES or words[-2] in STREET_SUFFIX_CODES)
        and (any(c.isdigit() for c in words[-1]) and len(words[-1]) <= 5)
    ):
        return words[:-1], words[-1]
    return words, ""


def _parse_tokens(text: str) -> ParsedAddress | None:
    words = text.split()
    if len(words) < 2:
        return None
    match = _HOUSE.match(words[0])
    if not match:
        return None
    house = match.group(1).lstrip("0") + match.group(2) if match.group(1).strip("0") else words[0]
    rest = words[1:]
    fraction = ""
    if rest and rest[0] in ("1/2", "1/4", "3/4", "1/3", "2/3"):
        fraction = rest.pop(0)
    street_words, unit = _split_unit(rest)
    if not street_words:
        return None
    return ParsedAddress(house=house, fraction=fraction, street=_street_from_words(street_words), unit=unit)


def _parse_usaddress(text: str) -> ParsedAddress | None:
    import usaddress  # imported when first needed: loading its model takes a tenth of a second

    try:
        tagged, _kind = usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        return None
    number = fold(tagged.get("AddressNumber", ""))
    match = _HOUSE.match(number.replace(" ", ""))
    if not match:
        return None
    street_words = " ".join(
        tagged.get(label, "")
        for label in (
            "StreetNamePreDirectional",
            "StreetNamePreModifier",
            "StreetNamePreType",
            "StreetName",
            "StreetNamePostType",
            "StreetNamePostDirectional",
        )
    )
    unit = (
        fold(tagged.get("OccupancyIdentifier", "") or tagged.get("SubaddressIdentifier", "")).replace("#", "").strip()
    )
    fraction = fold(tagged.get("AddressNumberSuffix", ""))
    return ParsedAddress(
        house=house_key(number.replace(" ", "")),
        fraction=fraction if "/" in fraction else "",
        street=street_parts(street_words),
        unit=unit.replace(" ", ""),
        parser="usaddress",
    )


def parse_address(address: str, unit: str = "") -> ParsedAddress:
    """A residence address as written, with the unit field of the online form if any."""
    text = fold(address)
    parsed = _parse_tokens(text) or _parse_usaddress(text)
    if parsed is None:
        match = _HOUSE_FALLBACK.match(text)
        if match:
            remainder = text[match.end() :].split()
            street_words, found_unit = _split_unit(remainder)
            parsed = ParsedAddress(
                house=house_key(match.group(1)),
                fraction="",
                street=_street_from_words(street_words),
                unit=found_unit,
                parser="regex",
            )
        else:
            parsed = ParsedAddress(
                house="", fraction="", street=_street_from_words(text.split()), unit="", parser="regex"
            )
    written_unit = fold(unit).replace("#", "").replace(" ", "")
    if written_unit:
        for designator in sorted(UNIT_DESIGNATORS, key=len, reverse=True):
            if written_unit.startswith(designator) and len(written_unit) > len(designator):
                written_unit = written_unit[len(designator) :]
                break
        parsed = ParsedAddress(parsed.house, parsed.fraction, parsed.street, written_unit, parsed.parser)
    return parsed
