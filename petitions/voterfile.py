"""The Secretary of State's voter file: its layout, row parsing, and a synthetic writer.

The statewide file is tab-delimited text with a header row, one registered
voter per row (DOMAIN.md, "The voter file"). Columns are found by their header
name, in any order; columns this software does not use (the real file has many:
ExtractDate, Phone, Email, Gender, PartyCode, PrecinctName, ...) are ignored.

Required columns (a file missing one of them is refused whole):
  CountyCode, RegistrantID, LastName, FirstName, AddressNumber, StreetName,
  City, Zip, Status.
  These are what identifying a voter needs (who, which county, where), plus
  Status, which a file without it would silently lose. A required COLUMN may
  still hold an empty VALUE on a row, except where a row rule below says so.

Optional columns (empty / no date when absent):
  MiddleName, Suffix, HouseFractionNumber, AddressNumberSuffix, StreetDirPrefix,
  StreetType, StreetDirSuffix, UnitType, UnitNumber, State, DOB, RegistrationDate.

Row rules (a row breaking one is a bad row, reported with its reason; the rest
of the file is still imported):
  - the row has as many fields as the header (extra EMPTY trailing fields, as
    some exports leave, are tolerated);
  - RegistrantID is not empty;
  - CountyCode is one of the 58 county codes ("1" is read as "01");
  - LastName is not empty (FirstName may be, for people with one name;
    AddressNumber may be, for voters registered at a described location);
  - DOB and RegistrationDate, when not empty, are real dates written
    YYYY-MM-DD or MM/DD/YYYY (a trailing time such as " 00:00:00" is ignored);
  - no value is longer than its database column;
  - no NUL character.

Values are stripped of surrounding white space. The file has no quoting; if the
header's names are wrapped in double quotes, every value's surrounding quotes
are removed as well.

write_synthetic_voter_file() writes a made-up file in this layout (realistic
California names, streets, cities and ZIPs per county; deterministic by seed;
streamed, so 5 million rows take no memory; gzip when the name ends in .gz) for
the demo, the tests and the benchmarks. Its first rows are DEMO_VOTERS, people a
new user can sign as, e.g. "Maria Garcia, 1200 J St, Sacramento 95814, county
34 Sacramento" (DemoVoter.describe()). Names and streets are written in mixed
case; real files are often upper case, which the matching keys ignore.

This module has no Django imports so that scripts and benchmarks can use the
writer without settings; `tests/test_import_voters.py` checks the column lengths
below against `petitions.models.Voter`.
"""

from __future__ import annotations

import csv
import gzip
import random
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from operator import gt, itemgetter
from os import PathLike
from pathlib import Path


class VoterFileRefused(Exception):
    """The file cannot be imported at all (nothing was changed)."""

    def __init__(self, message: str, *, missing: Sequence[str] = ()):
        super().__init__(message)
        self.missing = tuple(missing)


@dataclass(frozen=True)
class Column:
    header: str  # name in the Secretary of State's header row
    field: str  # petitions.models.Voter field
    required: bool
    max_length: int  # of the Voter field (0 for dates)
    kind: str = "text"  # "text" or "date"


COLUMNS: tuple[Column, ...] = (
    Column("CountyCode", "county_id", True, 2),
    Column("RegistrantID", "registrant_id", True, 20),
    Column("LastName", "last_name", True, 100),
    Column("FirstName", "first_name", True, 100),
    Column("MiddleName", "middle_name", False, 100),
    Column("Suffix", "suffix", False, 20),
    Column("AddressNumber", "address_number", True, 20),
    Column("HouseFractionNumber", "house_fraction", False, 10),
    Column("AddressNumberSuffix", "address_number_suffix", False, 10),
    Column("StreetDirPrefix", "street_dir_prefix", False, 10),
    Column("StreetName", "street_name", True, 100),
    Column("StreetType", "street_type", False, 20),
    Column("StreetDirSuffix", "street_dir_suffix", False, 10),
    Column("UnitType", "unit_type", False, 20),
    Column("UnitNumber", "unit_number", False, 20),
    Column("City", "city", True, 100),
    Column("State", "state", False, 2),
    Column("Zip", "zip", True, 10),
    Column("DOB", "dob", False, 0, "date"),
    Column("Status", "voter_status", True, 20),
    Column("RegistrationDate", "registration_date", False, 0, "date"),
)
COLUMN_NAMES = tuple(c.header for c in COLUMNS)
REQUIRED_COLUMNS = tuple(c.header for c in COLUMNS if c.required)
OPTIONAL_COLUMNS = tuple(c.header for c in COLUMNS if not c.required)
FIELDS = tuple(c.field for c in COLUMNS)
DATE_FIELDS = tuple(c.field for c in COLUMNS if c.kind == "date")
TEXT_FIELDS = tuple(c.field for c in COLUMNS if c.kind == "text")

