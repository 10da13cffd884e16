"""The demo campaign `make run` loads: a petition of its own (slug `demo`), about 60 days into its
circulation, with a few tens of thousands of made-up signatures across the counties and the days.

- Online pledges (confirmed by email, many of their wet-ink forms mailed back), paper sections with
  their circulators (issued, returned with the declaration, keyed, verified) and their lines.
- Every outcome: valid, invalid for each reason, duplicates (a voter who signed twice: the filed
  signature counts, under California's wet-ink rule), signatures in review (those the validation
  engine itself sends to review), a few held for review, a few still pending or unconfirmed.
- One circulator whose lines fail far more often than their county's (the circulators report
  flags them).
- Its signers are voters of the synthetic voter file (petitions.demo.voters), never the DEMO_VOTERS
  a new user signs as, and their lines are written so that the validation engine decides them as
  the demo says (tests/test_demo_campaign.py runs the engine on a sample).

It is built through the real models, fast: the rows are bulk-created, their tally changes recorded
with the counting service's own functions (tallies.bucket_of) and folded by a counting run, so a
recount finds no drift; the daily snapshots of the 60 days are rebuilt from the rows
(services.history.snapshots_backfill). The real petition is never touched: `demo_campaign_remove`
deletes the demo petition's rows only.
"""

from __future__ import annotations

import math
import random
import time as time_module
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.db.models import Model, ProtectedError
from django.utils import timezone

from petitions.demo.voters import DEMO_VOTERS, NO_TYPE_STREETS, SPELLED_TYPES, STREET_NAMES
from petitions.matching.addresses import parse_address
from petitions.models import (
    Circulator,
    CountyProjection,
    DailySnapshot,
    Petition,
    PetitionSection,
    PetitionText,
    QualificationOdds,
    Signature,
    Tally,
    TallyChange,
    Voter,
)
from petitions.services import history, projections, tallies
from petitions.validation.engine import Decision, decide_many, person_key, signature_name

DEMO_SLUG = "demo"
DEMO_TITLE = "Demo campaign: the California Independence Act (made-up signatures)"
DAYS_IN = 60
DEFAULT_SIGNATURES = 30_000
#: The requirement, per signature loaded: scaled down from the real 546,651 so that a few tens of
#: thousands of signatures make a campaign in mid-course (behind its pace, past the 25 % notice)
#: rather than one that has barely begun: 75,000 for the default 30,000.
DEMO_REQUIRED_PER_SIGNATURE = 2.5
#: The Secretary of State's suggested filing dates, in days after the summary date (made up: the real
#: ones are published per election, and entered in the admin).
SUGGESTED_FULL_COUNT_DAY = 118
SUGGESTED_RANDOM_SAMPLE_DAY = 152

Status = Signature.Status
Reason = Signature.Reason

#: How strongly each county signs, times its share of voters: strong on the coast and in the Bay
#: Area, weak inland (the county table and the map show where the campaign is weak).
ENTHUSIASM = {
    "38": 2.2,  # San Francisco
    "01": 1.9,  # Alameda
    "44": 2.0,  # Santa Cruz
    "21": 1.6,  # Marin
    "12": 1.5,  # Humboldt
    "43": 1.4,  # Santa Clara
    "41": 1.4,  # San Mateo
    "49": 1.4,  # Sonoma
    "34": 1.3,  # Sacramento
    "57": 1.3,  # Yolo
    "19": 1.1,  # Los Angeles
    "37": 1.0,  # San Diego
    "30": 0.7,  # Orange
    "33": 0.55,  # Riverside
    "36": 0.5,  # San Bernardino
    "10": 0.45,  # Fresno
    "15": 0.35,  # Kern
    "54": 0.35,  # Tulare
    "16": 0.3,  # Kings
}
DEFAULT_ENTHUSIASM = 0.8

# Outcomes of a counted signature, by channel (shares of the signatures validated so far).
ONLINE_KINDS = {
    "valid": 0.815,
    "not_registered": 0.055,
    "address_mismatch": 0.04,
    "wrong_county": 0.012,
    "incomplete": 0.002,
    "fraud": 0.002,
    "withdrawn": 0.002,
    "review": 0.022,
    "duplicate": 0.05,
}
PAPER_KINDS = {
    "valid": 0.785,
    "not_registered": 0.06,
    "address_mismatch": 0.035,
    "wrong_county": 0.02,
    "incomplete": 0.03,
    "fraud": 0.003,
    "withdrawn": 0.002,
    "review": 0.022,
    "duplicate": 0.043,
}
#: The circulator whose sections are largely made up.
FABRICATED_KINDS = {"valid": 0.46, "not_registered": 0.3, "address_mismatch": 0.16, "incomplete": 0.05, "review": 0.03}
FABRICATOR_COUNTY = "19"
FABRICATOR_SECTIONS = 7

ONLINE_SHARE = 0.43  # of the signatures, the rest are paper lines
FORM_RETURN_SHARE = 0.62  # of valid pledges old enough, their wet-ink form came back
UNCONFIRMED_SHARE = 0.05  # online signatures never confirmed (kept only for the last days: older ones are purged)
REVIEW_DAYS = 12  # signatures sent to review in the last days still wait there; older ones were decided
PENDING_MINUTES = 3  # signatures entered in the last minutes are still pending (the worker validates them)

