"""Synthetic Californians for the benchmarks: names by community, households, addresses.

A population is a list of households; each household lives at one address and
holds one to five adults, most sharing a surname. Some households hold the
cases a signature validator finds hard:

- a father and son with the same first and middle name (the son "Jr", the
  father "Sr" or no suffix), told apart only by the suffix and the birth date;
- a brother and sister with nearly the same given name (Mario / Maria,
  Daniel / Daniela);
- Hispanic compound surnames ("Garcia Lopez", "Garcia-Lopez"), surnames with
  particles ("De La Cruz"), compound given names ("Juan Carlos"), accents;
- apartment buildings where several households share a house number and
  street and differ by unit.

Everything is drawn from one random.Random, so a population is a pure function
of its seed and size. Within a household no two members share a given name
(except the deliberate Jr/Sr pair): otherwise who signed would be unknowable
from the paper, and the truth would be a guess.

Names are plain data here. The counties' cities and ZIP codes, the streets
this extends and the picking helpers are the demo generator's
(petitions.demo.voters).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache, lru_cache

from petitions.demo import voters as demo

# --- Names by community ----------------------------------------------------------
# Rough shares of California's registered voters; the lists are most common first
# (picks are skewed towards the head, so common names repeat as in a real file).


@dataclass(frozen=True)
class Community:
    name: str
    weight: int
    surnames: tuple[str, ...]
    male: tuple[str, ...]
    female: tuple[str, ...]
    male_middle: tuple[str, ...]
    female_middle: tuple[str, ...]


COMMUNITIES: tuple[Community, ...] = (
    Community(
        "hispanic",
        36,
        (
            "Garcia",
            "Hernandez",
            "Lopez",
            "Martinez",
            "Rodriguez",
            "Gonzalez",
            "Perez",
            "Sanchez",
            "Ramirez",
            "Torres",
            "Flores",
            "Rivera",
            "Gomez",
            "Diaz",
            "Reyes",
            "Cruz",
            "Morales",
            "Gutierrez",
            "Ortiz",
            "Castillo",
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
            "Pena",
            "Nunez",
            "Chavez",
            "Ramos",
            "Salazar",
            "Delgado",
            "Contreras",
            "Estrada",
            "Sandoval",
            "Orozco",
            "Ibarra",
            "Zamora",
            "Cervantes",
            "Villanueva",
            "Ochoa",
            "De La Cruz",
            "De La Torre",
            "Del Rio",
            "De Leon",
            "Dominguez",
            "Figueroa",
            "Avila",
            "Navarro",
            "Cabrera",
            "Rojas",
            "Valenzuela",
            "Barajas",
            "Ibanez",
            "Velazquez",
            "Arellano",
            "Zepeda",
        ),
        (
            "Jose",
            "Juan",
            "Luis",
            "Carlos",
            "Jesus",
            "Miguel",
            "Jorge",
            "Francisco",
            "Antonio",
            "Alejandro",
            "Manuel",
            "Ricardo",
            "Roberto",
            "Eduardo",
            "Fernando",
            "Javier",
            "Daniel",
            "Mario",
            "Sergio",
            "Raul",
            "Oscar",
            "Victor",
            "Ruben",
            "Pedro",
            "Rafael",
            "Arturo",
            "Enrique",
            "Guillermo",
            "Adrian",
            "Gabriel",
            "Julio",
            "Hector",
            "Ignacio",
            "Armando",
            "Alfredo",
            "Juan Carlos",
            "Jose Luis",
            "Ramon",
            "Salvador",
            "Joaquin",
        ),
        (
            "Maria",
            "Guadalupe",
            "Rosa",
            "Ana",
            "Veronica",
            "Leticia",
            "Gabriela",
            "Adriana",
            "Patricia",
            "Elizabeth",
            "Sofia",
            "Isabella",
            "Carmen",
            "Yesenia",
            "Alejandra",
            "Daniela",
            "Claudia",
            "Silvia",
            "Martha",
            "Laura",
            "Norma",
            "Esperanza",
            "Josefina",
            "Juana",
            "Mariana",
            "Lucia",
            "Xochitl",
            "Marisol",
            "Maricela",
            "Araceli",
            "Blanca",
            "Maria Elena",
            "Ana Maria",
            "Julia",
            "Paula",
            "Fernanda",
            "Antonia",
            "Luisa",
            "Victoria",
            "Ximena",
        ),
        ("Antonio", "Luis", "Manuel", "Jesus", "Alberto", "Jose", "Angel", "A", "J", "M", "L", "R"),
        ("Guadalupe", "Elena", "Isabel", "Maria", "Del Carmen", "De Jesus", "Luz", "A", "M", "G", "E"),
    ),
    Community(
        "anglo",
        34,
        (
            "Smith",
            "Johnson",
            "Williams",
            "Brown",
            "Jones",
            "Miller",
            "Davis",
            "Wilson",
            "Anderson",
            "Taylor",
            "Thomas",
            "Moore",
            "Martin",
            "Jackson",
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
            "Parker",
            "Collins",
            "Edwards",
            "Stewart",
            "Morris",
            "Murphy",
            "Cook",
            "Rogers",
            "Morgan",
            "Cooper",
            "Peterson",
            "Bailey",
            "Reed",
            "Kelly",
            "Howard",
            "Ward",
            "Richardson",
            "Watson",
            "Brooks",
            "Bennett",
            "Gray",
            "Hughes",
            "Price",
            "Sanders",
            "Myers",
            "Foster",
            "O'Brien",
            "O'Connor",
            "McDonald",
            "McCarthy",
            "MacKenzie",
            "Van Dyke",
            "Van Der Berg",
            "Schmidt",
            "Schneider",
            "Mueller",
            "Olsen",
            "Larson",
            "Cohen",
            "Levy",
            "Rossi",
            "Russo",
            "Esposito",
            "Sullivan",
            "Kowalski",
            "Nowak",
            "St John",
        ),
        (
            "James",
            "Robert",
            "John",
            "Michael",
            "William",
            "David",
            "Richard",
            "Joseph",
            "Thomas",
            "Charles",
            "Christopher",
            "Daniel",
            "Matthew",
            "Anthony",
            "Mark",
            "Donald",
            "Steven",
            "Paul",
            "Andrew",
            "Joshua",
            "Kenneth",
            "Kevin",
            "Brian",
            "George",
            "Timothy",
            "Ronald",
            "Edward",
            "Jason",
            "Jeffrey",
            "Ryan",
            "Jacob",
            "Gary",
            "Nicholas",
            "Eric",
            "Jonathan",
            "Stephen",
            "Larry",
            "Justin",
            "Scott",
            "Brandon",
            "Benjamin",
            "Samuel",
            "Gregory",
            "Alexander",
            "Patrick",
            "Frank",
            "Raymond",
            "Jack",
            "Dennis",
            "Jerry",
            "Tyler",
            "Aaron",
            "Henry",
            "Adam",
            "Douglas",
            "Nathan",
            "Peter",
            "Zachary",
            "Kyle",
            "Noah",
            "Ethan",
            "Christian",
        ),
        (
            "Mary",
            "Patricia",
            "Jennifer",
            "Linda",
            "Elizabeth",
            "Barbara",
            "Susan",
            "Jessica",
            "Sarah",
            "Karen",
            "Lisa",
            "Nancy",
            "Betty",
            "Margaret",
            "Sandra",
            "Ashley",
            "Kimberly",
            "Emily",
            "Donna",
            "Michelle",
            "Carol",
            "Amanda",
            "Dorothy",
            "Melissa",
            "Deborah",
            "Stephanie",
            "Rebecca",
            "Sharon",
            "Laura",
            "Cynthia",
            "Kathleen",
            "Amy",
            "Angela",
            "Shirley",
            "Anna",
            "Brenda",
            "Pamela",
            "Emma",
            "Nicole",
            "Helen",
            "Samantha",
            "Katherine",
            "Christine",
            "Debra",
            "Rachel",
            "Carolyn",
            "Janet",
            "Catherine",
            "Heather",
            "Diane",
            "Julie",
            "Olivia",
            "Victoria",
            "Erica",
            "Paula",
            "Danielle",
            "Christina",
        ),
        (
            "James",
            "Michael",
            "Lee",
            "Allen",
            "Edward",
            "Joseph",
            "Robert",
            "Ray",
            "Wayne",
            "Thomas",
            "J",
            "A",
            "M",
            "R",
            "D",
        ),
        (
            "Ann",
            "Marie",
            "Lynn",
            "Elizabeth",
            "Jean",
            "Louise",
            "Rose",
            "Nicole",
            "Michelle",
            "Kay",
            "A",
            "M",
            "L",
            "J",
        ),
    ),
    Community(
        "vietnamese",
        4,
        (
            "Nguyen",
            "Tran",
            "Le",
            "Pham",
            "Huynh",
            "Hoang",
            "Phan",
            "Vu",
            "Vo",
            "Dang",
            "Bui",
            "Do",
            "Ngo",
            "Duong",
            "Ly",
            "Truong",
            "Dinh",
        ),
        (
            "Minh",
            "Hung",
            "Tuan",
            "Duc",
            "Thanh",
            "Long",
            "Khanh",
            "Quang",
            "Hieu",
            "Phuc",
            "Bao",
            "Dung",
            "Vinh",
            "Peter",
            "Kevin",
        ),
        (
            "Linh",
            "Lan",
            "Mai",
            "Thu",
            "Hoa",
            "Huong",
            "Ngoc",
            "Trang",
            "Thao",
            "Hanh",
            "Ngoc Anh",
            "Kim",
            "Tina",
            "Jenny",
        ),
        ("Van", "Van", "Duc", "Minh", "Quoc", "Huu"),
        ("Thi", "Thi", "Ngoc", "Kim", "Thanh", "Bich"),
    ),
    Community(
        "chinese",
        5,
        (
            "Chen",
            "Wang",
            "Li",
            "Zhang",
            "Liu",
            "Huang",
            "Wong",
            "Chan",
            "Lam",
            "Lin",
            "Wu",
            "Yang",
            "Zhao",
            "Zhou",
            "Xu",
            "Ho",
            "Leung",
            "Cheung",
            "Chang",
            "Tsai",
            "Yee",
            "Fong",
        ),
        (
            "Wei",
            "Jun",
            "Ming",
            "Hao",
            "Jian",
            "Kevin",
            "David",
            "Michael",
            "Eric",
            "Jason",
            "Tony",
            "Kenneth",
            "Andrew",
            "Vincent",
            "Alan",
        ),
        (
            "Mei",
            "Lin",
            "Xiao",
            "Ying",
            "Jing",
            "Grace",
            "Jennifer",
            "Amy",
            "Michelle",
            "Helen",
            "Karen",
            "Emily",
            "Annie",
            "Wendy",
        ),
        ("Wei", "Ming", "Jun", "W", "K", "C"),
        ("Mei", "Ling", "Yan", "L", "M", "Y"),
    ),
    Community(
        "korean",
        2,
        ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Shin"),
        ("Jae", "Min", "Sung", "Daniel", "John", "David", "Joon", "Hyun", "Young", "Ji Hoon", "Steve"),
        ("Ji", "Soo", "Eun", "Grace", "Christine", "Sarah", "Hana", "Yuna", "Min Jung", "Esther", "Susan"),
        ("H", "J", "S", "Y"),
        ("H", "J", "S", "Y", "K"),
    ),
    Community(
        "filipino",
        4,
        (
            "Santos",
            "Reyes",
            "Cruz",
            "Bautista",
            "Ocampo",
            "Garcia",
            "Mendoza",
            "Torres",
            "Dela Cruz",
            "Villanueva",
            "Ramos",
            "Aquino",
            "Castillo",
            "Rivera",
            "Fernandez",
            "Gonzales",
            "Manalo",
            "Pascual",
            "Soriano",
            "Delos Santos",
        ),
        (
            "Jose",
            "Mark",
            "John Paul",
            "Rommel",
            "Jerome",
            "Ramon",
            "Eduardo",
            "Christian",
            "Michael",
            "Joseph",
            "Ronaldo",
        ),
        ("Maria", "Cristina", "Rowena", "Marites", "Jasmine", "Angelica", "Mary Grace", "Joy", "Maricel", "Rosario"),
        ("Santos", "Cruz", "Reyes", "D", "M", "R"),
        ("Santos", "Cruz", "Reyes", "D", "M", "R"),
    ),
    Community(
        "japanese",
        1,
        (
            "Tanaka",
            "Yamamoto",
            "Nakamura",
            "Sato",
            "Suzuki",
            "Watanabe",
            "Ito",
            "Kobayashi",
            "Takahashi",
            "Yamada",
            "Nakamoto",
            "Shimizu",
        ),
        ("Hiroshi", "Kenji", "Takeshi", "Kenneth", "Ryan", "Daniel", "Brian", "Glenn"),
        ("Yuki", "Emi", "Naomi", "Keiko", "Amy", "Lisa", "Karen", "Joyce"),
        ("T", "K", "H", "M"),
        ("Y", "K", "E", "M"),
    ),
    Community(
        "south_asian",
        3,
        (
            "Patel",
            "Singh",
            "Kaur",
            "Shah",
            "Kumar",
            "Sharma",
            "Gill",
            "Sandhu",
            "Dhillon",
            "Grewal",
            "Gupta",
            "Reddy",
            "Rao",
            "Desai",
            "Mehta",
            "Chopra",
            "Bains",
            "Sidhu",
        ),
        (
            "Raj",
            "Arjun",
            "Amit",
            "Sanjay",
            "Rahul",
            "Vikram",
            "Gurpreet",
            "Harpreet",
            "Jaspreet",
            "Manpreet",
            "Rajesh",
            "Sunil",
            "Ravi",
        ),
        ("Priya", "Anjali", "Neha", "Pooja", "Sunita", "Kiran", "Harpreet", "Gurpreet", "Simran", "Deepa", "Manjit"),
        ("Kumar", "Singh", "Lal", "K", "S"),
        ("Kaur", "Devi", "Rani", "K", "D"),
    ),
    Community(
        "black",
        6,
        (
            "Johnson",
            "Williams",
            "Jackson",
            "Brown",
            "Davis",
            "Harris",
            "Robinson",
            "Thomas",
            "Washington",
            "Jefferson",
            "Jones",
            "Wilson",
            "Taylor",
            "Moore",
            "White",
            "Lewis",
            "Walker",
            "Bell",
            "Coleman",
            "Jenkins",
            "Banks",
            "Freeman",
            "Booker",
            "Mack",
            "Dixon",
            "Grant",
            "Simmons",
        ),
        (
            "Marcus",
            "Darnell",
            "DeShawn",
            "Andre",
            "Terrell",
            "Jamal",
            "Tyrone",
            "Malik",
            "Anthony",
            "Michael",
            "James",
            "Kevin",
            "Reginald",
            "Cedric",
            "Darius",
            "Jerome",
            "Robert",
            "William",
        ),
        (
            "Keisha",
            "Latoya",
            "Tanisha",
            "Ebony",
            "Aaliyah",
            "Jasmine",
            "Imani",
            "Monique",
            "Tiffany",
            "Angela",
            "Denise",
            "Shanice",
            "Kiara",
            "Patricia",
        ),
        ("Lamont", "Earl", "Lee", "Andre", "D", "L", "J"),
        ("Renee", "Nicole", "Monique", "Marie", "L", "D", "A"),
    ),
    Community(
        "armenian_middle_eastern",
        5,
        (
            "Petrosyan",
            "Sarkisian",
            "Hovsepian",
            "Grigoryan",
            "Harutyunyan",
            "Khachatryan",
            "Avetisyan",
            "Hakobyan",
            "Haddad",
            "Khoury",
            "Nassar",
            "Saleh",
            "Ahmadi",
            "Hosseini",
            "Karimi",
            "Rahimi",
            "Mohammadi",
            "Ali",
            "Hassan",
            "Ibrahim",
            "Abdullah",
            "Farah",
        ),
        (
            "Armen",
            "Aram",
            "Hayk",
            "Tigran",
            "Davit",
            "Ali",
            "Mohammed",
            "Omar",
            "Ahmad",
            "Reza",
            "Amir",
            "Hassan",
            "Karim",
            "George",
        ),
        ("Ani", "Lilit", "Anahit", "Nare", "Mariam", "Fatima", "Layla", "Sara", "Nasrin", "Leila", "Yasmin", "Arpi"),
        ("A", "M", "H", "S"),
        ("A", "M", "N", "S"),
    ),
)

# How the names above are spelled with their accents (files and signers use both).
ACCENTED = {
    "Jose": "José",
    "Maria": "María",
    "Jesus": "Jesús",
    "Ramon": "Ramón",
    "Joaquin": "Joaquín",
    "Ruben": "Rubén",
    "Hector": "Héctor",
    "Raul": "Raúl",
    "Oscar": "Óscar",
    "Victor": "Víctor",
    "Adrian": "Adrián",
    "Angel": "Ángel",
    "Lucia": "Lucía",
    "Sofia": "Sofía",
    "Veronica": "Verónica",
    "Ramirez": "Ramírez",
    "Munoz": "Muñoz",
    "Pena": "Peña",
    "Nunez": "Núñez",
    "Chavez": "Chávez",
    "Ibanez": "Ibáñez",
    "Hernandez": "Hernández",
    "Martinez": "Martínez",
    "Rodriguez": "Rodríguez",
    "Gonzalez": "González",
    "Perez": "Pérez",
    "Sanchez": "Sánchez",
    "Gomez": "Gómez",
    "Diaz": "Díaz",
    "Alvarez": "Álvarez",
    "Jimenez": "Jiménez",
    "Gutierrez": "Gutiérrez",
    "Vasquez": "Vásquez",
    "Velazquez": "Velázquez",
    "Dominguez": "Domínguez",
    "Guzman": "Guzmán",
    "De Leon": "De León",
    "Avila": "Ávila",
}

# Brother and sister names one or two letters apart, given to siblings in one household.
SIMILAR_GIVEN_NAMES = (
    ("Mario", "Maria"),
    ("Daniel", "Daniela"),
    ("Gabriel", "Gabriela"),
    ("Carlos", "Carla"),
    ("Julio", "Julia"),
    ("Adrian", "Adriana"),
    ("Alejandro", "Alejandra"),
    ("Francisco", "Francisca"),
    ("Antonio", "Antonia"),
    ("Fernando", "Fernanda"),
    ("Paul", "Paula"),
    ("Eric", "Erica"),
    ("Juan", "Juana"),
    ("Luis", "Luisa"),
    ("Victor", "Victoria"),
    ("Roberto", "Roberta"),
    ("Daniel", "Danielle"),
    ("Christian", "Christina"),
    ("Jose", "Josefina"),
    ("Patrick", "Patricia"),
)

SIMILAR_NAME_COMMUNITIES = ("hispanic", "anglo", "filipino", "black")

# Obvious nicknames a county would accept (DOMAIN.md: "Bob = Robert").
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob", "Bobby"),
    "William": ("Bill", "Will", "Billy"),
    "Elizabeth": ("Liz", "Beth", "Betty"),
    "Katherine": ("Kathy", "Kate", "Katie"),
    "Catherine": ("Cathy", "Kate"),
    "Kathleen": ("Kathy", "Kathie"),
    "James": ("Jim", "Jimmy"),
    "Anthony": ("Tony",),
    "Michael": ("Mike",),
    "Richard": ("Rick", "Rich", "Dick"),
    "Thomas": ("Tom", "Tommy"),
    "Joseph": ("Joe",),
    "Christopher": ("Chris",),
    "Daniel": ("Dan", "Danny"),
    "David": ("Dave",),
    "Jennifer": ("Jenny", "Jen"),
    "Patricia": ("Pat", "Patty", "Trish"),
    "Margaret": ("Peggy", "Maggie"),
    "Susan": ("Sue", "Susie"),
    "Steven": ("Steve",),
    "Stephen": ("Steve",),
    "Andrew": ("Andy", "Drew"),
    "Matthew": ("Matt",),
    "Edward": ("Ed", "Eddie"),
    "Samantha": ("Sam",),
    "Samuel": ("Sam",),
    "Alexander": ("Alex",),
    "Nicholas": ("Nick",),
    "Benjamin": ("Ben",),
    "Jonathan": ("Jon",),
    "Kenneth": ("Ken", "Kenny"),
    "Ronald": ("Ron", "Ronnie"),
    "Donald": ("Don",),
    "Timothy": ("Tim",),
    "Gregory": ("Greg",),
    "Jeffrey": ("Jeff",),
    "Rebecca": ("Becky",),
    "Deborah": ("Debbie", "Deb"),
    "Debra": ("Debbie",),
    "Kimberly": ("Kim",),
    "Victoria": ("Vicky", "Tori"),
    "Pamela": ("Pam",),
    "Cynthia": ("Cindy",),
    "Barbara": ("Barb",),
    "Charles": ("Chuck", "Charlie"),
    "Raymond": ("Ray",),
    "Douglas": ("Doug",),
    "Zachary": ("Zach",),
    "Joshua": ("Josh",),
    "Nathan": ("Nate",),
    "Patrick": ("Pat",),
    "Jacob": ("Jake",),
    "Christine": ("Chris",),
    "Christina": ("Tina",),
    "Jose": ("Pepe",),
    "Francisco": ("Paco", "Pancho"),
    "Guadalupe": ("Lupe",),
    "Jesus": ("Chuy",),
    "Eduardo": ("Lalo",),
    "Roberto": ("Beto",),
    "Alejandro": ("Alex",),
    "Ignacio": ("Nacho",),
    "Guillermo": ("Memo",),
    "Manuel": ("Manny",),
    "Rafael": ("Rafa",),
    "Antonio": ("Tony",),
}
# The same given name in Spanish and English: a reader could take one for the other.
EQUIVALENT_GIVEN_NAMES = (
    ("Ricardo", "Richard"),
    ("Jose", "Joseph"),
    ("Juan", "John"),
    ("Miguel", "Michael"),
    ("Guillermo", "William"),
    ("Pedro", "Peter"),
    ("Pablo", "Paul"),
    ("Roberto", "Robert"),
    ("Tomas", "Thomas"),
    ("Antonio", "Anthony"),
    ("Alejandro", "Alexander"),
    ("Andres", "Andrew"),
    ("Enrique", "Henry"),
    ("Jorge", "George"),
    ("Eduardo", "Edward"),
    ("Francisco", "Francis"),
    ("Luis", "Louis"),
    ("Mateo", "Matthew"),
    ("Esteban", "Stephen"),
    ("Esteban", "Steven"),
    ("Patricio", "Patrick"),
    ("Maria", "Mary"),
    ("Juana", "Jane"),
    ("Isabel", "Elizabeth"),
    ("Catalina", "Catherine"),
    ("Margarita", "Margaret"),
    ("Susana", "Susan"),
    ("Teresa", "Theresa"),
    ("Ana", "Anne"),
    ("Ana", "Anna"),
    ("Josefina", "Josephine"),
    ("Carolina", "Caroline"),
    ("Cristina", "Christina"),
    ("Cristina", "Christine"),
    ("Raul", "Ralph"),
    ("Ramon", "Raymond"),
    ("Joaquin", "Jack"),
)


# --- Streets ------------------------------------------------------------------------

# The demo's streets (most common first), more numbered ones, and local ones.
STREET_NAMES = (
    *demo.COMMON_STREETS,
    *demo.NUMBERED_STREETS,
    "11th",
    "12th",
    "14th",
    "16th",
    "23rd",
    *demo.CALIFORNIA_STREETS,
    "Cesar Chavez",
    "Martin Luther King Jr",
    "San Fernando",
    "Santa Monica",
    "Figueroa",
    "Alvarado",
    "Soto",
    "Atlantic",
    "Pacific Coast",
    "Tenaya",
    "Yosemite",
    "Tahoe",
    "Kearny",
    "Geary",
    "Stockton",
    "Bascom",
    "Story",
    "Tully",
    "King",
    "Capitol",
    "Folsom",
    "Watt",
    "Florin",
    "Stockdale",
    "Ming",
    "Blackstone",
    "Shaw",
    "Herndon",
    "Magnolia",
    "Euclid",
    "Harbor",
    "Beach",
    "Brookhurst",
    "Imperial",
    "University",
    "El Cajon",
    "Garnet",
    "Palomar",
    "Camino Del Rio",
    "Paseo Del Mar",
    "Avenida Del Sol",
    "Calle Real",
)
NO_TYPE_STREETS = (*demo.NO_TYPE_STREETS, "Camino Real", "The Alameda")
STREET_TYPES = (*demo.STREET_TYPES, ("Ter", 1), ("Pkwy", 1))
UNIT_TYPES = (("Apt", 60), ("Unit", 20), ("#", 12), ("Spc", 4), ("Ste", 4))


# --- People ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    county: str
    number: str
    street: str
    street_type: str = ""
    prefix: str = ""
    dir_suffix: str = ""
    fraction: str = ""
    number_suffix: str = ""
    unit_type: str = ""
    unit: str = ""
    city: str = ""
    zip: str = ""

    @property
    def building(self) -> tuple[str, ...]:
        """What identifies the building (the address without its unit)."""
        return (
            self.county,
            self.number,
            self.fraction,
            self.number_suffix,
            self.prefix,
            self.street,
            self.street_type,
            self.dir_suffix,
        )


@dataclass
class Person:
    pid: str  # the RegistrantID, or "U000001" for someone not registered
    registered: bool
    first: str
    middle: str
    last: str
    suffix: str
    sex: str
    dob: date
    address: Address
    community: str
    household: int
    tags: tuple[str, ...] = ()  # jr_sr, similar_names, compound_surname, compound_given, housemate
    status: str = "A"
    registration_date: date | None = None
    file_accents: bool = False  # the voter file spells the name with its accents
    partner: str = ""  # pid of the other member of a Jr/Sr or similar-names pair


def fold(text: str) -> str:
    """Upper case without accents or punctuation: for telling names apart, not for matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isalnum()).upper()