_NO_LIMIT = 1 << 30
_REGISTRANT = FIELDS.index("registrant_id")
_COUNTY = FIELDS.index("county_id")
_LAST = FIELDS.index("last_name")
_DATES = tuple((FIELDS.index(c.field), c.header) for c in COLUMNS if c.kind == "date")

COUNTIES_CSV = Path(__file__).resolve().parent / "data" / "ca_counties.csv"


def county_names() -> dict[str, str]:
    """{'01': 'Alameda', ..., '58': 'Yuba'} from petitions/data/ca_counties.csv."""
    with COUNTIES_CSV.open(newline="", encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


# --- Dates -------------------------------------------------------------------


@lru_cache(maxsize=100_000)
def parse_date(text: str) -> date:
    """'1980-07-04', '07/04/1980' or '7/4/1980' (a trailing time is ignored) -> date.

    Raises ValueError for anything else. Cached: a voter file holds a few tens
    of thousands of distinct birth dates for millions of rows."""
    value = text.split(" ", 1)[0].split("T", 1)[0]
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        year, month, day = value[:4], value[5:7], value[8:]
    elif "/" in value:
        parts = value.split("/")
        if len(parts) != 3 or len(parts[2]) != 4:
            raise ValueError(text)
        month, day, year = parts
    else:
        raise ValueError(text)
    if not (year.isdigit() and month.isdigit() and day.isdigit()):
        raise ValueError(text)
    return date(int(year), int(month), int(day))


@lru_cache(maxsize=100_000)
def _iso_date(text: str) -> str:
    return parse_date(text).isoformat()


# --- The layout of one file ----------------------------------------------------


class Layout:
    """Where each used column sits in one file, read from its header row."""

    def __init__(self, header: Sequence[str]):
        names = [name.strip() for name in header]
        self.quoted = bool(names) and all(len(n) >= 2 and n[0] == '"' and n[-1] == '"' for n in names if n)
        if self.quoted:
            names = [n[1:-1].strip() if len(n) >= 2 and n[0] == n[-1] == '"' else n for n in names]
        self.width = len(names)
        by_lower: dict[str, list[int]] = {}
        for index, name in enumerate(names):
            by_lower.setdefault(name.lower(), []).append(index)
        missing = [c.header for c in COLUMNS if c.required and c.header.lower() not in by_lower]
        if missing:
            raise VoterFileRefused(
                f"the header lacks the required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"(required: {', '.join(REQUIRED_COLUMNS)})",
                missing=missing,
            )
        repeated = [c.header for c in COLUMNS if len(by_lower.get(c.header.lower(), ())) > 1]
        if repeated:
            raise VoterFileRefused(f"the header names {', '.join(repeated)} more than once")
        self.index = {c.field: by_lower[c.header.lower()][0] for c in COLUMNS if c.header.lower() in by_lower}
        self.absent = tuple(c.header for c in COLUMNS if c.field not in self.index)
        self.ignored = tuple(n for n in names if n.lower() not in {h.lower() for h in COLUMN_NAMES})
        # parse_values() picks every used column in FIELDS order with one
        # itemgetter (an absent column reads the empty field appended at `width`)
        # and checks lengths with C-level map(): a row costs a few microseconds.
        self._pick = itemgetter(*(self.index.get(c.field, self.width) for c in COLUMNS))
        self._pad = bool(self.absent)
        self._limits = tuple(
            c.max_length if c.kind == "text" and c.field != "county_id" else _NO_LIMIT for c in COLUMNS
        )
        self._registrant = self.index["registrant_id"]

    @classmethod
    def from_header_line(cls, line: str) -> Layout:
        return cls(line.lstrip("\ufeff").rstrip("\r\n").split("\t"))

    def split(self, line: str) -> list[str]:
        """A data line (without its newline) into fields."""
        return line.split("\t")

    def registrant_id(self, fields: Sequence[str]) -> str:
        """The RegistrantID as written, or '' (for bad rows: who the row was about)."""
        if len(fields) <= self._registrant:
            return ""
        value = fields[self._registrant].strip()
        if self.quoted and len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].strip()
        return value

    def parse_values(
        self, fields: list[str], county_codes: set[str] | frozenset[str]
    ) -> tuple[list | None, str | None]:
        """One data row -> (values in FIELDS order, None) or (None, reason).

        Text values are stripped strings ('' when the column is absent); dates
        are ISO strings 'YYYY-MM-DD' or None; the county code has two digits."""
        width = self.width
        if len(fields) != width:
            if len(fields) < width or any(f.strip() for f in fields[width:]):
                return None, f"expected {width} fields, found {len(fields)}"
            fields = fields[:width]
        if self._pad:
            fields = [*fields, ""]
        values = list(map(str.strip, self._pick(fields)))
        if self.quoted:
            values = [v[1:-1].strip() if len(v) >= 2 and v[0] == v[-1] == '"' else v for v in values]
        if any(map(gt, map(len, values), self._limits)):
            for column, value in zip(COLUMNS, values):
                if len(value) > column.max_length and column.field != "county_id" and column.kind == "text":
                    return None, f"{column.header} longer than {column.max_length} characters"
        if not values[_REGISTRANT]:
            return None, "empty RegistrantID"
        county = values[_COUNTY]
        if len(county) == 1:
            county = values[_COUNTY] = "0" + county
        if county not in county_codes:
            return None, f"unknown county code {values[_COUNTY]!r}" if county else "empty CountyCode"
        if not values[_LAST]:
            return None, "empty LastName"
        for position, header in _DATES:
            value = values[position]
            if value:
                try:
                    values[position] = _iso_date(value)
                except ValueError:
                    return None, f"bad {header} {value!r} (expected YYYY-MM-DD or MM/DD/YYYY)"
            else:
                values[position] = None
        return values, None

    def parse(self, fields: list[str], county_codes: set[str] | frozenset[str]) -> tuple[dict | None, str | None]:
        """One data row -> (clean dict of Voter fields, None) or (None, reason).

        Dates are datetime.date (or None); see parse_values for the rest."""
        values, reason = self.parse_values(fields, county_codes)
        if values is None:
            return None, reason
        row = dict(zip(FIELDS, values))
        for name in DATE_FIELDS:
            if row[name] is not None:
                row[name] = date.fromisoformat(row[name])
        return row, None


