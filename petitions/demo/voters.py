"""A made-up voter file in the Secretary of State's layout, for the demo, the tests and the benchmarks.

write_synthetic_voter_file() writes California-like names, streets, cities and
ZIPs per county, deterministic by seed and streamed (millions of rows take no
memory). Its first rows are DEMO_VOTERS, people a new user can sign as.
The benchmark's households (bench.synthetic) build on its places, streets and
picking helpers.

No Django imports: scripts and benchmarks use it without settings.
"""

from __future__ import annotations

import gzip
import random
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import chain
from operator import itemgetter
from os import PathLike
from pathlib import Path
from typing import TextIO, TypeVar

from petitions.voterfile import COLUMN_NAMES, county_names

T = TypeVar("T")


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

# Streets, most common first. bench.synthetic extends these lists.
COMMON_STREETS = (
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
)
NUMBERED_STREETS = (
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
)
CALIFORNIA_STREETS = (
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
)
NO_TYPE_STREETS = ("Broadway", "El Camino Real")  # written without a street type
STREET_NAMES = COMMON_STREETS + NUMBERED_STREETS + CALIFORNIA_STREETS + NO_TYPE_STREETS
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
EXTRACT_DATE = "2026-01-05"


def synthetic_header(extra_columns: bool = True) -> list[str]:
    """The used columns in the real file's order; with extra_columns, also some it ignores."""
    header: list[str] = []
    for name in COLUMN_NAMES:
        header.append(name)
        if extra_columns:
            header.extend(EXTRA_COLUMNS_AFTER.get(name, ()))
    return header


def weighted(pairs: Iterable[tuple[str, int]]) -> list[str]:
    """[("St", 30), ("Ave", 25), ...] -> each value `weight` times, for a uniform pick."""
    return [value for value, weight in pairs for _ in range(weight)]


class Chooser:
    """Picks from sequences with one seeded generator, one random() draw each."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.random = rng.random  # cheaper than randrange or choice in a loop of millions

    def pick(self, seq: Sequence[T]) -> T:
        """Any item, equally likely."""
        return seq[int(self.random() * len(seq))]

    def skewed(self, seq: Sequence[T]) -> T:
        """Most common first: the head of the list comes up far more often."""
        return seq[int(len(seq) * self.random() ** 1.7)]

    def between(self, low: int, high: int) -> int:
        """low..high, both included."""
        return low + int(self.random() * (high - low + 1))


def _open_for_writing(path: Path) -> TextIO:
    if path.name.endswith(".gz"):
        return gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=6)
    return path.open("w", encoding="utf-8", newline="")


def write_voter_rows(path: str | PathLike[str], header: Sequence[str], rows: Iterable[Mapping[str, str]]) -> int:
    """Write `header` and `rows` (each has a value for every column of the header)
    tab-delimited to `path`, gzip-compressed when the name ends in .gz; returns
    the number of rows. Rows are written as they come."""
    in_order = itemgetter(*header)
    written = 0
    with _open_for_writing(Path(path)) as out:
        out.write("\t".join(header) + "\n")
        chunk: list[str] = []
        for row in rows:
            chunk.append("\t".join(in_order(row)) + "\n")
            written += 1
            if len(chunk) >= 2000:
                out.writelines(chunk)
                chunk.clear()
        out.writelines(chunk)
    return written


def write_synthetic_voter_file(
    path: str | PathLike[str],
    *,
    count: int,
    seed: int,
    counties: Iterable[str] | None = None,
    extra_columns: bool = True,
    demo_voters: bool = True,
) -> int:
    """Write `count` synthetic voters in the Secretary of State's layout to `path`.

    Tab-delimited UTF-8 with a header row, gzip-compressed when the name ends in
    .gz. Deterministic for a given seed and arguments. The first rows are
    DEMO_VOTERS (those in `counties`), unless demo_voters is False; then, when
    there is room, one voter per county so that every county appears; then
    voters spread across counties by their share of registered voters.
    RegistrantIDs are 100000000, 100000001, ... by row (demo voters keep theirs),
    so two files of different seeds share IDs: handy for re-import tests.
    With extra_columns, the file also has columns this software must ignore
    (ExtractDate, Phone, Email, Gender, PartyCode, PrecinctName). Names and
    streets are in mixed case (real files are often upper case, which the
    matching keys ignore). Returns the number of voter rows written.
    """
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
    street_types = weighted(STREET_TYPES)
    unit_types = weighted(UNIT_TYPES)
    parties = weighted(PARTIES)
    demos = [d for d in DEMO_VOTERS if d.county in codes] if demo_voters else []
    demo_people = {(d.county, d.last, d.first) for d in demos}
    start = date(1930, 1, 1)
    span_dob = (date(2006, 12, 31) - start).days
    reg_start, reg_end = date(1972, 1, 1), date(2025, 12, 31)
    sexes = (("F", FEMALE_FIRST_NAMES, FEMALE_MIDDLE_NAMES), ("M", MALE_FIRST_NAMES, MALE_MIDDLE_NAMES))

    # The hot loop draws ~30 numbers a row: plain random() is the cheapest.
    chooser = Chooser(rng)
    random_, pick, skewed, between = rng.random, chooser.pick, chooser.skewed, chooser.between

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
            row["ExtractDate"] = EXTRACT_DATE
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
                ExtractDate=EXTRACT_DATE,
                Phone="",
                Email="",
                Gender="U",
                PartyCode="NPP",
                PrecinctName=f"{d.county}0001",
            )
        return row

    demos_written = demos[:count]
    rows = chain(map(demo_row, demos_written), map(make_row, range(count - len(demos_written))))
    return write_voter_rows(path, synthetic_header(extra_columns), rows)