def first_given(name: str) -> str:
    """The first of someone's given names, folded: 'Juan Carlos' -> 'JUAN'."""
    return fold(name.replace("-", " ").split(" ")[0])


@cache
def given_equivalents(name: str) -> frozenset[str]:
    """The given names (folded) a reader could take `name` for: itself (its first
    given name, or all of them), its nicknames and what it is a nickname of (ours
    in NICKNAMES and the `nicknames` package's), its Spanish or English form."""
    names = {first_given(name), fold(name)}
    forms = {name, name.replace("-", " ").split(" ")[0]}
    for form in forms:
        names.update(fold(n) for n in NICKNAMES.get(form, ()))
        names.update(fold(formal) for formal, nicks in NICKNAMES.items() if form in nicks)
        for a, b in EQUIVALENT_GIVEN_NAMES:
            if form == a:
                names.add(fold(b))
            elif form == b:
                names.add(fold(a))
        names.update(fold(n) for n in _nicknamer().nicknames_of(form))
        names.update(fold(n) for n in _nicknamer().canonicals_of(form))
    names.discard("")
    return frozenset(names)


@lru_cache(maxsize=1)
def _nicknamer():
    from nicknames import NickNamer

    return NickNamer()


def name_keys(first: str, last: str) -> set[tuple[str, str]]:
    """Every (given name, surname) a reader could take a name for: the given name
    or any of its equivalents (given_equivalents: Bob for Robert, Ricardo for
    Richard), the whole surname or one of its words of three letters or more
    ('De La Cruz' -> DELACRUZ, CRUZ; 'Garcia-Lopez' -> GARCIALOPEZ, GARCIA, LOPEZ).
    Two people sharing a key are not told apart by name alone."""
    firsts = given_equivalents(first)
    words = last.replace("-", " ").split(" ")
    lasts = {fold(last)} | {fold(w) for w in words if len(fold(w)) >= 3}
    return {(f, s) for f in firsts for s in lasts}