# --- A synthetic voter file -----------------------------------------------------


@dataclass(frozen=True)
class DemoVoter:
    """A voter the demo file always holds, so a new user knows whom to sign as."""

    registrant_id: str
    county: str
    first: str
    last: str
    number: str
    street_prefix: str
    street: str
    street_type: str
    city: str
    zip: str
    dob: str  # YYYY-MM-DD
    middle: str = ""
    suffix: str = ""
    unit_type: str = ""
    unit: str = ""

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first, self.middle, self.last, self.suffix) if p)

    @property
    def address(self) -> str:
        return " ".join(p for p in (self.number, self.street_prefix, self.street, self.street_type) if p)

    def describe(self) -> str:
        """'Maria Garcia, 1200 J St, Sacramento 95814, county 34 Sacramento'."""
        unit = f" {self.unit_type} {self.unit}" if self.unit else ""
        county = f"county {self.county} {county_names()[self.county]}"
        return f"{self.name}, {self.address}{unit}, {self.city} {self.zip}, {county}"


DEMO_VOTERS: tuple[DemoVoter, ...] = (
    DemoVoter("999000001", "34", "Maria", "Garcia", "1200", "", "J", "St", "Sacramento", "95814", "1984-03-12"),
    DemoVoter("999000002", "19", "Robert", "Smith", "100", "N", "Main", "St", "Los Angeles", "90012", "1961-11-02"),
    DemoVoter(
        "999000003",
        "38",
        "Mai",
        "Nguyen",
        "4500",
        "",
        "Mission",
        "St",
        "San Francisco",
        "94112",
        "1992-06-30",
        unit_type="Apt",
        unit="3",
    ),
    DemoVoter(
        "999000004", "37", "James", "O'Brien", "2100", "", "5th", "Ave", "San Diego", "92101", "1975-01-20", suffix="Jr"
    ),
)

