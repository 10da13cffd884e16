"""County filing: each county is handed its keyed sections and its returned
wet-ink forms with their raw counts, as a CSV and a printed cover sheet, and
the campaign sees the statewide summary against the requirement."""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from pypdf import PdfReader

from petitions.codes import form_code, section_code
from petitions.models import Circulator, Petition, PetitionSection, Signature
from petitions.reports.filing import FILED_SECTION_STATUSES, statewide_filing
from tests.factories import SignatureFactory, VoterFactory

Status = PetitionSection.Status


def section(
    petition,
    number: str,
    *,
    county: str = "34",
    status: str = Status.KEYED,
    circulator=None,
    lines: list[dict] | None = None,
) -> PetitionSection:
    paper = PetitionSection.objects.create(
        petition=petition,
        number=number,
        county_id=county,
        status=status,
        circulator=circulator,
        signed_from=datetime.date(2026, 3, 2),
        signed_to=datetime.date(2026, 3, 9),
        declaration_date=datetime.date(2026, 3, 10),
    )
    for line, fields in enumerate(lines or [], start=1):
        SignatureFactory(
            petition=petition,
            channel="paper",
            section=paper,
            line=line,
            county_id=county,
            email="",
            last_name="Signerson",
            **fields,
        )
    return paper


VALID = {"status": "valid"}
INVALID = {"status": "invalid", "reason": "not_registered"}
PENDING = {"status": "pending"}


@pytest.fixture
def filing(calexit):
    """Sacramento files four keyed-or-later sections and two forms; the rest must stay out."""
    circulator = Circulator.objects.create(petition=calexit, name="Carla Circulator", phone="916-555-0199")
    voter = VoterFactory()
    section(calexit, "S-1", circulator=circulator, lines=[{"status": "valid", "voter": voter}, INVALID, PENDING])
    section(
        calexit,
        "S-2",
        status=Status.VERIFIED,
        lines=[
            VALID,
            {"status": "review"},
            {
                "status": "duplicate",
                "voter": voter,
                "duplicate_of": Signature.objects.get(section__number="S-1", line=1),
            },
        ],
    )
    section(calexit, "S-3", status=Status.FILED, lines=[VALID])
    section(calexit, "S-4", lines=[])  # keyed, but every line was left blank
    section(calexit, "=1+1", lines=[VALID])  # a number a spreadsheet would run as a formula
    # Not filed with Sacramento:
    section(calexit, "S-5", status=Status.ISSUED)  # still out with its circulator
    section(calexit, "S-6", status=Status.RETURNED, lines=[VALID, VALID])  # back, not keyed yet
    section(calexit, "LA-1", county="19", lines=[VALID, INVALID])
    other = Petition.objects.create(slug="other", title="Another measure", question="?", required_signatures=10)
    section(other, "O-1", lines=[VALID, VALID])
    now = timezone.now()
    forms = [
        SignatureFactory(status="valid", wet_ink_received_at=now - datetime.timedelta(days=1)),
        SignatureFactory(status="invalid", reason="not_registered", wet_ink_received_at=now),
    ]
    SignatureFactory(status="valid")  # pledged online, form not back
    SignatureFactory(county_id="19", status="valid", wet_ink_received_at=now)
    return {"forms": forms}


def recount(petition, county: str) -> tuple[dict[str, int], list[int]]:
    """The raw counts from the signature rows, one by one: sections' lines and returned forms."""
    by_section: Counter[str] = Counter()
    forms = []
    for signature in Signature.objects.filter(petition=petition).select_related("section"):
        if signature.channel == "paper":
            section = signature.section
            assert section is not None, signature.pk  # a paper signature is a line of a section
            if section.county_id == county and section.status in FILED_SECTION_STATUSES:
                by_section[section.number] += 1
        elif signature.channel == "online" and signature.county_id == county and signature.wet_ink_received_at:
            forms.append(signature.pk)
    for number in PetitionSection.objects.filter(
        petition=petition, county_id=county, status__in=FILED_SECTION_STATUSES
    ).values_list("number", flat=True):
        by_section.setdefault(number, 0)
    return dict(by_section), forms


def export(*args: str) -> None:
    call_command("export_filing", *args, stdout=io.StringIO(), stderr=io.StringIO())


def county_csv(tmp_path, county: str = "34") -> list[list[str]]:
    target = tmp_path / f"{county}.csv"
    export("--petition", "calexit", "--county", county, "--output", str(target))
    return list(csv.reader(target.open(newline="")))