def accented(text: str) -> str:
    return " ".join(ACCENTED.get(word, word) for word in text.split(" "))


class Draw(demo.Chooser):
    """The random choices a population needs, from one seeded generator."""

    def __init__(self, rng: random.Random):
        super().__init__(rng)
        codes = sorted(demo.COUNTY_PLACES)
        self.counties = codes
        self.county_weights = [demo.COUNTY_PLACES[c][0] for c in codes]
        self.street_types = demo.weighted(STREET_TYPES)
        self.unit_types = demo.weighted(UNIT_TYPES)
        self.community_weights = [c.weight for c in COMMUNITIES]

    def county(self, *, exclude: str = "") -> str:
        while True:
            code = self.rng.choices(self.counties, weights=self.county_weights)[0]
            if code != exclude:
                return code

    def community(self) -> Community:
        return self.rng.choices(COMMUNITIES, weights=self.community_weights)[0]

    def surname(self, community: Community) -> tuple[str, tuple[str, ...]]:
        last = self.skewed(community.surnames)
        if community.name == "hispanic" and self.rng.random() < 0.12:
            second = self.skewed(community.surnames)
            if second != last and " " not in second and " " not in last:
                joiner = "-" if self.rng.random() < 0.4 else " "
                return f"{last}{joiner}{second}", ("compound_surname",)
        return last, ()

    def given(self, community: Community, sex: str) -> str:
        return self.skewed(community.male if sex == "M" else community.female)

    def middle(self, community: Community, sex: str) -> str:
        if self.rng.random() >= 0.6:
            return ""
        return self.skewed(community.male_middle if sex == "M" else community.female_middle)

    def dob(self, low: date, high: date) -> date:
        return low + timedelta(days=self.rng.randint(0, max(0, (high - low).days)))

    def address(self, county: str, *, unit: bool | None = None) -> Address:
        rng = self.rng
        city, zip_code = self.pick(demo.COUNTY_PLACES[county][1])
        number = str(rng.randint(1, 99999) if rng.random() < 0.1 else rng.randint(1, 9999))
        if rng.random() < 0.03:
            street, street_type = self.pick(NO_TYPE_STREETS), ""
        else:
            street, street_type = self.skewed(STREET_NAMES), self.pick(self.street_types)
        prefix = self.pick("NSEW") if rng.random() < 0.15 else ""
        fraction = "1/2" if rng.random() < 0.004 else ""
        number_suffix = self.pick("AB") if rng.random() < 0.006 else ""
        unit_type = unit_number = ""
        if unit if unit is not None else rng.random() < 0.25:
            unit_type = self.pick(self.unit_types)
            roll = rng.random()
            unit_number = (
                str(rng.randint(1, 400))
                if roll < 0.8
                else (self.pick("ABCDEF") if roll < 0.9 else f"{rng.randint(1, 4)}{self.pick('ABCD')}")
            )
        return Address(
            county=county,
            number=number,
            street=street,
            street_type=street_type,
            prefix=prefix,
            fraction=fraction,
            number_suffix=number_suffix,
            unit_type=unit_type,
            unit=unit_number,
            city=city,
            zip=zip_code,
        )