# People who are not in the synthetic voter file (surnames it never uses).
UNREGISTERED_SURNAMES = (
    "Okafor",
    "Lindqvist",
    "Szymanski",
    "Haddad",
    "Brennan",
    "Achterberg",
    "Oyelaran",
    "Kowalczyk",
    "Thorsen",
    "Bergstrom",
    "Abernathy",
    "Quintanilla",
    "Petrosyan",
    "Hakimi",
    "Varga",
    "Mbeki",
    "Fitzgerald",
    "Lindgren",
    "Castellanos",
    "Oduya",
)
UNREGISTERED_GIVEN = ("Wren", "Ezra", "Ines", "Tobias", "Mireille", "Soren", "Dalia", "Caspian", "Noor", "Anselm")
NICKNAMES = {
    "Robert": "Bob",
    "William": "Bill",
    "Richard": "Rick",
    "James": "Jim",
    "Michael": "Mike",
    "Elizabeth": "Liz",
    "Jennifer": "Jenny",
    "Patricia": "Patty",
    "Christopher": "Chris",
    "Joseph": "Joe",
    "Daniel": "Dan",
    "Thomas": "Tom",
}
CIRCULATOR_FIRST = ("Alex", "Sam", "Jordan", "Taylor", "Casey", "Morgan", "Riley", "Jamie", "Avery", "Quinn")
CIRCULATOR_LAST = ("Ellison", "Marquez", "Okoye", "Fairbanks", "Delgado", "Whitfield", "Navarro", "Pryce", "Solis")


@dataclass
class DemoCampaign:
    """What demo_campaign_load made."""

    petition: Petition
    signatures: int = 0
    by_status: Counter = field(default_factory=Counter)
    by_reason: Counter = field(default_factory=Counter)
    sections: int = 0
    circulators: int = 0
    snapshots: int = 0


# --- The petition ----------------------------------------------------------------------------------


def demo_petition_ensure(*, today: date) -> Petition:
    """The demo petition, made or brought back to day DAYS_IN of its circulation, featured (the
    public site and the dashboard open on it) in place of the real one."""
    real = Petition.objects.exclude(slug=DEMO_SLUG).order_by("pk").first()
    summary_date = today - timedelta(days=DAYS_IN)
    petition = Petition.objects.filter(slug=DEMO_SLUG).first() or Petition(slug=DEMO_SLUG)
    petition.title = DEMO_TITLE
    if real is not None:
        petition.question = real.question
        petition.summary = real.summary
        petition.kind = real.kind
        petition.measure_text = real.measure_text
        petition.return_address = real.return_address
    petition.question = petition.question or "Shall California study becoming an independent nation?"
    petition.required_signatures = round(DEMO_REQUIRED_PER_SIGNATURE * DEFAULT_SIGNATURES)
    petition.summary_date = summary_date
    petition.deadline = summary_date + timedelta(days=petition.circulation_days)
    petition.suggested_filing_full_count = summary_date + timedelta(days=SUGGESTED_FULL_COUNT_DAY)
    petition.suggested_filing_random_sample = summary_date + timedelta(days=SUGGESTED_RANDOM_SAMPLE_DAY)
    petition.online_counts_directly = False
    petition.is_open = True
    petition.featured = True
    petition.save()
    Petition.objects.exclude(pk=petition.pk).filter(featured=True).update(featured=False)
    demo_petition_texts_ensure(petition)
    return petition


#: The demo petition's words in Spanish, as a campaign's translators would file them (PetitionText):
#: made-up demo data, like the petition itself, never a real measure's legal text. Chinese is left
#: unfiled on purpose, so the demo shows the measure in English with the note that says so.
DEMO_SPANISH = {
    "title": "Campaña de demostración: la Ley de Independencia de California (firmas inventadas)",
    "question": (
        "¿Debe California separarse de los Estados Unidos y establecerse como una nación libre e independiente?"
    ),
    "summary": (
        "Un estatuto de iniciativa (expediente del Procurador General 25-0010). Si se aprueba, la bandera de los "
        "Estados Unidos se retira de los edificios estatales y la bandera del estado la reemplaza; el estado crea "
        "una comisión diversa para estudiar la soberanía y la independencia e informar sobre ellas; y el estado "
        "nombra a un representante para presentar ante el Congreso los argumentos a favor de la secesión."
    ),
    "measure_text": (
        "[Texto de demostración: aquí va la traducción oficial del texto completo de la medida. Una campaña real "
        "presenta la suya en el administrador, en Petitions, antes de imprimir formularios.]\n\n"
        "SECCIÓN 1. Título. Esta medida se conocerá como la Ley de Independencia de California.\n\n"
        "SECCIÓN 2. Conclusiones. El pueblo de California considera que las cuestiones de autogobierno "
        "merecen el estudio de una comisión que refleje la diversidad del estado.\n\n"
        "SECCIÓN 3. Bandera. La bandera del Estado de California ondeará en el lugar de honor "
        "en todos los edificios estatales.\n\n"
        "SECCIÓN 4. Comisión. El Gobernador nombrará una comisión para estudiar la soberanía y la "
        "independencia e informar sobre ellas.\n\n"
        "SECCIÓN 5. Representante. El estado nombrará a un representante para presentar el caso ante el Congreso."
    ),
}


def demo_petition_texts_ensure(petition: Petition) -> None:
    """The demo petition's filed Spanish text (DEMO_SPANISH); no Chinese one."""
    PetitionText.objects.update_or_create(petition=petition, language="es", defaults=DEMO_SPANISH)


def demo_campaign_remove(petition: Petition, *, keep_petition: bool = True) -> int:
    """Delete the demo petition's signatures, sections, circulators, tallies, snapshots, projection
    and odds; without `keep_petition`, the petition row too (closed instead where something else
    still names it). Only the petition called `demo`; the counting lock is held so that no counting
    run folds its changes meanwhile. Returns how many signatures went."""
    if petition.slug != DEMO_SLUG:
        raise ValueError(f"Only the demo petition's data is removed, not {petition.slug!r}'s.")
    for _attempt in range(50):  # a counting run holds the lock for moments: wait for it
        with tallies._counting_lock() as locked:  # the one lock every counting run takes
            if locked:
                return _remove_locked(petition, keep_petition=keep_petition)
        time_module.sleep(0.2)
    raise RuntimeError("A counting run kept the counting lock for 10 s: try again.")


