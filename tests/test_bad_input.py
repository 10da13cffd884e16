"""Whatever people type, paste or upload, the site never answers 500 and an
import never stops half-way: a bad field gets its message, a bad row its line
number, and what is saved is in Unicode's composed form and fits its column."""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from petitions.demo.voters import synthetic_header
from petitions.models import PetitionSection, Signature, Voter
from petitions.services.paper import KeyedLineInput, paper_lines_create
from petitions.services.signing import signature_confirm
from tests.factories import SIGN_FORM, SignatureFactory, VoterFactory

pytestmark = pytest.mark.django_db

FAST = hypothesis_settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

NASTY = [
    "",
    " ",
    "\u0661\u0662\u0660\u0660",
    "\uff11\uff12",
    "\u00b2",
    "Jose\u0301",
    "Jos\u00e9",
    "A\u030a\u0308",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "x" * 300,
    "\u1100\u1161\u11a8" * 40,
    "\U0001f600",
    "\u202e",
    "\u0000",
    "a\tb\nc",
    "Robert'); DROP TABLE x;--",
]
FIELD_LENGTHS = {f.name: f.max_length for f in Signature._meta.concrete_fields if f.max_length}


def wild(good: str) -> st.SearchStrategy[str]:
    """Mostly something odd, sometimes the good value, so that valid signatures are saved too."""
    return st.one_of(
        st.just(good),
        st.sampled_from(NASTY),
        st.text(max_size=120),
        st.sampled_from(NASTY).map(lambda nasty: good + nasty),
    )


def stored_text_is_composed_and_fits(signature: Signature) -> None:
    for name, limit in FIELD_LENGTHS.items():
        value = getattr(signature, name)
        if isinstance(value, str):
            assert len(value) <= limit, (name, value)
            assert unicodedata.is_normalized("NFC", value), (name, value)


# --- The sign form ----------------------------------------------------------------


@FAST
@given(form=st.fixed_dictionaries({name: wild(value) for name, value in SIGN_FORM.items()}))
@example(form={**SIGN_FORM, "first_name": "Jose\u0301", "city": "San Jose\u0301"})
@example(form={**SIGN_FORM, "address": "\u0661\u0662\u0660\u0660 J St", "zip": "\u0669\u0665\u0668\u0661\u0664"})
@example(form={**SIGN_FORM, "last_name": "=cmd|' /C calc'!A0", "email": "a@b.c"})
@example(form={**SIGN_FORM, "first_name": "\u1100\u1161\u11a8" * 40})  # 120 jamo: 40 syllables once composed
def test_the_sign_form_answers_with_field_errors_or_a_saved_signature_never_a_500(client, run_on_commit, form):
    before = Signature.objects.count()

    response = client.post("/p/calexit/sign/", form)

    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert Signature.objects.count() == before
        assert "is-invalid" in response.content.decode() or "alert" in response.content.decode()
        return
    signature = Signature.objects.order_by("-pk").first()
    stored_text_is_composed_and_fits(signature)
    with run_on_commit():
        signature_confirm(signature=signature)
    signature.refresh_from_db()
    assert signature.status != "pending"  # validated: the keys derived from it fit too
    stored_text_is_composed_and_fits(signature)


def test_a_name_typed_with_separate_accents_is_stored_composed_and_finds_its_voter(client, run_on_commit):
    voter = VoterFactory(first_name="Jos\u00e9", last_name="Nu\u00f1ez")

    client.post("/p/calexit/sign/", {**SIGN_FORM, "first_name": "Jose\u0301", "last_name": "Nun\u0303ez"})
    signature = Signature.objects.get()
    assert (signature.first_name, signature.last_name) == ("Jos\u00e9", "Nu\u00f1ez")
    with run_on_commit():
        signature_confirm(signature=signature)

    signature.refresh_from_db()
    assert (signature.status, signature.voter) == ("valid", voter)


# --- Links --------------------------------------------------------------------------

TOKENS = st.one_of(
    st.text(min_size=1, max_size=80),
    st.from_regex(r"[0-9\u0660-\u0669\u06f0-\u06f9\uff10-\uff19\u00b2]{1,30}-[0-9a-f]{0,40}", fullmatch=True),
)