@dataclass
class Population:
    voters: list[Person] = field(default_factory=list)
    households: list[list[Person]] = field(default_factory=list)


CHILD_LATEST_DOB = date(2007, 12, 31)  # 18 by the start of 2026


def build_population(count: int, rng: random.Random, *, first_registrant_id: int = 300_000_000) -> Population:
    """`count` registered voters in households (see the module docstring)."""
    draw = Draw(rng)
    population = Population()
    buildings: dict[str, list[Address]] = {}  # county -> apartment buildings already used
    building_names: dict[tuple[str, ...], set[tuple[str, str]]] = {}
    next_id = first_registrant_id

    def new_person(
        household: int,
        address: Address,
        community: Community,
        first: str,
        middle: str,
        last: str,
        suffix: str,
        sex: str,
        dob: date,
        tags: tuple[str, ...],
    ) -> Person:
        nonlocal next_id
        if fold(middle) == fold(first):
            middle = ""
        person = Person(
            pid=str(next_id),
            registered=True,
            first=first,
            middle=middle,
            last=last,
            suffix=suffix,
            sex=sex,
            dob=dob,
            address=address,
            community=community.name,
            household=household,
            tags=tags,
        )
        next_id += rng.randint(1, 7)  # IDs are not consecutive in a real extract
        adult = dob.replace(year=dob.year + 18) if not (dob.month == 2 and dob.day == 29) else date(dob.year + 18, 3, 1)
        person.registration_date = draw.dob(max(adult, date(1972, 1, 1)), date(2025, 12, 31))
        person.status = "A" if rng.random() < 0.93 else "I"
        person.file_accents = rng.random() < 0.25 and (accented(first) != first or accented(last) != last)
        return person

    while len(population.voters) < count:
        household_index = len(population.households)
        county = draw.county()
        community = draw.community()
        apartment = rng.random() < 0.3
        if apartment and buildings.get(county) and rng.random() < 0.35:
            # Another household in a building already used: same number and street, another unit.
            base = draw.pick(buildings[county])
            unit_number = str(rng.randint(1, 400))
            address = replace(base, unit=unit_number, unit_type=base.unit_type or "Apt")
        else:
            address = draw.address(county, unit=apartment)
            if apartment:
                buildings.setdefault(county, []).append(address)
        # Who already lives in the building, as name_keys (given name, surname): a
        # second "Minh Nguyen" in another unit would make a missing unit number
        # ambiguous, and the truth a guess.
        in_building = building_names.setdefault(address.building, set())
        size = rng.choices((1, 2, 3, 4, 5), weights=(42, 32, 15, 8, 3))[0]
        size = min(size, count - len(population.voters))
        surname, surname_tags = draw.surname(community)
        members: list[Person] = []
        taken: set[str] = set()  # given names in this household and their equivalents (Min J / Min Jung, Bob / Robert)

        def add(first: str, middle: str, last: str, suffix: str, sex: str, dob: date, tags: tuple[str, ...]) -> Person:
            person = new_person(household_index, address, community, first, middle, last, suffix, sex, dob, tags)
            members.append(person)
            taken.update(given_equivalents(first))
            in_building.update(name_keys(first, last))
            return person

        def free(name: str, last: str, *, exact: bool = False) -> bool:
            """Nobody in the household or the building goes by this name (exact: by
            this very name; for the deliberate Mario / Maria pairs, whose nicknames may meet)."""
            if exact:
                keys = {(first_given(name), surname) for _, surname in name_keys(name, last)}
                return first_given(name) not in taken and not (keys & in_building)
            return not (given_equivalents(name) & taken) and not (name_keys(name, last) & in_building)

        def fresh_given(sex: str, last: str) -> str:
            for attempt in range(200):
                pool = community if attempt < 50 else draw.community()
                name = draw.given(pool, sex) if attempt < 100 else draw.pick(pool.male if sex == "M" else pool.female)
                if free(name, last):
                    return name
            raise RuntimeError("no free given name for a household")

        # The first adult.
        sex = "M" if rng.random() < 0.48 else "F"
        head_dob = draw.dob(date(1938, 1, 1), date(1990, 12, 31))
        head = add(fresh_given(sex, surname), draw.middle(community, sex), surname, "", sex, head_dob, surname_tags)
        # A partner, most often with the same surname.
        if len(members) < size and rng.random() < 0.75:
            other = "F" if sex == "M" else "M"
            last = surname if rng.random() < 0.8 else draw.surname(draw.community())[0]
            dob = head_dob + timedelta(days=rng.randint(-2500, 2500))
            add(
                fresh_given(other, last),
                draw.middle(community, other),
                last,
                "",
                other,
                min(dob, CHILD_LATEST_DOB),
                surname_tags if last == surname else (),
            )
        parent_dob = min(m.dob for m in members)
        child_low = parent_dob + timedelta(days=365 * 19)
        child_high = min(parent_dob + timedelta(days=365 * 40), CHILD_LATEST_DOB)
        while len(members) < size and child_low <= child_high:
            roll = rng.random()
            father = next((m for m in members if m.sex == "M" and not m.suffix and "jr_sr" not in m.tags), None)
            if roll < 0.12 and father is not None and father is head:
                # The son named after his father: the son is Jr; the father Sr, or no suffix at all.
                son = new_person(
                    household_index,
                    address,
                    community,
                    father.first,
                    father.middle,
                    surname,
                    "Jr",
                    "M",
                    draw.dob(child_low, child_high),
                    surname_tags + ("jr_sr",),
                )
                members.append(son)
                if rng.random() < 0.5:
                    father.suffix = "Sr"
                father.tags = father.tags + ("jr_sr",)
                father.partner, son.partner = son.pid, father.pid
                continue
            if roll < 0.24 and len(members) + 2 <= size and community.name in SIMILAR_NAME_COMMUNITIES:
                pair = draw.pick(SIMILAR_GIVEN_NAMES)
                if not (free(pair[0], surname, exact=True) and free(pair[1], surname, exact=True)):
                    continue
                twins = rng.random() < 0.15
                brother_dob = draw.dob(child_low, child_high)
                sister_dob = brother_dob if twins else draw.dob(child_low, child_high)
                brother = add(
                    pair[0],
                    draw.middle(community, "M"),
                    surname,
                    "",
                    "M",
                    brother_dob,
                    surname_tags + ("similar_names",),
                )
                sister = add(
                    pair[1],
                    draw.middle(community, "F"),
                    surname,
                    "",
                    "F",
                    sister_dob,
                    surname_tags + ("similar_names",),
                )
                brother.partner, sister.partner = sister.pid, brother.pid
                continue
            child_sex = "M" if rng.random() < 0.5 else "F"
            add(
                fresh_given(child_sex, surname),
                draw.middle(community, child_sex),
                surname,
                "",
                child_sex,
                draw.dob(child_low, child_high),
                surname_tags,
            )
        for person in members:
            if " " in person.first:
                person.tags = person.tags + ("compound_given",)
        population.households.append(members)
        population.voters.extend(members)
    del population.voters[count:]
    return population