def _remove_locked(petition: Petition, *, keep_petition: bool) -> int:
    with transaction.atomic():
        count = Signature.objects.filter(petition=petition).count()
        # One statement: its duplicates point at other signatures of the same set (PROTECT would
        # refuse them one by one), and a collector would read all of them first.
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Signature._meta.db_table} WHERE petition_id = %s", [petition.pk])  # noqa: S608
        for model in (TallyChange, Tally, DailySnapshot, CountyProjection, QualificationOdds):
            model.objects.filter(petition=petition).delete()
        PetitionSection.objects.filter(petition=petition).delete()  # and their keyed lines
        Circulator.objects.filter(petition=petition).delete()
        if not keep_petition:
            try:
                with transaction.atomic():
                    petition.delete()
            except ProtectedError:  # something else still names it (an export kept): closed instead
                Petition.objects.filter(pk=petition.pk).update(is_open=False, featured=False)
    tallies.counts_publish()
    return count


def demo_campaign_unfeature() -> None:
    """The real petition featured again (after the demo campaign is removed)."""
    real = Petition.objects.exclude(slug=DEMO_SLUG).order_by("pk").first()
    if real is not None:
        Petition.objects.filter(slug=DEMO_SLUG).update(featured=False)
        Petition.objects.filter(pk=real.pk).update(featured=True)


# --- Time ------------------------------------------------------------------------------------------


class Clock:
    """Local times of the campaign's days, and the shape of a day."""

    def __init__(self, rng: random.Random, *, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.today = timezone.localtime(now).date()
        self.start = self.today - timedelta(days=DAYS_IN)
        self.zone = timezone.get_current_timezone()

    def at(self, day: date, seconds: float) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.zone) + timedelta(seconds=seconds)

    def signing_time(self, day: date) -> datetime:
        """Online: mostly from mid-morning to late evening, peaking after dinner."""
        hour = min(23.99, max(6.0, self.rng.gauss(16.5, 4.0)))
        return self.at(day, hour * 3600)

    def office_time(self, day: date) -> datetime:
        """Volunteers' work (keying, mail intake): 9 to 6, a little into the evening."""
        return self.at(day, self.rng.uniform(9, 19) * 3600)

    def weekday_factor(self, day: date, *, weekend: float) -> float:
        return weekend if day.weekday() >= 5 else 1.0


def online_curve(day_number: int) -> float:
    """Signatures online per day, relative: the launch, its decay, a steady base growing slowly,
    and a news story on day 38."""
    launch = 7.0 * math.exp(-day_number / 3.5)
    base = 1.0 + day_number / 60
    story = 3.0 * math.exp(-(day_number - 38) / 2.5) if day_number >= 38 else 0.0
    return launch + base + story


def paper_curve(day_number: int) -> float:
    """Paper lines keyed per day, relative: nothing while the first sections are out, then growing
    as circulators join."""
    if day_number < 7:
        return 0.0
    return 0.5 + (day_number - 7) * 0.12


def _spread(total: int, weights: Sequence[float], rng: random.Random) -> list[int]:
    """`total` shared by weights, each day's share a little noisy."""
    noisy = [w * rng.uniform(0.85, 1.15) for w in weights]
    scale = total / sum(noisy) if sum(noisy) else 0
    return [round(w * scale) for w in noisy]


# --- Who signs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A voter of the synthetic file (`voter_id`), or someone not registered (None)."""

    voter_id: int | None
    county: str
    first: str
    middle: str
    last: str
    suffix: str
    number: str
    street: str  # direction, name and type as the voter file has them
    unit: str
    city: str
    zip: str
    dob: date | None


