"""Keyed paper signatures: import_signatures PATH --petition SLUG."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from petitions.models import PetitionSection, Signature
from tests.factories import VoterFactory

pytestmark = pytest.mark.django_db

HEADER = "section,line,county,name,address,city,zip,date_signed\n"


def run(path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_signatures", str(path), "--petition", "calexit", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, body: str, name="keyed.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body)
    return path


def test_keyed_rows_become_signatures_in_their_sections_and_are_validated(tmp_path, run_on_commit):
    voter = VoterFactory()
    path = write(
        tmp_path,
        "S-0001,1,34,Maria Garcia,1200 J St,Sacramento,95814,2026-11-01\n"
        "S-0001,2,34,Someone Else,5 K St,Sacramento,,\n",
    )
    with run_on_commit():
        out, _err = run(path)

    assert out.strip() == (
        "Imported keyed.csv: 2 rows, 2 new signatures, 0 already imported, 0 bad rows, "
        "1 new sections; validation queued"
    )
    section = PetitionSection.objects.get(number="S-0001")
    assert section.county_id == "34"
    first, second = Signature.objects.order_by("line")
    assert (first.channel, first.section, first.line, first.status, first.voter) == (
        "paper",
        section,
        1,
        "valid",
        voter,
    )
    assert (second.status, second.reason) == ("invalid", "not_registered")


def test_importing_the_same_section_line_twice_adds_nothing(tmp_path):
    path = write(tmp_path, "S-0001,1,34,Maria Garcia,1200 J St,Sacramento,95814,\n")
    run(path)
    out, _ = run(path)
    assert "0 new signatures, 1 already imported" in out
    assert Signature.objects.count() == 1


def test_bad_rows_are_reported_with_their_line_and_the_rest_imported(tmp_path):
    path = write(
        tmp_path,
        "S-1,1,34,Maria Garcia,1200 J St,Sacramento,95814,\n"  # line 2: fine
        "S-1,2,99,Ana Lopez,1 A St,Sacramento,,\n"  # line 3: no county 99
        "S-1,x,34,Ana Lopez,1 A St,Sacramento,,\n"  # line 4: bad line number
        "S-1,3,34,Ana Lopez,1 A St,Sacramento,,31/02/2026\n"  # line 5: bad date
        "S-1,4,19,Ana Lopez,1 A St,Los Angeles,,\n"  # line 6: section is in 34
        "S-1,5,34,Ana Lopez\n"  # line 7: short row
        "S-1,6,34,Ana Lopez,1 A St,Sacramento,,\n",
    )  # line 8: fine
    out, err = run(path)

    assert err.splitlines() == [
        "line 3: county '99' is not a county code 01-58",
        "line 4: line 'x' is not a positive whole number",
        "line 5: date_signed '31/02/2026' is not a date (YYYY-MM-DD or MM/DD/YYYY)",
        "line 6: section S-1 circulates in county 34, not 19",
        "line 7: has 4 fields, the header has 8",
    ]
    assert "2 new signatures" in out and "5 bad rows" in out
    assert sorted(Signature.objects.values_list("line", flat=True)) == [1, 6]


def test_a_file_without_the_header_is_refused_whole(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("section,line,name\nS-1,1,Maria Garcia\n")
    with pytest.raises(CommandError, match="lacks the column") as refused:
        run(path)
    assert refused.value.returncode == 1
    assert Signature.objects.count() == 0 and PetitionSection.objects.count() == 0


@pytest.mark.parametrize(("threshold", "analysed"), [(2, True), (3, False)])
def test_a_large_import_refreshes_the_signature_tables_statistics(tmp_path, monkeypatch, threshold, analysed):
    """The validation it queues plans by them: with stale numbers each batch got slower as signatures piled up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from petitions.services import paper

    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE is PostgreSQL's")
    monkeypatch.setattr(paper, "ANALYZE_AFTER_ROWS", threshold)
    path = write(
        tmp_path,
        "S-0001,1,34,Maria Garcia,1200 J St,Sacramento,95814,\nS-0001,2,34,Someone Else,5 K St,Sacramento,,\n",
    )
    with CaptureQueriesContext(connection) as queries:
        out, _ = run(path)
    assert "2 new signatures" in out
    assert any(q["sql"] == "ANALYZE petitions_signature" for q in queries.captured_queries) is analysed