def unregistered_person(
    draw: Draw,
    pid: str,
    county: str,
    household: int,
    *,
    rejects: Callable[[str, str, str, str], bool] = lambda *name: False,
    housemates: list[Person] | None = None,
) -> Person:
    """Someone who is not in the voter file: a new name in `county`, or, with
    `housemates`, a relative living with registered voters (same address and
    surname, a given name at least two letters away from each of theirs and
    not one of their equivalents: no Ricardo beside a registered Richard).

    `rejects(county, first, middle, last)` says whether a reader could take the
    name for someone else (bench.generate: a voter of the county, another
    unregistered signer); such names are drawn again."""
    rng = draw.rng
    for _ in range(500):
        community = draw.community()
        sex = "M" if rng.random() < 0.5 else "F"
        first = draw.given(community, sex)
        if housemates:
            head = housemates[0]
            last, address = head.last, head.address
            if any(
                distance(first_given(first), first_given(m.first)) < 2
                or given_equivalents(first) & given_equivalents(m.first)
                for m in housemates
            ):
                continue
        else:
            last = draw.surname(community)[0]
            address = draw.address(county)
        middle = draw.middle(community, sex)
        if fold(middle) == fold(first):
            middle = ""
        if rejects(county, first, middle, last):
            continue
        dob = draw.dob(date(1940, 1, 1), CHILD_LATEST_DOB)
        return Person(
            pid=pid,
            registered=False,
            first=first,
            middle=middle,
            last=last,
            suffix="",
            sex=sex,
            dob=dob,
            address=address,
            community=community.name,
            household=household,
            tags=("housemate",) if housemates else (),
        )
    raise RuntimeError("could not make up an unregistered person; the voter file is too dense")


def distance(a: str, b: str) -> int:
    """Levenshtein distance (small strings; only to keep made-up names apart)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
