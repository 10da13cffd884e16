"""County filing: what the campaign files with each county's elections official.

Per county: every paper section that is keyed, verified or filed, with its raw
count (every line, whatever we found, as the county's raw count does), and
every returned wet-ink form (a single-signature section, raw 1). The totals add
our own valid / invalid / duplicate breakdown for the campaign; the filing
CSV and the cover sheet carry only what the county is handed. Totals come from
GROUP BY queries; section and form lists are streamed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q

from petitions.codes import form_code, section_code
from petitions.models import County, Petition, PetitionSection, Signature

FILED_SECTION_STATUSES = (
    PetitionSection.Status.KEYED,
    PetitionSection.Status.VERIFIED,
    PetitionSection.Status.FILED,
)
COUNTY_HEADER: list[object] = [
    "county_code",
    "county",
    "kind",
    "number",
    "code",
    "signed_from",
    "signed_to",
    "declaration_date",
    "raw",
]
STATEWIDE_HEADER: list[object] = ["county_code", "county", "sections", "forms", "raw", "required"]

Status = Signature.Status


@dataclass
class FiledSection:
    number: str
    code: str
    signed_from: date | None
    signed_to: date | None
    declaration_date: date | None
    raw: int


@dataclass
class CountyFiling:
    """A county's totals: what it is handed (sections, forms, raw) and what we found."""

    code: str
    name: str
    sections: int = 0
    section_lines: int = 0
    forms: int = 0
    valid: int = 0
    invalid: int = 0
    duplicate: int = 0

    @property
    def raw(self) -> int:
        return self.section_lines + self.forms

    @property
    def documents(self) -> int:
        """Paper sections and single-signature forms: each is a section to the county."""
        return self.sections + self.forms

    @property
    def undecided(self) -> int:
        return self.raw - self.valid - self.invalid - self.duplicate


@dataclass
class StatewideFiling:
    required: int
    counties: list[CountyFiling] = field(default_factory=list)

    @property
    def sections(self) -> int:
        return sum(county.sections for county in self.counties)

    @property
    def forms(self) -> int:
        return sum(county.forms for county in self.counties)

    @property
    def raw(self) -> int:
        return sum(county.raw for county in self.counties)

    @property
    def documents(self) -> int:
        return self.sections + self.forms

    @property
    def short(self) -> int:
        """Raw signatures missing to reach the requirement (EC 9030: below it the petition fails)."""
        return max(0, self.required - self.raw)

    @property
    def percent_of_required(self) -> Decimal | None:
        """Rounded down to two places, so 99.999 % never shows as 100.00."""
        return Decimal(self.raw * 10_000 // self.required) / 100 if self.required else None


def _outcomes() -> dict[str, Count]:
    """Our outcome counts, as the tallies count them: a duplicate of someone unregistered is invalid."""
    return {
        "total": Count("id"),
        "valid": Count("id", filter=Q(status=Status.VALID)),
        "invalid": Count("id", filter=Q(status=Status.INVALID) | Q(status=Status.DUPLICATE, voter__isnull=True)),
        "duplicate": Count("id", filter=Q(status=Status.DUPLICATE, voter__isnull=False)),
    }


def _filed_lines(petition: Petition):
    return Signature.objects.filter(
        petition=petition, channel=Signature.Channel.PAPER, section__status__in=FILED_SECTION_STATUSES
    )


def _returned_forms(petition: Petition):
    return Signature.objects.filter(
        petition=petition, channel=Signature.Channel.ONLINE, wet_ink_received_at__isnull=False
    )


def _filed_sections(petition: Petition):
    return PetitionSection.objects.filter(petition=petition, status__in=FILED_SECTION_STATUSES)


def statewide_filing(petition: Petition) -> StatewideFiling:
    """Every county with something to file, in code order, and the requirement: three GROUP BY queries."""
    sections, lines, forms = _filed_sections(petition), _filed_lines(petition), _returned_forms(petition)
    names = dict(County.objects.values_list("code", "name"))
    filings: dict[str, CountyFiling] = {}

    def filing(code: str) -> CountyFiling:
        return filings.setdefault(code, CountyFiling(code=code, name=names[code]))

    for row in sections.values("county_id").annotate(n=Count("id")).order_by():
        filing(row["county_id"]).sections = row["n"]
    for rows, attribute in (
        (lines.values(code=F("section__county_id")), "section_lines"),
        (forms.values(code=F("county_id")), "forms"),
    ):
        for row in rows.annotate(**_outcomes()).order_by():
            target = filing(row["code"])
            setattr(target, attribute, row["total"])
            target.valid += row["valid"]
            target.invalid += row["invalid"]
            target.duplicate += row["duplicate"]
    return StatewideFiling(required=petition.required_signatures, counties=[filings[code] for code in sorted(filings)])


def filed_sections(petition: Petition, county: County) -> Iterator[FiledSection]:
    """The county's keyed, verified and filed sections by number, each with its raw count."""
    rows = (
        _filed_sections(petition)
        .filter(county=county)
        .annotate(raw=Count("signature"))
        .order_by("number")
        .values_list("pk", "number", "signed_from", "signed_to", "declaration_date", "raw")
    )
    for pk, number, signed_from, signed_to, declaration_date, raw in rows.iterator(chunk_size=2000):
        yield FiledSection(number, section_code(pk), signed_from, signed_to, declaration_date, raw)


def returned_form_codes(petition: Petition, county: County) -> Iterator[str]:
    """The codes of the county's returned wet-ink forms, in the order they arrived."""
    rows = _returned_forms(petition).filter(county=county).order_by("wet_ink_received_at", "id")
    for pk in rows.values_list("pk", flat=True).iterator(chunk_size=5000):
        yield form_code(pk)


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def county_filing_rows(petition: Petition, county: County) -> Iterator[list[object]]:
    """The county's filing as CSV rows: each section, each form, then the total
    of the rows above. No personal data: the circulator's name and address are
    on the section's declaration itself, which the county receives."""
    yield COUNTY_HEADER
    total = 0
    for section in filed_sections(petition, county):
        total += section.raw
        yield [
            county.code,
            county.name,
            "section",
            section.number,
            section.code,
            _iso(section.signed_from),
            _iso(section.signed_to),
            _iso(section.declaration_date),
            section.raw,
        ]
    for code in returned_form_codes(petition, county):
        total += 1
        yield [county.code, county.name, "form", "", code, "", "", "", 1]
    yield [county.code, county.name, "total", "", "", "", "", "", total]


def statewide_filing_rows(petition: Petition) -> Iterator[list[object]]:
    """Per county: sections, forms, raw; then the statewide total beside the requirement."""
    statewide = statewide_filing(petition)
    yield STATEWIDE_HEADER
    for county in statewide.counties:
        yield [county.code, county.name, county.sections, county.forms, county.raw, ""]
    yield ["00", "Statewide", statewide.sections, statewide.forms, statewide.raw, statewide.required]