def test_the_county_csv_lists_each_filed_section_and_form_and_totals_what_a_recount_finds(filing, calexit, tmp_path):
    rows = county_csv(tmp_path)
    header, body, total = rows[0], rows[1:-1], rows[-1]
    sections = {row[3]: int(row[8]) for row in body if row[2] == "section"}
    form_rows = [row for row in body if row[2] == "form"]
    expected_sections, expected_forms = recount(calexit, "34")

    assert header == [
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
    assert sections == {f"'{n}" if n.startswith("=") else n: raw for n, raw in expected_sections.items()}
    assert sections == {"S-1": 3, "S-2": 3, "S-3": 1, "S-4": 0, "'=1+1": 1}
    assert [row[4] for row in form_rows] == [form_code(pk) for pk in expected_forms]
    assert all(row[8] == "1" for row in form_rows) and len(form_rows) == 2
    assert total[2] == "total" and int(total[8]) == sum(expected_sections.values()) + len(expected_forms) == 10
    s1 = next(row for row in body if row[3] == "S-1")
    assert s1 == [
        "34",
        "Sacramento",
        "section",
        "S-1",
        section_code(PetitionSection.objects.get(number="S-1").pk),
        "2026-03-02",
        "2026-03-09",
        "2026-03-10",
        "3",
    ]


def test_a_section_number_like_a_formula_is_escaped(filing, tmp_path, client, volunteer):
    assert next(r for r in county_csv(tmp_path) if "1+1" in r[3])[:4] == ["34", "Sacramento", "section", "'=1+1"]
    client.force_login(volunteer)
    response = client.get("/dashboard/p/calexit/filing/34.csv")
    text = b"".join(response.streaming_content).decode()
    assert "'=1+1" in text and ",=1+1" not in text


def test_the_filing_csv_carries_no_personal_data(filing, tmp_path):
    text = "\n".join(",".join(row) for row in county_csv(tmp_path))
    assert "Signerson" not in text and "Carla" not in text and "555" not in text and "@" not in text


def test_county_totals_add_our_findings_for_the_campaign(filing, calexit):
    sacramento = next(county for county in statewide_filing(calexit).counties if county.code == "34")

    assert (sacramento.sections, sacramento.section_lines, sacramento.forms, sacramento.raw) == (5, 8, 2, 10)
    # Paper: 4 valid, 1 invalid, 1 duplicate, 1 pending, 1 review; forms: 1 valid, 1 invalid.
    assert (sacramento.valid, sacramento.invalid, sacramento.duplicate, sacramento.undecided) == (5, 2, 1, 2)


def test_the_statewide_summary_counts_each_county_against_the_requirement(filing, calexit, tmp_path):
    target = tmp_path / "statewide.csv"
    export("--petition", "calexit", "--output", str(target))
    rows = list(csv.reader(target.open(newline="")))

    assert rows == [
        ["county_code", "county", "sections", "forms", "raw", "required"],
        ["19", "Los Angeles", "1", "1", "3", ""],
        ["34", "Sacramento", "5", "2", "10", ""],
        ["00", "Statewide", "6", "3", "13", str(calexit.required_signatures)],
    ]
    statewide = statewide_filing(calexit)
    assert statewide.short == calexit.required_signatures - 13


def test_the_cover_sheet_names_the_county_and_lists_every_section_and_the_raw_total(filing, calexit, tmp_path):
    target = tmp_path / "cover.pdf"
    export("--petition", "calexit", "--county", "Sacramento", "--format", "pdf", "--output", str(target))

    reader = PdfReader(target)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert target.read_bytes().startswith(b"%PDF")
    assert reader.pages[0].mediabox.width == 612 and reader.pages[0].mediabox.height == 792  # US Letter
    assert "Filed with the Sacramento County elections official" in text
    assert calexit.title in text
    assert re.search(r"Raw count\s+10\b", text)
    assert re.search(r"Sections filed\s+7\b", text)
    for number in ["S-1", "S-2", "S-3", "S-4", "=1+1"]:
        assert number in text
    for absent in ["S-5", "S-6", "LA-1", "O-1"]:
        assert absent not in text
    for form in filing["forms"]:
        assert form_code(form.pk) in text
    assert "proponent" in text


def test_the_command_refuses_an_unknown_county_clearly(filing, tmp_path):
    target = tmp_path / "nowhere.csv"
    with pytest.raises(CommandError, match=r"No county '99'.*01 Alameda to 58 Yuba") as refused:
        export("--petition", "calexit", "--county", "99", "--output", str(target))
    assert refused.value.returncode != 0
    assert not target.exists()


def test_a_cover_sheet_needs_a_county(filing, tmp_path):
    with pytest.raises(CommandError, match="add --county") as refused:
        export("--petition", "calexit", "--format", "pdf", "--output", str(tmp_path / "all.pdf"))
    assert refused.value.returncode != 0


def test_the_filing_page_lists_counties_with_links_for_a_volunteer(filing, client, volunteer):
    client.force_login(volunteer)
    assert 'id="filing-link"' in client.get("/dashboard/").content.decode()

    response = client.get("/dashboard/filing/")

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'data-county="34">.*?Sacramento.*?>10<', html, re.S)
    assert "/dashboard/p/calexit/filing/34.csv" in html and "/dashboard/p/calexit/filing/34.pdf" in html
    assert "/dashboard/p/calexit/filing.csv" in html
    assert "Carla" not in html
    pdf = client.get("/dashboard/p/calexit/filing/34.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    statewide = b"".join(client.get("/dashboard/p/calexit/filing.csv").streaming_content).decode()
    assert "00,Statewide,6,3,13," in statewide


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/filing/",
        "/dashboard/p/calexit/filing.csv",
        "/dashboard/p/calexit/filing/34.csv",
        "/dashboard/p/calexit/filing/34.pdf",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, calexit, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