@FAST
@given(token=TOKENS)
@example(token="\u0661-abc")
@example(token="\u0661")
@example(token="9" * 30 + "-x")
@example(token="\u00b2-0")
def test_any_confirmation_or_form_link_that_is_not_ours_is_a_404(client, token):
    SignatureFactory(status="unconfirmed", confirm_nonce="n" * 32)
    quoted = quote(token, safe="")

    for path in (f"/p/calexit/confirm/{quoted}/", f"/p/calexit/form/{quoted}/"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/p/calexit/confirm/{quoted}/").status_code == 404
    assert client.get(f"/p/calexit/thanks/?form={quoted}").status_code == 200
    assert Signature.objects.filter(status="unconfirmed").count() == Signature.objects.count()


# --- import_signatures ---------------------------------------------------------------

HEADER = ["section", "line", "county", "name", "address", "city", "zip", "date_signed"]
GOOD_ROW = ["G-1", "{line}", "34", "Maria Garcia", "1200 J St", "Sacramento", "95814", "2026-03-05"]


def garbage_bytes(raw: bytes) -> bytes:
    """A line of bytes (not UTF-8, as often as not) that stays one line: no newline, no quote."""
    return raw.replace(b"\n", b" ").replace(b"\r", b" ").replace(b'"', b"'")


ROWS = st.lists(
    st.one_of(
        st.just("good"),
        st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=60)), min_size=0, max_size=10),
        st.binary(min_size=1, max_size=60).map(garbage_bytes),
        st.sampled_from(
            [
                b"\xff\xfe\xfa,1,34,x,1 A St,Sacramento,,",
                "x" * 140_000,
                "S,1,34," + "n" * 300 + ",1 A,B,,",
                "S,99999999999,34,a,1 A,B,,",
                "S,\u00b2,34,a,1 A,B,,",
                "S,\u0661,\u0663\u0664,a,1 A,B,,",
                "S,1,34,=cmd|' /C calc'!A0,1 A St,Sacramento,,",
            ]
        ),
    ),
    max_size=12,
)


def write_rows(path: Path, rows) -> list[int]:
    """Write the header and `rows`; returns the line numbers of the good rows."""
    good_lines, out = [], io.BytesIO()
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(HEADER)
    line = 1
    for n, row in enumerate(rows):
        line += 1
        if row == "good":
            writer.writerow([cell.format(line=n + 1) for cell in GOOD_ROW])
            good_lines.append(line)
        elif isinstance(row, bytes):
            out.write(row + b"\n")
        elif isinstance(row, str):
            text.write(row + "\n")
        else:
            writer.writerow(row)
            line += sum(cell.count("\n") + cell.count("\r") for cell in row)  # csv counts the lines inside quotes
    path.write_bytes(out.getvalue())
    return good_lines