# Per county: (city or community, ZIP) pairs, and a weight close to the
# county's share of registered voters (thousands, late 2024, rounded).
COUNTY_PLACES: dict[str, tuple[int, tuple[tuple[str, str], ...]]] = {
    "01": (950, (("Oakland", "94612"), ("Berkeley", "94704"), ("Fremont", "94536"), ("Hayward", "94541"))),
    "02": (1, (("Markleeville", "96120"), ("Bear Valley", "95223"))),
    "03": (27, (("Jackson", "95642"), ("Ione", "95640"), ("Sutter Creek", "95685"))),
    "04": (140, (("Chico", "95928"), ("Oroville", "95965"), ("Paradise", "95969"))),
    "05": (35, (("San Andreas", "95249"), ("Angels Camp", "95222"), ("Valley Springs", "95252"))),
    "06": (11, (("Colusa", "95932"), ("Williams", "95987"), ("Arbuckle", "95912"))),
    "07": (740, (("Concord", "94520"), ("Richmond", "94804"), ("Walnut Creek", "94596"), ("Antioch", "94509"))),
    "08": (14, (("Crescent City", "95531"), ("Smith River", "95567"))),
    "09": (150, (("Placerville", "95667"), ("South Lake Tahoe", "96150"), ("El Dorado Hills", "95762"))),
    "10": (520, (("Fresno", "93721"), ("Clovis", "93612"), ("Reedley", "93654"))),
    "11": (15, (("Willows", "95988"), ("Orland", "95963"))),
    "12": (90, (("Eureka", "95501"), ("Arcata", "95521"), ("Fortuna", "95540"))),
    "13": (90, (("El Centro", "92243"), ("Calexico", "92231"), ("Brawley", "92227"))),
    "14": (12, (("Bishop", "93514"), ("Lone Pine", "93545"))),
    "15": (450, (("Bakersfield", "93301"), ("Delano", "93215"), ("Ridgecrest", "93555"))),
    "16": (60, (("Hanford", "93230"), ("Lemoore", "93245"), ("Corcoran", "93212"))),
    "17": (40, (("Lakeport", "95453"), ("Clearlake", "95422"))),
    "18": (14, (("Susanville", "96130"),)),
    "19": (
        5700,
        (
            ("Los Angeles", "90012"),
            ("Los Angeles", "90026"),
            ("Long Beach", "90802"),
            ("Pasadena", "91101"),
            ("Glendale", "91205"),
            ("Santa Clarita", "91355"),
            ("Lancaster", "93534"),
            ("Torrance", "90503"),
        ),
    ),
    "20": (80, (("Madera", "93637"), ("Chowchilla", "93610"), ("Oakhurst", "93644"))),
    "21": (180, (("San Rafael", "94901"), ("Novato", "94945"), ("Mill Valley", "94941"))),
    "22": (13, (("Mariposa", "95338"),)),
    "23": (55, (("Ukiah", "95482"), ("Fort Bragg", "95437"), ("Willits", "95490"))),
    "24": (130, (("Merced", "95340"), ("Los Banos", "93635"), ("Atwater", "95301"))),
    "25": (6, (("Alturas", "96101"),)),
    "26": (8, (("Mammoth Lakes", "93546"), ("Bridgeport", "93517"))),
    "27": (210, (("Salinas", "93901"), ("Monterey", "93940"), ("Seaside", "93955"))),
    "28": (90, (("Napa", "94559"), ("American Canyon", "94503"), ("St Helena", "94574"))),
    "29": (80, (("Grass Valley", "95945"), ("Nevada City", "95959"), ("Truckee", "96161"))),
    "30": (1850, (("Anaheim", "92805"), ("Santa Ana", "92701"), ("Irvine", "92614"), ("Huntington Beach", "92648"))),
    "31": (310, (("Roseville", "95678"), ("Rocklin", "95677"), ("Auburn", "95603"))),
    "32": (14, (("Quincy", "95971"), ("Portola", "96122"))),
    "33": (
        1350,
        (("Riverside", "92501"), ("Moreno Valley", "92553"), ("Temecula", "92590"), ("Palm Springs", "92262")),
    ),
    "34": (
        950,
        (
            ("Sacramento", "95814"),
            ("Sacramento", "95822"),
            ("Elk Grove", "95624"),
            ("Citrus Heights", "95610"),
            ("Folsom", "95630"),
        ),
    ),
    "35": (40, (("Hollister", "95023"), ("San Juan Bautista", "95045"))),
    "36": (1150, (("San Bernardino", "92401"), ("Fontana", "92335"), ("Ontario", "91764"), ("Victorville", "92392"))),
    "37": (
        1950,
        (
            ("San Diego", "92101"),
            ("San Diego", "92104"),
            ("Chula Vista", "91910"),
            ("Oceanside", "92054"),
            ("Escondido", "92025"),
        ),
    ),
    "38": (
        520,
        (
            ("San Francisco", "94102"),
            ("San Francisco", "94110"),
            ("San Francisco", "94112"),
            ("San Francisco", "94122"),
        ),
    ),
    "39": (410, (("Stockton", "95202"), ("Tracy", "95376"), ("Lodi", "95240"))),
    "40": (190, (("San Luis Obispo", "93401"), ("Paso Robles", "93446"), ("Atascadero", "93422"))),
    "41": (440, (("San Mateo", "94401"), ("Daly City", "94015"), ("Redwood City", "94063"))),
    "42": (250, (("Santa Barbara", "93101"), ("Santa Maria", "93454"), ("Lompoc", "93436"))),
    "43": (
        1000,
        (
            ("San Jose", "95113"),
            ("San Jose", "95122"),
            ("Sunnyvale", "94086"),
            ("Santa Clara", "95050"),
            ("Palo Alto", "94301"),
        ),
    ),
    "44": (180, (("Santa Cruz", "95060"), ("Watsonville", "95076"))),
    "45": (120, (("Redding", "96001"), ("Anderson", "96007"))),
    "46": (3, (("Downieville", "95936"), ("Loyalton", "96118"))),
    "47": (30, (("Yreka", "96097"), ("Mount Shasta", "96067"))),
    "48": (270, (("Vallejo", "94590"), ("Fairfield", "94533"), ("Vacaville", "95688"))),
    "49": (330, (("Santa Rosa", "95404"), ("Petaluma", "94952"), ("Rohnert Park", "94928"))),
    "50": (270, (("Modesto", "95354"), ("Turlock", "95380"), ("Ceres", "95307"))),
    "51": (50, (("Yuba City", "95991"), ("Live Oak", "95953"))),
    "52": (40, (("Red Bluff", "96080"), ("Corning", "96021"))),
    "53": (9, (("Weaverville", "96093"), ("Hayfork", "96041"))),
    "54": (230, (("Visalia", "93291"), ("Tulare", "93274"), ("Porterville", "93257"))),
    "55": (40, (("Sonora", "95370"), ("Tuolumne", "95379"))),
    "56": (530, (("Oxnard", "93030"), ("Ventura", "93001"), ("Thousand Oaks", "91360"), ("Simi Valley", "93065"))),
    "57": (120, (("Davis", "95616"), ("Woodland", "95695"), ("West Sacramento", "95691"))),
    "58": (40, (("Marysville", "95901"), ("Wheatland", "95692"))),
}