class Signers:
    """The synthetic voters, per county, handed out once each (a valid signature per voter)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        demo_ids = {voter.registrant_id for voter in DEMO_VOTERS}
        by_county: dict[str, list[Person]] = defaultdict(list)
        rows = (
            Voter.objects.filter(registered=True)
            .exclude(registrant_id__in=demo_ids)
            .order_by("id")
            .values_list(
                "id",
                "county_id",
                "first_name",
                "middle_name",
                "last_name",
                "suffix",
                "address_number",
                "address_number_suffix",
                "street_dir_prefix",
                "street_name",
                "street_type",
                "unit_type",
                "unit_number",
                "city",
                "zip",
                "dob",
            )
        )
        for (pk, county, first, middle, last, suffix, number, number_suffix, prefix, name, kind, unit_type, unit, city,
             zip_code, dob) in rows.iterator(chunk_size=5000):  # fmt: skip
            if not (first and last and number and name):
                continue
            street = " ".join(p for p in (prefix, name, kind) if p)
            by_county[county].append(
                Person(
                    voter_id=pk,
                    county=county,
                    first=first,
                    middle=middle,
                    last=last,
                    suffix=suffix,
                    number=f"{number}{number_suffix}",
                    street=street,
                    unit=f"{unit_type or '#'} {unit}" if unit else "",
                    city=city,
                    zip=zip_code,
                    dob=dob,
                )
            )
        for people in by_county.values():
            rng.shuffle(people)
        self.free = dict(by_county)
        self.total = sum(len(people) for people in by_county.values())
        self.codes = sorted(by_county)
        # Voters not yet promised to a signature, per county: a county is picked by its enthusiasm
        # times what is left of it, so that keen small counties do not run out of voters.
        self.budget = [len(by_county[c]) for c in self.codes]
        self.enthusiasm = [ENTHUSIASM.get(c, DEFAULT_ENTHUSIASM) for c in self.codes]
        self.counting: dict[str, list[Draft]] = defaultdict(list)  # per county, signatures that count
        self.unregistered_seen: set[tuple[str, ...]] = set()
        self.places: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for county, people in by_county.items():
            self.places[county] = sorted({(p.city, p.zip) for p in people[:50]})

    def county(self, signatures: int = 1) -> str:
        """A county for `signatures` more signatures."""
        cumulative = list(accumulate(max(0, b) * e for b, e in zip(self.budget, self.enthusiasm)))
        if cumulative[-1] <= 0:
            index = int(self.rng.random() * len(self.codes))
        else:
            index = bisect_right(cumulative, self.rng.random() * cumulative[-1])
        self.budget[index] -= signatures
        return self.codes[index]

    def left(self, county: str) -> int:
        return self.budget[self.codes.index(county)]

    def promise(self, county: str, signatures: int) -> None:
        self.budget[self.codes.index(county)] -= signatures

    def take(self, county: str) -> Person | None:
        people = self.free.get(county)
        return people.pop() if people else None

    def take_elsewhere(self, county: str) -> Person | None:
        """A voter of another county (a signer in the wrong county's section)."""
        for _ in range(5):
            other = self.county()
            if other != county and self.free.get(other):
                return self.take(other)
        return None

    def unregistered(self, county: str) -> Person:
        """Someone the voter file does not hold (a surname it never uses), a different person each time."""
        rng = self.rng
        city, zip_code = rng.choice(self.places.get(county) or [("Sacramento", "95814")])
        while True:
            street = rng.choice(STREET_NAMES)
            number = str(rng.randint(10, 19999))
            if (county, number, street) not in self.unregistered_seen:
                self.unregistered_seen.add((county, number, street))
                break
        kind = "" if street in NO_TYPE_STREETS else rng.choice(("St", "Ave", "Dr", "Way", "Ct"))
        return Person(
            voter_id=None,
            county=county,
            first=rng.choice(UNREGISTERED_GIVEN),
            middle="",
            last=rng.choice(UNREGISTERED_SURNAMES),
            suffix="",
            number=number,
            street=f"{street} {kind}".strip(),
            unit="",
            city=city,
            zip=zip_code,
            dob=None,
        )


# --- A signature in the making ---------------------------------------------------------------------


@dataclass(eq=False)
class Draft:
    channel: str
    county: str
    entered: datetime  # online: confirmed (or created, unconfirmed); paper: keyed
    created: datetime
    confirmed: datetime | None = None
    section: PetitionSection | None = None
    line: int | None = None
    date_signed: date | None = None
    kind: str = "valid"
    person: Person | None = None
    status: str = Status.PENDING
    reason: str = ""
    voter_id: int | None = None
    duplicate_of: Draft | None = None
    validated: datetime | None = None
    received: datetime | None = None
    decided_by: bool = False
    hold: str = ""
    score: float | None = None
    candidates: list = field(default_factory=list)
    written: dict = field(default_factory=dict)
    pk: int | None = None

    @property
    def filed_rank(self) -> tuple:
        """tallies.filing_rank at the end (a pledge after anything filed; earliest filed first)."""
        if self.channel == Signature.Channel.PAPER:
            return (0, self.created)
        return (0, self.received) if self.received else (1,)


def _written(person: Person, rng: random.Random, *, channel: str, kind: str) -> dict:
    """What the signer wrote: their name and address as the voter file has them, with the usual
    variations (a nickname, the street type spelled out or left out, no unit, no ZIP); for
    `address_mismatch` an address where they are not registered, for `incomplete` no city (paper)
    or no house number, for `review` a given name cut to its initial and a surname mistyped."""
    first = person.first
    if kind != "review" and first in NICKNAMES and rng.random() < 0.3:
        first = NICKNAMES[first]
    last = person.last
    if kind == "review":
        first = first[0]
        middle_index = len(last) // 2
        last = last[:middle_index] + ("a" if last[middle_index].lower() != "a" else "e") + last[middle_index + 1 :]
    middle = person.middle if rng.random() < 0.5 else ""
    number, street = person.number, person.street
    words = street.split()
    if words and words[-1] in SPELLED_TYPES and rng.random() < 0.15:
        street = " ".join([*words[:-1], SPELLED_TYPES[words[-1]]])
    if kind == "address_mismatch":
        number = str(rng.randint(10, 19999))
        street = f"{rng.choice(STREET_NAMES)} {rng.choice(('St', 'Ave', 'Dr'))}"
    address = f"{number} {street}"
    city = person.city
    if kind == "incomplete":
        if channel == Signature.Channel.PAPER and rng.random() < 0.7:
            city = ""
        else:
            address = street
    unit = person.unit if kind != "address_mismatch" and rng.random() < 0.8 else ""
    zip_code = person.zip if rng.random() < (0.9 if channel == Signature.Channel.ONLINE else 0.6) else ""
    written: dict[str, Any] = {"address": address, "unit": unit, "city": city, "zip": zip_code}
    if channel == Signature.Channel.ONLINE:
        written.update(first_name=first, middle_name=middle, last_name=last, suffix=person.suffix)
        domain = rng.choice(("example.com", "example.org", "example.net"))
        written["email"] = f"{person.first}.{person.last}{rng.randint(1, 999)}@{domain}".lower().replace(" ", "")
        written["email"] = written["email"].replace("'", "")
        written["dob"] = person.dob if person.dob and rng.random() < 0.3 else None
    else:
        written["name_as_written"] = " ".join(p for p in (first, middle[:1], last, person.suffix) if p)
        written["unit"] = ""
        written["address"] = f"{address} {unit}".strip() if unit else address
    return written


def _kind(rng: random.Random, kinds: dict[str, float]) -> str:
    roll, total = rng.random(), 0.0
    for kind, share in kinds.items():
        total += share
        if roll < total:
            return kind
    return "valid"


# --- Building it -----------------------------------------------------------------------------------


class Builder:
    def __init__(self, petition: Petition, *, signatures: int, seed: int, now: datetime, user: User | None) -> None:
        self.petition = petition
        self.rng = random.Random(seed)  # noqa: S311 - made-up data, not a secret
        self.clock = Clock(self.rng, now=now)
        self.now = now
        self.user = user
        self.signers = Signers(self.rng)
        # Never more signatures than the voter file can sign validly (each voter counts once).
        self.target = max(0, min(signatures, int(self.signers.total * 0.72)))
        self.drafts: list[Draft] = []
        self.circulators: list[Circulator] = []
        self.sections: list[PetitionSection] = []
        self.section_number = 0
        self.duplicates: dict[Draft, list[Draft]] = defaultdict(list)  # a counting signature's duplicates

    # Online ---------------------------------------------------------------------------------------

    def online(self) -> None:
        rng, clock = self.rng, self.clock
        days = [clock.start + timedelta(days=n) for n in range(DAYS_IN + 1)]
        per_day = _spread(round(self.target * ONLINE_SHARE), [online_curve(n) for n in range(DAYS_IN + 1)], rng)
        for day, count in zip(days, per_day):
            for _ in range(count):
                created = clock.signing_time(day)
                if created > self.now:
                    continue
                recent = (self.now - created) < timedelta(days=6)
                confirmed: datetime | None = created + timedelta(minutes=rng.lognormvariate(2.5, 1.0))
                if recent and rng.random() < UNCONFIRMED_SHARE:
                    confirmed = None  # never confirmed: never counted
                elif confirmed is not None and confirmed > self.now:
                    confirmed = None  # the email not opened yet
                draft = Draft(
                    channel=Signature.Channel.ONLINE,
                    county="",
                    entered=confirmed or created,
                    created=created,
                    confirmed=confirmed,
                    date_signed=timezone.localtime(created).date(),
                    kind=_kind(rng, ONLINE_KINDS),
                )
                if confirmed is None:
                    draft.status = Status.UNCONFIRMED
                self.drafts.append(draft)

    # Paper ----------------------------------------------------------------------------------------

    def circulator(self, county: str, joined: date) -> Circulator:
        rng = self.rng
        city, zip_code = rng.choice(self.signers.places.get(county) or [("Sacramento", "95814")])
        circulator = Circulator(
            petition=self.petition,
            name=f"{rng.choice(CIRCULATOR_FIRST)} {rng.choice(CIRCULATOR_LAST)}",
            address=f"{rng.randint(100, 9999)} {rng.choice(STREET_NAMES)} St",
            city=city,
            zip=zip_code,
            created_at=self.clock.office_time(joined),
        )
        self.circulators.append(circulator)
        return circulator

    def section(
        self,
        county: str,
        circulator: Circulator | None,
        *,
        issued: datetime,
        status: str,
        signed: tuple[date, date] | None,
        moved: datetime,
    ) -> PetitionSection:
        self.section_number += 1
        section = PetitionSection(
            petition=self.petition,
            number=f"{county}-{self.section_number:05d}",
            county_id=county,
            circulator=circulator,
            signed_from=signed[0] if signed else None,
            signed_to=signed[1] if signed else None,
            declaration_date=signed[1] if signed else None,
            declaration_place=self.signers.places[county][0][0] if signed and self.signers.places[county] else "",
            status=status,
            status_changed_at=moved,
            status_changed_by=self.user,
            created_at=issued,
        )
        self.sections.append(section)
        return section

    def paper(self) -> None:
        """Per keying day, that day's lines in sections of 8 to 30 lines, each from a circulator of
        the section's county who had joined by then; a few sections back and not keyed yet, and
        blank ones still out with circulators."""
        rng, clock = self.rng, self.clock
        total = self.target - sum(1 for d in self.drafts if d.channel == Signature.Channel.ONLINE)
        per_day = _spread(max(0, total), [paper_curve(n) for n in range(DAYS_IN + 1)], rng)
        circulators: dict[str, list[tuple[date, Circulator]]] = defaultdict(list)
        fabricator: Circulator | None = None
        fabricated_left = FABRICATOR_SECTIONS if self.target >= 5000 else 0

        def circulator_for(county: str, day: date) -> Circulator:
            pool = [c for joined, c in circulators[county] if joined <= day]
            if not pool or (len(pool) < 12 and rng.random() < 0.25):
                joined = max(clock.start + timedelta(days=1), day - timedelta(days=rng.randint(0, 10)))
                circulator = self.circulator(county, joined)
                circulators[county].append((joined, circulator))
                return circulator
            return rng.choice(pool)

        for n, planned in enumerate(per_day):
            day = clock.start + timedelta(days=n)
            left = round(planned * (0.45 if day.weekday() >= 5 else 1.15))  # keyed mostly on weekdays
            while left > 0:
                county = self.signers.county(0)
                # A section no longer than the county has voters left to sign it (small counties).
                lines = min(left, rng.randint(8, 30), max(3, self.signers.left(county)))
                self.signers.promise(county, lines)
                left -= lines
                keyed = clock.office_time(day)
                if keyed > self.now:
                    continue
                fabricated = False
                if fabricated_left and county == FABRICATOR_COUNTY and n > 20 and rng.random() < 0.3:
                    if fabricator is None:  # not in the county's pool: honest sections would hide the made-up ones
                        fabricator = self.circulator(county, day - timedelta(days=14))
                    circulator, fabricated = fabricator, True
                    fabricated_left -= 1
                else:
                    circulator = circulator_for(county, day)
                returned = day - timedelta(days=rng.randint(1, 4))
                signed_to = max(clock.start, returned - timedelta(days=rng.randint(0, 1)))
                signed_from = max(clock.start, signed_to - timedelta(days=rng.randint(2, 6)))
                issued = clock.office_time(max(clock.start, signed_from - timedelta(days=rng.randint(1, 3))))
                verified = (self.now - keyed) > timedelta(days=5)
                section = self.section(
                    county,
                    circulator,
                    issued=min(issued, keyed),
                    status=PetitionSection.Status.VERIFIED if verified else PetitionSection.Status.KEYED,
                    signed=(signed_from, signed_to),
                    moved=keyed + timedelta(days=rng.randint(1, 3)) if verified else keyed,
                )
                span = (signed_to - signed_from).days
                for line in range(1, lines + 1):
                    created = keyed + timedelta(seconds=25 * line)
                    if created > self.now:
                        break
                    self.drafts.append(
                        Draft(
                            channel=Signature.Channel.PAPER,
                            county=county,
                            entered=created,
                            created=created,
                            section=section,
                            line=line,
                            date_signed=signed_from + timedelta(days=rng.randint(0, span)),
                            kind=_kind(rng, FABRICATED_KINDS if fabricated else PAPER_KINDS),
                        )
                    )
        # Back from circulators in the last two days, waiting to be keyed; and blank ones still out.
        for _ in range(max(1, self.target // 2000)):
            county = self.signers.county(0)
            returned = clock.office_time(clock.today - timedelta(days=rng.randint(0, 2)))
            returned = min(returned, self.now - timedelta(minutes=30))
            signed_to = timezone.localtime(returned).date()
            self.section(
                county,
                circulator_for(county, signed_to),
                issued=returned - timedelta(days=6),
                status=PetitionSection.Status.RETURNED,
                signed=(signed_to - timedelta(days=4), signed_to),
                moved=returned,
            )
        for _ in range(max(1, self.target // 500)):
            county = self.signers.county(0)
            issued = clock.office_time(clock.today - timedelta(days=rng.randint(1, 10)))
            self.section(
                county,
                None,
                issued=issued,
                status=PetitionSection.Status.ISSUED,
                signed=None,
                moved=issued,
            )

    # Outcomes -------------------------------------------------------------------------------------

    def outcomes(self) -> None:
        """In the order they were entered: who signed (a voter of the county, another county's for
        a wrong county, an earlier signer for a duplicate, someone unregistered), what they wrote,
        and the outcome; then the signatures sent to review go through the validation engine."""
        rng, signers = self.rng, self.signers
        self.drafts.sort(key=lambda d: d.entered)
        review: list[Draft] = []
        for draft in self.drafts:
            if not draft.county:
                draft.county = signers.county()
            kind = draft.kind
            person: Person | None
            if kind == "duplicate":
                earlier = signers.counting.get(draft.county)
                if earlier:
                    original = rng.choice(earlier)
                    assert original.person is not None  # noqa: S101 - a counting signature has its voter
                    draft.person = original.person
                    draft.written = _written(original.person, rng, channel=draft.channel, kind="valid")
                    self._duplicate(draft, original)
                    continue
                kind = draft.kind = "valid"
            if kind == "wrong_county":
                person = signers.take_elsewhere(draft.county)
            elif kind == "not_registered":
                person = signers.unregistered(draft.county)
            else:
                person = signers.take(draft.county)
            if person is None:
                person, kind = signers.unregistered(draft.county), "not_registered"
                draft.kind = kind
            draft.person = person
            draft.written = _written(person, rng, channel=draft.channel, kind=kind)
            if draft.status == Status.UNCONFIRMED:
                continue
            draft.validated = draft.entered + timedelta(seconds=rng.uniform(2, 40))
            if draft.entered > self.now - timedelta(minutes=PENDING_MINUTES):
                draft.validated = None  # the worker has not got to it yet
                continue
            if kind == "review":
                review.append(draft)
                continue
            self._decide(draft, kind)
        self._review(review)
        self._returns()
        self._holds()

    def _decide(self, draft: Draft, kind: str) -> None:
        person = draft.person
        assert person is not None  # noqa: S101 - outcomes() gave every draft its signer
        rng = self.rng
        if kind == "valid":
            draft.status, draft.voter_id = Status.VALID, person.voter_id
            draft.score = round(rng.uniform(0.93, 1.0), 3)
            draft.candidates = [{"voter": person.voter_id, "score": draft.score}]
            self.signers.counting[draft.county].append(draft)
        elif kind in ("fraud", "withdrawn"):
            # A person's decision: a forged line found at review, or a signer who asked to withdraw.
            draft.status, draft.reason, draft.decided_by = Status.INVALID, kind, True
            draft.voter_id = person.voter_id if kind == Reason.WITHDRAWN else None
            draft.validated = (draft.validated or draft.entered) + timedelta(days=rng.uniform(1, 5))
            draft.validated = min(draft.validated, self.now)
        else:
            draft.status, draft.reason = Status.INVALID, kind
            if kind in (Reason.WRONG_COUNTY, Reason.ADDRESS_MISMATCH, Reason.INCOMPLETE):
                draft.voter_id = person.voter_id
            if draft.voter_id is not None:
                draft.score = round(rng.uniform(0.9, 1.0), 3)
                draft.candidates = [{"voter": draft.voter_id, "score": draft.score}]

    def _duplicate(self, draft: Draft, original: Draft) -> None:
        """A voter signing again. Under the wet-ink rule the filed one counts: a paper line takes over
        from a pledge (the pledge becomes its duplicate); otherwise the new one is the duplicate. A
        second pledge's form is never mailed back (its email says so)."""
        assert original.person is not None  # noqa: S101
        if draft.status == Status.UNCONFIRMED:
            return
        draft.validated = draft.entered + timedelta(seconds=self.rng.uniform(2, 40))
        if draft.entered > self.now - timedelta(minutes=PENDING_MINUTES):
            draft.validated = None
            return
        draft.voter_id = original.voter_id
        draft.score = original.score
        draft.candidates = list(original.candidates)
        if draft.channel == Signature.Channel.PAPER and original.channel == Signature.Channel.ONLINE:
            # The new paper line counts; the pledge steps back (the take-over happens at validation).
            draft.status = Status.VALID
            original.status, original.duplicate_of, original.validated = Status.DUPLICATE, draft, draft.validated
            for other in self.duplicates.pop(original, []):
                other.duplicate_of = draft
                self.duplicates[draft].append(other)
            self.duplicates[draft].append(original)
            counting = self.signers.counting[draft.county]
            counting[counting.index(original)] = draft
        else:
            draft.status, draft.duplicate_of = Status.DUPLICATE, original
            self.duplicates[original].append(draft)

    def _review(self, drafts: list[Draft]) -> None:
        """Signatures written badly enough (an initial, a mistyped surname) go through the
        validation engine itself: what it sends to review waits there if recent, or was decided
        by a reviewer; what it decides stands."""
        if not drafts:
            return
        rows = [self._signature(draft) for draft in drafts]
        for draft, decision in zip(drafts, decide_many(rows)):
            self._engine(draft, decision)

    def _engine(self, draft: Draft, decision: Decision) -> None:
        person = draft.person
        assert person is not None  # noqa: S101
        draft.score, draft.candidates = decision.score, decision.scored
        if decision.status == Status.VALID:
            voter_id = decision.voter.pk if decision.voter else None
            if voter_id != person.voter_id:
                # The engine took the mistyped name for another voter: the demo has them write it out.
                draft.written = _written(person, self.rng, channel=draft.channel, kind="valid")
                voter_id, draft.score = person.voter_id, round(self.rng.uniform(0.93, 1.0), 3)
                draft.candidates = [{"voter": voter_id, "score": draft.score}]
            draft.status, draft.voter_id = Status.VALID, voter_id
            self.signers.counting[draft.county].append(draft)
            return
        if decision.status != Status.REVIEW:
            draft.status, draft.reason = decision.status, decision.reason
            draft.voter_id = decision.voter.pk if decision.voter else None
            return
        draft.status = Status.REVIEW
        assert draft.validated is not None  # noqa: S101 - reviewed drafts were validated
        if self.now - draft.validated < timedelta(days=REVIEW_DAYS):
            return  # still waiting in the queue
        draft.decided_by = True
        draft.validated += timedelta(days=self.rng.uniform(0.5, 4))
        if person.voter_id is not None and any(c["voter"] == person.voter_id for c in decision.scored):
            draft.status, draft.voter_id = Status.VALID, person.voter_id
            self.signers.counting[draft.county].append(draft)
        else:
            draft.status, draft.reason = Status.INVALID, Reason.NOT_REGISTERED

    def _returns(self) -> None:
        """Wet-ink forms mailed back: most valid pledges a week or more old. A returned form's
        signature is filed from the day it was received."""
        rng = self.rng
        for draft in self.drafts:
            if draft.channel != Signature.Channel.ONLINE or draft.status != Status.VALID or draft.validated is None:
                continue
            if draft.decided_by or rng.random() >= FORM_RETURN_SHARE:
                continue
            delay = timedelta(days=rng.uniform(5, 26))
            day = timezone.localtime(draft.validated + delay).date()
            if day.weekday() >= 5:
                day += timedelta(days=7 - day.weekday())  # mail is opened on weekdays
            received = self.clock.office_time(day)
            if received <= self.now:
                draft.received = received

    def _holds(self) -> None:
        """A few recent online signatures over the signing limit of their client address: held, in
        review with their voter as the one candidate."""
        recent = [
            d
            for d in self.drafts
            if d.channel == Signature.Channel.ONLINE
            and d.status == Status.VALID
            and d.received is None
            and d.validated is not None
            and self.now - d.validated < timedelta(days=2)
            and not self.duplicates.get(d)
        ]
        for draft in recent[: max(0, min(4, self.target // 5000))]:
            draft.status, draft.hold = Status.REVIEW, Signature.Hold.ADDRESS_RATE
            draft.candidates = [{"voter": draft.voter_id, "score": draft.score}]
            draft.voter_id = None
            counting = self.signers.counting[draft.county]
            if draft in counting:
                counting.remove(draft)

    # Rows -----------------------------------------------------------------------------------------

    def _fields(self, draft: Draft) -> dict[str, Any]:
        """The signature's row, by attribute name (the fields not named keep their defaults)."""
        fields: dict[str, Any] = {
            "petition_id": self.petition.pk,
            "channel": draft.channel,
            "section_id": draft.section.pk if draft.section else None,
            "line": draft.line,
            "county_id": draft.county,
            "date_signed": draft.date_signed,
            "status": draft.status,
            "reason": draft.reason,
            "voter_id": draft.voter_id,
            "duplicate_of_id": draft.duplicate_of.pk if draft.duplicate_of else None,
            "decided_by_id": self.user.pk if draft.decided_by and self.user else None,
            "match_score": draft.score,
            "match_candidates": draft.candidates,
            "hold": draft.hold,
            "created_at": draft.created,
            "updated_at": draft.validated or draft.entered,
            "validated_at": draft.validated,
            **draft.written,
        }
        if draft.channel == Signature.Channel.ONLINE:
            fields.update(
                confirm_nonce=f"{self.rng.getrandbits(128):032x}",
                confirmation_sent_at=draft.created + timedelta(seconds=4),
                confirmation_attempts=1,
                confirmed_at=draft.confirmed,
                wet_ink_received_at=draft.received,
                wet_ink_received_by_id=self.user.pk if draft.received and self.user else None,
            )
            if draft.validated is not None:
                fields.update(form_email_sent_at=draft.validated + timedelta(seconds=30), form_email_attempts=1)
        if draft.status in (
            Status.INVALID,
            Status.REVIEW,
        ):  # where the engine's person key links an unregistered person
            fields["person_key"] = _person_key(fields)
        return fields

    def _signature(self, draft: Draft) -> Signature:
        """An unsaved Signature of the draft (for the validation engine)."""
        return Signature(**self._fields(draft))

    def save(self) -> Counter:
        """The rows and their tally changes, in the caller's transaction. Returns the changes.

        Circulators and sections by bulk_create; the signatures, tens of thousands of rows of 45
        columns, by one executemany of their values (bulk_create spends most of its time preparing
        each value on its way): each gets its id first, so that a duplicate names its original's."""
        with _timestamps_as_given(Circulator, PetitionSection):
            Circulator.objects.bulk_create(self.circulators, batch_size=500)
            PetitionSection.objects.bulk_create(self.sections, batch_size=500)
        for draft, pk in zip(self.drafts, _ids_reserve(Signature, len(self.drafts))):
            draft.pk = pk
        _rows_insert(Signature, [{"id": draft.pk, **self._fields(draft)} for draft in self.drafts])
        deltas: Counter = Counter()
        for draft in self.drafts:
            row = _Bucketed(
                status=draft.status,
                county_id=draft.county,
                channel=draft.channel,
                wet_ink_received_at=draft.received,
                voter_id=draft.voter_id,
            )
            tallies.tally_move(deltas, before=None, after=tallies.bucket_of(cast(Signature, row), self.petition))
        tallies.tally_changes_record(deltas)
        return deltas


@dataclass(frozen=True)
class _Bucketed:
    """What tallies.bucket_of reads of a signature."""

    status: str
    county_id: str
    channel: str
    wet_ink_received_at: datetime | None
    voter_id: int | None


def _person_key(fields: dict[str, Any]) -> str:
    """The validation engine's key for one unregistered person's signatures (engine.person_key)."""
    name = signature_name(
        cast(
            Signature,
            _Written(
                first_name=fields.get("first_name", ""),
                middle_name=fields.get("middle_name", ""),
                last_name=fields.get("last_name", ""),
                suffix=fields.get("suffix", ""),
                name_as_written=fields.get("name_as_written", ""),
            ),
        )
    )
    address = parse_address(fields["address"], fields.get("unit", ""))
    return person_key(county=fields["county_id"], house=address.house_number, street=address.street.name, name=name)


@dataclass(frozen=True)
class _Written:
    """What engine.signature_name reads of a signature."""

    first_name: str
    middle_name: str
    last_name: str
    suffix: str
    name_as_written: str


def _ids_reserve(model: type[Model], count: int) -> list[int]:
    """`count` ids for new rows of `model`, taken from its sequence (PostgreSQL) or after its
    highest id (SQLite, whose AUTOINCREMENT then carries on after them)."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT MAX(id) FROM {table}")  # noqa: S608 - a model's own table name
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        first = max(highest, found[0] if found else 0) + 1
    return list(range(first, first + count))


def _converter(model_field: models.Field) -> Callable[[Any, Any], Any] | None:
    """How a value of the field goes to the database: as Django prepares it, except for times and
    dates, which are most of the cost: PostgreSQL's driver takes them as they are, and Django keeps
    them in SQLite as text, times in UTC ("2026-12-05 17:04:09.250000")."""
    if isinstance(model_field, models.DateTimeField):
        if connection.vendor == "postgresql":
            return None
        return lambda value, _: str(value.astimezone(UTC).replace(tzinfo=None))
    if isinstance(model_field, models.DateField):
        return None if connection.vendor == "postgresql" else lambda value, _: value.isoformat()
    return model_field.get_db_prep_save


def _rows_insert(model: type[Model], rows: list[dict[str, Any]], *, batch: int = 1000) -> None:
    """INSERT the rows (attribute name -> value; the fields a row leaves out get their default),
    each value prepared for the database only where its type needs it (dates, times, JSON)."""
    fields = list(model._meta.concrete_fields)
    defaults = {f.attname: f.get_default() for f in fields}
    plain = (
        models.CharField,
        models.TextField,
        models.IntegerField,
        models.FloatField,
        models.BooleanField,
        models.ForeignKey,
    )
    converters = [
        None if isinstance(f, plain) and not isinstance(f, models.AutoField) else _converter(f) for f in fields
    ]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    one = f"({', '.join(['%s'] * len(fields))})"
    names = [f.attname for f in fields]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            params = []
            for row in rows[start : start + batch]:
                values = []
                for name, convert in zip(names, converters):
                    value = row[name] if name in row else defaults[name]
                    values.append(value if convert is None or value is None else convert(value, connection))
                params.append(values)
            if connection.vendor == "postgresql":
                # One statement per batch: psycopg2's executemany would send one per row.
                sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(params))}"  # noqa: S608
                cursor.execute(sql, [value for values in params for value in values])
            else:  # SQLite runs executemany's rows in C
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {one}", params)  # noqa: S608


@contextmanager
def _timestamps_as_given(*classes: type[Model]) -> Iterator[None]:
    """bulk_create with the created_at / updated_at the demo gives, not now: auto_now and
    auto_now_add are switched off for the duration (a management command's own process)."""
    switched = []
    for model in classes:
        for model_field in model._meta.concrete_fields:
            for flag in ("auto_now", "auto_now_add"):
                if getattr(model_field, flag, False):
                    setattr(model_field, flag, False)
                    switched.append((model_field, flag))
    try:
        yield
    finally:
        for model_field, flag in switched:
            setattr(model_field, flag, True)


def demo_campaign_load(
    *,
    signatures: int = DEFAULT_SIGNATURES,
    seed: int = 2026,
    now: datetime | None = None,
    user: User | None = None,
    odds: bool = True,
) -> DemoCampaign:
    """Make the demo campaign from nothing (the demo petition's data removed first), count it,
    rebuild its daily snapshots and compute its projection (and odds). `user` is who received
    the forms and decided the reviews (the demo organizer)."""
    now = now or timezone.now()
    petition = demo_petition_ensure(today=timezone.localtime(now).date())
    demo_campaign_remove(petition)
    builder = Builder(petition, signatures=signatures, seed=seed, now=now, user=user)
    petition.required_signatures = max(100, int(round(DEMO_REQUIRED_PER_SIGNATURE * builder.target, -2)))
    petition.save(update_fields=["required_signatures"])
    builder.online()
    builder.paper()
    builder.outcomes()
    with transaction.atomic():
        builder.save()
    tallies.tallies_count()  # folds the changes, publishes the counts and writes today's snapshot
    clock = builder.clock
    snapshots = history.snapshots_backfill(petition, start=clock.start, end=clock.today - timedelta(days=1), now=now)
    projections.projections_compute(petition=petition)
    if odds:
        projections.odds_compute(petition=petition)
    saved = builder.drafts
    return DemoCampaign(
        petition=petition,
        signatures=len(saved),
        by_status=Counter(d.status for d in saved),
        by_reason=Counter(d.reason for d in saved if d.reason),
        sections=len(builder.sections),
        circulators=len(builder.circulators),
        snapshots=snapshots,
    )


def demo_campaign_loaded() -> Petition | None:
    """The demo petition when it has its campaign."""
    petition = Petition.objects.filter(slug=DEMO_SLUG).first()
    if petition is None or not Signature.objects.filter(petition=petition).exists():
        return None
    return petition