def import_signatures(path: Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_signatures", str(path), "--petition", "calexit", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@FAST
@given(rows=ROWS)
def test_import_signatures_reports_bad_rows_by_line_and_imports_the_rest(tmp_path, rows):
    path = tmp_path / "keyed.csv"
    good_lines = write_rows(path, rows)

    with transaction.atomic():
        try:
            check_import(path, good_lines)
        finally:
            transaction.set_rollback(True)  # each example starts from an empty petition


def check_import(path: Path, good_lines: list[int]) -> None:
    try:
        out, err = import_signatures(path)
    except CommandError as refused:
        assert "nothing imported" in str(refused)
        assert not Signature.objects.exists()
        return
    assert Signature.objects.filter(section__number="G-1").count() == len(good_lines)
    for signature in Signature.objects.all():
        stored_text_is_composed_and_fits(signature)
    for message in err.splitlines():
        assert message.startswith(("line ", "... and")), message
        if message.startswith("line "):
            assert int(message.split()[1].rstrip(":")) >= 2
    numbers = [int(word.replace(",", "")) for word in out.split(":", 1)[1].split() if word.replace(",", "").isdigit()]
    rows_read, created, already, bad = numbers[:4]
    assert rows_read == created + already + bad


def test_a_file_of_bad_bytes_and_huge_lines_imports_its_good_rows(tmp_path):
    path = tmp_path / "keyed.csv"
    write_rows(path, ["good", b"\xff\xfe,\xe9", "x" * 140_000, "good", "S,1,34,a\u0000b,1 A,B,,", "good"])

    out, err = import_signatures(path)

    assert "6 rows, 3 new signatures, 0 already imported, 3 bad rows" in out
    assert "line 3: " in err and "line 4: " in err and "line 6: name contains a NUL character" in err
    assert Signature.objects.count() == 3


def test_paper_lines_are_stored_composed(calexit):
    section = PetitionSection.objects.create(petition=calexit, number="S-1", county_id="34")

    created = paper_lines_create(
        lines=[
            KeyedLineInput(
                section=section, line=1, name="Jose\u0301 Nun\u0303ez", address="1 A St", city="San Jose\u0301"
            )
        ]
    ).created

    signature = Signature.objects.get(pk=created[0].pk)
    assert (signature.name_as_written, signature.city) == ("Jos\u00e9 Nu\u00f1ez", "San Jos\u00e9")


# --- import_voters ----------------------------------------------------------------------

VOTER_HEADER = synthetic_header()


def voter_line(registrant: str, **values: str) -> str:
    row = {
        "CountyCode": "34",
        "RegistrantID": registrant,
        "LastName": "Garcia",
        "FirstName": "Maria",
        "AddressNumber": "1200",
        "StreetName": "J",
        "StreetType": "ST",
        "City": "Sacramento",
        "State": "CA",
        "Zip": "95814",
        "Status": "A",
        **values,
    }
    return "\t".join(row.get(column, "") for column in VOTER_HEADER)


VOTER_ROWS = st.lists(
    st.one_of(
        st.just("good"),
        st.lists(
            st.one_of(
                st.sampled_from(NASTY), st.text(alphabet=st.characters(exclude_characters="\t\n\r"), max_size=40)
            ),
            max_size=len(VOTER_HEADER) + 2,
        ),
        st.binary(min_size=1, max_size=80).map(lambda raw: raw.replace(b"\n", b" ").replace(b"\r", b" ")),
        st.sampled_from(["x" * 200_000, "\u0000\t" * 30]),
    ),
    max_size=12,
)


@FAST
@given(rows=VOTER_ROWS)
def test_import_voters_reports_bad_rows_by_line_and_imports_the_rest(tmp_path, rows):
    path = tmp_path / "voters.tsv"
    good_ids, out = [], io.BytesIO()
    out.write(("\t".join(VOTER_HEADER) + "\n").encode())
    for n, row in enumerate(rows):
        if row == "good":
            good_ids.append(f"GOOD{n}")
            out.write((voter_line(f"GOOD{n}", FirstName="Jose\u0301") + "\n").encode())
        elif isinstance(row, bytes):
            out.write(row + b"\n")
        elif isinstance(row, str):
            out.write((row + "\n").encode())
        else:
            out.write(("\t".join(row) + "\n").encode())
    path.write_bytes(out.getvalue())
    stdout, stderr = io.StringIO(), io.StringIO()

    with transaction.atomic():
        try:
            call_command("import_voters", str(path), stdout=stdout, stderr=stderr)
            assert set(
                Voter.objects.filter(registrant_id__startswith="GOOD").values_list("registrant_id", flat=True)
            ) >= set(good_ids)
            for voter in Voter.objects.all():
                assert unicodedata.is_normalized("NFC", voter.first_name), voter.first_name
        finally:
            transaction.set_rollback(True)


def test_an_nfd_name_in_the_voter_file_is_stored_composed(tmp_path):
    path = tmp_path / "voters.tsv"
    path.write_text("\t".join(VOTER_HEADER) + "\n" + voter_line("V1", FirstName="Jose\u0301") + "\n")

    call_command("import_voters", str(path), stdout=io.StringIO(), stderr=io.StringIO())

    assert Voter.objects.get(registrant_id="V1").first_name == "Jos\u00e9"


# --- What is shown back ------------------------------------------------------------------

XSS = "<script>alert('x')</script>"


def test_a_script_in_a_name_is_shown_as_text_in_the_review_queue_and_on_the_section_page(
    client, calexit, reviewer, private_cache
):
    try:
        from tests.conftest import login_verified
    except ImportError:  # before staff sign-in asks for a second factor
        login_verified = type(client).force_login
    voter = VoterFactory()
    section = PetitionSection.objects.create(petition=calexit, number="S-1", county_id="34", status="returned")
    SignatureFactory(
        status="review", first_name=XSS, last_name="Garcia", match_candidates=[{"voter": voter.pk, "score": 0.8}]
    )
    paper_lines_create(
        lines=[KeyedLineInput(section=section, line=1, name=XSS, address="1200 J St", city="Sacramento")]
    )
    login_verified(client, reviewer)

    for url in ("/dashboard/review/", f"/dashboard/sections/{section.pk}/"):
        page = client.get(url).content.decode()
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page, url
        assert XSS not in page, url