# Most common first: picks are skewed towards the head of each list, so common
# names repeat as they do in a real file.
LAST_NAMES = (
    "Garcia",
    "Hernandez",
    "Lopez",
    "Martinez",
    "Rodriguez",
    "Gonzalez",
    "Smith",
    "Nguyen",
    "Perez",
    "Sanchez",
    "Johnson",
    "Ramirez",
    "Williams",
    "Kim",
    "Lee",
    "Brown",
    "Torres",
    "Flores",
    "Rivera",
    "Chen",
    "Jones",
    "Tran",
    "Gomez",
    "Diaz",
    "Miller",
    "Davis",
    "Wong",
    "Reyes",
    "Cruz",
    "Morales",
    "Wang",
    "Le",
    "Wilson",
    "Anderson",
    "Gutierrez",
    "Ortiz",
    "Patel",
    "Pham",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Castillo",
    "Singh",
    "Park",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Carter",
    "Phillips",
    "Evans",
    "Turner",
    "Li",
    "Zhang",
    "Liu",
    "Huang",
    "Chan",
    "Shah",
    "Kumar",
    "Tanaka",
    "Yamamoto",
    "Santos",
    "Mendoza",
    "Vasquez",
    "Castro",
    "Romero",
    "Alvarez",
    "Ruiz",
    "Jimenez",
    "Moreno",
    "Herrera",
    "Medina",
    "Aguilar",
    "Vargas",
    "Guzman",
    "Munoz",
    "Peña",
    "O'Brien",
    "O'Connor",
    "McDonald",
    "De La Cruz",
    "Del Rio",
    "Van Dyke",
    "Nakamura",
    "Sato",
    "Kaur",
    "Ali",
    "Cohen",
    "Murphy",
)
FEMALE_FIRST_NAMES = (
    "Maria",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Patricia",
    "Jessica",
    "Sarah",
    "Karen",
    "Michelle",
    "Susan",
    "Ana",
    "Nancy",
    "Lisa",
    "Emily",
    "Ashley",
    "Rosa",
    "Guadalupe",
    "Veronica",
    "Sofia",
    "Isabella",
    "Gabriela",
    "Carmen",
    "Leticia",
    "Linh",
    "Mei",
    "Lin",
    "Priya",
    "Anjali",
    "Yuki",
    "Grace",
    "Olivia",
    "Emma",
    "Mia",
    "Chloe",
    "Hannah",
    "Barbara",
    "Mary",
    "Angela",
    "Sandra",
    "Diana",
    "Adriana",
    "Monica",
    "Elena",
    "Thu",
)
MALE_FIRST_NAMES = (
    "James",
    "Michael",
    "Robert",
    "David",
    "Jose",
    "John",
    "Daniel",
    "William",
    "Juan",
    "Christopher",
    "Richard",
    "Carlos",
    "Luis",
    "Joseph",
    "Thomas",
    "Anthony",
    "Mark",
    "Steven",
    "Jorge",
    "Kevin",
    "Brian",
    "Miguel",
    "Francisco",
    "Paul",
    "Andrew",
    "Jesus",
    "Alejandro",
    "Wei",
    "Jun",
    "Minh",
    "Hung",
    "Raj",
    "Arjun",
    "Hiroshi",
    "Kenji",
    "Min",
    "Matthew",
    "Joshua",
    "Ricardo",
    "Victor",
    "Eduardo",
    "Fernando",
    "Sergio",
    "Raul",
    "Oscar",
    "José",
)
FEMALE_MIDDLE_NAMES = ("A", "M", "L", "Ann", "Marie", "Lynn", "Elena", "Thi", "Guadalupe", "Rose", "J")
MALE_MIDDLE_NAMES = ("J", "A", "M", "R", "Lee", "James", "Antonio", "Luis", "Van", "Michael", "Alan")
STREET_NAMES = (
    "Main",
    "Oak",
    "Pine",
    "Maple",
    "Cedar",
    "Elm",
    "Walnut",
    "Park",
    "Lake",
    "Hill",
    "Washington",
    "Lincoln",
    "Jefferson",
    "Madison",
    "1st",
    "2nd",
    "3rd",
    "4th",
    "5th",
    "6th",
    "7th",
    "8th",
    "9th",
    "10th",
    "Mission",
    "Sunset",
    "Santa Clara",
    "San Pablo",
    "Alameda",
    "Magnolia",
    "Olive",
    "Orange",
    "Lemon",
    "Palm",
    "Sycamore",
    "Willow",
    "Redwood",
    "Sequoia",
    "Cypress",
    "Eucalyptus",
    "Jacaranda",
    "Manzanita",
    "Sierra",
    "Shasta",
    "Mariposa",
    "Laurel",
    "Grand",
    "Central",
    "Church",
    "Center",
    "Spring",
    "River",
    "Ridge",
    "Canyon",
    "Valley View",
    "Foothill",
    "Crestview",
    "Highland",
    "Sunrise",
    "La Paz",
    "Las Palmas",
    "Los Robles",
    "Del Monte",
    "Vista Del Mar",
    "Rancho",
    "Aspen",
    "Juniper",
    "Fair Oaks",
    "Live Oak",
    "Franklin",
    "Adams",
    "Monroe",
    "Chestnut",
    "Poplar",
    "Hawthorne",
    "Vine",
    "Broadway",
    "El Camino Real",
)
NO_TYPE_STREETS = {"Broadway", "El Camino Real"}
STREET_TYPES = (
    ("St", 30),
    ("Ave", 25),
    ("Dr", 12),
    ("Ct", 6),
    ("Way", 6),
    ("Blvd", 5),
    ("Ln", 5),
    ("Rd", 5),
    ("Pl", 4),
    ("Cir", 2),
)
# A few files spell the type out; the keys normalise both to the same thing.
SPELLED_TYPES = {"St": "Street", "Ave": "Avenue", "Dr": "Drive", "Blvd": "Boulevard", "Ln": "Lane", "Rd": "Road"}
UNIT_TYPES = (("Apt", 60), ("Unit", 25), ("#", 10), ("Spc", 5))
PARTIES = (("DEM", 46), ("REP", 25), ("NPP", 22), ("AI", 3), ("LIB", 1), ("GRN", 1), ("PF", 1), ("OTH", 1))
AREA_CODES = (
    "209",
    "213",
    "310",
    "323",
    "408",
    "415",
    "510",
    "530",
    "559",
    "562",
    "619",
    "626",
    "650",
    "661",
    "707",
    "714",
    "760",
    "805",
    "818",
    "831",
    "858",
    "909",
    "916",
    "925",
    "949",
    "951",
)

# The real file's order, with some of the columns this software ignores.
EXTRA_COLUMNS_AFTER = {
    "RegistrantID": ("ExtractDate",),
    "Zip": ("Phone", "Email"),
    "DOB": ("Gender", "PartyCode"),
    "RegistrationDate": ("PrecinctName",),
}
SYNTHETIC_ID_BASE = 100_000_000


def synthetic_header(extra_columns: bool = True) -> list[str]:
    header: list[str] = []
    for name in COLUMN_NAMES:
        header.append(name)
        if extra_columns:
            header.extend(EXTRA_COLUMNS_AFTER.get(name, ()))
    return header


def _weighted(pairs: Sequence[tuple[str, int]]) -> list[str]:
    return [value for value, weight in pairs for _ in range(weight)]


def _open_for_writing(path: Path):
    if path.name.endswith(".gz"):
        return gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=6)
    return path.open("w", encoding="utf-8", newline="")


def write_synthetic_voter_file(
    path: str | PathLike,
    *,
    count: int,
    seed: int,
    counties: Iterable[str] | None = None,
    extra_columns: bool = True,
    demo_voters: bool = True,
) -> int:
    """Write `count` synthetic voters in the Secretary of State's layout to `path`.

    Tab-delimited UTF-8 with a header row, gzip-compressed when the name ends in
    .gz. Deterministic for a given seed and arguments. Streams: rows are written
    as they are made, so millions of rows take no memory. The first rows are
    DEMO_VOTERS (those in `counties`), unless demo_voters is False; then, when
    there is room, one voter per county so that every county appears; then
    voters spread across counties by their share of registered voters.
    RegistrantIDs are 100000000, 100000001, ... by row (demo voters keep theirs),
    so two files of different seeds share IDs: handy for re-import tests.
    With extra_columns, the file also has columns this software must ignore
    (ExtractDate, Phone, Email, Gender, PartyCode, PrecinctName). Returns the
    number of voter rows written.
    """
    path = Path(path)
    rng = random.Random(seed)  # noqa: S311 - a seeded synthetic file, not a secret
    codes = sorted(COUNTY_PLACES) if counties is None else sorted({str(c).zfill(2) for c in counties})
    unknown = [c for c in codes if c not in COUNTY_PLACES]
    if unknown or not codes:
        raise ValueError(f"unknown county codes: {unknown or 'none given'}")
    weights = [COUNTY_PLACES[c][0] for c in codes]
    cumulative, total = [], 0
    for weight in weights:
        total += weight
        cumulative.append(total)
    street_types = _weighted(STREET_TYPES)
    unit_types = _weighted(UNIT_TYPES)
    parties = _weighted(PARTIES)
    header = synthetic_header(extra_columns)
    demos = [d for d in DEMO_VOTERS if d.county in codes] if demo_voters else []
    demo_people = {(d.county, d.last, d.first) for d in demos}
    start = date(1930, 1, 1)
    span_dob = (date(2006, 12, 31) - start).days
    reg_start, reg_end = date(1972, 1, 1), date(2025, 12, 31)
    sexes = (("F", FEMALE_FIRST_NAMES, FEMALE_MIDDLE_NAMES), ("M", MALE_FIRST_NAMES, MALE_MIDDLE_NAMES))
    extract_date = "2026-01-05"

    random_ = rng.random  # the hot loop draws ~30 numbers a row: plain random() is the cheapest

    def pick(seq):
        return seq[int(random_() * len(seq))]

    def between(low: int, high: int) -> int:
        return low + int(random_() * (high - low + 1))

    def skewed(seq):
        return seq[int(len(seq) * random_() ** 1.7)]

    def pick_county(index: int) -> str:
        if index < len(codes) and count - len(demos) >= len(codes):
            return codes[index]
        return codes[bisect_right(cumulative, random_() * total)]

    @cache
    def mmddyyyy(ordinal: int) -> str:
        day = date.fromordinal(ordinal)
        return f"{day.month:02d}/{day.day:02d}/{day.year}"

    first_ordinal, reg_start_ordinal, reg_end_ordinal = start.toordinal(), reg_start.toordinal(), reg_end.toordinal()

    def make_row(index: int) -> dict[str, str]:
        county = pick_county(index)
        city, zip_code = pick(COUNTY_PLACES[county][1])
        last = skewed(LAST_NAMES)
        sex, first_names, middle_names = sexes[random_() < 0.48]
        first = skewed(first_names)
        if (county, last, first) in demo_people:
            first = first_names[-1]
        middle = skewed(middle_names) if random_() < 0.55 else ""
        suffix = pick(("Jr", "Jr", "Sr", "II", "III")) if sex == "M" and random_() < 0.05 else ""
        number = str(between(1, 99999) if random_() < 0.1 else between(1, 9999))
        street = skewed(STREET_NAMES)
        street_type = "" if street in NO_TYPE_STREETS else pick(street_types)
        if street_type in SPELLED_TYPES and random_() < 0.02:
            street_type = SPELLED_TYPES[street_type]
        prefix = pick("NSEW") if random_() < 0.15 else ""
        unit_type = unit = ""
        if random_() < 0.2:
            unit_type = pick(unit_types)
            unit = str(between(1, 400)) if random_() < 0.85 else pick("ABCDEF")
        dob = first_ordinal + between(0, span_dob)
        adult = max(dob + 6575, reg_start_ordinal)  # 18 years (give or take a leap day)
        registered = adult + between(0, max(0, reg_end_ordinal - adult))
        row = {
            "CountyCode": county,
            "RegistrantID": str(SYNTHETIC_ID_BASE + index),
            "LastName": last,
            "FirstName": first,
            "MiddleName": middle,
            "Suffix": suffix,
            "AddressNumber": number,
            "HouseFractionNumber": "1/2" if random_() < 0.003 else "",
            "AddressNumberSuffix": pick("AB") if random_() < 0.005 else "",
            "StreetDirPrefix": prefix,
            "StreetName": street,
            "StreetType": street_type,
            "StreetDirSuffix": "",
            "UnitType": unit_type,
            "UnitNumber": unit,
            "City": city,
            "State": "CA",
            "Zip": zip_code,
            "DOB": mmddyyyy(dob),
            "Status": "A" if random_() < 0.92 else "I",
            "RegistrationDate": mmddyyyy(registered),
        }
        if extra_columns:
            row["ExtractDate"] = extract_date
            row["Phone"] = f"({pick(AREA_CODES)}) 555-01{between(0, 99):02d}" if random_() < 0.4 else ""
            if random_() < 0.25:
                ascii_name = (
                    f"{first}.{last}".lower().replace(" ", "").replace("'", "").replace("é", "e").replace("ñ", "n")
                )
                row["Email"] = f"{ascii_name}{between(1, 999)}@example.com"
            else:
                row["Email"] = ""
            row["Gender"] = sex if random_() < 0.97 else "U"
            row["PartyCode"] = pick(parties)
            row["PrecinctName"] = f"{county}{between(1, 9999):04d}"
        return row

    def demo_row(d: DemoVoter) -> dict[str, str]:
        row = {
            "CountyCode": d.county,
            "RegistrantID": d.registrant_id,
            "LastName": d.last,
            "FirstName": d.first,
            "MiddleName": d.middle,
            "Suffix": d.suffix,
            "AddressNumber": d.number,
            "HouseFractionNumber": "",
            "AddressNumberSuffix": "",
            "StreetDirPrefix": d.street_prefix,
            "StreetName": d.street,
            "StreetType": d.street_type,
            "StreetDirSuffix": "",
            "UnitType": d.unit_type,
            "UnitNumber": d.unit,
            "City": d.city,
            "State": "CA",
            "Zip": d.zip,
            "DOB": mmddyyyy(date.fromisoformat(d.dob).toordinal()),
            "Status": "A",
            "RegistrationDate": "09/15/2020",
        }
        if extra_columns:
            row.update(
                ExtractDate=extract_date,
                Phone="",
                Email="",
                Gender="U",
                PartyCode="NPP",
                PrecinctName=f"{d.county}0001",
            )
        return row

    in_order = itemgetter(*header)
    written = 0
    with _open_for_writing(path) as out:
        out.write("\t".join(header) + "\n")
        chunk: list[str] = []
        for d in demos[:count]:
            chunk.append("\t".join(in_order(demo_row(d))) + "\n")
            written += 1
        for index in range(count - written):
            chunk.append("\t".join(in_order(make_row(index))) + "\n")
            written += 1
            if len(chunk) >= 2000:
                out.writelines(chunk)
                chunk.clear()
        out.writelines(chunk)
    return written
